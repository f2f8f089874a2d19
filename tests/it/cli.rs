//! The built binary: exit codes, stable JSON, messages for bad input, secrets kept out of
//! every output, and the README's example config.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use logminer_doctor::config::{Config, Env};
use serde_json::Value;

use crate::fake_flink::FakeFlink;

const PASSWORD: &str = "s3cr3t-Tiger#42";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_logminer-doctor"));
    // English unless a test asks otherwise: the machine's locale must not pick the language.
    c.env("LMD_TEST_PASSWORD", PASSWORD)
        .env_remove("LMD_LOG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally, not by a signal")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/observations/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A config for one pipeline whose output is `dir` and whose JobManagers are `jms`.
fn write_config(dir: &Path, output: &Path, jms: &[String]) -> PathBuf {
    let jms: Vec<String> = jms.iter().map(|j| format!("\"{j}\"")).collect();
    let text = format!(
        r#"
[[pipeline]]
name = "orders"
[pipeline.oracle]
connect_string = "127.0.0.1:1/ORCLPDB1"
user = "LMD_MONITOR"
password_env = "LMD_TEST_PASSWORD"
connector_user = "CDC"
captured_tables = ["SHOP.ORDERS"]
[pipeline.flink]
jobmanagers = [{}]
job_name = "orders-cdc"
[pipeline.output]
dir = "{}"
format = "csv"
csv_scn_column = 0
"#,
        jms.join(", "),
        output.display()
    );
    let path = dir.join("logminer-doctor.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A fake JobManager with a healthy RUNNING job named "orders-cdc".
fn flink() -> FakeFlink {
    let jm = FakeFlink::start();
    jm.healthy_job("1.20");
    jm
}

/// A committed part file with CSV rows (SCN first), modified `age` ago.
fn committed_file(dir: &Path, age: Duration) {
    let bucket = dir.join("2026-11-24--10");
    std::fs::create_dir_all(&bucket).unwrap();
    let path = bucket.join("part-0c1d-0.csv");
    std::fs::write(&path, "48000001,c,ORDERS\n48000002,u,ORDERS\n").unwrap();
    let f = std::fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(SystemTime::now() - age).unwrap();
}

// ---------------------------------------------------------------------------------------------
// demo
// ---------------------------------------------------------------------------------------------

#[test]
fn demo_runs_every_scenario_and_each_produces_its_cause() {
    let o = run(&["demo", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let runs: Vec<Value> = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        runs.len(),
        logminer_doctor::diagnose::Cause::ALL.len() - 1,
        "one scenario per cause but unknown"
    );
    for r in &runs {
        assert_eq!(r["diagnosis"]["cause"], r["scenario"], "{r:#}");
    }
}

#[test]
fn demo_text_starts_each_diagnosis_with_the_plugin_line() {
    let o = run(&["demo", "--scenario", "dead_connection"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("LOGMINER-DOCTOR CRITICAL - orders: dead_connection - "),
        "{out}"
    );
    assert!(out.contains("What to do:"), "{out}");
}

#[test]
fn demo_with_an_unknown_scenario_exits_3_and_lists_the_names() {
    let o = run(&["demo", "--scenario", "bogus"]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("idle_source"), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------------------------
// diagnose
// ---------------------------------------------------------------------------------------------

#[test]
fn replayed_bundles_exit_with_the_monitoring_plugin_codes() {
    for (file, exit) in [
        ("healthy", 0),
        ("two_mining_sessions", 1),
        ("dead_connection", 2),
        ("unknown_without_database_and_flink", 3),
    ] {
        let o = run(&["diagnose", "--replay", &fixture(file)]);
        assert_eq!(code(&o), exit, "{file}: {}{}", stdout(&o), stderr(&o));
    }
}

/// Text follows `--lang`, else the locale (LC_ALL, LC_MESSAGES, LANG); JSON stays English.
#[test]
fn text_output_follows_lang_or_the_locale_and_json_stays_english() {
    let han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let replay = ["diagnose", "--replay", &fixture("dead_connection")];
    let zh = run(&[&replay[..], &["--lang", "zh"]].concat());
    assert_eq!(code(&zh), 2);
    let text = stdout(&zh);
    assert!(
        text.contains("证据：") && text.contains("处理建议："),
        "{text}"
    );
    assert!(!text.contains("Evidence:"), "{text}");
    // Numbers and ids are the same in both languages.
    let en = stdout(&run(&replay));
    assert!(en.contains("Evidence:") && !han(&en), "{en}");
    for id in ["1/245,31887", "48026955"] {
        assert_eq!(en.contains(id), text.contains(id), "{id}");
    }
    let by_locale = bin()
        .args(replay)
        .env("LANG", "zh_CN.UTF-8")
        .output()
        .unwrap();
    assert!(stdout(&by_locale).contains("证据："));
    // LC_ALL outranks LANG, as POSIX has it.
    let c_all = bin()
        .args(replay)
        .env("LANG", "zh_CN.UTF-8")
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    assert!(stdout(&c_all).contains("Evidence:"));
    let json = bin()
        .args(replay)
        .args(["--format", "json", "--lang", "zh"])
        .output()
        .unwrap();
    let j = stdout(&json);
    assert!(!han(&j), "JSON is English whatever the language: {j}");
    // explain and check-config follow it too.
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.txt");
    std::fs::write(
        &trace,
        "java.sql.SQLException: ORA-01291: missing logfile\n",
    )
    .unwrap();
    let x = stdout(&run(&["explain", "--lang", "zh", trace.to_str().unwrap()]));
    assert!(
        x.contains("判定：missing_redo") && x.contains("ORA-01291"),
        "{x}"
    );
    assert!(han(x.lines().last().unwrap_or_default()), "{x}");
}

#[test]
fn diagnose_json_has_the_documented_fields() {
    let o = run(&[
        "diagnose",
        "--replay",
        &fixture("dead_connection"),
        "--format",
        "json",
    ]);
    let v: Vec<Value> = serde_json::from_str(&stdout(&o)).unwrap();
    let d = &v[0];
    for key in [
        "pipeline",
        "cause",
        "severity",
        "summary",
        "evidence",
        "warnings",
        "missing_signals",
        "remediation",
        "observed_at",
        "observations",
    ] {
        assert!(d.get(key).is_some(), "missing {key} in {d:#}");
    }
    assert_eq!(d["cause"], "dead_connection");
    assert_eq!(d["severity"], "CRITICAL");
    assert!(d["evidence"][0]["fact"].is_string());
}

#[test]
fn a_missing_config_is_unknown_not_ok() {
    let o = run(&["--config", "/nonexistent/lmd.toml", "diagnose"]);
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).contains("/nonexistent/lmd.toml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_config_with_several_mistakes_reports_each_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[[pipeline]]\nname = \"orders\"\ncolour = 1\n[pipeline.oracle]\ncall_timeout = \"soon\"\n",
    )
    .unwrap();
    let o = run(&["--config", path.to_str().unwrap(), "diagnose"]);
    assert_eq!(code(&o), 3);
    let err = stderr(&o);
    assert!(err.contains("pipeline[0].colour"), "{err}");
    assert!(err.contains("pipeline[0].oracle.call_timeout"), "{err}");
    assert!(err.contains("pipeline[0].flink"), "{err}");
    // The same problems in Chinese, keys as written.
    let zh = stderr(&run(&[
        "--config",
        path.to_str().unwrap(),
        "diagnose",
        "--lang",
        "zh",
    ]));
    assert!(
        zh.contains("pipeline[0].colour：未知的配置项") && zh.contains("pipeline[0].flink：缺少"),
        "{zh}"
    );
}

#[test]
fn a_usage_error_exits_3() {
    let o = run(&["diagnose", "--samples", "0"]);
    assert_eq!(code(&o), 3);
    let o = run(&["frobnicate"]);
    assert_eq!(code(&o), 3);
}

#[test]
fn help_lists_the_exit_codes() {
    let o = run(&["--help"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("3  UNKNOWN"), "{}", stdout(&o));
}

#[test]
fn live_diagnose_reads_the_output_and_names_what_it_could_not_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    committed_file(&out, Duration::from_secs(3600));
    let jm = flink();
    let config = write_config(dir.path(), &out, std::slice::from_ref(&jm.url));
    let o = run(&[
        "--config",
        config.to_str().unwrap(),
        "diagnose",
        "--samples",
        "2",
        "--interval",
        "100ms",
        "--format",
        "json",
    ]);
    let v: Vec<Value> = serde_json::from_str(&stdout(&o)).unwrap();
    let missing = v[0]["missing_signals"].to_string();
    if missing.contains("DPI-1047") {
        // No Oracle Client on this machine (CI): the doctor's own setup problem, not evidence
        // about Oracle. Stale output, a RUNNING job whose counters are flat, and no database
        // signals: no step can decide, and it says why, with the install guidance.
        assert_eq!(code(&o), 3, "{}", stderr(&o));
        assert_eq!(v[0]["cause"], "unknown");
        assert!(missing.contains("Instant Client 19"), "{missing}");
    } else {
        // With a client, nothing listens at 127.0.0.1:1: a stale output and an Oracle the
        // doctor cannot reach.
        assert_eq!(v[0]["cause"], "oracle_unreachable", "{}", stdout(&o));
    }
    assert_eq!(v[0]["observations"], 2);
}

#[test]
fn save_then_replay_gives_the_same_diagnosis() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    committed_file(&out, Duration::from_secs(5));
    let jm = flink();
    let config = write_config(dir.path(), &out, std::slice::from_ref(&jm.url));
    let bundle = dir.path().join("bundle.json");
    let live = run(&[
        "--config",
        config.to_str().unwrap(),
        "diagnose",
        "--samples",
        "2",
        "--interval",
        "50ms",
        "--format",
        "json",
        "--save",
        bundle.to_str().unwrap(),
    ]);
    let replay = run(&[
        "diagnose",
        "--replay",
        bundle.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&live), code(&replay));
    assert_eq!(stdout(&live), stdout(&replay));
    let v: Vec<Value> = serde_json::from_str(&stdout(&replay)).unwrap();
    assert_eq!(v[0]["cause"], "healthy", "{:#}", v[0]);
}

#[test]
fn json_stays_valid_when_the_output_directory_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let jm = flink();
    let config = write_config(
        dir.path(),
        &dir.path().join("no-such-dir"),
        std::slice::from_ref(&jm.url),
    );
    let o = run(&[
        "--config",
        config.to_str().unwrap(),
        "diagnose",
        "--samples",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 3);
    let v: Vec<Value> = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert!(v[0]["missing_signals"].to_string().contains("no-such-dir"));
}

#[test]
fn garbage_in_part_files_is_reported_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let bucket = out.join("2026-11-24--10");
    std::fs::create_dir_all(&bucket).unwrap();
    std::fs::write(
        bucket.join("part-0-0.csv"),
        [0xff_u8, 0xfe, 0x00, 0x13, 0x37, b'\n', 0x80],
    )
    .unwrap();
    let jm = flink();
    let config = write_config(dir.path(), &out, std::slice::from_ref(&jm.url));
    let o = run(&[
        "--config",
        config.to_str().unwrap(),
        "diagnose",
        "--samples",
        "1",
        "--format",
        "json",
    ]);
    let v: Vec<Value> = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert!(v[0].to_string().contains("part-0-0.csv: "), "{:#}", v[0]);
}

#[test]
fn an_unknown_pipeline_is_a_usage_error_naming_the_pipelines() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), dir.path(), &["http://127.0.0.1:9".into()]);
    let o = run(&[
        "--config",
        config.to_str().unwrap(),
        "diagnose",
        "-p",
        "billing",
    ]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("orders"), "{}", stderr(&o));
}

