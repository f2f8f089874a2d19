//! The config file: the example parses, and each validation rule reports its key path.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use logminer_doctor::config::{
    Config, ConfigError, ConfigProblem, Env, OutputFormat, RemediationMode, ScnColumn, SecretSource,
};
use logminer_doctor::diagnose::thresholds::THRESHOLD_DOCS;
use logminer_doctor::diagnose::Thresholds;
use logminer_doctor::lang::Lang;

const PASSWORD: &str = "Tiger-Secret-42";
const FULL: &str = include_str!("../fixtures/config/full.toml");
const FULL_PATH: &str = "tests/fixtures/config/full.toml";

/// Environment variables and files, in memory.
#[derive(Default)]
struct TestEnv {
    vars: HashMap<String, String>,
    files: HashMap<PathBuf, String>,
}

impl TestEnv {
    /// The secrets `full.toml` and `MINIMAL` name.
    fn standard() -> Self {
        let mut env = TestEnv::default();
        env.vars
            .insert("LMD_ORDERS_PASSWORD".into(), PASSWORD.into());
        env.vars.insert("LMD_PASSWORD".into(), PASSWORD.into());
        env.files.insert(
            "/etc/logminer-doctor/billing.password".into(),
            format!("{PASSWORD}\n"),
        );
        env
    }
}

impl Env for TestEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
    fn read_file(&self, path: &Path) -> io::Result<String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
}

/// The smallest valid file; tests change one key at a time with `edit`.
const MINIMAL: &str = r#"
[[pipeline]]
name = "p1"

[pipeline.oracle]
connect_string = "db:1521/ORCLPDB1"
user = "LMD_MONITOR"
password_env = "LMD_PASSWORD"
connector_user = "CDC"
captured_tables = ["APP.ORDERS"]

[pipeline.flink]
jobmanagers = ["http://jm1:8081"]
job_name = "cdc"

[pipeline.output]
dir = "/data/out"
format = "csv"
csv_scn_column = "SCN"
"#;

/// `text` with each `(path, value)` applied: `path` is dotted under `pipeline[0]` (or `/` for the
/// top level, `pipeline[1]` via a leading `1.`), `value` a TOML value, or `None` to remove.
fn edit(text: &str, edits: &[(&str, Option<&str>)]) -> String {
    let mut doc: toml::Table = text.parse().unwrap();
    for (path, value) in edits {
        let (top, path) = match path.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, *path),
        };
        let mut parts: Vec<&str> = path.split('.').collect();
        let last = parts.pop().unwrap();
        let mut table = &mut doc;
        if !top {
            let index = match parts.first().and_then(|p| p.parse::<usize>().ok()) {
                Some(i) => {
                    parts.remove(0);
                    i
                }
                None => 0,
            };
            let pipelines = doc.get_mut("pipeline").unwrap().as_array_mut().unwrap();
            table = pipelines[index].as_table_mut().unwrap();
        }
        for part in parts {
            table = table
                .entry(part)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .unwrap();
        }
        match value {
            Some(v) => {
                let parsed: toml::Table = format!("v = {v}").parse().unwrap();
                table.insert(last.into(), parsed["v"].clone());
            }
            None => {
                table.remove(last);
            }
        }
    }
    toml::to_string(&doc).unwrap()
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, Path::new("test.toml"), &TestEnv::standard())
}

fn problems(text: &str) -> Vec<ConfigProblem> {
    match parse(text) {
        Ok(_) => panic!("expected problems, the config was accepted:\n{text}"),
        Err(ConfigError::Invalid { problems, .. }) => problems,
        Err(e) => panic!("expected ConfigError::Invalid, got {e:?}"),
    }
}

/// Asserts that applying `edits` to `MINIMAL` yields exactly one problem, at `key`, whose message
/// contains `needle`.
#[track_caller]
fn rejects(edits: &[(&str, Option<&str>)], key: &str, needle: &str) {
    let found = problems(&edit(MINIMAL, edits));
    assert!(
        found.len() == 1 && found[0].key == key && found[0].message.en.contains(needle),
        "expected one problem at {key} containing {needle:?}, got {found:#?}"
    );
    // Every problem is said in Chinese too (the key as written, the message in Chinese).
    let zh = found[0].render(Lang::Zh);
    assert!(
        zh.starts_with(key) && zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "no Chinese for {key}: {zh}"
    );
}

#[track_caller]
fn accepts(edits: &[(&str, Option<&str>)]) -> Config {
    match parse(&edit(MINIMAL, edits)) {
        Ok(config) => config,
        Err(ConfigError::Invalid { problems, .. }) => panic!("rejected: {problems:#?}"),
        Err(e) => panic!("{e}"),
    }
}

// -- the example ------------------------------------------------------------------------------

#[test]
fn full_example_loads_with_every_key_and_the_minimal_pipeline_gets_defaults() {
    let config = Config::load(Path::new(FULL_PATH), &TestEnv::standard()).unwrap();
    assert_eq!(config.pipelines.len(), 2);

    let orders = config.pipeline("orders").unwrap();
    assert_eq!(orders.oracle.connector_user, "CDC_ORDERS");
    assert_eq!(orders.oracle.captured_tables.len(), 3);
    assert_eq!(
        orders.flink.jobmanagers[1].as_str(),
        "http://flink-jm2.example.com:8082/"
    );
    assert_eq!(orders.zookeeper.as_ref().unwrap().quorum.len(), 3);
    assert_eq!(orders.thresholds, Thresholds::default());
    let resubmit = orders.remediation.resubmit.as_ref().unwrap();
    assert_eq!(resubmit.job_id, "a3f5c0d2e4b6478890abcdef12345678");
    assert_eq!(resubmit.parallelism.get(), 1);
    assert!(orders.remediation.auto);
    // [pipeline.audit]: relative to the config file's directory.
    assert!(orders.audit.host_keepalive);
    assert!(orders
        .audit
        .connector_options
        .as_ref()
        .is_some_and(|p| p.ends_with("config/sql/orders-cdc.sql")));
    assert_eq!(
        orders.output.format,
        OutputFormat::Json {
            scn_pointer: "/source/scn".into()
        }
    );

    let billing = config.pipeline("billing").unwrap();
    assert_eq!(
        billing.oracle.flush_table.to_string(),
        "CDC_BILLING.LOG_MINING_FLUSH"
    );
    assert_eq!(billing.oracle.call_timeout, Duration::from_secs(10));
    assert_eq!(billing.oracle.slow_facts_interval, Duration::from_secs(300));
    assert_eq!(billing.flink.source_operator, "Source");
    assert_eq!(billing.flink.sink_operator, "Sink");
    assert_eq!(billing.flink.request_timeout, Duration::from_secs(5));
    assert!(billing.zookeeper.is_none());
    assert_eq!(billing.thresholds, Thresholds::default());
    assert_eq!(billing.remediation.mode, RemediationMode::Savepoint);
    assert_eq!(billing.remediation.budget_restarts.get(), 3);
    assert_eq!(billing.remediation.budget_window, Duration::from_secs(3600));
    assert!(!billing.remediation.auto && billing.remediation.resubmit.is_none());
    assert_eq!(
        billing.output.format,
        OutputFormat::Csv {
            scn_column: ScnColumn::Name("SCN".into()),
            delimiter: b','
        }
    );
    // The file's trailing newline is not part of the password.
    assert_eq!(billing.oracle.password.expose(), PASSWORD);
    assert_eq!(
        billing.oracle.password.source(),
        &SecretSource::File("/etc/logminer-doctor/billing.password".into())
    );
}

