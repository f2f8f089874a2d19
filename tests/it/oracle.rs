//! The Oracle collector without a database: a test driver answers from the fixtures of
//! tests/fixtures/oracle/ (or with recorded errors, or hangs) through the same pool, deadline
//! and mapping code as the real driver; the redo rule; SQL classification; sqlglot parsing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use logminer_doctor::collectors::oracle::pool::{DbConnection, DbFailure, Driver, Row};
use logminer_doctor::collectors::oracle::redo::{self, LogFile, LogSource};
use logminer_doctor::collectors::oracle::rows::classify_sql;
use logminer_doctor::collectors::oracle::{
    classify, queries, ErrorKind, OracleCollector, Settings,
};
use logminer_doctor::collectors::OracleSource;
use logminer_doctor::config::{OracleConfig, Secret, SecretSource, TableName};
use logminer_doctor::observation::{Signal, SqlKind, Timestamp};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oracle")
}

fn table(s: &str) -> TableName {
    let (o, t) = s.split_once('.').unwrap();
    TableName {
        owner: o.into(),
        table: t.into(),
    }
}

fn config() -> OracleConfig {
    OracleConfig {
        connect_string: "db-host:1521/ORCLPDB1".into(),
        user: "CDCMON".into(),
        password: Secret::new("s3cr3t-pw".into(), SecretSource::Env("LMD_PW".into())),
        connector_user: "DEBEZIUM".into(),
        flush_table: table("DEBEZIUM.LOG_MINING_FLUSH"),
        captured_tables: vec![table("INVENTORY.CUSTOMERS")],
        call_timeout: Duration::from_secs(2),
        slow_facts_interval: Duration::from_secs(300),
    }
}

/// What the test connection does for a query.
#[derive(Clone)]
enum Answer {
    Rows(Vec<Row>),
    Fail(DbFailure),
    Hang(Duration),
    /// Hangs past the call timeout too (OCI's cleanup after a timeout can hang as well).
    Stuck(Duration),
}

#[derive(Clone, Default)]
struct Fake {
    version: (u32, u32, String),
    answers: BTreeMap<String, Answer>,
    login: Option<DbFailure>,
    client: (u32, u32),
    logins: Arc<AtomicUsize>,
    /// What `execute` answers (the kill procedure), and every call it got.
    execute_fails: Option<DbFailure>,
    executed: Executed,
}

fn fail(ora: Option<i32>, dpi: Option<i32>, text: &str) -> DbFailure {
    DbFailure {
        ora,
        dpi,
        message: text.into(),
    }
}

impl Fake {
    fn from_dir(dir: &Path) -> Fake {
        let mut f = Fake {
            client: (19, 3),
            ..Fake::default()
        };
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                let v: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
                let rows: Vec<Row> = serde_json::from_value(v["rows"].clone()).unwrap();
                let version = v["version"].as_str().unwrap().to_string();
                let major = version.split('.').next().unwrap().parse().unwrap();
                f.version = (major, 0, version);
                f.answers
                    .insert(v["file"].as_str().unwrap().to_string(), Answer::Rows(rows));
            }
        }
        f
    }
}

struct FakeConn(Fake);

/// Every `execute` call: the SQL and its binds.
type Executed = Arc<std::sync::Mutex<Vec<(String, Vec<(String, String)>)>>>;

/// The file a query came from: its header's first line is unique.
fn file_of(sql: &str) -> &'static str {
    queries::ALL
        .iter()
        .find(|q| sql.lines().next() == q.text.lines().next())
        .map(|q| q.file)
        .unwrap_or("?")
}

impl DbConnection for FakeConn {
    fn query(
        &mut self,
        sql: &str,
        _b: &[(String, String)],
        timeout: Duration,
    ) -> Result<Vec<Row>, DbFailure> {
        match self.0.answers.get(file_of(sql)) {
            Some(Answer::Rows(r)) => Ok(r.clone()),
            Some(Answer::Fail(f)) => Err(f.clone()),
            Some(Answer::Hang(d)) => {
                // A database that hangs; the call timeout stops it, as OCI would (DPI-1067).
                std::thread::sleep((*d).min(timeout));
                Err(fail(None, Some(1067), "DPI-1067: call timeout exceeded"))
            }
            Some(Answer::Stuck(d)) => {
                std::thread::sleep(*d);
                Err(fail(Some(3114), None, "ORA-03114: not connected to ORACLE"))
            }
            None => Err(fail(
                Some(942),
                None,
                "ORA-00942: table or view does not exist",
            )),
        }
    }
    fn execute(
        &mut self,
        sql: &str,
        binds: &[(String, String)],
        _timeout: Duration,
    ) -> Result<(), DbFailure> {
        self.0
            .executed
            .lock()
            .unwrap()
            .push((sql.to_string(), binds.to_vec()));
        match &self.0.execute_fails {
            Some(f) => Err(f.clone()),
            None => Ok(()),
        }
    }
    fn server_version(&mut self) -> Result<(u32, u32, String), DbFailure> {
        Ok(self.0.version.clone())
    }
    fn is_broken(&mut self) -> bool {
        false
    }
}

