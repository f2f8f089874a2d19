//! The simulated pipeline: an Oracle SCN clock with changes on the captured tables, a Debezium
//! connector with its session and flush-table heartbeat, a Flink job with checkpoints, and a
//! FileSink that writes real part files into a directory.
//!
//! It models behaviour, not verdicts: faults change what the parts do (a half-open socket stops
//! the mining loop, failing checkpoints stop commits), and the decision table reads the result.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::observation::{
    CheckpointFailure, Checkpoints, CompletedCheckpoint, ConnectorSession, DatabaseState,
    FlinkSnapshot, JobDetail, JobException, JobManagerProbe, JobManagerStatus, JobSummary,
    OpenTransactions, OperatorMetrics, OracleSnapshot, RecoveryArea, RedoAvailability, RedoThread,
    Signal, SourceThreadState, SqlKind, SqlStats, TableActivity, TableLogging, Timestamp,
    ZooKeeperServer, ZooKeeperSnapshot,
};

/// How the connector's mining connection behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    /// The mining loop turns every 2 s: it flushes the heartbeat and reads new changes.
    Mining,
    /// The connector's sessions run snapshot SELECTs on the captured tables.
    Snapshotting,
    /// The socket is half-open: the source thread blocks in its read, no exception; the
    /// server session lingers INACTIVE ("SQL*Net message from client").
    HalfOpen,
    /// The socket was closed and the source swallowed the error: the server session is gone
    /// (Dead Connection Detection or a kill) and nothing reconnects.
    Closed,
    /// The LogMiner call hangs in the database: ACTIVE on the mining query, statistics flat.
    Stuck,
    /// A huge transaction: the LogMiner call runs long but its statistics keep rising.
    SlowCall,
}

/// The simulated Flink job.
#[derive(Debug, Clone)]
pub struct SimJob {
    /// Job id (32 hex digits).
    pub id: String,
    /// RUNNING, FAILED, RESTARTING …
    pub state: String,
    /// When it started.
    pub start_time: Timestamp,
    /// `numRestarts`.
    pub restarts: u64,
    /// Exception history, newest first.
    pub exceptions: Vec<JobException>,
    /// Completed checkpoints.
    pub checkpoints_completed: u64,
    /// Failed checkpoints.
    pub checkpoints_failed: u64,
    /// The latest completed checkpoint.
    pub last_completed: Option<CompletedCheckpoint>,
    /// The latest failure.
    pub last_failure: Option<CheckpointFailure>,
    /// Records the source emitted.
    pub source_records: u64,
    /// Records the sink received.
    pub sink_records: u64,
}

/// The whole simulated pipeline. Advance it with [`World::run`].
#[derive(Debug)]
pub struct World {
    /// Simulated time.
    pub now: Timestamp,
    /// The database's current SCN.
    pub scn: u64,
    /// Background SCN growth per second (other schemas, housekeeping).
    pub scn_per_s: u64,
    /// Committed changes per second on the captured tables.
    pub changes_per_s: f64,
    change_credit: f64,
    /// SCNs of committed changes the connector has not mined yet.
    pub unmined: VecDeque<u64>,
    /// Cumulative `db block changes` of the captured tables.
    pub block_changes: u64,
    /// When set, the doctor's own connection to Oracle fails with this error.
    pub oracle_error: Option<String>,
    /// ARCHIVELOG mode.
    pub archivelog: bool,
    /// Minimal supplemental logging.
    pub supplemental_min: bool,
    /// ALL COLUMNS supplemental logging on the captured table.
    pub table_all_columns: bool,
    /// An archive destination in error.
    pub archive_dest_error: Option<String>,
    /// Recovery area fill, percent.
    pub recovery_area_pct: f64,
    /// How long archived redo is kept before an RMAN job deletes it.
    pub redo_retention: Duration,
    /// (time, SCN) once a minute, for redo availability.
    scn_history: VecDeque<(Timestamp, u64)>,
    /// The connector's behaviour.
    pub connector: Connector,
    /// The mining session: sid, serial, logon time, last call, statistics.
    session: Option<SimSession>,
    /// `LAST_SCN` of the flush table.
    pub flush_scn: u64,
    next_iteration: Timestamp,
    /// The Flink job.
    pub job: SimJob,
    /// A second copy of the job runs (someone resubmitted it without a fixed job id).
    pub duplicate_job: Option<SimJob>,
    /// Checkpoints fail (the sink cannot commit).
    pub checkpoints_fail: bool,
    /// The sink is slow: the source is backpressured and stops reading.
    pub backpressured: bool,
    /// The connector reads at most this many changes per mining iteration (every 2 s): below
    /// the change rate it falls behind.
    pub mine_per_iteration: Option<usize>,
    /// How often the job checkpoints (and the FileSink commits).
    pub checkpoint_interval: Duration,
    next_checkpoint: Timestamp,
    sink: SimSink,
    /// The first I/O error of the simulated FileSink, if any.
    pub io_error: Option<String>,
    /// An open transaction on a captured table: (start SCN, start time).
    pub open_tx: Option<(u64, Timestamp)>,
    /// The job fails every 20 s with this exception (name, stack trace) and restarts.
    pub crash_loop: Option<(String, String)>,
    /// A JobManager failover began at this time: the leader is gone, the standby answers 503.
    pub failover_since: Option<Timestamp>,
    /// The second JobManager sees another job: two clusters share the REST addresses.
    pub split_brain: bool,
    /// A second mining session under the connector's username (another connector).
    pub second_miner: bool,
    /// The doctor can take TaskManager thread dumps.
    pub thread_dumps: bool,
    /// The REST URLs of the two JobManagers (the first leads), as the doctor reaches them.
    pub jobmanager_urls: [String; 2],
}

