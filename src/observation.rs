//! The Observation model: what the collectors saw of one pipeline in one probe.
//!
//! Plain serde data, timestamped, replayable from JSON (`diagnose --save/--replay`, whose file,
//! the bundle, lives in `diagnose`). Every signal is either observed or missing with the error
//! that kept it from being observed; this module holds no logic beyond small accessors, does no
//! I/O and imports nothing from the rest of the crate (a leaf).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A wall-clock instant, stored as milliseconds since the Unix epoch and written as RFC 3339.
///
/// Wall-clock facts (file mtimes, the database's time, the probe's time) enter the program only
/// as `Timestamp`s inside observations, so the decision table never reads a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `ms` milliseconds after the Unix epoch.
    pub const fn from_unix_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// Converts a `SystemTime`; times before 1970 clamp to the epoch.
    pub fn from_system_time(t: SystemTime) -> Self {
        let ms = t
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(ms)
    }

    /// The same instant as a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        if self.0 >= 0 {
            UNIX_EPOCH + Duration::from_millis(self.0 as u64)
        } else {
            UNIX_EPOCH
        }
    }

    /// This instant moved forward by `d`.
    pub fn plus(self, d: Duration) -> Self {
        Timestamp(
            self.0
                .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        )
    }

    /// This instant moved back by `d`.
    pub fn minus(self, d: Duration) -> Self {
        Timestamp(
            self.0
                .saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        )
    }

    /// How long after `earlier` this instant is; zero when it is not after it.
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0).max(0) as u64)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            humantime::format_rfc3339_millis(self.to_system_time())
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_rfc3339_weak(&text)
            .map(Timestamp::from_system_time)
            .map_err(|e| serde::de::Error::custom(format!("bad timestamp {text:?}: {e}")))
    }
}

/// One signal: observed, or missing with the error that kept it from being observed.
///
/// A failed call never aborts a probe; it becomes `Missing`, and the decision table decides
/// what a missing signal means (a step that needs it is skipped and listed as not checked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Signal<T> {
    /// The collector saw this value.
    Observed {
        /// What was observed.
        value: T,
    },
    /// The collector tried and failed; `error` says why (never a secret).
    Missing {
        /// Why the signal is missing, e.g. the error of the failed call.
        error: String,
    },
    /// Nothing tried: the system is not configured, or its collector does not exist yet. Unlike
    /// `Missing`, this says nothing about the system's health (an Oracle that is not collected
    /// is not an unreachable Oracle).
    NotCollected {
        /// Why it was not collected.
        reason: String,
    },
}

impl<T> Signal<T> {
    /// An observed value.
    pub fn observed(value: T) -> Self {
        Signal::Observed { value }
    }

    /// A missing signal with its reason.
    pub fn missing(error: impl Into<String>) -> Self {
        Signal::Missing {
            error: error.into(),
        }
    }

    /// A signal nobody tried to collect, with the reason.
    pub fn not_collected(reason: impl Into<String>) -> Self {
        Signal::NotCollected {
            reason: reason.into(),
        }
    }

    /// The value, if observed.
    pub fn value(&self) -> Option<&T> {
        match self {
            Signal::Observed { value } => Some(value),
            _ => None,
        }
    }

    /// Why there is no value (a failed call's error, or why nothing was collected).
    pub fn error(&self) -> Option<&str> {
        match self {
            Signal::Observed { .. } => None,
            Signal::Missing { error } => Some(error),
            Signal::NotCollected { reason } => Some(reason),
        }
    }

    /// A collector tried and failed (not merely "not collected").
    pub fn failed(&self) -> bool {
        matches!(self, Signal::Missing { .. })
    }

    /// Applies `f` to an observed value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Signal<U> {
        match self {
            Signal::Observed { value } => Signal::Observed { value: f(value) },
            Signal::Missing { error } => Signal::Missing { error },
            Signal::NotCollected { reason } => Signal::NotCollected { reason },
        }
    }
}

impl<T, E: fmt::Display> From<Result<T, E>> for Signal<T> {
    /// A failed call becomes a missing signal carrying the whole error chain's text.
    fn from(r: Result<T, E>) -> Self {
        match r {
            Ok(value) => Signal::Observed { value },
            Err(e) => Signal::Missing {
                error: e.to_string(),
            },
        }
    }
}

