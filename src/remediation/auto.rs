//! When `watch` may restart a pipeline on its own (`auto = true`), and why it does not otherwise.
//!
//! Pure. A restart fixes a dead connection, a stuck LogMiner session and a job that is not
//! running; it fixes none of missing redo, a leader problem, an unreachable database, a
//! misconfiguration or an exhausted resource, and it would only hide a slow sink. A stalled
//! sink is restarted only when its checkpoints keep failing (a stuck commit a restart clears).

use crate::diagnose::{AutoPolicy, Diagnosis, Severity};
use crate::observation::Observation;

/// What the agent does about a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoDecision {
    /// Run the gated restart.
    Restart,
    /// A fault a restart does not fix: the alert says why.
    Refuse(String),
    /// Nothing to fix.
    Nothing,
}

/// The decision for diagnosis `d` over the observations it rests on.
pub fn decide(d: &Diagnosis, window: &[Observation]) -> AutoDecision {
    if d.severity != Severity::Critical {
        return AutoDecision::Nothing;
    }
    match d.cause.spec().auto {
        AutoPolicy::Restart => AutoDecision::Restart,
        AutoPolicy::RestartWhenCheckpointsKeepFailing(otherwise) => {
            match checkpoints_keep_failing(window) {
                Some(_) => AutoDecision::Restart,
                None => AutoDecision::Refuse(otherwise.to_string()),
            }
        }
        AutoPolicy::Refuse(why) => AutoDecision::Refuse(why.to_string()),
        AutoPolicy::Nothing => AutoDecision::Nothing,
    }
}

/// The number of checkpoints that failed within the window, when they keep failing: the failure
/// count rose and no checkpoint completed since the first failure in the window.
fn checkpoints_keep_failing(window: &[Observation]) -> Option<u64> {
    let counts: Vec<(u64, u64)> = window
        .iter()
        .filter_map(|o| {
            let c = o.flink.value()?.job.as_ref()?.checkpoints.value()?;
            Some((c.completed, c.failed))
        })
        .collect();
    let (first, last) = (counts.first()?, counts.last()?);
    let failed = last.1.saturating_sub(first.1);
    (failed >= 2 && last.0 == first.0).then_some(failed)
}
