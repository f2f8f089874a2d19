//! `gate`, `restart` and `watch`'s auto-remediation end to end on the real Flink HA cluster of
//! the harness, with a simulated Oracle that follows the job's real connection to the feed:
//! the connector's session exists while the feed serves the job, vanishes when the socket is
//! closed, lingers when the connection is half-open, and its heartbeat rises only while it
//! mines. Each test asserts what really happened: jobs on the cluster, the feed's connections,
//! the committed output (every SCN exactly once), the audit log, the alerts.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use logminer_doctor::agent::remediate::ClusterRemediator;
use logminer_doctor::agent::{self, Deps, Shared};
use logminer_doctor::clock::SystemClock;
use logminer_doctor::collectors::control::OracleControl;
use logminer_doctor::collectors::flink::FlinkCollector;
use logminer_doctor::collectors::output::FileSinkCollector;
use logminer_doctor::collectors::zookeeper::ZooKeeperCollector;
use logminer_doctor::collectors::CollectorProbe;
use logminer_doctor::collectors::{sample, Collectors, OracleSource};
use logminer_doctor::config::{Config, PipelineConfig};
use logminer_doctor::observation::{ConnectorSession, OracleSnapshot, Signal, SqlKind, Timestamp};
use logminer_doctor::remediation::cluster::cluster_control;
use logminer_doctor::remediation::restart::{
    Bounds, GatedRestart, LogProgress, Outcome, Progress, Request, Restart, Step,
};
use logminer_doctor::store::History;
use serde_json::Value;
use tokio::time::Instant;

use crate::support::feed::Feed;
use crate::support::flink::{ClusterTest, ENTRY_CLASS, TERMINAL};
use crate::support::output::{assert_exactly_once, committed_scns, wait_committed};
use crate::support::sim_oracle::{snapshot, Db, PasswordEnv};
use crate::support::{report, secs, wait_for};

const RUNNING_WITHIN: Duration = Duration::from_secs(90);

// ---------------------------------------------------------------------------------------------
// The simulated Oracle, tied to the feed
// ---------------------------------------------------------------------------------------------

/// A connector session as the database holds it.
#[derive(Clone)]
pub(crate) struct Sess {
    conn: usize,
    logon: Timestamp,
    /// The job still talks to it (the feed serves this connection).
    live: bool,
    /// The database still has it (a half-open connection keeps it; a closed one removes it).
    present: bool,
    idle_since: Timestamp,
}

#[derive(Default)]
pub(crate) struct OracleState {
    sessions: BTreeMap<usize, Sess>,
    heartbeat: u64,
    kills: Vec<(u32, u32, u32)>,
}

/// The database side of the feed: Oracle's view of the connector that reads it.
#[derive(Clone)]
pub(crate) struct FeedOracle {
    pub(crate) feed: Arc<Feed>,
    state: Arc<Mutex<OracleState>>,
    /// The oldest SCN still in redo (0: everything available).
    pub(crate) oldest_redo: Arc<AtomicU64>,
}

const SID_BASE: u32 = 200;
const SERIAL_BASE: u32 = 31_000;

impl FeedOracle {
    fn new(feed: Arc<Feed>) -> FeedOracle {
        FeedOracle {
            feed,
            state: Arc::new(Mutex::new(OracleState {
                heartbeat: 9_000_000,
                ..OracleState::default()
            })),
            oldest_redo: Arc::new(AtomicU64::new(0)),
        }
    }

    fn kills(&self) -> Vec<(u32, u32, u32)> {
        self.state.lock().unwrap().kills.clone()
    }

    /// Brings the sessions up to date with the feed's connection.
    fn sync(&self, now: Timestamp) -> (Vec<ConnectorSession>, u64) {
        let link = self.feed.link();
        let mut st = self.state.lock().unwrap();
        for conn in 1..=link.connections {
            st.sessions.entry(conn).or_insert(Sess {
                conn,
                logon: now,
                live: true,
                present: true,
                idle_since: now,
            });
        }
        let current = link.connections;
        let mut mining = false;
        for s in st.sessions.values_mut() {
            if s.conn == current {
                if link.live {
                    s.live = true;
                    s.idle_since = now;
                    mining = true;
                } else if s.live {
                    // Closed: the server saw the socket go and dropped the session. Half-open:
                    // it still holds it, idle, waiting for a client that never calls again.
                    s.live = false;
                    s.present = link.half_open;
                }
            } else if s.live {
                // A new connection replaced it: the old socket went silent, the session stays.
                s.live = false;
            }
        }
        if mining {
            st.heartbeat += 500;
        }
        let sessions = st
            .sessions
            .values()
            .filter(|s| s.present)
            .map(|s| ConnectorSession {
                instance: 1,
                sid: SID_BASE + s.conn as u32,
                serial: SERIAL_BASE + s.conn as u32,
                status: "INACTIVE".into(),
                last_call_et_s: now.since(s.idle_since).as_secs(),
                event: "SQL*Net message from client".into(),
                sql: None,
                prev_sql: Some(SqlKind::MiningQuery),
                sql_stats: None,
                pga_bytes: Some(100 << 20),
                logon_time: s.logon,
                machine: "flink-tm-1".into(),
                port: Some(40_000 + s.conn as u32),
            })
            .collect();
        (sessions, st.heartbeat)
    }
}