#[derive(Debug, Clone)]
struct SimSession {
    sid: u32,
    serial: u32,
    logon: Timestamp,
    active: bool,
    last_call_at: Timestamp,
    sql: Option<SqlKind>,
    prev_sql: Option<SqlKind>,
    stats: SqlStats,
}

#[derive(Debug)]
struct SimSink {
    dir: PathBuf,
    uid: String,
    part: u64,
    /// In-progress files awaiting the next completed checkpoint (one per bucket written to
    /// since the last one); the last is the one written now.
    in_progress: Vec<PathBuf>,
    bucket: String,
}

const TABLE: &str = "SHOP.ORDERS";

impl World {
    /// A healthy pipeline at `start`, writing its output into `dir`.
    pub fn new(dir: &Path, start: Timestamp) -> World {
        let scn = 48_000_000;
        let mut w = World {
            now: start,
            scn,
            scn_per_s: 40,
            changes_per_s: 5.0,
            change_credit: 0.0,
            unmined: VecDeque::new(),
            block_changes: 1_000_000,
            oracle_error: None,
            archivelog: true,
            supplemental_min: true,
            table_all_columns: true,
            archive_dest_error: None,
            recovery_area_pct: 42.0,
            redo_retention: Duration::from_secs(48 * 3600),
            scn_history: VecDeque::new(),
            connector: Connector::Mining,
            session: Some(SimSession {
                sid: 245,
                serial: 31_887,
                logon: start,
                active: false,
                last_call_at: start,
                sql: None,
                prev_sql: Some(SqlKind::MiningQuery),
                stats: SqlStats {
                    cpu_time_us: 1_000_000,
                    buffer_gets: 20_000,
                    elapsed_time_us: 2_000_000,
                },
            }),
            flush_scn: scn,
            next_iteration: start,
            job: SimJob {
                id: "a1b2c3d4e5f60718293a4b5c6d7e8f90".into(),
                state: "RUNNING".into(),
                start_time: start,
                restarts: 0,
                exceptions: vec![],
                checkpoints_completed: 0,
                checkpoints_failed: 0,
                last_completed: None,
                last_failure: None,
                source_records: 0,
                sink_records: 0,
            },
            duplicate_job: None,
            checkpoints_fail: false,
            backpressured: false,
            mine_per_iteration: None,
            checkpoint_interval: Duration::from_secs(30),
            next_checkpoint: start.plus(Duration::from_secs(30)),
            sink: SimSink {
                dir: dir.to_path_buf(),
                uid: "7f3e9c2a-5b1d-4e8f-9a6c-0d2b4f8e1a37".into(),
                part: 0,
                in_progress: Vec::new(),
                bucket: String::new(),
            },
            io_error: None,
            open_tx: None,
            crash_loop: None,
            failover_since: None,
            split_brain: false,
            second_miner: false,
            thread_dumps: true,
            jobmanager_urls: [
                "http://127.0.0.1:8081".into(),
                "http://127.0.0.1:8082".into(),
            ],
        };
        // The database has run long before the pipeline: a log switch every 15 minutes back
        // to the retention limit, at the same SCN rate.
        let switch = 15 * 60;
        for k in (0..=w.redo_retention.as_secs() / switch).rev() {
            let ago = k * switch;
            w.scn_history.push_back((
                start.minus(Duration::from_secs(ago)),
                scn - w.scn_per_s * ago,
            ));
        }
        w
    }