/// An error and its causes on one line (`a: b: c`), for a missing signal's text.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// Everything the collectors saw of one pipeline in one probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The pipeline's name from the config.
    pub pipeline: String,
    /// When the probe started, by the doctor's clock.
    pub observed_at: Timestamp,
    /// The database side: SCN clock, prerequisites, the connector's sessions, redo.
    pub oracle: Signal<OracleSnapshot>,
    /// The Flink side: JobManagers, the job, checkpoints, exceptions, counters.
    pub flink: Signal<FlinkSnapshot>,
    /// ZooKeeper: server health and the leader it names (missing when not configured).
    pub zookeeper: Signal<ZooKeeperSnapshot>,
    /// The FileSink output directory.
    pub output: Signal<OutputSnapshot>,
    /// The fleet member that took it (`[agent.fleet]`; none when `watch` runs alone): each
    /// member keeps its own history, and says which member observed what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_by: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Oracle
// ---------------------------------------------------------------------------------------------

/// What the monitoring account saw in the database. Each part is its own signal, because a
/// missing grant hides one view, not the whole database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OracleSnapshot {
    /// Current SCN, database time and the prerequisites of LogMiner.
    pub database: Signal<DatabaseState>,
    /// Fast recovery area usage (`V$RECOVERY_FILE_DEST`).
    pub recovery_area: Signal<RecoveryArea>,
    /// Table-level supplemental logging of each captured table.
    pub table_logging: Signal<Vec<TableLogging>>,
    /// The connector user's sessions on every instance (`GV$SESSION`).
    pub sessions: Signal<Vec<ConnectorSession>>,
    /// `LAST_SCN` of the connector's flush table: the mining loop's heartbeat.
    pub flush_table_scn: Signal<u64>,
    /// Oldest redo still available per enabled thread.
    pub redo: Signal<RedoAvailability>,
    /// Cumulative `db block changes` of the captured tables (deltas prove writes).
    pub table_activity: Signal<TableActivity>,
    /// Open transactions touching the captured tables.
    pub open_transactions: Signal<OpenTransactions>,
}

/// `V$DATABASE` and friends: the SCN clock and LogMiner's prerequisites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseState {
    /// `V$DATABASE.CURRENT_SCN`. SCNs are unsigned 64-bit.
    pub current_scn: u64,
    /// The database's own clock (`SYSTIMESTAMP`) when the SCN was read.
    pub database_time: Timestamp,
    /// e.g. "19.0.0.0.0".
    pub version: String,
    /// `V$DATABASE.LOG_MODE`: ARCHIVELOG, NOARCHIVELOG or MANUAL.
    pub log_mode: String,
    /// `SUPPLEMENTAL_LOG_DATA_MIN` is YES or IMPLICIT.
    pub supplemental_logging_min: bool,
    /// `SUPPLEMENTAL_LOG_DATA_ALL` is YES (table-level groups are then not needed).
    pub supplemental_logging_all: bool,
    /// `OPEN_MODE`, e.g. "READ WRITE".
    pub open_mode: String,
    /// `DATABASE_ROLE`, e.g. "PRIMARY".
    pub role: String,
    /// Archive destinations whose status is ERROR, with their error text.
    pub archive_dest_errors: Vec<String>,
    /// `pga_aggregate_limit` in bytes, when set (0 or absent: no limit).
    pub pga_limit_bytes: Option<u64>,
}

/// `V$RECOVERY_FILE_DEST`: when it fills, archiving stops (ORA-00257) and the database hangs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryArea {
    /// `SPACE_LIMIT`.
    pub limit_bytes: u64,
    /// `SPACE_USED - SPACE_RECLAIMABLE`.
    pub used_bytes: u64,
}

impl RecoveryArea {
    /// Percentage used, 0 when no limit is set.
    pub fn used_pct(&self) -> f64 {
        if self.limit_bytes == 0 {
            0.0
        } else {
            self.used_bytes as f64 * 100.0 / self.limit_bytes as f64
        }
    }
}

/// Supplemental logging of one captured table (`ALL_LOG_GROUPS`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableLogging {
    /// `OWNER.TABLE`.
    pub table: String,
    /// An ALL COLUMN log group exists (what Debezium needs).
    pub all_columns: bool,
}

/// What one connector session is executing, classified from its SQL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SqlKind {
    /// The LogMiner query on `V$LOGMNR_CONTENTS`.
    MiningQuery,
    /// `DBMS_LOGMNR.START_LOGMNR` (or ADD_LOGFILE / BUILD): session setup.
    StartLogminer,
    /// The flush-table `UPDATE ... SET LAST_SCN`.
    FlushUpdate,
    /// A snapshot `SELECT` on a captured table.
    SnapshotSelect,
    /// Anything else (housekeeping queries such as `SELECT CURRENT_SCN FROM V$DATABASE`).
    Other,
}

