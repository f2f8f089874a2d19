//! The Oracle collector's footprint on the simulated database (`simulator::oracle_db`, behind the
//! real collector's driver seam): statements and rows per ordinary probe, the slow facts'
//! cadence (not read again within their interval, read after it, read at once when asked or
//! when the database changed identity), sharing between pipelines on one database, the archive
//! chain's summary against the single logs, and verdicts unchanged by caching.

use std::path::Path;
use std::time::Duration;

use logminer_doctor::collectors::oracle::cache::Databases;
use logminer_doctor::collectors::oracle::queries::MAX_ISLANDS;
use logminer_doctor::collectors::oracle::redo::{self, LogFile, LogSource};
use logminer_doctor::collectors::oracle::{OracleCollector, Settings};
use logminer_doctor::collectors::OracleSource;
use logminer_doctor::config::{OracleConfig, Secret, SecretSource, TableName};
use logminer_doctor::diagnose::{diagnose, Bundle};
use logminer_doctor::observation::{
    ConnectorSession, Observation, OracleSnapshot, SqlKind, Timestamp,
};
use logminer_doctor::simulator::oracle_db::{
    ArchivedLog, DbState, OnlineLog, SimOracleDb, SimSession,
};

fn table(s: &str) -> TableName {
    let (o, t) = s.split_once('.').unwrap();
    TableName {
        owner: o.into(),
        table: t.into(),
    }
}

fn config(user: &str, connector: &str, tables: &[TableName], slow: Duration) -> OracleConfig {
    OracleConfig {
        connect_string: "db-host:1521/ORCLPDB1".into(),
        user: user.into(),
        password: Secret::new("pw".into(), SecretSource::Env("P".into())),
        connector_user: connector.into(),
        flush_table: table(&format!("{connector}.LOG_MINING_FLUSH")),
        captured_tables: tables.to_vec(),
        call_timeout: Duration::from_secs(5),
        slow_facts_interval: slow,
    }
}

fn settings() -> Settings {
    Settings {
        budget: Duration::from_secs(10),
        backoff: Duration::from_secs(600),
        max_stuck: 2,
        uncovered_recheck: Duration::from_secs(60),
        clock_share: Duration::from_secs(1),
    }
}

fn shop_tables(n: usize) -> Vec<TableName> {
    (1..=n).map(|i| table(&format!("SHOP.T{i}"))).collect()
}

#[tokio::test]
async fn an_ordinary_probe_costs_at_most_six_round_trips_and_200_rows() {
    // The database: 20,000 archived logs on 4 threads, 50 captured tables.
    let db = SimOracleDb::new(DbState::busy(20_000, 4, 50));
    let cfg = config("CDCMON", "CDC", &shop_tables(50), Duration::from_secs(300));
    let c = OracleCollector::with_driver(cfg, db.clone(), settings());
    let first = c.observe().await;
    let s = first.value().unwrap();
    let redo = s.redo.value().unwrap_or_else(|| panic!("{:?}", s.redo));
    assert_eq!(redo.threads.len(), 4);
    assert!(s
        .table_logging
        .value()
        .unwrap()
        .iter()
        .all(|t| t.all_columns));
    let cold = db.served();
    // The chain arrives summarised: a few rows per thread, not one per log.
    let chain = &cold.by_file["archive_chain.sql"];
    assert!(chain.rows <= 4 * MAX_ISLANDS as usize, "{chain:?}");
    assert_eq!(cold.runs("archived_logs.sql"), 0);
    for _ in 0..3 {
        db.reset_counts();
        let s = c.observe().await;
        assert!(s.value().unwrap().redo.value().is_some());
        let t = db.served().total();
        assert!(t.round_trips <= 6 && t.rows <= 200, "{:?}", db.served());
    }
}

