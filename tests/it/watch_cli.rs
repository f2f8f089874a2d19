//! The agent's commands through the built binary: `watch` serves its endpoints and stops on
//! SIGTERM, then `history`, `silence` and `diagnose` read what it kept. No password in any
//! output or log line.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use serde_json::Value;

const PASSWORD: &str = "w4tch-Secret#9";

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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn write_config(dir: &Path, port: u16) -> std::path::PathBuf {
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let text = format!(
        r#"
[agent]
listen = "127.0.0.1:{port}"
state_dir = "state"
shutdown_grace = "5s"

[[pipeline]]
name = "orders"
interval = "1s"
[pipeline.oracle]
connect_string = "127.0.0.1:1/ORCLPDB1"
user = "LMD_MONITOR"
password_env = "LMD_TEST_PASSWORD"
connector_user = "CDC"
captured_tables = ["SHOP.ORDERS"]
call_timeout = "1s"
[pipeline.flink]
jobmanagers = ["http://127.0.0.1:9"]
job_name = "orders-cdc"
request_timeout = "1s"
[pipeline.output]
dir = "out"
format = "json"
json_scn_pointer = "/source/scn"
"#
    );
    let path = dir.join("doctor.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> (i32, String, String) {
    let o = bin().args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[tokio::test]
async fn watch_serves_then_stops_on_sigterm_and_history_silence_and_diagnose_read_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let cfg = write_config(dir.path(), port);
    let cfg_s = cfg.to_str().unwrap();
    let child = bin()
        .args(["watch", "--config", cfg_s, "--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await {
            if r.status().is_success() {
                ready = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "watch never became ready");
    assert!(reqwest::get(format!("{base}/healthz"))
        .await
        .unwrap()
        .status()
        .is_success());
    // A few probes, so the history holds several observations.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let status: Value = reqwest::get(format!("{base}/status"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status[0]["pipeline"], "orders");
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("logminer_doctor_collector_up{pipeline=\"orders\",system=\"output\"} 1"),
        "{metrics}"
    );
    // The only JobManager refuses connections: the Flink collector is down, though its signal
    // (each JobManager's answer) is observed.
    assert!(
        metrics.contains("logminer_doctor_collector_up{pipeline=\"orders\",system=\"flink\"} 0"),
        "{metrics}"
    );
    // No Oracle client library here: not collected, so neither up nor down.
    // (The daily audit's gauges have a system="oracle" label of their own.)
    assert!(
        !metrics
            .lines()
            .any(|l| l.starts_with("logminer_doctor_collector") && l.contains("system=\"oracle\"")),
        "{metrics}"
    );

    // SIGTERM, as systemd and Kubernetes stop it.
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let t = SystemTime::now();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(t.elapsed().unwrap() < Duration::from_secs(8));
    assert_eq!(out.status.code(), Some(0));
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(logs.lines().count() >= 2, "{logs}");
    for line in logs.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["fields"]["message"].is_string(), "{line}");
    }
    assert!(logs.contains("SIGTERM"), "{logs}");

    // history: the timeline of verdicts.
    let (code, stdout, _) = run(&[
        "history", "--config", cfg_s, "-p", "orders", "--since", "1h", "--format", "json",
    ]);
    assert_eq!(code, 0);
    let timeline: Value = serde_json::from_str(&stdout).unwrap();
    assert!(!timeline.as_array().unwrap().is_empty(), "{stdout}");
    assert_eq!(timeline[0]["pipeline"], "orders");
    let (code, text, _) = run(&["history", "--config", cfg_s]);
    assert_eq!(code, 0);
    assert!(text.contains("LOGMINER-DOCTOR"), "{text}");

    // silence: add, list, remove.
    let (code, stdout, stderr) = run(&[
        "silence",
        "--config",
        cfg_s,
        "-p",
        "orders",
        "--for",
        "2h",
        "--reason",
        "db upgrade",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let added: Value = serde_json::from_str(&stdout).unwrap();
    let id = added[0]["id"].as_i64().unwrap();
    let (_, list, _) = run(&["silence", "--config", cfg_s, "--list"]);
    assert!(
        list.contains("orders") && list.contains("db upgrade"),
        "{list}"
    );
    let (code, _, _) = run(&["silence", "--config", cfg_s, "--remove", &id.to_string()]);
    assert_eq!(code, 0);
    let (_, list, _) = run(&["silence", "--config", cfg_s, "--list"]);
    assert!(list.contains("No silence"), "{list}");
    let (code, _, stderr) = run(&[
        "silence", "--config", cfg_s, "-p", "nope", "--for", "1h", "--reason", "x",
    ]);
    assert_eq!(code, 3, "{stderr}");

    // diagnose answers at once from the stored window: one new sample, not a 60 s wait.
    let t = SystemTime::now();
    let (_, stdout, stderr) = run(&[
        "diagnose",
        "--config",
        cfg_s,
        "--samples",
        "3",
        "--interval",
        "30s",
        "--format",
        "json",
    ]);
    assert!(t.elapsed().unwrap() < Duration::from_secs(20), "{stderr}");
    let d: Value = serde_json::from_str(&stdout).unwrap();
    assert!(d[0]["observations"].as_u64().unwrap() >= 2, "{stdout}");

    for text in [
        &logs.to_string(),
        &metrics,
        &status.to_string(),
        &stdout,
        &list,
    ] {
        assert!(!text.contains(PASSWORD));
    }
}
