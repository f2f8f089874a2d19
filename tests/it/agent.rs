//! The `watch` agent on simulated pipelines, in tokio's paused time: scheduling, alerts,
//! history across restarts, the HTTP endpoints, shutdown, and secrets.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use logminer_doctor::agent::alerts::{AlertError, AlertMessage, Channel, SendFuture};
use logminer_doctor::agent::{self, Deps, Shared};
use logminer_doctor::collectors::output::FileSinkCollector;
use logminer_doctor::collectors::System;
use logminer_doctor::collectors::{collect, Collectors, OracleSource};
use logminer_doctor::collectors::{Probe, ProbeResult};
use logminer_doctor::config::{Config, Env, OutputConfig, OutputFormat, PipelineConfig};
use logminer_doctor::observation::{OracleSnapshot, Signal, Timestamp};
use logminer_doctor::simulator::{Sim, World};
use logminer_doctor::store::History;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tower::ServiceExt;

pub const PASSWORD: &str = "Agent-Test-Secret-77";

struct TestEnv;
impl Env for TestEnv {
    fn var(&self, name: &str) -> Option<String> {
        (name == "LMD_PASSWORD").then(|| PASSWORD.to_string())
    }
    fn read_file(&self, path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            path.display().to_string(),
        ))
    }
}

/// A config with one `[[pipeline]]` per name (15 s interval) and `agent` lines added to
/// `[agent]`, its state directory in `dir`.
pub fn config(dir: &Path, names: &[&str], agent: &str) -> Config {
    Config::from_toml(
        &config_text(dir, names, agent),
        &dir.join("test.toml"),
        &TestEnv,
    )
    .unwrap()
}

/// The TOML of `config` (the password from `LMD_PASSWORD`).
pub fn config_text(dir: &Path, names: &[&str], agent: &str) -> String {
    let mut text = format!(
        "[agent]\nstate_dir = {:?}\n{agent}\n",
        dir.join("state").display().to_string()
    );
    // Defaults for the tests: a hold-down of two probes and no re-notify within a test.
    if !agent.contains("alert_hold_down") {
        text.push_str("alert_hold_down = 2\n");
    }
    if !agent.contains("alert_renotify") {
        text.push_str("alert_renotify = \"1h\"\n");
    }
    for name in names {
        text.push_str(&format!(
            r#"
[[pipeline]]
name = "{name}"
interval = "15s"
[pipeline.oracle]
connect_string = "db:1521/ORCLPDB1"
user = "LMD_MONITOR"
password_env = "LMD_PASSWORD"
connector_user = "CDC"
captured_tables = ["SHOP.ORDERS"]
[pipeline.flink]
jobmanagers = ["http://127.0.0.1:9"]
job_name = "oracle-cdc-orders"
[pipeline.output]
dir = {:?}
format = "json"
json_scn_pointer = "/source/scn"
"#,
            dir.join(name).display().to_string()
        ));
    }
    text
}

/// Oracle that hangs (forever) while its flag is set.
pub struct MaybeHang {
    sim: Sim,
    hang: Arc<AtomicBool>,
}

impl OracleSource for MaybeHang {
    async fn observe(&self) -> Signal<OracleSnapshot> {
        if self.hang.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.sim.observe().await
    }
}

pub struct SimPipe {
    pub sim: Sim,
    /// The Oracle collector hangs (the collector deadline then answers for it).
    pub oracle_hangs: Arc<AtomicBool>,
    /// The whole probe hangs (the agent abandons it).
    pub probe_hangs: Arc<AtomicBool>,
    collectors: Collectors<MaybeHang, Sim, Sim, FileSinkCollector>,
}

/// Simulated pipelines whose worlds advance with tokio's (paused) clock.
pub struct SimProbe {
    pub pipes: HashMap<String, SimPipe>,
    start: Instant,
    epoch: Timestamp,
    /// Simulated seconds per second of tokio time (1 in paused-time tests).
    pub speed: u32,
}

impl SimProbe {
    /// Each pipeline's world warmed up for 10 healthy minutes, its output in `dir/<name>`.
    pub fn new(dir: &Path, names: &[&str]) -> SimProbe {
        SimProbe::new_at(dir, names, Timestamp::from_unix_millis(1_790_000_000_000))
    }

    /// Like `new`, the simulated time starting at `epoch`.
    pub fn new_at(dir: &Path, names: &[&str], epoch: Timestamp) -> SimProbe {
        let mut pipes = HashMap::new();
        for name in names {
            let out = dir.join(name);
            std::fs::create_dir_all(&out).unwrap();
            let mut w = World::new(&out, epoch.minus(Duration::from_secs(600)));
            w.run(Duration::from_secs(600));
            let sim = Sim::new(w);
            let oracle_hangs = Arc::new(AtomicBool::new(false));
            let collectors = Collectors {
                oracle: MaybeHang {
                    sim: sim.clone(),
                    hang: oracle_hangs.clone(),
                },
                flink: sim.clone(),
                zookeeper: sim.clone(),
                output: FileSinkCollector::new(OutputConfig {
                    dir: out.clone(),
                    format: OutputFormat::Json {
                        scn_pointer: "/source/scn".into(),
                    },
                    rolling_interval: Duration::ZERO,
                }),
            };
            pipes.insert(
                name.to_string(),
                SimPipe {
                    sim,
                    oracle_hangs,
                    probe_hangs: Arc::new(AtomicBool::new(false)),
                    collectors,
                },
            );
        }
        SimProbe {
            pipes,
            start: Instant::now(),
            epoch,
            speed: 1,
        }
    }

