//! When `watch` may restart a pipeline on its own (`auto = true`), and why it does not otherwise.
//!
//! Pure. A restart fixes a dead connection, a stuck LogMiner session and a job that is not
//! running; it fixes none of missing redo, a leader problem, an unreachable database, a
//! misconfiguration or an exhausted resource, and it would only hide a slow sink. A stalled
//! sink is restarted only when its checkpoints keep failing (a stuck commit a restart clears).

use crate::diagnose::{Cause, Diagnosis, Severity};
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
    let refuse = |s: &str| AutoDecision::Refuse(s.to_string());
    match d.cause {
        Cause::DeadConnection | Cause::LogminerStuck | Cause::JobNotRunning => AutoDecision::Restart,
        Cause::SinkStalled => match checkpoints_keep_failing(window) {
            Some(_) => AutoDecision::Restart,
            None => refuse(
                "not restarting a stalled sink whose checkpoints complete: the sink is slow, and a restart would only replay the same backlog into it",
            ),
        },
        Cause::MissingRedo => refuse(
            "not restarting: the restart SCN is older than the available redo, so the connector would fail with ORA-01291 or skip changes; restore the archived logs first",
        ),
        Cause::LeaderProblem => refuse(
            "not restarting into a cluster without exactly one leader: fix the JobManagers and their HA configuration first",
        ),
        Cause::OracleUnreachable => refuse(
            "not restarting: the database does not answer, so a restarted connector could not connect either",
        ),
        Cause::Misconfigured => refuse(
            "not restarting: a restart does not fix a missing prerequisite or grant",
        ),
        Cause::ResourceExhausted => refuse(
            "not restarting: a restart does not free the exhausted resource and may make it worse",
        ),
        Cause::Unknown => refuse("not restarting: the doctor restarts only for a known cause"),
        Cause::Healthy | Cause::IdleSource => AutoDecision::Nothing,
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