#[tokio::test]
async fn slow_facts_are_read_on_their_cadence_and_at_once_when_asked() {
    let db = SimOracleDb::new(DbState::busy(300, 2, 3));
    let interval = Duration::from_millis(400);
    let c = OracleCollector::with_driver(
        config("CDCMON", "CDC", &shop_tables(3), interval),
        db.clone(),
        settings(),
    );
    let runs = |f: &str| db.served().runs(f);
    c.observe().await;
    assert_eq!(
        (runs("archive_chain.sql"), runs("table_logging.sql")),
        (1, 1)
    );
    // Within the interval: the fast queries only.
    for _ in 0..3 {
        c.observe().await;
    }
    assert_eq!(runs("database.sql"), 4);
    assert_eq!(runs("sessions.sql"), 4);
    for slow in [
        "archive_chain.sql",
        "online_logs.sql",
        "redo_threads.sql",
        "archive_dest_errors.sql",
        "recovery_area.sql",
        "table_logging.sql",
        "container.sql",
    ] {
        assert_eq!(runs(slow), 1, "{slow}");
    }
    // After it: read again, once.
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    c.observe().await;
    c.observe().await;
    assert_eq!(
        (runs("archive_chain.sql"), runs("table_logging.sql")),
        (2, 2)
    );
    // Asked for fresh facts (the gate): read at once, within the interval.
    let fresh = c.observe_fresh().await;
    assert!(fresh.value().unwrap().redo.value().is_some());
    assert_eq!(
        (runs("archive_chain.sql"), runs("table_logging.sql")),
        (3, 3)
    );
    // The database changed identity (a resetlogs): the cached chain is another incarnation's.
    db.state().resetlogs = 7;
    c.observe().await;
    assert_eq!(
        (runs("archive_chain.sql"), runs("table_logging.sql")),
        (4, 4)
    );
    c.observe().await;
    assert_eq!(runs("archive_chain.sql"), 4);
    assert_eq!(c.slow_fetches(), 4);
}

#[tokio::test]
async fn a_slow_fact_that_failed_is_read_again_at_the_next_probe() {
    // A deadline or a dead connection must not leave a hole for five minutes.
    let db = SimOracleDb::new(DbState::busy(300, 2, 3));
    let c = OracleCollector::with_driver(
        config("CDCMON", "CDC", &shop_tables(3), Duration::from_secs(300)),
        db.clone(),
        settings(),
    );
    db.state().threads = 3; // thread 3 is enabled but has no online log: the redo part fails
    let s = c.observe().await;
    assert!(s.value().unwrap().redo.failed());
    db.state().threads = 2;
    let s = c.observe().await;
    assert!(s.value().unwrap().redo.value().is_some());
    assert_eq!(db.served().runs("archive_chain.sql"), 2);
}

