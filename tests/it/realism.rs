//! The realism suite (issue 11, DESIGN.md §7): `watch` on the real Flink HA cluster through a
//! scripted sequence of phases whose truth is known, with two stand-in behaviours and both
//! rolling policies, every verdict recorded.
//!
//! - `reader_default_rolling_without_the_database`: the stand-in's line reader (it blocks in its
//!   socket read whenever the feed is quiet, as an idle reader and a half-open socket both do),
//!   FileSink with DefaultRollingPolicy (part files grow in progress, commit after a roll), and
//!   the doctor's real Oracle collector on a host without Oracle's client library: the first
//!   deployment, before the DBA has granted anything.
//! - `poller_checkpoint_rolling_with_the_database`: the stand-in's poller (short reads, and a
//!   query to the database after each empty one, like Debezium's mining loop), FileSink rolling
//!   on checkpoint, and a simulated database that follows the job's real connection: the
//!   session calls while data flows or polls arrive, its heartbeat rises only then, it vanishes
//!   when the socket closes and lingers, silent, when it goes half-open.
//!
//! The sequence: start while busy, busy, idle past the stall window, resume, the leading
//! JobManager SIGKILLed and the job restored, the socket closed, recovery, the socket half-open,
//! recovery, a second copy submitted by hand, that copy cancelled, the original cancelled (and
//! the gate asked what it would resume). The suite prints a confusion matrix (phase × verdict)
//! and fails on any CRITICAL verdict or page in a healthy, idle, too-early or failover phase,
//! on a fault that was not paged, and on the gate resuming the wrong copy.
//!
//! `LMD_REALISM_DEFAULTS=1` runs it with the shipped defaults (interval 15 s, stall window 5 min,
//! mining call gap 60 s, hold-down 4): a measurement of about 50 minutes per variant.
//! `LMD_WRITE_FIXTURES=1` also saves, per phase, the window `watch` judged at the phase's end
//! as tests/fixtures/observations/realism_<reader|poller>_<phase>.json (decision-table rows).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use logminer_doctor::agent::{self, Deps, Shared};
use logminer_doctor::clock::SystemClock;
use logminer_doctor::collectors::flink::FlinkCollector;
use logminer_doctor::collectors::oracle::OracleCollector;
use logminer_doctor::collectors::output::FileSinkCollector;
use logminer_doctor::collectors::zookeeper::ZooKeeperCollector;
use logminer_doctor::collectors::{sample, Collectors, OracleSource};
use logminer_doctor::collectors::{CollectorProbe, Probe, ProbeResult};
use logminer_doctor::config::{Config, PipelineConfig};
use logminer_doctor::diagnose::{Bundle, BundlePipeline};
use logminer_doctor::diagnose::{Cause, Severity};
use logminer_doctor::observation::{
    ConnectorSession, Observation, OracleSnapshot, Signal, SqlKind, Timestamp,
};
use logminer_doctor::remediation::gate::{self, GateInput, LockState, Resume};
use logminer_doctor::store::History;
use serde_json::Value;

use crate::support::feed::Feed;
use crate::support::flink::ClusterTest;
use crate::support::output::committed_scns;
use crate::support::sim_oracle::{snapshot, Db, PasswordEnv};
use crate::support::{report, wait_for};

const RUNNING_WITHIN: Duration = Duration::from_secs(90);
const TEST_ENV: PasswordEnv = PasswordEnv("Realism-Test-Secret-11");

/// The thresholds the suite runs with: scaled down for CI, or the shipped defaults for the
/// full-length measurement (`LMD_REALISM_DEFAULTS=1`, about 50 minutes per variant).
#[derive(Clone, Copy)]
struct Scale {
    interval_s: u64,
    stall_window_s: u64,
    mining_call_gap_s: u64,
    hold_down: u32,
    history_samples: u32,
    /// A verdict that carries over from the previous fault phase is the previous phase's for
    /// this long (the doctor sees a recovery only in its next probes).
    settle: Duration,
}