#[test]
fn a_bundle_that_is_not_one_is_rejected_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.json");
    std::fs::write(&path, "{\"hello\": 1}").unwrap();
    let o = run(&["diagnose", "--replay", path.to_str().unwrap()]);
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).contains("is not a logminer-doctor bundle"),
        "{}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------------------------------------
// explain
// ---------------------------------------------------------------------------------------------

#[test]
fn explain_reads_a_file_or_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.txt");
    std::fs::write(
        &path,
        "java.sql.SQLRecoverableException: No more data to read from socket\n\tat oracle.jdbc.driver.T4CMAREngine.unmarshalUB1(T4CMAREngine.java:1157)",
    )
    .unwrap();
    let o = run(&["explain", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["cause"], "dead_connection");
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["cause", "codes", "remediation", "summary"]);

    let mut child = bin()
        .args(["explain", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Caused by: java.sql.SQLException: ORA-01291: missing logfile")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("missing_redo"), "{}", stdout(&o));
    assert!(stdout(&o).contains("ORA-01291"), "{}", stdout(&o));
}

#[test]
fn explain_rejects_an_empty_text_and_a_missing_file() {
    let mut child = bin()
        .args(["explain"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"  \n\t\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("is empty"), "{}", stderr(&o));

    let o = run(&["explain", "/nonexistent/trace.txt"]);
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).contains("/nonexistent/trace.txt"),
        "{}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------------------------------------
// check-config
// ---------------------------------------------------------------------------------------------

#[test]
fn check_config_says_what_it_reached_and_what_it_cannot_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    committed_file(&out, Duration::from_secs(5));
    let jm = flink();
    let up = jm.url.clone();
    // A port that was free a moment ago: nothing listens there.
    let down = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };

    let config = write_config(dir.path(), &out, std::slice::from_ref(&up));
    let o = run(&["--config", config.to_str().unwrap(), "check-config"]);
    let text = stdout(&o);
    // Without an Oracle Client (CI) the Oracle line is not_checked and the rest is reachable;
    // with one, nothing listens at 127.0.0.1:1 and check-config fails for it.
    let expected = if text.contains("DPI-1047") { 0 } else { 2 };
    assert_eq!(code(&o), expected, "{}{}", stdout(&o), stderr(&o));
    assert!(text.contains("valid, 1 pipeline"), "{text}");
    // Without an Oracle Client (CI) the single login cannot be tried and says how to install
    // one; with one, nothing listens at 127.0.0.1:1.
    assert!(
        text.contains("oracle")
            && ((text.contains("not_checked") && text.contains("DPI-1047"))
                || text.contains("unreachable")),
        "{text}"
    );
    assert!(text.contains("1 committed files"), "{text}");
    assert!(
        text.contains("Flink 1.20.1; 1 job(s) named \"orders-cdc\""),
        "{text}"
    );

    let config = write_config(dir.path(), &out, &[up, down.clone()]);
    let o = run(&[
        "--config",
        config.to_str().unwrap(),
        "check-config",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 2);
    let checks: Vec<Value> = serde_json::from_str(&stdout(&o)).unwrap();
    let bad: Vec<&Value> = checks
        .iter()
        .filter(|c| c["status"] == "unreachable" && c["system"] != "oracle")
        .collect();
    assert_eq!(bad.len(), 1, "{checks:#?}");
    assert!(bad[0]["target"].as_str().unwrap().starts_with(&down));
}

// ---------------------------------------------------------------------------------------------
// secrets and the README
// ---------------------------------------------------------------------------------------------

#[test]
fn the_password_never_appears_in_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    committed_file(&out, Duration::from_secs(5));
    let jm = flink();
    let config = write_config(dir.path(), &out, std::slice::from_ref(&jm.url));
    let c = config.to_str().unwrap();
    for args in [
        vec!["--config", c, "check-config"],
        vec!["--config", c, "check-config", "--format", "json"],
        vec!["--config", c, "diagnose", "--samples", "1"],
        vec![
            "--config",
            c,
            "diagnose",
            "--samples",
            "1",
            "--format",
            "json",
        ],
    ] {
        let o = bin().args(&args).env("LMD_LOG", "trace").output().unwrap();
        for text in [stdout(&o), stderr(&o)] {
            assert!(!text.contains(PASSWORD), "{args:?} printed the password");
        }
    }
}

struct ReadmeEnv;

impl Env for ReadmeEnv {
    fn var(&self, _name: &str) -> Option<String> {
        Some(PASSWORD.into())
    }
    fn read_file(&self, _path: &Path) -> std::io::Result<String> {
        Ok(PASSWORD.into())
    }
}

#[test]
fn the_readme_example_config_is_valid() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    // The example config: the first TOML block of the Configuration section (other sections
    // show snippets of one table).
    let section = readme
        .find("\n## Configuration")
        .expect("the README has a Configuration section");
    let start = section
        + readme[section..]
            .find("```toml\n")
            .expect("the Configuration section has a ```toml block")
        + "```toml\n".len();
    let len = readme[start..].find("```").expect("the block ends");
    let example = &readme[start..start + len];
    let config = Config::from_toml(example, Path::new("README.md"), &ReadmeEnv)
        .unwrap_or_else(|e| panic!("README example: {}", e.report()));
    assert!(!config.pipelines.is_empty());
    assert!(!format!("{config:?}").contains(PASSWORD));
}