#[test]
fn full_example_writes_every_threshold_with_its_documented_default() {
    for doc in THRESHOLD_DOCS {
        let bare = format!("\n{} = {}\n", doc.key, doc.default);
        let quoted = format!("\n{} = \"{}\"\n", doc.key, doc.default);
        assert!(
            FULL.contains(&bare) || FULL.contains(&quoted),
            "full.toml does not write {} = {}",
            doc.key,
            doc.default
        );
    }
}

#[test]
fn loaded_config_debug_never_shows_the_password() {
    let config = Config::load(Path::new(FULL_PATH), &TestEnv::standard()).unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains(PASSWORD));
    assert!(debug.contains("**REDACTED**"));
}

// -- file-level errors --------------------------------------------------------------------------

#[test]
fn load_of_a_missing_file_is_a_read_error_naming_the_path() {
    let err = Config::load(Path::new("/nonexistent/lmd.toml"), &TestEnv::standard()).unwrap_err();
    assert!(
        matches!(&err, ConfigError::Read { path, .. } if path == Path::new("/nonexistent/lmd.toml"))
    );
    assert!(err.to_string().contains("/nonexistent/lmd.toml"));
    assert!(err
        .report()
        .starts_with("/nonexistent/lmd.toml: cannot read: "));
}

#[test]
fn syntax_error_is_reported_with_line_and_column() {
    let found = problems("[[pipeline]]\nname = \"p1\"\njob_name = = 3\n");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key, "line 3, column 12");
}

