//! `savepoints [-p NAME]`: every savepoint the doctor knows of each pipeline (its own, and those
//! the job's checkpoint history lists, recorded now), with whether it can be restored now:
//! RESTORABLE, REDO PURGED (with the thread), GONE or UNKNOWN, judged on a fresh probe of
//! Oracle's redo. Wiring and printing only; the rules are in `remediation::savepoints`.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::{real_collectors, select, CommandError};
use crate::clock::SystemClock;
use crate::collectors::{CollectorProbe, Probe};
use crate::config::{Config, ProcessEnv};
use crate::exit::Exit;
use crate::lang::Lang;
use crate::observation::Observation;
use crate::remediation::cluster::cluster_control;
use crate::remediation::savepoints::{record_listed, restorability, Restorability};
use crate::report::Format;
use crate::store::SavepointRecord;

/// One savepoint and whether it can be restored.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The recorded savepoint.
    #[serde(flatten)]
    pub savepoint: SavepointRecord,
    /// Restorable now?
    pub restorable: Restorability,
}

/// `savepoints [-p NAME]`.
pub async fn savepoints(
    config_path: &Path,
    pipeline: Option<&str>,
    format: Format,
    lang: Lang,
) -> Result<Exit, CommandError> {
    let config = Config::load(config_path, &ProcessEnv)?;
    let pipelines = select(&config, pipeline)?;
    let h = super::history::open(&config)?;
    let mut rows = Vec::new();
    let mut exit = Exit::Ok;
    for p in pipelines {
        let mut probe = CollectorProbe::new(SystemClock);
        probe.insert(&p.name, real_collectors(p), p.probe_deadline());
        let o = probe.probe_fresh(p).await.observation;
        if let Some(fleet) = &config.agent.fleet {
            if let Err(e) = crate::agent::savepoints::merge_fleet_records(fleet, &h, &p.name).await
            {
                tracing::warn!(pipeline = %p.name, error = %e, "Cannot read the fleet's savepoints; this host's records only.");
            }
        }
        if let Some(job_id) = job_id(&o) {
            record_listed(&cluster_control(p), p, &job_id, &h).await;
        }
        let sps = h.savepoints(Some(&p.name)).await?;
        let these: Vec<Row> = sps
            .into_iter()
            .map(|sp| Row {
                restorable: restorability(&sp, Some(&o)),
                savepoint: sp,
            })
            .collect();
        // WARNING: savepoints, none restorable; UNKNOWN: not known which are.
        let live: Vec<&Row> = these
            .iter()
            .filter(|r| r.restorable != Restorability::Gone)
            .collect();
        if !live.is_empty()
            && !live
                .iter()
                .any(|r| r.restorable == Restorability::Restorable)
        {
            let e = if live
                .iter()
                .any(|r| matches!(r.restorable, Restorability::Unknown { .. }))
            {
                Exit::Unknown
            } else {
                Exit::Warning
            };
            exit = Exit::most_urgent([exit, e]);
        }
        rows.extend(these);
    }
    match format {
        Format::Json => println!("{}", super::gate::json(&rows)),
        Format::Text => print!("{}", text(&rows, lang)),
    }
    Ok(exit)
}

fn job_id(o: &Observation) -> Option<String> {
    Some(o.flink.value()?.job.as_ref()?.id.clone())
}

/// The table for people, newest first per pipeline.
pub fn text(rows: &[Row], lang: Lang) -> String {
    let mut s = String::new();
    if rows.is_empty() {
        let _ = match lang {
            Lang::En => writeln!(s, "No savepoint known."),
            Lang::Zh => writeln!(s, "没有已知的保存点。"),
        };
        return s;
    }
    let head = match lang {
        Lang::En => [
            "PIPELINE",
            "COMPLETED",
            "JOB",
            "SIZE",
            "RESTART SCN",
            "BY",
            "STATUS",
            "PATH",
        ],
        Lang::Zh => [
            "管道",
            "完成时间",
            "作业",
            "大小",
            "重启点 SCN",
            "创建者",
            "状态",
            "路径",
        ],
    };
    let _ = writeln!(s, "{}", head.join("  "));
    for r in rows {
        let sp = &r.savepoint;
        let by = match (sp.is_ours(), lang) {
            (true, Lang::En) => "doctor",
            (true, Lang::Zh) => "doctor",
            (false, Lang::En) => "found",
            (false, Lang::Zh) => "发现",
        };
        let _ = writeln!(
            s,
            "{}  {}  {}  {}  {}  {}  {}  {}",
            sp.pipeline,
            sp.completed_at,
            sp.job_id,
            sp.size_bytes
                .map_or_else(|| "-".to_string(), |b| format!("{b} B")),
            sp.restart_scn
                .map_or_else(|| "-".to_string(), |n| n.to_string()),
            by,
            r.restorable.describe(),
            sp.path
        );
    }
    s
}