#[tokio::test]
async fn pipelines_on_one_database_share_its_slow_facts() {
    let db = SimOracleDb::new(DbState::busy(300, 2, 3));
    let dbs = Databases::new();
    let slow = Duration::from_secs(300);
    let a = OracleCollector::with_driver_in(
        config("CDCMON", "CDC_A", &shop_tables(3), slow),
        db.clone(),
        settings(),
        &dbs,
    );
    let b = OracleCollector::with_driver_in(
        config("cdcmon", "CDC_B", &shop_tables(2), slow),
        db.clone(),
        settings(),
        &dbs,
    );
    let (sa, sb) = tokio::join!(a.observe(), b.observe());
    let runs = |f: &str| db.served().runs(f);
    // One database-level set for both; each pipeline's own queries twice.
    for f in [
        "archive_chain.sql",
        "online_logs.sql",
        "redo_threads.sql",
        "log_switches.sql",
        "archive_dest_errors.sql",
        "pga_limit.sql",
        "recovery_area.sql",
        "container.sql",
        "database.sql",
    ] {
        assert_eq!(runs(f), 1, "{f}");
    }
    for f in [
        "sessions.sql",
        "flush_scn.sql",
        "table_logging.sql",
        "table_activity.sql",
        "open_transactions.sql",
    ] {
        assert_eq!(runs(f), 2, "{f}");
    }
    assert_eq!(dbs.len(), 1);
    assert_eq!(
        sa.value().unwrap().redo,
        sb.value().unwrap().redo,
        "the same chain"
    );
    assert_eq!(sb.value().unwrap().table_logging.value().unwrap().len(), 2);
    // The SCN clock: a pipeline never uses the same reading twice; the other one on the
    // database takes a reading made within `clock_share`; the gate's fresh probe reads its own;
    // an older reading is read again.
    let scn = |s: &logminer_doctor::observation::Signal<
        logminer_doctor::observation::OracleSnapshot,
    >| s.value().unwrap().database.value().unwrap().current_scn;
    db.state().current_scn += 10;
    let a2 = a.observe().await;
    assert_eq!(runs("database.sql"), 2, "a reads a new clock");
    assert_eq!(scn(&a2), scn(&sa) + 10);
    let b2 = b.observe().await;
    assert_eq!(runs("database.sql"), 2, "b takes a's new reading");
    assert_eq!(scn(&b2), scn(&a2));
    b.observe_fresh().await;
    assert_eq!(runs("database.sql"), 3, "a fresh probe reads its own");
    tokio::time::sleep(settings().clock_share + Duration::from_millis(100)).await;
    a.observe().await;
    assert_eq!(
        runs("database.sql"),
        4,
        "older than clock_share: read again"
    );
    // Another monitoring user is another set of privileges: not shared.
    let other = OracleCollector::with_driver_in(
        config("OTHERMON", "CDC_A", &shop_tables(3), slow),
        db.clone(),
        settings(),
        &dbs,
    );
    let chains = runs("archive_chain.sql");
    other.observe().await;
    assert_eq!(runs("archive_chain.sql"), chains + 1);
    assert_eq!(dbs.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// The archive chain's summary
// ---------------------------------------------------------------------------------------------

/// A small deterministic generator (no dependency, the same cases every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn the_archive_chain_summary_gives_the_chain_the_single_logs_give() {
    let mut rng = Lcg(42);
    let mut checked = 0;
    for case in 0..500 {
        let threads: Vec<u32> = (1..=1 + rng.next(4) as u32).collect();
        let mut logs = Vec::new();
        let mut online = Vec::new();
        for &t in &threads {
            let n = 1 + rng.next(60);
            for seq in 1..=n {
                // Copies on 1 or 2 destinations, some deleted, some gaps.
                for _ in 0..1 + rng.next(2) {
                    let ok = rng.next(12) != 0;
                    logs.push(LogFile {
                        thread: t,
                        sequence: seq,
                        first_change: seq * 100 + t as u64,
                        next_change: (seq + 1) * 100 + t as u64,
                        first_time: Timestamp::from_unix_millis(seq as i64 * 1000),
                        source: LogSource::Archived {
                            named: true,
                            deleted: !ok,
                            status: if ok { "A".into() } else { "D".into() },
                            resetlogs_change: Some(if rng.next(30) == 0 { 0 } else { 1 }),
                        },
                    });
                }
            }
            // Online logs: the last 1 to 3 sequences (sometimes overlapping archived copies).
            let k = 1 + rng.next(3);
            let top = n + rng.next(3);
            for seq in top.saturating_sub(k - 1).max(1)..=top {
                online.push(LogFile {
                    thread: t,
                    sequence: seq,
                    first_change: seq * 100 + t as u64,
                    next_change: u64::MAX,
                    first_time: Timestamp::from_unix_millis(seq as i64 * 1000),
                    source: LogSource::Online {
                        current: seq == top,
                        unused: false,
                    },
                });
            }
        }
        let all: Vec<LogFile> = logs.iter().chain(&online).cloned().collect();
        let want = redo::available(&threads, &all, Some(1)).unwrap();
        for max in [usize::MAX, MAX_ISLANDS as usize] {
            let runs = redo::islands(&logs, Some(1), max);
            let got = redo::available_from_runs(&threads, &online, &runs).unwrap();
            assert_eq!(got, want, "case {case}, max {max}: {runs:?}");
        }
        checked += 1;
    }
    assert_eq!(checked, 500);
}

#[test]
fn gaps_are_the_sequences_between_runs_of_each_thread() {
    let t = Timestamp::from_unix_millis(0);
    let log = |thread, sequence: u64| LogFile {
        thread,
        sequence,
        first_change: sequence * 10,
        next_change: sequence * 10 + 10,
        first_time: t,
        source: LogSource::Archived {
            named: true,
            deleted: false,
            status: "A".into(),
            resetlogs_change: Some(1),
        },
    };
    let logs: Vec<LogFile> = [1, 2, 3, 6, 7, 9]
        .iter()
        .map(|&s| log(1, s))
        .chain([20, 21, 25].iter().map(|&s| log(2, s)))
        .collect();
    let runs = redo::islands(&logs, Some(1), usize::MAX);
    assert_eq!(
        redo::gaps(&runs),
        vec![(1, 4, 5), (1, 8, 8), (2, 22, 24)],
        "{runs:?}"
    );
    // The newest two runs per thread only: the older gap is left out, the chain is not.
    let newest = redo::islands(&logs, Some(1), 2);
    assert_eq!(redo::gaps(&newest), vec![(1, 8, 8), (2, 22, 24)]);
}

#[tokio::test]
async fn the_simulated_chain_with_gaps_on_several_threads_maps_through_the_collector() {
    let mut st = DbState::busy(400, 2, 1);
    // Thread 1 loses sequence 150 (RMAN deleted it out of order): the chain starts at 151.
    // Thread 2 loses 1..=9 (purged): its chain starts at 10.
    for l in st.archived.iter_mut() {
        if (l.thread == 1 && l.sequence == 150) || (l.thread == 2 && l.sequence < 10) {
            l.available = false;
        }
    }
    let first = |st: &DbState, t: u32, seq: u64| {
        st.archived
            .iter()
            .find(|l| l.thread == t && l.sequence == seq)
            .map(|l| l.first_change)
            .unwrap()
    };
    let (want1, want2) = (first(&st, 1, 151), first(&st, 2, 10));
    let db = SimOracleDb::new(st);
    let c = OracleCollector::with_driver(
        config("CDCMON", "CDC", &shop_tables(1), Duration::from_secs(300)),
        db.clone(),
        settings(),
    );
    let s = c.observe().await;
    let redo = s.value().unwrap().redo.value().cloned().unwrap();
    let oldest: Vec<(u32, u64)> = redo
        .threads
        .iter()
        .map(|t| (t.thread, t.oldest_scn))
        .collect();
    assert_eq!(oldest, vec![(1, want1), (2, want2)]);
    // Two runs for thread 1, one for thread 2: three rows for 400 logs.
    assert_eq!(db.served().by_file["archive_chain.sql"].rows, 3);
}

// ---------------------------------------------------------------------------------------------
// Verdicts with fresh and with cached slow facts
// ---------------------------------------------------------------------------------------------

/// The SQL text that sessions.sql would show for a kind (the collector classifies it back).
fn text_of(kind: SqlKind, captured: &TableName) -> String {
    match kind {
        SqlKind::MiningQuery => {
            "SELECT SCN, SQL_REDO, OPERATION_CODE FROM V$LOGMNR_CONTENTS".into()
        }
        SqlKind::StartLogminer => {
            "BEGIN sys.dbms_logmnr.start_logmnr(startScn => '1'); END;".into()
        }
        SqlKind::FlushUpdate => "UPDATE LOG_MINING_FLUSH SET LAST_SCN = 1".into(),
        SqlKind::SnapshotSelect => format!("SELECT * FROM {captured} AS OF SCN 1"),
        SqlKind::Other => "SELECT CURRENT_SCN FROM V$DATABASE".into(),
    }
}

fn session(s: &ConnectorSession, captured: &TableName) -> SimSession {
    SimSession {
        key: (s.instance, s.sid, s.serial),
        status: s.status.clone(),
        last_call_et: s.last_call_et_s,
        event: s.event.clone(),
        machine: s.machine.clone(),
        port: s.port.unwrap_or(0),
        logon: s.logon_time,
        pga: s.pga_bytes,
        sql: s.sql.map(|k| text_of(k, captured)),
        prev_sql: s.prev_sql.map(|k| text_of(k, captured)),
        stats: s
            .sql_stats
            .map(|x| (x.cpu_time_us, x.buffer_gets, x.elapsed_time_us)),
    }
}

/// A simulated database whose queries answer `snap` (every part observed), so that the real
/// collector reads it back.
fn state_of(snap: &OracleSnapshot, tables: &[TableName]) -> Option<DbState> {
    let db = snap.database.value()?;
    let redo = snap.redo.value()?;
    let fra = snap.recovery_area.value()?;
    let logging = snap.table_logging.value()?;
    let open = snap.open_transactions.value()?;
    let mut st = DbState::busy(0, 1, 0);
    st.now = db.database_time;
    st.current_scn = db.current_scn;
    st.version = (
        db.version.split('.').next()?.parse().ok()?,
        db.version.clone(),
    );
    st.log_mode = db.log_mode.clone();
    st.supplemental_min = db.supplemental_logging_min;
    st.supplemental_all = db.supplemental_logging_all;
    st.open_mode = db.open_mode.clone();
    st.role = db.role.clone();
    st.pga_limit = db.pga_limit_bytes;
    st.dest_errors = db
        .archive_dest_errors
        .iter()
        .map(|e| {
            // "destination N (NAME): ERROR", as rows::database writes it.
            let rest = e.strip_prefix("destination ")?;
            let (id, rest) = rest.split_once(" (")?;
            let (name, err) = rest.split_once("): ")?;
            Some((id.parse().ok()?, name.to_string(), err.to_string()))
        })
        .collect::<Option<Vec<_>>>()?;
    st.recovery_area = (fra.limit_bytes, fra.used_bytes);
    st.logged_tables = logging
        .iter()
        .filter(|t| t.all_columns)
        .map(|t| {
            let n = table(&t.table);
            (n.owner, n.table)
        })
        .collect();
    st.flush_scn = *snap.flush_table_scn.value()?;
    st.block_changes = snap.table_activity.value()?.db_block_changes;
    st.open_transactions = (open.count, open.oldest_start_scn, open.oldest_start_time);
    st.sessions = snap
        .sessions
        .value()?
        .iter()
        .map(|s| session(s, &tables[0]))
        .collect();
    st.log_switches = redo.log_switches_last_hour;
    // Each thread: an older run, a gap, then the chain from its oldest SCN to the current log.
    st.threads = redo.threads.iter().map(|t| t.thread).max()?;
    st.archived.clear();
    st.online.clear();
    for t in &redo.threads {
        let older = t.oldest_scn.saturating_sub(10);
        st.archived.push(ArchivedLog {
            thread: t.thread,
            sequence: 1,
            first_change: older,
            next_change: older + 1,
            first_time: t.oldest_time,
            available: true,
        });
        st.archived.push(ArchivedLog {
            thread: t.thread,
            sequence: 3,
            first_change: t.oldest_scn,
            next_change: t.oldest_scn + 1,
            first_time: t.oldest_time,
            available: true,
        });
        st.online.push(OnlineLog {
            thread: t.thread,
            sequence: 4,
            first_change: t.oldest_scn + 1,
            first_time: t.oldest_time,
            status: "CURRENT",
        });
    }
    // Threads without redo in the snapshot are not enabled.
    if redo.threads.len() != st.threads as usize {
        return None;
    }
    Some(st)
}

/// Each bundle's observations with their Oracle part read back through the real collector from
/// a simulated database that answers it; `fresh`: every probe reads the slow facts
/// (`observe_fresh`), else only the first (the cache holds them for the whole window, the worst
/// case of staleness a window can see).
async fn through_the_collector(obs: &[Observation], fresh: bool) -> Option<Vec<Observation>> {
    let first = obs.first()?.oracle.value()?;
    let tables: Vec<TableName> = first
        .table_logging
        .value()?
        .iter()
        .map(|t| table(&t.table))
        .collect();
    if tables.is_empty() {
        return None;
    }
    let states: Vec<DbState> = obs
        .iter()
        .map(|o| state_of(o.oracle.value()?, &tables))
        .collect::<Option<_>>()?;
    let db = SimOracleDb::new(states[0].clone());
    let cfg = config("CDCMON", "DEBEZIUM", &tables, Duration::from_secs(3600));
    let c = OracleCollector::with_driver(cfg, db.clone(), settings());
    let mut out = Vec::new();
    for (o, st) in obs.iter().zip(states) {
        *db.state() = st;
        let oracle = if fresh {
            c.observe_fresh().await
        } else {
            c.observe().await
        };
        out.push(Observation {
            oracle,
            ..o.clone()
        });
    }
    Some(out)
}

#[tokio::test]
async fn caching_slow_facts_changes_no_verdict() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/observations");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let mut compared = 0;
    let mut causes = std::collections::BTreeSet::new();
    let mut same_as_recorded = 0;
    for path in names {
        let bundle: Bundle =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for p in &bundle.pipelines {
            let opts = p.options();
            let Some(fresh) = through_the_collector(&p.observations, true).await else {
                continue;
            };
            let cached = through_the_collector(&p.observations, false).await.unwrap();
            let recorded = diagnose(&p.observations, &p.thresholds, &opts);
            let f = diagnose(&fresh, &p.thresholds, &opts);
            let c = diagnose(&cached, &p.thresholds, &opts);
            assert_eq!(
                (c.cause, c.severity),
                (f.cause, f.severity),
                "{}: cached {} / fresh {}",
                path.display(),
                c.summary,
                f.summary
            );
            if (f.cause, f.severity) == (recorded.cause, recorded.severity) {
                same_as_recorded += 1;
            }
            causes.insert(format!("{:?}", f.cause));
            compared += 1;
        }
    }
    // The comparison bites: many windows, many different verdicts, and the collector reads the
    // simulated database back to the recorded verdict in each (50 windows and 11 causes when
    // this was written).
    assert!(compared >= 40, "{compared}");
    assert!(causes.len() >= 8, "{causes:?}");
    assert_eq!(same_as_recorded, compared);
}