    /// Lets `d` of simulated time pass, in one-second ticks.
    pub fn run(&mut self, d: Duration) {
        for _ in 0..d.as_secs() {
            self.tick();
        }
    }

    fn tick(&mut self) {
        self.now = self.now.plus(Duration::from_secs(1));
        self.scn += self.scn_per_s;
        self.change_credit += self.changes_per_s;
        while self.change_credit >= 1.0 {
            self.change_credit -= 1.0;
            self.scn += 1;
            self.unmined.push_back(self.scn);
            self.block_changes += 3;
        }
        if self.now.unix_millis() % 60_000 < 1000 {
            self.scn_history.push_back((self.now, self.scn));
            let keep_from = self
                .now
                .minus(self.redo_retention + Duration::from_secs(3600));
            while self.scn_history.len() > 2 && self.scn_history[1].0 < keep_from {
                self.scn_history.pop_front();
            }
        }
        if let Some((name, trace)) = self.crash_loop.clone() {
            // Fails on start, restarts after a 20 s delay, fails again.
            if self.now.unix_millis() % 20_000 < 1000 {
                self.job.restarts += 1;
                self.job.state = "RESTARTING".into();
                self.job.exceptions.insert(
                    0,
                    JobException {
                        timestamp: self.now,
                        name,
                        stacktrace: trace,
                    },
                );
                self.job.exceptions.truncate(16);
            }
            return;
        }
        let running = self.job.state == "RUNNING";
        if running {
            self.connector_tick();
            if self.now >= self.next_checkpoint {
                self.next_checkpoint = self.now.plus(self.checkpoint_interval);
                self.checkpoint();
            }
        }
    }

    fn connector_tick(&mut self) {
        let now = self.now;
        match self.connector {
            Connector::Mining => {
                if now < self.next_iteration {
                    return;
                }
                self.next_iteration = now.plus(Duration::from_secs(2));
                // A backpressured source blocks on emitting: the loop stops turning too.
                if self.backpressured {
                    return;
                }
                if let Some(s) = self.session.as_mut() {
                    s.active = false;
                    s.last_call_at = now;
                    s.sql = None;
                    s.prev_sql = Some(SqlKind::MiningQuery);
                    s.stats.cpu_time_us += 3_000;
                    s.stats.buffer_gets += 120;
                    s.stats.elapsed_time_us += 40_000;
                }
                self.flush_scn = self.scn;
                let take = self
                    .mine_per_iteration
                    .unwrap_or(usize::MAX)
                    .min(self.unmined.len());
                let rows: Vec<u64> = self.unmined.drain(..take).collect();
                self.job.source_records += rows.len() as u64;
                self.job.sink_records += rows.len() as u64;
                if !rows.is_empty() {
                    if let Err(e) = self.sink_write(&rows) {
                        self.io_error.get_or_insert(e.to_string());
                    }
                }
            }
            Connector::Snapshotting => {
                if let Some(s) = self.session.as_mut() {
                    s.active = true;
                    s.sql = Some(SqlKind::SnapshotSelect);
                    s.stats.cpu_time_us += 900_000;
                    s.stats.buffer_gets += 40_000;
                }
            }
            Connector::SlowCall => {
                if let Some(s) = self.session.as_mut() {
                    s.stats.cpu_time_us += 800_000;
                    s.stats.buffer_gets += 25_000;
                    s.stats.elapsed_time_us += 1_000_000;
                }
            }
            Connector::HalfOpen | Connector::Closed | Connector::Stuck => {}
        }
    }

