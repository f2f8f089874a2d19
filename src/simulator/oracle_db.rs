//! A simulated Oracle database behind the real collector's driver seam (`pool::Driver`): it
//! answers each sql/ file with rows shaped as that file's columns, computed from a small model
//! (archived and online logs per thread, captured tables, the connector's sessions), and counts
//! what a probe costs the database: round trips, rows and bytes fetched, per file. It backs the
//! footprint benchmark and the cadence and sharing tests; Oracle itself cannot run here.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::collectors::oracle::pool::{DbConnection, DbFailure, Driver, Row};
use crate::collectors::oracle::queries;
use crate::observation::Timestamp;

/// Rows the driver fetches per round trip after the first (the collector's fetch array size).
pub const FETCH_ARRAY: usize = 100;
/// Rows that come back with the execute call itself (ODPI-C's default prefetch).
pub const PREFETCH: usize = 2;

/// One archived log (one copy on the local destination).
#[derive(Debug, Clone)]
pub struct ArchivedLog {
    /// `THREAD#`.
    pub thread: u32,
    /// `SEQUENCE#`.
    pub sequence: u64,
    /// `FIRST_CHANGE#`.
    pub first_change: u64,
    /// `NEXT_CHANGE#`.
    pub next_change: u64,
    /// `FIRST_TIME`.
    pub first_time: Timestamp,
    /// Still readable (named, not deleted, status A); false once RMAN deleted it.
    pub available: bool,
}

/// One online log group.
#[derive(Debug, Clone)]
pub struct OnlineLog {
    /// `THREAD#`.
    pub thread: u32,
    /// `SEQUENCE#`.
    pub sequence: u64,
    /// `FIRST_CHANGE#`.
    pub first_change: u64,
    /// `FIRST_TIME`.
    pub first_time: Timestamp,
    /// CURRENT, ACTIVE or INACTIVE.
    pub status: &'static str,
}

/// One of the connector's sessions, as sessions.sql reads it.
#[derive(Debug, Clone)]
pub struct SimSession {
    /// `INST_ID`, `SID`, `SERIAL#`.
    pub key: (u32, u32, u32),
    /// `STATUS`.
    pub status: String,
    /// `LAST_CALL_ET`.
    pub last_call_et: u64,
    /// `EVENT`.
    pub event: String,
    /// `MACHINE`.
    pub machine: String,
    /// `PORT` (0 when unknown).
    pub port: u32,
    /// `LOGON_TIME`.
    pub logon: Timestamp,
    /// `PGA_ALLOC_MEM`.
    pub pga: Option<u64>,
    /// The current SQL's text.
    pub sql: Option<String>,
    /// The previous SQL's text.
    pub prev_sql: Option<String>,
    /// (CPU µs, buffer gets, elapsed µs) of the current SQL, or of the previous when idle.
    pub stats: Option<(u64, u64, u64)>,
}

impl SimSession {
    /// A session running `sql` (ACTIVE), with neutral other fields.
    pub fn running(sid: u32, sql: &str, now: Timestamp) -> SimSession {
        SimSession {
            key: (1, sid, 31887),
            status: "ACTIVE".into(),
            last_call_et: 3,
            event: "LogMiner reader: buffer".into(),
            machine: "tm-1".into(),
            port: 40100,
            logon: now.minus(Duration::from_secs(86400)),
            pga: Some(50 << 20),
            sql: Some(sql.into()),
            prev_sql: None,
            stats: Some((1_000_000, 5000, 2_000_000)),
        }
    }
}

