//! Remediation (DESIGN.md §6): the safe restart of a pipeline's job.
//!
//! - `cluster::ClusterControl`: `collectors::control::FlinkControl` (the Flink operations a
//!   restart needs, implemented per JobManager by the REST client) for the whole HA cluster,
//!   following the leader.
//! - `wait_for_state` and `new_trigger_id` (here): the bounded wait for a job state and the
//!   savepoint trigger ids.
//! - `gate`: the pre-restart checks, pure, each PASS, FAIL or UNKNOWN with its fact.
//! - `restart`: the plan and its execution (stop with savepoint, fallback to the retained
//!   checkpoint, resubmit with the fixed job id, wait, verify), every step audited, never looping.
//! - `lock`: the pipeline lock in the state database and in ZooKeeper.
//! - `auto`: when `watch` may restart on its own, and why not otherwise.

pub mod auto;
pub mod cluster;
pub mod gate;
pub mod lock;
pub mod restart;
pub mod savepoints;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::collectors::control::FlinkControl;

/// Why waiting for a job state ended without it.
#[derive(Debug, thiserror::Error)]
pub enum WaitError<E: std::error::Error + 'static> {
    /// The bound passed first.
    #[error("job {job_id} did not reach {wanted} within {timeout:?} (last: {last})")]
    Timeout {
        /// The job.
        job_id: String,
        /// The states waited for.
        wanted: String,
        /// The bound.
        timeout: Duration,
        /// The last state or error seen.
        last: String,
    },
    /// The job reached a state it cannot leave for a wanted one (e.g. FAILED while waiting for
    /// RUNNING).
    #[error("job {job_id} reached {state} while waiting for {wanted}")]
    Terminal {
        /// The job.
        job_id: String,
        /// The state reached.
        state: String,
        /// The states waited for.
        wanted: String,
    },
    /// The control call itself failed on the last try.
    #[error("cannot read the state of job {job_id}")]
    Control {
        /// The job.
        job_id: String,
        /// The error.
        #[source]
        source: E,
    },
}

/// Polls the job's state every `poll` until it is one of `wanted`, a terminal state that is not
/// wanted, or `timeout` passes. Transient errors (a failover) are retried until the bound.
pub async fn wait_for_state<C: FlinkControl>(
    control: &C,
    job_id: &str,
    wanted: &[&str],
    timeout: Duration,
    poll: Duration,
) -> Result<String, WaitError<C::Error>> {
    let wanted_text = wanted.join(" or ");
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last;
    loop {
        match control.job_state(job_id).await {
            Ok(state) => {
                if wanted.iter().any(|w| w.eq_ignore_ascii_case(&state)) {
                    return Ok(state);
                }
                if crate::observation::is_terminal_state(&state) {
                    return Err(WaitError::Terminal {
                        job_id: job_id.into(),
                        state,
                        wanted: wanted_text,
                    });
                }
                last = state;
            }
            Err(e) => {
                if tokio::time::Instant::now() + poll > deadline {
                    return Err(WaitError::Control {
                        job_id: job_id.into(),
                        source: e,
                    });
                }
                last = crate::observation::error_chain(&e);
            }
        }
        if tokio::time::Instant::now() + poll > deadline {
            return Err(WaitError::Timeout {
                job_id: job_id.into(),
                wanted: wanted_text,
                timeout,
                last,
            });
        }
        tokio::time::sleep(poll).await;
    }
}

/// A new trigger id for a savepoint request (32 hex digits, as Flink's `TriggerId` wants):
/// unique per process and time, so a retry with the same id is recognised by Flink.
pub fn new_trigger_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}{:08x}{:08x}", nanos, std::process::id(), n as u32)
}
