//! `audit` (issue 16): the connector option corpus (public reports and our own) with the
//! findings each must produce; the simulated database with each Oracle-side fault; the built
//! binary on bad input (exit 3, the file and line named), on a recorded JobManager (JSON, exit
//! code, no password); and the real Flink cluster started with a poor and a good configuration.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use logminer_doctor::audit::connector::{self, OracleFacts};
use logminer_doctor::audit::{self, oracle, Context, Inputs, Severity, System};
use logminer_doctor::collectors::flink::FlinkCollector;
use logminer_doctor::collectors::oracle::{OracleCollector, Settings};
use logminer_doctor::config::{
    Config, OracleConfig, PipelineConfig, Secret, SecretSource, TableName,
};
use logminer_doctor::exit::Exit;
use logminer_doctor::simulator::oracle_db::{DbState, SimOracleDb};
use serde_json::Value;

use crate::fake_flink::{FakeFlink, JOB};
use crate::support::sim_oracle::PasswordEnv;

const PASSWORD: &str = "Audit-s3cr3t#77";

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audit")
        .join(name)
}

fn sorted(mut v: Vec<&'static str>) -> Vec<&'static str> {
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------
// The connector option corpus
// ---------------------------------------------------------------------------------------------

/// A corpus row: the file, the database's major version and CDB flag, the findings it must
/// produce.
type CorpusRow = (
    &'static str,
    Option<u32>,
    Option<bool>,
    &'static [&'static str],
);

#[test]
fn connector_corpus_produces_exactly_the_expected_findings() {
    let table: &[CorpusRow] = &[
        (
            "flink-cdc-1036.sql",
            Some(19),
            Some(false),
            &[
                "connector.continuous_mine",
                "connector.no_heartbeat",
                "connector.no_keepalive_no_read_timeout",
            ],
        ),
        (
            "flink-cdc-2050.properties",
            Some(19),
            Some(false),
            &[
                "connector.continuous_mine",
                "connector.no_heartbeat",
                "connector.no_keepalive_no_read_timeout",
                "connector.redo_log_catalog",
            ],
        ),
        (
            "flink-cdc-3151.sql",
            Some(19),
            Some(false),
            &[
                "connector.missing_debezium_prefix",
                "connector.no_read_timeout",
                "connector.redo_log_catalog",
            ],
        ),
        (
            "flink-cdc-1082.sql",
            Some(12),
            Some(false),
            &[
                "connector.no_heartbeat",
                "connector.no_keepalive_no_read_timeout",
                "connector.redo_log_catalog",
            ],
        ),
        (
            "own-misspelt-and-later.sql",
            Some(19),
            Some(true),
            &[
                "connector.heartbeat_action_query_incremental",
                "connector.no_pdb_name",
                "connector.no_read_timeout",
                "connector.option_from_later_debezium",
                "connector.option_from_later_debezium",
                "connector.redo_log_catalog",
                "connector.startup_latest_offset",
                "connector.unknown_option",
            ],
        ),
        ("own-good.sql", Some(19), Some(true), &[]),
        (
            "own-datastream.args",
            Some(19),
            Some(false),
            &[
                "connector.no_heartbeat",
                "connector.no_keepalive_no_read_timeout",
                "connector.option_from_later_debezium",
            ],
        ),
        (
            "own-kafka-connect.properties",
            Some(23),
            Some(true),
            &["connector.oracle_version_not_validated"],
        ),
    ];
    let mut failures = Vec::new();
    for (file, major, cdb, expected) in table {
        let options = connector::load(&corpus(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(options.len(), 1, "{file}: one connector");
        let findings = connector::check(
            &options[0],
            OracleFacts {
                major: *major,
                cdb: *cdb,
                mining_sessions: Some(1),
            },
        );
        let got = sorted(findings.iter().map(|f| f.check).collect());
        if got != sorted(expected.to_vec()) {
            failures.push(format!("{file}: expected {expected:?}, got {got:?}"));
        }
        for f in &findings {
            assert!(!f.source.is_empty() && !f.fix.en.is_empty() && !f.fix.zh.is_empty());
            assert!(
                f.setting.contains(file),
                "{file}: the setting names its file: {}",
                f.setting
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_misspelt_option_is_named_with_the_option_it_resembles() {
    let options = connector::load(&corpus("own-misspelt-and-later.sql")).unwrap();
    let findings = connector::check(&options[0], OracleFacts::default());
    let f = findings
        .iter()
        .find(|f| f.check == "connector.unknown_option")
        .expect("the misspelt option is found");
    assert!(
        f.setting.starts_with("debezium.log.mining.stratgy"),
        "{}",
        f.setting
    );
    assert_eq!(f.fix.en, "rename it to debezium.log.mining.strategy");
    // The heartbeat is set there, so its absence is not reported.
    assert!(!findings.iter().any(|f| f.check == "connector.no_heartbeat"));
    // continuous mine with an unknown database version is still a warning (19c+ is the norm).
    let c = connector::load(&corpus("flink-cdc-1036.sql")).unwrap();
    let f = connector::check(&c[0], OracleFacts::default());
    let mine = f
        .iter()
        .find(|f| f.check == "connector.continuous_mine")
        .unwrap();
    assert_eq!(mine.severity, Severity::Warning);
    assert!(mine.why.en.contains("not read"), "{}", mine.why.en);
}

#[tokio::test]
async fn several_mining_sessions_make_redo_log_catalog_a_warning() {
    // Two mining sessions of the connector user on the simulated database.
    let mut st = healthy_db();
    let second = st.sessions[0].clone();
    st.sessions
        .push(logminer_doctor::simulator::oracle_db::SimSession {
            key: (1, 300, 4411),
            ..second
        });
    let db = SimOracleDb::new(st);
    let c = OracleCollector::with_driver(oracle_config(), db, settings());
    let (s, _) = oracle::read(&c).await;
    assert_eq!(s.mining_sessions, Some(2));
    let options = connector::load(&corpus("flink-cdc-1082.sql")).unwrap();
    let facts = OracleFacts {
        major: s.major,
        cdb: s.cdb,
        mining_sessions: s.mining_sessions,
    };
    let f = connector::check(&options[0], facts);
    let catalog = f
        .iter()
        .find(|f| f.check == "connector.redo_log_catalog")
        .unwrap();
    assert_eq!(catalog.severity, Severity::Warning);
    assert!(
        catalog.why.en.contains("2 mining sessions"),
        "{}",
        catalog.why.en
    );
}

#[test]
fn continuous_mine_on_oracle_12_is_not_reported() {
    let c = connector::load(&corpus("flink-cdc-1036.sql")).unwrap();
    let f = connector::check(
        &c[0],
        OracleFacts {
            major: Some(12),
            cdb: Some(false),
            mining_sessions: None,
        },
    );
    assert!(!f.iter().any(|f| f.check == "connector.continuous_mine"));
}

// ---------------------------------------------------------------------------------------------
// The simulated database, one fault at a time
// ---------------------------------------------------------------------------------------------

fn table_name(s: &str) -> TableName {
    let (o, t) = s.split_once('.').unwrap();
    TableName {
        owner: o.into(),
        table: t.into(),
    }
}

fn oracle_config() -> OracleConfig {
    OracleConfig {
        connect_string: "db-host:1521/ORCLPDB1".into(),
        user: "CDCMON".into(),
        password: Secret::new(PASSWORD.into(), SecretSource::Env("P".into())),
        connector_user: "CDC".into(),
        flush_table: table_name("CDC.LOG_MINING_FLUSH"),
        captured_tables: vec![table_name("SHOP.T1"), table_name("SHOP.T2")],
        call_timeout: Duration::from_secs(5),
        slow_facts_interval: Duration::from_secs(300),
    }
}

fn settings() -> Settings {
    Settings::for_config(&oracle_config())
}

fn context() -> Context {
    Context {
        failover_grace: Duration::from_secs(90),
        stall_window: Duration::from_secs(300),
        rolling_interval: Duration::ZERO,
        savepoint_dir: None,
        fixed_job_id: None,
        jobmanager_hosts: vec!["jm1".into()],
        pga_warning_ratio: 0.8,
        exposure: None,
    }
}

/// A database with nothing to report: two days of redo, four switches an hour, both captured
/// tables logged, the defaults of `DbState::busy` otherwise.
fn healthy_db() -> DbState {
    let mut st = DbState::busy(30, 1, 2);
    st.log_switches = Some(4);
    let two_days_ago = st.now.minus(Duration::from_secs(48 * 3600));
    st.archived[0].first_time = two_days_ago;
    st
}

async fn oracle_checks(st: DbState) -> (Vec<&'static str>, Vec<audit::Finding>) {
    let db = SimOracleDb::new(st);
    let c = OracleCollector::with_driver(oracle_config(), db, settings());
    let (s, unread) = oracle::read(&c).await;
    assert!(unread.is_empty(), "every part is read: {unread:?}");
    let findings = oracle::check(&s, &context(), "CDC");
    (sorted(findings.iter().map(|f| f.check).collect()), findings)
}

#[tokio::test]
async fn a_healthy_simulated_database_has_no_oracle_finding() {
    let (checks, _) = oracle_checks(healthy_db()).await;
    assert!(checks.is_empty(), "{checks:?}");
}

#[tokio::test]
async fn each_oracle_fault_produces_its_finding_and_only_it() {
    type Fault = fn(&mut DbState);
    let faults: &[(&str, Fault, &str, Severity)] = &[
        (
            "NOARCHIVELOG",
            |s| s.log_mode = "NOARCHIVELOG".into(),
            "oracle.not_archivelog",
            Severity::Critical,
        ),
        (
            "no minimal supplemental logging",
            |s| s.supplemental_min = false,
            "oracle.no_minimal_supplemental_logging",
            Severity::Critical,
        ),
        (
            "a captured table without an ALL COLUMNS group",
            |s| s.logged_tables.retain(|(_, t)| t != "T2"),
            "oracle.table_without_supplemental_logging",
            Severity::Critical,
        ),
        (
            "an archive destination in error",
            |s| {
                s.dest_errors = vec![(
                    2,
                    "LOG_ARCHIVE_DEST_2".into(),
                    "ORA-16038: log 3 sequence# 77 cannot be archived".into(),
                )]
            },
            "oracle.archive_dest_error",
            Severity::Critical,
        ),
        (
            "redo kept for 15 minutes",
            |s| {
                let t = s.now.minus(Duration::from_secs(900));
                s.archived[0].first_time = t;
            },
            "oracle.short_redo_retention",
            Severity::Warning,
        ),
        (
            "30 log switches an hour",
            |s| s.log_switches = Some(30),
            "oracle.frequent_log_switches",
            Severity::Warning,
        ),
        (
            "a recovery area smaller than a day of archives",
            |s| s.recovery_area = (15 << 30, 5 << 30),
            "oracle.recovery_area_small",
            Severity::Critical,
        ),
        (
            "undo_retention 900 s",
            |s| s.undo_retention = 900,
            "oracle.undo_retention_short",
            Severity::Warning,
        ),
        (
            "the mining session near pga_aggregate_limit",
            |s| s.pga_limit = Some(60 << 20),
            "oracle.mining_pga_near_limit",
            Severity::Warning,
        ),
        (
            "IDLE_TIME 30 on the connector's profile",
            |s| s.idle_time = "30".into(),
            "oracle.connector_idle_time",
            Severity::Warning,
        ),
    ];
    for (name, fault, check, severity) in faults {
        let mut st = healthy_db();
        fault(&mut st);
        let (checks, findings) = oracle_checks(st).await;
        assert_eq!(checks, vec![*check], "{name}");
        assert_eq!(findings[0].severity, *severity, "{name}");
        assert_eq!(findings[0].system, System::Oracle, "{name}");
    }
}

#[tokio::test]
async fn an_idle_time_not_enforced_is_info_and_the_cdb_flag_reaches_the_connector_checks() {
    let mut st = healthy_db();
    st.idle_time = "30".into();
    st.resource_limit = false;
    st.cdb = true;
    let db = SimOracleDb::new(st);
    let c = OracleCollector::with_driver(oracle_config(), db.clone(), settings());
    let (s, _) = oracle::read(&c).await;
    assert_eq!(s.cdb, Some(true));
    assert_eq!(s.major, Some(19));
    let f = oracle::check(&s, &context(), "CDC");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Info);
    assert!(
        f[0].fix.en.contains("ALTER USER CDC PROFILE"),
        "{}",
        f[0].fix.en
    );
    // Each audit query ran once, with its bind.
    for q in logminer_doctor::collectors::oracle::queries::AUDIT {
        assert_eq!(db.served().runs(q.file), 1, "{}", q.file);
    }
}

// ---------------------------------------------------------------------------------------------
// The whole audit: simulated database, recorded JobManager
// ---------------------------------------------------------------------------------------------

/// The config of one pipeline "orders" whose JobManager is `jm` and whose output is `out`; its
/// monitoring password comes from LMD_PASSWORD.
fn config_text(jm: &str, out: &Path) -> String {
    format!(
        r#"
[[pipeline]]
name = "orders"
[pipeline.oracle]
connect_string = "127.0.0.1:1/ORCLPDB1"
user = "CDCMON"
password_env = "LMD_PASSWORD"
connector_user = "CDC"
captured_tables = ["SHOP.T1", "SHOP.T2"]
[pipeline.flink]
jobmanagers = ["{jm}"]
job_name = "orders-cdc"
[pipeline.output]
dir = "{}"
format = "csv"
csv_scn_column = 0
"#,
        out.display()
    )
}

fn pipeline(jm: &str) -> PipelineConfig {
    let text = config_text(jm, Path::new("/tmp/out"));
    let cfg = Config::from_toml(&text, Path::new("/tmp/c.toml"), &PasswordEnv(PASSWORD)).unwrap();
    cfg.pipelines[0].clone()
}

/// The recorded 1.20 job, plus its `/jobs/<id>/config` and a cluster config with no restart
/// strategy and a local HA storage.
fn recorded_jobmanager() -> FakeFlink {
    let jm = FakeFlink::start();
    jm.healthy_job("1.20")
        .route(
            "GET /jobmanager/config",
            200,
            r#"[{"key":"restart-strategy.type","value":"none"},
                {"key":"high-availability.type","value":"zookeeper"},
                {"key":"high-availability.storageDir","value":"file:///var/flink/ha"},
                {"key":"state.savepoints.dir","value":"file:///var/flink/sp"}]"#,
        )
        .route(
            &format!("GET /jobs/{JOB}/config"),
            200,
            &format!(
                r#"{{"jid":"{JOB}","name":"orders-cdc","execution-config":{{"restart-strategy":"Cluster level default restart strategy","job-parallelism":1}}}}"#
            ),
        );
    jm
}

#[tokio::test]
async fn the_whole_audit_joins_oracle_flink_the_connector_and_sqlnet() {
    let jm = recorded_jobmanager();
    let p = pipeline(&jm.url);
    let db = SimOracleDb::new(healthy_db());
    let oracle = OracleCollector::with_driver(p.oracle.clone(), db, settings());
    let flink = FlinkCollector::new(p.flink.clone());
    let inputs = Inputs {
        connectors: connector::load(&corpus("flink-cdc-1036.sql")).unwrap(),
        sqlnet: Some(audit::sqlnet::parse("SQLNET.RECV_TIMEOUT = 30\n", "sqlnet.ora").unwrap()),
        keepalive: Some(Ok(7200)),
    };
    let a = audit::audit_with(&p, &oracle, &flink, &inputs, None).await;
    assert!(a.unread.is_empty(), "{:?}", a.unread);
    // The recorded checkpoint config: 2 s interval, retained, tolerable 0; the cluster: no
    // restart strategy. One JobManager host: a local HA path is only INFO.
    assert_eq!(
        sorted(a.checks()),
        sorted(vec![
            "connector.continuous_mine",
            "connector.no_heartbeat",
            "connector.no_keepalive_no_read_timeout",
            "flink.ha_storage_local",
            "flink.no_fixed_job_id",
            "flink.no_tolerable_checkpoint_failures",
            "flink.restart_strategy_none",
            "network.no_dead_connection_detection",
            "network.recv_timeout_set",
            "network.tcp_keepalive_time_long",
        ])
    );
    assert_eq!(a.exit(), Exit::Critical);
    assert_eq!(a.count(System::Connector, Severity::Critical), 1);
    // The connector's missing heartbeat is weighed against this database's redo (two days).
    let hb = a
        .findings
        .iter()
        .find(|f| f.check == "connector.no_heartbeat")
        .unwrap();
    assert!(
        hb.why.en.ends_with(
            "This database keeps redo for 2days: a quiet period longer than that is enough."
        ),
        "{}",
        hb.why.en
    );
    // Grouped by system in report order.
    let systems: Vec<System> = a.findings.iter().map(|f| f.system).collect();
    let mut in_order = systems.clone();
    in_order.sort();
    assert_eq!(systems, in_order);
}

#[tokio::test]
async fn a_standby_configured_differently_and_one_that_does_not_answer_are_reported() {
    let leader = recorded_jobmanager();
    let standby = FakeFlink::start();
    standby.route(
        "GET /jobmanager/config",
        200,
        r#"[{"key":"restart-strategy.type","value":"exponential-delay"},
            {"key":"high-availability.type","value":"zookeeper"},
            {"key":"high-availability.storageDir","value":"file:///var/flink/ha"},
            {"key":"state.savepoints.dir","value":"file:///var/flink/sp"}]"#,
    );
    let mut p = pipeline(&leader.url);
    p.flink.jobmanagers = [&leader.url, &standby.url, &"http://127.0.0.1:9".to_string()]
        .iter()
        .map(|u| u.parse().unwrap())
        .collect();
    let oracle =
        OracleCollector::with_driver(p.oracle.clone(), SimOracleDb::new(healthy_db()), settings());
    let flink = FlinkCollector::new(p.flink.clone());
    let a = audit::audit_with(&p, &oracle, &flink, &Inputs::default(), None).await;
    let d: Vec<&audit::Finding> = a
        .findings
        .iter()
        .filter(|f| f.check == "flink.jobmanagers_disagree")
        .collect();
    assert_eq!(d.len(), 1, "{:?}", a.checks());
    assert_eq!(d[0].setting, "restart-strategy.type");
    assert_eq!(
        d[0].value,
        format!("{}: none; {}: exponential-delay", leader.url, standby.url)
    );
    // The third JobManager does not answer: named as an unread part, the rest still checked.
    assert_eq!(a.unread.len(), 1, "{:?}", a.unread);
    assert_eq!(
        a.unread[0].part,
        "GET /jobmanager/config on http://127.0.0.1:9"
    );
    assert!(a.checks().contains(&"flink.restart_strategy_none"));
}

#[test]
fn the_audit_section_of_the_config_resolves_its_paths_and_rejects_unknown_keys() {
    let base = config_text("http://127.0.0.1:9", Path::new("/tmp/out"));
    let with = format!(
        "{base}[pipeline.audit]\nconnector_options = \"sql/orders.sql\"\nsqlnet = \"/etc/sqlnet.ora\"\nhost_keepalive = true\n"
    );
    let cfg =
        Config::from_toml(&with, Path::new("/etc/lmd/c.toml"), &PasswordEnv(PASSWORD)).unwrap();
    let a = &cfg.pipelines[0].audit;
    assert_eq!(
        a.connector_options.as_deref(),
        Some(Path::new("/etc/lmd/sql/orders.sql"))
    );
    assert_eq!(a.sqlnet.as_deref(), Some(Path::new("/etc/sqlnet.ora")));
    assert!(a.host_keepalive);
    let none =
        Config::from_toml(&base, Path::new("/etc/lmd/c.toml"), &PasswordEnv(PASSWORD)).unwrap();
    assert_eq!(none.pipelines[0].audit, Default::default());
    let typo = format!("{base}[pipeline.audit]\nconector_options = \"x.sql\"\n");
    let e =
        Config::from_toml(&typo, Path::new("/etc/lmd/c.toml"), &PasswordEnv(PASSWORD)).unwrap_err();
    assert!(e.report().contains("conector_options"), "{}", e.report());
}

#[tokio::test]
async fn the_daily_audit_reports_a_bad_configured_file_as_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = pipeline("http://127.0.0.1:9");
    p.audit.connector_options = Some(corpus("broken-unclosed-quote.sql"));
    p.audit.sqlnet = Some(dir.path().join("missing-sqlnet.ora"));
    let a = audit::audit_configured(&p, &dir.path().join("state")).await;
    let parts: Vec<&str> = a.unread.iter().map(|u| u.part.as_str()).collect();
    assert!(
        parts.contains(&"[pipeline.audit] connector_options"),
        "{parts:?}"
    );
    assert!(parts.contains(&"[pipeline.audit] sqlnet"), "{parts:?}");
    let bad = a
        .unread
        .iter()
        .find(|u| u.part == "[pipeline.audit] connector_options")
        .unwrap();
    assert!(bad.error.contains("line 4"), "{}", bad.error);
    assert_eq!(a.exit(), Exit::Unknown);
}

#[test]
fn the_host_keepalive_is_read_from_its_file_and_a_bad_one_is_an_unread_part() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("tcp_keepalive_time");
    std::fs::write(&good, "7200\n").unwrap();
    let inputs = Inputs::load(None, None, Some(&good)).unwrap();
    assert_eq!(inputs.keepalive, Some(Ok(7200)));
    let bad = dir.path().join("garbage");
    std::fs::write(&bad, "soon\n").unwrap();
    let inputs = Inputs::load(None, None, Some(&bad)).unwrap();
    assert!(
        matches!(&inputs.keepalive, Some(Err(e)) if e.contains("not a number")),
        "{:?}",
        inputs.keepalive
    );
    let missing = Inputs::load(None, None, Some(&dir.path().join("none"))).unwrap();
    assert!(matches!(missing.keepalive, Some(Err(_))));
}

#[tokio::test]
async fn a_keepalive_that_cannot_be_read_is_named_as_not_read() {
    let p = pipeline("http://127.0.0.1:9");
    let oracle =
        OracleCollector::with_driver(p.oracle.clone(), SimOracleDb::new(healthy_db()), settings());
    let flink = FlinkCollector::new(p.flink.clone());
    let inputs = Inputs {
        keepalive: Some(Err("/proc/sys/net/ipv4/tcp_keepalive_time: gone".into())),
        ..Inputs::default()
    };
    let a = audit::audit_with(&p, &oracle, &flink, &inputs, None).await;
    assert!(a
        .unread
        .iter()
        .any(|u| u.system == System::Network && u.part == "net.ipv4.tcp_keepalive_time"));
}

#[tokio::test]
async fn an_unreachable_jobmanager_is_an_unread_part_and_exits_unknown() {
    let p = pipeline("http://127.0.0.1:9");
    let db = SimOracleDb::new(healthy_db());
    let oracle = OracleCollector::with_driver(p.oracle.clone(), db, settings());
    let flink = FlinkCollector::new(p.flink.clone());
    let a = audit::audit_with(&p, &oracle, &flink, &Inputs::default(), None).await;
    assert!(a.findings.is_empty(), "{:?}", a.checks());
    assert_eq!(a.unread.len(), 1);
    assert_eq!(a.unread[0].system, System::Flink);
    assert!(a.unread[0].part.contains("/jobmanager/config"));
    assert_eq!(a.exit(), Exit::Unknown);
}

// ---------------------------------------------------------------------------------------------
// The built binary
// ---------------------------------------------------------------------------------------------

fn bin() -> Command {
    crate::support::doctor("LMD_PASSWORD", PASSWORD)
}

fn config_file(dir: &Path, jm: &str) -> PathBuf {
    let path = dir.join("logminer-doctor.toml");
    std::fs::write(&path, config_text(jm, dir)).unwrap();
    path
}

fn run_audit(dir: &Path, jm: &str, args: &[&str]) -> Output {
    let cfg = config_file(dir, jm);
    bin()
        .arg("--config")
        .arg(&cfg)
        .arg("audit")
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn bad_input_files_exit_3_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on the JobManager's port: the files are read before anything else.
    let jm = "http://127.0.0.1:9";
    let broken = corpus("broken-unclosed-quote.sql");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--connector-options", "/nonexistent/connector.sql"],
            "error: cannot read connector options /nonexistent/connector.sql",
        ),
        (
            &["--connector-options", broken.to_str().unwrap()],
            "broken-unclosed-quote.sql, line 4: a '-quoted text is not closed",
        ),
        (
            &["--sqlnet", "/nonexistent/sqlnet.ora"],
            "error: cannot read /nonexistent/sqlnet.ora",
        ),
    ];
    for (args, message) in cases {
        let o = run_audit(dir.path(), jm, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {err}");
        assert!(
            err.contains(message),
            "{args:?}: expected {message:?} in {err}"
        );
        assert!(o.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
    // Files with content the audit refuses: a SQL file without an oracle-cdc table, and a Flink
    // CDC pipeline YAML (refused, not read as nonsense keys).
    let refused = [
        (
            "kafka.sql",
            "CREATE TABLE t (a INT) WITH ('connector' = 'kafka');",
            "no CREATE TABLE with 'connector' = 'oracle-cdc'",
        ),
        (
            "pipeline.yaml",
            "source:\n  type: oracle\n",
            "pipeline YAML is not read yet",
        ),
    ];
    for (name, content, message) in refused {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let o = run_audit(
            dir.path(),
            jm,
            &["--connector-options", file.to_str().unwrap()],
        );
        assert_eq!(o.status.code(), Some(3), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(message), "{name}: {err}");
    }
    // A sqlnet.ora line that is not NAME = value.
    let ora = dir.path().join("sqlnet.ora");
    std::fs::write(&ora, "SQLNET.EXPIRE_TIME = 5\nSQLNET.RECV_TIMEOUT\n").unwrap();
    let o = run_audit(dir.path(), jm, &["--sqlnet", ora.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("sqlnet.ora, line 2: expected NAME = value")
    );
}

#[test]
fn the_binary_prints_json_and_text_exits_by_the_worst_finding_and_never_the_password() {
    let jm = recorded_jobmanager();
    let dir = tempfile::tempdir().unwrap();
    let sql = corpus("flink-cdc-1036.sql");
    let args = ["--connector-options", sql.to_str().unwrap()];
    let o = run_audit_fmt(dir.path(), &jm.url, "json", &args);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    // A CRITICAL finding (no heartbeat) wins over the unread Oracle part (no database here).
    assert_eq!(
        o.status.code(),
        Some(2),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_str(&out).expect("stdout is JSON");
    assert_eq!(v[0]["pipeline"], "orders");
    assert_eq!(v[0]["exit"], 2);
    let checks = json_checks(&v[0]);
    assert!(
        checks.contains(&"flink.restart_strategy_none"),
        "{checks:?}"
    );
    assert!(checks.contains(&"connector.no_heartbeat"), "{checks:?}");
    assert!(v[0]["unread"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["system"] == "oracle"));
    for f in v[0]["findings"].as_array().unwrap() {
        for key in [
            "system", "severity", "setting", "value", "why", "fix", "source",
        ] {
            assert!(f[key].is_string(), "{key} in {f}");
        }
    }
    let text = run_audit_fmt(dir.path(), &jm.url, "text", &args);
    let text_out = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(text_out.contains("Audit of pipeline orders:"), "{text_out}");
    assert!(
        text_out.contains("[CRITICAL] debezium.heartbeat.interval.ms"),
        "{text_out}"
    );
    let zh = bin()
        .arg("--config")
        .arg(config_file(dir.path(), &jm.url))
        .args(["--lang", "zh", "audit"])
        .args(args)
        .output()
        .unwrap();
    let zh_out = String::from_utf8_lossy(&zh.stdout).to_string();
    assert!(
        zh_out.contains("的配置审计") && zh_out.contains("[严重]"),
        "{zh_out}"
    );
    for o in [&o, &text, &zh] {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!all.contains(PASSWORD), "the password leaked: {all}");
    }
}

#[test]
fn without_a_file_option_the_binary_reads_the_files_of_the_audit_section() {
    let jm = recorded_jobmanager();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(dir.path(), &jm.url);
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(&format!(
        "[pipeline.audit]\nconnector_options = \"{}\"\n",
        corpus("flink-cdc-1036.sql").display()
    ));
    std::fs::write(&cfg, text).unwrap();
    let o = bin()
        .arg("--config")
        .arg(&cfg)
        .args(["--format", "json", "audit"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let checks = json_checks(&v[0]);
    assert!(checks.contains(&"connector.no_heartbeat"), "{checks:?}");
    assert_eq!(o.status.code(), Some(2));
}

/// The `check` of every finding of one pipeline's JSON audit.
fn json_checks(audit: &Value) -> Vec<&str> {
    audit["findings"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["check"].as_str()).collect())
        .unwrap_or_default()
}

fn run_audit_fmt(dir: &Path, jm: &str, format: &str, args: &[&str]) -> Output {
    let cfg = config_file(dir, jm);
    bin()
        .arg("--config")
        .arg(&cfg)
        .args(["--format", format, "audit"])
        .args(args)
        .output()
        .expect("the binary runs")
}

// ---------------------------------------------------------------------------------------------
// The real cluster (tests/flink-job/setup.sh installs Flink 1.20 and ZooKeeper)
// ---------------------------------------------------------------------------------------------

/// The Flink findings of an audit of the JobManagers at `urls` for the job `job_name` (the
/// database is the simulated healthy one, so only Flink's findings are compared).
async fn flink_checks_of(urls: &[String], job_name: &str) -> (Vec<&'static str>, audit::Audit) {
    let mut p = pipeline(&urls[0]);
    p.flink.job_name = job_name.into();
    p.flink.jobmanagers = urls.iter().map(|u| u.parse().unwrap()).collect();
    let oracle =
        OracleCollector::with_driver(p.oracle.clone(), SimOracleDb::new(healthy_db()), settings());
    let flink = FlinkCollector::new(p.flink.clone());
    let a = audit::audit_with(&p, &oracle, &flink, &Inputs::default(), None).await;
    assert!(a.unread.is_empty(), "{:?}", a.unread);
    let checks = a
        .findings
        .iter()
        .filter(|f| f.system == System::Flink)
        .map(|f| f.check)
        .collect();
    (sorted(checks), a)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_cluster_with_a_poor_and_a_good_configuration_gives_the_expected_findings() {
    use crate::support::flink::ClusterTest;
    let t = ClusterTest::begin("audit_poor_and_good").await;
    let id = std::process::id();
    let storage = |name: &str| format!("file://{}", t.ha.dir.join(name).display());
    // No restart strategy, checkpoints deleted on cancel, a 3 s ZooKeeper session, a 10 min
    // checkpoint interval against the doctor's 5 min stall window, a 20 s checkpoint timeout,
    // no savepoint directory, no tolerated checkpoint failure.
    let poor_conf = format!(
        "restart-strategy.type: none\n\
         execution.checkpointing.interval: 10 min\n\
         execution.checkpointing.timeout: 20 s\n\
         execution.checkpointing.externalized-checkpoint-retention: DELETE_ON_CANCELLATION\n\
         high-availability.type: zookeeper\n\
         high-availability.storageDir: {}\n\
         high-availability.zookeeper.client.session-timeout: 3000\n",
        storage(&format!("audit-poor-ha-{id}"))
    );
    let good_conf = format!(
        "restart-strategy.type: exponential-delay\n\
         execution.checkpointing.interval: 30 s\n\
         execution.checkpointing.tolerable-failed-checkpoints: 3\n\
         execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION\n\
         execution.checkpointing.savepoint-dir: {}\n\
         high-availability.type: zookeeper\n\
         high-availability.storageDir: {}\n\
         high-availability.zookeeper.client.session-timeout: 30 s\n",
        storage("audit-good-savepoints"),
        storage(&format!("audit-good-ha-{id}"))
    );
    let poor =
        t.ha.start_lone_jobmanager(&format!("audit-poor-{id}"), &poor_conf)
            .await;
    let (poor_checks, poor_audit) =
        flink_checks_of(std::slice::from_ref(&poor.url), "orders-cdc").await;
    // The binary on the same JobManager, with no database reachable from here: the CRITICAL
    // retention finding decides the exit (2) over the Oracle part not read.
    let dir = tempfile::tempdir().unwrap();
    let poor_exit = run_audit(dir.path(), &poor.url, &[]).status.code();
    drop(poor);
    let good =
        t.ha.start_lone_jobmanager(&format!("audit-good-{id}"), &good_conf)
            .await;
    let (good_checks, good_audit) =
        flink_checks_of(std::slice::from_ref(&good.url), "orders-cdc").await;
    // No CRITICAL finding: the Oracle part not read makes it UNKNOWN (3), never OK.
    let good_exit = run_audit(dir.path(), &good.url, &[]).status.code();
    drop(good);
    eprintln!(
        "{}",
        audit::render_text(
            std::slice::from_ref(&poor_audit),
            logminer_doctor::lang::Lang::En
        )
    );
    // Both run on loopback with a file:// HA storage (one host: INFO), and neither runs the job.
    assert_eq!(
        poor_checks,
        vec![
            "flink.checkpoint_timeout_short",
            "flink.checkpoints_not_retained",
            "flink.ha_storage_local",
            "flink.job_not_found",
            "flink.no_savepoint_dir",
            "flink.no_tolerable_checkpoint_failures",
            "flink.restart_strategy_none",
            "flink.stall_window_too_short",
            "flink.zk_session_short",
        ]
    );
    assert_eq!(
        good_checks,
        vec![
            "flink.ha_storage_local",
            "flink.job_not_found",
            "flink.restart_exponential_never_fails",
        ]
    );
    assert_eq!(poor_audit.exit(), Exit::Critical);
    assert_eq!(good_audit.exit(), Exit::Ok);
    assert_eq!(poor_exit, Some(2));
    assert_eq!(good_exit, Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_cluster_job_settings_set_in_code_override_the_cluster() {
    use crate::support::feed::Feed;
    use crate::support::flink::ClusterTest;
    let t = ClusterTest::begin("audit_job_settings").await;
    let url = t.any_rest_url().await;
    let feed = Feed::start();
    let output = t.ha.new_output_dir("audit-job");
    let name = "audit-standin";
    let id = t.submit(&url, name, &feed.address(), &output, None).await;
    t.rest
        .wait_job_running(&url, &id, Duration::from_secs(90))
        .await;
    // Both JobManagers of the cluster: each one's /jobmanager/config is read, and they agree.
    let (checks, a) = flink_checks_of(&t.ha.rest_urls(), name).await;
    t.rest.cancel_and_wait(&url, &id).await;
    // The stand-in sets in code: fixed-delay with 2 attempts, checkpoints every 2 s retained
    // on cancellation. The shared cluster: a 4 s ZooKeeper session, file:// HA storage on one
    // host, a savepoint directory.
    assert_eq!(
        checks,
        vec![
            "flink.ha_storage_local",
            "flink.no_fixed_job_id",
            "flink.no_tolerable_checkpoint_failures",
            "flink.restart_attempts_few",
            "flink.zk_session_short",
        ],
        "{}",
        audit::render_text(std::slice::from_ref(&a), logminer_doctor::lang::Lang::En)
    );
    let restart = a
        .findings
        .iter()
        .find(|f| f.check == "flink.restart_attempts_few")
        .unwrap();
    assert_eq!(restart.value, "fixed-delay, 2 attempts");
    assert!(restart.setting.contains(&id), "{}", restart.setting);
}

// ---------------------------------------------------------------------------------------------
// watch's daily audit
// ---------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn watch_audits_at_start_then_daily_and_exports_the_findings_as_a_gauge() {
    use logminer_doctor::agent::audit::{run_daily, EVERY};
    use logminer_doctor::agent::Shared;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let shared = Arc::new(Shared::new(1));
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    // The first audit finds no heartbeat (CRITICAL) and cannot read Oracle; the next day the
    // setting is fixed and everything is read.
    let task = tokio::spawn(run_daily(
        vec![pipeline("http://127.0.0.1:9")],
        shared.clone(),
        EVERY,
        move |p| {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                let (findings, unread) = if n == 0 {
                    let c = connector::load(&corpus("flink-cdc-1082.sql")).unwrap();
                    let unread = vec![audit::Unread {
                        system: System::Oracle,
                        part: "the Oracle probe".into(),
                        error: "unreachable".into(),
                    }];
                    (connector::check(&c[0], OracleFacts::default()), unread)
                } else {
                    (vec![], vec![])
                };
                audit::Audit::new(&p.name, findings, unread)
            }
        },
    ));
    let series = |system: &str, severity: &str| {
        format!(
            "logminer_doctor_audit_findings{{pipeline=\"orders\",system=\"{system}\",severity=\"{severity}\"}}"
        )
    };
    let value = |text: &str, name: &str| -> Option<String> {
        text.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_string())
    };
    let unread = |text: &str| {
        value(
            text,
            "logminer_doctor_audit_unread_parts{pipeline=\"orders\"}",
        )
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "audited at start");
    let text = shared.metrics.encode();
    assert_eq!(
        value(&text, &series("connector", "CRITICAL")).as_deref(),
        Some("1"),
        "{text}"
    );
    assert_eq!(
        value(&text, &series("connector", "WARNING")).as_deref(),
        Some("1")
    );
    assert_eq!(
        value(&text, &series("connector", "INFO")).as_deref(),
        Some("1")
    );
    assert_eq!(
        value(&text, &series("flink", "CRITICAL")).as_deref(),
        Some("0")
    );
    assert_eq!(unread(&text).as_deref(), Some("1"));
    tokio::time::sleep(EVERY - Duration::from_secs(2)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "not again within the day");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2, "again after a day");
    let text = shared.metrics.encode();
    assert_eq!(
        value(&text, &series("connector", "CRITICAL")).as_deref(),
        Some("0")
    );
    assert_eq!(unread(&text).as_deref(), Some("0"));
    task.abort();
}

// ---------------------------------------------------------------------------------------------
// Every check fires somewhere, and renders in both languages
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_check_fires_in_some_scenario_and_renders_in_english_and_chinese() {
    use logminer_doctor::audit::flink::{
        self as fl, CheckpointSettings, FlinkSettings, JobSettings,
    };
    use logminer_doctor::audit::sqlnet;
    let mut all: Vec<audit::Finding> = Vec::new();
    // The connector corpus, on a 19c CDB and on a 23 database.
    for file in [
        "flink-cdc-1036.sql",
        "flink-cdc-2050.properties",
        "flink-cdc-3151.sql",
        "flink-cdc-1082.sql",
        "own-misspelt-and-later.sql",
        "own-datastream.args",
        "own-kafka-connect.properties",
    ] {
        let c = connector::load(&corpus(file)).unwrap();
        for facts in [
            OracleFacts {
                major: Some(19),
                cdb: Some(true),
                mining_sessions: Some(1),
            },
            OracleFacts {
                major: Some(23),
                cdb: Some(false),
                mining_sessions: Some(3),
            },
        ] {
            all.extend(connector::check(&c[0], facts));
        }
    }
    let timeout = connector::parse(
        "database.connection.timeout.ms=600000\n",
        connector::Style::Properties,
        "t.properties",
    )
    .unwrap();
    all.extend(connector::check(&timeout[0], OracleFacts::default()));
    // Every Oracle fault at once.
    let mut st = healthy_db();
    st.log_mode = "NOARCHIVELOG".into();
    st.supplemental_min = false;
    st.logged_tables.clear();
    st.dest_errors = vec![(2, "LOG_ARCHIVE_DEST_2".into(), "ORA-16038".into())];
    st.archived[0].first_time = st.now.minus(Duration::from_secs(600));
    st.log_switches = Some(30);
    st.recovery_area = (15 << 30, 5 << 30);
    st.undo_retention = 900;
    st.pga_limit = Some(60 << 20);
    st.idle_time = "30".into();
    all.extend(oracle_checks(st).await.1);
    // Flink: a poor cluster, a job without checkpoints, a job with few restarts and another id,
    // JobManagers that disagree, a long ZooKeeper session.
    let kv = |pairs: &[(&str, &str)]| -> std::collections::BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let mut ctx = context();
    ctx.jobmanager_hosts = vec!["jm1".into(), "jm2".into()];
    let poor = kv(&[
        ("restart-strategy.type", "none"),
        ("execution.checkpointing.interval", "10 min"),
        ("execution.checkpointing.timeout", "20 s"),
        ("high-availability.type", "zookeeper"),
        ("high-availability.storageDir", "file:///ha"),
        ("high-availability.zookeeper.client.session-timeout", "3 s"),
    ]);
    let other = kv(&[("restart-strategy.type", "exponential-delay")]);
    all.extend(fl::check(
        &FlinkSettings {
            cluster: poor.clone(),
            job: None,
            jobmanagers: vec![("jm1".into(), poor.clone()), ("jm2".into(), other.clone())],
        },
        &ctx,
    ));
    all.extend(fl::check(
        &FlinkSettings {
            cluster: kv(&[("high-availability.type", "zookeeper")]),
            job: Some(JobSettings {
                id: "j1".into(),
                restart_strategy: Some("Restart deactivated.".into()),
                checkpoints: None,
            }),
            jobmanagers: vec![],
        },
        &Context {
            failover_grace: Duration::from_secs(30),
            ..context()
        },
    ));
    all.extend(fl::check(
        &FlinkSettings {
            cluster: other,
            job: Some(JobSettings {
                id: "j2".into(),
                restart_strategy: Some(
                    "Restart with fixed delay (1 s). #2 restart attempts.".into(),
                ),
                checkpoints: Some(CheckpointSettings {
                    interval: Duration::from_secs(60),
                    timeout: Duration::from_secs(600),
                    tolerable_failures: Some(3),
                    externalized: true,
                    delete_on_cancellation: false,
                }),
            }),
            jobmanagers: vec![],
        },
        &Context {
            fixed_job_id: Some("j3".into()),
            ..context()
        },
    ));
    all.extend(fl::check(
        &FlinkSettings {
            cluster: kv(&[("restart-strategy.type", "exponential-delay")]),
            job: Some(JobSettings {
                id: "j4".into(),
                restart_strategy: None,
                checkpoints: None,
            }),
            jobmanagers: vec![],
        },
        &context(),
    ));
    // The network.
    all.extend(sqlnet::check_sqlnet(&sqlnet::SqlnetOra::new()));
    all.extend(sqlnet::check_sqlnet(
        &sqlnet::parse("SQLNET.EXPIRE_TIME = 60\nSQLNET.RECV_TIMEOUT = 30\n", "s").unwrap(),
    ));
    all.extend(sqlnet::check_keepalive(7200));

    let mut fired: Vec<&str> = all.iter().map(|f| f.check).collect();
    fired.sort();
    fired.dedup();
    let mut known: Vec<&str> = audit::CHECKS.to_vec();
    known.sort();
    assert_eq!(
        fired, known,
        "every check fires, and none is missing from CHECKS"
    );
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for f in &all {
        assert!(
            !f.why.en.is_empty() && !f.fix.en.is_empty() && !f.source.is_empty(),
            "{}",
            f.check
        );
        assert!(
            cjk(&f.why.zh),
            "{}: the Chinese why is Chinese: {}",
            f.check,
            f.why.zh
        );
        assert!(!f.fix.zh.is_empty(), "{}", f.check);
        assert_ne!(f.why.en, f.why.zh, "{}", f.check);
    }
}

// ---------------------------------------------------------------------------------------------
// Retention and undo against what the doctor saw
// ---------------------------------------------------------------------------------------------

/// Observes the simulated `world` every 10 minutes for `d`, stores each observation in `h` and
/// the real decision table's verdict over the last four in the timeline, as `watch` does.
async fn watch_world(
    world: &mut logminer_doctor::simulator::World,
    output: &logminer_doctor::collectors::output::FileSinkCollector,
    h: &logminer_doctor::store::History,
    window: &mut Vec<logminer_doctor::observation::Observation>,
    d: Duration,
) {
    use logminer_doctor::collectors::OutputSource as _;
    use logminer_doctor::diagnose::{diagnose, DiagnoseOptions, Thresholds};
    use logminer_doctor::observation::Observation;
    let step = Duration::from_secs(600);
    for _ in 0..d.as_secs() / step.as_secs() {
        world.run(step);
        let o = Observation {
            pipeline: "orders".into(),
            observed_at: world.now,
            oracle: world.oracle_snapshot(),
            flink: world.flink_snapshot(),
            zookeeper: world.zookeeper_snapshot(),
            output: output.observe().await,
            observed_by: None,
        };
        h.record_observation(
            &o,
            logminer_doctor::store::Retention {
                max_age: Duration::from_secs(7 * 24 * 3600),
                max_count: 100_000,
            },
        )
        .await
        .unwrap();
        window.push(o);
        if window.len() > 4 {
            window.remove(0);
        }
        let opts = DiagnoseOptions {
            pipeline: "orders".into(),
            from_scn: None,
            rolling_interval: Duration::ZERO,
        };
        h.record_diagnosis(&diagnose(window, &Thresholds::default(), &opts))
            .await
            .unwrap();
    }
}

/// A simulated pipeline snapshots for 2 h, streams for an hour, then its tables stay quiet for
/// 31 h; the doctor observes it every 10 minutes and judges it with the real decision table into
/// a real state database. A database keeping 30 h of redo passes the 24 h floor but not the
/// quiet period seen plus the lag; `undo_retention` of 1 h passes the floor but not the 2 h
/// snapshot seen. Without the history, neither is reported; with a connector that sends no
/// heartbeat, the short retention becomes CRITICAL.
#[tokio::test]
async fn retention_and_undo_are_compared_with_the_quiet_period_and_the_snapshot_seen() {
    use logminer_doctor::audit::exposure;
    use logminer_doctor::collectors::output::FileSinkCollector;
    use logminer_doctor::config::{OutputConfig, OutputFormat};
    use logminer_doctor::observation::Timestamp;
    use logminer_doctor::simulator::{Connector, World};
    use logminer_doctor::store::History;

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let start = Timestamp::from_system_time(std::time::SystemTime::now())
        .minus(Duration::from_secs(35 * 3600));
    let mut w = World::new(&out, start);
    let output = FileSinkCollector::new(OutputConfig {
        dir: out.clone(),
        format: OutputFormat::Json {
            scn_pointer: "/source/scn".into(),
        },
        rolling_interval: Duration::ZERO,
    });
    let state = dir.path().join("state");
    let h = History::open(&state).unwrap();
    let mut window = Vec::new();
    w.set_connector(Connector::Snapshotting);
    watch_world(
        &mut w,
        &output,
        &h,
        &mut window,
        Duration::from_secs(2 * 3600),
    )
    .await;
    w.set_connector(Connector::Mining);
    watch_world(&mut w, &output, &h, &mut window, Duration::from_secs(3600)).await;
    w.changes_per_s = 0.0;
    watch_world(
        &mut w,
        &output,
        &h,
        &mut window,
        Duration::from_secs(31 * 3600),
    )
    .await;
    w.changes_per_s = 5.0;
    watch_world(&mut w, &output, &h, &mut window, Duration::from_secs(1800)).await;

    let e = exposure::read(&h, "orders", w.now).await.unwrap();
    let quiet = e
        .longest_quiet
        .expect("the quiet day was judged idle_source");
    assert!(!quiet.ongoing && !quiet.cut_off, "{quiet:?}");
    // The idle verdict needs a few observations of quiet before it holds: 31 h less at most an
    // hour.
    assert!(
        quiet.length >= Duration::from_secs(30 * 3600)
            && quiet.length <= Duration::from_secs(31 * 3600),
        "{quiet:?}"
    );
    let snapshot = e.snapshot.expect("the snapshot was seen");
    assert!(!snapshot.ongoing && snapshot.cut_off, "{snapshot:?}");
    assert!(
        snapshot.length >= Duration::from_secs(3000)
            && snapshot.length <= Duration::from_secs(2 * 3600),
        "{snapshot:?}"
    );
    let lag = e
        .lag
        .expect("the lag is estimated from the output's last SCN");
    assert!(lag < Duration::from_secs(15 * 60), "{lag:?}");

    let mut st = healthy_db();
    st.archived[0].first_time = st.now.minus(Duration::from_secs(30 * 3600));
    st.undo_retention = 3600;
    let db = SimOracleDb::new(st);
    let c = OracleCollector::with_driver(oracle_config(), db, settings());
    let (s, unread) = oracle::read(&c).await;
    assert!(unread.is_empty(), "{unread:?}");
    let floors = oracle::check(&s, &context(), "CDC");
    assert!(
        floors.is_empty(),
        "30 h of redo and 1 h of undo pass the floors: {floors:?}"
    );
    let seen = oracle::check(
        &s,
        &Context {
            exposure: Some(e),
            ..context()
        },
        "CDC",
    );
    assert_eq!(
        sorted(seen.iter().map(|f| f.check).collect()),
        ["oracle.short_redo_retention", "oracle.undo_retention_short"]
    );
    let retention = &seen[0];
    assert_eq!(retention.severity, Severity::Warning);
    assert!(
        retention
            .value
            .starts_with("1day 6h ago; needed: the longest quiet period seen, 1day"),
        "{}",
        retention.value
    );
    assert!(
        retention.value.contains("+ the connector's lag ("),
        "{}",
        retention.value
    );
    assert!(
        retention.fix.en.contains("SYSDATE-2"),
        "{}",
        retention.fix.en
    );
    let undo = &seen[1];
    assert!(
        undo.value
            .starts_with("3600 s; needed: the snapshot seen lasted at least 1h"),
        "{}",
        undo.value
    );
    assert!(
        undo.fix.en.contains("undo_retention = 10800"),
        "{}",
        undo.fix.en
    );

    // Across systems: the connector of flink-cdc#1036 sends no heartbeat, so the quiet period
    // seen would have lost its resume point: CRITICAL. With heartbeats it stays a WARNING.
    let p = pipeline("http://127.0.0.1:9");
    let flink = FlinkCollector::new(p.flink.clone());
    for (options, severity) in [
        ("flink-cdc-1036.sql", Severity::Critical),
        ("own-good.sql", Severity::Warning),
    ] {
        let inputs = Inputs::load(Some(&corpus(options)), None, None).unwrap();
        let a = audit::audit_with(&p, &c, &flink, &inputs, Some(e)).await;
        let r: Vec<&audit::Finding> = a
            .findings
            .iter()
            .filter(|f| f.check == "oracle.short_redo_retention")
            .collect();
        assert_eq!(r.len(), 1, "{options}: {:?}", a.checks());
        assert_eq!(r[0].severity, severity, "{options}");
    }
}