#[test]
fn a_bundle_with_thresholds_a_config_would_refuse_is_refused_on_replay() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("dead_connection")).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["pipelines"][0]["thresholds"]["crash_loop_restarts"] = 0.into();
    v["pipelines"][0]["thresholds"]["backpressure_ms_per_s"] = (-1.0).into();
    v["pipelines"][0]["thresholds"]["stall_window"] = "18446744073709551615s".into();
    let path = dir.path().join("edited.json");
    std::fs::write(&path, v.to_string()).unwrap();
    let o = run(&["diagnose", "--replay", path.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(code(&o), 3, "{}{err}", stdout(&o));
    for key in [
        "pipelines[0].thresholds.crash_loop_restarts",
        "pipelines[0].thresholds.backpressure_ms_per_s",
        "pipelines[0].thresholds.stall_window",
    ] {
        assert!(err.contains(key), "{key} not named: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn endless_inputs_are_read_only_up_to_a_limit_and_named() {
    // A config, a password file and an error text that never end (/dev/zero): each is refused
    // with its name and the limit, at once, instead of growing the process.
    let o = run(&["check-config", "--config", "/dev/zero"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/dev/zero") && stderr(&o).contains("larger than"),
        "{}",
        stderr(&o)
    );

    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), dir.path(), &["http://127.0.0.1:9".to_string()]);
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "password_env = \"LMD_TEST_PASSWORD\"",
        "password_file = \"/dev/zero\"",
    );
    std::fs::write(&cfg, text).unwrap();
    let o = run(&["check-config", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("password_file"), "{}", stderr(&o));
    assert!(stderr(&o).contains("larger than"), "{}", stderr(&o));

    let o = run(&["explain", "/dev/zero"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("larger than"), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------------------------
// logs
// ---------------------------------------------------------------------------------------------

/// Where `diagnose`'s stderr goes in [`debug_logs`].
#[derive(Clone, Copy)]
enum LogSink {
    Pipe,
    File,
    Terminal,
}

/// The first seconds of `diagnose`'s debug logs (connection attempts to a closed loopback port),
/// run under `timeout` with stderr to a pipe, a file or a pseudo-terminal.
fn debug_logs(dir: &Path, sink: LogSink) -> Vec<u8> {
    let cfg = write_config(dir, &dir.join("out"), &["http://127.0.0.1:1".into()]);
    let file = dir.join("doctor.log");
    let line = format!(
        "timeout 3 {} diagnose --config {}",
        env!("CARGO_BIN_EXE_logminer-doctor"),
        cfg.display()
    );
    let mut cmd = match sink {
        // util-linux's script: the command's stderr is a pseudo-terminal; script copies it to
        // its stdout.
        LogSink::Terminal => {
            let mut c = Command::new("script");
            c.args(["-qec", &line, "/dev/null"]);
            c
        }
        LogSink::File => {
            let mut c = Command::new("sh");
            c.args(["-c", &format!("{line} 2>{}", file.display())]);
            c
        }
        LogSink::Pipe => {
            let mut c = Command::new("sh");
            c.args(["-c", &line]);
            c
        }
    };
    let out = cmd
        .env("LMD_TEST_PASSWORD", PASSWORD)
        .env("LMD_LOG", "debug")
        .env("LANG", "C")
        .stdin(Stdio::null())
        .output()
        .expect("run the binary");
    match sink {
        LogSink::Terminal => out.stdout,
        LogSink::File => std::fs::read(&file).expect("the log file"),
        LogSink::Pipe => out.stderr,
    }
}

// See: #19
#[test]
fn logs_to_a_pipe_or_a_file_carry_no_colour_codes_and_a_terminal_still_gets_colour() {
    let dir = tempfile::tempdir().unwrap();
    for sink in [LogSink::Pipe, LogSink::File] {
        let logs = debug_logs(dir.path(), sink);
        let text = String::from_utf8_lossy(&logs);
        assert!(text.contains("DEBUG"), "some log lines: {text}");
        assert!(!logs.contains(&0x1B), "no ESC byte: {text:?}");
    }
    let tty = debug_logs(dir.path(), LogSink::Terminal);
    let text = String::from_utf8_lossy(&tty);
    assert!(text.contains("DEBUG"), "some log lines: {text}");
    assert!(tty.contains(&0x1B), "colour on a terminal: {text:?}");
}

#[test]
fn savepoints_lists_the_recorded_ones_and_says_what_it_cannot_judge() {
    use logminer_doctor::observation::Timestamp;
    use logminer_doctor::store::{History, SavepointRecord};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    committed_file(&out, Duration::from_secs(3600));
    let jm = flink();
    let config = write_config(dir.path(), &out, std::slice::from_ref(&jm.url));
    let state = dir.path().join("state");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&config)
        .unwrap();
    writeln!(f, "[agent]\nstate_dir = {:?}", state.display().to_string()).unwrap();
    // One savepoint still on disk, one whose directory is gone (its parent is visible here).
    let sps = dir.path().join("savepoints");
    std::fs::create_dir_all(sps.join("savepoint-live")).unwrap();
    std::fs::write(sps.join("savepoint-live/_metadata"), b"x").unwrap();
    let record = |name: &str, at: i64| SavepointRecord {
        pipeline: "orders".into(),
        path: format!("file://{}", sps.join(name).display()),
        job_id: "5b2c1a7f0e9d48c3a1b2c3d4e5f60718".into(),
        trigger_id: Some("0123456789abcdef0123456789abcdef".into()),
        triggered_at: Timestamp::from_unix_millis(at),
        completed_at: Timestamp::from_unix_millis(at + 700),
        size_bytes: Some(954),
        restart_scn: Some(48000002),
        scn_sources: vec!["last SCN in the output 48000002".into()],
        disposed_at: None,
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let h = History::open(&state).unwrap();
        h.record_savepoint(&record("savepoint-live", 1_796_000_000_000), true)
            .await
            .unwrap();
        h.record_savepoint(&record("savepoint-gone", 1_795_000_000_000), true)
            .await
            .unwrap();
    });
    let cfg = config.to_str().unwrap();
    let o = run(&["--config", cfg, "savepoints"]);
    let text = stdout(&o);
    eprintln!("{text}{}", stderr(&o));
    // Oracle is not reachable: whether the live one can be restored is not known (exit 3).
    assert_eq!(code(&o), 3, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("PIPELINE  COMPLETED  JOB  SIZE  RESTART SCN"),
        "{text}"
    );
    assert!(
        lines[1].contains("savepoint-live") && lines[1].contains("UNKNOWN (Oracle"),
        "{text}"
    );
    assert!(
        lines[1].contains("48000002") && lines[1].contains("954 B"),
        "{text}"
    );
    assert!(
        lines[2].contains("savepoint-gone") && lines[2].contains("GONE"),
        "{text}"
    );
    let o = run(&["--config", cfg, "--format", "json", "savepoints"]);
    let rows: Vec<Value> = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["restorable"]["status"], "unknown");
    assert_eq!(rows[0]["restart_scn"], 48000002);
    assert_eq!(rows[1]["restorable"]["status"], "gone");
    let o = run(&["--config", cfg, "--lang", "zh", "savepoints"]);
    assert!(stdout(&o).starts_with("管道  完成时间"), "{}", stdout(&o));
    // An unknown pipeline is a usage error, as everywhere.
    let o = run(&["--config", cfg, "savepoints", "-p", "nope"]);
    assert_eq!(code(&o), 3);
}
