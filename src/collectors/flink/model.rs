//! Serde types for the parts of Flink's REST responses the doctor reads (1.18 to 2.x).
//!
//! Lenient on purpose: every field the doctor can live without has a default, because fields
//! come and go between versions (2.0 removed the top-level exception fields, 2.3 adds others)
//! and a missing field must not turn a whole answer into an error. No I/O here.

use serde::Deserialize;

/// `GET /config`.
#[derive(Debug, Clone, Deserialize)]
pub struct DashboardConfig {
    /// e.g. "1.20.1".
    #[serde(rename = "flink-version", default)]
    pub flink_version: String,
}

/// `GET /jobs/overview`.
#[derive(Debug, Clone, Deserialize)]
pub struct JobsOverview {
    /// Every job this JobManager knows.
    #[serde(default)]
    pub jobs: Vec<JobOverview>,
}

/// One job of `/jobs/overview` (`JobDetails`).
#[derive(Debug, Clone, Deserialize)]
pub struct JobOverview {
    /// Job id.
    pub jid: String,
    /// Job name.
    pub name: String,
    /// RUNNING, FAILED …
    pub state: String,
    /// Start time, epoch ms.
    #[serde(rename = "start-time", default)]
    pub start_time: i64,
    /// End time, epoch ms; -1 while the job has not reached a terminal state.
    #[serde(rename = "end-time", default = "not_ended")]
    pub end_time: i64,
    /// Task counts by state (keys are lower-case execution states, plus `total`).
    #[serde(default)]
    pub tasks: TaskCounts,
}

fn not_ended() -> i64 {
    -1
}

/// Task counts of a job.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskCounts {
    /// All tasks.
    #[serde(default)]
    pub total: u32,
    /// Running tasks.
    #[serde(default)]
    pub running: u32,
}

/// `GET /jobs/:id` (only what is needed to find the operators).
#[derive(Debug, Clone, Deserialize)]
pub struct JobDetails {
    /// The job graph's vertices.
    #[serde(default)]
    pub vertices: Vec<Vertex>,
}

/// A vertex (a chain of operators running as one task).
#[derive(Debug, Clone, Deserialize)]
pub struct Vertex {
    /// Vertex id.
    pub id: String,
    /// Its name, e.g. "Source: feed -> Map" when operators are chained.
    pub name: String,
}

/// One entry of a metrics response: the endpoints return a bare JSON array of these (not the
/// `{"metrics": [...]}` object the spec describes); values are strings.
#[derive(Debug, Clone, Deserialize)]
pub struct Metric {
    /// The metric id.
    pub id: String,
    /// `?get=` without aggregation: the value.
    #[serde(default)]
    pub value: Option<String>,
}

/// One entry of an aggregated metrics response (`?agg=sum,max`); numbers.
#[derive(Debug, Clone, Deserialize)]
pub struct AggregatedMetric {
    /// The metric id.
    pub id: String,
    /// Sum over subtasks.
    #[serde(default)]
    pub sum: Option<f64>,
    /// Maximum over subtasks.
    #[serde(default)]
    pub max: Option<f64>,
}

/// `GET /jobs/:id/checkpoints`.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckpointStats {
    /// Counters.
    pub counts: CheckpointCounts,
    /// The latest checkpoints of each kind.
    #[serde(default)]
    pub latest: LatestCheckpoints,
    /// The most recent checkpoints and savepoints, newest first (`web.checkpoints.history`).
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

/// One entry of the checkpoint history.
#[derive(Debug, Clone, Deserialize)]
pub struct HistoryEntry {
    /// Checkpoint id.
    pub id: u64,
    /// IN_PROGRESS, COMPLETED or FAILED.
    #[serde(default)]
    pub status: String,
    /// Whether it is a savepoint.
    #[serde(default)]
    pub is_savepoint: bool,
    /// When it was triggered, epoch ms.
    #[serde(default)]
    pub trigger_timestamp: i64,
    /// When the last subtask acknowledged, epoch ms.
    #[serde(default)]
    pub latest_ack_timestamp: i64,
    /// The bytes this checkpoint wrote.
    #[serde(default)]
    pub checkpointed_size: Option<u64>,
    /// The full state size.
    #[serde(default)]
    pub state_size: Option<u64>,
    /// Where it is stored (completed ones).
    #[serde(default)]
    pub external_path: Option<String>,
}

/// `counts` of the checkpoint statistics.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckpointCounts {
    /// Completed checkpoints.
    #[serde(default)]
    pub completed: u64,
    /// Failed checkpoints.
    #[serde(default)]
    pub failed: u64,
    /// In progress.
    #[serde(default)]
    pub in_progress: u64,
}

/// `latest` of the checkpoint statistics.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LatestCheckpoints {
    /// The latest completed checkpoint.
    #[serde(default)]
    pub completed: Option<CompletedStats>,
    /// The latest failed checkpoint.
    #[serde(default)]
    pub failed: Option<FailedStats>,
    /// The latest completed savepoint (Flink lists savepoints apart from checkpoints).
    #[serde(default)]
    pub savepoint: Option<CompletedStats>,
}

/// A completed checkpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct CompletedStats {
    /// Checkpoint id.
    pub id: u64,
    /// When the last subtask acknowledged, epoch ms.
    #[serde(default)]
    pub latest_ack_timestamp: i64,
    /// Where it is stored.
    #[serde(default)]
    pub external_path: Option<String>,
    /// From trigger to the last acknowledgement, ms.
    #[serde(default)]
    pub end_to_end_duration: Option<u64>,
}

