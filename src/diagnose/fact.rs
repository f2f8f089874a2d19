//! Every sentence the decision table and the gate say, as data: a typed fact with its numbers, ids, paths and
//! thresholds in fields, and its English and Chinese renderings side by side in one match.
//!
//! Why data and not prose: the same fact is read by people in two languages (text reports,
//! chat, email, Alertmanager annotations, `history`) and by programs (JSON: `kind` and `data`,
//! next to the English sentence). A fact without its Chinese does not compile, and a test
//! renders every variant (strum's `EnumIter` walks them all) and fails on one that does not read
//! as Chinese. Identifiers — SCNs, job ids, paths, ORA- codes, Oracle and Flink names, config
//! keys — read the same in both languages; texts quoted from other systems (`Error`) too.
//!
//! The variants are grouped by where the table uses them: facts (evidence), warnings,
//! summaries (one line per verdict), steps (what to do) and why a signal was not checked.

use serde::{Deserialize, Serialize};

use super::Cause;
use crate::lang::Lang;
use crate::observation::Timestamp;

/// A length of time in whole seconds, rendered as an operator reads it: "45s", "21m 3s",
/// "47h 37m", "3d 4h" (coarser as it grows: nobody acts on the seconds of a two-day headroom);
/// in Chinese "45秒", "21分3秒", "47小时37分", "3天4小时".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Secs(pub u64);

impl Secs {
    /// Whole seconds of `d`.
    pub fn of(d: std::time::Duration) -> Secs {
        Secs(d.as_secs())
    }

    /// The config's own spelling ("10m", "1h 30m"), used for threshold values in any language.
    pub fn en(self) -> String {
        self.render(["s", "m", "h", "d"], " ")
    }

    /// In `lang`.
    pub fn show(self, lang: Lang) -> String {
        match lang {
            Lang::En => self.en(),
            Lang::Zh => self.render(["秒", "分", "小时", "天"], ""),
        }
    }

    fn render(self, [s_, m_, h_, d_]: [&str; 4], sep: &str) -> String {
        let s = self.0;
        let (day, hour, min) = (86_400, 3_600, 60);
        match s {
            0..60 => format!("{s}{s_}"),
            60..3600 if s.is_multiple_of(min) => format!("{}{m_}", s / min),
            60..3600 => format!("{}{m_}{sep}{}{s_}", s / min, s % min),
            3600..86_400 if s.is_multiple_of(hour) => format!("{}{h_}", s / hour),
            3600..86_400 => format!("{}{h_}{sep}{}{m_}", s / hour, s % hour / min),
            _ if s.is_multiple_of(day) => format!("{}{d_}", s / day),
            _ => format!("{}{d_}{sep}{}{h_}", s / day, s % day / hour),
        }
    }
}

/// What a JobManager answered, as a fact shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum JmState {
    /// It answers and leads.
    Up {
        /// Its Flink version.
        flink_version: String,
        /// Jobs with the configured name it lists.
        jobs: usize,
    },
    /// HTTP 503: a leader election is in progress.
    #[default]
    LeaderElection,
    /// HTTP 500 `RecipientUnreachableException`: its leader is gone.
    LeaderUnreachable,
    /// No answer.
    Unreachable {
        /// The HTTP or connect error, as the client reported it.
        error: String,
    },
}

/// The connector's session as a fact shows it (V$SESSION).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionView {
    /// `INST_ID/SID,SERIAL#`.
    pub id: String,
    /// `STATUS`.
    pub status: String,
    /// `LAST_CALL_ET` in seconds.
    pub last_call_s: u64,
    /// `EVENT`.
    pub event: String,
    /// What its SQL is (or was), or "none".
    pub sql: String,
    /// `MACHINE:PORT` of the client.
    pub client: String,
}

/// What a job's stand-in for committed output lacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lacking {
    /// No job details with counters.
    #[default]
    JobCounters,
    /// No sink record counter.
    SinkCounter,
    /// No checkpoint statistics.
    CheckpointStats,
    /// One observation cannot show progress.
    OneObservation,
}

/// How long the output has not advanced, for the idle-or-dead question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Staleness {
    /// Judged by the sink's counters (the output could not be read).
    #[default]
    SinkCounters,
    /// The newest committed file is this old.
    For {
        /// Its age.
        age: Secs,
    },
    /// Nothing was ever committed.
    Never,
}

/// One sentence of a diagnosis, as data. See the module doc.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, strum::EnumIter)]
#[serde(rename_all = "snake_case", tag = "kind", content = "data")]
#[allow(missing_docs)] // Each variant's English rendering below is its documentation.
pub enum Fact {
    // --- texts of other systems and of older records ---------------------------------------
    /// A message quoted verbatim from Oracle, Flink, ZooKeeper or the file system.
    Error {
        text: String,
    },
    /// A sentence recorded before facts were typed (an older history row): English only.
    Recorded {
        text: String,
    },
    /// What `explain` made of an exception, in both languages.
    Explained {
        en: String,
        zh: String,
    },
    /// Several facts in one line ("a; b").
    Joined {
        parts: Vec<Fact>,
    },

    // --- output -----------------------------------------------------------------------------
    CommittedGrowth {
        files_before: u64,
        bytes_before: u64,
        files_after: u64,
        bytes_after: u64,
        over: Secs,
    },
    LastScnUnreadable {
        error: String,
    },
    NewestCommittedAhead {
        path: String,
        modified_at: Timestamp,
    },
    NewestCommittedAge {
        path: String,
        age: Secs,
    },
    #[default]
    NoCommittedFile,
    InProgressWritten {
        bytes_before: u64,
        bytes_after: u64,
        files: u64,
        ago: Secs,
    },
    SourceReadAfterCommit {
        before: u64,
        after: u64,
        ago: Secs,
    },
    JobStartedAgo {
        job: String,
        ago: Secs,
    },
    OutputUnreadableCounters {
        error: String,
        sink_before: u64,
        sink_after: u64,
        checkpoints_before: u64,
        checkpoints_after: u64,
    },
    OutputLag {
        output_scn: u64,
        database_scn: u64,
    },

    // --- Flink ------------------------------------------------------------------------------
    JobManager {
        url: String,
        state: JmState,
    },
    LeaderElectionFor {
        lasted: Secs,
    },
    LeaderElectionAgo {
        ago: Secs,
    },
    ZookeeperNamesNoLeader,
    JobManagersElecting {
        urls: Vec<String>,
    },
    ZookeeperNamesDeadLeader {
        url: String,
    },
    JobManagerSees {
        url: String,
        jobs: Vec<String>,
    },
    JobSince {
        job: String,
        state: String,
        since: Timestamp,
    },
    NoJobWithName,
    JobStoppedSince {
        job: String,
        state: String,
        end: Timestamp,
        start: Timestamp,
    },
    JobStopped {
        job: String,
        state: String,
        start: Timestamp,
    },
    JobRestartLoop {
        job: String,
        restarts: u64,
        over: Secs,
        total: u64,
        state: String,
    },
    TasksShort {
        job: String,
        running: u64,
        total: u64,
    },
    WhichCopy {
        copies: String,
    },
    JobException {
        at: Timestamp,
        name: String,
        codes: Vec<String>,
    },
    LatestNamedException {
        at: Timestamp,
        name: String,
        codes: Vec<String>,
    },
    LatestException {
        at: Timestamp,
        name: String,
    },
    CheckpointsFailed {
        failed: u64,
        over: Secs,
    },
    NoCheckpointCompleted {
        none_for: Secs,
        interval: Secs,
        failed: u64,
        in_progress: u64,
        over: Secs,
    },
    LastCheckpointFailure {
        message: String,
    },
    Backpressure {
        ms_per_s: u64,
    },
    SourceReadNotCommitted {
        before: u64,
        after: u64,
        from: Timestamp,
        to: Timestamp,
    },
    ThreadDumpSocketRead,
    LongFetchNotDead,

    // --- Oracle -----------------------------------------------------------------------------
    RestartScnLowestOf {
        scn: u64,
        sources: Vec<Fact>,
    },
    ScnFromOutput {
        scn: u64,
    },
    ScnFromOpenTransaction {
        scn: u64,
        open: u64,
    },
    ScnFromOperator {
        scn: u64,
    },
    RedoThreadOldest {
        thread: u32,
        scn: u64,
        since: Timestamp,
    },
    RedoHeadroom {
        scn: u64,
        headroom: Secs,
        kept: Secs,
        thread: u32,
    },
    LogMode {
        mode: String,
    },
    SupplementalMinNo,
    ArchiveDestError {
        error: String,
    },
    TableNoAllColumns {
        table: String,
    },
    SignalError {
        signal: String,
        error: String,
    },
    RecoveryAreaUsed {
        used: u64,
        limit: u64,
    },
    OracleError {
        error: String,
    },
    HeartbeatRising {
        from: u64,
        to: u64,
        over: Option<Secs>,
    },
    HeartbeatFrozen {
        at: u64,
        over: Secs,
    },
    HeartbeatNotChecked {
        why: Box<Fact>,
    },
    NoSessionWhileJob {
        job: String,
        state: String,
    },
    SessionsIdle {
        count: u64,
    },
    Session {
        session: Box<SessionView>,
    },
    SessionActiveOnLogMiner {
        session: String,
        running: Secs,
    },
    StatsFlat {
        over: Secs,
    },
    SnapshotProgress {
        session: String,
        gets: u64,
        over: Secs,
    },
    ChangesWaiting {
        over: Secs,
        changes: u64,
    },
    ChangesNotCommitted {
        changes: u64,
    },
    ActivityFlat {
        changes: u64,
    },
    ActivityNotMeasured,
    SessionAndHeartbeat {
        why: String,
    },
    HypothesisIdle,
    HypothesisDead,

    // --- warnings ---------------------------------------------------------------------------
    ClockSkew {
        modified_at: Timestamp,
        ahead: Secs,
    },
    SharedMiningSessions {
        sessions: Vec<String>,
    },
    OneObservation,
    FailoverInProgress {
        lasted: Secs,
        grace: Secs,
    },
    JobRestarted {
        restarts: u64,
        over: Secs,
        threshold: u64,
    },
    RedoHeadroomShort {
        scn: u64,
        headroom: Secs,
        threshold: Secs,
    },
    RecoveryAreaWarning {
        used: u64,
        limit: u64,
        threshold: String,
    },
    PgaHigh {
        pga: u64,
        percent: u64,
        threshold: String,
    },
    FlowingNotCommitted {
        age: Secs,
        window: Secs,
    },
    OracleChecksSkipped {
        error: String,
    },
    DatabaseNotCollected,
    CheckpointsFailedRecently {
        failed: u64,
        over: Secs,
        last: Option<String>,
    },
    OrphanPartFiles {
        files: u64,
        oldest: Timestamp,
        job_start: Timestamp,
    },
    LongCallProgresses {
        running: Secs,
        cpu_ms: u64,
        gets: u64,
        threshold: Secs,
    },
    AnotherConnectionMines {
        heartbeat: Box<Fact>,
    },
    NoOutputDuringSnapshot,

    // --- falling behind ---------------------------------------------------------------------
    LagAtCommits {
        commits: u64,
        from: u64,
        to: u64,
        over: Secs,
    },
    ScnRates {
        database_per_min: u64,
        output_per_min: u64,
        over: Secs,
    },
    NeverCatchesUp {
        lag: u64,
        behind: Secs,
    },
    PurgeOvertakes {
        scn: u64,
        within: Secs,
        thread: u32,
    },
    PurgeNeverOvertakes {
        scn: u64,
    },

    // --- summaries --------------------------------------------------------------------------
    NoObservation,
    SuspectedNotProven {
        cause: Cause,
        summary: Box<Fact>,
    },
    NoJobManagerReachable,
    NoLeaderFor {
        lasted: Secs,
    },
    FailoverFor {
        lasted: Secs,
    },
    JobManagersDisagree,
    JobRunsTimes {
        copies: u64,
    },
    JobNotListedAfterFailover {
        ago: Secs,
    },
    JobNotOnCluster,
    JobStoppedBecause {
        looping: bool,
        why: Box<Fact>,
    },
    JobIs {
        state: String,
    },
    RestartLoopUnnamed,
    OnlyTasksRun {
        running: u64,
        total: u64,
    },
    RestartScnUncovered {
        scn: u64,
        threads: Vec<u32>,
    },
    DatabaseInMode {
        mode: String,
    },
    SupplementalMinOff,
    ArchiveDestInError,
    TableWithoutAllColumns {
        table: String,
    },
    GrantMissing {
        signal: String,
    },
    JobFailedWith {
        name: String,
    },
    RecoveryAreaFull {
        used: u64,
        limit: u64,
    },
    JobFailed {
        why: Box<Fact>,
    },
    OutputAdvances,
    RecordsReachSink,
    StaleAndOracleUnreachable,
    CheckpointsDoNotComplete,
    Backpressured {
        ms_per_s: u64,
    },
    SourceReadNoneReached {
        waited: Secs,
    },
    ConnectionDied {
        why: Box<Fact>,
    },
    WhileChangesWait {
        summary: Box<Fact>,
    },
    NoSessionWhileRunning,
    NoMiningAndIdle,
    SessionKilled {
        status: String,
    },
    SessionSilent {
        idle: Secs,
    },
    Snapshotting,
    LogMinerErrorsRepeat {
        count: u64,
    },
    CallFlat {
        running: Secs,
    },
    CallProgresses {
        running: Secs,
    },
    NoChanges,
    IdleOrDead {
        staleness: Staleness,
    },
    JustStarted,
    NoStepMatched,
    NoStepCouldDecide {
        missing: u64,
    },
    FallsBehind {
        behind: Secs,
        lag: u64,
    },
    FallsBehindPurgeFirst {
        behind: Secs,
        within: Secs,
    },