    pub fn world(&self, name: &str) -> std::sync::MutexGuard<'_, World> {
        self.pipes[name].sim.world()
    }
}

impl Probe for SimProbe {
    async fn probe(&self, p: &PipelineConfig) -> ProbeResult {
        let pipe = &self.pipes[&p.name];
        if pipe.probe_hangs.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        let now = self.now();
        {
            let mut w = pipe.sim.world();
            let d = now.since(w.now);
            w.run(d);
        }
        let t = Instant::now();
        let observation = collect(&p.name, now, &pipe.collectors, Duration::from_secs(10)).await;
        let took = t.elapsed();
        ProbeResult {
            observation,
            // The collectors run concurrently; each is charged the probe's time.
            durations: System::ALL.iter().map(|s| (*s, took)).collect(),
        }
    }

    fn now(&self) -> Timestamp {
        self.epoch.plus(self.start.elapsed() * self.speed)
    }
}

/// A channel that records what it is sent, failing its first `fail_first` attempts (or every
/// attempt when `always_fail`).
pub struct Recorder {
    pub name: &'static str,
    pub got: Mutex<Vec<AlertMessage>>,
    pub attempts: AtomicU32,
    pub fail_first: u32,
    pub always_fail: bool,
}

impl Recorder {
    pub fn new(name: &'static str) -> Arc<Recorder> {
        Recorder::failing(name, 0, false)
    }
    pub fn failing(name: &'static str, fail_first: u32, always_fail: bool) -> Arc<Recorder> {
        Arc::new(Recorder {
            name,
            got: Mutex::new(Vec::new()),
            attempts: AtomicU32::new(0),
            fail_first,
            always_fail,
        })
    }
    pub fn notices(&self) -> Vec<String> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|m| format!("{:?}:{}", m.notice, m.cause).to_lowercase())
            .collect()
    }
}

impl Channel for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }
    fn send<'a>(&'a self, m: &'a AlertMessage) -> SendFuture<'a> {
        Box::pin(async move {
            let n = self.attempts.fetch_add(1, Ordering::SeqCst);
            if self.always_fail || n < self.fail_first {
                return Err(AlertError::Status {
                    channel: self.name,
                    url: "http://127.0.0.1:9/".parse().unwrap(),
                    status: 500,
                });
            }
            self.got.lock().unwrap().push(m.clone());
            Ok(())
        })
    }
}

/// The tracing output (JSON lines, DEBUG and up) of the current thread while the guard lives:
/// a current-thread runtime's tasks log through it too.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        let logs = Logs::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(logs.clone())
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

/// A running agent.
pub struct Running {
    pub shared: Arc<Shared>,
    stop: oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<Result<(), agent::AgentError>>,
}

impl Running {
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.handle.await.unwrap().unwrap();
    }
}

pub async fn start(
    config: Config,
    probe: Arc<SimProbe>,
    channels: Vec<Arc<dyn Channel>>,
) -> Running {
    start_with(config, probe, channels, None).await
}

/// `start` with a remediator (restarts and periodic savepoints).
pub async fn start_with(
    config: Config,
    probe: Arc<SimProbe>,
    channels: Vec<Arc<dyn Channel>>,
    remediator: Option<Arc<dyn agent::remediate::Remediator>>,
) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let shared = Arc::new(Shared::new(config.pipelines.len()));
    let (stop, rx) = oneshot::channel::<()>();
    let deps = Deps {
        probe,
        channels,
        retry_backoff: Duration::from_secs(1),
        remediator,
    };
    let handle = tokio::spawn(agent::run_with(
        config,
        deps,
        listener,
        async move {
            let _ = rx.await;
        },
        shared.clone(),
    ));
    Running {
        shared,
        stop,
        handle,
    }
}