/// The database's state: what the queries answer from. Tests change it between probes.
#[derive(Debug, Clone)]
pub struct DbState {
    /// The server's version: major, text.
    pub version: (u32, String),
    /// `OPEN_MODE`.
    pub open_mode: String,
    /// `SUPPLEMENTAL_LOG_DATA_ALL` is YES.
    pub supplemental_all: bool,
    /// `pga_aggregate_limit`.
    pub pga_limit: Option<u64>,
    /// Log switches in the last hour.
    pub log_switches: Option<u32>,
    /// The database's clock.
    pub now: Timestamp,
    /// `CURRENT_SCN`.
    pub current_scn: u64,
    /// `LOG_MODE`.
    pub log_mode: String,
    /// `SUPPLEMENTAL_LOG_DATA_MIN` is YES.
    pub supplemental_min: bool,
    /// `RESETLOGS_CHANGE#`.
    pub resetlogs: u64,
    /// `DATABASE_ROLE`.
    pub role: String,
    /// Enabled redo threads.
    pub threads: u32,
    /// Archived logs, every thread.
    pub archived: Vec<ArchivedLog>,
    /// Online logs, every thread.
    pub online: Vec<OnlineLog>,
    /// Captured tables (`OWNER.TABLE`) that have an ALL COLUMN log group.
    pub logged_tables: Vec<(String, String)>,
    /// Archive destinations in error: (id, name, error).
    pub dest_errors: Vec<(u32, String, String)>,
    /// Recovery area (limit, used) in bytes.
    pub recovery_area: (u64, u64),
    /// The flush table's LAST_SCN.
    pub flush_scn: u64,
    /// The captured tables' block changes.
    pub block_changes: u64,
    /// Open transactions on the captured tables (count, oldest start SCN, its start time).
    pub open_transactions: (u32, Option<u64>, Option<Timestamp>),
    /// The connector's sessions.
    pub sessions: Vec<SimSession>,
    /// `undo_retention`, seconds (audit).
    pub undo_retention: u64,
    /// Size of every online log group in bytes (audit).
    pub redo_log_bytes: u64,
    /// Archived redo of the last 24 hours in bytes (audit).
    pub archive_bytes_last_day: u64,
    /// The connector user's profile `IDLE_TIME` limit: UNLIMITED, DEFAULT or minutes (audit).
    pub idle_time: String,
    /// `resource_limit` is TRUE (audit).
    pub resource_limit: bool,
    /// `V$DATABASE.CDB` is YES (audit).
    pub cdb: bool,
}

impl DbState {
    /// A busy database: `archived` archived logs spread over `threads` threads (one log per
    /// 10,000 SCNs and 30 s on each thread, the newest just before three online logs per
    /// thread), `tables` captured tables with supplemental logging, one mining session.
    pub fn busy(archived: usize, threads: u32, tables: usize) -> DbState {
        let threads = threads.max(1);
        let per_thread = archived as u64 / threads as u64;
        let now = Timestamp::from_unix_millis(1_800_000_000_000);
        let base_scn = 1_000_000u64;
        let step = 10_000u64;
        let mut a = Vec::new();
        let mut online = Vec::new();
        let total = per_thread + 3;
        let time_of = |seq: u64| now.minus(Duration::from_secs((total - seq + 1) * 30));
        for t in 1..=threads {
            let scn = |seq: u64| base_scn + seq * step + t as u64;
            for seq in 1..=per_thread {
                a.push(ArchivedLog {
                    thread: t,
                    sequence: seq,
                    first_change: scn(seq),
                    next_change: scn(seq + 1),
                    first_time: time_of(seq),
                    available: true,
                });
            }
            for (i, seq) in (per_thread + 1..=per_thread + 3).enumerate() {
                online.push(OnlineLog {
                    thread: t,
                    sequence: seq,
                    first_change: scn(seq),
                    first_time: time_of(seq),
                    status: if i == 2 { "CURRENT" } else { "INACTIVE" },
                });
            }
        }
        DbState {
            version: (19, "19.0.0.0.0".into()),
            open_mode: "READ WRITE".into(),
            supplemental_all: false,
            pga_limit: Some(4 << 30),
            log_switches: Some(120 * threads),
            now,
            current_scn: base_scn + (total + 1) * step,
            log_mode: "ARCHIVELOG".into(),
            supplemental_min: true,
            resetlogs: 1,
            role: "PRIMARY".into(),
            threads,
            archived: a,
            online,
            logged_tables: (1..=tables)
                .map(|i| ("SHOP".to_string(), format!("T{i}")))
                .collect(),
            dest_errors: vec![],
            recovery_area: (100 << 30, 30 << 30),
            flush_scn: base_scn + total * step,
            block_changes: 1000,
            open_transactions: (0, None, None),
            sessions: vec![SimSession::running(
                245,
                "SELECT SCN, SQL_REDO, OPERATION_CODE FROM V$LOGMNR_CONTENTS WHERE SCN > :1",
                now,
            )],
            undo_retention: 3600,
            redo_log_bytes: 1 << 30,
            archive_bytes_last_day: 20 << 30,
            idle_time: "UNLIMITED".into(),
            resource_limit: true,
            cdb: false,
        }
    }
}