    // --- steps ------------------------------------------------------------------------------
    CollectTwoObservations,
    NothingToDo,
    ActOnWarnings,
    NothingProves {
        cause: Cause,
    },
    Provide {
        signal: String,
        step: String,
        why: Box<Fact>,
    },
    CheckJobManagers,
    CheckZookeeperQuorum,
    FixClusterFirst,
    NeverRestartLeaderless,
    WaitForStandby,
    IfNoLeaderAfter {
        grace: Secs,
    },
    CheckHaClusterId,
    NeverRestartSplit,
    CancelYoungerCopy {
        job: String,
    },
    UseFixedJobId,
    WaitForRecovery,
    ResubmitFromState,
    NameTheCopy,
    ThenRestartWithState,
    ReadExceptionHistory,
    DoNotRestartFromState,
    RestoreArchivedLogs {
        scn: u64,
    },
    WaitForRedo,
    EnableArchiveLog,
    AddSupplementalLogging,
    FixArchiveDest,
    AlterTableAllColumns {
        table: String,
    },
    RunGrants,
    FreeRecoveryArea,
    NeverDeleteNeededLogs,
    CheckListener,
    UnlockAccount,
    WaitForOracle,
    FindSlowOperator,
    BackpressureIsNotDead,
    LookAtCheckpoints,
    RestartOnlyIfFailing,
    RestartWithState,
    KillOrphan {
        sid: u32,
        serial: u32,
        instance: u32,
        port: Option<u32>,
    },
    PreventSilentHang,
    RestartForFreshSession,
    ReviewLogMiningSettings,
    DoNotRestartCallWorks,
    NothingBroken,
    RedoAgesOutIn {
        headroom: Secs,
    },
    RedoAgingUnknown,
    SetHeartbeatInterval,
    GrantAndInstantClient,
    CheckTablesChanged,
    DiagnoseAfterWindow,
    MoreSamples,
    ReadFaster,
    KeepRedoUntilCaughtUp {
        scn: u64,
    },
    RestartDoesNotCatchUp,

    // --- alerts (the message around a diagnosis) --------------------------------------------
    /// The monitoring-plugin line: `LOGMINER-DOCTOR CRITICAL - orders: dead_connection - …`.
    StatusLine {
        severity: String,
        pipeline: String,
        cause: Cause,
        summary: Box<Fact>,
    },
    IncidentOver {
        pipeline: String,
        cause: Cause,
        now: Cause,
        severity: String,
    },
    AlertsMerged {
        count: u64,
        first: Box<Fact>,
    },
    /// A fact shown under another (merged alerts).
    Indented {
        fact: Box<Fact>,
    },
    AutoAction {
        text: String,
    },

    // --- the fleet (agent::fleet: the unowned-pipeline alert) ---------------------------------
    PipelineUnowned {
        pipeline: String,
        expected: String,
        members: u64,
    },
    PipelineOwnedAgain {
        pipeline: String,
        owner: String,
    },
    FixFleetOwner {
        member: String,
    },

    // --- periodic savepoints (remediation::savepoints, the agent's savepoint alerts) ---------
    SavepointsFailing {
        pipeline: String,
        attempts: u64,
    },
    SavepointFailedBecause {
        cause: String,
    },
    NoRestorableSavepoint {
        pipeline: String,
        within: Secs,
    },
    NewestRestorableSavepoint {
        path: String,
        age: Secs,
        scn: u64,
    },
    SavepointAgingOut {
        pipeline: String,
        path: String,
        scn: u64,
        headroom: Secs,
        threshold: Secs,
    },
    SavepointsHealthy {
        pipeline: String,
    },
    FixSavepointDir,
    FixKeepRedoLonger,
    SavepointRedoPurged {
        path: String,
        scn: u64,
        thread: u32,
        oldest: u64,
    },
    SavepointGone {
        path: String,
    },
    ResumeNewestRestorable {
        job: String,
        state: String,
        path: String,
        scn: u64,
    },

    // --- the gate (remediation::gate): one fact per check -----------------------------------
    NotObserved {
        system: String,
        error: Option<String>,
    },
    FailoverNow {
        why: Box<Fact>,
    },
    NoJobManagerAnswers {
        count: u64,
    },
    JobManagersListDifferent {
        a: Box<Fact>,
        b: Box<Fact>,
    },
    JobManagersAgree {
        up: u64,
        total: u64,
        zookeeper_leader: Option<String>,
    },
    WhichCopyNameIt {
        copies: String,
    },
    JobResubmitted {
        job: String,
        state: String,
    },
    NoJobToResubmit,
    JobRunsCopies {
        ids: Vec<String>,
    },
    OracleAnswers {
        version: String,
        role: String,
        open_mode: String,
        scn: u64,
    },
    DatabaseStateUnreadable {
        error: String,
    },
    OracleDoesNotAnswer {
        error: String,
    },
    OracleNotCollected {
        reason: String,
    },
    NoRestartScnKnown {
        why: Box<Fact>,
    },
    RedoCovers {
        scn: u64,
        sources: Vec<Fact>,
        threads: Vec<(u32, u64)>,
    },
    RedoUncovered {
        scn: u64,
        sources: Vec<Fact>,
        uncovered: Vec<u32>,
        threads: Vec<(u32, u64)>,
    },
    Prerequisites {
        log_mode: String,
        supplemental_min: bool,
    },
    StateGiven {
        path: String,
    },
    NoStateToResume,
    StopWithSavepoint {
        job: String,
        retained: Option<bool>,
        latest: Option<String>,
    },
    NoSavepointNow {
        job: String,
        state: String,
    },
    ResumeRetained {
        job: String,
        state: String,
        path: String,
    },
    CheckpointNotRetained {
        job: String,
        state: String,
        path: String,
    },
    CheckpointsUnreadable {
        job: String,
        state: String,
    },
    NoExternalizedCheckpoint {
        job: String,
        state: String,
    },
    BudgetLeft {
        used: u64,
        budget: u64,
        window: Secs,
    },
    BudgetUsedUp {
        used: u64,
        budget: u64,
        window: Secs,
    },
    RestartsUncountable {
        error: String,
    },
    LockFree {
        checked: String,
    },
    LockHeld {
        holder: String,
        by: String,
    },
    LockUnchecked {
        why: String,
    },
    AdviseOnly,
    NoResubmitConfigured,
    JarMissing {
        jar: String,
    },
    ResubmitConfigured {
        jar: String,
        entry_class: String,
        parallelism: u64,
        job_id: String,
    },

    // --- restart (remediation::restart): the plan, the proof, what to do after a failure ---
    PlanGate {
        checks: u64,
    },
    PlanStop {
        job: String,
        target: String,
        within: Secs,
    },
    PlanFallbackCancel {
        job: String,
        within: Secs,
    },
    PlanNoFallback,
    PlanRetained {
        job: String,
        state: String,
        path: String,
    },
    PlanGiven {
        path: String,
    },
    PlanNoState,
    PlanSubmit {
        jar: String,
        entry_class: String,
        parallelism: u64,
        args: Vec<String>,
        job_id: String,
    },
    PlanNoSubmit,
    PlanWaitRunning {
        within: Secs,
    },
    PlanVerify {
        within: Secs,
        scn: Option<u64>,
    },
    PlanKillOrphan {
        procedure: String,
    },
    PlanReportOrphan,
    RestartProvenPast {
        job: String,
        scn: u64,
    },
    RestartProvenIdle {
        job: String,
    },
    RunTheGate,
    AddResubmit,
    NameASavepoint,
    ReadNewJobExceptions {
        job: String,
        state: String,
    },
    NoResubmitByHand,
    NotCancelledNotRetained,
    SavepointByHand {
        job: String,
    },
    CancelByHand {
        job: String,
    },
    TaskIgnoresCancel,
    RunAgainWhenEnded,
    FindNewestCheckpoint,
    NeverSubmitWithoutState,
    StateKeptIn {
        state: String,
    },
    SubmitByHand {
        state: String,
        entry_class: String,
        jar: String,
    },
    DoNotRestartAgain,
    EscalateToDba,

    // --- check-config: what each system answered --------------------------------------------
    OracleLoginWorks {
        server: String,
        client: String,
    },
    FlinkAnswers {
        version: String,
        jobs: u64,
        job_name: String,
    },
    JobManagerElecting,
    JobManagerLeaderGone,
    ZookeeperMode {
        mode: String,
    },
    ZookeeperNoAnswer,
    ZookeeperLeader {
        url: String,
    },
    ZookeeperNoLeaderNode,
    OutputScanned {
        files: u64,
        bytes: u64,
        in_progress: u64,
    },

    // --- why a signal was not checked -------------------------------------------------------
    OutputNoStandIn {
        error: String,
        lacking: Lacking,
    },
    OutputStoodIn {
        error: String,
    },
    HeartbeatNeedsTwo,
    NoJobList,
    JobDetailsMissing,
    RedoNotObserved {
        why: Box<Fact>,
    },
    NoRedoThread,
    OracleNotObserved {
        why: Box<Fact>,
    },
    NoRestartScn {
        output_error: Option<String>,
    },
    JobJustStarted {
        up: Secs,
        gap: Secs,
    },
    NoMiningSqlSeen,
    SnapshotFlat,
    SqlStatsNeedTwo,
    SqlStatsMissing,
    NoMiningSession,
    HeartbeatFrozenWhileCalling {
        at: u64,
    },
    TablesWritten {
        changes: u64,
    },
}

impl Fact {
    /// A text quoted from another system.
    pub fn error(text: impl Into<String>) -> Fact {
        Fact::Error { text: text.into() }
    }

