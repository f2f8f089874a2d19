//! Remediation (DESIGN.md §6): the safe restart of a pipeline's job.
//!
//! - `FlinkControl` (here): the Flink operations a restart needs, implemented per JobManager by
//!   the REST client (`collectors::flink::client`) and for the whole HA cluster by
//!   `cluster::ClusterControl`, which follows the leader.
//! - `gate`: the pre-restart checks, pure, each PASS, FAIL or UNKNOWN with its fact.
//! - `restart`: the plan and its execution (stop with savepoint, fallback to the retained
//!   checkpoint, resubmit with the fixed job id, wait, verify), every step audited, never looping.
//! - `lock`: the pipeline lock in the state database and in ZooKeeper.
//! - `auto`: when `watch` may restart on its own, and why not otherwise.

pub mod auto;
pub mod cluster;
pub mod commands;
pub mod gate;
pub mod lock;
pub mod restart;

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

/// A state a job can be resumed from: its newest completed checkpoint or savepoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestorePoint {
    /// The checkpoint id (savepoints share the counter).
    pub id: u64,
    /// Its external path, to resubmit from.
    pub path: String,
    /// Whether it is a savepoint.
    pub savepoint: bool,
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
    type Error: ControlError;

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

    /// The newest completed checkpoint or savepoint of the job that has an external path.
    fn latest_restore_point(
        &self,
        job_id: &str,
    ) -> impl Future<Output = Result<Option<RestorePoint>, Self::Error>> + Send;

    /// Runs `jar` (uploaded first when this JobManager lacks a jar of that file name): list,
    /// upload and run on one JobManager, since jars are local to the JobManager holding them.
    fn submit_jar(
        &self,
        jar: &Path,
        run: &JarRun,
    ) -> impl Future<Output = Result<String, Self::Error>> + Send {
        async move {
            let name = jar
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let known = self
                .list_jars()
                .await?
                .into_iter()
                .find(|(_, n)| *n == name)
                .map(|(id, _)| id);
            let jar_id = match known {
                Some(id) => id,
                None => self.upload_jar(jar).await?,
            };
            self.run_jar(&jar_id, run).await
        }
    }
}

/// What a restart must know about a failed Flink call to decide whether to try again.
pub trait ControlError: std::error::Error + Send + Sync + 'static {
    /// No answer, or the cluster is between leaders: the same call may succeed later.
    fn is_transient(&self) -> bool;
    /// Flink refused a submission because a job with that id exists or its result is still
    /// recorded.
    fn is_duplicate_job(&self) -> bool;
}

impl ControlError for crate::collectors::flink::FlinkError {
    fn is_transient(&self) -> bool {
        crate::collectors::flink::FlinkError::is_transient(self)
    }
    fn is_duplicate_job(&self) -> bool {
        crate::collectors::flink::FlinkError::is_duplicate_job(self)
    }
}

/// The one Oracle operation remediation needs: killing an orphaned connector session through
/// the DBA's kill procedure (sql/grants.sql), so the monitor never holds ALTER SYSTEM.
pub trait OracleControl: Send + Sync {
    /// The error of a failed call.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Calls `procedure(sid, serial, instance)`; the procedure refuses any session that is not
    /// the connector user's.
    fn kill_session(
        &self,
        procedure: &str,
        instance: u32,
        sid: u32,
        serial: u32,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
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