struct NoOutput;
impl logminer_doctor::collectors::OutputSource for NoOutput {
    async fn observe(
        &self,
    ) -> logminer_doctor::observation::Signal<logminer_doctor::observation::OutputSnapshot> {
        logminer_doctor::observation::Signal::not_collected("not in this test")
    }
}

#[tokio::test]
async fn the_probes_fresh_observation_reaches_the_oracle_collector_past_its_cache() {
    use logminer_doctor::collectors::unavailable::Unavailable;
    use logminer_doctor::collectors::{CollectorProbe, Collectors, Probe};
    let dir = tempfile::tempdir().unwrap();
    let cfg = crate::gate::config(dir.path(), "");
    let p = &cfg.pipelines[0];
    let db = SimOracleDb::new(DbState::busy(300, 2, 3));
    let oracle = OracleCollector::with_driver(
        config("CDCMON", "CDC", &shop_tables(3), Duration::from_secs(300)),
        db.clone(),
        settings(),
    );
    let mut probe = CollectorProbe::new(logminer_doctor::clock::SystemClock);
    probe.insert(
        &p.name,
        Collectors {
            oracle,
            flink: Unavailable::new("not in this test"),
            zookeeper: Unavailable::new("not in this test"),
            output: NoOutput,
        },
        Duration::from_secs(10),
    );
    probe.probe(p).await;
    probe.probe(p).await;
    assert_eq!(db.served().runs("archive_chain.sql"), 1);
    let fresh = probe.probe_fresh(p).await;
    assert!(fresh.observation.oracle.value().is_some());
    assert_eq!(db.served().runs("archive_chain.sql"), 2);
    assert_eq!(db.served().runs("database.sql"), 3);
}

