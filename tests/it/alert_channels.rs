//! The alert channels against real receivers on loopback: Prometheus Alertmanager (Debian's
//! `prometheus-alertmanager`, installed by tests/agent/setup.sh), read back through its API to
//! see the alert fire and resolve, and a JSON webhook received by a server in the test.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use axum::Router;
use logminer_doctor::agent::alerts::{Alertmanager, Channel, Webhook};
use logminer_doctor::clock::{Clock as _, SystemClock};

use crate::agent::{self as sim, Recorder, SimProbe, PASSWORD};

const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

/// An Alertmanager on a free loopback port with its own storage, killed (by pid) on drop.
struct Am {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Am {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_alertmanager() -> Am {
    assert!(
        Path::new(ALERTMANAGER).exists(),
        "{ALERTMANAGER} is missing: run tests/agent/setup.sh (Debian's prometheus-alertmanager)"
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(
        &config,
        "route:\n  receiver: none\n  group_wait: 1s\nreceivers:\n  - name: none\n",
    )
    .unwrap();
    let port = free_port();
    let child = Command::new(ALERTMANAGER)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        // No gossip: a lone instance on loopback.
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let am = Am {
        child,
        url,
        _dir: dir,
    };
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{}/-/ready", am.url)).send().await {
            if r.status().is_success() {
                return am;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Alertmanager did not become ready on {}", am.url);
}

/// The active alerts Alertmanager holds for `pipeline`.
async fn active(am: &Am, pipeline: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = reqwest::get(format!("{}/api/v2/alerts", am.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .filter(|a| a["labels"]["pipeline"] == pipeline)
        .cloned()
        .collect()
}

async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = tokio::time::Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("timed out after {limit:?} waiting for {what}");
}

#[tokio::test]
async fn the_agent_fires_and_resolves_an_alert_in_a_real_alertmanager() {
    let am = start_alertmanager().await;
    let dir = tempfile::tempdir().unwrap();
    // endsAt = probe time + re-notify: a day keeps the firing alert active however the
    // simulated clock runs.
    let mut config = sim::config(dir.path(), &["orders"], "alert_renotify = \"24h\"");
    config.pipelines[0].interval = Duration::from_millis(500);
    config.agent.alerts.alertmanager = Some(am.url.parse().unwrap());
    // Alertmanager judges endsAt by its wall clock: the simulated time starts an hour ago and
    // runs 60 times faster, so it stays in the past for the test's first minute (a resolution's
    // endsAt is then already reached).
    let now = SystemClock.now();
    let mut probe = SimProbe::new_at(
        dir.path(),
        &["orders"],
        now.minus(Duration::from_secs(3600)),
    );
    probe.speed = 60;
    let probe = Arc::new(probe);
    let channels: Vec<Arc<dyn Channel>> = vec![Arc::new(Alertmanager::new(
        config.agent.alerts.alertmanager.as_ref().unwrap(),
        Duration::from_secs(5),
    ))];
    let running = sim::start(config, probe.clone(), channels).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(active(&am, "orders").await.is_empty(), "healthy: no alert");
    probe.world("orders").checkpoints_fail = true;
    wait_until("the alert to fire", Duration::from_secs(25), || async {
        active(&am, "orders").await.len() == 1
    })
    .await;
    let alert = active(&am, "orders").await.remove(0);
    assert_eq!(alert["labels"]["alertname"], "LogminerDoctorPipeline");
    assert_eq!(alert["labels"]["cause"], "sink_stalled");
    assert_eq!(alert["labels"]["severity"], "critical");
    assert_eq!(alert["status"]["state"], "active");
    let summary = alert["annotations"]["summary"].as_str().unwrap();
    assert!(
        summary.contains("orders") && summary.contains("sink_stalled"),
        "{summary}"
    );
    assert!(!alert["annotations"]["remediation"]
        .as_str()
        .unwrap()
        .is_empty());
    assert!(!alert.to_string().contains(PASSWORD));

    probe.world("orders").checkpoints_fail = false;
    wait_until("the alert to resolve", Duration::from_secs(25), || async {
        active(&am, "orders").await.is_empty()
    })
    .await;
    running.stop().await;
}

#[tokio::test]
async fn the_webhook_receives_pipeline_verdict_evidence_and_what_to_do() {
    let got: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let sink = got.clone();
    let app = Router::new().route(
        "/hook",
        post(move |body: axum::Json<serde_json::Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(body.0);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let mut config = sim::config(dir.path(), &["orders"], "");
    config.pipelines[0].interval = Duration::from_millis(500);
    let hook: url::Url = format!("http://{addr}/hook").parse().unwrap();
    let mut probe = SimProbe::new(dir.path(), &["orders"]);
    probe.speed = 120;
    let probe = Arc::new(probe);
    let rec = Recorder::new("rec");
    let channels: Vec<Arc<dyn Channel>> = vec![
        Arc::new(Webhook::new(&hook, Duration::from_secs(5))),
        rec.clone(),
    ];
    let running = sim::start(config, probe.clone(), channels).await;
    probe.world("orders").checkpoints_fail = true;
    wait_until("the webhook", Duration::from_secs(30), || {
        let n = got.lock().unwrap().len();
        async move { n >= 1 }
    })
    .await;
    running.stop().await;
    let body = got.lock().unwrap()[0].clone();
    assert_eq!(body["pipeline"], "orders");
    assert_eq!(body["notice"], "firing");
    assert_eq!(body["cause"], "sink_stalled");
    assert_eq!(body["severity"], "CRITICAL");
    assert!(!body["evidence"].as_array().unwrap().is_empty(), "{body}");
    assert!(
        !body["remediation"].as_array().unwrap().is_empty(),
        "{body}"
    );
    assert!(!body.to_string().contains(PASSWORD));
}

// -- secrets in channel URLs (issue 13) --------------------------------------------------------

#[test]
fn redact_urls_hides_every_query_and_user_info_and_keeps_the_rest() {
    use logminer_doctor::config::redact_urls;
    let cases = [
        (
            "webhook at https://hooks.example/abc?token=SECRET answered HTTP 500",
            "webhook at https://hooks.example/abc?**REDACTED** answered HTTP 500",
        ),
        (
            "alertmanager at http://user:pa%40ss@am:9093/api/v2/alerts did not accept the alert",
            "alertmanager at http://**REDACTED**@am:9093/api/v2/alerts did not accept the alert",
        ),
        // A password holding `@`, user info and a query together, and a fragment.
        (
            "http://u:p@ss@am:9093/x?a=1&b=2#top",
            "http://**REDACTED**@am:9093/x?**REDACTED**",
        ),
        // reqwest's own wording, the closing parenthesis kept.
        (
            "error sending request for url (http://h:1/hook?token=SECRET): connection refused",
            "error sending request for url (http://h:1/hook?**REDACTED**): connection refused",
        ),
        // Two URLs, one quoted, and a URL without secrets.
        (
            "\"https://a.example/?k=SECRET\" then https://b.example:8443/p/q and http://c/",
            "\"https://a.example/?**REDACTED**\" then https://b.example:8443/p/q and http://c/",
        ),
        // A quote in a password is not the end of the URL.
        ("http://u:it's@am:9093/", "http://**REDACTED**@am:9093/"),
        ("no url here: just text", "no url here: just text"),
        ("a bare ://x?y is not a URL", "a bare ://x?y is not a URL"),
        ("ends with http://", "ends with http://"),
        (
            "中文 https://例子.测试/路径?密钥=值 结束",
            "中文 https://例子.测试/路径?**REDACTED** 结束",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(redact_urls(text), expected, "{text}");
    }
}

/// A receiver on loopback that answers every request with HTTP 500.
async fn failing_receiver() -> std::net::SocketAddr {
    let app = Router::new().fallback(|| async { axum::http::StatusCode::INTERNAL_SERVER_ERROR });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

const TOKEN: &str = "Webhook-Token-4711";
const AM_PASSWORD: &str = "Am-Password-0815";

// See: #13
#[tokio::test]
async fn failed_deliveries_keep_webhook_tokens_and_alertmanager_passwords_out_of_logs_and_history()
{
    let (logs, _guard) = sim::Logs::capture();
    let receiver = failing_receiver().await;
    // A port nobody listens on: the connection is refused (the reqwest error path).
    let closed = free_port();
    let urls = [
        format!("http://{receiver}/hook?token={TOKEN}"),
        format!("http://127.0.0.1:{closed}/hook?token={TOKEN}"),
        format!("http://lmd:{AM_PASSWORD}@{receiver}"),
        format!("http://lmd:{AM_PASSWORD}@127.0.0.1:{closed}"),
    ];
    let timeout = Duration::from_secs(5);
    let channels: Vec<Arc<dyn Channel>> = vec![
        Arc::new(Webhook::new(&urls[0].parse().unwrap(), timeout)),
        Arc::new(Webhook::new(&urls[1].parse().unwrap(), timeout)),
        Arc::new(Alertmanager::new(&urls[2].parse().unwrap(), timeout)),
        Arc::new(Alertmanager::new(&urls[3].parse().unwrap(), timeout)),
    ];

    let dir = tempfile::tempdir().unwrap();
    // One retry: the retry's warning and the final error are both logged.
    let mut config = sim::config(dir.path(), &["orders"], "alert_retries = 1");
    config.pipelines[0].interval = Duration::from_millis(500);
    let mut probe = SimProbe::new(dir.path(), &["orders"]);
    probe.speed = 120;
    let probe = Arc::new(probe);
    let running = sim::start(config, probe.clone(), channels).await;
    probe.world("orders").checkpoints_fail = true;
    let state = dir.path().join("state");
    let history = logminer_doctor::store::History::open(&state).unwrap();
    let mut sent = Vec::new();
    for _ in 0..240 {
        sent = history.alerts("orders").await.unwrap();
        if sent.len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let status = serde_json::to_string(&running.shared.latest()).unwrap();
    let metrics = running.shared.metrics.encode();
    running.stop().await;
    let logs = logs.text();

    assert!(sent.len() >= 4, "{sent:#?}\n{logs}");
    let errors: Vec<&str> = sent.iter().filter_map(|a| a.error.as_deref()).collect();
    assert_eq!(errors.len(), sent.len(), "every delivery failed: {sent:#?}");
    for expected in [
        format!("webhook at http://{receiver}/hook?**REDACTED** answered HTTP 500"),
        format!("webhook at http://127.0.0.1:{closed}/hook?**REDACTED** did not accept the alert"),
        format!("alertmanager at http://**REDACTED**@{receiver}/api/v2/alerts answered HTTP 500"),
        format!(
            "alertmanager at http://**REDACTED**@127.0.0.1:{closed}/api/v2/alerts did not accept"
        ),
    ] {
        assert!(
            errors.iter().any(|e| e.starts_with(&expected)),
            "no stored error starts with {expected:?}: {errors:#?}"
        );
        assert!(logs.contains(&expected), "{expected:?} not logged:\n{logs}");
    }
    assert!(logs.contains("Alert delivery failed; retrying."), "{logs}");
    assert!(
        logs.contains("Alert not delivered after every retry."),
        "{logs}"
    );
    // The database's bytes too (with its write-ahead log), not only what the API reads back.
    let mut raw = String::new();
    for entry in std::fs::read_dir(&state).unwrap() {
        raw.push_str(&String::from_utf8_lossy(
            &std::fs::read(entry.unwrap().path()).unwrap(),
        ));
    }
    for (what, text) in [
        ("the logs", logs.as_str()),
        ("the alerts table", &format!("{sent:?}")),
        ("the state database's files", &raw),
        ("/status", &status),
        ("/metrics", &metrics),
    ] {
        for secret in [TOKEN, AM_PASSWORD, "token="] {
            assert!(
                !text.contains(secret),
                "{secret} appears in {what}:\n{text}"
            );
        }
    }
}
