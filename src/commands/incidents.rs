//! `incidents` (the incidents in the history `watch` keeps) and `report` (one incident's
//! postmortem draft as Markdown, HTML or JSON). Both only read the state database.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::history::open;
use super::{select, CommandError};
use crate::agent::incidents::{self, Incident};
use crate::agent::page::{human, when, Pages, PipelineInfo};
use crate::agent::plot::Metric;
use crate::clock::{Clock as _, SystemClock};
use crate::config::{Config, ProcessEnv};
use crate::exit::Exit;
use crate::lang::Lang;
use crate::observation::Timestamp;
use crate::report::Format;

/// `report --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Markdown (the plots as files beside it with `--out`).
    Markdown,
    /// One HTML page, plots inline.
    Html,
    /// JSON.
    Json,
}

/// `incidents [-p NAME] [--since 7d]`.
pub async fn incidents(
    config_path: &Path,
    pipeline: Option<&str>,
    since: Duration,
    format: Format,
    lang: Lang,
) -> Result<Exit, CommandError> {
    let config = Config::load(config_path, &ProcessEnv)?;
    let names: Vec<String> = select(&config, pipeline)?
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let h = open(&config)?;
    let now = SystemClock.now();
    let found = incidents::load(&h, &names, now.minus(since)).await?;
    match format {
        Format::Json => {
            let v: Vec<serde_json::Value> = found.iter().map(|i| summary_json(i, now)).collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&v).map_err(|e| CommandError::Demo(e.to_string()))?
            );
        }
        Format::Text => print!("{}", incidents_text(&found, since, now, lang)),
    }
    Ok(Exit::Ok)
}

fn summary_json(i: &Incident, now: Timestamp) -> serde_json::Value {
    serde_json::json!({
        "id": i.id,
        "pipeline": i.pipeline,
        "start": i.start,
        "end": i.end,
        "duration_s": i.until(now).since(i.start).as_secs(),
        "worst_severity": i.worst().as_str(),
        "causes": i.causes().iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "pages_sent": i.pages_sent(),
        "actions": i.actions.iter().map(|a| &a.action).collect::<Vec<_>>(),
    })
}

/// The incidents for people: one block each, oldest first.
pub fn incidents_text(found: &[Incident], since: Duration, now: Timestamp, lang: Lang) -> String {
    let mut s = String::new();
    if found.is_empty() {
        let since = crate::diagnose::Secs::of(since).show(lang);
        let _ = match lang {
            Lang::En => writeln!(s, "No incident in the last {since}."),
            Lang::Zh => writeln!(s, "最近 {since} 内没有事件。"),
        };
        return s;
    }
    for i in found {
        let causes: Vec<&str> = i.causes().iter().map(|c| c.as_str()).collect();
        let actions: Vec<&str> = i.actions.iter().map(|a| a.action.as_str()).collect();
        // (ongoing, causes, pages sent, actions, none, list separator, open and close paren)
        let w = match lang {
            Lang::En => (
                "ongoing",
                "causes: ",
                "pages sent: ",
                "; actions: ",
                "none",
                ", ",
                " (",
                ")",
            ),
            Lang::Zh => (
                "进行中",
                "原因：",
                "已发送告警：",
                "；操作：",
                "无",
                "、",
                "（",
                "）",
            ),
        };
        let end = i.end.map_or_else(|| w.0.to_owned(), when);
        let duration = human(i.until(now).since(i.start));
        let actions = if actions.is_empty() {
            w.4.to_owned()
        } else {
            actions.join(w.5)
        };
        let _ = writeln!(
            s,
            "{}  [{}]\n  {} → {end}{}{duration}{}\n  {}{}\n  {}{}{}{actions}",
            i.id,
            i.worst().as_str(),
            when(i.start),
            w.6,
            w.7,
            w.1,
            causes.join(" → "),
            w.2,
            i.pages_sent(),
            w.3,
        );
    }
    s
}

/// `report INCIDENT_ID [--format md|html|json] [--out FILE]`. An id the history does not hold is
/// a usage error (exit 3).
pub async fn report(
    config_path: &Path,
    id: &str,
    format: ReportFormat,
    out: Option<&Path>,
    lang: Lang,
) -> Result<Exit, CommandError> {
    let config = Config::load(config_path, &ProcessEnv)?;
    let h = open(&config)?;
    let pages = Pages {
        history: Some(h.clone()),
        pipelines: config
            .pipelines
            .iter()
            .map(|p| PipelineInfo {
                name: p.name.clone(),
                stall_window: p.thresholds.stall_window,
            })
            .collect(),
        lang,
        retention: config.agent.retention,
        now: Arc::new(|| SystemClock.now()),
        fleet: None,
    };
    let report = match pages.report(id).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            return Err(CommandError::Usage(format!(
                "no incident {id:?} in {}: `incidents` lists the ids",
                h.path().display()
            )))
        }
        Err(crate::agent::page::PageError::History(e)) => return Err(e.into()),
        Err(e) => return Err(CommandError::Usage(e.to_string())),
    };
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|source| CommandError::File {
            action: "write",
            path: path.to_path_buf(),
            source,
        })
    };
    let text = match format {
        ReportFormat::Json => report.json(lang) + "\n",
        ReportFormat::Html => report.html(lang),
        ReportFormat::Markdown => match out {
            // The plots as files beside the report, named after it, linked relatively.
            Some(path) => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| report.incident.id.clone());
                for m in Metric::ALL {
                    write(
                        &path.with_file_name(format!("{stem}-{}.svg", m.id())),
                        &report.plot(m),
                    )?;
                }
                report.markdown(lang, Some(&format!("{stem}-")), None)
            }
            None => report.markdown(lang, None, config.agent.alerts.status_url.as_ref()),
        },
    };
    match out {
        Some(path) => write(path, &text)?,
        None => print!("{text}"),
    }
    Ok(Exit::Ok)
}