    /// The stable snake_case name of the variant (`kind` in JSON).
    pub fn kind(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| match v {
                serde_json::Value::Object(m) => m.get("kind")?.as_str().map(str::to_owned),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The fact in English.
    pub fn en(&self) -> String {
        self.render(Lang::En)
    }

    /// The fact in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        use Fact::*;
        let l = lang;
        let t = |en: String, zh: String| match l {
            Lang::En => en,
            Lang::Zh => zh,
        };
        let d = |s: &Secs| s.show(l);
        let codes = |c: &[String]| {
            if c.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.join(", "))
            }
        };
        let list = |v: &[Fact], sep_en: &str, sep_zh: &str| {
            v.iter()
                .map(|f| f.render(l))
                .collect::<Vec<_>>()
                .join(l.pick(sep_en, sep_zh))
        };
        match self {
            Error { text } | Recorded { text } => text.clone(),
            Explained { en, zh } => l.pick(en, zh).to_owned(),
            Joined { parts } => list(parts, "; ", "；"),

            CommittedGrowth { files_before, bytes_before, files_after, bytes_after, over } => t(
                format!("committed output in the newest buckets {files_before} files / {bytes_before} bytes -> {files_after} files / {bytes_after} bytes over {}", d(over)),
                format!("最新分桶中的已提交输出 {files_before} 个文件 / {bytes_before} 字节 -> {files_after} 个文件 / {bytes_after} 字节（{} 内）", d(over)),
            ),
            LastScnUnreadable { error } => t(
                format!("last SCN in the output not read: {error}"),
                format!("未能读取输出中的最后一个 SCN：{error}"),
            ),
            NewestCommittedAhead { path, modified_at } => t(
                format!("newest committed file {path} is dated {modified_at}, ahead of this host's clock: judged by change between samples"),
                format!("最新提交的输出文件 {path} 的时间为 {modified_at}，比本机时钟超前：按两次采样之间的变化判断"),
            ),
            NewestCommittedAge { path, age } => t(
                format!("newest committed file {path} is {} old", d(age)),
                format!("最新提交的输出文件 {path} 已 {} 未更新", d(age)),
            ),
            NoCommittedFile => t(
                "no committed output file yet".into(),
                "输出目录中还没有已提交的文件".into(),
            ),
            InProgressWritten { bytes_before, bytes_after, files, ago } => t(
                format!("in-progress part files written ({bytes_before} -> {bytes_after} bytes in {files} file(s)) {} ago: records reach the sink", d(ago)),
                format!("进行中的 part 文件在 {} 前仍有写入（{bytes_before} -> {bytes_after} 字节，共 {files} 个文件）：数据正在到达 Sink", d(ago)),
            ),
            SourceReadAfterCommit { before, after, ago } => t(
                format!("source records {before} -> {after} after the newest commit, first seen {} ago", d(ago)),
                format!("最近一次提交之后源算子输出记录数 {before} -> {after}，首次发现于 {} 前", d(ago)),
            ),
            JobStartedAgo { job, ago } => t(
                format!("job {job} started {} ago", d(ago)),
                format!("Flink 作业 {job} 于 {} 前启动", d(ago)),
            ),
            OutputUnreadableCounters { error, sink_before, sink_after, checkpoints_before, checkpoints_after } => t(
                format!("output unreadable ({error}); sink records {sink_before} -> {sink_after}, completed checkpoints {checkpoints_before} -> {checkpoints_after}"),
                format!("无法读取输出（{error}）；Sink 输入记录数 {sink_before} -> {sink_after}，已完成检查点 {checkpoints_before} -> {checkpoints_after}"),
            ),
            OutputLag { output_scn, database_scn } => {
                let lag = database_scn.saturating_sub(*output_scn);
                t(
                    format!("output SCN {output_scn}, database SCN {database_scn}: lag {lag} SCNs"),
                    format!("输出 SCN {output_scn}，数据库当前 SCN {database_scn}：落后 {lag}"),
                )
            }

            JobManager { url, state } => {
                let s = match state {
                    JmState::Up { flink_version, jobs } => t(
                        format!("up (Flink {flink_version}), sees {jobs} job(s) with this name"),
                        format!("正常（Flink {flink_version}），可见 {jobs} 个同名作业"),
                    ),
                    JmState::LeaderElection => t(
                        "HTTP 503: leader election in progress".into(),
                        "HTTP 503：正在选主".into(),
                    ),
                    JmState::LeaderUnreachable => t(
                        "HTTP 500 RecipientUnreachableException: its leader is gone".into(),
                        "HTTP 500 RecipientUnreachableException：其 leader 已失联".into(),
                    ),
                    JmState::Unreachable { error } => t(
                        format!("unreachable: {error}"),
                        format!("无法访问：{error}"),
                    ),
                };
                t(format!("JobManager {url}: {s}"), format!("JobManager {url}：{s}"))
            }
            LeaderElectionFor { lasted } => t(
                format!("leader election seen for {}", d(lasted)),
                format!("JobManager 选主已持续 {}", d(lasted)),
            ),
            LeaderElectionAgo { ago } => t(
                format!("a leader election was seen {} ago", d(ago)),
                format!("{} 前出现过 JobManager 选主", d(ago)),
            ),
            ZookeeperNamesNoLeader => t(
                "ZooKeeper names no leading JobManager".into(),
                "ZooKeeper 中没有 leader JobManager".into(),
            ),
            JobManagersElecting { urls } => t(
                format!("{} answer leader election / leader unreachable", urls.join(", ")),
                format!("{} 返回正在选主或 leader 失联", urls.join(", ")),
            ),
            ZookeeperNamesDeadLeader { url } => t(
                format!("ZooKeeper still names {url}, which does not answer"),
                format!("ZooKeeper 仍指向 leader {url}，但它没有响应"),
            ),
            JobManagerSees { url, jobs } => {
                if jobs.is_empty() {
                    t(format!("{url} sees no such job"), format!("{url} 上没有该作业"))
                } else {
                    t(
                        format!("{url} sees {}", jobs.join("; ")),
                        format!("{url} 上的作业：{}", jobs.join("；")),
                    )
                }
            }
            JobSince { job, state, since } => t(
                format!("job {job} {state} since {since}"),
                format!("Flink 作业 {job} 状态 {state}，自 {since} 起"),
            ),
            NoJobWithName => t(
                "no job with the configured name on any JobManager".into(),
                "所有 JobManager 上都没有该名称的作业".into(),
            ),
            JobStoppedSince { job, state, end, start } => t(
                format!("job {job} is {state} since {end} (started {start})"),
                format!("Flink 作业 {job} 自 {end} 起状态为 {state}（启动于 {start}）"),
            ),
            JobStopped { job, state, start } => t(
                format!("job {job} is {state} (started {start})"),
                format!("Flink 作业 {job} 状态为 {state}（启动于 {start}）"),
            ),
            JobRestartLoop { job, restarts, over, total, state } => t(
                format!("job {job} restarting: {restarts} restarts in {} ({total} in total, state {state})", d(over)),
                format!("Flink 作业 {job} 反复重启：{} 内重启 {restarts} 次（累计 {total} 次，状态 {state}）", d(over)),
            ),
            TasksShort { job, running, total } => t(
                format!("job {job} RUNNING but only {running} of {total} tasks run"),
                format!("Flink 作业 {job} 处于 RUNNING，但 {total} 个任务中只有 {running} 个在运行"),
            ),
            WhichCopy { copies } => t(
                format!("which copy? {copies}"),
                format!("该恢复哪一个作业副本？{copies}"),
            ),
            JobException { at, name, codes: c } => t(
                format!("job exception at {at}: {name}{}", codes(c)),
                format!("作业异常（{at}）：{name}{}", codes(c)),
            ),
            LatestNamedException { at, name, codes: c } => t(
                format!("latest named exception at {at}: {name}{}", codes(c)),
                format!("最近一次可归因的作业异常（{at}）：{name}{}", codes(c)),
            ),
            LatestException { at, name } => t(
                format!("latest exception at {at}: {name}"),
                format!("最近一次作业异常（{at}）：{name}"),
            ),
            CheckpointsFailed { failed, over } => t(
                format!("checkpoints: {failed} failed, 0 completed over {}", d(over)),
                format!("检查点：{} 内失败 {failed} 个，成功 0 个", d(over)),
            ),
            NoCheckpointCompleted { none_for, interval, failed, in_progress, over } => t(
                format!("no checkpoint completed for {} (checkpoint interval {}); {failed} failed and {in_progress} in progress over {}", d(none_for), d(interval), d(over)),
                format!("已 {} 没有检查点成功（检查点间隔 {}）；{} 内失败 {failed} 个，进行中 {in_progress} 个", d(none_for), d(interval), d(over)),
            ),
            LastCheckpointFailure { message } => t(
                format!("last checkpoint failure: {message}"),
                format!("最近一次检查点失败：{message}"),
            ),
            Backpressure { ms_per_s } => t(
                format!("source backPressuredTimeMsPerSecond {ms_per_s}"),
                format!("源算子反压 backPressuredTimeMsPerSecond = {ms_per_s}"),
            ),
            SourceReadNotCommitted { before, after, from, to } => t(
                format!("source records {before} -> {after} between {from} and {to}, after the newest commit; nothing committed or written to in-progress files since"),
                format!("最近一次提交之后（{from} 至 {to} 之间）源算子输出记录数 {before} -> {after}；此后既没有提交，也没有写入进行中的文件"),
            ),
            ThreadDumpSocketRead => t(
                "TaskManager thread dumps: the source reader thread sits in a socket read in two dumps (an idle reader and a running LogMiner fetch wait there too)".into(),
                "TaskManager 线程转储：源读取线程在两次转储中都停在 socket 读取（空闲的读取线程和正在执行的 LogMiner 取数也会停在这里）".into(),
            ),
            LongFetchNotDead => t(
                "the source thread waits in a socket read while the server runs its call: a long fetch, not a dead socket".into(),
                "源线程在等待 socket 读取，而数据库端的调用仍在执行：这是一次耗时的取数，不是断开的连接".into(),
            ),

            RestartScnLowestOf { scn, sources } => t(
                format!("restart SCN {scn} = lowest of: {}", list(sources, "; ", "；")),
                format!("重启点 SCN {scn}（取以下最小值：{}）", list(sources, "; ", "；")),
            ),
            ScnFromOutput { scn } => t(
                format!("last SCN in the output {scn}"),
                format!("输出中的最后一个 SCN {scn}"),
            ),
            ScnFromOpenTransaction { scn, open } => t(
                format!("oldest open transaction on the captured tables started at SCN {scn} ({open} open)"),
                format!("捕获表上最早的未提交事务始于 SCN {scn}（共 {open} 个未提交事务）"),
            ),
            ScnFromOperator { scn } => t(
                format!("SCN given with --from-scn {scn}"),
                format!("--from-scn 指定的 SCN {scn}"),
            ),
            RedoThreadOldest { thread, scn, since } => t(
                format!("redo thread {thread}: oldest available SCN {scn} (from {since})"),
                format!("redo 线程 {thread}：最早可用 SCN {scn}（{since} 起的归档日志）"),
            ),
            RedoHeadroom { scn, headroom, kept, thread } => t(
                format!("restart SCN {scn} ages out of redo in about {} (redo kept about {}; thread {thread})", d(headroom), d(kept)),
                format!("重启点 SCN {scn} 约 {} 后将超出可用的 redo/归档日志（约保留 {}；线程 {thread}）", d(headroom), d(kept)),
            ),
            LogMode { mode } => t(
                format!("V$DATABASE.LOG_MODE = {mode}"),
                format!("数据库未开启归档日志模式：V$DATABASE.LOG_MODE = {mode}"),
            ),
            SupplementalMinNo => t(
                "V$DATABASE.SUPPLEMENTAL_LOG_DATA_MIN = NO".into(),
                "最小补充日志未开启（V$DATABASE.SUPPLEMENTAL_LOG_DATA_MIN = NO）".into(),
            ),
            ArchiveDestError { error } => t(
                format!("archive destination in error: {error}"),
                format!("归档目的地出错：{error}"),
            ),
            TableNoAllColumns { table } => t(
                format!("{table}: no ALL COLUMNS supplemental log group"),
                format!("表 {table} 没有 ALL COLUMNS 补充日志组"),
            ),
            SignalError { signal, error } => t(
                format!("{signal}: {error}"),
                format!("{signal} 读取失败：{error}"),
            ),
            RecoveryAreaUsed { used, limit } => t(
                format!("recovery area {used} of {limit} bytes used ({})", pct(*used, *limit)),
                format!("快速恢复区已用 {used} / {limit} 字节（{}）", pct(*used, *limit)),
            ),
            OracleError { error } => t(format!("Oracle: {error}"), format!("Oracle 无响应：{error}")),
            HeartbeatRising { from, to, over } => match over {
                Some(o) => t(
                    format!("flush-table heartbeat rising {from} -> {to} over {}", d(o)),
                    format!("刷新表（flush table）心跳 SCN 在上升：{from} -> {to}（{} 内）", d(o)),
                ),
                None => t(
                    format!("flush-table heartbeat rising {from} -> {to}"),
                    format!("刷新表（flush table）心跳 SCN 在上升：{from} -> {to}"),
                ),
            },
            HeartbeatFrozen { at, over } => t(
                format!("flush-table heartbeat frozen at {at} over {}", d(over)),
                format!("刷新表（flush table）心跳 SCN 停在 {at}，已持续 {}", d(over)),
            ),
            HeartbeatNotChecked { why } => t(
                format!("flush-table heartbeat not checked: {}", why.render(l)),
                format!("未检查刷新表心跳：{}", why.render(l)),
            ),
            NoSessionWhileJob { job, state } => t(
                format!("no session of the connector user on any instance while job {job} is {state}"),
                format!("Flink 作业 {job} 处于 {state}，但所有实例上都没有连接器用户的会话"),
            ),
            SessionsIdle { count } => t(
                format!("{count} session(s) of the connector user, none mining, all idle longer than the gap"),
                format!("连接器用户有 {count} 个会话，均未在执行 LogMiner，且空闲时间都超过挖掘间隔"),
            ),
            Session { session: s } => t(
                format!(
                    "session {} {} for {} s, event \"{}\", SQL {}, client {}",
                    s.id, s.status, s.last_call_s, s.event, s.sql, s.client
                ),
                format!(
                    "会话 {} 状态 {} 已 {} 秒，等待事件 \"{}\"，SQL {}，客户端 {}",
                    s.id, s.status, s.last_call_s, s.event, s.sql, s.client
                ),
            ),
            SessionActiveOnLogMiner { session, running } => t(
                format!("session {session} ACTIVE on the LogMiner SQL for {}", d(running)),
                format!("会话 {session} 在 LogMiner SQL 上持续 ACTIVE 已 {}", d(running)),
            ),
            StatsFlat { over } => t(
                format!("its CPU time and buffer gets did not move over {}", d(over)),
                format!("其 CPU 时间与逻辑读（buffer gets）在 {} 内没有变化", d(over)),
            ),
            SnapshotProgress { session, gets, over } => t(
                format!("snapshot session {session}: buffer gets +{gets} over {}", d(over)),
                format!("快照会话 {session}：{} 内逻辑读 +{gets}", d(over)),
            ),
            ChangesWaiting { over, changes } => t(
                format!("the captured tables changed over the last {} (db block changes +{changes}): changes are waiting", d(over)),
                format!("捕获表在最近 {} 内有变更（db block changes +{changes}）：有变更等待抽取", d(over)),
            ),
            ChangesNotCommitted { changes } => t(
                format!("captured tables changed (db block changes +{changes}) yet nothing was committed while the connector mines"),
                format!("捕获表有变更（db block changes +{changes}），但连接器挖掘期间没有任何输出提交"),
            ),
            ActivityFlat { changes } => t(
                format!("db block changes on the captured tables flat at {changes}"),
                format!("捕获表的 db block changes 保持在 {changes}，没有变化"),
            ),
            ActivityNotMeasured => t(
                "table activity not measured".into(),
                "未测量捕获表的变更量".into(),
            ),
            SessionAndHeartbeat { why } => t(
                format!("the connector's session and heartbeat: {why}"),
                format!("连接器的会话与心跳：{why}"),
            ),
            HypothesisIdle => t(
                "hypothesis idle_source: the captured tables did not change, and the connector waits for changes".into(),
                "假设一 idle_source：捕获表没有变更，连接器在等待变更".into(),
            ),
            HypothesisDead => t(
                "hypothesis dead_connection: the connector's connection died (closed or half-open) and nothing reconnected".into(),
                "假设二 dead_connection：连接器的数据库连接已断开（关闭或半开），且没有重连".into(),
            ),

            ClockSkew { modified_at, ahead } => t(
                format!("clock skew: the newest committed file is dated {modified_at}, {} ahead of this host's clock (the TaskManager's or the file server's clock differs); output freshness is judged by change between samples, not by file age", d(ahead)),
                format!("时钟偏差：最新提交的文件时间为 {modified_at}，比本机时钟超前 {}（TaskManager 或文件服务器的时钟不一致）；输出是否更新按两次采样之间的变化判断，而不是文件时间", d(ahead)),
            ),
            SharedMiningSessions { sessions } => t(
                format!("{} mining sessions under the connector's username ({}): Debezium 1.9 cannot rename its flush table, so the heartbeat is shared and proves less", sessions.len(), sessions.join(", ")),
                format!("连接器用户下有 {} 个挖掘会话（{}）：Debezium 1.9 不能改名刷新表，心跳是共用的，证明力较弱", sessions.len(), sessions.join(", ")),
            ),
            OneObservation => t(
                "only one observation: progress over time (heartbeat, counters, output) cannot be judged".into(),
                "只有一次观测：无法判断随时间的进展（心跳、计数器、输出）".into(),
            ),
            FailoverInProgress { lasted, grace } => t(
                format!("JobManager failover in progress for at least {} (failover_grace {}): not a fault yet", d(lasted), grace.en()),
                format!("JobManager 主备切换进行中，已至少 {}（failover_grace {}）：尚不算故障", d(lasted), grace.en()),
            ),
            JobRestarted { restarts, over, threshold } => t(
                format!("the job restarted {restarts} time(s) during the observed {} (crash_loop_restarts {threshold})", d(over)),
                format!("作业在观测的 {} 内重启了 {restarts} 次（crash_loop_restarts {threshold}）", d(over)),
            ),
            RedoHeadroomShort { scn, headroom, threshold } => t(
                format!("redo headroom short: restart SCN {scn} leaves available redo in about {} (redo_headroom_warning {})", d(headroom), threshold.en()),
                format!("redo 余量不足：重启点 SCN {scn} 约 {} 后将超出可用的 redo（redo_headroom_warning {}）", d(headroom), threshold.en()),
            ),
            RecoveryAreaWarning { used, limit, threshold } => t(
                format!("recovery area {} full (recovery_area_warning_pct {threshold})", pct(*used, *limit)),
                format!("快速恢复区已用 {}（recovery_area_warning_pct {threshold}）", pct(*used, *limit)),
            ),
            PgaHigh { pga, percent, threshold } => t(
                format!("mining session PGA {pga} bytes is {percent}% of pga_aggregate_limit (pga_warning_ratio {threshold}): bound it with log.mining.session.max.ms"),
                format!("挖掘会话 PGA {pga} 字节，占 pga_aggregate_limit 的 {percent}%（pga_warning_ratio {threshold}）：用 log.mining.session.max.ms 限制会话时长"),
            ),
            FlowingNotCommitted { age, window } => t(
                format!("records reach the sink but nothing was committed for {} (stall_window {}): a rolling interval longer than the configured rolling_interval, or checkpoints that do not complete?", d(age), window.en()),
                format!("数据已到达 Sink，但已 {} 没有提交（stall_window {}）：滚动间隔比配置的 rolling_interval 更长，或检查点没有完成？", d(age), window.en()),
            ),
            OracleChecksSkipped { error } => t(
                format!("cannot reach Oracle ({error}): the database-side checks (redo, sessions, prerequisites) were not done"),
                format!("无法连接 Oracle（{error}）：数据库端检查（redo、会话、前提条件）未执行"),
            ),
            DatabaseNotCollected => t(
                "the database side is not collected (see check-config): redo coverage, the connector's session and the prerequisites were not checked".into(),
                "未采集数据库端（见 check-config）：redo 覆盖、连接器会话和前提条件都没有检查".into(),
            ),
            CheckpointsFailedRecently { failed, over, last } => {
                let last_en = last.as_ref().map(|m| format!(" (last: {m})")).unwrap_or_default();
                let last_zh = last.as_ref().map(|m| format!("（最近一次：{m}）")).unwrap_or_default();
                t(
                    format!("{failed} checkpoint(s) failed in the observed {}{last_en}", d(over)),
                    format!("观测的 {} 内有 {failed} 个检查点失败{last_zh}", d(over)),
                )
            }
            OrphanPartFiles { files, oldest, job_start } => t(
                format!("{files} in-progress part file(s), the oldest from {oldest}, before the job's start at {job_start}: orphans of an earlier attempt, not a stall"),
                format!("{files} 个进行中的 part 文件，最早的来自 {oldest}，早于作业启动时间 {job_start}：是之前运行遗留的孤儿文件，不是停滞"),
            ),
            LongCallProgresses { running, cpu_ms, gets, threshold } => t(
                format!("LogMiner call running for {} still progresses (CPU +{cpu_ms} ms, buffer gets +{gets}): a large transaction? (long_logminer_call {})", d(running), threshold.en()),
                format!("已运行 {} 的 LogMiner 调用仍在推进（CPU +{cpu_ms} 毫秒，逻辑读 +{gets}）：有大事务？（long_logminer_call {}）", d(running), threshold.en()),
            ),
            AnotherConnectionMines { heartbeat } => t(
                format!("{}: another connection of the connector still mines (shared username?)", heartbeat.render(l)),
                format!("{}：连接器的另一个连接仍在挖掘（用户名共用？）", heartbeat.render(l)),
            ),
            NoOutputDuringSnapshot => t(
                "no committed output during the snapshot so far; diagnose again when it ends".into(),
                "快照期间还没有提交输出；快照结束后请再次诊断".into(),
            ),

            NoObservation => t("no observation to diagnose".into(), "没有可诊断的观测".into()),
            SuspectedNotProven { cause, summary } => t(
                format!("{cause} suspected, not proven: {}", summary.render(l)),
                format!("疑似 {cause}，但未证实：{}", summary.render(l)),
            ),
            NoJobManagerReachable => t(
                "no JobManager is reachable".into(),
                "所有 JobManager 都无法访问".into(),
            ),
            NoLeaderFor { lasted } => t(
                format!("no JobManager has led for {}", d(lasted)),
                format!("已 {} 没有 leader JobManager", d(lasted)),
            ),
            FailoverFor { lasted } => t(
                format!("JobManager failover in progress for {}", d(lasted)),
                format!("JobManager 主备切换进行中，已 {}", d(lasted)),
            ),
            JobManagersDisagree => t(
                "the JobManagers disagree about the job: two clusters?".into(),
                "各 JobManager 看到的作业不一致：是两个集群？".into(),
            ),
            JobRunsTimes { copies } => t(
                format!("the job runs {copies} times"),
                format!("同一作业在运行 {copies} 份"),
            ),
            JobNotListedAfterFailover { ago } => t(
                format!("the job is not listed yet {} after a JobManager failover", d(ago)),
                format!("JobManager 主备切换 {} 后作业仍未出现", d(ago)),
            ),
            JobNotOnCluster => t("the job is not on the cluster".into(), "集群上没有该作业".into()),
            JobStoppedBecause { looping, why } => {
                let what_en = if *looping { "job restarting in a loop" } else { "job stopped" };
                let what_zh = if *looping { "作业反复重启" } else { "作业已停止" };
                t(
                    format!("{what_en}: {}", why.render(l)),
                    format!("{what_zh}：{}", why.render(l)),
                )
            }
            JobIs { state } => t(format!("the job is {state}"), format!("作业状态为 {state}")),
            RestartLoopUnnamed => t(
                "the job restarts in a loop for a reason its exceptions do not name".into(),
                "作业反复重启，异常信息中看不出原因".into(),
            ),
            OnlyTasksRun { running, total } => t(
                format!("only {running} of {total} tasks run"),
                format!("{total} 个任务中只有 {running} 个在运行"),
            ),
            RestartScnUncovered { scn, threads } => {
                let ids = threads.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
                t(
                    format!("restart SCN {scn} is older than the oldest available redo on thread(s) {ids}"),
                    format!("重启点 SCN {scn} 早于 redo 线程 {ids} 上最早可用的日志"),
                )
            }
            DatabaseInMode { mode } => t(
                format!("the database is in {mode} mode"),
                format!("数据库处于 {mode} 模式"),
            ),
            SupplementalMinOff => t(
                "minimal supplemental logging is off".into(),
                "最小补充日志未开启".into(),
            ),
            ArchiveDestInError => t(
                "an archive destination is in error".into(),
                "有归档目的地出错".into(),
            ),
            TableWithoutAllColumns { table } => t(
                format!("table {table} has no ALL COLUMNS supplemental log group"),
                format!("表 {table} 没有 ALL COLUMNS 补充日志组"),
            ),
            GrantMissing { signal } => t(
                format!("a grant is missing for {signal}"),
                format!("监控账号缺少读取 {signal} 的授权"),
            ),
            JobFailedWith { name } => t(
                format!("the job failed with {name}"),
                format!("作业因 {name} 失败"),
            ),
            RecoveryAreaFull { used, limit } => t(
                format!("the recovery area is {} full: archiving stops (ORA-00257)", pct(*used, *limit)),
                format!("快速恢复区已用 {}：归档将停止（ORA-00257）", pct(*used, *limit)),
            ),
            JobFailed { why } => t(
                format!("the job failed: {}", why.render(l)),
                format!("作业失败：{}", why.render(l)),
            ),
            OutputAdvances => t("committed output advances".into(), "已提交输出在正常推进".into()),
            RecordsReachSink => t(
                "records reach the sink; it commits them when its part files roll".into(),
                "数据正在到达 Sink；part 文件滚动时才会提交".into(),
            ),
            StaleAndOracleUnreachable => t(
                "output is stale and the doctor cannot reach Oracle".into(),
                "输出已停滞，且无法连接 Oracle".into(),
            ),
            CheckpointsDoNotComplete => t(
                "checkpoints do not complete: nothing is committed".into(),
                "检查点无法完成：没有任何数据被提交".into(),
            ),
            Backpressured { ms_per_s } => t(
                format!("the source is backpressured {ms_per_s} ms/s: the sink does not keep up"),
                format!("源算子反压 {ms_per_s} 毫秒/秒：Sink 跟不上"),
            ),
            SourceReadNoneReached { waited } => t(
                format!("the source read records {} ago and none reached the output", d(waited)),
                format!("源算子在 {} 前读到了数据，但没有任何数据到达输出", d(waited)),
            ),
            ConnectionDied { why } => t(
                format!("the connection died: {}", why.render(l)),
                format!("数据库连接已断开：{}", why.render(l)),
            ),
            WhileChangesWait { summary } => t(
                format!("{} while changes wait", summary.render(l)),
                format!("{}，同时有变更在等待抽取", summary.render(l)),
            ),
            NoSessionWhileRunning => t(
                "the job runs but the connector has no session on any instance".into(),
                "作业在运行，但连接器在所有实例上都没有会话".into(),
            ),
            NoMiningAndIdle => t(
                "no mining session, and the connector's sessions stopped calling".into(),
                "没有挖掘会话，且连接器的会话已不再发起调用".into(),
            ),
            SessionKilled { status } => t(
                format!("the mining session was {status} on the server"),
                format!("挖掘会话在数据库端已被置为 {status}"),
            ),
            SessionSilent { idle } => t(
                format!("the mining session has not called for {} and its heartbeat is frozen", d(idle)),
                format!("挖掘会话已 {} 没有发起调用，且心跳停滞", d(idle)),
            ),
            Snapshotting => t(
                "the connector is snapshotting the captured tables; its SELECTs progress".into(),
                "连接器正在对捕获表做快照；其 SELECT 在推进".into(),
            ),
            LogMinerErrorsRepeat { count } => t(
                format!("LogMiner errors repeat ({count} since output stopped)"),
                format!("LogMiner 错误反复出现（输出停止以来 {count} 次）"),
            ),
            CallFlat { running } => t(
                format!("the LogMiner call has run {} with flat statistics", d(running)),
                format!("LogMiner 调用已运行 {}，统计值没有变化", d(running)),
            ),
            CallProgresses { running } => t(
                format!("a LogMiner call has run {} and still progresses; output waits for it", d(running)),
                format!("一个 LogMiner 调用已运行 {}，仍在推进；输出在等待它完成", d(running)),
            ),
            NoChanges => t(
                "no changes on the captured tables; the connector mines and its heartbeat rises".into(),
                "捕获表没有变更；连接器在挖掘，心跳在上升".into(),
            ),
            IdleOrDead { staleness } => {
                let (en, zh) = match staleness {
                    Staleness::SinkCounters => (
                        "the output does not advance (by the sink's counters)".to_string(),
                        "输出没有推进（按 Sink 计数器）".to_string(),
                    ),
                    Staleness::For { age } => (
                        format!("no committed output for {}", age.en()),
                        format!("已 {} 没有提交输出", age.show(Lang::Zh)),
                    ),
                    Staleness::Never => ("no committed output".into(), "还没有提交任何输出".into()),
                };
                t(
                    format!("{en} and the database side is not observed: an idle source and a dead connection look the same from Flink and the files"),
                    format!("{zh}，且未观测到数据库端：仅从 Flink 和输出文件看，源端空闲与连接断开无法区分"),
                )
            }
            JustStarted => t(
                "the job started recently; no committed output yet within the stall window".into(),
                "作业刚启动；停滞窗口内还没有提交输出".into(),
            ),
            NoStepMatched => t(
                "no step of the decision table matched".into(),
                "判定表没有任何一步匹配".into(),
            ),
            NoStepCouldDecide { missing } => t(
                format!("no step could decide; {missing} signal(s) missing"),
                format!("无法判定；缺少 {missing} 项信号"),
            ),

            CollectTwoObservations => t(
                "Collect at least two observations of the pipeline.".into(),
                "请至少采集两次该管道的观测。".into(),
            ),
            NothingToDo => t(
                "Nothing to do: the pipeline produces.".into(),
                "无需处理：管道在正常产出。".into(),
            ),
            ActOnWarnings => t(
                "Nothing to do now; act on the warnings before they become faults.".into(),
                "目前无需处理；请在警告变成故障之前处理它们。".into(),
            ),
            NothingProves { cause } => t(
                format!("Nothing proves {cause} yet (only hints): diagnose again, and provide the signals below."),
                format!("目前没有证据能证实 {cause}（只有线索）：请再次诊断，并补齐下列信号。"),
            ),
            Provide { signal, step, why } => t(
                format!("Provide {signal} (needed for {step}): {}", why.render(l)),
                format!("请提供 {signal}（{step} 需要）：{}", why.render(l)),
            ),
            CheckJobManagers => t(
                "Check the JobManager processes and the network to them; nothing can be restarted until one leads.".into(),
                "检查 JobManager 进程及到它们的网络；在有 leader 之前不能重启任何作业。".into(),
            ),
            CheckZookeeperQuorum => t(
                "Check ZooKeeper (`echo srvr | nc <zk> 2181`): without a quorum no JobManager can be elected.".into(),
                "检查 ZooKeeper（`echo srvr | nc <zk> 2181`）：没有多数派就选不出 JobManager。".into(),
            ),
            FixClusterFirst => t(
                "Fix the cluster first: check the JobManager logs for leadership grants and ZooKeeper's health.".into(),
                "先修复集群：查看 JobManager 日志中的选主记录以及 ZooKeeper 的健康状况。".into(),
            ),
            NeverRestartLeaderless => t(
                "Never restart the job into a cluster without a leader.".into(),
                "切勿在没有 leader 的集群上重启作业。".into(),
            ),
            WaitForStandby => t(
                "Wait for the standby JobManager to take over and restore the job from its latest checkpoint; do not restart anything during the election.".into(),
                "等待备用 JobManager 接管并从最新检查点恢复作业；选主期间不要重启任何东西。".into(),
            ),
            IfNoLeaderAfter { grace } => t(
                format!("If no JobManager leads after failover_grace ({}), check the JobManager logs and ZooKeeper.", grace.en()),
                format!("如果超过 failover_grace（{}）仍没有 leader，检查 JobManager 日志和 ZooKeeper。", grace.en()),
            ),
            CheckHaClusterId => t(
                "Check which JobManager ZooKeeper names as leader and whether both use the same high-availability.cluster-id and ZooKeeper root.".into(),
                "检查 ZooKeeper 中记录的 leader 是哪个 JobManager，以及两者的 high-availability.cluster-id 和 ZooKeeper 根路径是否相同。".into(),
            ),
            NeverRestartSplit => t(
                "Never restart the job into a split cluster: fix the HA configuration first.".into(),
                "切勿在分裂的集群上重启作业：先修复 HA 配置。".into(),
            ),
            CancelYoungerCopy { job } => t(
                format!("Cancel the younger copy ({job}) after checking which one commits output; both mine the same redo and write the same changes twice."),
                format!("确认哪一份在提交输出后，取消较新的那一份（{job}）；两份在挖掘同样的 redo，会把同样的变更写两遍。"),
            ),
            UseFixedJobId => t(
                "Resubmit jobs with a fixed job id so that Flink itself rejects a second copy.".into(),
                "用固定的 job id 提交作业，让 Flink 自己拒绝第二份副本。".into(),
            ),
            WaitForRecovery => t(
                "Wait for the new leader to recover the job; if it is still missing after failover_grace, resubmit it from its latest checkpoint after the gate.".into(),
                "等待新的 leader 恢复作业；若超过 failover_grace 仍未出现，先通过 gate 检查，再从最新检查点重新提交。".into(),
            ),
            ResubmitFromState => t(
                "Resubmit the job from its latest savepoint or retained checkpoint (flink run -s <path>), after checking that redo still covers its restart SCN.".into(),
                "确认 redo 仍覆盖重启点 SCN 后，从最新的 savepoint 或保留的检查点重新提交作业（flink run -s <path>）。".into(),
            ),
            NameTheCopy => t(
                "Several stopped copies of the job are plausible: name the one to resume (restart --savepoint <its checkpoint>) after checking which one committed the newest output.".into(),
                "有多个已停止的作业副本都可能是要恢复的那个：确认哪一份提交了最新输出后，指定要恢复的副本（restart --savepoint <其检查点>）。".into(),
            ),
            ThenRestartWithState => t(
                "Then restart from the latest savepoint or retained checkpoint; never without a state path.".into(),
                "然后从最新的 savepoint 或保留的检查点重启；切勿不带状态路径重启。".into(),
            ),
            ReadExceptionHistory => t(
                "Read the job's exception history (`/jobs/<id>/exceptions`) for the root cause.".into(),
                "查看作业的异常历史（`/jobs/<id>/exceptions`）找出根因。".into(),
            ),
            DoNotRestartFromState => t(
                "Do NOT restart from the checkpoint or savepoint: the connector would fail with ORA-01291 or skip changes.".into(),
                "切勿从检查点或 savepoint 重启：连接器会报 ORA-01291 或跳过变更。".into(),
            ),
            RestoreArchivedLogs { scn } => t(
                format!("Restore the archived logs from SCN {scn} (RMAN: RESTORE ARCHIVELOG FROM SCN {scn}) and keep them until the connector has passed them, or re-snapshot the tables."),
                format!("从 SCN {scn} 起恢复归档日志（RMAN：RESTORE ARCHIVELOG FROM SCN {scn}），并保留到连接器越过它们为止；或者对表重新做快照。"),
            ),
            WaitForRedo => t(
                "Do not restart until redo covers the restart SCN: a restart now fails or loses changes.".into(),
                "在 redo 覆盖重启点 SCN 之前不要重启：现在重启会失败或丢失变更。".into(),
            ),
            EnableArchiveLog => t(
                "Enable archive-log mode (SHUTDOWN IMMEDIATE; STARTUP MOUNT; ALTER DATABASE ARCHIVELOG; ALTER DATABASE OPEN;): LogMiner needs archived redo.".into(),
                "开启归档日志模式（SHUTDOWN IMMEDIATE; STARTUP MOUNT; ALTER DATABASE ARCHIVELOG; ALTER DATABASE OPEN;）：LogMiner 需要归档的 redo。".into(),
            ),
            AddSupplementalLogging => t(
                "ALTER DATABASE ADD SUPPLEMENTAL LOG DATA; (then restart the connector so it re-reads the tables)".into(),
                "执行 ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;（然后重启连接器，使其重新读取表结构）".into(),
            ),
            FixArchiveDest => t(
                "Fix the archive destination (V$ARCHIVE_DEST_STATUS): while it fails, logs are not archived and redo runs out.".into(),
                "修复归档目的地（V$ARCHIVE_DEST_STATUS）：它出错期间日志不会归档，redo 会被用尽。".into(),
            ),
            AlterTableAllColumns { table } => t(
                format!("ALTER TABLE {table} ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;"),
                format!("执行 ALTER TABLE {table} ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;"),
            ),
            RunGrants => t(
                "Run the grants in sql/grants.sql for the monitoring account (SELECT on the SYS.V_$ views, and on the flush table).".into(),
                "为监控账号执行 sql/grants.sql 中的授权（SYS.V_$ 视图和刷新表的 SELECT 权限）。".into(),
            ),
            FreeRecoveryArea => t(
                "Back up and delete archived logs the connector has passed (RMAN), or raise DB_RECOVERY_FILE_DEST_SIZE.".into(),
                "用 RMAN 备份并删除连接器已经越过的归档日志，或调大 DB_RECOVERY_FILE_DEST_SIZE。".into(),
            ),
            NeverDeleteNeededLogs => t(
                "Never delete archived logs newer than the connector's restart SCN.".into(),
                "切勿删除比连接器重启点 SCN 更新的归档日志。".into(),
            ),
            CheckListener => t(
                "Check the listener (lsnrctl status), the database (open mode) and the network path from this host and from the TaskManagers.".into(),
                "检查监听（lsnrctl status）、数据库（open mode）以及从本机和 TaskManager 到数据库的网络。".into(),
            ),
            UnlockAccount => t(
                "If the monitoring account is locked (ORA-28000), unlock it; the doctor waits minutes after a failed login so it never locks it itself.".into(),
                "如果监控账号被锁（ORA-28000），请解锁；doctor 登录失败后会等待数分钟，不会自己把账号锁住。".into(),
            ),
            WaitForOracle => t(
                "Do not restart the job until Oracle answers: a restarted connector could not connect either.".into(),
                "在 Oracle 恢复响应之前不要重启作业：重启后的连接器同样连不上。".into(),
            ),
            FindSlowOperator => t(
                "Find the slow operator downstream of the source (Flink UI, BackPressure tab) and the checkpoint failures.".into(),
                "找出源算子下游的慢算子（Flink UI 的 BackPressure 页）以及检查点失败的原因。".into(),
            ),
            BackpressureIsNotDead => t(
                "A backpressured source stops mining and freezes the heartbeat: do not mistake it for a dead connection.".into(),
                "被反压的源算子会停止挖掘、心跳停滞：不要误判为连接断开。".into(),
            ),
            LookAtCheckpoints => t(
                "Look at the checkpoint failures (/jobs/<id>/checkpoints) and the sink's target (disk, permissions, quota).".into(),
                "查看检查点失败原因（/jobs/<id>/checkpoints）以及 Sink 的目标（磁盘、权限、配额）。".into(),
            ),
            RestartOnlyIfFailing => t(
                "Restart only if checkpoints keep failing; a restart re-reads from the last completed checkpoint and loses nothing.".into(),
                "只有检查点持续失败时才重启；重启会从最近完成的检查点重新读取，不会丢数据。".into(),
            ),
            RestartWithState => t(
                "Restart the job with its state: stop it with a savepoint (flink stop --savepointPath <dir> <job-id>, never --drain) and resubmit from it (flink run -s <savepoint>); if the stop fails, cancel and resubmit from the latest retained checkpoint.".into(),
                "带状态重启作业：先用 savepoint 停止（flink stop --savepointPath <dir> <job-id>，切勿加 --drain），再从它重新提交（flink run -s <savepoint>）；如果停止失败，取消作业并从最新保留的检查点重新提交。".into(),
            ),
            KillOrphan { sid, serial, instance, port } => {
                let port = port.map(|p| p.to_string()).unwrap_or_else(|| "1521".into());
                t(
                    format!("Kill the orphaned session after the restart: ALTER SYSTEM KILL SESSION '{sid},{serial},@{instance}' IMMEDIATE (through the DBA's kill procedure); on the TaskManager `ss -tnp | grep {port}` shows the socket."),
                    format!("重启后清理残留会话：ALTER SYSTEM KILL SESSION '{sid},{serial},@{instance}' IMMEDIATE（通过 DBA 提供的 kill 存储过程）；在 TaskManager 上 `ss -tnp | grep {port}` 可看到该 socket。"),
                )
            }
            PreventSilentHang => t(
                "Prevent the next silent hang: (ENABLE=broken) in the connection URL with net.ipv4.tcp_keepalive_time below the firewall's idle timeout, and/or the driver property oracle.jdbc.ReadTimeout longer than the slowest LogMiner call.".into(),
                "防止再次静默挂起：在连接串中加 (ENABLE=broken)，并把 net.ipv4.tcp_keepalive_time 设得比防火墙空闲超时短；和/或设置驱动属性 oracle.jdbc.ReadTimeout，使其长于最慢的 LogMiner 调用。".into(),
            ),
            RestartForFreshSession => t(
                "Restart the job so the connector starts a fresh LogMiner session.".into(),
                "重启作业，让连接器开启新的 LogMiner 会话。".into(),
            ),
            ReviewLogMiningSettings => t(
                "Review the log.mining.* settings: log.mining.strategy=online_catalog, log.mining.session.max.ms to bound a session, and never log.mining.continuous.mine on 19c+.".into(),
                "检查 log.mining.* 参数：log.mining.strategy=online_catalog，用 log.mining.session.max.ms 限制会话时长，19c 及以上切勿使用 log.mining.continuous.mine。".into(),
            ),
            DoNotRestartCallWorks => t(
                "Do not restart: the call works. Look for a large or long transaction on the captured tables (V$TRANSACTION).".into(),
                "不要重启：调用在正常工作。检查捕获表上是否有大事务或长事务（V$TRANSACTION）。".into(),
            ),
            NothingBroken => t(
                "Nothing is broken: do not restart.".into(),
                "没有故障：不要重启。".into(),
            ),
            RedoAgesOutIn { headroom } => t(
                format!("The restart SCN ages out of available redo in about {}: a restart after that fails (ORA-01291) unless the offset moves.", d(headroom)),
                format!("重启点 SCN 约 {} 后将超出可用的 redo：此后若偏移量仍不前进，重启会失败（ORA-01291）。", d(headroom)),
            ),
            RedoAgingUnknown => t(
                "How long until the restart SCN ages out of redo is unknown (redo or restart SCN not observed).".into(),
                "不知道重启点 SCN 多久后会超出 redo（未观测到 redo 或重启点 SCN）。".into(),
            ),
            SetHeartbeatInterval => t(
                "Keep the connector's offset moving on quiet tables: set heartbeat.interval.ms (Flink CDC embeds Debezium 1.9.8; do NOT set heartbeat.action.query with the incremental source, it fails there), so a later restart does not land on purged redo.".into(),
                "让连接器的偏移量在表空闲时也能前进：设置 heartbeat.interval.ms（Flink CDC 内嵌 Debezium 1.9.8；增量快照源切勿设置 heartbeat.action.query，会失败），以免日后重启落在已清理的 redo 上。".into(),
            ),
            GrantAndInstantClient => t(
                "What decides is the database's view of the connector (its session, the flush-table heartbeat, the captured tables' activity): grant the monitoring account (sql/grants.sql) and give this host Oracle Instant Client (DPI-1047 without it), then diagnose again.".into(),
                "能做出判断的是数据库端对连接器的观测（会话、刷新表心跳、捕获表变更量）：为监控账号授权（sql/grants.sql），并在本机安装 Oracle Instant Client（否则报 DPI-1047），然后再次诊断。".into(),
            ),
            CheckTablesChanged => t(
                "Meanwhile, check on the database whether the captured tables changed since the newest committed file; if they did, the connection is dead: restart the job with its state (restart --apply after the gate).".into(),
                "同时在数据库上确认捕获表自最新提交的文件以来是否有变更；若有，说明连接已断开：带状态重启作业（通过 gate 后执行 restart --apply）。".into(),
            ),
            DiagnoseAfterWindow => t(
                "Diagnose again after the stall window; nothing points at a fault yet.".into(),
                "停滞窗口过后再次诊断；目前没有迹象表明有故障。".into(),
            ),
            MoreSamples => t(
                "Run diagnose again with more samples (--samples 3 --interval 30s) and send the --save bundle.".into(),
                "用更多采样再次运行 diagnose（--samples 3 --interval 30s），并发送 --save 保存的数据包。".into(),
            ),

            StatusLine { severity, pipeline, cause, summary } => t(
                format!("LOGMINER-DOCTOR {severity} - {pipeline}: {cause} - {}", summary.render(l)),
                format!("LOGMINER-DOCTOR {severity} - {pipeline}：{cause} - {}", summary.render(l)),
            ),
            IncidentOver { pipeline, cause, now, severity } => t(
                format!("{pipeline}: {cause} is over; the verdict is now {now} ({severity})"),
                format!("{pipeline}：故障 {cause} 已结束，当前判定为 {now}（{severity}）"),
            ),
            AlertsMerged { count, first } => t(
                format!("{count} alerts merged to stay within the channel's rate limit; first: {}", first.render(l)),
                format!("为遵守渠道的频率限制合并了 {count} 条告警；第一条：{}", first.render(l)),
            ),
            Indented { fact } => format!("  {}", fact.render(l)),
            AutoAction { text } => t(format!("Auto-remediation: {text}"), format!("自动处置：{text}")),

            PipelineUnowned { pipeline, expected, members } => t(
                format!("{pipeline}: no member of the fleet ({members} live) owns this pipeline: nobody probes or alerts on it; by the fleet's hashing {expected} should"),
                format!("{pipeline}：机群（{members} 个在线成员）中没有成员负责该管道：没有人探测它或为它告警；按机群的哈希应由 {expected} 负责"),
            ),
            PipelineOwnedAgain { pipeline, owner } => t(
                format!("{pipeline}: owned again by fleet member {owner}"),
                format!("{pipeline}：已重新由机群成员 {owner} 负责"),
            ),
            FixFleetOwner { member } => t(
                format!("check that member {member} has this pipeline in its config and is not stuck (its log, its /readyz); `logminer-doctor fleet` lists the members and owners"),
                format!("检查成员 {member} 的配置中是否包含该管道、它是否卡住（查看其日志与 /readyz）；`logminer-doctor fleet` 可列出成员及各管道的负责者"),
            ),
            SavepointsFailing { pipeline, attempts } => t(
                format!("{pipeline}: periodic savepoint failed {attempts} times in a row"),
                format!("{pipeline}：定期保存点连续失败 {attempts} 次"),
            ),
            SavepointFailedBecause { cause } => t(
                format!("Flink's failure cause: {cause}"),
                format!("Flink 给出的失败原因：{cause}"),
            ),
            NoRestorableSavepoint { pipeline, within } => t(
                format!("{pipeline}: no restorable savepoint younger than {}", d(within)),
                format!("{pipeline}：没有 {} 内可恢复的保存点", d(within)),
            ),
            NewestRestorableSavepoint { path, age, scn } => t(
                format!("newest restorable savepoint {path}, {} old, restart SCN {scn}", d(age)),
                format!("最新的可恢复保存点 {path}，已有 {}，重启点 SCN {scn}", d(age)),
            ),
            SavepointAgingOut { pipeline, path, scn, headroom, threshold } => t(
                format!("{pipeline}: the newest restorable savepoint {path} (restart SCN {scn}) falls out of available redo in about {} (redo_headroom_warning {})", d(headroom), threshold.en()),
                format!("{pipeline}：最新的可恢复保存点 {path}（重启点 SCN {scn}）约 {} 后将超出可用的 redo（redo_headroom_warning {}）", d(headroom), threshold.en()),
            ),
            SavepointsHealthy { pipeline } => t(
                format!("{pipeline}: periodic savepoints succeed and a restorable one is recent"),
                format!("{pipeline}：定期保存点正常，且有近期可恢复的保存点"),
            ),
            FixSavepointDir => t(
                "Check that the savepoint directory exists and every JobManager and TaskManager can write it (state.savepoints.dir or [pipeline.savepoints] dir), and that checkpoints succeed: a savepoint needs the same barriers".into(),
                "检查保存点目录是否存在、所有 JobManager 与 TaskManager 是否可写（state.savepoints.dir 或 [pipeline.savepoints] dir），并确认检查点成功：保存点依赖同样的 barrier".into(),
            ),
            SavepointRedoPurged { path, scn, thread, oldest } => t(
                format!("savepoint {path} cannot be restored: its restart SCN {scn} is older than the oldest available redo of thread {thread} (SCN {oldest}); restoring it fails with ORA-01291 or skips changes"),
                format!("保存点 {path} 无法恢复：其重启点 SCN {scn} 早于线程 {thread} 最早的可用 redo（SCN {oldest}）；从它恢复会报 ORA-01291 或丢失变更"),
            ),
            SavepointGone { path } => t(
                format!("savepoint {path} no longer exists"),
                format!("保存点 {path} 已不存在"),
            ),
            ResumeNewestRestorable { job, state, path, scn } => t(
                format!("job {job} is {state} and its own state cannot serve: resume from the newest restorable savepoint {path} (restart SCN {scn} is in available redo); changes after it are read again, so downstream may see some twice, none lost"),
                format!("作业 {job} 状态为 {state}，其自身状态无法使用：从最新的可恢复保存点 {path} 恢复（重启点 SCN {scn} 在可用 redo 内）；其后的变更会重读，下游可能重复，但不会丢失"),
            ),
            FixKeepRedoLonger => t(
                "Keep archived logs longer (RMAN retention) or take savepoints more often: a savepoint whose redo is purged cannot be restored".into(),
                "延长归档日志保留时间（RMAN 保留策略）或更频繁地做保存点：redo 已清除的保存点无法恢复".into(),
            ),

            NotObserved { system, error } => match error {
                Some(e) => t(format!("{system} not observed: {e}"), format!("未观测到 {system}：{e}")),
                None => t(format!("{system} not observed"), format!("未观测到 {system}")),
            },
            FailoverNow { why } => t(
                format!("failover in progress: {}", why.render(l)),
                format!("正在主备切换：{}", why.render(l)),
            ),
            NoJobManagerAnswers { count } => t(
                format!("no JobManager answers ({count})"),
                format!("{count} 个 JobManager 都没有响应"),
            ),
            JobManagersListDifferent { a, b } => t(
                format!("the JobManagers list different jobs (two clusters or a split brain): {}; {}", a.render(l), b.render(l)),
                format!("各 JobManager 列出的作业不同（两个集群或脑裂）：{}；{}", a.render(l), b.render(l)),
            ),
            JobManagersAgree { up, total, zookeeper_leader } => {
                let zk_en = zookeeper_leader.as_ref().map(|u| format!("; ZooKeeper names {u} leader")).unwrap_or_default();
                let zk_zh = zookeeper_leader.as_ref().map(|u| format!("；ZooKeeper 中的 leader 为 {u}")).unwrap_or_default();
                t(
                    format!("{up} of {total} JobManager(s) answer and agree{zk_en}"),
                    format!("{total} 个 JobManager 中 {up} 个响应且结果一致{zk_zh}"),
                )
            }
            WhichCopyNameIt { copies } => t(
                format!("which copy? {copies}; name the state to resume with --savepoint PATH"),
                format!("该恢复哪一个作业副本？{copies}；请用 --savepoint PATH 指定要恢复的状态"),
            ),
            JobResubmitted { job, state } => t(
                format!("job {job} is {state} (not running): a restart resubmits it"),
                format!("Flink 作业 {job} 状态为 {state}（未运行）：重启会重新提交它"),
            ),
            NoJobToResubmit => t(
                "no job with this name on the cluster: a restart submits it".into(),
                "集群上没有该名称的作业：重启会提交它".into(),
            ),
            JobRunsCopies { ids } => t(
                format!("the job runs {} times ({}): cancel the extra copy first", ids.len(), ids.join(", ")),
                format!("同一作业在运行 {} 份（{}）：先取消多余的副本", ids.len(), ids.join(", ")),
            ),
            OracleAnswers { version, role, open_mode, scn } => t(
                format!("Oracle {version} answers: {role} {open_mode}, current SCN {scn}"),
                format!("Oracle {version} 有响应：{role} {open_mode}，当前 SCN {scn}"),
            ),
            DatabaseStateUnreadable { error } => t(
                format!("the database state cannot be read: {error}"),
                format!("无法读取数据库状态：{error}"),
            ),
            OracleDoesNotAnswer { error } => t(
                format!("Oracle does not answer: {error}"),
                format!("Oracle 没有响应：{error}"),
            ),
            OracleNotCollected { reason } => t(
                format!("Oracle not collected: {reason}"),
                format!("未采集 Oracle：{reason}"),
            ),
            NoRestartScnKnown { why } => t(
                format!("no restart SCN known: {}; give one with --from-scn", why.render(l)),
                format!("不知道重启点 SCN：{}；请用 --from-scn 指定", why.render(l)),
            ),
            RedoCovers { scn, sources, threads } => t(
                format!("restart SCN {scn} (lowest of: {}); redo available on {}", list(sources, "; ", "；"), per_thread(threads, l)),
                format!("重启点 SCN {scn}（取以下最小值：{}）；可用 redo：{}", list(sources, "; ", "；"), per_thread(threads, l)),
            ),
            RedoUncovered { scn, sources, uncovered, threads } => {
                let ids = uncovered.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
                t(
                    format!("restart SCN {scn} (lowest of: {}) is older than the oldest available redo on thread(s) {ids} ({}): restore the archived logs first", list(sources, "; ", "；"), per_thread(threads, l)),
                    format!("重启点 SCN {scn}（取以下最小值：{}）早于 redo 线程 {ids} 上最早可用的日志（{}）：请先恢复归档日志", list(sources, "; ", "；"), per_thread(threads, l)),
                )
            }
            Prerequisites { log_mode, supplemental_min } => t(
                format!("LOG_MODE {log_mode}, minimal supplemental logging {}", if *supplemental_min { "on" } else { "off" }),
                format!("LOG_MODE {log_mode}，最小补充日志{}", if *supplemental_min { "已开启" } else { "未开启" }),
            ),
            StateGiven { path } => t(
                format!("given by the operator: {path}"),
                format!("由操作员指定：{path}"),
            ),
            NoStateToResume => t(
                "no job to take a savepoint from and no retained checkpoint known: name one with --savepoint PATH".into(),
                "没有可做 savepoint 的作业，也不知道任何保留的检查点：请用 --savepoint PATH 指定".into(),
            ),
            StopWithSavepoint { job, retained, latest } => {
                let (en, zh) = match (retained, latest) {
                    (Some(true), Some(p)) => (
                        format!("fallback allowed (checkpoints retained on cancel, latest {p})"),
                        format!("允许回退（取消时保留检查点，最新为 {p}）"),
                    ),
                    (Some(true), None) => (
                        "fallback allowed (retained on cancel) but no checkpoint completed yet".to_string(),
                        "允许回退（取消时保留检查点），但还没有完成的检查点".to_string(),
                    ),
                    (Some(false), _) => (
                        "no fallback (checkpoints are deleted on cancel)".to_string(),
                        "不能回退（取消时会删除检查点）".to_string(),
                    ),
                    (None, _) => (
                        "no fallback (checkpoint configuration not read)".to_string(),
                        "不能回退（未读到检查点配置）".to_string(),
                    ),
                };
                t(
                    format!("job {job} RUNNING: stop with a savepoint; {en}"),
                    format!("Flink 作业 {job} 运行中：用 savepoint 停止；{zh}"),
                )
            }
            NoSavepointNow { job, state } => t(
                format!("job {job} is {state}: no savepoint can be taken; wait for it to run or end"),
                format!("Flink 作业 {job} 状态为 {state}：现在无法做 savepoint；等它运行或结束"),
            ),
            ResumeRetained { job, state, path } => t(
                format!("job {job} {state}: resume from its retained checkpoint {path}"),
                format!("Flink 作业 {job} {state}：从其保留的检查点 {path} 恢复"),
            ),
            CheckpointNotRetained { job, state, path } => t(
                format!("job {job} {state}: its checkpoint {path} is not retained on cancel"),
                format!("Flink 作业 {job} {state}：其检查点 {path} 在取消时不保留"),
            ),
            CheckpointsUnreadable { job, state } => t(
                format!("job {job} {state}: its checkpoints could not be read"),
                format!("Flink 作业 {job} {state}：无法读取其检查点"),
            ),
            NoExternalizedCheckpoint { job, state } => t(
                format!("job {job} {state}: no externalized checkpoint to resume from"),
                format!("Flink 作业 {job} {state}：没有可恢复的外部化检查点"),
            ),
            BudgetLeft { used, budget, window } => t(
                format!("{used} of {budget} restarts used in the last {}", d(window)),
                format!("最近 {} 内已重启 {used} 次（上限 {budget} 次）", d(window)),
            ),
            BudgetUsedUp { used, budget, window } => t(
                format!("{used} of {budget} restarts used in the last {}: the budget is used up; a restart that keeps failing needs a person", d(window)),
                format!("最近 {} 内已重启 {used} 次（上限 {budget} 次）：重启次数已用完；反复失败的重启需要人工处理", d(window)),
            ),
            RestartsUncountable { error } => t(
                format!("the restarts cannot be counted: {error}"),
                format!("无法统计重启次数：{error}"),
            ),
            LockFree { checked } => t(format!("lock free ({checked})"), format!("锁空闲（{checked}）")),
            LockHeld { holder, by } => t(format!("held by {holder} ({by})"), format!("锁被 {holder} 持有（{by}）")),
            LockUnchecked { why } => t(
                format!("the lock cannot be checked: {why}"),
                format!("无法检查锁：{why}"),
            ),
            AdviseOnly => t(
                "mode = \"advise_only\": the doctor only prints the plan".into(),
                "mode = \"advise_only\"：doctor 只打印计划，不执行".into(),
            ),
            NoResubmitConfigured => t(
                "no [pipeline.remediation.resubmit]: the doctor does not know how to submit the job".into(),
                "没有配置 [pipeline.remediation.resubmit]：doctor 不知道如何提交作业".into(),
            ),
            JarMissing { jar } => t(
                format!("the job jar {jar} does not exist"),
                format!("作业 jar {jar} 不存在"),
            ),
            ResubmitConfigured { jar, entry_class, parallelism, job_id } => t(
                format!("{jar} ({entry_class}), parallelism {parallelism}, fixed job id {job_id}"),
                format!("{jar}（{entry_class}），并行度 {parallelism}，固定 job id {job_id}"),
            ),

            PlanGate { checks } => t(
                format!("Check the gate ({checks} checks; every one must PASS)."),
                format!("检查 gate（共 {checks} 项，每一项都必须 PASS）。"),
            ),
            PlanStop { job, target, within } => t(
                format!("Stop job {job} with a savepoint into {target}, without drain (at most {}).", d(within)),
                format!("用 savepoint 停止作业 {job}，保存到 {target}，不加 drain（最多 {}）。", d(within)),
            ),
            PlanFallbackCancel { job, within } => t(
                format!("If that fails: cancel job {job} (at most {}) and take its newest retained checkpoint or savepoint (its checkpoints are retained on cancel).", d(within)),
                format!("若失败：取消作业 {job}（最多 {}），并使用其最新保留的检查点或 savepoint（取消时会保留检查点）。", d(within)),
            ),
            PlanNoFallback => t(
                "If that fails: stop and report; no cancel, since its checkpoints are not retained on cancel.".into(),
                "若失败：停止并报告；不会取消作业，因为取消时不保留检查点。".into(),
            ),
            PlanRetained { job, state, path } => t(
                format!("Job {job} is {state}: take its newest retained checkpoint or savepoint (last seen {path})."),
                format!("作业 {job} 状态为 {state}：使用其最新保留的检查点或 savepoint（最近看到的是 {path}）。"),
            ),
            PlanGiven { path } => t(format!("Resume from {path} (given)."), format!("从指定的 {path} 恢复。")),
            PlanNoState => t(
                "No state to resume from: the gate blocks the restart.".into(),
                "没有可恢复的状态：gate 会阻止重启。".into(),
            ),
            PlanSubmit { jar, entry_class, parallelism, args, job_id } => t(
                format!("Submit {jar} (entry class {entry_class}, parallelism {parallelism}, arguments {args:?}) with the fixed job id {job_id} from that state, to the leading JobManager; upload the jar first if it lacks it."),
                format!("以固定 job id {job_id} 从该状态向 leader JobManager 提交 {jar}（入口类 {entry_class}，并行度 {parallelism}，参数 {args:?}）；若其上没有该 jar，先上传。"),
            ),
            PlanNoSubmit => t(
                "Submit: no [pipeline.remediation.resubmit] configured; the doctor cannot submit.".into(),
                "提交：没有配置 [pipeline.remediation.resubmit]；doctor 无法提交。".into(),
            ),
            PlanWaitRunning { within } => t(
                format!("Wait until job is RUNNING (at most {}).", d(within)),
                format!("等待作业进入 RUNNING（最多 {}）。", d(within)),
            ),
            PlanVerify { within, scn } => {
                let scn_en = scn.map_or("the restart SCN".to_string(), |s| format!("SCN {s}"));
                let scn_zh = scn.map_or("重启点 SCN".to_string(), |s| format!("SCN {s}"));
                t(
                    format!("Verify (at most {}): the connector's mining session back and its heartbeat rising; when changes are pending, committed output past {scn_en}.", d(within)),
                    format!("验证（最多 {}）：连接器的挖掘会话恢复且心跳上升；有待抽取的变更时，已提交输出越过 {scn_zh}。", d(within)),
                )
            }
            PlanKillOrphan { procedure } => t(
                format!("Kill the connector's orphaned session, if one lingers, with {procedure}."),
                format!("若连接器有残留会话，用 {procedure} 将其 kill 掉。"),
            ),
            PlanReportOrphan => t(
                "Report an orphaned connector session, if one lingers (no kill_procedure configured).".into(),
                "若连接器有残留会话，只报告（没有配置 kill_procedure）。".into(),
            ),
            RestartProvenPast { job, scn } => t(
                format!("job {job} RUNNING, connector mining with its heartbeat rising, committed output past SCN {scn}"),
                format!("作业 {job} 运行中，连接器在挖掘且心跳上升，已提交输出越过 SCN {scn}"),
            ),
            RestartProvenIdle { job } => t(
                format!("job {job} RUNNING, connector mining with its heartbeat rising (no captured-table change seen pending in the observed window: judged idle)"),
                format!("作业 {job} 运行中，连接器在挖掘且心跳上升（观测窗口内捕获表没有待抽取的变更：判定为空闲）"),
            ),
            RunTheGate => t(
                "Run `logminer-doctor gate` and fix what it reports.".into(),
                "运行 `logminer-doctor gate`，修复它报告的问题。".into(),
            ),
            AddResubmit => t(
                "Add [pipeline.remediation.resubmit] to the config.".into(),
                "在配置中加入 [pipeline.remediation.resubmit]。".into(),
            ),
            NameASavepoint => t(
                "Name one with `restart --savepoint PATH`.".into(),
                "用 `restart --savepoint PATH` 指定一个。".into(),
            ),
            ReadNewJobExceptions { job, state } => t(
                format!("Read the job's exceptions: GET /jobs/{job}/exceptions; the state is in {state}."),
                format!("查看作业异常：GET /jobs/{job}/exceptions；状态保存在 {state}。"),
            ),
            NoResubmitByHand => t(
                "Do not resubmit by hand while the job exists: Flink refuses its id twice; cancel it first.".into(),
                "作业还存在时不要手工重新提交：Flink 不接受同一个 id 两次；先取消它。".into(),
            ),
            NotCancelledNotRetained => t(
                "The job was not cancelled: its checkpoints are not retained on cancel, so cancelling would lose its state.".into(),
                "作业没有被取消：取消时不保留检查点，取消会丢失其状态。".into(),
            ),
            SavepointByHand { job } => t(
                format!("Take a savepoint by hand (flink stop --savepointPath DIR {job}) or retain checkpoints on cancel (execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION), then restart again."),
                format!("手工做 savepoint（flink stop --savepointPath DIR {job}），或设置取消时保留检查点（execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION），然后再次重启。"),
            ),
            CancelByHand { job } => t(
                format!("Cancel it by hand (flink cancel {job}) once a JobManager leads, then run `logminer-doctor restart --apply` again."),
                format!("有 leader JobManager 后手工取消（flink cancel {job}），再运行 `logminer-doctor restart --apply`。"),
            ),
            TaskIgnoresCancel => t(
                "A task that ignores cancellation is killed by Flink after task.cancellation.timeout (3 min); check the TaskManager.".into(),
                "不响应取消的 task 会在 task.cancellation.timeout（3 分钟）后被 Flink 杀掉；检查 TaskManager。".into(),
            ),
            RunAgainWhenEnded => t(
                "Run `logminer-doctor restart --apply` again once the job has ended: its retained checkpoint is resumed then.".into(),
                "作业结束后再运行 `logminer-doctor restart --apply`：届时会从其保留的检查点恢复。".into(),
            ),
            FindNewestCheckpoint => t(
                "Find the newest chk-* directory under the job's checkpoint directory and run `logminer-doctor restart --apply --savepoint PATH`.".into(),
                "在作业的检查点目录下找到最新的 chk-* 目录，运行 `logminer-doctor restart --apply --savepoint PATH`。".into(),
            ),
            NeverSubmitWithoutState => t(
                "Never submit without a state: the connector would start from its configured startup mode and skip or repeat changes.".into(),
                "切勿不带状态提交：连接器会按配置的启动模式开始，跳过或重复变更。".into(),
            ),
            StateKeptIn { state } => t(
                format!("The job is not running; its state is kept in {state}."),
                format!("作业没有运行；其状态保存在 {state}。"),
            ),
            SubmitByHand { state, entry_class, jar } => t(
                format!("Submit it by hand from that state with the same job id: flink run -s {state} -c {entry_class} {jar}, or fix the cause and run `logminer-doctor restart --apply --savepoint {state}`."),
                format!("用同一个 job id 从该状态手工提交：flink run -s {state} -c {entry_class} {jar}；或修复原因后运行 `logminer-doctor restart --apply --savepoint {state}`。"),
            ),
            DoNotRestartAgain => t(
                "Do not restart again: the job runs; find out why the connector does not mine (`logminer-doctor diagnose`, the TaskManager log).".into(),
                "不要再次重启：作业在运行；查明连接器为何不挖掘（`logminer-doctor diagnose`、TaskManager 日志）。".into(),
            ),
            EscalateToDba => t(
                "Escalate to the DBA if the connector's session does not appear on the database.".into(),
                "如果数据库上看不到连接器的会话，请升级给 DBA。".into(),
            ),

            OracleLoginWorks { server, client } => t(
                format!("Oracle {server}; Oracle Client {client}; the login works"),
                format!("Oracle {server}；Oracle Client {client}；登录成功"),
            ),
            FlinkAnswers { version, jobs, job_name } => t(
                format!("Flink {version}; {jobs} job(s) named {job_name:?}"),
                format!("Flink {version}；名为 {job_name:?} 的作业 {jobs} 个"),
            ),
            JobManagerElecting => t(
                "answers, but a leader election is in progress".into(),
                "有响应，但正在选主".into(),
            ),
            JobManagerLeaderGone => t(
                "answers, but its leader is gone (RecipientUnreachableException)".into(),
                "有响应，但其 leader 已失联（RecipientUnreachableException）".into(),
            ),
            ZookeeperMode { mode } => t(format!("mode {mode}"), format!("角色 {mode}")),
            ZookeeperNoAnswer => t("no answer to srvr/ruok".into(), "srvr/ruok 没有应答".into()),
            ZookeeperLeader { url } => t(
                format!("leading JobManager: {url}"),
                format!("当前 leader JobManager：{url}"),
            ),
            ZookeeperNoLeaderNode => t(
                "no JobManager leads (no leader node)".into(),
                "没有 leader JobManager（无 leader 节点）".into(),
            ),
            OutputScanned { files, bytes, in_progress } => t(
                format!("{files} committed files ({bytes} bytes), {in_progress} in progress"),
                format!("已提交文件 {files} 个（{bytes} 字节），进行中 {in_progress} 个"),
            ),

            LagAtCommits { commits, from, to, over } => t(
                format!("SCN lag at each of {commits} commits grew {from} -> {to} over {}", d(over)),
                format!("{} 内 {commits} 次提交时的 SCN 落后量逐次增长：{from} -> {to}", d(over)),
            ),
            ScnRates { database_per_min, output_per_min, over } => {
                let pct = if *database_per_min == 0 { 0 } else { output_per_min * 100 / database_per_min };
                t(
                    format!("over {}: the database advanced {database_per_min} SCN/min, the output {output_per_min} SCN/min ({pct}% of the database's pace)", d(over)),
                    format!("{} 内数据库 SCN 每分钟推进 {database_per_min}，输出每分钟推进 {output_per_min}（为数据库速度的 {pct}%）", d(over)),
                )
            }
            NeverCatchesUp { lag, behind } => t(
                format!("the output is {lag} SCNs (about {}) behind and, at these rates, never catches up", d(behind)),
                format!("输出落后 {lag} 个 SCN（约 {}），按当前速度永远追不上", d(behind)),
            ),
            PurgeOvertakes { scn, within, thread } => t(
                format!("archived-log purging overtakes the moving restart SCN {scn} in about {} (redo thread {thread})", d(within)),
                format!("按当前速度，约 {} 后归档日志清理将追上不断前移的重启点 SCN {scn}（redo 线程 {thread}）", d(within)),
            ),
            PurgeNeverOvertakes { scn } => t(
                format!("the restart SCN {scn} moves ahead of archived-log purging: redo stays available"),
                format!("重启点 SCN {scn} 前移的速度快于归档日志清理：redo 仍然可用"),
            ),
            FallsBehind { behind, lag } => t(
                format!("the connector falls behind: the output is about {} ({lag} SCNs) behind the database and the gap grows", d(behind)),
                format!("连接器追不上：输出落后数据库约 {}（{lag} 个 SCN），且差距在扩大", d(behind)),
            ),
            FallsBehindPurgeFirst { behind, within } => t(
                format!("the connector falls {} behind and never catches up: the archived logs it still needs are purged in about {}", d(behind), d(within)),
                format!("连接器已落后 {} 且追不上：它仍需要的归档日志约 {} 后就会被清理", d(behind), d(within)),
            ),
            ReadFaster => t(
                "Let the connector read faster: raise log.mining.batch.size.max and log.mining.batch.size.default (SCN ranges per LogMiner query; Debezium 1.9 defaults 100000 and 20000), lower log.mining.sleep.time.max.ms and log.mining.sleep.time.default.ms (3000 and 1000), and use log.mining.strategy=online_catalog; check the mining session's CPU and the redo volume per hour.".into(),
                "让连接器读得更快：调大 log.mining.batch.size.max 与 log.mining.batch.size.default（每次 LogMiner 查询的 SCN 范围；Debezium 1.9 默认 100000 与 20000），调小 log.mining.sleep.time.max.ms 与 log.mining.sleep.time.default.ms（默认 3000 与 1000），并使用 log.mining.strategy=online_catalog；检查挖掘会话的 CPU 和每小时 redo 量。".into(),
            ),
            KeepRedoUntilCaughtUp { scn } => t(
                format!("Keep the archived logs from SCN {scn} on until the connector has caught up: hold the RMAN deletion (or lengthen the retention) rather than let purging overtake it."),
                format!("在连接器追上之前保留 SCN {scn} 之后的归档日志：暂停 RMAN 删除（或延长保留时间），不要让清理追上它。"),
            ),
            RestartDoesNotCatchUp => t(
                "Do not restart to catch up: a restart resumes from the same SCN and adds the time it takes.".into(),
                "不要靠重启来追赶：重启会从同一个 SCN 继续，只会多耽误重启的时间。".into(),
            ),

            OutputNoStandIn { error, lacking } => {
                let (en, zh) = match lacking {
                    Lacking::JobCounters => ("no job counters to stand in", "也没有作业计数器可替代"),
                    Lacking::SinkCounter => ("sink counter missing", "缺少 Sink 计数器"),
                    Lacking::CheckpointStats => ("checkpoint statistics missing", "缺少检查点统计"),
                    Lacking::OneObservation => ("one observation cannot show progress", "一次观测无法体现进展"),
                };
                t(format!("output: {error}; {en}"), format!("输出：{error}；{zh}"))
            }
            OutputStoodIn { error } => t(
                format!("{error}; the sink's record counter and checkpoints stood in"),
                format!("{error}；改用 Sink 的记录计数器和检查点判断"),
            ),
            HeartbeatNeedsTwo => t(
                "one observation cannot show the heartbeat moving".into(),
                "一次观测无法体现心跳变化".into(),
            ),
            NoJobList => t(
                "no JobManager answered with the job list (leader election)".into(),
                "没有 JobManager 返回作业列表（正在选主）".into(),
            ),
            JobDetailsMissing => t(
                "the job's details were not collected".into(),
                "未采集到作业详情".into(),
            ),
            RedoNotObserved { why } => t(
                format!("redo not observed: {}", why.render(l)),
                format!("未观测到 redo：{}", why.render(l)),
            ),
            NoRedoThread => t(
                "no enabled redo thread listed".into(),
                "没有列出已启用的 redo 线程".into(),
            ),
            OracleNotObserved { why } => t(
                format!("Oracle not observed: {}", why.render(l)),
                format!("未观测到 Oracle：{}", why.render(l)),
            ),
            NoRestartScn { output_error } => match output_error {
                Some(e) => t(
                    format!("the output's last SCN cannot be read ({e}), no open transaction, no --from-scn"),
                    format!("无法读取输出的最后一个 SCN（{e}），没有未提交事务，也没有 --from-scn"),
                ),
                None => t(
                    "no SCN in the output, no open transaction and no --from-scn".into(),
                    "输出中没有 SCN，没有未提交事务，也没有 --from-scn".into(),
                ),
            },
            JobJustStarted { up, gap } => t(
                format!("the job (re)started {} ago, within mining_call_gap ({}): its connector may still be logging on", d(up), gap.en()),
                format!("作业在 {} 前（重新）启动，仍在 mining_call_gap（{}）之内：连接器可能还在登录", d(up), gap.en()),
            ),
            NoMiningSqlSeen => t(
                "no session ran the LogMiner SQL during the window; cannot tell which one mines".into(),
                "窗口内没有会话执行 LogMiner SQL；无法判断哪个会话在挖掘".into(),
            ),
            SnapshotFlat => t(
                "the connector is in its snapshot phase and its SELECT statistics did not move: judge the snapshot by its own counters".into(),
                "连接器处于快照阶段，其 SELECT 统计值没有变化：请按快照自身的计数器判断".into(),
            ),
            SqlStatsNeedTwo => t(
                "one observation cannot show SQL statistics moving".into(),
                "一次观测无法体现 SQL 统计值的变化".into(),
            ),
            SqlStatsMissing => t(
                "SQL statistics of the mining call missing".into(),
                "缺少挖掘调用的 SQL 统计".into(),
            ),
            NoMiningSession => t("no mining session seen".into(), "没有看到挖掘会话".into()),
            HeartbeatFrozenWhileCalling { at } => t(
                format!("heartbeat frozen at {at} while the session calls: cannot prove the loop turns"),
                format!("会话在调用但心跳停在 {at}：无法证明挖掘循环在运转"),
            ),
            TablesWritten { changes } => t(
                format!("the captured tables are written (+{changes} db block changes): not idle"),
                format!("捕获表有写入（db block changes +{changes}）：并不空闲"),
            ),
        }
    }
}