#[tokio::test]
async fn a_cached_chain_that_no_longer_covers_the_heartbeat_is_read_again_at_once() {
    // A missing-redo verdict must not rest on a chain read minutes ago: when the cached chain
    // starts after the heartbeat's SCN, it is read again (at most every uncovered_recheck).
    let db = SimOracleDb::new(DbState::busy(300, 2, 1));
    let recheck = Duration::from_millis(200);
    let c = OracleCollector::with_driver(
        config("CDCMON", "CDC", &shop_tables(1), Duration::from_secs(300)),
        db.clone(),
        Settings {
            uncovered_recheck: recheck,
            ..settings()
        },
    );
    let runs = || db.served().runs("archive_chain.sql");
    c.observe().await;
    // Covered: the cadence holds.
    tokio::time::sleep(recheck + Duration::from_millis(50)).await;
    c.observe().await;
    assert_eq!(runs(), 1);
    // The heartbeat falls behind the chain's start (the connector is behind a purge).
    db.state().flush_scn = 5;
    c.observe().await;
    assert_eq!(runs(), 2, "read again at once");
    c.observe().await;
    assert_eq!(runs(), 2, "not again within uncovered_recheck");
    tokio::time::sleep(recheck + Duration::from_millis(50)).await;
    c.observe().await;
    assert_eq!(runs(), 3);
    // The other slow facts keep their cadence.
    assert_eq!(db.served().runs("archive_dest_errors.sql"), 1);
}