impl Driver for Fake {
    type Conn = FakeConn;
    fn connect(&self) -> Result<FakeConn, DbFailure> {
        self.logins.fetch_add(1, Ordering::SeqCst);
        match &self.login {
            Some(f) => Err(f.clone()),
            None => Ok(FakeConn(self.clone())),
        }
    }
    fn client_version(&self) -> Result<(u32, u32), DbFailure> {
        Ok(self.client)
    }
}

fn settings() -> Settings {
    Settings {
        budget: Duration::from_secs(3),
        backoff: Duration::from_secs(600),
        max_stuck: 2,
        uncovered_recheck: Duration::from_secs(60),
        clock_share: Duration::from_secs(1),
    }
}

#[tokio::test]
async fn the_fixtures_of_11g_19c_and_23ai_map_to_a_full_snapshot() {
    for ver in ["11g", "19c", "23ai"] {
        let c = OracleCollector::with_driver(
            config(),
            Fake::from_dir(&fixtures().join(ver)),
            settings(),
        );
        let snap = c.observe().await;
        let s = snap.value().unwrap_or_else(|| panic!("{ver}: {snap:?}"));
        let db = s
            .database
            .value()
            .unwrap_or_else(|| panic!("{ver}: {:?}", s.database));
        assert_eq!(db.log_mode, "ARCHIVELOG");
        assert!(db.supplemental_logging_min);
        let sessions = s.sessions.value().unwrap();
        assert_eq!(sessions[0].sql, Some(SqlKind::MiningQuery), "{ver}");
        assert_eq!(sessions[0].prev_sql, Some(SqlKind::StartLogminer), "{ver}");
        assert_eq!(sessions[1].prev_sql, Some(SqlKind::SnapshotSelect), "{ver}");
        assert_eq!(sessions[1].port, None, "{ver}: port 0 is unknown");
        assert!(
            s.flush_table_scn.value().is_some(),
            "{ver}: {:?}",
            s.flush_table_scn
        );
        let redo = s
            .redo
            .value()
            .unwrap_or_else(|| panic!("{ver}: {:?}", s.redo));
        assert_eq!(redo.threads.len(), if ver == "19c" { 2 } else { 1 });
        assert!(s.table_logging.value().unwrap()[0].all_columns, "{ver}");
        assert_eq!(s.table_activity.value().unwrap().db_block_changes, 48213);
        assert_eq!(s.open_transactions.value().unwrap().count, 1);
        assert!(s.recovery_area.value().unwrap().used_pct() > 69.0);
        if ver == "19c" {
            assert_eq!(db.archive_dest_errors.len(), 1);
            assert_eq!(db.pga_limit_bytes, Some(4294967296));
            // 3 * 2^32 + 123: above 2^32, exact.
            assert_eq!(db.current_scn, 12884901888123);
        }
    }
}

#[tokio::test]
async fn every_fixture_directory_maps() {
    // Captured directories (README) are accepted as they are.
    for e in std::fs::read_dir(fixtures()).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            let c = OracleCollector::with_driver(config(), Fake::from_dir(&p), settings());
            let s = c.observe().await;
            let s = s
                .value()
                .unwrap_or_else(|| panic!("{}: {s:?}", p.display()));
            assert!(
                s.database.value().is_some(),
                "{}: {:?}",
                p.display(),
                s.database
            );
        }
    }
}

#[tokio::test]
async fn a_missing_grant_hides_one_part_and_names_the_file() {
    let mut f = Fake::from_dir(&fixtures().join("19c"));
    f.answers.insert(
        "sessions.sql".into(),
        Answer::Fail(fail(
            Some(942),
            None,
            "ORA-00942: table or view does not exist",
        )),
    );
    let c = OracleCollector::with_driver(config(), f, settings());
    let s = c.observe().await.value().cloned().unwrap();
    let err = s.sessions.error().unwrap();
    assert!(
        err.contains("ORA-00942") && err.contains("sql/sessions.sql") && err.contains("grants.sql"),
        "{err}"
    );
    assert!(s.database.value().is_some());
}

#[test]
fn error_codes_map_to_their_kinds() {
    let cases = [
        (None, Some(1047), ErrorKind::NoClient),
        (None, Some(1050), ErrorKind::ClientTooOld),
        (Some(12541), None, ErrorKind::Unreachable),
        (Some(12514), None, ErrorKind::Unreachable),
        (Some(12170), None, ErrorKind::Unreachable),
        (Some(12537), None, ErrorKind::Unreachable),
        (Some(1017), None, ErrorKind::Credentials),
        (Some(28000), None, ErrorKind::Credentials),
        (Some(942), None, ErrorKind::MissingGrant),
        (Some(1031), None, ErrorKind::MissingGrant),
        (Some(3113), None, ErrorKind::ConnectionDied),
        (Some(3114), None, ErrorKind::ConnectionDied),
        (Some(3135), None, ErrorKind::ConnectionDied),
        (Some(3113), Some(1080), ErrorKind::ConnectionDied),
        (Some(1013), None, ErrorKind::TimedOut),
        (Some(3136), Some(1067), ErrorKind::TimedOut),
    ];
    for (ora, dpi, kind) in cases {
        assert_eq!(classify(ora, dpi), kind, "{ora:?} {dpi:?}");
    }
}

