//! When `watch` may restart a pipeline on its own (`auto = true`), and why it does not otherwise.
//!
//! Pure. A restart fixes a dead connection, a stuck LogMiner session and a job that is not
//! running; it fixes none of missing redo, a leader problem, an unreachable database, a
//! misconfiguration or an exhausted resource, and it would only hide a slow sink. A stalled
//! sink is restarted only when its checkpoints keep failing (a stuck commit a restart clears).

use crate::diagnose::{AutoPolicy, Diagnosis, Fact, Severity, Strength};

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

/// The decision for diagnosis `d`.
pub fn decide(d: &Diagnosis) -> AutoDecision {
    if d.severity != Severity::Critical {
        return AutoDecision::Nothing;
    }
    match d.cause.spec().auto {
        AutoPolicy::Restart => AutoDecision::Restart,
        AutoPolicy::RestartWhenCheckpointsKeepFailing(otherwise) => {
            if checkpoints_proven_failing(d) {
                AutoDecision::Restart
            } else {
                AutoDecision::Refuse(otherwise.to_string())
            }
        }
        AutoPolicy::Refuse(why) => AutoDecision::Refuse(why.to_string()),
        AutoPolicy::Nothing => AutoDecision::Nothing,
    }
}

/// The decision table convicted the sink of checkpoints that do not complete (failing, or
/// hanging past the stall window): the one stall a restart clears. Read from the verdict's own
/// proof, so that the agent never judges checkpoints by a second rule of its own.
fn checkpoints_proven_failing(d: &Diagnosis) -> bool {
    d.evidence.iter().any(|e| {
        e.strength == Strength::Proof
            && matches!(
                e.fact,
                Fact::CheckpointsFailed { .. } | Fact::NoCheckpointCompleted { .. }
            )
    })
}