/// Cumulative statistics of a session's current (or last) SQL, from `GV$SQL`.
///
/// Oracle refreshes them every 5 s for long-running statements, so their deltas tell a long
/// call that progresses from one that is stuck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlStats {
    /// `CPU_TIME`, microseconds.
    pub cpu_time_us: u64,
    /// `BUFFER_GETS`.
    pub buffer_gets: u64,
    /// `ELAPSED_TIME`, microseconds.
    pub elapsed_time_us: u64,
}

/// One of the connector user's sessions (`GV$SESSION` joined with `GV$SQL`, `GV$PROCESS`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorSession {
    /// `INST_ID` (1 on a single instance).
    pub instance: u32,
    /// `SID`.
    pub sid: u32,
    /// `SERIAL#`.
    pub serial: u32,
    /// ACTIVE, INACTIVE, KILLED, SNIPED …
    pub status: String,
    /// `LAST_CALL_ET`: seconds since the current call started (ACTIVE) or the last one ended.
    pub last_call_et_s: u64,
    /// `EVENT`: what it waits on, e.g. "SQL*Net message from client".
    pub event: String,
    /// What `SQL_ID` is, if the session is executing.
    pub sql: Option<SqlKind>,
    /// What `PREV_SQL_ID` was.
    pub prev_sql: Option<SqlKind>,
    /// Statistics of the current SQL (or the previous one when idle).
    pub sql_stats: Option<SqlStats>,
    /// Session PGA in bytes.
    pub pga_bytes: Option<u64>,
    /// `LOGON_TIME`.
    pub logon_time: Timestamp,
    /// `MACHINE`: the client host (a TaskManager).
    pub machine: String,
    /// `PORT`: the client's TCP port, to match the socket on the TaskManager.
    pub port: Option<u32>,
}

impl ConnectorSession {
    /// The session runs or last ran the LogMiner query or session setup: it is the miner.
    pub fn is_mining(&self) -> bool {
        let mining = |k: Option<SqlKind>| {
            matches!(
                k,
                Some(SqlKind::MiningQuery | SqlKind::StartLogminer | SqlKind::FlushUpdate)
            )
        };
        mining(self.sql) || mining(self.prev_sql)
    }

    /// The session is executing or last executed a snapshot SELECT on a captured table.
    pub fn is_snapshotting(&self) -> bool {
        self.sql == Some(SqlKind::SnapshotSelect)
            || (self.sql.is_none() && self.prev_sql == Some(SqlKind::SnapshotSelect))
    }

    /// `STATUS = 'ACTIVE'`: a call is running.
    pub fn is_active(&self) -> bool {
        self.status.eq_ignore_ascii_case("ACTIVE")
    }

    /// A stable identity across probes: instance, sid and serial#.
    pub fn key(&self) -> (u32, u32, u32) {
        (self.instance, self.sid, self.serial)
    }
}

/// Redo availability: per enabled thread, the oldest SCN from which every log up to the current
/// one is still available (online, or archived with a name, not deleted, status A, on a local
/// valid destination, same incarnation), with no sequence gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedoAvailability {
    /// One entry per enabled redo thread.
    pub threads: Vec<RedoThread>,
    /// Log switches in the last hour (all threads).
    pub log_switches_last_hour: Option<u32>,
}

/// The available redo of one thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedoThread {
    /// `THREAD#`.
    pub thread: u32,
    /// `FIRST_CHANGE#` of the oldest log in the unbroken chain up to the current log.
    pub oldest_scn: u64,
    /// `FIRST_TIME` of that log.
    pub oldest_time: Timestamp,
}

/// Cumulative `db block changes` of the captured tables' segments (`GV$SEGMENT_STATISTICS`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableActivity {
    /// Sum over the captured tables' segments and instances.
    pub db_block_changes: u64,
}

/// Open transactions touching the captured tables (`GV$TRANSACTION` × `GV$LOCKED_OBJECT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenTransactions {
    /// How many.
    pub count: u32,
    /// Start SCN of the oldest (`START_SCNW * 2^32 + START_SCNB`): it pins the restart point.
    pub oldest_start_scn: Option<u64>,
    /// Start time of the oldest.
    pub oldest_start_time: Option<Timestamp>,
}