#[test]
fn a_file_without_pipelines_is_rejected() {
    let found = problems("# nothing yet\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].key, "pipeline");
    assert!(found[0].message.en.contains("at least one"));
}

#[test]
fn pipeline_written_as_a_single_table_is_rejected() {
    let found = problems("[pipeline]\nname = \"p1\"\n");
    assert_eq!(found[0].key, "pipeline");
    assert!(found[0].message.en.contains("[[pipeline]]"), "{found:#?}");
}

#[test]
fn every_mistake_in_the_file_is_reported_at_once_with_its_key_path() {
    let text = edit(
        MINIMAL,
        &[
            (
                "flink.jobmanagers",
                Some(r#"["http://jm1:8081", "jm2:8081"]"#),
            ),
            ("oracle.call_timeout", Some(r#""0s""#)),
            ("thresholds.stall_window", Some(r#""5 parsecs""#)),
            ("remediation.budget_restarts", Some("0")),
            ("output.json_scn_pointer", Some(r#""/source/scn""#)),
        ],
    );
    let mut keys: Vec<String> = problems(&text).into_iter().map(|p| p.key).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "pipeline[0].flink.jobmanagers[1]",
            "pipeline[0].oracle.call_timeout",
            "pipeline[0].output.json_scn_pointer",
            "pipeline[0].remediation.budget_restarts",
            "pipeline[0].thresholds.stall_window",
        ]
    );
}

#[test]
fn mistakes_in_two_pipelines_are_both_reported() {
    let text = format!("{MINIMAL}{}", MINIMAL.replace("\"p1\"", "\"p2\""));
    let text = edit(
        &text,
        &[
            ("0.flink.job_name", Some("\"\"")),
            ("1.oracle.captured_tables", Some("[]")),
        ],
    );
    let keys: Vec<String> = problems(&text).into_iter().map(|p| p.key).collect();
    assert_eq!(
        keys,
        [
            "pipeline[0].flink.job_name",
            "pipeline[1].oracle.captured_tables"
        ]
    );
}

#[test]
fn unknown_keys_are_reported_at_every_level() {
    let text = edit(
        MINIMAL,
        &[
            // `[agent]` exists since issue 5: a misspelt top-level section is still caught.
            ("/agnet", Some(r#"{ listen = "0.0.0.0:9000" }"#)),
            ("nmae", Some(r#""typo""#)),
            ("oracle.pasword_env", Some(r#""X""#)),
            ("thresholds.stall_windw", Some(r#""5m""#)),
            (
                "remediation.resubmit",
                Some(
                    r#"{ jar = "a.jar", entry_class = "A", job_id = "0123456789abcdef0123456789abcdef", savepoint = "x" }"#,
                ),
            ),
        ],
    );
    let found = problems(&text);
    let mut keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "agnet",
            "pipeline[0].nmae",
            "pipeline[0].oracle.pasword_env",
            "pipeline[0].remediation.resubmit.savepoint",
            "pipeline[0].thresholds.stall_windw",
        ]
    );
    assert!(found
        .iter()
        .all(|p| p.message.en.starts_with("unknown key")));
    // The message lists the keys that are allowed there, so a typo is easy to spot.
    let oracle = found
        .iter()
        .find(|p| p.key.ends_with("pasword_env"))
        .unwrap();
    assert!(oracle.message.en.contains("password_env"), "{oracle}");
}

#[test]
fn report_prints_one_line_per_problem_with_file_and_key() {
    let err = parse(&edit(
        MINIMAL,
        &[("name", Some(r#""""#)), ("flink.job_name", None)],
    ))
    .unwrap_err();
    assert_eq!(err.to_string(), "config file test.toml has 2 problem(s)");
    assert_eq!(
        err.report(),
        "test.toml: pipeline[0].name: must not be empty\n\
         test.toml: pipeline[0].flink.job_name: required key is missing\n"
    );
}

#[test]
fn a_value_of_the_wrong_type_is_reported_once_with_its_key() {
    rejects(
        &[("oracle.call_timeout", Some("10"))],
        "pipeline[0].oracle.call_timeout",
        "duration",
    );
    rejects(
        &[("remediation.auto", Some(r#""yes""#))],
        "pipeline[0].remediation.auto",
        "bool",
    );
    // A section of the wrong type is not also reported as missing.
    rejects(
        &[("flink", Some(r#""http://jm1:8081""#))],
        "pipeline[0].flink",
        "expected a table",
    );
}

#[test]
fn missing_sections_and_keys_are_each_reported() {
    rejects(
        &[("flink", None)],
        "pipeline[0].flink",
        "required section is missing",
    );
    rejects(
        &[("oracle.connect_string", None)],
        "pipeline[0].oracle.connect_string",
        "missing",
    );
    rejects(&[("output.dir", None)], "pipeline[0].output.dir", "missing");
}

// -- one test per rule ------------------------------------------------------------------------

#[test]
fn pipeline_names_are_non_empty_label_safe_and_unique() {
    rejects(
        &[("name", Some(r#""""#))],
        "pipeline[0].name",
        "must not be empty",
    );
    rejects(
        &[("name", Some(r#""orders prod""#))],
        "pipeline[0].name",
        "letters, digits",
    );
    rejects(
        &[("name", Some(r#""a\"b""#))],
        "pipeline[0].name",
        "letters, digits",
    );
    accepts(&[("name", Some(r#""orders-prod_1.eu""#))]);
    let twice = format!("{MINIMAL}{MINIMAL}");
    let found = problems(&twice);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].key, "pipeline[1].name");
    assert!(
        found[0]
            .message
            .en
            .contains("also used by pipeline[0].name"),
        "{found:#?}"
    );
}

#[test]
fn jobmanagers_are_a_non_empty_list_of_http_urls() {
    rejects(
        &[("flink.jobmanagers", Some("[]"))],
        "pipeline[0].flink.jobmanagers",
        "at least one",
    );
    rejects(
        &[(
            "flink.jobmanagers",
            Some(r#"["http://jm1:8081", "ftp://jm2:8081"]"#),
        )],
        "pipeline[0].flink.jobmanagers[1]",
        "http://",
    );
    rejects(
        &[("flink.jobmanagers", Some(r#"["jm1 8081"]"#))],
        "pipeline[0].flink.jobmanagers[0]",
        "not a URL",
    );
    rejects(
        &[("flink.jobmanagers", Some(r#"["http://admin:pw@jm1:8081"]"#))],
        "pipeline[0].flink.jobmanagers[0]",
        "user name or password",
    );
    let config = accepts(&[(
        "flink.jobmanagers",
        Some(r#"["https://jm1:8443", "http://10.0.0.2:8081"]"#),
    )]);
    assert_eq!(config.pipelines[0].flink.jobmanagers.len(), 2);
}

#[test]
fn connector_user_and_tables_are_oracle_identifiers_upper_cased() {
    rejects(
        &[("oracle.connector_user", Some(r#""1CDC""#))],
        "pipeline[0].oracle.connector_user",
        "not a valid Oracle name",
    );
    rejects(
        &[("oracle.connector_user", Some(r#""\"Cdc\"""#))],
        "pipeline[0].oracle.connector_user",
        "quoted",
    );
    rejects(
        &[("oracle.captured_tables", Some(r#"["ORDERS"]"#))],
        "pipeline[0].oracle.captured_tables[0]",
        "OWNER.TABLE",
    );
    rejects(
        &[(
            "oracle.captured_tables",
            Some(r#"["APP.ORDERS", "APP.ORDER-LINES"]"#),
        )],
        "pipeline[0].oracle.captured_tables[1]",
        "not a valid Oracle name",
    );
    rejects(
        &[("oracle.flush_table", Some(r#""APP.""#))],
        "pipeline[0].oracle.flush_table",
        "not a valid Oracle name",
    );
    let config = accepts(&[
        ("oracle.connector_user", Some(r#""c##cdc""#)),
        ("oracle.captured_tables", Some(r#"["app.orders"]"#)),
    ]);
    let oracle = &config.pipelines[0].oracle;
    assert_eq!(oracle.connector_user, "C##CDC");
    assert_eq!(oracle.captured_tables[0].to_string(), "APP.ORDERS");
    assert_eq!(oracle.flush_table.to_string(), "C##CDC.LOG_MINING_FLUSH");
}

#[test]
fn captured_tables_must_not_be_empty() {
    rejects(
        &[("oracle.captured_tables", Some("[]"))],
        "pipeline[0].oracle.captured_tables",
        "at least one",
    );
    rejects(
        &[("oracle.captured_tables", None)],
        "pipeline[0].oracle.captured_tables",
        "missing",
    );
}

#[test]
fn exactly_one_password_source_is_configured() {
    rejects(
        &[("oracle.password_file", Some(r#""/etc/pw""#))],
        "pipeline[0].oracle",
        "not both",
    );
    rejects(
        &[("oracle.password_env", None)],
        "pipeline[0].oracle",
        "password_env or password_file",
    );
}

#[test]
fn password_env_var_must_be_set_and_the_message_names_it_not_a_value() {
    rejects(
        &[("oracle.password_env", Some(r#""LMD_UNSET""#))],
        "pipeline[0].oracle.password_env",
        "environment variable LMD_UNSET is not set",
    );
    let mut env = TestEnv::standard();
    env.vars.insert("LMD_PASSWORD".into(), String::new());
    let err = Config::from_toml(MINIMAL, Path::new("t.toml"), &env).unwrap_err();
    assert!(
        err.report()
            .contains("environment variable LMD_PASSWORD is empty"),
        "{}",
        err.report()
    );

    let config = accepts(&[]);
    let password = &config.pipelines[0].oracle.password;
    assert_eq!(password.expose(), PASSWORD);
    assert_eq!(password.source(), &SecretSource::Env("LMD_PASSWORD".into()));
}

#[test]
fn password_file_must_be_readable_and_is_relative_to_the_config_file() {
    let edits = [
        ("oracle.password_env", None),
        ("oracle.password_file", Some(r#""secrets/pw""#)),
    ];
    let text = edit(MINIMAL, &edits);
    let err =
        Config::from_toml(&text, Path::new("/etc/lmd/lmd.toml"), &TestEnv::standard()).unwrap_err();
    assert_eq!(
        err.report(),
        "/etc/lmd/lmd.toml: pipeline[0].oracle.password_file: cannot read password file \
         /etc/lmd/secrets/pw: no such file\n"
    );

    let mut env = TestEnv::standard();
    env.files
        .insert("/etc/lmd/secrets/pw".into(), format!("{PASSWORD}\r\n"));
    let config = Config::from_toml(&text, Path::new("/etc/lmd/lmd.toml"), &env).unwrap();
    assert_eq!(config.pipelines[0].oracle.password.expose(), PASSWORD);

    env.files.insert("/etc/lmd/secrets/pw".into(), "\n".into());
    let err = Config::from_toml(&text, Path::new("/etc/lmd/lmd.toml"), &env).unwrap_err();
    assert!(err
        .report()
        .contains("password file /etc/lmd/secrets/pw is empty"));
}

#[test]
fn problems_never_contain_the_password() {
    // A password read fine while another key is wrong.
    let text = edit(MINIMAL, &[("flink.jobmanagers", Some("[]"))]);
    let err = parse(&text).unwrap_err();
    assert!(!err.report().contains(PASSWORD) && !format!("{err:?}").contains(PASSWORD));

    // The classic slip: the password itself written where the variable's name belongs.
    let slip = format!("\"{PASSWORD}\"");
    let text = edit(MINIMAL, &[("oracle.password_env", Some(&slip))]);
    let err = parse(&text).unwrap_err();
    assert!(!err.report().contains(PASSWORD), "{}", err.report());
    assert!(err.report().contains("not an environment variable name"));
}

#[test]
fn durations_must_parse_and_be_positive_where_zero_makes_no_sense() {
    rejects(
        &[("oracle.call_timeout", Some(r#""ten seconds""#))],
        "pipeline[0].oracle.call_timeout",
        "",
    );
    rejects(
        &[("oracle.call_timeout", Some(r#""0s""#))],
        "pipeline[0].oracle.call_timeout",
        "greater than 0",
    );
    rejects(
        &[("oracle.slow_facts_interval", Some(r#""0s""#))],
        "pipeline[0].oracle.slow_facts_interval",
        "greater than 0",
    );
    rejects(
        &[("oracle.slow_facts_interval", Some(r#""often""#))],
        "pipeline[0].oracle.slow_facts_interval",
        "",
    );
    rejects(
        &[("flink.request_timeout", Some(r#""0ms""#))],
        "pipeline[0].flink.request_timeout",
        "greater than 0",
    );
    rejects(
        &[("thresholds.stall_window", Some(r#""0s""#))],
        "pipeline[0].thresholds.stall_window",
        "greater than 0",
    );
    rejects(
        &[("thresholds.mining_call_gap", Some(r#""0s""#))],
        "pipeline[0].thresholds.mining_call_gap",
        "greater than 0",
    );
    rejects(
        &[("remediation.budget_window", Some(r#""0s""#))],
        "pipeline[0].remediation.budget_window",
        "greater than 0",
    );
    // Zero is meaningful here: no grace, no early warning, a sink that rolls on checkpoint.
    let config = accepts(&[
        ("thresholds.failover_grace", Some(r#""0s""#)),
        ("thresholds.redo_headroom_warning", Some(r#""0s""#)),
        ("output.rolling_interval", Some(r#""0s""#)),
        ("oracle.call_timeout", Some(r#""1m 30s""#)),
    ]);
    assert_eq!(
        config.pipelines[0].oracle.call_timeout,
        Duration::from_secs(90)
    );
}

#[test]
fn thresholds_not_written_keep_their_defaults() {
    let config = accepts(&[("thresholds.stall_window", Some(r#""10m""#))]);
    let t = &config.pipelines[0].thresholds;
    assert_eq!(t.stall_window, Duration::from_secs(600));
    assert_eq!(
        Thresholds {
            stall_window: Thresholds::default().stall_window,
            ..t.clone()
        },
        Thresholds::default()
    );
}

#[test]
fn percentages_and_ratios_are_in_range_and_warning_is_below_critical() {
    rejects(
        &[("thresholds.recovery_area_critical_pct", Some("120"))],
        "pipeline[0].thresholds.recovery_area_critical_pct",
        "between 0 and 100",
    );
    rejects(
        &[("thresholds.recovery_area_warning_pct", Some("-5"))],
        "pipeline[0].thresholds.recovery_area_warning_pct",
        "between 0 and 100",
    );
    rejects(
        &[("thresholds.pga_warning_ratio", Some("80"))],
        "pipeline[0].thresholds.pga_warning_ratio",
        "between 0 and 1",
    );
    rejects(
        &[("thresholds.pga_warning_ratio", Some("nan"))],
        "pipeline[0].thresholds.pga_warning_ratio",
        "between 0 and 1",
    );
    rejects(
        &[("thresholds.backpressure_ms_per_s", Some("1500"))],
        "pipeline[0].thresholds.backpressure_ms_per_s",
        "between 0 and 1000",
    );
    rejects(
        &[
            ("thresholds.recovery_area_warning_pct", Some("97")),
            ("thresholds.recovery_area_critical_pct", Some("90")),
        ],
        "pipeline[0].thresholds.recovery_area_warning_pct",
        "below recovery_area_critical_pct",
    );
    rejects(
        &[("thresholds.crash_loop_restarts", Some("0"))],
        "pipeline[0].thresholds.crash_loop_restarts",
        "at least 1",
    );
    rejects(
        &[("thresholds.checkpoint_failures", Some("-1"))],
        "pipeline[0].thresholds.checkpoint_failures",
        "",
    );
    let config = accepts(&[
        ("thresholds.pga_warning_ratio", Some("0.9")),
        ("thresholds.recovery_area_warning_pct", Some("70.5")),
    ]);
    assert_eq!(config.pipelines[0].thresholds.pga_warning_ratio, 0.9);
}

#[test]
fn csv_output_needs_an_scn_column_and_a_one_character_delimiter() {
    rejects(
        &[("output.csv_scn_column", None)],
        "pipeline[0].output.csv_scn_column",
        "required when format = \"csv\"",
    );
    rejects(
        &[("output.csv_scn_column", Some("-1"))],
        "pipeline[0].output.csv_scn_column",
        "must be >= 0",
    );
    rejects(
        &[("output.csv_scn_column", Some("1.5"))],
        "pipeline[0].output.csv_scn_column",
        "column name",
    );
    rejects(
        &[("output.csv_delimiter", Some(r#""::""#))],
        "pipeline[0].output.csv_delimiter",
        "one ASCII character",
    );
    rejects(
        &[("output.csv_delimiter", Some(r#""§""#))],
        "pipeline[0].output.csv_delimiter",
        "one ASCII character",
    );
    rejects(
        &[("output.json_scn_pointer", Some(r#""/source/scn""#))],
        "pipeline[0].output.json_scn_pointer",
        "only valid with format = \"json\"",
    );
    let config = accepts(&[
        ("output.csv_scn_column", Some("4")),
        ("output.csv_delimiter", Some(r#""\t""#)),
    ]);
    assert_eq!(
        config.pipelines[0].output.format,
        OutputFormat::Csv {
            scn_column: ScnColumn::Index(4),
            delimiter: b'\t'
        }
    );
}

#[test]
fn json_output_needs_a_pointer_starting_with_a_slash_and_no_csv_keys() {
    let json = [
        ("output.format", Some(r#""json""#)),
        ("output.csv_scn_column", None),
    ];
    rejects(
        &json,
        "pipeline[0].output.json_scn_pointer",
        "required when format = \"json\"",
    );
    let mut edits = json.to_vec();
    edits.push(("output.json_scn_pointer", Some(r#""source.scn""#)));
    rejects(
        &edits,
        "pipeline[0].output.json_scn_pointer",
        "must start with '/'",
    );
    edits.pop();
    edits.push(("output.json_scn_pointer", Some(r#""/source/a~2b""#)));
    rejects(
        &edits,
        "pipeline[0].output.json_scn_pointer",
        "'~' must be followed by 0 or 1",
    );
    edits.pop();
    edits.push(("output.json_scn_pointer", Some(r#""/source/scn""#)));
    let config = accepts(&edits);
    assert_eq!(
        config.pipelines[0].output.format,
        OutputFormat::Json {
            scn_pointer: "/source/scn".into()
        }
    );
    edits.push(("output.csv_delimiter", Some(r#"";""#)));
    rejects(
        &edits,
        "pipeline[0].output.csv_delimiter",
        "only valid with format = \"csv\"",
    );
    rejects(
        &[("output.format", Some(r#""parquet""#))],
        "pipeline[0].output.format",
        "unknown variant",
    );
}

#[test]
fn zookeeper_quorum_entries_are_host_and_port() {
    let zk = |quorum: &'static str| [("zookeeper.quorum", Some(quorum))];
    rejects(
        &zk(r#"["zk1:2181", "zk2"]"#),
        "pipeline[0].zookeeper.quorum[1]",
        "host:port",
    );
    rejects(
        &zk(r#"["zk1:99999"]"#),
        "pipeline[0].zookeeper.quorum[0]",
        "not a port",
    );
    rejects(
        &zk(r#"["zk1:0"]"#),
        "pipeline[0].zookeeper.quorum[0]",
        "not a port",
    );
    rejects(
        &zk(r#"[":2181"]"#),
        "pipeline[0].zookeeper.quorum[0]",
        "host:port",
    );
    rejects(&zk("[]"), "pipeline[0].zookeeper.quorum", "at least one");
    rejects(
        &[
            ("zookeeper.quorum", Some(r#"["zk1:2181"]"#)),
            ("zookeeper.root", Some(r#""flink""#)),
        ],
        "pipeline[0].zookeeper.root",
        "start with '/'",
    );
    let config = accepts(&zk(r#"["zk1:2181", "[::1]:2182"]"#));
    let zk = config.pipelines[0].zookeeper.as_ref().unwrap();
    assert_eq!(
        (zk.root.as_str(), zk.cluster_id.as_str()),
        ("/flink", "default")
    );
    assert_eq!(zk.session_timeout, Duration::from_secs(10));
}

#[test]
fn resubmit_needs_a_jar_a_hex_job_id_and_parallelism_of_at_least_one() {
    let section = r#"{ jar = "job.jar", entry_class = "com.example.Job", job_id = "0123456789ABCDEF0123456789abcdef" }"#;
    let with = |key: &'static str, value: Option<&'static str>| {
        [("remediation.resubmit", Some(section)), (key, value)]
    };
    let text = edit(
        MINIMAL,
        &with("remediation.resubmit.program_args", Some(r#"["--fast"]"#)),
    );
    let config =
        Config::from_toml(&text, Path::new("/etc/lmd/lmd.toml"), &TestEnv::standard()).unwrap();
    let r = config.pipelines[0].remediation.resubmit.as_ref().unwrap();
    // Lower-cased, as Flink's REST API prints job ids.
    assert_eq!(r.job_id, "0123456789abcdef0123456789abcdef");
    // Relative to the config file.
    assert_eq!(r.jar, Path::new("/etc/lmd/job.jar"));
    assert_eq!(r.parallelism.get(), 1);
    assert_eq!(r.program_args, ["--fast"]);

    let at = "pipeline[0].remediation.resubmit";
    rejects(
        &with("remediation.resubmit.parallelism", Some("0")),
        &format!("{at}.parallelism"),
        "at least 1",
    );
    rejects(
        &with("remediation.resubmit.job_id", Some(r#""1234""#)),
        &format!("{at}.job_id"),
        "32 hex digits",
    );
    rejects(
        &with(
            "remediation.resubmit.job_id",
            Some(r#""0123456789abcdef0123456789abcdeg""#),
        ),
        &format!("{at}.job_id"),
        "32 hex digits",
    );
    rejects(
        &with("remediation.resubmit.job_id", None),
        &format!("{at}.job_id"),
        "missing",
    );
    rejects(
        &with("remediation.resubmit.jar", Some(r#""""#)),
        &format!("{at}.jar"),
        "must not be empty",
    );
}

#[test]
fn restart_budget_is_at_least_one() {
    rejects(
        &[("remediation.budget_restarts", Some("0"))],
        "pipeline[0].remediation.budget_restarts",
        "at least 1",
    );
    rejects(
        &[("remediation.budget_restarts", Some("-2"))],
        "pipeline[0].remediation.budget_restarts",
        "at least 1",
    );
    let config = accepts(&[
        ("remediation.budget_restarts", Some("5")),
        ("remediation.mode", Some(r#""advise_only""#)),
    ]);
    assert_eq!(config.pipelines[0].remediation.budget_restarts.get(), 5);
    assert_eq!(
        config.pipelines[0].remediation.mode,
        RemediationMode::AdviseOnly
    );
}

#[test]
fn auto_remediation_needs_a_resubmit_section_and_savepoint_mode() {
    rejects(
        &[("remediation.auto", Some("true"))],
        "pipeline[0].remediation.auto",
        "needs [pipeline.remediation.resubmit]",
    );
    rejects(
        &[
            ("remediation.auto", Some("true")),
            ("remediation.mode", Some(r#""advise_only""#)),
        ],
        "pipeline[0].remediation.auto",
        "advise_only",
    );
}

// -- [agent] and the per-pipeline interval (issue 5) -------------------------------------------

#[test]
fn agent_section_is_optional_and_defaults_each_key() {
    let config = accepts(&[]);
    let a = &config.agent;
    assert_eq!(a.listen.to_string(), "127.0.0.1:9464");
    assert_eq!(a.state_dir, PathBuf::from("logminer-doctor-state"));
    assert_eq!(a.concurrency.get(), 8);
    assert_eq!(a.history_samples.get(), 20);
    assert_eq!(a.alerts.hold_down.get(), 4);
    assert_eq!(a.alerts.renotify, Duration::from_secs(4 * 3600));
    assert!(a.alerts.alertmanager.is_none() && a.alerts.webhook.is_none());
    assert_eq!(config.pipelines[0].interval, Duration::from_secs(15));
}

#[test]
fn agent_keys_and_pipeline_interval_are_read() {
    let config = accepts(&[
        ("/agent.listen", Some("\"0.0.0.0:9999\"")),
        ("/agent.alertmanager_url", Some("\"http://am:9093\"")),
        ("/agent.alert_hold_down", Some("2")),
        ("interval", Some("\"1m\"")),
    ]);
    assert_eq!(config.agent.listen.port(), 9999);
    assert_eq!(config.agent.alerts.hold_down.get(), 2);
    assert_eq!(
        config.agent.alerts.alertmanager.as_ref().unwrap().as_str(),
        "http://am:9093/"
    );
    assert_eq!(config.pipelines[0].interval, Duration::from_secs(60));
}

#[test]
fn agent_rules_each_report_their_key() {
    rejects(
        &[("/agent.listen", Some("\"nowhere\""))],
        "agent.listen",
        "not an address",
    );
    rejects(
        &[("/agent.concurrency", Some("0"))],
        "agent.concurrency",
        "at least 1",
    );
    rejects(
        &[("/agent.history_samples", Some("1"))],
        "agent.history_samples",
        "one observation",
    );
    rejects(
        &[("/agent.webhook_url", Some("\"ftp://x\""))],
        "agent.webhook_url",
        "http",
    );
    rejects(
        &[("/agent.colour", Some("1"))],
        "agent.colour",
        "unknown key",
    );
    rejects(
        &[("interval", Some("\"0s\""))],
        "pipeline[0].interval",
        "greater than 0",
    );
}

#[test]
fn agent_and_pipeline_mistakes_are_reported_together() {
    let found = problems(&edit(
        MINIMAL,
        &[
            ("/agent.alert_retries", Some("-1")),
            ("interval", Some("\"soon\"")),
        ],
    ));
    let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    assert!(
        keys.contains(&"agent.alert_retries") && keys.contains(&"pipeline[0].interval"),
        "{found:#?}"
    );
}

// -- chat alert channels (issue 6) -------------------------------------------------------------

#[test]
fn chat_channels_load_with_language_secret_and_keyword() {
    let mut text = MINIMAL.to_owned();
    text.push_str(
        r#"
[agent]
status_url = "https://doctor.example/status"

[agent.slack]
url = "https://hooks.slack.com/services/T/B/X"

[agent.dingtalk]
url = "https://oapi.dingtalk.com/robot/send?access_token=t"
language = "zh"
secret_env = "LMD_PASSWORD"
keyword = "告警"

[agent.feishu]
url = "https://open.feishu.cn/open-apis/bot/v2/hook/x"
language = "zh"
"#,
    );
    let c = parse(&text).unwrap();
    let a = &c.agent.alerts;
    let d = a.dingtalk.as_ref().unwrap();
    assert_eq!(d.language, logminer_doctor::config::Language::Zh);
    assert_eq!(d.secret.as_ref().unwrap().expose(), PASSWORD);
    assert_eq!(d.keyword.as_deref(), Some("告警"));
    assert!(a.feishu.as_ref().unwrap().secret.is_none());
    assert_eq!(
        a.slack.as_ref().unwrap().language,
        logminer_doctor::config::Language::En
    );
    assert!(a.wecom.is_none());
    assert!(!format!("{c:?}").contains(PASSWORD));
}

#[test]
fn chat_channels_reject_an_unknown_language_and_a_secret_the_service_lacks() {
    let mut text = MINIMAL.to_owned();
    text.push_str(
        r#"
[agent.wecom]
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
language = "fr"
secret_env = "LMD_PASSWORD"
"#,
    );
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.key == "agent.wecom.language" && p.message.en.contains("\"fr\"")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.key == "agent.wecom" && p.message.en.contains("no signing secret")),
        "{found:#?}"
    );
}

// -- email alerts (issue 6) --------------------------------------------------------------------

fn with_email(body: &str) -> String {
    format!("{MINIMAL}\n[agent.email]\n{body}\n")
}

#[test]
fn email_loads_with_default_ports_per_tls_mode_and_a_password_from_the_environment() {
    for (tls, port) in [
        ("", 587),
        ("tls = \"starttls\"", 587),
        ("tls = \"implicit\"", 465),
        ("tls = \"none\"", 25),
    ] {
        let c = parse(&with_email(&format!(
            "host = \"smtp.example.com\"\n{tls}\nusername = \"alerts\"\npassword_env = \"LMD_PASSWORD\"\nfrom = \"logminer-doctor <doctor@example.com>\"\nto = [\"oncall@example.com\", \"DBA <dba@example.com>\"]\nlanguage = \"zh\""
        )))
        .unwrap();
        let e = c.agent.alerts.email.as_ref().unwrap();
        assert_eq!(e.port, port, "{tls}");
        assert_eq!(e.password.as_ref().unwrap().expose(), PASSWORD);
        assert_eq!(e.to.len(), 2);
        assert_eq!(e.from.email.to_string(), "doctor@example.com");
        assert_eq!(e.language, logminer_doctor::config::Language::Zh);
        assert!(!format!("{c:?}").contains(PASSWORD));
    }
    let c = parse(&with_email(
        "host = \"smtp.example.com\"\nport = 2525\nfrom = \"d@example.com\"\nto = [\"o@example.com\"]\nca_file = \"certs/relay-ca.pem\"",
    ))
    .unwrap();
    let e = c.agent.alerts.email.as_ref().unwrap();
    assert_eq!(e.port, 2525);
    assert!(e.username.is_none() && e.password.is_none());
    // Relative to the config file's directory, like every path.
    assert!(
        e.ca_file.as_ref().unwrap().ends_with("certs/relay-ca.pem"),
        "{:?}",
        e.ca_file
    );
}

#[test]
fn every_email_mistake_is_named_by_its_key() {
    let cases: &[(&str, &str, &str)] = &[
        ("from = \"d@example.com\"\nto = [\"o@example.com\"]", "agent.email", "host"),
        ("host = \"h\"\nto = [\"o@example.com\"]", "agent.email", "from"),
        ("host = \"h\"\nfrom = \"d@example.com\"", "agent.email", "to"),
        ("host = \"h\"\nfrom = \"d@example.com\"\nto = []", "agent.email.to", "at least one recipient"),
        ("host = \"h\"\nfrom = \"not an address\"\nto = [\"o@example.com\"]", "agent.email.from", "not an email address"),
        ("host = \"h\"\nfrom = \"d@example.com\"\nto = [\"o@example.com\", \"@@\"]", "agent.email.to[1]", "not an email address"),
        ("host = \"h\"\nfrom = \"d@example.com\"\nto = [\"o@example.com\"]\npassword_env = \"LMD_PASSWORD\"", "agent.email", "needs a username"),
        ("host = \"h\"\nfrom = \"d@example.com\"\nto = [\"o@example.com\"]\ntls = \"ssl\"", "agent.email.tls", "not a TLS mode"),
        ("host = \"h\"\nfrom = \"d@example.com\"\nto = [\"o@example.com\"]\nport = 70000", "agent.email.port", "not a port"),
        ("host = \"h\"\nfrom = \"d@example.com\"\nto = [\"o@example.com\"]\nusername = \"u\"\npassword_env = \"NOPE_UNSET\"", "agent.email", "NOPE_UNSET"),
        ("host = \"h\"\nfrom = \"d@example.com\"\nto = [\"o@example.com\"]\ntls = \"none\"\nca_file = \"ca.pem\"", "agent.email.ca_file", "no certificate is checked"),
        ("host = \"h\"\nfrom = \"d@example.com\"\nto = [\"o@example.com\"]\nlanguage = \"de\"", "agent.email.language", "\"de\""),
        ("host = \"h\"\nfrom = \"d@example.com\"\nto = [\"o@example.com\"]\nsubject = \"x\"", "agent.email", "subject"),
    ];
    for (body, key, says) in cases {
        let found = problems(&with_email(body));
        assert!(
            found
                .iter()
                .any(|p| p.key.starts_with(key)
                    && (p.message.en.contains(says) || p.key.contains(says))),
            "{body:?}: expected {key} to say {says:?}; got {found:#?}"
        );
    }
}

// -- credentials in alert URLs (issue 13) ------------------------------------------------------

// See: #13
#[test]
fn alert_urls_with_a_user_name_or_password_are_rejected_without_echoing_it() {
    for (key, value) in [
        ("alertmanager_url", "http://lmd:S3cret-pw@am:9093"),
        (
            "webhook_url",
            "https://bot:S3cret-pw@hooks.example/abc?token=t",
        ),
        ("status_url", "https://user@doctor.example/status"),
        (
            "slack.url",
            "https://u:S3cret-pw@hooks.slack.com/services/T/B/X",
        ),
    ] {
        let found = problems(&edit(
            MINIMAL,
            &[(&format!("/agent.{key}"), Some(&format!("{value:?}")))],
        ));
        assert!(
            found.len() == 1
                && found[0].key == format!("agent.{key}")
                && found[0]
                    .message
                    .en
                    .contains("must not contain a user name or password"),
            "{key}: {found:#?}"
        );
        assert!(!format!("{found:?}").contains("S3cret-pw"), "{found:#?}");
    }
    // A malformed URL is quoted with its secrets redacted.
    let found = problems(&edit(
        MINIMAL,
        &[(
            "/agent.webhook_url",
            Some("\"ftp://bot:S3cret-pw@hooks.example/x?token=S3cret-pw\""),
        )],
    ));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].message.en,
        "\"ftp://**REDACTED**@hooks.example/x?**REDACTED**\": expected an http:// or https:// URL"
    );
    // Redacted in Chinese too: both languages are formatted from the same redacted value.
    assert!(
        !found[0].message.zh.contains("S3cret-pw"),
        "{:?}",
        found[0].message
    );
    // A token in the query is how generic webhooks authenticate: accepted.
    let config = accepts(&[(
        "/agent.webhook_url",
        Some("\"https://hooks.example/abc?token=t\""),
    )]);
    assert!(config.agent.alerts.webhook.is_some());
}

#[test]
fn durations_beyond_a_year_are_refused_instead_of_overflowing() {
    // u64::MAX seconds parses as a Duration; added to anything it would panic, and an interval
    // that long probes once and never again.
    for k in [
        "interval",
        "thresholds.stall_window",
        "thresholds.failover_grace",
        "thresholds.redo_headroom_warning",
        "flink.request_timeout",
    ] {
        rejects(
            &[(k, Some("\"18446744073709551615s\""))],
            &format!("pipeline[0].{k}"),
            "must be at most",
        );
    }
    rejects(
        &[("interval", Some("\"999999999h\""))],
        "pipeline[0].interval",
        "must be at most \"366d\"",
    );
    accepts(&[("interval", Some("\"366d\""))]);
}

#[test]
fn the_agent_token_comes_from_env_or_file_never_inline() {
    let text = format!("{MINIMAL}\n[agent]\ntoken_env = \"LMD_PASSWORD\"\n");
    let config = parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let token = config.agent.token.expect("the token is loaded");
    assert!(!format!("{token:?}").contains(token.expose()));
    let both = format!("{MINIMAL}\n[agent]\ntoken_env = \"LMD_PASSWORD\"\ntoken_file = \"/x\"\n");
    let found = problems(&both);
    assert!(
        found
            .iter()
            .any(|p| p.key == "agent" && p.message.en.contains("not both")),
        "{found:#?}"
    );
    let inline = format!("{MINIMAL}\n[agent]\ntoken = \"s3cret\"\n");
    assert!(problems(&inline).iter().any(|p| p.key == "agent.token"));
}

/// A fault campaign in miniature: the full example with a slice of it replaced by anything,
/// or a value replaced by an extreme one, never panics and never hangs; it loads or reports.
mod mutated {
    use proptest::prelude::*;

    use super::*;

    const VALUES: &[&str] = &[
        "\"18446744073709551615s\"",
        "\"999999999h\"",
        "-1",
        "0",
        "1e309",
        "nan",
        "true",
        "1979-05-27T07:32:00Z",
        "\"\"",
        "[]",
        "{}",
        "\"\\u0000\"",
        "\"/dev/zero\"",
    ];

    proptest! {
        #![proptest_config(crate::support::property_cases())]

        #[test]
        fn a_spliced_config_loads_or_reports(at in 0usize..4000, len in 0usize..40, junk in ".{0,40}") {
            let full = std::fs::read_to_string(FULL_PATH).unwrap();
            let at = at.min(full.len());
            let end = (at + len).min(full.len());
            if full.is_char_boundary(at) && full.is_char_boundary(end) {
                let text = format!("{}{junk}{}", &full[..at], &full[end..]);
                let _ = Config::from_toml(&text, Path::new(FULL_PATH), &TestEnv::standard());
            }
        }

        #[test]
        fn an_extreme_value_loads_or_reports(line in 0usize..200, value in proptest::sample::select(VALUES)) {
            let full = std::fs::read_to_string(FULL_PATH).unwrap();
            let lines: Vec<&str> = full.lines().collect();
            let i = line % lines.len();
            let edited: Vec<String> = lines
                .iter()
                .enumerate()
                .map(|(n, l)| match l.split_once(" = ") {
                    Some((k, _)) if n == i => format!("{k} = {value}"),
                    _ => l.to_string(),
                })
                .collect();
            let _ = Config::from_toml(&edited.join("\n"), Path::new(FULL_PATH), &TestEnv::standard());
        }
    }
}

#[test]
fn messages_name_the_value_found_a_date_time_and_the_line_of_a_bad_byte() {
    rejects(
        &[("output.format", Some("true"))],
        "pipeline[0].output.format",
        "found boolean true, expected a name in quotes",
    );
    rejects(
        &[("flink.job_name", Some("1979-05-27T07:32:00Z"))],
        "pipeline[0].flink.job_name",
        "date-time",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, b"[[pipeline]]\nname = \"p\xff\"\n").unwrap();
    let err = Config::load(&path, &TestEnv::standard()).unwrap_err();
    let chain = {
        let mut s = err.to_string();
        let mut src = std::error::Error::source(&err);
        while let Some(e) = src {
            s.push_str(&format!(": {e}"));
            src = e.source();
        }
        s
    };
    // `name = "p` is 9 characters: the bad byte is the 10th of line 2.
    assert!(chain.contains("line 2, column 10"), "{chain}");
}

#[test]
fn the_fleet_section_gets_its_defaults_and_each_mistake_is_named() {
    let c = accepts(&[(
        "/agent.fleet.zookeeper",
        Some(r#"["zk1:2181", "zk2:2181"]"#),
    )]);
    let f = c.agent.fleet.expect("a fleet");
    assert_eq!(f.zookeeper, ["zk1:2181", "zk2:2181"]);
    assert_eq!(f.root, "/logminer-doctor/fleet");
    assert_eq!(f.session_timeout, Duration::from_secs(10));
    assert!(
        f.member.ends_with(&format!("-{}", std::process::id())),
        "host name and pid: {}",
        f.member
    );
    assert!(
        accepts(&[]).agent.fleet.is_none(),
        "no section: watch alone"
    );
    let zk = ("/agent.fleet.zookeeper", Some(r#"["zk1:2181"]"#));
    rejects(
        &[("/agent.fleet.member", Some(r#""doctor-a""#))],
        "agent.fleet.zookeeper",
        "missing",
    );
    rejects(
        &[zk, ("/agent.fleet.root", Some(r#""/logminer-doctor/""#))],
        "agent.fleet.root",
        "not end with one",
    );
    rejects(
        &[zk, ("/agent.fleet.root", Some(r#""fleet""#))],
        "agent.fleet.root",
        "must start with '/'",
    );
    rejects(
        &[zk, ("/agent.fleet.member", Some(r#""a/b""#))],
        "agent.fleet.member",
        "cannot name a ZooKeeper node",
    );
    rejects(
        &[("/agent.fleet.zookeeper", Some(r#"["zk1"]"#))],
        "agent.fleet.zookeeper[0]",
        "host:port",
    );
    rejects(
        &[zk, ("/agent.fleet.session_timeout", Some(r#""0s""#))],
        "agent.fleet.session_timeout",
        "",
    );
    rejects(
        &[zk, ("/agent.fleet.members", Some(r#""x""#))],
        "agent.fleet",
        "unknown field `members`",
    );
}