/// The value of one series in the exposition, e.g. `probes_total{pipeline="a"}`.
pub fn metric(text: &str, series: &str) -> Option<f64> {
    let full = format!("logminer_doctor_{series} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&full))
        .and_then(|v| v.trim().parse().ok())
}

pub async fn minutes(n: u64) {
    tokio::time::sleep(Duration::from_secs(60 * n)).await;
}

async fn get(shared: &Arc<Shared>, path: &str) -> (StatusCode, String) {
    let resp = agent::http::router(shared.clone(), None)
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

fn setup(names: &[&str], agent_lines: &str) -> (TempDir, Config, Arc<SimProbe>) {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), names, agent_lines);
    let probe = Arc::new(SimProbe::new(dir.path(), names));
    (dir, config, probe)
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_sink_stall_pages_once_and_resolves_once() {
    let (_dir, config, probe) = setup(&["orders"], "");
    let rec = Recorder::new("rec");
    let running = start(config, probe.clone(), vec![rec.clone()]).await;
    minutes(5).await;
    assert_eq!(rec.notices(), Vec::<String>::new(), "healthy: no alert");
    probe.world("orders").checkpoints_fail = true;
    minutes(20).await;
    probe.world("orders").checkpoints_fail = false;
    minutes(20).await;
    let status = running.shared.latest();
    running.stop().await;
    assert_eq!(
        rec.notices(),
        ["firing:sink_stalled", "resolved:sink_stalled"],
        "final status: {status:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_lasting_incident_is_renotified_on_schedule() {
    let (_dir, config, probe2) = setup(&["orders"], "alert_renotify = \"10m\"");
    let rec = Recorder::new("rec");
    let running = start(config, probe2.clone(), vec![rec.clone()]).await;
    minutes(1).await;
    probe2.world("orders").checkpoints_fail = true;
    minutes(40).await;
    running.stop().await;
    let n = rec.notices();
    assert_eq!(
        n.first().map(String::as_str),
        Some("firing:sink_stalled"),
        "{n:?}"
    );
    let renotified = n.iter().filter(|s| s.starts_with("renotify")).count();
    // Fired at about minute 6-8, then every 10 minutes until minute 41.
    assert!((2..=4).contains(&renotified), "{n:?}");
}

#[tokio::test(start_paused = true)]
async fn a_silenced_pipeline_is_probed_and_recorded_but_does_not_page() {
    let (dir, config, probe) = setup(&["orders"], "");
    let h = History::open(&dir.path().join("state")).unwrap();
    h.add_silence(
        "orders",
        probe.now(),
        Duration::from_secs(3600),
        "maintenance",
    )
    .await
    .unwrap();
    let rec = Recorder::new("rec");
    let running = start(config, probe.clone(), vec![rec.clone()]).await;
    probe.world("orders").checkpoints_fail = true;
    minutes(20).await;
    let metrics = running.shared.metrics.encode();
    running.stop().await;
    assert_eq!(rec.notices(), Vec::<String>::new());
    assert!(metric(&metrics, "probes_total{pipeline=\"orders\"}").unwrap() >= 80.0);
    let timeline = h
        .timeline(Some("orders"), Timestamp::from_unix_millis(0))
        .await
        .unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| e.diagnosis.cause.as_str() == "sink_stalled"),
        "{timeline:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_hung_pipeline_does_not_delay_another() {
    let (_dir, config, probe) = setup(&["a", "b", "c"], "concurrency = 2");
    probe.pipes["b"].probe_hangs.store(true, Ordering::SeqCst);
    probe.pipes["c"].oracle_hangs.store(true, Ordering::SeqCst);
    let running = start(config, probe.clone(), Vec::new()).await;
    tokio::time::sleep(Duration::from_secs(150) + Duration::from_millis(500)).await;
    let m = running.shared.metrics.encode();
    running.stop().await;
    // Ticks at 0, 15, ..., 150 s: eleven probes for a, on time.
    assert_eq!(
        metric(&m, "probes_total{pipeline=\"a\"}"),
        Some(11.0),
        "{m}"
    );
    assert_eq!(
        metric(&m, "ticks_missed_total{pipeline=\"a\"}"),
        Some(0.0),
        "{m}"
    );
    // c's Oracle collector hangs: its 10 s deadline answers (missing), and the probe keeps
    // its schedule (the 150 s one is still running).
    assert_eq!(
        metric(&m, "probes_total{pipeline=\"c\"}"),
        Some(10.0),
        "{m}"
    );
    assert_eq!(
        metric(&m, "ticks_missed_total{pipeline=\"c\"}"),
        Some(0.0),
        "{m}"
    );
    assert_eq!(
        metric(&m, "collector_up{pipeline=\"c\",system=\"oracle\"}"),
        Some(0.0)
    );
    // b's whole probe hangs: abandoned after its limit, ticks skipped, never bursted.
    let b = metric(&m, "probes_total{pipeline=\"b\"}").unwrap_or(0.0);
    assert!((1.0..11.0).contains(&b), "{m}");
    assert!(
        metric(&m, "ticks_missed_total{pipeline=\"b\"}").unwrap_or(0.0) >= 1.0,
        "{m}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failing_channel_is_retried_and_does_not_stop_the_others() {
    let (_dir, config, probe) = setup(&["orders"], "");
    let flaky = Recorder::failing("flaky", 2, false);
    let dead = Recorder::failing("dead", 0, true);
    let good = Recorder::new("good");
    let running = start(
        config,
        probe.clone(),
        vec![dead.clone(), flaky.clone(), good.clone()],
    )
    .await;
    probe.world("orders").checkpoints_fail = true;
    minutes(20).await;
    let m = running.shared.metrics.encode();
    running.stop().await;
    assert_eq!(good.notices(), ["firing:sink_stalled"]);
    assert_eq!(flaky.notices(), ["firing:sink_stalled"]);
    assert_eq!(flaky.attempts.load(Ordering::SeqCst), 3);
    // Default: 3 retries, so 4 attempts in all, then given up and counted.
    assert_eq!(dead.attempts.load(Ordering::SeqCst), 4);
    assert_eq!(
        metric(&m, "alerts_total{channel=\"dead\",outcome=\"failed\"}"),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        metric(&m, "alerts_total{channel=\"flaky\",outcome=\"sent\"}"),
        Some(1.0)
    );
    assert!(metric(&m, "probes_total{pipeline=\"orders\"}").unwrap() >= 80.0);
}

#[tokio::test(start_paused = true)]
async fn history_silences_and_alert_state_survive_a_restart() {
    let (dir, config, probe) = setup(&["orders", "billing"], "");
    let rec = Recorder::new("rec");
    let running = start(config.clone(), probe.clone(), vec![rec.clone()]).await;
    probe.world("orders").checkpoints_fail = true;
    minutes(15).await;
    running.stop().await;
    assert_eq!(rec.notices(), ["firing:sink_stalled"]);
    let h = History::open(&dir.path().join("state")).unwrap();
    h.add_silence(
        "billing",
        probe.now(),
        Duration::from_secs(7200),
        "migration",
    )
    .await
    .unwrap();
    drop(h);

    // The agent restarts: the incident is still firing (no second page), the silence holds,
    // and the resolution comes when the stall ends.
    let rec2 = Recorder::new("rec");
    let running = start(config.clone(), probe.clone(), vec![rec2.clone()]).await;
    // Ready at once: the first verdict rests on the stored window too.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let first = running.shared.latest();
    assert!(first.iter().all(|d| d.observations > 1), "{first:#?}");
    minutes(5).await;
    assert_eq!(rec2.notices(), Vec::<String>::new());
    probe.world("orders").checkpoints_fail = false;
    minutes(20).await;
    running.stop().await;
    assert_eq!(rec2.notices(), ["resolved:sink_stalled"]);
    let h = History::open(&dir.path().join("state")).unwrap();
    let silences = h.silences(None, probe.now()).await.unwrap();
    assert_eq!(silences.len(), 1);
    assert_eq!(silences[0].pipeline, "billing");
    assert_eq!(h.alert_count("orders").await.unwrap(), 2);
}

#[tokio::test(start_paused = true)]
async fn shutdown_returns_within_the_grace_period_even_with_a_hung_probe() {
    let (_dir, config, probe) = setup(&["a", "b"], "shutdown_grace = \"3s\"");
    probe.pipes["b"].probe_hangs.store(true, Ordering::SeqCst);
    let running = start(config, probe.clone(), Vec::new()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let t = Instant::now();
    running.stop().await;
    assert!(t.elapsed() <= Duration::from_secs(5), "{:?}", t.elapsed());
}

#[tokio::test(start_paused = true)]
async fn endpoints_answer_without_a_socket() {
    let (_dir, config, probe) = setup(&["a", "b"], "");
    probe.pipes["b"].probe_hangs.store(true, Ordering::SeqCst);
    let running = start(config, probe.clone(), Vec::new()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(get(&running.shared, "/healthz").await.0, StatusCode::OK);
    assert_eq!(
        get(&running.shared, "/readyz").await.0,
        StatusCode::SERVICE_UNAVAILABLE,
        "b has not completed a probe"
    );
    // b's probe is abandoned after its limit (20 s) and counts as a completed cycle.
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(get(&running.shared, "/readyz").await.0, StatusCode::OK);
    let (status, body) = get(&running.shared, "/status").await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["pipeline"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(v[1]["cause"], "unknown");
    let (status, m) = get(&running.shared, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    running.stop().await;
    for series in [
        "verdict{pipeline=\"a\",cause=\"healthy\"}",
        "verdict{pipeline=\"a\",cause=\"dead_connection\"}",
        "output_age_seconds{pipeline=\"a\"}",
        "output_scn{pipeline=\"a\"}",
        "current_scn{pipeline=\"a\"}",
        "scn_lag{pipeline=\"a\"}",
        "mining_session_last_call_seconds{pipeline=\"a\"}",
        "flush_table_scn{pipeline=\"a\"}",
        "redo_headroom_seconds{pipeline=\"a\"}",
        "checkpoint_age_seconds{pipeline=\"a\"}",
        "restarts_total{pipeline=\"a\"}",
        "collector_up{pipeline=\"a\",system=\"oracle\"}",
        "collector_up{pipeline=\"b\",system=\"flink\"}",
    ] {
        assert!(metric(&m, series).is_some(), "no {series} in\n{m}");
    }
    assert_eq!(
        metric(&m, "verdict{pipeline=\"a\",cause=\"healthy\"}"),
        Some(1.0)
    );
    assert_eq!(
        metric(&m, "collector_up{pipeline=\"b\",system=\"flink\"}"),
        Some(0.0)
    );
}

#[tokio::test(start_paused = true)]
async fn a_corrupt_history_database_is_reported_and_probing_goes_on() {
    let (dir, config, probe) = setup(&["orders"], "");
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(
        state.join(logminer_doctor::store::FILE_NAME),
        b"this is not an SQLite database, not even its header.......................",
    )
    .unwrap();
    let running = start(config, probe.clone(), Vec::new()).await;
    minutes(2).await;
    let m = running.shared.metrics.encode();
    running.stop().await;
    assert!(
        metric(&m, "history_errors_total{kind=\"corrupt\"}").unwrap_or(0.0) >= 1.0,
        "{m}"
    );
    assert!(metric(&m, "probes_total{pipeline=\"orders\"}").unwrap() >= 8.0);
    // The damaged file was moved aside and a new history records the probes.
    let h = History::open(&state).unwrap();
    assert!(h.recovered_from().is_none(), "the new database is sound");
    assert!(!h
        .timeline(None, Timestamp::from_unix_millis(0))
        .await
        .unwrap()
        .is_empty());
    assert!(std::fs::read_dir(&state)
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().contains(".corrupt-")));
}

#[tokio::test(start_paused = true)]
async fn no_password_in_alerts_logs_or_endpoints() {
    let (logs, _guard) = Logs::capture();

    let (_dir, config, probe) = setup(&["orders"], "");
    assert!(format!("{config:?}").contains("REDACTED"));
    let rec = Recorder::failing("rec", 1, false);
    let running = start(config, probe.clone(), vec![rec.clone()]).await;
    probe.world("orders").checkpoints_fail = true;
    minutes(15).await;
    let (_, status) = get(&running.shared, "/status").await;
    let (_, metrics) = get(&running.shared, "/metrics").await;
    running.stop().await;
    let alerts = serde_json::to_string(&*rec.got.lock().unwrap()).unwrap();
    let logs = logs.text();
    assert!(
        !rec.notices().is_empty() && logs.contains("Alerting."),
        "{logs}"
    );
    for (what, text) in [
        ("alerts", &alerts),
        ("logs", &logs),
        ("/status", &status),
        ("/metrics", &metrics),
    ] {
        assert!(!text.contains(PASSWORD), "the password appears in {what}");
    }
    // Structured fields, stable names.
    assert!(logs.contains("\"pipeline\":\"orders\""), "{logs}");
    assert!(logs.contains("\"job_id\":\""), "{logs}");
}

/// Where `promtool` is (Debian's `prometheus` package, installed by tests/agent/setup.sh).
fn promtool() -> PathBuf {
    PathBuf::from("/usr/bin/promtool")
}

#[tokio::test(start_paused = true)]
async fn the_exposition_passes_promtool_check_metrics() {
    let (_dir, config, probe) = setup(&["orders", "billing"], "");
    let running = start(config, probe.clone(), vec![Recorder::new("rec")]).await;
    probe.world("orders").checkpoints_fail = true;
    minutes(10).await;
    let (_, m) = get(&running.shared, "/metrics").await;
    running.stop().await;
    let tool = promtool();
    assert!(
        tool.exists(),
        "promtool is missing: run tests/agent/setup.sh (Debian's prometheus package)"
    );
    let mut child = std::process::Command::new(tool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(m.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.trim().is_empty(),
        "promtool: {text}\n{m}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_grafana_dashboard_uses_only_series_the_agent_exports() {
    let (_dir, config, probe) = setup(&["orders"], "");
    let running = start(config, probe.clone(), vec![Recorder::new("rec")]).await;
    probe.world("orders").checkpoints_fail = true;
    minutes(10).await;
    let (_, m) = get(&running.shared, "/metrics").await;
    running.stop().await;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/grafana/logminer-doctor.json"
    );
    let dash: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let re = regex::Regex::new(r"logminer_doctor_[a-z_]+").unwrap();
    let mut used = 0;
    for panel in dash["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for name in re.find_iter(expr) {
                used += 1;
                assert!(
                    m.lines()
                        .any(|l| l.starts_with(&format!("{}{{", name.as_str()))),
                    "the dashboard's {} is not exported:\n{m}",
                    name.as_str()
                );
            }
        }
    }
    assert!(used >= 14);
}

#[test]
fn the_kubernetes_config_map_holds_a_valid_config() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/kubernetes/logminer-doctor.yaml"
    );
    let yaml = std::fs::read_to_string(path).unwrap();
    let toml: String = yaml
        .lines()
        .skip_while(|l| !l.contains("logminer-doctor.toml: |"))
        .skip(1)
        .take_while(|l| *l != "---")
        .map(|l| format!("{}\n", l.strip_prefix("    ").unwrap_or(l)))
        .collect();
    let config =
        Config::from_toml(&toml, Path::new("/etc/logminer-doctor/x.toml"), &TestEnv).unwrap();
    assert_eq!(config.agent.listen.port(), 9464);
    assert!(config.agent.alerts.alertmanager.is_some());
    // The probes the Deployment declares exist.
    assert!(yaml.contains("path: /healthz") && yaml.contains("path: /readyz"));
    assert!(yaml.contains("secretKeyRef"));
}

#[tokio::test(start_paused = true)]
async fn a_locked_history_database_is_reported_and_probing_goes_on() {
    let (dir, config, probe) = setup(&["orders"], "");
    let state = dir.path().join("state");
    drop(History::open(&state).unwrap());
    // Another process holds the write lock for the whole run.
    let other = rusqlite::Connection::open(state.join(logminer_doctor::store::FILE_NAME)).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let running = start(config, probe.clone(), Vec::new()).await;
    minutes(1).await;
    let m = running.shared.metrics.encode();
    // Readiness says the history cannot be written (alerts would not survive a restart).
    let (code, body) = get(&running.shared, "/readyz").await;
    running.stop().await;
    drop(other);
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("history cannot be written"), "{body}");
    assert!(
        metric(&m, "history_errors_total{kind=\"locked\"}").unwrap_or(0.0) >= 1.0,
        "{m}"
    );
    // Ticks at 0 to 60 s; the last may still wait out the lock when the metrics are read.
    let probes = metric(&m, "probes_total{pipeline=\"orders\"}").unwrap();
    assert!((4.0..=5.0).contains(&probes), "{m}");
}

#[tokio::test(start_paused = true)]
async fn metrics_are_openmetrics_when_the_scraper_asks_for_it() {
    let (_dir, config, probe) = setup(&["orders"], "");
    let running = start(config, probe.clone(), Vec::new()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let resp = agent::http::router(running.shared.clone(), None)
        .oneshot(
            Request::get("/metrics")
                .header(
                    "accept",
                    "application/openmetrics-text;version=1.0.0,text/plain;q=0.5",
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    running.stop().await;
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(text.contains("# TYPE logminer_doctor_probes counter"));
    assert!(text.contains("logminer_doctor_probes_total{pipeline=\"orders\"} 1"));
}

/// Shares a recorder behind another channel (a rate limiter).
struct Shared2(Arc<Recorder>);
impl Channel for Shared2 {
    fn name(&self) -> &'static str {
        self.0.name
    }
    fn send<'a>(&'a self, m: &'a AlertMessage) -> SendFuture<'a> {
        self.0.send(m)
    }
}

/// Alerts a rate limit holds back are not lost when the agent stops: they go out at once,
/// merged, within the shutdown grace.
#[tokio::test(start_paused = true)]
async fn alerts_held_back_by_a_rate_limit_go_out_merged_at_shutdown() {
    use logminer_doctor::agent::alerts::rate::RateLimited;
    let (_dir, config, probe) = setup(&["a", "b"], "shutdown_grace = \"5s\"");
    let rec = Recorder::new("limited");
    // One message an hour: the second pipeline's alert has to wait.
    let limited: Arc<dyn Channel> = Arc::new(RateLimited::new(
        Shared2(rec.clone()),
        vec![(1, Duration::from_secs(3600))],
    ));
    let running = start(config, probe.clone(), vec![limited]).await;
    minutes(5).await;
    probe.world("a").checkpoints_fail = true;
    probe.world("b").checkpoints_fail = true;
    minutes(20).await;
    assert_eq!(
        rec.got.lock().unwrap().len(),
        1,
        "the limit holds the second alert back"
    );
    let stopping = Instant::now();
    running.stop().await;
    assert!(stopping.elapsed() <= Duration::from_secs(5) + Duration::from_secs(2));
    let got = rec.got.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:#?}");
    let pipelines: Vec<&str> = got.iter().map(|m| m.pipeline.as_str()).collect();
    assert!(
        pipelines.contains(&"a") && pipelines.contains(&"b"),
        "{pipelines:?}"
    );
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file in `dir` with its mode in octal, by name.
fn file_modes(dir: &Path) -> Vec<(String, String)> {
    let mut modes: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let mode = format!("{:o}", mode(&e.path()));
            (e.file_name().to_string_lossy().into_owned(), mode)
        })
        .collect();
    modes.sort();
    modes
}

async fn record_one_alert(h: &History) {
    h.record_alert(
        "orders",
        Timestamp::from_unix_millis(1_790_000_000_000),
        "webhook",
        logminer_doctor::agent::alerts::dedup::Notice::Firing,
        logminer_doctor::diagnose::Cause::SinkStalled,
        Some("webhook at http://127.0.0.1:9/?**REDACTED** answered HTTP 500".into()),
    )
    .await
    .unwrap();
}

// See: #13
#[tokio::test]
async fn the_state_directory_is_created_0700_and_its_database_files_0600() {
    let dir = tempfile::tempdir().unwrap();
    // Parents are created too (as `create_dir_all` did), and private as well.
    let state = dir.path().join("var/lib/state");
    let h = History::open(&state).unwrap();
    record_one_alert(&h).await;
    assert_eq!(mode(&state), 0o700, "{}", state.display());
    assert_eq!(mode(&dir.path().join("var")), 0o700);
    let modes = file_modes(&state);
    let names: Vec<&str> = modes.iter().map(|(n, _)| n.as_str()).collect();
    // WAL mode: the write-ahead log and the shared-memory index sit beside the database.
    assert_eq!(
        names,
        [
            "history.sqlite3",
            "history.sqlite3-shm",
            "history.sqlite3-wal"
        ],
        "{modes:?}"
    );
    assert!(modes.iter().all(|(_, m)| m == "600"), "{modes:?}");
    drop(h);
}

// See: #13
#[tokio::test]
async fn database_files_left_open_to_others_are_narrowed_to_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    // A state directory made by hand (or by an older version) is left as it is.
    std::fs::create_dir(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o750)).unwrap();
    let h = History::open(&state).unwrap();
    record_one_alert(&h).await;
    for (name, _) in file_modes(&state) {
        std::fs::set_permissions(state.join(name), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let h2 = History::open(&state).unwrap();
    record_one_alert(&h2).await;
    assert_eq!(mode(&state), 0o750);
    let modes = file_modes(&state);
    assert_eq!(modes.len(), 3, "{modes:?}");
    assert!(modes.iter().all(|(_, m)| m == "600"), "{modes:?}");
    assert_eq!(h2.alerts("orders").await.unwrap().len(), 2);
    drop((h, h2));
}

#[tokio::test]
async fn with_a_token_every_endpoint_but_healthz_requires_it() {
    use logminer_doctor::config::{Secret, SecretSource};
    let shared = Arc::new(Shared::new(1));
    let token = Secret::new(
        "Agent-Endpoint-Token-10".into(),
        SecretSource::Env("LMD_TOKEN".into()),
    );
    let ask = |path: &str, bearer: Option<&str>| {
        let mut req = Request::get(path);
        if let Some(b) = bearer {
            req = req.header("authorization", format!("Bearer {b}"));
        }
        agent::http::router(shared.clone(), Some(token.clone()))
            .oneshot(req.body(Body::empty()).unwrap())
    };
    assert_eq!(
        ask("/healthz", None).await.unwrap().status(),
        StatusCode::OK
    );
    // The status pages too (issue 17): they show what /status shows.
    for path in [
        "/status",
        "/metrics",
        "/readyz",
        "/",
        "/p/orders",
        "/incidents/orders-20261130T000000Z",
    ] {
        let r = ask(path, None).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let r = ask(path, Some("wrong")).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let r = ask(path, Some("Agent-Endpoint-Token-10")).await.unwrap();
        assert_ne!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
}

#[tokio::test(start_paused = true)]
async fn listening_beyond_loopback_without_a_token_is_warned_about_at_start() {
    let (logs, _guard) = Logs::capture();
    let (_dir, open, probe) = setup(&["orders"], "listen = \"0.0.0.0:9464\"\n");
    let running = start(open, probe, vec![]).await;
    minutes(1).await;
    running.stop().await;
    assert!(logs.text().contains("without a token"), "{}", logs.text());

    let (logs, _guard) = Logs::capture();
    let (_dir, local, probe) = setup(&["orders"], "");
    let running = start(local, probe, vec![]).await;
    minutes(1).await;
    running.stop().await;
    assert!(!logs.text().contains("without a token"), "{}", logs.text());
}

#[tokio::test]
async fn a_damaged_history_is_moved_aside_and_the_paged_incident_carried_over() {
    use logminer_doctor::agent::alerts::dedup::{AlertState, Firing};
    use logminer_doctor::diagnose::Cause;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let paged = AlertState {
        pending: Some((Cause::DeadConnection, 4)),
        firing: Some(Firing {
            cause: Cause::DeadConnection,
            since: Timestamp::from_unix_millis(1_795_000_000_000),
            last_sent: Timestamp::from_unix_millis(1_795_000_000_000),
        }),
    };
    {
        let h = History::open(&state).unwrap();
        h.save_alert_state("orders", &paged).await.unwrap();
        fill_with_observations(&h, dir.path()).await;
    }
    let file = state.join(logminer_doctor::store::FILE_NAME);
    damage_last_pages(&file);

    let h = History::open(&state).expect("a new history replaces the damaged one");
    let moved: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".corrupt-"))
        .collect();
    assert!(!moved.is_empty(), "the damaged file is kept for inspection");
    assert_eq!(h.alert_state::<AlertState>("orders").await.unwrap(), paged);

    // A file that is not a database at all (and no WAL beside it) is treated the same way.
    drop(h);
    for suffix in ["-wal", "-shm"] {
        let mut companion = file.clone().into_os_string();
        companion.push(suffix);
        let _ = std::fs::remove_file(companion);
    }
    std::fs::write(&file, b"not a database, not at all").unwrap();
    let h = History::open(&state).expect("a new history");
    assert_eq!(
        h.alert_state::<AlertState>("orders").await.unwrap(),
        AlertState::default()
    );
}

#[tokio::test]
async fn damage_found_while_running_is_moved_aside_and_the_history_goes_on() {
    use logminer_doctor::agent::alerts::dedup::{AlertState, Firing};
    use logminer_doctor::diagnose::Cause;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let h = History::open(&state).unwrap();
    let paged = AlertState {
        pending: None,
        firing: Some(Firing {
            cause: Cause::SinkStalled,
            since: Timestamp::from_unix_millis(1_795_000_000_000),
            last_sent: Timestamp::from_unix_millis(1_795_000_000_000),
        }),
    };
    h.save_alert_state("orders", &paged).await.unwrap();
    // Sound: nothing moves.
    assert_eq!(h.recover_if_damaged().await.unwrap(), None);

    // Damage the file under the open connection (a bad sector, a stray write), past the pages
    // that hold the alert state.
    let (o, keep) = fill_with_observations(&h, dir.path()).await;
    let file = state.join(logminer_doctor::store::FILE_NAME);
    damage_last_pages(&file);

    let moved = h.recover_if_damaged().await.unwrap().expect("moved aside");
    assert!(moved.exists(), "{}", moved.display());
    // The same handle now writes to the new database, which kept the paged incident.
    assert_eq!(h.alert_state::<AlertState>("orders").await.unwrap(), paged);
    h.record_observation(&o, keep).await.unwrap();
    assert_eq!(h.recover_if_damaged().await.unwrap(), None);
}

/// Stores 400 observations, so that their pages follow the alert state's; returns one and the
/// retention used, for more writes.
async fn fill_with_observations(
    h: &History,
    dir: &Path,
) -> (
    logminer_doctor::observation::Observation,
    logminer_doctor::store::Retention,
) {
    let (_d, _c, probe) = setup(&["orders"], "");
    let config = config(dir, &["orders"], "");
    let o = probe.probe(&config.pipelines[0]).await.observation;
    let keep = logminer_doctor::store::Retention {
        max_age: Duration::from_secs(365 * 86_400),
        max_count: 100_000,
    };
    for _ in 0..400 {
        h.record_observation(&o, keep).await.unwrap();
    }
    (o, keep)
}

/// Overwrites the last three pages of the database file in place (the observations'), as a
/// bad sector or a stray write would, after folding the WAL into the file.
fn damage_last_pages(file: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    {
        let c = rusqlite::Connection::open(file).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let len = std::fs::metadata(file).unwrap().len();
    let mut f = std::fs::OpenOptions::new().write(true).open(file).unwrap();
    f.seek(SeekFrom::Start(len - 3 * 4096)).unwrap();
    f.write_all(&[0xA5; 3 * 4096]).unwrap();
}

/// A periodic savepoint that takes `took` and records itself, as `periodic` does at its end.
struct SlowSavepoint {
    took: Duration,
}

impl agent::remediate::Remediator for SlowSavepoint {
    fn restart<'a>(
        &'a self,
        _: &'a PipelineConfig,
        _: Vec<logminer_doctor::observation::Observation>,
        _: Option<History>,
    ) -> agent::remediate::BoxFuture<'a, logminer_doctor::remediation::restart::GatedRestart> {
        unreachable!("no restart in this test")
    }

    fn savepoint<'a>(
        &'a self,
        p: &'a PipelineConfig,
        job_id: String,
        before: logminer_doctor::observation::Observation,
        history: History,
    ) -> agent::remediate::BoxFuture<'a, logminer_doctor::remediation::savepoints::PeriodicRun>
    {
        Box::pin(async move {
            tokio::time::sleep(self.took).await;
            let sp = logminer_doctor::store::SavepointRecord {
                pipeline: p.name.clone(),
                path: "file:///savepoints/savepoint-1".into(),
                job_id,
                trigger_id: Some("t1".into()),
                triggered_at: before.observed_at,
                completed_at: before.observed_at.plus(self.took),
                size_bytes: None,
                restart_scn: None,
                scn_sources: vec![],
                disposed_at: None,
            };
            history.record_savepoint(&sp, true).await.unwrap();
            logminer_doctor::remediation::savepoints::PeriodicRun {
                taken: Some(sp),
                ..Default::default()
            }
        })
    }
}

/// SIGTERM while a periodic savepoint runs: the run finishes within the shutdown grace (so it
/// records its savepoint and releases the pipeline lock) instead of being cut off.
#[tokio::test(start_paused = true)]
async fn a_periodic_savepoint_in_progress_finishes_within_the_shutdown_grace() {
    let (dir, mut config, probe) = setup(&["orders"], "shutdown_grace = \"10s\"");
    config.pipelines[0].savepoints.interval = Some(Duration::from_secs(3600));
    let running = start_with(
        config,
        probe.clone(),
        Vec::new(),
        Some(Arc::new(SlowSavepoint {
            took: Duration::from_secs(5),
        })),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    running.stop().await;
    let h = History::open(&dir.path().join("state")).unwrap();
    let sps = h.savepoints(Some("orders")).await.unwrap();
    assert_eq!(sps.len(), 1, "the run was cut off: {sps:?}");
}