/// Serializes a fact as its English sentence (`#[serde(serialize_with = …)]`): what every JSON
/// output and the audit log write, whatever language the text output is in.
pub fn english<S: serde::Serializer>(f: &Fact, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&f.en())
}

/// Serializes facts as their English sentences, in order.
pub fn english_all<S: serde::Serializer>(v: &[Fact], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(Fact::en))
}

impl std::fmt::Display for Fact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en())
    }
}

/// Redo threads and where each begins ("thread 1 from SCN 1200").
fn per_thread(threads: &[(u32, u64)], lang: Lang) -> String {
    threads
        .iter()
        .map(|(t, scn)| match lang {
            Lang::En => format!("thread {t} from SCN {scn}"),
            Lang::Zh => format!("线程 {t} 自 SCN {scn} 起"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `used` of `limit` as a percentage with one decimal ("87.5%").
fn pct(used: u64, limit: u64) -> String {
    if limit == 0 {
        return "?%".into();
    }
    format!("{:.1}%", used as f64 * 100.0 / limit as f64)
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    /// A Han character: the rendering really is Chinese, not English with Chinese punctuation.
    fn has_han(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_fact_reads_as_chinese() {
        let mut missing = vec![];
        for fact in Fact::iter() {
            // Quoted texts read as their system wrote them; `Explained` carries its own zh.
            if matches!(
                fact,
                Fact::Error { .. }
                    | Fact::Recorded { .. }
                    | Fact::Explained { .. }
                    | Fact::Joined { .. }
                    | Fact::Indented { .. }
            ) {
                continue;
            }
            let (en, zh) = (fact.render(Lang::En), fact.render(Lang::Zh));
            if !has_han(&zh) || zh == en || en.is_empty() || has_han(&en) {
                missing.push(format!("{}: en {en:?} / zh {zh:?}", fact.kind()));
            }
        }
        assert!(
            missing.is_empty(),
            "facts without a Chinese rendering:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn kinds_are_unique_snake_case_names() {
        let kinds: Vec<String> = Fact::iter().map(|f| f.kind()).collect();
        let mut sorted = kinds.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), kinds.len());
        assert!(kinds
            .iter()
            .all(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }

    #[test]
    fn durations_read_in_both_languages() {
        assert_eq!(Secs(45).show(Lang::En), "45s");
        assert_eq!(Secs(1263).show(Lang::En), "21m 3s");
        assert_eq!(Secs(1263).show(Lang::Zh), "21分3秒");
        assert_eq!(Secs(171_420).show(Lang::Zh), "1天23小时");
        assert_eq!(Secs(600).show(Lang::En), "10m");
    }

    #[test]
    fn typed_facts_survive_json() {
        let f = Fact::NewestCommittedAge {
            path: "/out/a".into(),
            age: Secs(90),
        };
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["kind"], "newest_committed_age");
        assert_eq!(v["data"]["age"], 90);
        assert_eq!(serde_json::from_value::<Fact>(v).unwrap(), f);
    }
}