impl OracleSource for FeedOracle {
    async fn observe(&self) -> Signal<OracleSnapshot> {
        let now = Timestamp::from_system_time(SystemTime::now());
        let (sessions, heartbeat) = self.sync(now);
        let sent = self.feed.last_scn();
        // Every change the feed sent touched the captured table.
        snapshot(Db {
            now,
            current_scn: 10_000_000 + sent * 10,
            sessions,
            heartbeat,
            oldest_redo: self.oldest_redo.load(Ordering::SeqCst),
            activity: 1_000 + sent * 10,
        })
    }
}

/// The kill procedure: refuses what is not a connector session, as sql/grants.sql's does.
#[derive(Debug, thiserror::Error)]
#[error("ORA-20002: lmd_kill_connector_session: no such session")]
pub(crate) struct NoSuchSession;

impl OracleControl for FeedOracle {
    type Error = NoSuchSession;
    async fn kill_session(
        &self,
        procedure: &str,
        instance: u32,
        sid: u32,
        serial: u32,
    ) -> Result<(), NoSuchSession> {
        assert_eq!(procedure, "SYSTEM.LMD_KILL_CONNECTOR_SESSION");
        let mut st = self.state.lock().unwrap();
        let conn = (sid - SID_BASE) as usize;
        match st.sessions.get_mut(&conn) {
            Some(s) if s.present && instance == 1 && serial == SERIAL_BASE + conn as u32 => {
                s.present = false;
                st.kills.push((instance, sid, serial));
                Ok(())
            }
            _ => Err(NoSuchSession),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The pipeline: the stand-in job, its feed, its config
// ---------------------------------------------------------------------------------------------

const TEST_ENV: PasswordEnv = PasswordEnv("Remediation-Test-Secret-5");

pub(crate) struct Pipe {
    pub(crate) feed: Arc<Feed>,
    pub(crate) oracle: FeedOracle,
    pub(crate) job_name: String,
    pub(crate) fixed_id: String,
    pub(crate) first_id: String,
    pub(crate) output: PathBuf,
    pub(crate) state_dir: PathBuf,
    pub(crate) config: Config,
    pub(crate) _dir: tempfile::TempDir,
}

impl Pipe {
    pub(crate) fn pipeline(&self) -> &PipelineConfig {
        &self.config.pipelines[0]
    }

    pub(crate) fn probe(
        &self,
        t: &ClusterTest,
    ) -> CollectorProbe<
        SystemClock,
        FeedOracle,
        FlinkCollector,
        Option<ZooKeeperCollector>,
        FileSinkCollector,
    > {
        let p = self.pipeline();
        let mut probe = CollectorProbe::new(SystemClock);
        let collectors = Collectors {
            oracle: self.oracle.clone(),
            flink: FlinkCollector::new(p.flink.clone()).with_dump_gap(Duration::from_millis(300)),
            zookeeper: p.zookeeper.clone().map(ZooKeeperCollector::new),
            output: FileSinkCollector::new(p.output.clone()),
        };
        let _ = t;
        probe.insert(&p.name, collectors, Duration::from_secs(20));
        probe
    }
}

/// A fixed job id unique to this test run.
fn fixed_job_id(name: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let h = name
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    format!("{:016x}{:016x}", nanos, h)
}

/// Config text of one pipeline on the harness's cluster, with short windows for a test.
#[allow(clippy::too_many_arguments)]
fn config_text(
    t: &ClusterTest,
    name: &str,
    job: &str,
    feed: &str,
    output: &Path,
    state: &Path,
    fixed_id: &str,
    extra_remediation: &str,
    agent: &str,
) -> String {
    let jms: Vec<String> = t.ha.rest_urls().iter().map(|u| format!("{u:?}")).collect();
    let savepoints = format!("file://{}", t.ha.savepoint_dir(name).display());
    let args = [
        "--feed".to_string(),
        feed.to_string(),
        "--output".to_string(),
        output.display().to_string(),
        "--job-name".to_string(),
        job.to_string(),
        "--checkpoint-ms".to_string(),
        "2000".to_string(),
    ];
    let args: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
    format!(
        r#"
[agent]
state_dir = {state:?}
alert_hold_down = 2
alert_renotify = "1h"
alert_retries = 1
alert_timeout = "2s"
shutdown_grace = "2s"
history_window = "2m"
{agent}

[[pipeline]]
name = "orders"
interval = "2s"
[pipeline.oracle]
connect_string = "db:1521/ORCLPDB1"
user = "LMD_MONITOR"
password_env = "LMD_PASSWORD"
connector_user = "CDC"
captured_tables = ["SHOP.ORDERS"]
[pipeline.flink]
jobmanagers = [{jms}]
job_name = {job:?}
source_operator = "Source"
sink_operator = "FileSink"
request_timeout = "5s"
[pipeline.zookeeper]
quorum = [{zk:?}]
root = "/flink"
cluster_id = {cluster:?}
session_timeout = "5s"
[pipeline.output]
dir = {out:?}
format = "csv"
csv_scn_column = 0
[pipeline.thresholds]
stall_window = "8s"
mining_call_gap = "20s"
[pipeline.remediation]
mode = "savepoint"
savepoint_dir = {savepoints:?}
kill_procedure = "system.lmd_kill_connector_session"
stop_timeout = "20s"
running_timeout = "60s"
verify_timeout = "60s"
{extra_remediation}
[pipeline.remediation.resubmit]
jar = {jar:?}
entry_class = {ENTRY_CLASS:?}
program_args = [{args}]
parallelism = 1
job_id = {fixed_id:?}
"#,
        state = state.display().to_string(),
        jms = jms.join(", "),
        zk = t.ha.zk_address,
        cluster = t.ha.cluster_id,
        out = output.display().to_string(),
        jar = t.ha.installed.job_jar.display().to_string(),
        args = args.join(", "),
    )
}

/// Starts the stand-in job (submitted by hand, with a random id, as operators do) with
/// `before` sent and committed, and the doctor's config for it.
pub(crate) async fn start(
    t: &ClusterTest,
    name: &str,
    before: &[&str],
    extra_remediation: &str,
    agent: &str,
) -> Pipe {
    let url = t.any_rest_url().await;
    let feed = Arc::new(Feed::start());
    let output = t.ha.new_output_dir(name);
    let dir = tempfile::tempdir().unwrap();
    let job_name = format!("orders-{name}");
    let first_id = t
        .submit(&url, &job_name, &feed.address(), &output, None)
        .await;
    t.rest
        .wait_job_running(&url, &first_id, RUNNING_WITHIN)
        .await;
    feed.wait_connections(1, RUNNING_WITHIN).await;
    for line in before {
        match line.split_once("..=") {
            Some((a, b)) => feed.send(a.parse().unwrap()..=b.parse().unwrap()),
            None => feed.send_raw(line),
        }
    }
    wait_committed(&output, feed.last_scn()).await;
    let fixed_id = fixed_job_id(name);
    let state_dir = dir.path().join("state");
    let text = config_text(
        t,
        name,
        &job_name,
        &feed.address(),
        &output,
        &state_dir,
        &fixed_id,
        extra_remediation,
        agent,
    );
    let config = Config::from_toml(&text, &dir.path().join("doctor.toml"), &TEST_ENV)
        .unwrap_or_else(|e| panic!("{}", e.report()));
    // Flink refreshes its metrics every 10 s, longer than these tests' stall window: wait until
    // the source's counter shows what it read, or a first probe's stale 0 followed by the real
    // count would look like records read and never committed (sink_stalled).
    let flink = FlinkCollector::new(config.pipelines[0].flink.clone());
    let sent = feed.last_scn();
    wait_for(
        "the source's numRecordsOut",
        Duration::from_secs(40),
        Duration::from_secs(1),
        || async {
            let s = logminer_doctor::collectors::FlinkSource::observe(&flink).await;
            let r = s.value()?.job.as_ref()?.source.value()?.records;
            (r >= sent).then_some(r)
        },
    )
    .await;
    Pipe {
        oracle: FeedOracle::new(feed.clone()),
        feed,
        job_name,
        fixed_id,
        first_id,
        output,
        state_dir,
        config,
        _dir: dir,
    }
}

/// The jobs with this name that are not ended, on the cluster (asked of a JobManager that
/// answers).
pub(crate) async fn live_jobs(t: &ClusterTest, job_name: &str) -> Vec<(String, String)> {
    let url = t.any_rest_url().await;
    let jobs = t.rest.get(&url, "/jobs/overview").await.unwrap();
    jobs["jobs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|j| j["name"] == job_name && !TERMINAL.contains(&j["state"].as_str().unwrap_or("")))
        .map(|j| {
            (
                j["jid"].as_str().unwrap().to_string(),
                j["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub(crate) async fn job_state(t: &ClusterTest, id: &str) -> String {
    let url = t.any_rest_url().await;
    t.rest
        .job(&url, id)
        .await
        .map(|j| j["state"].as_str().unwrap_or("").to_string())
        .unwrap_or_else(|e| e)
}

/// The audit log's actions, in order.
pub(crate) async fn audit(p: &Pipe) -> Vec<(String, Value)> {
    let h = History::open(&p.state_dir).unwrap();
    h.actions("orders", Timestamp::from_unix_millis(0))
        .await
        .unwrap()
        .into_iter()
        .map(|(_, a, d)| (a, serde_json::from_str(&d).unwrap()))
        .collect()
}

pub(crate) async fn cleanup(t: &ClusterTest, p: &Pipe) {
    for (id, _) in live_jobs(t, &p.job_name).await {
        let url = t.any_rest_url().await;
        t.rest.cancel_and_wait(&url, &id).await;
    }
}

/// Gate and restart in-process (what `restart --apply` does), with `progress`.
pub(crate) async fn restart_now(
    t: &ClusterTest,
    p: &Pipe,
    req: Request,
    progress: &dyn Progress,
) -> GatedRestart {
    let probe = p.probe(t);
    let pl = p.pipeline();
    let window = sample(
        &pl.name,
        &collectors_of(t, p),
        &SystemClock,
        2,
        Duration::from_secs(2),
        Duration::from_secs(20),
    )
    .await;
    let control = cluster_control(pl);
    let history = History::open(&p.state_dir).unwrap();
    let r = Restart {
        pipeline: pl,
        control: &control,
        oracle: Some(&p.oracle),
        probe: &probe,
        history: Some(&history),
        progress,
        bounds: Bounds::of(pl),
    };
    r.gated(&window, &req).await
}

pub(crate) fn collectors_of(
    _t: &ClusterTest,
    p: &Pipe,
) -> Collectors<FeedOracle, FlinkCollector, Option<ZooKeeperCollector>, FileSinkCollector> {
    let pl = p.pipeline();
    Collectors {
        oracle: p.oracle.clone(),
        flink: FlinkCollector::new(pl.flink.clone()).with_dump_gap(Duration::from_millis(300)),
        zookeeper: pl.zookeeper.clone().map(ZooKeeperCollector::new),
        output: FileSinkCollector::new(pl.output.clone()),
    }
}

pub(crate) fn apply() -> Request {
    Request {
        apply: true,
        ..Request::default()
    }
}

// ---------------------------------------------------------------------------------------------
// The alert receiver and the agent
// ---------------------------------------------------------------------------------------------

/// A webhook receiver on loopback: every alert with the time it arrived.
#[derive(Clone, Default)]
pub(crate) struct Inbox(pub(crate) Arc<Mutex<Vec<(Instant, Value)>>>);

impl Inbox {
    pub(crate) async fn serve(&self) -> SocketAddr {
        let inbox = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
                let inbox = inbox.clone();
                async move {
                    inbox.0.lock().unwrap().push((Instant::now(), v));
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }

    /// Waits for the first alert matching `f`; returns when it arrived and the alert.
    pub(crate) async fn wait(
        &self,
        what: &str,
        timeout: Duration,
        f: impl Fn(&Value) -> bool,
    ) -> (Instant, Value) {
        wait_for(what, timeout, Duration::from_millis(200), || async {
            self.0.lock().unwrap().iter().find(|(_, v)| f(v)).cloned()
        })
        .await
    }
}

pub(crate) struct Watch {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<Result<(), agent::AgentError>>,
}

impl Watch {
    pub(crate) async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(120), self.handle).await;
    }
}

/// `watch` with auto-remediation, alerting to `inbox`, verifying with the same probe.
pub(crate) async fn watch(t: &ClusterTest, p: &Pipe, inbox: &Inbox) -> Watch {
    let addr = inbox.serve().await;
    let mut config = p.config.clone();
    config.agent.alerts.webhook = Some(format!("http://{addr}/hook").parse().unwrap());
    let probe = Arc::new(p.probe(t));
    let deps = Deps {
        probe: probe.clone(),
        channels: Deps::from_config((), &config).channels,
        retry_backoff: Duration::from_millis(200),
        remediator: Some(Arc::new(ClusterRemediator::new(
            probe,
            HashMap::from([("orders".to_string(), p.oracle.clone())]),
        ))),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let shared = Arc::new(Shared::new(1));
    let handle = tokio::spawn(agent::run_with(
        config,
        deps,
        listener,
        async move {
            let _ = rx.await;
        },
        shared,
    ));
    Watch {
        stop: Some(tx),
        handle,
    }
}

/// The config with the shipped defaults for the probe interval, the stall window and the
/// hold-down (what an operator gets without tuning).
fn with_defaults(config_text: &str) -> String {
    config_text
        .replace("interval = \"2s\"\n", "")
        .replace(
            "[pipeline.thresholds]\nstall_window = \"8s\"\nmining_call_gap = \"20s\"\n",
            "",
        )
        .replace("alert_hold_down = 2\n", "")
}

fn is_firing(v: &Value, cause: &str) -> bool {
    v["notice"] == "firing" && v["cause"] == cause && v.get("action").is_some()
}

/// An alert that reports how a restart ended (or why the gate blocked it).
fn is_outcome(v: &Value) -> bool {
    let a = action(v);
    v["notice"] == "firing"
        && (a.starts_with("restarted")
            || a.starts_with("restart stopped")
            || a.starts_with("did not restart"))
}

fn action(v: &Value) -> String {
    v["action"].as_str().unwrap_or_default().to_string()
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/// watch → dead_connection → gate → restart → output resumes: every SCN exactly once.
async fn watch_restarts_a_dead_connection(name: &str, half_open: bool) {
    let t = ClusterTest::begin(name).await;
    // Half-open: a cancel leaves the read blocked for 40 s, longer than stop_timeout (20 s),
    // so stop-with-savepoint cannot end the job and the fallback must.
    let before: &[&str] = if half_open {
        &["1..=50", "STUCK 40000", "51..=100"]
    } else {
        &["1..=100"]
    };
    let p = start(&t, name, before, "auto = true", "").await;
    let inbox = Inbox::default();
    let w = watch(&t, &p, &inbox).await;
    // A few healthy probes first.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let dropped = Instant::now();
    if half_open {
        p.feed.go_silent();
    } else {
        p.feed.close();
    }
    // Changes keep coming while the connector is dead: they must all arrive after the restart.
    p.feed.send(101..=200);
    let (alerted, firing) = inbox
        .wait("the dead_connection alert", Duration::from_secs(120), |v| {
            is_firing(v, "dead_connection")
        })
        .await;
    let detection = alerted - dropped;
    assert!(action(&firing).starts_with("restarting"), "{firing}");
    let (ended, outcome) = inbox
        .wait("the restart's outcome", Duration::from_secs(240), |v| {
            v["cause"] == "dead_connection" && is_outcome(v)
        })
        .await;
    assert!(action(&outcome).starts_with("restarted: job"), "{outcome}");
    // The agent then sees the recovery: the incident resolves.
    inbox
        .wait("the incident's resolution", Duration::from_secs(120), |v| {
            v["notice"] == "resolved" && v["cause"] == "dead_connection"
        })
        .await;
    let recovery_at = wait_committed(&p.output, 200).await;
    let _ = recovery_at;
    let recovered = Instant::now();
    let scns = committed_scns(&p.output);
    assert_exactly_once(&scns, 200);
    // Flink: the first job ended, the fixed one runs, nothing else.
    assert_eq!(
        live_jobs(&t, &p.job_name).await,
        vec![(p.fixed_id.clone(), "RUNNING".to_string())]
    );
    let first = job_state(&t, &p.first_id).await;
    assert!(TERMINAL.contains(&first.as_str()), "first job {first}");
    // The feed: the restarted job asked from the SCN of the state it resumed.
    let froms = p.feed.froms();
    assert_eq!(froms.len(), 2, "{froms:?}");
    assert!(froms[1] >= 50 && froms[1] <= 100, "{froms:?}");
    // The audit log holds every step.
    let log = audit(&p).await;
    let actions: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
    eprintln!("[{name}] audit: {actions:?}");
    assert_eq!(actions.first(), Some(&"restart"));
    assert!(actions.contains(&"restart.submit") && actions.contains(&"restart.verify"));
    assert_eq!(actions.last(), Some(&"restart.end"));
    assert_eq!(log.last().unwrap().1["result"], "succeeded", "{log:?}");
    // What `history` prints of it.
    let h = History::open(&p.state_dir).unwrap();
    let text = logminer_doctor::commands::history::actions_text(
        "orders",
        &h.actions("orders", Timestamp::from_unix_millis(0))
            .await
            .unwrap(),
        logminer_doctor::lang::Lang::En,
    );
    eprintln!("{text}");
    assert!(text.starts_with("Actions on orders (audit log):"), "{text}");
    assert!(text.contains("began (gate passed; restart SCN"), "{text}");
    assert!(
        text.contains("restart.submit") && text.contains("ok: job"),
        "{text}"
    );
    assert!(
        text.contains("restart.end") && text.contains("succeeded job"),
        "{text}"
    );
    let step_ok = |s: &str| {
        log.iter()
            .find(|(a, _)| a == s)
            .map(|(_, d)| d["ok"].as_bool().unwrap())
    };
    if half_open {
        assert_eq!(step_ok("restart.stop"), Some(false), "{log:?}");
        assert_eq!(step_ok("restart.fallback"), Some(true), "{log:?}");
        // The orphaned session of the half-open connection was killed through the procedure.
        assert_eq!(p.oracle.kills(), vec![(1, SID_BASE + 1, SERIAL_BASE + 1)]);
    } else {
        assert_eq!(step_ok("restart.stop"), Some(true), "{log:?}");
        assert!(!actions.contains(&"restart.fallback"));
        assert!(p.oracle.kills().is_empty());
    }
    report(&format!(
        "[{name}] detection (socket drop → alert): {}; restart (alert → outcome alert): {}; recovery (alert → all 200 SCNs committed): {}",
        secs(detection),
        secs(ended - alerted),
        secs(recovered - alerted)
    ));
    w.stop().await;
    cleanup(&t, &p).await;
}

#[tokio::test]
async fn watch_restarts_a_closed_connection_and_nothing_is_lost() {
    watch_restarts_a_dead_connection("auto_closed", false).await;
}

#[tokio::test]
async fn watch_restarts_a_half_open_connection_through_the_fallback() {
    watch_restarts_a_dead_connection("auto_half_open", true).await;
}

/// watch → dead_connection on an idle source (nothing pending) → restart judged a success once
/// the connector mines again, without waiting for output that will not come.
#[tokio::test]
async fn on_an_idle_source_mining_again_is_success() {
    let t = ClusterTest::begin("auto_idle").await;
    let p = start(&t, "auto_idle", &["1..=100"], "auto = true", "").await;
    let inbox = Inbox::default();
    let w = watch(&t, &p, &inbox).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    p.feed.close();
    let (alerted, _) = inbox
        .wait("the dead_connection alert", Duration::from_secs(120), |v| {
            is_firing(v, "dead_connection")
        })
        .await;
    let (ended, outcome) = inbox
        .wait("the restart's outcome", Duration::from_secs(240), |v| {
            v["cause"] == "dead_connection" && is_outcome(v)
        })
        .await;
    assert!(
        action(&outcome).starts_with("restarted") && action(&outcome).contains("judged idle"),
        "{outcome}"
    );
    report(&format!(
        "[auto_idle] restart on an idle source (alert → outcome): {}",
        secs(ended - alerted)
    ));
    w.stop().await;
    // Nothing new was written (nothing was pending) and nothing was repeated.
    assert_exactly_once(&committed_scns(&p.output), 100);
    assert_eq!(p.feed.froms().len(), 2);
    assert_eq!(
        live_jobs(&t, &p.job_name).await,
        vec![(p.fixed_id.clone(), "RUNNING".to_string())]
    );
    let log = audit(&p).await;
    let verify = log
        .iter()
        .find(|(a, _)| a == "restart.verify")
        .expect("verified");
    assert_eq!(verify.1["ok"], true, "{log:?}");
    cleanup(&t, &p).await;
}

#[tokio::test]
async fn missing_redo_fails_the_gate_and_nothing_is_restarted() {
    let t = ClusterTest::begin("restart_missing_redo").await;
    let p = start(&t, "restart_missing_redo", &["1..=100"], "", "").await;
    p.feed.close();
    // The oldest available redo has moved past the last SCN in the output.
    p.oracle.oldest_redo.store(150, Ordering::SeqCst);
    let r = restart_now(&t, &p, apply(), &LogProgress::default()).await;
    let redo = r.gate.check("redo").unwrap();
    assert_eq!(redo.status.as_str(), "FAIL", "{redo:?}");
    assert!(
        redo.fact.en().contains("restart SCN 100")
            && redo.fact.en().contains("thread 1 from SCN 150"),
        "{}",
        redo.fact
    );
    assert!(
        r.gate
            .checks
            .iter()
            .filter(|c| c.key != "redo")
            .all(|c| c.status.as_str() == "PASS"),
        "{:?}",
        r.gate.checks
    );
    assert_eq!(r.gate.exit().code(), 2);
    assert!(r.restart.is_none());
    // Nothing happened to the job: the same one runs, the feed saw no new connection.
    assert_eq!(
        live_jobs(&t, &p.job_name).await,
        vec![(p.first_id.clone(), "RUNNING".to_string())]
    );
    assert_eq!(p.feed.froms().len(), 1);
    let log = audit(&p).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].0, "restart.refused");
    cleanup(&t, &p).await;
}

#[tokio::test]
async fn a_used_up_budget_blocks_the_restart_and_the_alert_says_why() {
    let t = ClusterTest::begin("auto_budget").await;
    let p = start(
        &t,
        "auto_budget",
        &["1..=100"],
        "auto = true\nbudget_restarts = 2",
        "",
    )
    .await;
    // Two restarts within the hour already.
    let h = History::open(&p.state_dir).unwrap();
    let now = Timestamp::from_system_time(SystemTime::now());
    for m in [20, 10] {
        h.record_action(
            "orders",
            now.minus(Duration::from_secs(m * 60)),
            "restart",
            "{}",
        )
        .await
        .unwrap();
    }
    drop(h);
    let inbox = Inbox::default();
    let w = watch(&t, &p, &inbox).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    p.feed.close();
    let (_, outcome) = inbox
        .wait(
            "the blocked restart's alert",
            Duration::from_secs(120),
            |v| action(v).starts_with("did not restart"),
        )
        .await;
    let text = action(&outcome);
    assert!(
        text.contains("2 of 2 restarts used in the last 1h"),
        "{text}"
    );
    w.stop().await;
    assert_eq!(p.feed.froms().len(), 1, "no restart happened");
    assert_eq!(
        live_jobs(&t, &p.job_name).await,
        vec![(p.first_id.clone(), "RUNNING".to_string())]
    );
    cleanup(&t, &p).await;
}

/// Kills the leading JobManager as the submission begins.
struct KillLeaderAtSubmit<'a> {
    t: &'a ClusterTest,
    killed: Mutex<Option<usize>>,
    rt: tokio::runtime::Handle,
}

impl Progress for KillLeaderAtSubmit<'_> {
    fn begin(&self, step: Step, what: &str) {
        eprintln!("[restart_failover] {} …: {what}", step.as_str());
        if step == Step::Submit && self.killed.lock().unwrap().is_none() {
            let leader =
                tokio::task::block_in_place(|| self.rt.block_on(self.t.ha.zk_leader_url()));
            let i = leader
                .and_then(|u| self.t.ha.jobmanager_index(&u))
                .expect("a leader");
            eprintln!("[restart_failover] killing the leading JobManager {i}");
            self.t.ha.kill9_jobmanager(i);
            *self.killed.lock().unwrap() = Some(i);
        }
    }
    fn end(&self, step: Step, ok: bool, detail: &str) {
        eprintln!(
            "[restart_failover] {} {}: {detail}",
            step.as_str(),
            if ok { "ok" } else { "FAILED" }
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_dies_during_the_restart_and_the_job_runs_once() {
    let t = ClusterTest::begin("restart_failover").await;
    let p = start(&t, "restart_failover", &["1..=100"], "", "").await;
    p.feed.close();
    p.feed.send(101..=150);
    let progress = KillLeaderAtSubmit {
        t: &t,
        killed: Mutex::new(None),
        rt: tokio::runtime::Handle::current(),
    };
    let r = restart_now(&t, &p, apply(), &progress).await;
    assert!(
        progress.killed.lock().unwrap().is_some(),
        "the leader was killed"
    );
    let rep = r.restart.expect("the gate passed");
    eprintln!("[restart_failover] {}", rep.summary());
    // Finished, or stopped with the job's exact state: either way never two copies.
    let live = live_jobs(&t, &p.job_name).await;
    assert!(live.len() <= 1, "{live:?}");
    match &rep.outcome {
        Outcome::Succeeded { .. } => {
            assert_eq!(live, vec![(p.fixed_id.clone(), "RUNNING".to_string())]);
            wait_committed(&p.output, 150).await;
            assert_exactly_once(&committed_scns(&p.output), 150);
        }
        Outcome::Failed { job_state, .. } => {
            assert!(
                job_state.contains(&p.fixed_id) || job_state.contains(&p.first_id),
                "{job_state}"
            );
        }
    }
    let submits = audit(&p)
        .await
        .iter()
        .filter(|(a, d)| a == "restart.submit" && d["ok"] == true)
        .count();
    assert!(submits <= 1);
    cleanup(&t, &p).await;
}

/// The built binary's `gate` and `restart` against the real cluster, with an Oracle that does
/// not answer (nothing listens on its port): exit codes, text, JSON, and nothing changed.
#[tokio::test]
async fn the_gate_and_restart_commands_block_when_oracle_does_not_answer() {
    let t = ClusterTest::begin("restart_cli").await;
    let p = start(&t, "restart_cli", &["1..=20"], "", "").await;
    let dir = p._dir.path();
    let text = config_text(
        &t,
        "restart_cli",
        &p.job_name,
        &p.feed.address(),
        &p.output,
        &p.state_dir,
        &p.fixed_id,
        "",
        "",
    )
    .replace("db:1521/ORCLPDB1", "127.0.0.1:9/ORCLPDB1");
    let cfg = dir.join("cli.toml");
    std::fs::write(&cfg, text).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_logminer-doctor"))
            .arg("--config")
            .arg(&cfg)
            .args(args)
            .env("LMD_PASSWORD", "Cli-Restart-Secret-9")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", "C")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !stdout.contains("Cli-Restart-Secret-9") && !stderr.contains("Cli-Restart-Secret-9")
        );
        (out.status.code(), stdout, stderr)
    };
    let (code, out, err) = run(&["gate"]);
    eprintln!("{out}{err}");
    let line = |key: &str| {
        out.lines()
            .find(|l| l.contains(key))
            .unwrap_or_default()
            .trim_start()
            .to_string()
    };
    // Without Oracle's client library the collector cannot even try (UNKNOWN, exit 3); with it,
    // nothing answers on the port (FAIL, exit 2). Either way never PASS.
    let oracle = line("Oracle reachable");
    let expected = if oracle.starts_with("FAIL") {
        assert!(out.starts_with("gate orders: FAIL"), "{out}");
        2
    } else {
        assert!(
            oracle.starts_with("UNKNOWN") && oracle.contains("DPI-1047"),
            "{out}"
        );
        assert!(out.starts_with("gate orders: UNKNOWN"), "{out}");
        3
    };
    assert_eq!(code, Some(expected), "{out}{err}");
    assert!(line("one leader").starts_with("PASS"), "{out}");
    assert!(line("found exactly once").starts_with("PASS"), "{out}");
    assert!(line("budget").starts_with("PASS"), "{out}");
    assert!(
        line("a state to resume from").starts_with("PASS")
            && line("a state to resume from").contains("chk-"),
        "{out}"
    );
    // Redo cannot be read without Oracle: undecided, not passed.
    assert!(
        line("covered by available redo").starts_with("UNKNOWN"),
        "{out}"
    );

    let (code, out, _) = run(&["gate", "--format", "json"]);
    assert_eq!(code, Some(expected));
    let v: Value = serde_json::from_str(&out).unwrap();
    let checks = v[0]["checks"].as_array().unwrap();
    let keys: Vec<&str> = checks.iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "leader",
            "job",
            "oracle",
            "redo",
            "prerequisites",
            "state",
            "budget",
            "lock",
            "resubmit"
        ]
    );
    assert_ne!(checks[2]["status"], "PASS");
    assert_eq!(checks[0]["status"], "PASS");

    let (code, out, _) = run(&["restart"]);
    assert_eq!(code, Some(expected), "{out}");
    assert!(
        out.contains("Plan for orders:") && out.contains("Nothing was changed: this was the plan"),
        "{out}"
    );
    // Why a restart would be wanted: the decision table's verdict on the same observations
    // (the feed is open and idle here).
    assert!(out.starts_with("Verdict now: LOGMINER-DOCTOR "), "{out}");
    assert!(
        out.contains(&format!("fixed job id {}", p.fixed_id)),
        "{out}"
    );
    let (code, out, _) = run(&["restart", "--apply"]);
    assert_eq!(code, Some(expected), "{out}");
    assert!(
        out.contains("Nothing was changed: the gate did not pass (oracle, redo, prerequisites)"),
        "{out}"
    );
    // Nothing happened: the first job still runs, no new connection, the refusal is audited.
    assert_eq!(
        live_jobs(&t, &p.job_name).await,
        vec![(p.first_id.clone(), "RUNNING".to_string())]
    );
    assert_eq!(p.feed.froms().len(), 1);
    let log = audit(&p).await;
    assert_eq!(
        log.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        ["restart.refused"]
    );
    cleanup(&t, &p).await;
}

/// Detection latency and time to recovery with the shipped defaults (15 s interval, 5 min stall
/// window, hold-down of 4 probes) on a busy pipeline: changes every second, the socket dropped,
/// `watch` with auto-remediation. Takes about 8 minutes, so it runs only when asked:
/// `LMD_MEASURE_DEFAULTS=1 cargo test --test it remediation::measure -- --nocapture`.
#[tokio::test]
async fn measure_detection_and_recovery_with_the_default_thresholds() {
    if std::env::var_os("LMD_MEASURE_DEFAULTS").is_none() {
        report("remediation::measure_detection_and_recovery_with_the_default_thresholds: NOT RUN (a measurement of ~8 min): set LMD_MEASURE_DEFAULTS=1 to run it");
        return;
    }
    let t = ClusterTest::begin("measure_defaults").await;
    let (p, sender, inbox, w) = busy_under_defaults(&t, "measure_defaults", "auto = true").await;
    let dropped = Instant::now();
    p.feed.close();
    let (alerted, firing) = inbox
        .wait("the dead_connection alert", Duration::from_secs(900), |v| {
            is_firing(v, "dead_connection")
        })
        .await;
    let before = committed_scns(&p.output).into_iter().max().unwrap_or(0);
    let resumed = wait_for(
        "output past the restart SCN",
        Duration::from_secs(600),
        Duration::from_millis(250),
        || async {
            (committed_scns(&p.output).into_iter().max().unwrap_or(0) > before).then(Instant::now)
        },
    )
    .await;
    let (ended, outcome) = inbox
        .wait("the restart's outcome", Duration::from_secs(600), |v| {
            v["cause"] == "dead_connection" && is_outcome(v)
        })
        .await;
    sender.abort();
    report(&format!(
        "[measure_defaults] defaults (interval 15s, stall_window 5m, hold-down 4): detection (socket drop → alert) {}; recovery (alert → committed output past SCN {before}) {}; restart (alert → outcome alert) {}; outcome: {}; first alert: {}",
        secs(alerted - dropped),
        secs(resumed - alerted),
        secs(ended - alerted),
        action(&outcome),
        firing["summary"]
    ));
    w.stop().await;
    cleanup(&t, &p).await;
}

/// A pipeline on the shipped defaults (interval 15 s, stall window 5 min, hold-down 4) with
/// `remediation` lines, a busy source (ten changes a second, all along) and `watch` on it for a
/// minute: what both default measurements start from.
async fn busy_under_defaults(
    t: &ClusterTest,
    name: &str,
    remediation: &str,
) -> (Pipe, tokio::task::JoinHandle<()>, Inbox, Watch) {
    let mut p = start(t, name, &["1..=10"], remediation, "").await;
    let text = with_defaults(&config_text(
        t,
        name,
        &p.job_name,
        &p.feed.address(),
        &p.output,
        &p.state_dir,
        &p.fixed_id,
        remediation,
        "",
    ));
    p.config = Config::from_toml(&text, &p._dir.path().join("defaults.toml"), &TEST_ENV).unwrap();
    let pl = p.pipeline();
    assert_eq!(
        (
            pl.interval,
            pl.thresholds.stall_window,
            p.config.agent.alerts.hold_down.get()
        ),
        (Duration::from_secs(15), Duration::from_secs(300), 4)
    );
    let feed = p.feed.clone();
    let sender = tokio::spawn(async move {
        let mut next = 11u64;
        loop {
            feed.send(next..=next + 9);
            next += 10;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let inbox = Inbox::default();
    let w = watch(t, &p, &inbox).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    (p, sender, inbox, w)
}

/// Detection of a half-open connection on a busy source with the shipped defaults: the session
/// lingers silent and its heartbeat freezes; the doctor may convict after `mining_call_gap`
/// (60 s), then holds the verdict for four probes of 15 s. Target: within mining_call_gap +
/// hold-down + two intervals (150 s), long before the stall window (5 min) would.
/// `LMD_MEASURE_DEFAULTS=1 cargo test --test it remediation::measure -- --nocapture`.
#[tokio::test]
async fn measure_half_open_detection_with_the_default_thresholds() {
    if std::env::var_os("LMD_MEASURE_DEFAULTS").is_none() {
        report("remediation::measure_half_open_detection_with_the_default_thresholds: NOT RUN (a measurement of ~4 min): set LMD_MEASURE_DEFAULTS=1 to run it");
        return;
    }
    let t = ClusterTest::begin("measure_half_open").await;
    let (p, sender, inbox, w) = busy_under_defaults(&t, "measure_half_open", "").await;
    let silent = Instant::now();
    p.feed.go_silent();
    let (alerted, firing) = inbox
        .wait("the dead_connection alert", Duration::from_secs(900), |v| {
            v["notice"] == "firing" && v["cause"] == "dead_connection"
        })
        .await;
    sender.abort();
    report(&format!(
        "[measure_half_open] defaults (interval 15s, mining_call_gap 60s, stall_window 5m, hold-down 4): detection (half-open → alert) {}; first alert: {}",
        secs(alerted - silent),
        firing["summary"]
    ));
    w.stop().await;
    cleanup(&t, &p).await;
}

/// Two doctors on two hosts (two state databases, one ZooKeeper) restart the same pipeline at
/// the same moment: exactly one restarts, the other's gate names the holder.
#[tokio::test]
async fn two_doctors_racing_restart_the_job_once() {
    let t = ClusterTest::begin("restart_race").await;
    let p = start(&t, "restart_race", &["1..=100"], "", "").await;
    p.feed.close();
    p.feed.send(101..=120);
    // The second doctor: the same pipeline, its own state directory.
    let other_state = p._dir.path().join("other-host-state");
    let mut other = p.config.clone();
    other.agent.state_dir = other_state.clone();
    let second = Pipe {
        feed: p.feed.clone(),
        oracle: p.oracle.clone(),
        job_name: p.job_name.clone(),
        fixed_id: p.fixed_id.clone(),
        first_id: p.first_id.clone(),
        output: p.output.clone(),
        state_dir: other_state,
        config: {
            let mut c = other;
            c.pipelines[0].remediation.budget_restarts = std::num::NonZeroU32::new(3).unwrap();
            c
        },
        _dir: tempfile::tempdir().unwrap(),
    };
    let (pa, pb) = (LogProgress::default(), LogProgress::default());
    let (a, b) = tokio::join!(
        restart_now(&t, &p, apply(), &pa),
        restart_now(&t, &second, apply(), &pb)
    );
    let ran: Vec<&GatedRestart> = [&a, &b]
        .into_iter()
        .filter(|r| r.restart.is_some())
        .collect();
    assert_eq!(
        ran.len(),
        1,
        "exactly one doctor restarts: {:?} / {:?}",
        a.gate.blockers(),
        b.gate.blockers()
    );
    assert!(
        ran[0].restart.as_ref().unwrap().succeeded(),
        "{}",
        ran[0].restart.as_ref().unwrap().summary()
    );
    let loser = if a.restart.is_some() { &b } else { &a };
    let lock = loser.gate.check("lock").unwrap();
    assert_eq!(lock.status.as_str(), "FAIL", "{lock:?}");
    assert!(
        lock.fact.en().contains("ZooKeeper /logminer-doctor/locks/"),
        "{}",
        lock.fact
    );
    // One new connection, one job, every SCN once.
    assert_eq!(p.feed.froms().len(), 2, "{:?}", p.feed.froms());
    assert_eq!(
        live_jobs(&t, &p.job_name).await,
        vec![(p.fixed_id.clone(), "RUNNING".to_string())]
    );
    wait_committed(&p.output, 120).await;
    assert_exactly_once(&committed_scns(&p.output), 120);
    cleanup(&t, &p).await;
}