// ---------------------------------------------------------------------------------------------
// Flink
// ---------------------------------------------------------------------------------------------

/// What the configured JobManagers said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlinkSnapshot {
    /// One entry per configured JobManager URL, in config order.
    pub jobmanagers: Vec<JobManagerProbe>,
    /// Every job with the configured name, as the answering JobManagers list them.
    pub jobs: Vec<JobSummary>,
    /// Details of the job being judged: the configured fixed job id when it is listed, else the
    /// copy that still runs, else the copy that stopped last (see `copies`).
    pub job: Option<JobDetail>,
    /// Set when several stopped copies of the job are plausible and none is clearly the one to
    /// resume: the ids and why. The gate then refuses to choose ("which copy?").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambiguous_copies: Option<String>,
}

/// One JobManager's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobManagerProbe {
    /// The REST URL from the config.
    pub url: String,
    /// What it answered.
    pub status: JobManagerStatus,
}

/// How a JobManager answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobManagerStatus {
    /// It answered; `jobs` is its view of the jobs with the configured name (to compare views).
    Up {
        /// `flink-version` from `/config`.
        flink_version: String,
        /// Its view of the jobs with the configured name.
        jobs: Vec<JobSummary>,
    },
    /// HTTP 503 "Service temporarily unavailable due to an ongoing leader election".
    LeaderElection,
    /// HTTP 500 with `RecipientUnreachableException`: it proxies to a leader that is gone.
    LeaderUnreachable,
    /// No answer (connection refused, timeout) or an unexpected error.
    Unreachable {
        /// What failed.
        error: String,
    },
}

impl JobManagerStatus {
    /// It answered normally.
    pub fn is_up(&self) -> bool {
        matches!(self, JobManagerStatus::Up { .. })
    }
}

/// A job as listed by `/jobs/overview`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSummary {
    /// `jid`.
    pub id: String,
    /// `name`.
    pub name: String,
    /// `state`: RUNNING, RESTARTING, FAILED …
    pub state: String,
    /// `start-time`.
    pub start_time: Timestamp,
    /// `end-time` of a job in a terminal state (Flink reports -1 while it runs): a CANCELED or
    /// FAILED copy is dated by when it stopped, not by when it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<Timestamp>,
}

impl JobSummary {
    /// FAILED, CANCELED, FINISHED or SUSPENDED: the job will not run again by itself.
    pub fn is_terminal(&self) -> bool {
        is_terminal_state(&self.state)
    }
}

/// Flink's globally terminal job states (plus SUSPENDED, which needs HA recovery to resume).
pub fn is_terminal_state(state: &str) -> bool {
    matches!(
        state.to_ascii_uppercase().as_str(),
        "FAILED" | "CANCELED" | "FINISHED" | "SUSPENDED"
    )
}

/// Details of the judged job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDetail {
    /// `jid`.
    pub id: String,
    /// `state`.
    pub state: String,
    /// `start-time`: for a job restored after a JobManager failover, the restore.
    pub start_time: Timestamp,
    /// `end-time`, when the job is in a terminal state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<Timestamp>,
    /// Tasks RUNNING / total (a job is fully up only when all its tasks run).
    pub tasks_running: u32,
    /// Total tasks.
    pub tasks_total: u32,
    /// The `numRestarts` job metric.
    pub restarts: Signal<u64>,
    /// Checkpoint statistics and configuration.
    pub checkpoints: Signal<Checkpoints>,
    /// The exception history, newest first.
    pub exceptions: Signal<Vec<JobException>>,
    /// The source operator's counters.
    pub source: Signal<OperatorMetrics>,
    /// The sink operator's counters.
    pub sink: Signal<OperatorMetrics>,
    /// Client-side proof of a blocked read: the source thread across two thread dumps.
    pub source_thread: Signal<SourceThreadState>,
}

/// `/jobs/:id/checkpoints` and `/jobs/:id/checkpoints/config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoints {
    /// `counts.completed`.
    pub completed: u64,
    /// `counts.failed`.
    pub failed: u64,
    /// `counts.in_progress`.
    pub in_progress: u64,
    /// The latest completed checkpoint.
    pub last_completed: Option<CompletedCheckpoint>,
    /// The latest failure.
    pub last_failure: Option<CheckpointFailure>,
    /// The configured checkpoint interval.
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// Externalized checkpoints are retained on cancellation (a cancel keeps the state).
    pub retained_on_cancel: bool,
}