/// What the database served: per file, (statements, round trips, rows, bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Served {
    /// Per sql/ file.
    pub by_file: BTreeMap<String, Cost>,
    /// Logins.
    pub logins: usize,
}

/// The cost of some statements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    /// Statements executed.
    pub statements: usize,
    /// Round trips: the execute (with the prefetched rows) and one per further fetch array.
    pub round_trips: usize,
    /// Rows fetched.
    pub rows: usize,
    /// Bytes of the values fetched, as text (the payload; the wire adds per-row framing).
    pub bytes: usize,
}

impl Cost {
    fn add(&mut self, o: Cost) {
        self.statements += o.statements;
        self.round_trips += o.round_trips;
        self.rows += o.rows;
        self.bytes += o.bytes;
    }
}

impl Served {
    /// The total over every file.
    pub fn total(&self) -> Cost {
        let mut c = Cost::default();
        for v in self.by_file.values() {
            c.add(*v);
        }
        c
    }

    /// How many statements ran `file`.
    pub fn runs(&self, file: &str) -> usize {
        self.by_file.get(file).map_or(0, |c| c.statements)
    }
}

/// The simulated database: a `Driver` whose connections answer from one shared `DbState`.
#[derive(Debug, Clone)]
pub struct SimOracleDb {
    state: Arc<Mutex<DbState>>,
    served: Arc<Mutex<Served>>,
    connects: Arc<AtomicUsize>,
}