    fn checkpoint(&mut self) {
        if self.checkpoints_fail {
            self.job.checkpoints_failed += 1;
            self.job.last_failure = Some(CheckpointFailure {
                at: self.now,
                message: "Checkpoint expired before completing.".into(),
            });
            return;
        }
        self.job.checkpoints_completed += 1;
        self.job.last_completed = Some(CompletedCheckpoint {
            id: self.job.checkpoints_completed + self.job.checkpoints_failed,
            completed_at: self.now,
            external_path: Some(format!(
                "file:///var/flink/checkpoints/{}/chk-{}",
                self.job.id,
                self.job.checkpoints_completed + self.job.checkpoints_failed
            )),
            duration_ms: None,
        });
        if let Err(e) = self.sink_commit() {
            self.io_error.get_or_insert(e.to_string());
        }
    }

    /// Appends rows (Debezium-style JSON lines) to the in-progress part file of the current
    /// hourly bucket. A new bucket starts a new in-progress file; nothing is committed before a
    /// checkpoint completes.
    fn sink_write(&mut self, scns: &[u64]) -> io::Result<()> {
        let bucket = bucket_name(self.now);
        if self.sink.in_progress.is_empty() || self.sink.bucket != bucket {
            self.sink.bucket = bucket.clone();
            let dir = self.sink.dir.join(&bucket);
            fs::create_dir_all(&dir)?;
            let n = self.sink.part + self.sink.in_progress.len() as u64;
            self.sink.in_progress.push(dir.join(format!(
                ".part-{}-{n}.json.inprogress.{n:08x}",
                self.sink.uid
            )));
        }
        let Some(path) = self.sink.in_progress.last().cloned() else {
            return Ok(());
        };
        let mut f = OpenOptions::new().create(true).append(true).open(&path)?;
        let ts = self.now.unix_millis();
        for scn in scns {
            writeln!(
                f,
                r#"{{"before":null,"after":{{"ID":{id},"STATUS":"NEW"}},"op":"c","ts_ms":{ts},"source":{{"connector":"oracle","schema":"SHOP","table":"ORDERS","scn":"{scn}","commit_scn":"{scn}"}}}}"#,
                id = scn % 100_000
            )?;
        }
        f.set_modified(self.now.to_system_time())?;
        Ok(())
    }

    /// Commits the in-progress files, as the FileSink does on a completed checkpoint.
    fn sink_commit(&mut self) -> io::Result<()> {
        for path in std::mem::take(&mut self.sink.in_progress) {
            let name = format!("part-{}-{}.json", self.sink.uid, self.sink.part);
            let target = path.with_file_name(name);
            fs::rename(&path, &target)?;
            File::options()
                .write(true)
                .open(&target)?
                .set_modified(self.now.to_system_time())?;
            self.sink.part += 1;
        }
        Ok(())
    }

    /// The fault that stops a connection: the session's state at the moment of the fault.
    pub fn set_connector(&mut self, c: Connector) {
        self.connector = c;
        let now = self.now;
        match c {
            Connector::Closed => self.session = None,
            Connector::Stuck | Connector::SlowCall => {
                if let Some(s) = self.session.as_mut() {
                    s.active = true;
                    s.last_call_at = now;
                    s.sql = Some(SqlKind::MiningQuery);
                }
            }
            Connector::Snapshotting => {
                if let Some(s) = self.session.as_mut() {
                    s.active = true;
                    s.last_call_at = now;
                    s.sql = Some(SqlKind::SnapshotSelect);
                    s.prev_sql = Some(SqlKind::SnapshotSelect);
                }
            }
            Connector::HalfOpen | Connector::Mining => {}
        }
    }

    /// The job fails terminally with `exception` (its source stops with it).
    pub fn fail_job(&mut self, name: &str, stacktrace: &str) {
        self.job.state = "FAILED".into();
        self.job.exceptions.insert(
            0,
            JobException {
                timestamp: self.now,
                name: name.into(),
                stacktrace: stacktrace.into(),
            },
        );
        self.session = None;
    }

    /// A second copy of the job is submitted now.
    pub fn submit_duplicate(&mut self) {
        let mut dup = self.job.clone();
        dup.id = "0f9e8d7c6b5a49382716051403f2e1d0".into();
        dup.start_time = self.now;
        dup.checkpoints_completed = 0;
        self.duplicate_job = Some(dup);
    }