/// A completed checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletedCheckpoint {
    /// Checkpoint id.
    pub id: u64,
    /// `latest_ack_timestamp`.
    pub completed_at: Timestamp,
    /// `external_path`, when externalized.
    pub external_path: Option<String>,
    /// `end_to_end_duration`: how long it took, ms (absent in observations recorded before it
    /// was collected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// A failed checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointFailure {
    /// `failure_timestamp`.
    pub at: Timestamp,
    /// `failure_message`.
    pub message: String,
}

/// One entry of the job's exception history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobException {
    /// When it happened.
    pub timestamp: Timestamp,
    /// `exceptionName`.
    pub name: String,
    /// The stack trace (bounded by the collector).
    pub stacktrace: String,
}

/// Counters of one operator (summed over subtasks).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OperatorMetrics {
    /// `numRecordsOut` for a source, `numRecordsIn` for a sink.
    pub records: u64,
    /// `backPressuredTimeMsPerSecond` (max over subtasks), sources only.
    pub backpressured_ms_per_s: Option<f64>,
    /// The source's lag metrics, where the job registers them (FLIP-27 sources and Flink
    /// CDC's); sources only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag: Option<SourceLag>,
}

/// A source's lag metrics (max over subtasks). They move only when records arrive, so on their
/// own they cannot tell an idle source from a stuck one; they are evidence, not a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SourceLag {
    /// `currentFetchEventTimeLag`, ms (Flink CDC: fetch time minus the change's time).
    pub fetch_ms: Option<f64>,
    /// `currentEmitEventTimeLag`, ms.
    pub emit_ms: Option<f64>,
    /// `sourceIdleTime`, ms: how long the source has emitted nothing.
    pub idle_ms: Option<f64>,
}

/// Where the source's reader thread was found in two consecutive thread dumps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceThreadState {
    /// Both dumps show it in a socket read (`socketRead0`, `NioSocketImpl`, `oracle.net.ns`).
    BlockedInSocketRead,
    /// It moved between dumps or was not in a socket read.
    Running,
    /// No source reader thread was found.
    NotFound,
}

// ---------------------------------------------------------------------------------------------
// ZooKeeper
// ---------------------------------------------------------------------------------------------

/// ZooKeeper as the Flink cluster's HA service sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZooKeeperSnapshot {
    /// One entry per quorum member.
    pub servers: Vec<ZooKeeperServer>,
    /// The REST URL in `<root>/<cluster-id>/leader/rest_server/connection_info`; `None` when no
    /// leader is elected.
    pub leader_rest_url: Option<String>,
}

/// One quorum member's health (`ruok`, `srvr`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZooKeeperServer {
    /// host:port.
    pub address: String,
    /// It answered `imok`.
    pub ok: bool,
    /// leader, follower or standalone.
    pub mode: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/// A Flink FileSink directory: what is committed, what is still in progress, the last SCN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputSnapshot {
    /// The newest committed part file of the whole tree (older buckets are read as long as one
    /// may hold a newer file than those found).
    pub newest_committed: Option<CommittedFile>,
    /// Committed part files in the newest buckets: the output collector reads the
    /// `NEWEST_BUCKETS` bucket directories of each level that changed last (by mtime, then
    /// name) and the files directly in the base directory, not the whole tree; compare between
    /// samples, not with a count of the tree.
    pub committed_files: u64,
    /// Their total size (the same buckets).
    pub committed_bytes: u64,
    /// In-progress part files (`.part-*.inprogress.*`) in the same newest buckets (an orphan
    /// left in an older bucket is not seen).
    pub in_progress_files: u64,
    /// Modification time of the oldest in-progress file.
    pub oldest_in_progress_at: Option<Timestamp>,
    /// Total size of the in-progress files: growing between samples, it proves that records
    /// reach the sink even while a time-based rolling policy commits nothing yet.
    #[serde(default)]
    pub in_progress_bytes: u64,
    /// Modification time of the most recently written in-progress file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_in_progress_at: Option<Timestamp>,
    /// The SCN of the last change in the newest committed file that has one.
    pub last_scn: Signal<Option<u64>>,
}

/// One committed part file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommittedFile {
    /// Path relative to the output directory, e.g. `2026-11-23--21/part-0-7.csv`.
    pub path: String,
    /// Its modification time: when the sink committed it.
    pub modified_at: Timestamp,
    /// Its size in bytes.
    pub bytes: u64,
}
