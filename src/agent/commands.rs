//! The agent's commands: `watch` (the agent with the real collectors), `history` (the verdict
//! timeline) and `silence` (add, list, remove). Wiring only; results go to stdout.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::Deps;
use crate::clock::{Clock as _, SystemClock};
use crate::collectors::CollectorProbe;
use crate::commands::{real_collectors, select, CommandError};
use crate::config::{Config, ProcessEnv};
use crate::exit::Exit;
use crate::report::{self, Format};
use crate::store::{History, Silence, TimelineEntry};

/// `watch`: binds `[agent] listen` and runs the agent until SIGINT or SIGTERM.
pub async fn watch(config_path: &Path) -> Result<Exit, CommandError> {
    let config = Config::load(config_path, &ProcessEnv)?;
    let mut probe = CollectorProbe::new(SystemClock);
    for p in &config.pipelines {
        probe.insert(&p.name, real_collectors(p), p.probe_deadline());
    }
    let addr = config.agent.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| CommandError::Listen { addr, source })?;
    let mut deps = Deps::from_config(probe, &config);
    // Oracle for the kill procedure, only where the agent may restart on its own.
    let oracles = config
        .pipelines
        .iter()
        .filter(|p| p.remediation.auto)
        .map(|p| {
            (
                p.name.clone(),
                crate::collectors::oracle::OracleCollector::new(p.oracle.clone()),
            )
        })
        .collect();
    deps.remediator = Some(std::sync::Arc::new(
        super::remediate::ClusterRemediator::new(deps.probe.clone(), oracles),
    ));
    super::run(config, deps, listener, crate::signal::shutdown()).await?;
    Ok(Exit::Ok)
}

fn open(config: &Config) -> Result<History, CommandError> {
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
            print!("{}", timeline_text(&entries, since));
            // What the doctor did (restarts, refusals) beside what it saw.
            let names: Vec<&str> = match pipeline {
                Some(n) => vec![n],
                None => config.pipelines.iter().map(|p| p.name.as_str()).collect(),
            };
            for name in names {
                let actions = h.actions(name, SystemClock.now().minus(since)).await?;
                print!("{}", actions_text(name, &actions));
            }
        }
    }
    Ok(Exit::Ok)
}

/// The audit log for people: one line per action, oldest first (nothing when there is none).
pub fn actions_text(
    pipeline: &str,
    actions: &[(crate::observation::Timestamp, String, String)],
) -> String {
    let mut s = String::new();
    if actions.is_empty() {
        return s;
    }
    let _ = writeln!(s, "Actions on {pipeline} (audit log):");
    for (at, action, detail) in actions {
        let v: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
        let what = match (
            v.get("ok").and_then(|o| o.as_bool()),
            v.get("detail").and_then(|d| d.as_str()),
        ) {
            (Some(ok), Some(d)) => format!("{} {d}", if ok { "ok:" } else { "FAILED:" }),
            _ => match v.get("result").and_then(|r| r.as_str()) {
                Some(r) => format!(
                    "{r} {}",
                    v.get("proof")
                        .or(v.get("error"))
                        .and_then(|x| x.as_str())
                        .unwrap_or_default()
                ),
                None => match v.get("blockers") {
                    Some(b) => format!("refused by the gate: {b}"),
                    None => match v.get("restart_scn") {
                        Some(scn) => format!("began (gate passed; restart SCN {scn})"),
                        None => detail.clone(),
                    },
                },
            },
        };
        let _ = writeln!(s, "  {at}  {action:<22} {}", what.trim());
    }
    s
}

/// The timeline for people: one block per change of verdict, oldest first.
pub fn timeline_text(entries: &[TimelineEntry], since: Duration) -> String {
    let mut s = String::new();
    if entries.is_empty() {
        let _ = writeln!(
            s,
            "No change of verdict in the last {}.",
            humantime::format_duration(since)
        );
    }
    for e in entries {
        let d = &e.diagnosis;
        let _ = writeln!(s, "{}  {}", d.observed_at, report::status_line(d));
        for ev in &d.evidence {
            let _ = writeln!(s, "    - {}", ev.fact);
        }
    }
    s
}

/// What `silence` does.
#[derive(Debug, Clone)]
pub enum SilenceAction {
    /// Silence for a duration, with a reason.
    Add(Duration, String),
    /// List the silences in force.
    List,
    /// Remove one by id.
    Remove(i64),
}

/// `silence -p NAME --for 2h --reason "..."`, `silence --list`, `silence --remove ID`.
pub async fn silence(
    config_path: &Path,
    pipeline: Option<&str>,
    action: SilenceAction,
    format: Format,
) -> Result<Exit, CommandError> {
    let config = Config::load(config_path, &ProcessEnv)?;
    if let Some(name) = pipeline {
        select(&config, Some(name))?;
    }
    // Silencing before the agent first ran is allowed: it creates the database.
    let h = History::open(&config.agent.state_dir)?;
    let now = SystemClock.now();
    match action {
        SilenceAction::Add(d, reason) => {
            let name =
                pipeline.ok_or_else(|| CommandError::Usage("silence needs -p NAME".into()))?;
            let s = h.add_silence(name, now, d, &reason).await?;
            print_silences(&[s], format)?;
        }
        SilenceAction::List => print_silences(&h.silences(pipeline, now).await?, format)?,
        SilenceAction::Remove(id) => {
            if !h.remove_silence(id).await? {
                return Err(CommandError::Usage(format!("no silence with id {id}")));
            }
            if format == Format::Text {
                println!("Silence {id} removed.");
            }
        }
    }
    Ok(Exit::Ok)
}

fn print_silences(s: &[Silence], format: Format) -> Result<(), CommandError> {
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(s).map_err(|e| CommandError::Demo(e.to_string()))?
        ),
        Format::Text if s.is_empty() => println!("No silence in force."),
        Format::Text => {
            for x in s {
                println!(
                    "{}  {} silenced until {} ({})",
                    x.id, x.pipeline, x.until, x.reason
                );
            }
        }
    }
    Ok(())
}

/// The observations `watch` stored for `p` within the history window, when they are fresh (the
/// newest at most two intervals old): `diagnose` then needs one new observation, not a sampling
/// wait. Empty when there is no history; a failing database is reported on stderr and ignored.
pub async fn recent_history(
    config: &Config,
    p: &crate::config::PipelineConfig,
) -> Vec<crate::observation::Observation> {
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
            tracing::warn!(pipeline = %p.name, error = %crate::observation::error_chain(&e), "Cannot read the history; sampling instead.");
            Vec::new()
        }
    }
}