#[tokio::test]
async fn login_errors_become_the_right_signal_and_never_show_the_password() {
    let cases = [
        (
            fail(
                None,
                Some(1047),
                "DPI-1047: Cannot locate a 64-bit Oracle Client library",
            ),
            false,
            "Instant Client 19",
        ),
        (
            fail(Some(12541), None, "ORA-12541: TNS:no listener"),
            true,
            "ORA-12541",
        ),
        (
            fail(
                Some(3113),
                Some(1080),
                "DPI-1080: connection was closed by ORA-3113",
            ),
            true,
            "connection died",
        ),
    ];
    for (f, missing, text) in cases {
        let mut fake = Fake::from_dir(&fixtures().join("19c"));
        fake.login = Some(f);
        let s = OracleCollector::with_driver(config(), fake, settings())
            .observe()
            .await;
        assert_eq!(s.failed(), missing, "{s:?}");
        let e = s.error().unwrap();
        assert!(
            e.contains(text) && e.contains("db-host:1521/ORCLPDB1") && !e.contains("s3cr3t-pw"),
            "{e}"
        );
    }
    let mut old = Fake::from_dir(&fixtures().join("19c"));
    old.client = (12, 2);
    let s = OracleCollector::with_driver(config(), old, settings())
        .observe()
        .await;
    assert!(!s.failed() && s.error().unwrap().contains("18.1"), "{s:?}");
}