impl SimOracleDb {
    /// A database in `state`.
    pub fn new(state: DbState) -> SimOracleDb {
        SimOracleDb {
            state: Arc::new(Mutex::new(state)),
            served: Arc::new(Mutex::new(Served::default())),
            connects: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The state, to change between probes.
    pub fn state(&self) -> MutexGuard<'_, DbState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What it served so far.
    pub fn served(&self) -> Served {
        let mut s = self
            .served
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        s.logins = self.connects.load(Ordering::SeqCst);
        s
    }

    /// Forgets what it served.
    pub fn reset_counts(&self) {
        *self.served.lock().unwrap_or_else(|e| e.into_inner()) = Served::default();
        self.connects.store(0, Ordering::SeqCst);
    }
}

/// One connection to the simulated database.
#[derive(Debug)]
pub struct SimConn(SimOracleDb);

impl Driver for SimOracleDb {
    type Conn = SimConn;
    fn connect(&self) -> Result<SimConn, DbFailure> {
        self.connects.fetch_add(1, Ordering::SeqCst);
        Ok(SimConn(self.clone()))
    }
    fn client_version(&self) -> Result<(u32, u32), DbFailure> {
        Ok((19, 3))
    }
}

/// The sql/ file a statement came from, by its header's first line (archived_logs.sql, the
/// per-log query older versions ran, is recognised too, to measure them).
pub fn file_of(sql: &str) -> String {
    let first = sql.lines().next().unwrap_or("");
    if let Some(q) = queries::ALL
        .iter()
        .find(|q| q.text.lines().next() == Some(first))
    {
        return q.file.to_string();
    }
    if first.starts_with("-- Question: the archived logs LogMiner can still read") {
        return "archived_logs.sql".into();
    }
    if first.starts_with("-- Question: LAST_SCN of the connector's flush table") {
        return queries::FLUSH_SCN.file.into();
    }
    "?".into()
}

fn row(cols: &[(&str, Option<String>)]) -> Row {
    cols.iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn utc(t: Timestamp) -> String {
    humantime::format_rfc3339_millis(t.to_system_time()).to_string()
}

fn age(now: Timestamp, t: Timestamp) -> String {
    now.since(t).as_secs().to_string()
}

fn s<T: ToString>(v: T) -> Option<String> {
    Some(v.to_string())
}

/// The captured tables a statement's binds name.
fn bound_tables(binds: &[(String, String)]) -> Vec<(String, String)> {
    let get = |n: &str| binds.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    (1..)
        .map_while(|i| Some((get(&format!("owner_{i}"))?, get(&format!("table_{i}"))?)))
        .collect()
}

impl DbState {
    fn answer(&self, file: &str, binds: &[(String, String)]) -> Result<Vec<Row>, DbFailure> {
        let now = utc(self.now);
        let rows = match file {
            "container.sql" => vec![row(&[("CON_ID", s(0)), ("CON_NAME", s("ORCL"))])],
            "database.sql" => vec![row(&[
                ("CURRENT_SCN", s(self.current_scn)),
                ("DB_NOW_UTC", s(&now)),
                ("LOG_MODE", s(&self.log_mode)),
                ("OPEN_MODE", s(&self.open_mode)),
                ("DATABASE_ROLE", s(&self.role)),
                (
                    "SUPPLEMENTAL_LOG_DATA_MIN",
                    s(if self.supplemental_min { "YES" } else { "NO" }),
                ),
                (
                    "SUPPLEMENTAL_LOG_DATA_ALL",
                    s(if self.supplemental_all { "YES" } else { "NO" }),
                ),
                ("RESETLOGS_CHANGE", s(self.resetlogs)),
            ])],
            "archive_dest_errors.sql" => self
                .dest_errors
                .iter()
                .map(|(id, name, e)| {
                    row(&[
                        ("DEST_ID", s(id)),
                        ("DEST_NAME", s(name)),
                        ("STATUS", s("ERROR")),
                        ("ERROR", s(e)),
                    ])
                })
                .collect(),
            "pga_limit.sql" => self
                .pga_limit
                .iter()
                .map(|v| row(&[("VALUE", s(v))]))
                .collect(),
            "recovery_area.sql" => vec![row(&[
                ("SPACE_LIMIT", s(self.recovery_area.0)),
                ("SPACE_USED", s(self.recovery_area.1)),
                ("SPACE_RECLAIMABLE", s(0)),
            ])],
            "redo_threads.sql" => (1..=self.threads)
                .map(|t| {
                    row(&[
                        ("THREAD#", s(t)),
                        ("STATUS", s("OPEN")),
                        ("ENABLED", s("PUBLIC")),
                    ])
                })
                .collect(),
            "online_logs.sql" => self
                .online
                .iter()
                .map(|l| {
                    row(&[
                        ("THREAD#", s(l.thread)),
                        ("SEQUENCE#", s(l.sequence)),
                        ("FIRST_CHANGE", s(l.first_change)),
                        (
                            "NEXT_CHANGE",
                            s(if l.status == "CURRENT" {
                                u64::MAX
                            } else {
                                l.first_change + 1
                            }),
                        ),
                        ("FIRST_AGE_S", s(age(self.now, l.first_time))),
                        ("DB_NOW_UTC", s(&now)),
                        ("STATUS", s(l.status)),
                        ("ARCHIVED", s("YES")),
                    ])
                })
                .collect(),
            "archived_logs.sql" => self
                .archived
                .iter()
                .filter(|l| l.available)
                .map(|l| {
                    row(&[
                        ("THREAD#", s(l.thread)),
                        ("SEQUENCE#", s(l.sequence)),
                        ("FIRST_CHANGE", s(l.first_change)),
                        ("NEXT_CHANGE", s(l.next_change)),
                        ("FIRST_AGE_S", s(age(self.now, l.first_time))),
                        ("DB_NOW_UTC", s(&now)),
                        (
                            "NAME",
                            s(format!("/u01/fra/arch/{}_{}.arc", l.thread, l.sequence)),
                        ),
                        ("DELETED", s("NO")),
                        ("STATUS", s("A")),
                        ("RESETLOGS_CHANGE", s(self.resetlogs)),
                    ])
                })
                .collect(),
            "archive_chain.sql" => {
                let max: usize = binds
                    .iter()
                    .find(|(k, _)| k == "max_islands")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(usize::MAX);
                self.archive_chain(max)
                    .into_iter()
                    .map(|r| {
                        row(&[
                            ("THREAD#", s(r.thread)),
                            ("LOW_SEQ", s(r.low)),
                            ("HIGH_SEQ", s(r.high)),
                            ("LOGS", s(r.high - r.low + 1)),
                            ("FIRST_CHANGE", s(r.first_change)),
                            ("FIRST_AGE_S", s(age(self.now, r.first_time))),
                            ("DB_NOW_UTC", s(&now)),
                        ])
                    })
                    .collect()
            }
            "log_switches.sql" => vec![row(&[(
                "SWITCHES",
                self.log_switches.map(|v| v.to_string()),
            )])],
            "table_logging.sql" | "table_logging_cdb.sql" => bound_tables(binds)
                .into_iter()
                .filter(|t| self.logged_tables.contains(t))
                .map(|(o, t)| {
                    row(&[
                        ("OWNER", s(o)),
                        ("TABLE_NAME", s(t)),
                        ("LOG_GROUP_TYPE", s("ALL COLUMN LOGGING")),
                    ])
                })
                .collect(),
            "sessions.sql" => self
                .sessions
                .iter()
                .map(|x| {
                    let stats = |on: bool, i: usize| {
                        x.stats
                            .filter(|_| on)
                            .map(|t| [t.0, t.1, t.2][i].to_string())
                    };
                    let cur = x.sql.is_some();
                    row(&[
                        ("INST_ID", s(x.key.0)),
                        ("SID", s(x.key.1)),
                        ("SERIAL#", s(x.key.2)),
                        ("STATUS", s(&x.status)),
                        ("LAST_CALL_ET", s(x.last_call_et)),
                        ("EVENT", s(&x.event)),
                        ("MACHINE", s(&x.machine)),
                        ("PORT", s(x.port)),
                        ("LOGON_AGE_S", s(age(self.now, x.logon))),
                        ("DB_NOW_UTC", s(&now)),
                        ("PGA_ALLOC_MEM", x.pga.map(|v| v.to_string())),
                        ("SQL_TEXT", x.sql.clone()),
                        ("SQL_CPU_TIME", stats(cur, 0)),
                        ("SQL_BUFFER_GETS", stats(cur, 1)),
                        ("SQL_ELAPSED_TIME", stats(cur, 2)),
                        ("PREV_SQL_TEXT", x.prev_sql.clone()),
                        ("PREV_CPU_TIME", stats(!cur, 0)),
                        ("PREV_BUFFER_GETS", stats(!cur, 1)),
                        ("PREV_ELAPSED_TIME", stats(!cur, 2)),
                    ])
                })
                .collect(),
            "flush_scn.sql" => vec![row(&[("LAST_SCN", s(self.flush_scn))])],
            "table_activity.sql" | "table_activity_cdb.sql" => {
                vec![row(&[("DB_BLOCK_CHANGES", s(self.block_changes))])]
            }
            "open_transactions.sql" | "open_transactions_cdb.sql" => vec![row(&[
                ("OPEN_COUNT", s(self.open_transactions.0)),
                (
                    "OLDEST_START_SCN",
                    self.open_transactions.1.map(|v| v.to_string()),
                ),
                (
                    "OLDEST_AGE_S",
                    self.open_transactions.2.map(|t| age(self.now, t)),
                ),
                ("DB_NOW_UTC", s(&now)),
            ])],
            "undo_retention.sql" => vec![row(&[("VALUE", s(self.undo_retention))])],
            "redo_log_size.sql" => vec![row(&[
                ("MIN_BYTES", s(self.redo_log_bytes)),
                ("MAX_BYTES", s(self.redo_log_bytes)),
                ("LOG_GROUPS", s(self.online.len())),
            ])],
            "archive_volume.sql" => vec![row(&[
                ("BYTES_LAST_DAY", s(self.archive_bytes_last_day)),
                ("LOGS_LAST_DAY", s(self.archived.len())),
            ])],
            "connector_profile.sql" => vec![row(&[
                ("PROFILE", s("CDC_PROFILE")),
                ("IDLE_TIME", s(&self.idle_time)),
                ("DEFAULT_IDLE_TIME", s("UNLIMITED")),
                (
                    "RESOURCE_LIMIT",
                    s(if self.resource_limit { "TRUE" } else { "FALSE" }),
                ),
            ])],
            "cdb.sql" => vec![row(&[("CDB", s(if self.cdb { "YES" } else { "NO" }))])],
            other => {
                return Err(DbFailure {
                    ora: Some(942),
                    dpi: None,
                    message: format!("ORA-00942: table or view does not exist ({other})"),
                })
            }
        };
        Ok(rows)
    }

    /// What archive_chain.sql computes: per thread, the runs of consecutive available
    /// sequences, the newest `max` of each, oldest first.
    fn archive_chain(&self, max: usize) -> Vec<Run> {
        let mut by_thread: BTreeMap<u32, BTreeMap<u64, &ArchivedLog>> = BTreeMap::new();
        for l in self.archived.iter().filter(|l| l.available) {
            by_thread
                .entry(l.thread)
                .or_default()
                .entry(l.sequence)
                .or_insert(l);
        }
        let mut out = Vec::new();
        for (thread, seqs) in by_thread {
            let mut runs: Vec<Run> = Vec::new();
            for (seq, l) in seqs {
                match runs.last_mut() {
                    Some(r) if r.high + 1 == seq => r.high = seq,
                    _ => runs.push(Run {
                        thread,
                        low: seq,
                        high: seq,
                        first_change: l.first_change,
                        first_time: l.first_time,
                    }),
                }
            }
            let skip = runs.len().saturating_sub(max);
            out.extend(runs.into_iter().skip(skip));
        }
        out
    }
}

struct Run {
    thread: u32,
    low: u64,
    high: u64,
    first_change: u64,
    first_time: Timestamp,
}

impl DbConnection for SimConn {
    fn query(
        &mut self,
        sql: &str,
        binds: &[(String, String)],
        _timeout: Duration,
    ) -> Result<Vec<Row>, DbFailure> {
        let file = file_of(sql);
        let rows = self.0.state().answer(&file, binds)?;
        let n = rows.len();
        let cost = Cost {
            statements: 1,
            round_trips: 1 + n.saturating_sub(PREFETCH).div_ceil(FETCH_ARRAY),
            rows: n,
            bytes: rows
                .iter()
                .flat_map(|r| r.values())
                .map(|v| v.as_ref().map_or(0, String::len))
                .sum(),
        };
        self.0
            .served
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_file
            .entry(file)
            .or_default()
            .add(cost);
        Ok(rows)
    }

    fn execute(
        &mut self,
        _sql: &str,
        _binds: &[(String, String)],
        _timeout: Duration,
    ) -> Result<(), DbFailure> {
        Ok(())
    }

    fn server_version(&mut self) -> Result<(u32, u32, String), DbFailure> {
        // A round trip (OCIServerRelease) the first time on a connection; counted every time.
        self.0
            .served
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_file
            .entry("(server version)".into())
            .or_default()
            .add(Cost {
                statements: 0,
                round_trips: 1,
                rows: 0,
                bytes: 0,
            });
        let v = self.0.state().version.clone();
        Ok((v.0, 0, v.1))
    }

    fn is_broken(&mut self) -> bool {
        false
    }
}