/// A failed checkpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct FailedStats {
    /// When it failed, epoch ms.
    #[serde(default)]
    pub failure_timestamp: i64,
    /// Why.
    #[serde(default)]
    pub failure_message: Option<String>,
}

/// `GET /jobs/:id/checkpoints/config`.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckpointConfig {
    /// Interval, ms.
    #[serde(default)]
    pub interval: u64,
    /// Externalized-checkpoint retention.
    #[serde(default)]
    pub externalization: Externalization,
}

/// Whether checkpoints outlive the job.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Externalization {
    /// Checkpoints are externalized.
    #[serde(default)]
    pub enabled: bool,
    /// A cancel deletes them.
    #[serde(default)]
    pub delete_on_cancellation: bool,
}

/// `GET /jobs/:id/exceptions`: 1.18-1.20 also carry the deprecated top-level fields, 2.0 only
/// the history.
#[derive(Debug, Clone, Deserialize)]
pub struct Exceptions {
    /// The history (1.14+).
    #[serde(rename = "exceptionHistory", default)]
    pub history: Option<ExceptionHistory>,
    /// Deprecated root exception text (removed in 2.0).
    #[serde(rename = "root-exception", default)]
    pub root_exception: Option<String>,
    /// Deprecated timestamp of the root exception (removed in 2.0).
    #[serde(default)]
    pub timestamp: Option<i64>,
}

/// The exception history.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExceptionHistory {
    /// Newest first.
    #[serde(default)]
    pub entries: Vec<ExceptionEntry>,
}

/// One root exception.
#[derive(Debug, Clone, Deserialize)]
pub struct ExceptionEntry {
    /// The exception's class.
    #[serde(rename = "exceptionName", default)]
    pub exception_name: String,
    /// The stack trace.
    #[serde(default)]
    pub stacktrace: String,
    /// When, epoch ms.
    #[serde(default)]
    pub timestamp: i64,
}

/// `GET /jobs/:id/vertices/:vid/taskmanagers`.
#[derive(Debug, Clone, Deserialize)]
pub struct VertexTaskManagers {
    /// Where the vertex's subtasks run.
    #[serde(default)]
    pub taskmanagers: Vec<VertexTaskManager>,
}

/// One TaskManager of a vertex.
#[derive(Debug, Clone, Deserialize)]
pub struct VertexTaskManager {
    /// The TaskManager's resource id.
    #[serde(rename = "taskmanager-id")]
    pub taskmanager_id: String,
}

/// `GET /taskmanagers/:id/thread-dump`.
#[derive(Debug, Clone, Deserialize)]
pub struct ThreadDump {
    /// One entry per thread.
    #[serde(rename = "threadInfos", default)]
    pub threads: Vec<ThreadInfo>,
}

/// One thread of a dump.
#[derive(Debug, Clone, Deserialize)]
pub struct ThreadInfo {
    /// The thread's name.
    #[serde(rename = "threadName", default)]
    pub name: String,
    /// `Thread.toString()` plus its stack, as Java prints it.
    #[serde(rename = "stringifiedThreadInfo", default)]
    pub stack: String,
}

/// The answer to an asynchronous operation's trigger: `{"request-id": ...}`.
#[derive(Debug, Clone, Deserialize)]
pub struct TriggerResponse {
    /// The trigger id to poll.
    #[serde(rename = "request-id")]
    pub request_id: String,
}

/// `GET /jobs/:id/savepoints/:triggerid`.
#[derive(Debug, Clone, Deserialize)]
pub struct OperationResult {
    /// IN_PROGRESS or COMPLETED.
    pub status: OperationStatus,
    /// Present once COMPLETED: a location, or a failure cause.
    #[serde(default)]
    pub operation: Option<OperationInfo>,
}

/// `status` of an asynchronous operation.
#[derive(Debug, Clone, Deserialize)]
pub struct OperationStatus {
    /// IN_PROGRESS or COMPLETED.
    pub id: String,
}

/// `operation` of a completed asynchronous operation.
#[derive(Debug, Clone, Deserialize)]
pub struct OperationInfo {
    /// The savepoint's path.
    #[serde(default)]
    pub location: Option<String>,
    /// Why it failed: a SerializedThrowable, whose JSON also carries `class` and
    /// `stack-trace` (richer than the spec says).
    #[serde(rename = "failure-cause", default)]
    pub failure_cause: Option<serde_json::Value>,
}

/// `GET /jars`.
#[derive(Debug, Clone, Deserialize)]
pub struct JarList {
    /// The uploaded jars of this JobManager (jars are local to the JobManager).
    #[serde(default)]
    pub files: Vec<JarFile>,
}

/// One uploaded jar.
#[derive(Debug, Clone, Deserialize)]
pub struct JarFile {
    /// The jar id to run.
    pub id: String,
    /// The original file name.
    #[serde(default)]
    pub name: String,
}

/// `POST /jars/upload`.
#[derive(Debug, Clone, Deserialize)]
pub struct JarUpload {
    /// `<web.upload.dir>/<uuid>_<name>.jar`; the jar id is its file name.
    pub filename: String,
}

/// `POST /jars/:id/run`.
#[derive(Debug, Clone, Deserialize)]
pub struct JarRunResponse {
    /// The submitted job's id (the fixed one the doctor asked for).
    pub jobid: String,
}

/// `{"errors": [...]}`, the body of every REST error.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorBody {
    /// The messages (the second often holds the server-side stack trace).
    #[serde(default)]
    pub errors: Vec<String>,
}
