//! `watch`'s daily audit: every pipeline's settings audited at start and then once a day, the
//! findings exported as `logminer_doctor_audit_findings{pipeline,system,severity}`. Kept apart
//! from the probe loop: it shares only the metrics, and a slow audit delays no probe.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::MissedTickBehavior;

use super::Shared;
use crate::audit::{Audit, Severity};
use crate::config::PipelineConfig;

/// How often `watch` audits.
pub const EVERY: Duration = Duration::from_secs(24 * 3600);

/// Audits every pipeline with `audit` now and then every `every`, publishing each result to
/// `shared`'s metrics. Runs until its task is aborted (`watch` does when the agent stops).
pub async fn run_daily<F, Fut>(
    pipelines: Vec<PipelineConfig>,
    shared: Arc<Shared>,
    every: Duration,
    mut audit: F,
) where
    F: FnMut(PipelineConfig) -> Fut,
    Fut: Future<Output = Audit>,
{
    let mut tick = tokio::time::interval(every);
    // A day missed (the host slept) is not made up in a burst.
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        for p in &pipelines {
            let a = audit(p.clone()).await;
            shared.metrics.record_audit(&a);
            let count = |s: Severity| a.findings.iter().filter(|f| f.severity == s).count();
            tracing::info!(
                pipeline = %p.name,
                critical = count(Severity::Critical),
                warning = count(Severity::Warning),
                info = count(Severity::Info),
                unread = a.unread.len(),
                "Audit done."
            );
        }
    }
}
