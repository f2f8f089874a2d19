//! `history`: the timeline of verdicts and the audit log of actions, from the state database
//! `watch` keeps; and `recent_history`, the fresh observations `diagnose` and `gate` start from.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::{select, CommandError};
use crate::clock::{Clock as _, SystemClock};
use crate::config::{Config, PipelineConfig, ProcessEnv};
use crate::exit::Exit;
use crate::lang::Lang;
use crate::observation::{error_chain, Observation, Timestamp};
use crate::report::{self, Format};
use crate::store::{History, TimelineEntry};

/// The state database `watch` created (a usage error when there is none).
pub(super) fn open(config: &Config) -> Result<History, CommandError> {
    match History::open_existing(&config.agent.state_dir) {
        Some(h) => Ok(h?),
        None => Err(CommandError::Usage(format!(
            "no history in {}: `watch` has not run with this config yet",
            config.agent.state_dir.display()
        ))),
    }
}

/// `history [-p NAME] [--since 6h]`: the timeline of verdicts with their evidence.
pub async fn history(
    config_path: &Path,
    pipeline: Option<&str>,
    since: Duration,
    format: Format,
    lang: Lang,
) -> Result<Exit, CommandError> {
    let config = Config::load(config_path, &ProcessEnv)?;
    if let Some(name) = pipeline {
        select(&config, Some(name))?;
    }
    let h = open(&config)?;
    let entries = h.timeline(pipeline, SystemClock.now().minus(since)).await?;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&entries)
                .map_err(|e| CommandError::Demo(e.to_string()))?
        ),
        Format::Text => {
            print!("{}", timeline_text(&entries, since, lang));
            // What the doctor did (restarts, refusals) beside what it saw.
            let names: Vec<&str> = match pipeline {
                Some(n) => vec![n],
                None => config.pipelines.iter().map(|p| p.name.as_str()).collect(),
            };
            for name in names {
                let actions = h.actions(name, SystemClock.now().minus(since)).await?;
                print!("{}", actions_text(name, &actions, lang));
            }
        }
    }
    Ok(Exit::Ok)
}

/// The audit log for people: one line per action, oldest first (nothing when there is none).
pub fn actions_text(pipeline: &str, actions: &[(Timestamp, String, String)], lang: Lang) -> String {
    let mut s = String::new();
    if actions.is_empty() {
        return s;
    }
    let _ = match lang {
        Lang::En => writeln!(s, "Actions on {pipeline} (audit log):"),
        Lang::Zh => writeln!(s, "对 {pipeline} 执行的操作（审计日志）："),
    };
    for (at, action, detail) in actions {
        let what = crate::agent::incidents::describe_action(detail, lang);
        let _ = writeln!(s, "  {at}  {action:<22} {}", what.trim());
    }
    s
}

/// The timeline for people: one block per change of verdict, oldest first.
pub fn timeline_text(entries: &[TimelineEntry], since: Duration, lang: Lang) -> String {
    let mut s = String::new();
    if entries.is_empty() {
        let since = crate::diagnose::Secs::of(since).show(lang);
        let _ = match lang {
            Lang::En => writeln!(s, "No change of verdict in the last {since}."),
            Lang::Zh => writeln!(s, "最近 {since} 内判定没有变化。"),
        };
    }
    for e in entries {
        let d = &e.diagnosis;
        let by = match (&d.observed_by, lang) {
            (Some(m), Lang::En) => format!("  (observed by fleet member {m})"),
            (Some(m), Lang::Zh) => format!("  （由机群成员 {m} 观测）"),
            (None, _) => String::new(),
        };
        let _ = writeln!(s, "{}  {}{by}", d.observed_at, report::status_line(d, lang));
        for ev in &d.evidence {
            let _ = writeln!(s, "    - {}", ev.fact.render(lang));
        }
    }
    s
}

/// The observations `watch` stored for `p` within the history window, when they are fresh (the
/// newest at most two intervals old): `diagnose` then needs one new observation, not a sampling
/// wait. Empty when there is no history; a failing database is reported on stderr and ignored.
pub async fn recent_history(config: &Config, p: &PipelineConfig) -> Vec<Observation> {
    let Some(h) = History::open_existing(&config.agent.state_dir) else {
        return Vec::new();
    };
    let now = SystemClock.now();
    let since = now.minus(config.agent.history_window);
    // One slot is left for the fresh observation.
    let limit = config.agent.history_samples.get().saturating_sub(1).max(1);
    let read = match h {
        Ok(h) => h.recent_observations(&p.name, since, limit).await,
        Err(e) => Err(e),
    };
    match read {
        Ok(obs)
            if obs
                .last()
                .is_some_and(|o| now.since(o.observed_at) <= p.interval * 2) =>
        {
            obs
        }
        Ok(_) => Vec::new(),
        Err(e) => {
            tracing::warn!(pipeline = %p.name, error = %error_chain(&e), "Cannot read the history; sampling instead.");
            Vec::new()
        }
    }
}