impl Scale {
    fn get() -> Scale {
        if std::env::var_os("LMD_REALISM_DEFAULTS").is_some() {
            Scale {
                interval_s: 15,
                stall_window_s: 300,
                mining_call_gap_s: 60,
                hold_down: 4,
                history_samples: 40,
                settle: Duration::from_secs(60),
            }
        } else {
            Scale {
                interval_s: 2,
                stall_window_s: 20,
                mining_call_gap_s: 20,
                hold_down: 2,
                history_samples: 40,
                settle: Duration::from_secs(8),
            }
        }
    }
}

fn now() -> Timestamp {
    Timestamp::from_system_time(SystemTime::now())
}

// ---------------------------------------------------------------------------------------------
// The script and its truth
// ---------------------------------------------------------------------------------------------

/// What is true during a phase.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Truth {
    /// The job (re)started moments ago, or flow (re)started within a rolling interval.
    TooEarly,
    /// Changes flow and are committed.
    Healthy,
    /// No changes; the connector is alive.
    Idle,
    /// A JobManager failover and the job's restore.
    Failover,
    /// A real fault: it must be paged, with this cause (or UNKNOWN without the database).
    Fault(Cause),
    /// An operator action in progress (stop with savepoint, resubmit): not scored.
    Operator,
}

impl Truth {
    fn may_be_critical(self) -> bool {
        matches!(self, Truth::Fault(_) | Truth::Operator)
    }
}

struct Phase {
    name: &'static str,
    truth: Truth,
    from: Timestamp,
    to: Timestamp,
}

#[derive(Default)]
struct Script {
    phases: Vec<Phase>,
}

impl Script {
    fn begin(&mut self, name: &'static str, truth: Truth) {
        let at = now();
        if let Some(p) = self.phases.last_mut() {
            p.to = at;
        }
        report(&format!("[realism] phase {name} ({truth:?})"));
        self.phases.push(Phase {
            name,
            truth,
            from: at,
            to: at,
        });
    }

