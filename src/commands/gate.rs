//! `gate`: the pre-restart checks, exit 0 only when every one passes; and the wiring `gate`
//! and `restart` share (`Args`, the observations judged, one gated run per pipeline). Wiring
//! and printing only; the decisions are in `remediation::gate` and `remediation::restart`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::history::recent_history;
use super::{real_collectors, select, CommandError};
use crate::clock::SystemClock;
use crate::collectors::oracle::OracleCollector;
use crate::collectors::{CollectorProbe, Probe};
use crate::config::{Config, PipelineConfig, ProcessEnv};
use crate::exit::Exit;
use crate::lang::Lang;
use crate::observation::{error_chain, Observation};
use crate::remediation::cluster::cluster_control;
use crate::remediation::gate::GateReport;
use crate::remediation::restart::{Bounds, GatedRestart, LogProgress, Progress, Request, Restart};
use crate::report::Format;
use crate::store::History;

/// What `gate` and `restart` were asked.
#[derive(Debug, Clone)]
pub struct Args {
    /// Only this pipeline.
    pub pipeline: Option<String>,
    /// The restart point the operator gives.
    pub from_scn: Option<u64>,
    /// A savepoint or checkpoint path the operator names.
    pub savepoint: Option<String>,
    /// Execute (`restart --apply`).
    pub apply: bool,
}

/// The observations a gate judges before its own fresh one: what `watch` recorded recently, or
/// else one taken now, 5 s before the gate's (two observations, so the heartbeat and the
/// tables' activity can be compared). One probe serves both, and the verification after: the
/// monitoring account logs in once.
async fn observe<P: Probe>(config: &Config, p: &PipelineConfig, probe: &P) -> Vec<Observation> {
    let mut window = recent_history(config, p).await;
    if window.is_empty() {
        window.push(probe.probe(p).await.observation);
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    window
}

/// The gate (and with `req.apply` the restart) of one pipeline, on real collectors.
pub(super) async fn one(
    config: &Config,
    p: &PipelineConfig,
    req: &Request,
    progress: &dyn Progress,
) -> GatedRestart {
    let history = match History::open(&config.agent.state_dir) {
        Ok(h) => Some(h),
        Err(e) => {
            // The gate then reports the budget and the lock as UNKNOWN: never a silent PASS.
            tracing::error!(error = %error_chain(&e), "Cannot open the state database.");
            None
        }
    };
    if let (Some(fleet), Some(h)) = (&config.agent.fleet, &history) {
        // The savepoints another member of the fleet took can serve the restart too.
        if let Err(e) = crate::agent::savepoints::merge_fleet_records(fleet, h, &p.name).await {
            tracing::warn!(pipeline = %p.name, error = %e, "Cannot read the fleet's savepoints; this host's records only.");
        }
    }
    let mut probe = CollectorProbe::new(SystemClock);
    probe.insert(&p.name, real_collectors(p), p.probe_deadline());
    let window = observe(config, p, &probe).await;
    let control = cluster_control(p);
    let oracle = OracleCollector::new(p.oracle.clone());
    let restart = Restart {
        pipeline: p,
        control: &control,
        oracle: Some(&oracle),
        probe: &probe,
        history: history.as_ref(),
        progress,
        bounds: Bounds::of(p),
    };
    restart.gated(&window, req).await
}

/// `gate [-p NAME] [--from-scn N] [--savepoint PATH]`.
pub async fn gate(
    config_path: &Path,
    args: Args,
    format: Format,
    lang: Lang,
) -> Result<Exit, CommandError> {
    let config = Config::load(config_path, &ProcessEnv)?;
    let pipelines = select(&config, args.pipeline.as_deref())?;
    let req = Request {
        apply: false,
        from_scn: args.from_scn,
        given_state: args.savepoint.clone(),
    };
    let mut reports = vec![];
    for p in pipelines {
        let progress = LogProgress {
            pipeline: p.name.clone(),
        };
        reports.push(one(&config, p, &req, &progress).await.gate);
    }
    match format {
        Format::Json => println!("{}", json(&reports)),
        Format::Text => {
            for r in &reports {
                print!("{}", gate_text(r, lang));
            }
        }
    }
    Ok(Exit::most_urgent(reports.iter().map(GateReport::exit)))
}

/// Pretty JSON (serialising these types cannot fail).
pub(super) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The gate for people: the verdict, then one line per check.
pub fn gate_text(r: &GateReport, lang: Lang) -> String {
    let mut s = String::new();
    let verdict = match (r.exit(), lang) {
        (Exit::Ok, Lang::En) => "PASS: a restart is safe now",
        (Exit::Critical, Lang::En) => "FAIL: do not restart now",
        (_, Lang::En) => "UNKNOWN: the gate cannot decide; do not restart",
        (Exit::Ok, Lang::Zh) => "PASS：现在可以安全重启",
        (Exit::Critical, Lang::Zh) => "FAIL：现在不要重启",
        (_, Lang::Zh) => "UNKNOWN：gate 无法判断；不要重启",
    };
    let _ = match lang {
        Lang::En => writeln!(s, "gate {}: {verdict}", r.pipeline),
        Lang::Zh => writeln!(s, "gate {}：{verdict}", r.pipeline),
    };
    // Padded by characters: a Chinese title is wider in bytes than it looks.
    let width = r
        .checks
        .iter()
        .map(|c| c.title_in(lang).chars().count())
        .max()
        .unwrap_or(0);
    for c in &r.checks {
        let _ = writeln!(
            s,
            "  {:<7} {:<width$}  {}",
            c.status.as_str(),
            c.title_in(lang),
            c.fact.render(lang)
        );
    }
    s
}
