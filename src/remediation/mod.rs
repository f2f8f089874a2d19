//! Remediation: what a restart may do to a Flink job, behind the narrow `FlinkControl` trait
//! that the real REST client (`collectors::flink::client`) and, later, the simulator implement.
//!
//! The plan, the gate and the audited actions arrive with the restart issue; this module holds
//! the control operations they will drive, and `wait_for_state`, bounded and never looping
//! forever.

use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The state of a savepoint operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavepointStatus {
    /// Still running.
    InProgress,
    /// Written to `location`.
    Completed {
        /// The savepoint's path, to resubmit from.
        location: String,
    },
    /// The operation completed without a savepoint (COMPLETED can carry a failure).
    Failed {
        /// Flink's failure cause.
        cause: String,
    },
}

/// What a resubmission runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JarRun {
    /// The entry class.
    pub entry_class: String,
    /// Program arguments, one per element.
    pub program_args: Vec<String>,
    /// Parallelism.
    pub parallelism: u32,
    /// A fixed job id (32 hex digits): Flink rejects a second job with it.
    pub job_id: Option<String>,
    /// Restore from this savepoint or retained checkpoint.
    pub savepoint_path: Option<String>,
    /// Skip state that no operator claims (only when the operator asks for it).
    pub allow_non_restored_state: bool,
}

/// The Flink operations remediation needs. Upload and run a jar on the same JobManager: jars
/// are local to the JobManager that received them.
pub trait FlinkControl: Send + Sync {
    /// The error of a failed operation.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Triggers a savepoint (the job keeps running) with the caller's trigger id, so a retried
    /// request cannot create a second savepoint. Returns the id to poll.
    fn trigger_savepoint(
        &self,
        job_id: &str,
        target_dir: Option<&str>,
        trigger_id: &str,
    ) -> impl Future<Output = Result<String, Self::Error>> + Send;

    /// Stops the job with a savepoint, never draining. Returns the id to poll.
    fn stop_with_savepoint(
        &self,
        job_id: &str,
        target_dir: Option<&str>,
        trigger_id: &str,
    ) -> impl Future<Output = Result<String, Self::Error>> + Send;

    /// The state of a savepoint or stop operation.
    fn savepoint_status(
        &self,
        job_id: &str,
        trigger_id: &str,
    ) -> impl Future<Output = Result<SavepointStatus, Self::Error>> + Send;

    /// Cancels the job (asynchronous: wait for CANCELED).
    fn cancel(&self, job_id: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// The jars this JobManager holds: (jar id, original name).
    fn list_jars(&self) -> impl Future<Output = Result<Vec<(String, String)>, Self::Error>> + Send;

    /// Uploads a jar; returns its jar id.
    fn upload_jar(&self, path: &Path) -> impl Future<Output = Result<String, Self::Error>> + Send;

    /// Runs an uploaded jar; returns the job id.
    fn run_jar(
        &self,
        jar_id: &str,
        run: &JarRun,
    ) -> impl Future<Output = Result<String, Self::Error>> + Send;

    /// The job's current state (RUNNING, CANCELED …).
    fn job_state(&self, job_id: &str) -> impl Future<Output = Result<String, Self::Error>> + Send;
}

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