    fn end(&mut self) {
        if let Some(p) = self.phases.last_mut() {
            p.to = now();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The simulated database of the poller variant
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Conn {
    logon: Timestamp,
    last_call: Timestamp,
    present: bool,
    half_open: bool,
}

#[derive(Default)]
struct DbState {
    conns: BTreeMap<usize, Conn>,
    current: usize,
    polls: u64,
    sent: u64,
    heartbeat: u64,
}

/// Oracle's view of the connector that reads the feed: one session per connection, calling
/// while records flow to it or its polls arrive; the heartbeat rises with each call.
#[derive(Clone)]
struct FeedDb {
    feed: Arc<Feed>,
    st: Arc<Mutex<DbState>>,
}

impl FeedDb {
    fn new(feed: Arc<Feed>) -> FeedDb {
        FeedDb {
            feed,
            st: Arc::new(Mutex::new(DbState {
                heartbeat: 9_000_000,
                ..DbState::default()
            })),
        }
    }
}

impl OracleSource for FeedDb {
    async fn observe(&self) -> Signal<OracleSnapshot> {
        let at = now();
        let link = self.feed.link();
        let sent = self.feed.last_scn();
        let sessions = {
            let mut st = self.st.lock().unwrap();
            if link.connections != st.current {
                // A new connection replaced the old one: the client closed the old socket
                // (the server drops the session), unless it was half-open (the server keeps it).
                for c in st.conns.values_mut() {
                    c.present &= c.half_open;
                }
                st.current = link.connections;
                st.polls = 0;
                let current = st.current;
                if current > 0 {
                    st.conns.insert(
                        current,
                        Conn {
                            logon: at,
                            last_call: at,
                            present: true,
                            half_open: false,
                        },
                    );
                }
            }
            let current = st.current;
            let called = link.live && (link.polls > st.polls || sent > st.sent);
            st.polls = link.polls;
            st.sent = sent;
            if called {
                st.heartbeat += 500;
            }
            if let Some(c) = st.conns.get_mut(&current) {
                if called {
                    c.last_call = at;
                }
                if !link.live {
                    c.half_open = link.half_open;
                    c.present = link.half_open;
                }
            }
            st.conns
                .iter()
                .filter(|(_, c)| c.present)
                .map(|(n, c)| ConnectorSession {
                    instance: 1,
                    sid: 300 + *n as u32,
                    serial: 41_000 + *n as u32,
                    status: "INACTIVE".into(),
                    last_call_et_s: at.since(c.last_call).as_secs(),
                    event: "SQL*Net message from client".into(),
                    sql: None,
                    prev_sql: Some(SqlKind::MiningQuery),
                    sql_stats: None,
                    pga_bytes: Some(90 << 20),
                    logon_time: c.logon,
                    machine: "flink-tm-1".into(),
                    port: Some(41_000 + *n as u32),
                })
                .collect::<Vec<_>>()
        };
        let heartbeat = self.st.lock().unwrap().heartbeat;
        snapshot(Db {
            now: at,
            // The output's SCNs are the feed's: the database's clock runs just ahead of them.
            current_scn: sent + 1,
            sessions,
            heartbeat,
            oldest_redo: 0,
            activity: 1_000 + sent * 10,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The agent, with every probe recorded
// ---------------------------------------------------------------------------------------------

/// Passes probes through and keeps every observation `watch` judged.
struct Recording<P> {
    inner: P,
    seen: Arc<Mutex<Vec<Observation>>>,
}

impl<P: Probe> Probe for Recording<P> {
    async fn probe(&self, p: &PipelineConfig) -> ProbeResult {
        let r = self.inner.probe(p).await;
        self.seen.lock().unwrap().push(r.observation.clone());
        r
    }

    fn now(&self) -> Timestamp {
        self.inner.now()
    }
}

/// Every alert the agent sends, by arrival.
#[derive(Clone, Default)]
struct Inbox(Arc<Mutex<Vec<(Timestamp, Value)>>>);

impl Inbox {
    async fn serve(&self) -> SocketAddr {
        let inbox = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
                let inbox = inbox.clone();
                async move {
                    inbox.0.lock().unwrap().push((now(), v));
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }
}

/// Sends one change every 200 ms while on, like a busy table.
struct Stream {
    on: Arc<AtomicBool>,
}

impl Stream {
    fn start(feed: Arc<Feed>) -> Stream {
        let on = Arc::new(AtomicBool::new(false));
        let flag = on.clone();
        tokio::spawn(async move {
            loop {
                if flag.load(Ordering::SeqCst) {
                    let next = feed.last_scn() + 1;
                    feed.send(next..=next);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        Stream { on }
    }

    fn set(&self, on: bool) {
        self.on.store(on, Ordering::SeqCst);
    }
}

fn config_text(
    sc: Scale,
    t: &ClusterTest,
    job: &str,
    output: &Path,
    state: &Path,
    rolling_interval: &str,
    webhook: SocketAddr,
) -> String {
    let jms: Vec<String> = t.ha.rest_urls().iter().map(|u| format!("{u:?}")).collect();
    format!(
        r#"
[agent]
state_dir = {state:?}
alert_hold_down = {hold_down}
alert_renotify = "1h"
alert_retries = 1
alert_timeout = "2s"
shutdown_grace = "2s"
history_window = "30m"
history_samples = {history_samples}
webhook_url = "http://{webhook}/hook"

[[pipeline]]
name = "orders"
interval = "{interval}s"
[pipeline.oracle]
connect_string = "127.0.0.1:9/ORCLPDB1"
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
rolling_interval = {rolling_interval:?}
[pipeline.thresholds]
stall_window = "{stall}s"
mining_call_gap = "{gap}s"
failover_grace = "60s"
"#,
        state = state.display().to_string(),
        jms = jms.join(", "),
        zk = t.ha.zk_address,
        cluster = t.ha.cluster_id,
        out = output.display().to_string(),
        hold_down = sc.hold_down,
        history_samples = sc.history_samples,
        interval = sc.interval_s,
        stall = sc.stall_window_s,
        gap = sc.mining_call_gap_s,
    )
}

/// The highest SCN committed so far.
fn committed_max(output: &Path) -> u64 {
    committed_scns(output).last().copied().unwrap_or(0)
}

async fn wait_committed_past(output: &Path, scn: u64, timeout: Duration) {
    wait_for(
        &format!("SCN {scn} committed in {}", output.display()),
        timeout,
        Duration::from_millis(250),
        || async { (committed_max(output) >= scn).then_some(()) },
    )
    .await;
}

/// Stops the job with a savepoint and resubmits it from there (the operator's recovery).
async fn recover(
    t: &ClusterTest,
    job_name: &str,
    feed: &Feed,
    output: &Path,
    id: &str,
    extra: &[&str],
) -> String {
    let url = t.any_rest_url().await;
    let target = t.ha.savepoint_dir(job_name);
    let savepoint = t.rest.stop_with_savepoint(&url, id, &target).await;
    let url = t.any_rest_url().await;
    let new_id = t
        .submit_with(
            &url,
            job_name,
            &feed.address(),
            output,
            Some(&savepoint),
            extra,
        )
        .await;
    t.rest.wait_job_running(&url, &new_id, RUNNING_WITHIN).await;
    new_id
}

struct Variant {
    name: &'static str,
    job_args: &'static [&'static str],
    rolling_interval: &'static str,
    database: bool,
}

async fn run<O>(v: Variant, oracle: impl FnOnce(Arc<Feed>, &PipelineConfig) -> O)
where
    O: OracleSource + 'static,
{
    let t = ClusterTest::begin(v.name).await;
    t.ha.ensure_jobmanagers(&t.rest).await;
    let feed = Arc::new(Feed::start());
    let output = t.ha.new_output_dir(v.name);
    let dir = tempfile::tempdir().unwrap();
    let job_name = format!("orders-{}", v.name);
    let inbox = Inbox::default();
    let hook = inbox.serve().await;
    let sc = Scale::get();
    report(&format!(
        "[realism] {}: interval {} s, stall window {} s, mining call gap {} s, hold-down {}",
        v.name, sc.interval_s, sc.stall_window_s, sc.mining_call_gap_s, sc.hold_down
    ));
    let (window, gap) = (sc.stall_window_s, sc.mining_call_gap_s);
    let text = config_text(
        sc,
        &t,
        &job_name,
        &output,
        &dir.path().join("state"),
        v.rolling_interval,
        hook,
    );
    let config = Config::from_toml(&text, &dir.path().join("doctor.toml"), &TEST_ENV)
        .unwrap_or_else(|e| panic!("{}", e.report()));
    let p = config.pipelines[0].clone();
    let collectors = Collectors {
        oracle: oracle(feed.clone(), &p),
        flink: FlinkCollector::new(p.flink.clone()).with_dump_gap(Duration::from_millis(300)),
        zookeeper: p.zookeeper.clone().map(ZooKeeperCollector::new),
        output: FileSinkCollector::new(p.output.clone()),
    };
    let mut inner = CollectorProbe::new(SystemClock);
    inner.insert(&p.name, collectors, Duration::from_secs(8));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let probe = Arc::new(Recording {
        inner,
        seen: seen.clone(),
    });
    let deps = Deps {
        probe,
        channels: Deps::from_config((), &config).channels,
        retry_backoff: Duration::from_millis(200),
        remediator: None,
    };
    let stream = Stream::start(feed.clone());
    let mut s = Script::default();
    let sleep = |secs: u64| tokio::time::sleep(Duration::from_secs(secs));

    // Start while busy: no committed file yet for a while. The doctor starts watching as the
    // job comes up (before, the job is truly absent).
    s.begin("start_busy", Truth::TooEarly);
    let url = t.any_rest_url().await;
    let mut id = t
        .submit_with(&url, &job_name, &feed.address(), &output, None, v.job_args)
        .await;
    t.rest.wait_job_running(&url, &id, RUNNING_WITHIN).await;
    feed.wait_connections(1, RUNNING_WITHIN).await;
    stream.set(true);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let agent = tokio::spawn(agent::run_with(
        config.clone(),
        deps,
        listener,
        async move {
            let _ = stop_rx.await;
        },
        Arc::new(Shared::new(1)),
    ));
    sleep(window).await;

    s.begin("busy", Truth::Healthy);
    sleep(30).await;

    s.begin("idle", Truth::Idle);
    stream.set(false);
    sleep(window + 40).await;

    s.begin("resumed", Truth::TooEarly);
    stream.set(true);
    sleep(window).await;
    s.begin("busy_again", Truth::Healthy);
    sleep(15).await;

    // The leading JobManager dies; the standby restores the job from its checkpoint.
    s.begin("failover", Truth::Failover);
    let leader =
        t.ha.zk_leader_url()
            .await
            .expect("ZooKeeper names a leader");
    let li = t.ha.jobmanager_index(&leader).expect("the leader is ours");
    t.ha.kill9_jobmanager(li);
    let other = t.ha.rest_url(1 - li);
    t.rest
        .wait_job_running(&other, &id, Duration::from_secs(120))
        .await;
    let restored_past = feed.last_scn();
    wait_committed_past(&output, restored_past, Duration::from_secs(90)).await;
    s.begin("restored", Truth::TooEarly);
    t.ha.start_jobmanager(li);
    sleep(window).await;
    s.begin("busy_after_failover", Truth::Healthy);
    sleep(15).await;

    // The socket closes; the job swallows the error and stays RUNNING. Changes keep coming.
    s.begin("socket_closed", Truth::Fault(Cause::DeadConnection));
    feed.close();
    sleep(window + 30).await;
    s.begin("recover_closed", Truth::Operator);
    id = recover(&t, &job_name, &feed, &output, &id, v.job_args).await;
    wait_committed_past(&output, feed.last_scn(), Duration::from_secs(90)).await;
    s.begin("after_recovery", Truth::TooEarly);
    sleep(window).await;

    // Half-open: the socket stays open and nothing arrives; changes keep coming.
    s.begin("half_open", Truth::Fault(Cause::DeadConnection));
    feed.go_silent();
    sleep(gap + window + 30).await;
    s.begin("recover_half_open", Truth::Operator);
    id = recover(&t, &job_name, &feed, &output, &id, v.job_args).await;
    wait_committed_past(&output, feed.last_scn(), Duration::from_secs(90)).await;
    s.begin("after_recovery_2", Truth::TooEarly);
    sleep(window).await;
    s.begin("busy_before_copy", Truth::Healthy);
    sleep(10).await;

    // A second copy submitted by hand (its own feed and output), then cancelled.
    s.begin("duplicate", Truth::Fault(Cause::LeaderProblem));
    let copy_feed = Feed::start();
    let copy_out = t.ha.new_output_dir(&format!("{}-copy", v.name));
    let url = t.any_rest_url().await;
    let copy = t
        .submit_with(
            &url,
            &job_name,
            &copy_feed.address(),
            &copy_out,
            None,
            v.job_args,
        )
        .await;
    t.rest.wait_job_running(&url, &copy, RUNNING_WITHIN).await;
    sleep(15).await;
    s.begin("copy_cancelled", Truth::Operator);
    t.rest.cancel_and_wait(&t.any_rest_url().await, &copy).await;
    s.begin("original_alone", Truth::Healthy);
    sleep(15).await;

    // The original cancelled: the copy started later, the original ran last.
    s.begin("original_cancelled", Truth::Fault(Cause::JobNotRunning));
    stream.set(false);
    t.rest.cancel_and_wait(&t.any_rest_url().await, &id).await;
    sleep(10).await;
    s.end();

    // What would a restart resume? Ask the gate on a fresh observation.
    let fresh = Collectors {
        oracle: logminer_doctor::collectors::unavailable::Unavailable::new("not needed here"),
        flink: FlinkCollector::new(p.flink.clone()).with_dump_gap(Duration::from_millis(300)),
        zookeeper: p.zookeeper.clone().map(ZooKeeperCollector::new),
        output: FileSinkCollector::new(p.output.clone()),
    };
    let obs = sample(
        &p.name,
        &fresh,
        &SystemClock,
        1,
        Duration::ZERO,
        Duration::from_secs(10),
    )
    .await;
    let gate = gate::evaluate(&GateInput {
        pipeline: &p,
        observation: &obs[0],
        from_scn: None,
        restarts_in_window: Ok(0),
        lock: LockState::Free {
            checked: "test".into(),
        },
        given_state: None,
        savepoints: &[],
    });

    let _ = stop_tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(60), agent).await;
    stream.set(false);

    // The verdicts watch recorded, one per probe.
    let history = History::open(&dir.path().join("state")).expect("the agent's history");
    let timeline = history
        .timeline(Some("orders"), Timestamp::from_unix_millis(0))
        .await
        .expect("the timeline");
    let seen = seen.lock().unwrap().clone();
    let verdict_at = |at: Timestamp| {
        timeline
            .iter()
            .rev()
            .find(|e| e.diagnosis.observed_at <= at)
            .map(|e| (e.diagnosis.cause, e.diagnosis.severity))
    };
    let alerts = inbox.0.lock().unwrap().clone();

    let mut matrix = String::new();
    let mut failures = Vec::new();
    let _ = writeln!(
        matrix,
        "[realism] {}: confusion matrix (phase, truth: verdicts per probe)",
        v.name
    );
    let mut previous_fault: Option<Cause> = None;
    for ph in &s.phases {
        let probes: Vec<&Observation> = seen
            .iter()
            .filter(|o| o.observed_at >= ph.from && o.observed_at < ph.to)
            .collect();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for o in &probes {
            let Some((cause, sev)) = verdict_at(o.observed_at) else {
                continue;
            };
            *counts.entry(format!("{cause}/{sev}")).or_default() += 1;
            let carried =
                previous_fault == Some(cause) && o.observed_at.since(ph.from) <= sc.settle;
            if sev == Severity::Critical && !ph.truth.may_be_critical() && !carried {
                failures.push(format!(
                    "{}: CRITICAL {cause} at {} in a {:?} phase",
                    ph.name, o.observed_at, ph.truth
                ));
            }
        }
        let cells: Vec<String> = counts.iter().map(|(k, n)| format!("{k} x{n}")).collect();
        let _ = writeln!(
            matrix,
            "  {:<20} {:<28} {}",
            ph.name,
            format!("{:?}", ph.truth),
            cells.join(", ")
        );
        // What the verdicts said, for whoever reads a failure.
        for e in timeline
            .iter()
            .filter(|e| e.diagnosis.observed_at >= ph.from && e.diagnosis.observed_at < ph.to)
        {
            let d = &e.diagnosis;
            let _ = writeln!(
                matrix,
                "      -> {} {}/{}: {}{}",
                d.observed_at,
                d.cause,
                d.severity,
                d.summary,
                if d.warnings.is_empty() {
                    String::new()
                } else {
                    format!(
                        " [warnings: {}]",
                        d.warnings
                            .iter()
                            .map(|w| w.en())
                            .collect::<Vec<_>>()
                            .join(" | ")
                    )
                }
            );
        }
        // Pages: a CRITICAL page in a phase that must not have one.
        for (at, a) in alerts
            .iter()
            .filter(|(at, _)| *at >= ph.from && *at < ph.to)
        {
            let critical = a["severity"] == "CRITICAL" && a["notice"] == "firing";
            let carried = previous_fault.is_some_and(|c| a["cause"] == c.as_str())
                && at.since(ph.from) <= sc.settle;
            if critical && !ph.truth.may_be_critical() && !carried {
                failures.push(format!(
                    "{}: paged CRITICAL {} at {at} in a {:?} phase: {}",
                    ph.name, a["cause"], ph.truth, a["summary"]
                ));
            }
        }
        if let Truth::Fault(cause) = ph.truth {
            let accepted =
                |c: &Value| c == cause.as_str() || (!v.database && c == Cause::Unknown.as_str());
            let paged = alerts.iter().any(|(at, a)| {
                *at >= ph.from
                    && *at <= ph.to.plus(sc.settle)
                    && a["notice"] == "firing"
                    && accepted(&a["cause"])
            });
            if !paged {
                failures.push(format!(
                    "{}: the fault ({cause}) was not paged (accepted: {cause}{})",
                    ph.name,
                    if v.database { "" } else { " or unknown" }
                ));
            }
            previous_fault = Some(cause);
        } else if ph.truth != Truth::Operator {
            previous_fault = None;
        }
        if std::env::var_os("LMD_WRITE_FIXTURES").is_some() && !probes.is_empty() {
            save_phase(v.name, ph.name, &config.pipelines[0], &seen, ph.to);
        }
    }
    let pages: Vec<String> = alerts
        .iter()
        .map(|(at, a)| {
            format!(
                "    {at} {} {} {}: {}",
                a["notice"].as_str().unwrap_or(""),
                a["severity"].as_str().unwrap_or(""),
                a["cause"].as_str().unwrap_or(""),
                a["summary"].as_str().unwrap_or("")
            )
        })
        .collect();
    let _ = writeln!(matrix, "  alerts:\n{}", pages.join("\n"));
    report(&matrix);

    // The gate resumes the original, never the copy.
    match &gate.resume {
        Some(Resume::Retained { job_id, .. }) => {
            if job_id != &id {
                failures.push(format!(
                    "the gate would resume {job_id}, not the original {id} (the copy was {copy})"
                ));
            }
        }
        other => failures.push(format!(
            "the gate found no retained state of the original {id}: {other:?}; {:?}",
            gate.blockers()
        )),
    }
    let judged = obs[0]
        .flink
        .value()
        .and_then(|f| f.job.as_ref())
        .map(|j| j.id.clone());
    if judged.as_deref() != Some(id.as_str()) {
        failures.push(format!(
            "the collector judged {judged:?}, not the original {id} that ran last"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Saves the window `watch` judged at `end` (its newest observations) as a decision-table row.
fn save_phase(
    variant: &str,
    phase: &str,
    p: &PipelineConfig,
    seen: &[Observation],
    end: Timestamp,
) {
    let before: Vec<&Observation> = seen.iter().filter(|o| o.observed_at < end).collect();
    let window: Vec<Observation> = before[before.len().saturating_sub(40)..]
        .iter()
        .map(|o| (*o).clone())
        .collect();
    let bundle = Bundle {
        format: Bundle::FORMAT.into(),
        pipelines: vec![BundlePipeline {
            name: p.name.clone(),
            thresholds: p.thresholds.clone(),
            rolling_interval: p.output.rolling_interval,
            from_scn: None,
            observations: window,
        }],
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "tests/fixtures/observations/{variant}_{phase}.json"
    ));
    std::fs::write(&path, serde_json::to_string_pretty(&bundle).unwrap()).unwrap();
}

#[tokio::test]
async fn reader_default_rolling_without_the_database() {
    run(
        Variant {
            name: "realism_reader",
            job_args: &[
                "--source",
                "reader",
                "--rolling",
                "default",
                "--rollover-ms",
                "10000",
                "--inactivity-ms",
                "5000",
                "--bucket-check-ms",
                "1000",
            ],
            rolling_interval: "12s",
            database: false,
        },
        // The real collector on a host without Oracle's client library (DPI-1047).
        |_, p| OracleCollector::new(p.oracle.clone()),
    )
    .await;
}

#[tokio::test]
async fn poller_checkpoint_rolling_with_the_database() {
    run(
        Variant {
            name: "realism_poller",
            job_args: &["--source", "poller"],
            rolling_interval: "0s",
            database: true,
        },
        |feed, _| FeedDb::new(feed),
    )
    .await;
}
