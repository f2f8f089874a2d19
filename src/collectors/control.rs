//! The narrow write traits remediation drives, implemented by the collectors that own each
//! driver: `FlinkControl` (savepoint, stop-with-savepoint, cancel, jars; the REST client in
//! `flink::client`) and `OracleControl` (killing an orphaned connector session; `oracle`).
//! Only the traits and their plain data live here; remediation imports them from here.

use std::future::Future;
use std::path::Path;

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

/// A completed savepoint the job's checkpoint history lists (`GET /jobs/:id/checkpoints`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedSavepoint {
    /// The checkpoint id (savepoints share the counter).
    pub id: u64,
    /// Its path.
    pub path: String,
    /// When it was triggered, epoch ms.
    pub triggered_ms: i64,
    /// When the last subtask acknowledged it, epoch ms.
    pub completed_ms: i64,
    /// Its size in bytes (`checkpointed_size`, else `state_size`).
    pub size_bytes: Option<u64>,
}

/// What a resubmission runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JarRun {
    /// The job's main class (`entry-class` of `/jars/<id>/run`).
    pub entry_class: String,
    /// Program arguments, one per element.
    pub program_args: Vec<String>,
    /// The job's parallelism at submission.
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

    /// The completed savepoints the job's checkpoint history still lists (Flink keeps the last
    /// `web.checkpoints.history` entries, and a new leader starts an empty history).
    fn listed_savepoints(
        &self,
        job_id: &str,
    ) -> impl Future<Output = Result<Vec<ListedSavepoint>, Self::Error>> + Send;

    /// Asks Flink to dispose of the savepoint at `path` (`POST /savepoint-disposal`). Returns
    /// the id to poll with `disposal_status`.
    fn dispose_savepoint(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<String, Self::Error>> + Send;

    /// The state of a disposal (`Completed` carries the path back).
    fn disposal_status(
        &self,
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
