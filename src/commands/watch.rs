//! `watch`: the agent with the real collectors (and, where `auto = true`, the real cluster
//! control), until SIGINT or SIGTERM.

use std::path::Path;
use std::sync::Arc;

use super::{real_collectors_in, CommandError};
use crate::agent::remediate::ClusterRemediator;
use crate::agent::Deps;
use crate::clock::SystemClock;
use crate::collectors::oracle::cache::Databases;
use crate::collectors::oracle::OracleCollector;
use crate::collectors::CollectorProbe;
use crate::config::{Config, ProcessEnv};
use crate::exit::Exit;

/// `watch`: binds `[agent] listen` and runs the agent until SIGINT or SIGTERM; with `simulate`,
/// on simulated pipelines (`simulator::probe`).
pub async fn watch(config_path: &Path, simulate: Option<&Path>) -> Result<Exit, CommandError> {
    let config = Config::load(config_path, &ProcessEnv)?;
    if let Some(dir) = simulate {
        return watch_simulated(config, dir).await;
    }
    let mut probe = CollectorProbe::new(SystemClock);
    // Pipelines on one database (same connect string and monitoring user) read its slow facts
    // once per cadence, and its SCN clock once per round, between them.
    let databases = Databases::new();
    for p in &config.pipelines {
        probe.insert(
            &p.name,
            real_collectors_in(p, &databases),
            p.probe_deadline(),
        );
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
        .map(|p| (p.name.clone(), OracleCollector::new(p.oracle.clone())))
        .collect();
    deps.remediator = Some(Arc::new(ClusterRemediator::new(
        deps.probe.clone(),
        oracles,
    )));
    let shared = Arc::new(crate::agent::Shared::for_config(&config));
    // The daily audit, with the files of each [pipeline.audit]; stopped with the agent.
    let state_dir = config.agent.state_dir.clone();
    let daily = tokio::spawn(crate::agent::audit::run_daily(
        config.pipelines.clone(),
        shared.clone(),
        crate::agent::audit::EVERY,
        move |p| {
            let state_dir = state_dir.clone();
            async move { crate::audit::audit_configured(&p, &state_dir).await }
        },
    ));
    let ran =
        crate::agent::run_with(config, deps, listener, crate::signal::shutdown(), shared).await;
    daily.abort();
    ran?;
    Ok(Exit::Ok)
}

/// `watch --simulate DIR`: the agent, its alerts, history, endpoints and fleet, on simulated
/// pipelines (no audit, no remediation: there is nothing real to act on).
async fn watch_simulated(config: Config, dir: &Path) -> Result<Exit, CommandError> {
    let addr = config.agent.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| CommandError::Listen { addr, source })?;
    tracing::warn!(dir = %dir.display(), "Simulated pipelines: nothing real is observed.");
    let deps = Deps::from_config(crate::simulator::probe::SimulatedProbe::new(dir), &config);
    let shared = Arc::new(crate::agent::Shared::for_config(&config));
    crate::agent::run_with(config, deps, listener, crate::signal::shutdown(), shared).await?;
    Ok(Exit::Ok)
}