    /// The first I/O error of the simulated sink.
    pub fn check_io(&self) -> Result<(), String> {
        match &self.io_error {
            Some(e) => Err(format!("the simulated FileSink failed: {e}")),
            None => Ok(()),
        }
    }

    // -----------------------------------------------------------------------------------------
    // What the collectors see
    // -----------------------------------------------------------------------------------------

    /// The database as the monitoring account would see it.
    pub fn oracle_snapshot(&self) -> Signal<OracleSnapshot> {
        if let Some(e) = &self.oracle_error {
            return Signal::missing(e.clone());
        }
        let db = DatabaseState {
            current_scn: self.scn,
            database_time: self.now,
            version: "19.0.0.0.0".into(),
            log_mode: if self.archivelog {
                "ARCHIVELOG"
            } else {
                "NOARCHIVELOG"
            }
            .into(),
            supplemental_logging_min: self.supplemental_min,
            supplemental_logging_all: false,
            open_mode: "READ WRITE".into(),
            role: "PRIMARY".into(),
            archive_dest_errors: self.archive_dest_error.iter().cloned().collect(),
            pga_limit_bytes: Some(2 << 30),
        };
        let limit: u64 = 100 << 30;
        let second = self.second_miner.then(|| SimSession {
            sid: 311,
            serial: 9_021,
            ..self.session.clone().unwrap_or(SimSession {
                sid: 0,
                serial: 0,
                logon: self.now,
                active: false,
                last_call_at: self.now,
                sql: None,
                prev_sql: Some(SqlKind::MiningQuery),
                stats: SqlStats {
                    cpu_time_us: 0,
                    buffer_gets: 0,
                    elapsed_time_us: 0,
                },
            })
        });
        let sessions = self
            .session
            .iter()
            .chain(second.iter())
            .map(|s| ConnectorSession {
                instance: 1,
                sid: s.sid,
                serial: s.serial,
                status: if s.active { "ACTIVE" } else { "INACTIVE" }.into(),
                last_call_et_s: self.now.since(s.last_call_at).as_secs(),
                event: if s.active {
                    "LogMiner reader: redo (idle)".into()
                } else {
                    "SQL*Net message from client".into()
                },
                sql: s.sql,
                prev_sql: s.prev_sql,
                sql_stats: Some(s.stats),
                pga_bytes: Some(180 << 20),
                logon_time: s.logon,
                machine: "flink-tm-1".into(),
                port: Some(40_112),
            })
            .collect();
        let oldest = self.oldest_redo();
        Signal::observed(OracleSnapshot {
            database: Signal::observed(db),
            recovery_area: Signal::observed(RecoveryArea {
                limit_bytes: limit,
                used_bytes: (limit as f64 * self.recovery_area_pct / 100.0) as u64,
            }),
            table_logging: Signal::observed(vec![TableLogging {
                table: TABLE.into(),
                all_columns: self.table_all_columns,
            }]),
            sessions: Signal::observed(sessions),
            flush_table_scn: Signal::observed(self.flush_scn),
            redo: Signal::observed(RedoAvailability {
                threads: vec![RedoThread {
                    thread: 1,
                    oldest_scn: oldest.1,
                    oldest_time: oldest.0,
                }],
                log_switches_last_hour: Some(4),
            }),
            table_activity: Signal::observed(TableActivity {
                db_block_changes: self.block_changes,
            }),
            open_transactions: Signal::observed(OpenTransactions {
                count: u32::from(self.open_tx.is_some()),
                oldest_start_scn: self.open_tx.map(|t| t.0),
                oldest_start_time: self.open_tx.map(|t| t.1),
            }),
        })
    }

    /// The oldest (time, SCN) of redo still kept: the log that contains the retention limit
    /// (the RMAN job deletes only logs wholly older than it).
    fn oldest_redo(&self) -> (Timestamp, u64) {
        let limit = self.now.minus(self.redo_retention);
        self.scn_history
            .iter()
            .rev()
            .find(|(t, _)| *t <= limit)
            .or(self.scn_history.front())
            .copied()
            .unwrap_or((self.now, self.scn))
    }