#[tokio::test]
async fn a_failed_login_backs_off_and_connects_to_nothing_for_minutes() {
    let mut fake = Fake::from_dir(&fixtures().join("19c"));
    fake.login = Some(fail(
        Some(1017),
        None,
        "ORA-01017: invalid username/password; logon denied",
    ));
    let logins = fake.logins.clone();
    let c = OracleCollector::with_driver(config(), fake, settings());
    for _ in 0..5 {
        let s = c.observe().await;
        assert!(
            s.failed() && s.error().unwrap().contains("ORA-01017"),
            "{s:?}"
        );
    }
    assert!(c.test_connection().await.is_err());
    assert_eq!(
        logins.load(Ordering::SeqCst),
        1,
        "one login attempt, then none"
    );
    // After the backoff, one new attempt.
    let mut fake = Fake::from_dir(&fixtures().join("19c"));
    fake.login = Some(fail(Some(28000), None, "ORA-28000: the account is locked"));
    let logins = fake.logins.clone();
    let short = Settings {
        backoff: Duration::from_millis(200),
        ..settings()
    };
    let c = OracleCollector::with_driver(config(), fake, short);
    c.observe().await;
    c.observe().await;
    assert_eq!(logins.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.observe().await;
    assert_eq!(logins.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_hanging_query_never_delays_the_probe_past_its_deadline() {
    let mut fake = Fake::from_dir(&fixtures().join("19c"));
    fake.answers
        .insert("sessions.sql".into(), Answer::Hang(Duration::from_secs(30)));
    let mut cfg = config();
    cfg.call_timeout = Duration::from_secs(20);
    let st = Settings {
        budget: Duration::from_millis(500),
        ..settings()
    };
    let c = OracleCollector::with_driver(cfg, fake, st);
    let t = Instant::now();
    let s = c.observe().await;
    assert!(
        t.elapsed() < Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    let s = s.value().cloned().unwrap();
    assert!(s.database.value().is_some(), "answered before the hang");
    assert!(s.sessions.failed() && s.redo.failed());
}

#[tokio::test]
async fn calls_stuck_past_their_timeout_are_capped_and_reported_as_the_doctors_own_trouble() {
    let mut fake = Fake::from_dir(&fixtures().join("19c"));
    fake.answers.insert(
        "sessions.sql".into(),
        Answer::Stuck(Duration::from_millis(1500)),
    );
    let logins = fake.logins.clone();
    let st = Settings {
        budget: Duration::from_millis(300),
        ..settings()
    };
    let c = OracleCollector::with_driver(config(), fake, st);
    let t = Instant::now();
    let s1 = c.observe().await;
    let s2 = c.observe().await;
    assert!(
        t.elapsed() < Duration::from_millis(1000),
        "{:?}",
        t.elapsed()
    );
    for s in [&s1, &s2] {
        let s = s.value().unwrap();
        assert!(s.database.value().is_some());
        let e = s.sessions.error().unwrap();
        assert!(
            e.contains("no answer") && e.contains("db-host:1521/ORCLPDB1"),
            "{e}"
        );
    }
    assert_eq!(c.running_calls(), 2);
    // Two calls stuck: no third one starts, and the probe is not evidence against Oracle.
    let s3 = c.observe().await;
    assert!(matches!(s3, Signal::NotCollected { .. }), "{s3:?}");
    assert!(s3
        .error()
        .unwrap()
        .contains("still running past their timeout"));
    assert!(t.elapsed() < Duration::from_millis(1000));
    // Once they return, the broken connections are dropped and probes work again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(c.running_calls(), 0);
    let before = logins.load(Ordering::SeqCst);
    let s4 = c.observe().await;
    assert!(s4.value().is_some(), "{s4:?}");
    assert_eq!(
        logins.load(Ordering::SeqCst),
        before + 1,
        "a fresh connection, not the broken one"
    );
}

fn log(thread: u32, seq: u64, first: u64, source: LogSource) -> LogFile {
    LogFile {
        thread,
        sequence: seq,
        first_change: first,
        next_change: first + 100,
        first_time: Timestamp::from_unix_millis(seq as i64),
        source,
    }
}
fn online(current: bool) -> LogSource {
    LogSource::Online {
        current,
        unused: false,
    }
}
fn arch(ok: bool, reset: u64) -> LogSource {
    LogSource::Archived {
        named: true,
        deleted: !ok,
        status: if ok { "A".into() } else { "D".into() },
        resetlogs_change: Some(reset),
    }
}

#[test]
fn redo_rule_gaps_deleted_logs_rac_and_resetlogs() {
    // Thread 1: archived 1..=3, gap at 4, archived 5, online 6 (current).
    let mut logs = vec![
        log(1, 1, 100, arch(true, 1)),
        log(1, 2, 200, arch(true, 1)),
        log(1, 3, 300, arch(true, 1)),
        log(1, 5, 500, arch(true, 1)),
        log(1, 6, 600, online(true)),
    ];
    let t = redo::available(&[1], &logs, Some(1)).unwrap();
    assert_eq!(t[0].oldest_scn, 500, "the gap at 4 ends the chain");
    assert!(covers(&t, 550) && !covers(&t, 450));
    // A deleted copy does not count; another copy of the same sequence does.
    logs.push(log(1, 4, 400, arch(false, 1)));
    assert_eq!(
        redo::available(&[1], &logs, Some(1)).unwrap()[0].oldest_scn,
        500
    );
    logs.push(log(1, 4, 400, arch(true, 1)));
    assert_eq!(
        redo::available(&[1], &logs, Some(1)).unwrap()[0].oldest_scn,
        100
    );
    // RAC: thread 2 has less redo, so the restart is bounded by it.
    logs.push(log(2, 10, 450, arch(true, 1)));
    logs.push(log(2, 11, 700, online(true)));
    let t = redo::available(&[1, 2], &logs, Some(1)).unwrap();
    assert_eq!((t[0].oldest_scn, t[1].oldest_scn), (100, 450));
    assert!(!covers(&t, 300) && covers(&t, 460));
    // Resetlogs at 650: sequences restart at 1; the old incarnation's logs are ignored.
    let after = vec![
        log(1, 1, 650, arch(true, 650)),
        log(1, 2, 660, online(true)),
        log(1, 1, 100, arch(true, 1)),
    ];
    assert_eq!(
        redo::available(&[1], &after, Some(650)).unwrap()[0].oldest_scn,
        650
    );
    // An enabled thread without an online log is an error, not a guess.
    assert!(redo::available(&[3], &after, Some(650)).is_err());
}

#[test]
fn debezium_sql_texts_are_classified() {
    let flush = table("DEBEZIUM.LOG_MINING_FLUSH");
    let cap = [table("INVENTORY.CUSTOMERS")];
    let k = |t: &str| classify_sql(t, &flush, &cap);
    assert_eq!(k("SELECT SCN, SQL_REDO, OPERATION_CODE, TIMESTAMP, XID, CSF, TABLE_NAME, SEG_OWNER, OPERATION, USERNAME, ROW_ID, ROLLBACK, RS_ID, STATUS, INFO, SSN, THREAD# FROM V$LOGMNR_CONTENTS WHERE SCN > ? AND SCN <= ?"), SqlKind::MiningQuery);
    assert_eq!(k("SELECT SCN, SQL_REDO, OPERATION_CODE, TIMESTAMP, XID, CSF, TABLE_NAME, SEG_OWNER, OPERATION, ROW_ID, ROLLBACK, STATUS, INFO, SSN, THREAD#, DATA_OBJ#, DATA_OBJV#, DATA_OBJD#, START_SCN, COMMIT_SCN, SEQUENCE# FROM V$LOGMNR_CONTENTS WHERE SCN > ? AND SCN <= ?"), SqlKind::MiningQuery);
    assert_eq!(k("WITH relevant_xids AS (SELECT DISTINCT XID as RXID FROM V$LOGMNR_CONTENTS WHERE SCN > ?)"), SqlKind::MiningQuery);
    assert_eq!(k("BEGIN sys.dbms_logmnr.start_logmnr(startScn => '100', endScn => '200', OPTIONS => DBMS_LOGMNR.DICT_FROM_ONLINE_CATALOG); END;"), SqlKind::StartLogminer);
    assert_eq!(k("BEGIN sys.dbms_logmnr.add_logfile(LOGFILENAME => '/a.arc', OPTIONS => DBMS_LOGMNR.ADDFILE); END;"), SqlKind::StartLogminer);
    assert_eq!(
        k("BEGIN DBMS_LOGMNR_D.BUILD (options => DBMS_LOGMNR_D.STORE_IN_REDO_LOGS); END;"),
        SqlKind::StartLogminer
    );
    assert_eq!(
        k("UPDATE LOG_MINING_FLUSH SET LAST_SCN = 12345"),
        SqlKind::FlushUpdate
    );
    assert_eq!(
        k("SELECT * FROM \"INVENTORY\".\"CUSTOMERS\" AS OF SCN 123"),
        SqlKind::SnapshotSelect
    );
    assert_eq!(
        k("SELECT * FROM \"INVENTORY\".\"ORDERS\" AS OF SCN 123"),
        SqlKind::Other
    );
    assert_eq!(k("SELECT CURRENT_SCN FROM V$DATABASE"), SqlKind::Other);
    assert_eq!(
        k("SELECT SEQUENCE# FROM V$LOG WHERE STATUS = 'CURRENT' ORDER BY SEQUENCE#"),
        SqlKind::Other
    );
}

#[test]
fn connect_strings_get_a_connect_timeout() {
    use logminer_doctor::collectors::oracle::with_connect_timeout as w;
    let d = Duration::from_secs(10);
    assert_eq!(
        w("h:1521/S", d),
        "h:1521/S?connect_timeout=10&transport_connect_timeout=10"
    );
    assert_eq!(
        w("h/S?x=1", d),
        "h/S?x=1&connect_timeout=10&transport_connect_timeout=10"
    );
    assert!(w(
        "(DESCRIPTION=(ADDRESS=(HOST=h)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=S)))",
        d
    )
    .starts_with("(DESCRIPTION=(CONNECT_TIMEOUT=10)(TRANSPORT_CONNECT_TIMEOUT=10)(ADDRESS"));
    assert_eq!(w("ORCL", d), "ORCL");
}

#[tokio::test]
async fn recorded_archive_chain_rows_with_gaps_on_two_threads_give_each_threads_chain() {
    // 19c (RAC, online 108..110 and 208..210). Thread 1: runs 90..95 and 101..109, so the gap at
    // 96..100 is older than the chain, which starts at 101. Thread 2: runs 150..203 and
    // 205..209: the gap at 204 cuts it, the chain starts at 205.
    let mut f = Fake::from_dir(&fixtures().join("19c"));
    let run = |t: u32, low: u64, high: u64, first: u64, age: u64| -> Row {
        [
            ("THREAD#", t.to_string()),
            ("LOW_SEQ", low.to_string()),
            ("HIGH_SEQ", high.to_string()),
            ("LOGS", (high - low + 1).to_string()),
            ("FIRST_CHANGE", first.to_string()),
            ("FIRST_AGE_S", age.to_string()),
            ("DB_NOW_UTC", "2026-11-24T10:00:00.000Z".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Some(v)))
        .collect()
    };
    f.answers.insert(
        "archive_chain.sql".into(),
        Answer::Rows(vec![
            run(1, 90, 95, 12884901000000, 20000),
            run(1, 101, 109, 12884901878123, 7800),
            run(2, 150, 203, 12884900000000, 30000),
            run(2, 205, 209, 12884901883456, 4000),
        ]),
    );
    let c = OracleCollector::with_driver(config(), f, settings());
    let s = c.observe().await.value().cloned().unwrap();
    let redo = s.redo.value().unwrap_or_else(|| panic!("{:?}", s.redo));
    let got: Vec<(u32, u64)> = redo
        .threads
        .iter()
        .map(|t| (t.thread, t.oldest_scn))
        .collect();
    assert_eq!(got, vec![(1, 12884901878123), (2, 12884901883456)]);
    assert_eq!(
        redo.threads[0].oldest_time,
        Timestamp::from_unix_millis(1795514400000 - 7_800_000),
        "DB_NOW_UTC minus FIRST_AGE_S"
    );
    // The gaps, from the same rows.
    let runs = logminer_doctor::collectors::oracle::rows::archive_chain(&[
        run(2, 205, 209, 1, 1),
        run(1, 101, 109, 1, 1),
        run(1, 90, 95, 1, 1),
        run(2, 150, 203, 1, 1),
    ])
    .unwrap();
    assert_eq!(redo::gaps(&runs), vec![(1, 96, 100), (2, 204, 204)]);
    // A run whose newest log stops short of the online logs: the chain is the online logs.
    let mut f = Fake::from_dir(&fixtures().join("19c"));
    f.answers.insert(
        "archive_chain.sql".into(),
        Answer::Rows(vec![
            run(1, 101, 106, 12884901878123, 7800),
            run(2, 201, 209, 12884901000000, 7800),
        ]),
    );
    let c = OracleCollector::with_driver(config(), f, settings());
    let s = c.observe().await.value().cloned().unwrap();
    let t1 = s.redo.value().unwrap().threads[0].clone();
    assert_ne!(
        t1.oldest_scn, 12884901878123,
        "107 is missing: the run does not count"
    );
}

#[test]
fn archive_chain_sql_summarises_like_the_redo_rule_on_sqlite() {
    // The SQL itself, not a copy of it: archive_chain.sql transpiled by sqlglot to SQLite (both
    // have the analytic functions it uses) and run on generated V$ARCHIVED_LOG rows (several
    // threads, gaps, deleted and expired copies, a remote destination, an older incarnation);
    // its runs must be those `redo::islands` finds. The Oracle-only clock columns are left out.
    let py = sqlglot_dir();
    let mut seed = 7u64;
    let mut rnd = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut rows = Vec::new();
    let mut logs = Vec::new();
    for thread in 1..=3u32 {
        for seq in 1..=200u64 {
            for _copy in 0..1 + rnd(2) {
                let (named, deleted, status) = match rnd(20) {
                    0 => (false, false, "A"),
                    1 => (true, true, "D"),
                    2 => (true, false, "X"),
                    _ => (true, false, "A"),
                };
                let reset = if rnd(40) == 0 { 0 } else { 1 };
                let dest = if rnd(15) == 0 { 2 } else { 1 };
                let first = seq * 1000 + thread as u64;
                rows.push(serde_json::json!([
                    thread,
                    seq,
                    first,
                    seq,
                    if named { Some("x.arc") } else { None },
                    if deleted { "YES" } else { "NO" },
                    status,
                    reset,
                    dest
                ]));
                if dest == 1 {
                    logs.push(LogFile {
                        thread,
                        sequence: seq,
                        first_change: first,
                        next_change: first + 1000,
                        first_time: Timestamp::from_unix_millis(seq as i64),
                        source: LogSource::Archived {
                            named,
                            deleted,
                            status: status.into(),
                            resetlogs_change: Some(reset),
                        },
                    });
                }
            }
        }
    }
    let script = r#"
import json, re, sqlite3, sys, sqlglot
t = open(sys.argv[1]).read()
t = '\n'.join(l for l in t.splitlines() if not l.startswith('--'))
t = re.sub(r'^SELECT .*?\nFROM \(', 'SELECT i.thread#, i.low_seq, i.high_seq, i.logs, i.first_change\nFROM (', t, count=1, flags=re.S)
t = t.replace('#', '_h')  # SQLite names cannot hold '#': the same rename everywhere
q = sqlglot.transpile(t, read='oracle', write='sqlite')[0]
db = sqlite3.connect(':memory:')
db.execute('CREATE TABLE "v$archived_log" (thread_h INT, sequence_h INT, first_change_h INT, first_time INT, name TEXT, deleted TEXT, status TEXT, resetlogs_change_h INT, dest_id INT)')
db.execute('CREATE TABLE "v$database" (resetlogs_change_h INT)')
db.execute('CREATE TABLE "v$archive_dest_status" (dest_id INT, status TEXT, type TEXT)')
db.execute('INSERT INTO "v$database" VALUES (1)')
db.execute('INSERT INTO "v$archive_dest_status" VALUES (1, ?, ?), (2, ?, ?), (3, ?, ?)', ('VALID', 'LOCAL', 'VALID', 'REMOTE', 'ERROR', 'LOCAL'))
db.executemany('INSERT INTO "v$archived_log" VALUES (?,?,?,?,?,?,?,?,?)', json.load(sys.stdin))
print(json.dumps(db.execute(q, {'max_islands': int(sys.argv[2])}).fetchall()))
"#;
    let input = serde_json::to_vec(&rows).unwrap();
    let max = queries::MAX_ISLANDS;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sql/archive_chain.sql"
        ))
        .arg(max.to_string())
        .env("PYTHONPATH", &py)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<(u32, u64, u64, u64, u64)> = serde_json::from_slice(&out.stdout).unwrap();
    let want: Vec<(u32, u64, u64, u64, u64)> = redo::islands(&logs, Some(1), max as usize)
        .into_iter()
        .map(|i| (i.thread, i.low_seq, i.high_seq, i.logs, i.first_change))
        .collect();
    assert_eq!(got, want);
    assert!(
        want.len() >= 6 && redo::gaps(&want_runs(&want)).len() >= 3,
        "the case has gaps on every thread: {want:?}"
    );
}

fn want_runs(v: &[(u32, u64, u64, u64, u64)]) -> Vec<redo::Island> {
    v.iter()
        .map(
            |&(thread, low_seq, high_seq, logs, first_change)| redo::Island {
                thread,
                low_seq,
                high_seq,
                logs,
                first_change,
                first_time: Timestamp::from_unix_millis(0),
            },
        )
        .collect()
}

#[test]
fn every_sql_file_parses_with_sqlglots_oracle_dialect() {
    let py = sqlglot_dir();
    let script = r#"
import sys, re, glob, sqlglot
from sqlglot.errors import ErrorLevel
bad = 0
files = sorted(glob.glob(sys.argv[1] + '/*.sql'))
for f in files:
    text = open(f).read()
    # PL/SQL blocks (grants.sql's procedure) are not SQL: skipped between the markers.
    text = re.sub(r'-- BEGIN PLSQL.*?-- END PLSQL', '', text, flags=re.S)
    try:
        sqlglot.parse(text, read='oracle', error_level=ErrorLevel.RAISE)
    except Exception as e:
        bad += 1
        print(f + ': ' + str(e))
try:
    sqlglot.parse('SELEC x FRM dual WHERE', read='oracle', error_level=ErrorLevel.RAISE)
    print('the parser accepted a broken statement'); bad += 1
except Exception:
    pass
print('parsed', len(files), 'files')
sys.exit(1 if bad or len(files) < 10 else 0)
"#;
    // The files as shipped, and as sent: expanded for two captured tables and for none.
    let sent = tempfile::tempdir().unwrap();
    let two = [table("INVENTORY.CUSTOMERS"), table("SALES.ORDERS")];
    for (n, tables) in [(2, &two[..]), (0, &[][..])] {
        for q in queries::ALL {
            let p = if *q == queries::FLUSH_SCN {
                queries::prepare_flush(&table("DEBEZIUM.LOG_MINING_FLUSH")).unwrap()
            } else {
                queries::prepare(*q, "DEBEZIUM", tables)
            };
            std::fs::write(sent.path().join(format!("{n}_{}", q.file)), p.sql).unwrap();
        }
    }
    for dir in [
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/sql")),
        sent.path().to_path_buf(),
    ] {
        let out = std::process::Command::new("python3")
            .args(["-c", script, dir.to_str().unwrap()])
            .env("PYTHONPATH", &py)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn docker_compose_yml_is_valid_and_pins_every_image() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("docker-compose")
        .args(["-f", "docker-compose.yml", "config"])
        .current_dir(root)
        .env("LMD_MONITOR_PASSWORD", "x")
        .output();
    let out = out.unwrap_or_else(|e| {
        panic!("docker-compose is not installed ({e}): run tests/oracle/setup.sh (or .ci/run)")
    });
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for service in [
        "oracle:",
        "zookeeper:",
        "jobmanager1:",
        "jobmanager2:",
        "taskmanager:",
        "cdc-job:",
        "doctor:",
    ] {
        assert!(
            text.contains(&format!("  {service}")),
            "no service {service}\n{text}"
        );
    }
    assert!(text.contains("published: 8081") && text.contains("published: 8082"));
    for line in text
        .lines()
        .filter(|l| l.trim_start().starts_with("image:"))
    {
        let image = line.trim_start().trim_start_matches("image:").trim();
        let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
        assert!(
            !tag.is_empty() && tag != "latest" && !tag.contains('/'),
            "unpinned {image}"
        );
    }
    // Every file the stack mounts exists.
    for f in [
        "docker/oracle/01-logminer.sh",
        "docker/oracle/loader.sh",
        "docker/flink/orders-cdc.sql",
        "docker/doctor/Dockerfile",
        "docker/doctor/logminer-doctor.toml",
        "sql/grants.sql",
    ] {
        assert!(root.join(f).is_file(), "{f}");
    }
    // PART B of grants.sql, which the init script extracts with sed, is still marked.
    let grants = std::fs::read_to_string(root.join("sql/grants.sql")).unwrap();
    assert!(grants.contains("PART B: 12c+ CDB") && grants.contains("OPTIONAL: kill"));
}

#[test]
fn the_demo_stacks_doctor_config_is_valid() {
    let c = crate::stack::doctor_config();
    assert_eq!(c.pipelines[0].oracle.connector_user, "C##DBZUSER");
}

#[test]
fn scns_are_parsed_from_text_exactly() {
    use logminer_doctor::collectors::oracle::rows::parse_u64;
    assert_eq!(parse_u64("18446744073709551615"), Some(u64::MAX));
    assert_eq!(parse_u64("281474976710655"), Some((1 << 48) - 1));
    assert_eq!(
        parse_u64("9007199254740993"),
        Some(9007199254740993),
        "2^53+1, lost by a float"
    );
    for bad in ["", "-1", "1.5", "1e10", "18446744073709551616"] {
        assert_eq!(parse_u64(bad), None, "{bad}");
    }
}

#[tokio::test]
async fn the_real_driver_without_an_oracle_client_says_how_to_install_one() {
    // The real code path, on this machine: no libclntsh, so DPI-1047, reported as the doctor's
    // own setup problem. With a client installed, nothing listens at 127.0.0.1:1.
    let mut cfg = config();
    cfg.connect_string = "127.0.0.1:1/NOSUCH".into();
    let c = OracleCollector::new(cfg);
    let s = c.observe().await;
    let e = s.error().unwrap().to_string();
    assert!(!e.contains("s3cr3t-pw"), "{e}");
    if e.contains("DPI-1047") {
        assert!(matches!(s, Signal::NotCollected { .. }), "{s:?}");
        assert!(
            e.contains("Instant Client 19") && e.contains("LD_LIBRARY_PATH"),
            "{e}"
        );
        assert_eq!(c.login_attempts(), 1);
        let t = c.test_connection().await.unwrap_err();
        assert!(t.kind().is_own_trouble(), "{t}");
    } else {
        assert!(s.failed(), "{s:?}");
    }
}

#[tokio::test]
async fn a_connection_that_dies_mid_probe_is_dropped_and_replaced() {
    for (ora, dpi, text) in [
        (
            Some(3113),
            None,
            "ORA-03113: end-of-file on communication channel",
        ),
        (Some(3135), None, "ORA-03135: connection lost contact"),
        (
            Some(3113),
            Some(1080),
            "DPI-1080: connection was closed by ORA-3113",
        ),
        (
            Some(1013),
            None,
            "ORA-01013: user requested cancel of current operation",
        ),
    ] {
        let mut fake = Fake::from_dir(&fixtures().join("19c"));
        fake.answers
            .insert("sessions.sql".into(), Answer::Fail(fail(ora, dpi, text)));
        let logins = fake.logins.clone();
        let c = OracleCollector::with_driver(config(), fake, settings());
        let s = c.observe().await.value().cloned().unwrap();
        assert!(s.database.value().is_some());
        let e = s.sessions.error().unwrap();
        assert!(e.contains(text) && e.contains("dropped"), "{e}");
        // Later queries of the same probe do not reuse it.
        assert!(s.redo.error().unwrap().contains("not run"), "{:?}", s.redo);
        // The next probe logs in again instead of reusing the broken connection.
        c.observe().await;
        assert_eq!(logins.load(Ordering::SeqCst), 2, "{text}");
    }
}

#[tokio::test]
async fn rows_saved_by_the_capture_script_are_accepted_as_they_are() {
    // sql/capture.py turns SQL*Plus CSV output into fixtures; feed it the 19c rows written as
    // SQL*Plus writes them (MARKUP CSV QUOTE ON, NULL as an empty field) and map the result.
    let src = fixtures().join("19c");
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("captured");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        let rows: Vec<Row> = serde_json::from_value(v["rows"].clone()).unwrap();
        let file = v["file"].as_str().unwrap();
        let mut csv = String::new();
        if let Some(first) = rows.first() {
            let cols: Vec<&String> = first.keys().collect();
            let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            csv += &cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(",");
            csv += "\n";
            for r in &rows {
                let line: Vec<String> = cols
                    .iter()
                    .map(|c| r[*c].as_deref().map(q).unwrap_or_default())
                    .collect();
                csv += &line.join(",");
                csv += "\n";
            }
        }
        let csv_path = work.path().join(format!("{file}.csv"));
        std::fs::write(&csv_path, csv).unwrap();
        let o = std::process::Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/sql/capture.py"))
            .args(["--out", out.to_str().unwrap(), "--file", file])
            .args(["--version", "19.0.0.0.0", "--from-csv"])
            .arg(&csv_path)
            .output()
            .expect("python3 runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let c = OracleCollector::with_driver(config(), Fake::from_dir(&out), settings());
    let s = c.observe().await;
    let s = s.value().unwrap_or_else(|| panic!("{s:?}"));
    let want = OracleCollector::with_driver(config(), Fake::from_dir(&src), settings())
        .observe()
        .await;
    assert_eq!(Some(s), want.value());
}

#[tokio::test]
async fn the_kill_procedure_is_called_with_binds_and_its_refusals_are_worded() {
    use logminer_doctor::collectors::control::OracleControl;
    use logminer_doctor::collectors::oracle::KillError;
    let fake = Fake {
        client: (19, 3),
        ..Fake::default()
    };
    let executed = fake.executed.clone();
    let c = OracleCollector::with_driver(config(), fake, settings());
    c.kill_session("SYSTEM.LMD_KILL_CONNECTOR_SESSION", 2, 245, 31887)
        .await
        .unwrap();
    let calls = executed.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec![(
            "BEGIN SYSTEM.LMD_KILL_CONNECTOR_SESSION(:sid, :serial, :inst); END;".to_string(),
            vec![
                ("sid".to_string(), "245".to_string()),
                ("serial".to_string(), "31887".to_string()),
                ("inst".to_string(), "2".to_string()),
            ]
        )]
    );
    for (ora, text, wording) in [
        (
            20001,
            "ORA-20001: lmd_kill_connector_session: not a connector session",
            "it is not a session of the connector user (ORA-20001)",
        ),
        (
            20002,
            "ORA-20002: lmd_kill_connector_session: no such session",
            "no longer exists (ORA-20002",
        ),
    ] {
        let fake = Fake {
            client: (19, 3),
            execute_fails: Some(fail(Some(ora), None, text)),
            ..Fake::default()
        };
        let c = OracleCollector::with_driver(config(), fake, settings());
        let e = c
            .kill_session("SYSTEM.LMD_KILL_CONNECTOR_SESSION", 1, 245, 31887)
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                KillError::NotConnector { .. } | KillError::NoSuchSession { .. }
            ),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains(wording) && msg.contains("245,31887,@1"),
            "{msg}"
        );
    }
    // Without the EXECUTE grant: Oracle's own error, classified.
    let fake = Fake {
        client: (19, 3),
        execute_fails: Some(fail(Some(6550), None, "ORA-06550: line 1, column 7: PLS-00201: identifier 'SYSTEM.LMD_KILL_CONNECTOR_SESSION' must be declared")),
        ..Fake::default()
    };
    let c = OracleCollector::with_driver(config(), fake, settings());
    let e = c
        .kill_session("SYSTEM.LMD_KILL_CONNECTOR_SESSION", 1, 245, 31887)
        .await
        .unwrap_err();
    assert!(matches!(e, KillError::Oracle(_)), "{e:?}");
    assert!(
        logminer_doctor::observation::error_chain(&e).contains("PLS-00201"),
        "{e}"
    );
}

/// LogMiner can restart from `scn`: every thread's chain starts at or before it.
fn covers(threads: &[logminer_doctor::observation::RedoThread], scn: u64) -> bool {
    !threads.is_empty() && threads.iter().all(|t| t.oldest_scn <= scn)
}

/// Where tests/oracle/setup.sh installed sqlglot (`$LMD_CACHE/py`); fails, saying how to
/// install it, when it is not there.
fn sqlglot_dir() -> PathBuf {
    let py = crate::support::cache_dir().join("py");
    assert!(
        py.join("sqlglot").is_dir(),
        "sqlglot is not installed in {}: run tests/oracle/setup.sh (or .ci/run)",
        py.display()
    );
    py
}