    /// Flink as two HA JobManagers would show it (both answer; the first leads).
    pub fn flink_snapshot(&self) -> Signal<FlinkSnapshot> {
        let mut jobs = vec![summary(&self.job)];
        jobs.extend(self.duplicate_job.iter().map(summary));
        let up = |jobs: Vec<JobSummary>| JobManagerStatus::Up {
            flink_version: "1.20.1".into(),
            jobs,
        };
        let jm = |url: &str, status: JobManagerStatus| JobManagerProbe {
            url: url.into(),
            status,
        };
        if self.failover_since.is_some() {
            return Signal::observed(FlinkSnapshot {
                jobmanagers: vec![
                    jm(
                        &self.jobmanager_urls[0],
                        JobManagerStatus::Unreachable {
                            error: "error sending request: connection refused".into(),
                        },
                    ),
                    jm(&self.jobmanager_urls[1], JobManagerStatus::LeaderElection),
                ],
                jobs: vec![],
                job: None,
                ambiguous_copies: None,
            });
        }
        let other_view = if self.split_brain {
            let mut other = self.job.clone();
            other.id = "5c4b3a29180716f5e4d3c2b1a0998877".into();
            other.start_time = self.job.start_time.plus(Duration::from_secs(95));
            vec![summary(&other)]
        } else {
            jobs.clone()
        };
        let j = &self.job;
        let running = j.state == "RUNNING";
        let detail = JobDetail {
            id: j.id.clone(),
            state: j.state.clone(),
            start_time: j.start_time,
            end_time: None,
            tasks_running: if running { 2 } else { 0 },
            tasks_total: 2,
            restarts: Signal::observed(j.restarts),
            checkpoints: Signal::observed(Checkpoints {
                completed: j.checkpoints_completed,
                failed: j.checkpoints_failed,
                in_progress: 0,
                last_completed: j.last_completed.clone(),
                last_failure: j.last_failure.clone(),
                interval: self.checkpoint_interval,
                retained_on_cancel: true,
            }),
            exceptions: Signal::observed(j.exceptions.clone()),
            source: Signal::observed(OperatorMetrics {
                records: j.source_records,
                backpressured_ms_per_s: Some(if self.backpressured { 1000.0 } else { 0.0 }),
                lag: None,
            }),
            sink: Signal::observed(OperatorMetrics {
                records: j.sink_records,
                backpressured_ms_per_s: None,
                lag: None,
            }),
            source_thread: if self.thread_dumps {
                // The client waits in a read both on a half-open socket and while the server
                // runs a long (or hung) LogMiner call: the dump alone cannot tell them apart.
                Signal::observed(match self.connector {
                    Connector::HalfOpen | Connector::Stuck | Connector::SlowCall => {
                        SourceThreadState::BlockedInSocketRead
                    }
                    _ => SourceThreadState::Running,
                })
            } else {
                Signal::not_collected("TaskManager thread dumps are not taken")
            },
        };
        Signal::observed(FlinkSnapshot {
            jobmanagers: vec![
                jm(&self.jobmanager_urls[0], up(jobs.clone())),
                jm(&self.jobmanager_urls[1], up(other_view)),
            ],
            jobs,
            job: Some(detail),
            ambiguous_copies: None,
        })
    }

    /// ZooKeeper naming the first JobManager as leader.
    pub fn zookeeper_snapshot(&self) -> Signal<ZooKeeperSnapshot> {
        Signal::observed(ZooKeeperSnapshot {
            servers: vec![ZooKeeperServer {
                address: "127.0.0.1:2181".into(),
                ok: true,
                mode: Some("standalone".into()),
            }],
            leader_rest_url: Some(self.jobmanager_urls[0].clone()),
        })
    }
}

fn summary(j: &SimJob) -> JobSummary {
    JobSummary {
        id: j.id.clone(),
        name: "oracle-cdc-orders".into(),
        state: j.state.clone(),
        start_time: j.start_time,
        end_time: None,
    }
}

/// The FileSink's default bucket for a time: `yyyy-MM-dd--HH` (UTC here).
fn bucket_name(t: Timestamp) -> String {
    let s = humantime::format_rfc3339_seconds(t.to_system_time()).to_string();
    // "2026-11-23T21:04:05Z" -> "2026-11-23--21"
    format!("{}--{}", &s[0..10], &s[11..13])
}
