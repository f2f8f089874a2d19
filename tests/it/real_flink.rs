//! The real Flink and ZooKeeper collectors, Flink control and `diagnose` against the real HA
//! cluster of the harness (support::flink), each test asserting on what Flink returned. Oracle
//! is the one simulated system: a fixed snapshot behind the same trait as the real client.
//!
//! `LMD_WRITE_FIXTURES=1` also saves the observations of these real states as bundles in
//! tests/fixtures/observations/real_*.json (for the decision-table tests), and
//! `LMD_RECORD_FLINK=1` saves Flink's answers to tests/fixtures/flink/1.20/ (for the parsing
//! tests and the simulator's conformance test).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use logminer_doctor::clock::SystemClock;
use logminer_doctor::collectors::control::{FlinkControl, JarRun, SavepointStatus};
use logminer_doctor::collectors::flink::FlinkCollector;
use logminer_doctor::collectors::output::FileSinkCollector;
use logminer_doctor::collectors::zookeeper::ZooKeeperCollector;
use logminer_doctor::collectors::{sample, Collectors, FlinkSource, OracleSource};
use logminer_doctor::config::{
    FlinkConfig, OutputConfig, OutputFormat, ScnColumn, ZooKeeperConfig,
};
use logminer_doctor::diagnose::{diagnose, Cause, DiagnoseOptions, Diagnosis, Thresholds};
use logminer_doctor::diagnose::{Bundle, BundlePipeline};
use logminer_doctor::observation::{
    ConnectorSession, JobManagerStatus, Observation, OracleSnapshot, Signal, SourceThreadState,
    SqlKind, SqlStats, Timestamp,
};
use logminer_doctor::remediation::{new_trigger_id, wait_for_state};
use tokio::time::Instant;
use url::Url;

use crate::support::feed::Feed;
use crate::support::flink::{ClusterTest, ENTRY_CLASS};
use crate::support::output::{committed_files, wait_committed};
use crate::support::{report, secs, wait_for};

const RUNNING_WITHIN: Duration = Duration::from_secs(90);

// ---------------------------------------------------------------------------------------------
// The simulated Oracle of these tests
// ---------------------------------------------------------------------------------------------

/// What the connector's mining session looks like on the database.
#[derive(Clone, Copy, PartialEq)]
enum Miner {
    /// Calling every few seconds, heartbeat rising.
    Live,
    /// Gone from every instance (the server dropped it).
    Gone,
    /// Present but idle for this long, heartbeat frozen (a backpressured or blocked loop).
    IdleFor(u64),
}

/// A database whose prerequisites are fine and whose redo covers every SCN the feed sends.
struct SimOracle {
    miner: Miner,
    heartbeat: AtomicU64,
}

impl SimOracle {
    fn new(miner: Miner) -> SimOracle {
        SimOracle {
            miner,
            heartbeat: AtomicU64::new(9_000_000),
        }
    }
}

impl OracleSource for SimOracle {
    async fn observe(&self) -> Signal<OracleSnapshot> {
        let now = Timestamp::from_system_time(std::time::SystemTime::now());
        let flush = match self.miner {
            Miner::Live => self.heartbeat.fetch_add(500, Ordering::SeqCst) + 500,
            _ => self.heartbeat.load(Ordering::SeqCst),
        };
        let session = |status: &str, idle: u64| ConnectorSession {
            instance: 1,
            sid: 245,
            serial: 31_887,
            status: status.into(),
            last_call_et_s: idle,
            event: "SQL*Net message from client".into(),
            sql: None,
            prev_sql: Some(SqlKind::MiningQuery),
            sql_stats: Some(SqlStats {
                cpu_time_us: 1_000_000,
                buffer_gets: 20_000,
                elapsed_time_us: 2_000_000,
            }),
            pga_bytes: Some(100 << 20),
            logon_time: now.minus(Duration::from_secs(3600)),
            machine: "flink-tm-1".into(),
            port: Some(40_112),
        };
        let sessions = match self.miner {
            Miner::Live => vec![session("INACTIVE", 1)],
            Miner::Gone => vec![],
            Miner::IdleFor(s) => vec![session("INACTIVE", s)],
        };
        crate::support::sim_oracle::snapshot(crate::support::sim_oracle::Db {
            now,
            current_scn: 10_000_000,
            sessions,
            heartbeat: flush,
            oldest_redo: 0,
            activity: 1_000,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The doctor pointed at the real cluster
// ---------------------------------------------------------------------------------------------

type Real = Collectors<SimOracle, FlinkCollector, Option<ZooKeeperCollector>, FileSinkCollector>;

fn flink_config(t: &ClusterTest, job_name: &str) -> FlinkConfig {
    FlinkConfig {
        jobmanagers: t
            .ha
            .rest_urls()
            .iter()
            .map(|u| Url::parse(u).unwrap())
            .collect(),
        job_name: job_name.into(),
        source_operator: "Source".into(),
        sink_operator: "FileSink".into(),
        request_timeout: Duration::from_secs(5),
    }
}

fn zookeeper(t: &ClusterTest) -> ZooKeeperCollector {
    ZooKeeperCollector::new(ZooKeeperConfig {
        quorum: vec![t.ha.zk_address.clone()],
        root: "/flink".into(),
        cluster_id: t.ha.cluster_id.clone(),
        session_timeout: Duration::from_secs(5),
    })
}

fn doctor(t: &ClusterTest, job_name: &str, output: &Path, miner: Miner) -> Real {
    Collectors {
        oracle: SimOracle::new(miner),
        flink: FlinkCollector::new(flink_config(t, job_name))
            .with_dump_gap(Duration::from_millis(500)),
        zookeeper: Some(zookeeper(t)),
        output: FileSinkCollector::new(OutputConfig {
            dir: output.to_path_buf(),
            format: OutputFormat::Csv {
                scn_column: ScnColumn::Index(0),
                delimiter: b',',
            },
            rolling_interval: Duration::ZERO,
        }),
    }
}

/// Short windows for a test: the job checkpoints every 2 s and commits on each checkpoint.
fn thresholds() -> Thresholds {
    Thresholds {
        stall_window: Duration::from_secs(8),
        ..Thresholds::default()
    }
}

/// Two observations 4 s apart, then the decision table; saves the bundle as a fixture when
/// `LMD_WRITE_FIXTURES` is set.
async fn diagnose_real(name: &str, c: &Real) -> (Vec<Observation>, Diagnosis) {
    let obs = sample(
        "orders",
        c,
        &SystemClock,
        2,
        Duration::from_secs(4),
        Duration::from_secs(20),
    )
    .await;
    let d = diagnose(&obs, &thresholds(), &DiagnoseOptions::default());
    eprintln!(
        "[{name}] {}\n{}",
        logminer_doctor::report::status_line(&d, logminer_doctor::lang::Lang::En),
        logminer_doctor::report::text(&d, logminer_doctor::lang::Lang::En)
    );
    if std::env::var_os("LMD_WRITE_FIXTURES").is_some() {
        let bundle = Bundle {
            format: Bundle::FORMAT.into(),
            pipelines: vec![BundlePipeline {
                name: "orders".into(),
                thresholds: thresholds(),
                rolling_interval: Duration::ZERO,
                from_scn: None,
                observations: obs.clone(),
            }],
        };
        let path = format!(
            "{}/tests/fixtures/observations/real_{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::write(&path, serde_json::to_string_pretty(&bundle).unwrap() + "\n").unwrap();
        eprintln!("[{name}] wrote {path}");
    }
    (obs, d)
}

/// A running stand-in job with its feed.
struct Job {
    feed: Feed,
    id: String,
    url: String,
    name: String,
    output: std::path::PathBuf,
}

async fn start_job(t: &ClusterTest, name: &str) -> Job {
    let url = t.any_rest_url().await;
    let feed = Feed::start();
    let output = t.ha.new_output_dir(name);
    let id = t.submit(&url, name, &feed.address(), &output, None).await;
    t.rest.wait_job_running(&url, &id, RUNNING_WITHIN).await;
    feed.wait_connections(1, RUNNING_WITHIN).await;
    Job {
        feed,
        id,
        url,
        name: name.into(),
        output,
    }
}

/// Waits until the stall window has passed since the newest committed file.
async fn wait_stale(output: &Path) {
    let newest = committed_files(output)
        .iter()
        .filter_map(|f| f.metadata().ok()?.modified().ok())
        .max();
    if let Some(m) = newest {
        let age = m.elapsed().unwrap_or_default();
        let wait = (thresholds().stall_window + Duration::from_secs(2)).saturating_sub(age);
        tokio::time::sleep(wait).await;
    }
}

/// Waits until Flink reports the source's counter (metrics refresh every 10 s).
async fn wait_source_metric(c: &Real, at_least: u64) -> u64 {
    wait_for(
        "the source's numRecordsOut",
        Duration::from_secs(40),
        Duration::from_secs(1),
        || async {
            let s = c.flink.observe().await;
            let r = s.value()?.job.as_ref()?.source.value()?.records;
            (r >= at_least).then_some(r)
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Collectors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_collectors_read_a_running_job_from_the_real_cluster() {
    let t = ClusterTest::begin("real_running").await;
    let job = start_job(&t, "orders-cdc").await;
    job.feed.send(1..=300);
    wait_committed(&job.output, 300).await;
    let c = doctor(&t, &job.name, &job.output, Miner::Live);
    let records = wait_source_metric(&c, 300).await;
    assert_eq!(records, 300);
    // Flink refreshes each vertex's metrics on its own fetch: the sink's count can lag the
    // source's by one refresh (seen once in CI: source 300, sink 0).
    wait_for(
        "the sink's numRecordsIn",
        Duration::from_secs(40),
        Duration::from_secs(1),
        || async {
            let s = c.flink.observe().await;
            let r = s.value()?.job.as_ref()?.sink.value()?.records;
            (r >= 300).then_some(r)
        },
    )
    .await;

    let s = c.flink.observe().await.value().cloned().unwrap();
    for jm in &s.jobmanagers {
        match &jm.status {
            JobManagerStatus::Up {
                flink_version,
                jobs,
            } => {
                assert_eq!(flink_version, "1.20.1");
                assert_eq!(jobs.len(), 1, "{}: {jobs:?}", jm.url);
                assert_eq!(jobs[0].id, job.id);
            }
            other => panic!("{} answered {other:?}", jm.url),
        }
    }
    let j = s.job.expect("the job is judged");
    assert_eq!(
        (j.state.as_str(), j.tasks_running, j.tasks_total),
        ("RUNNING", 2, 2)
    );
    assert_eq!(j.restarts.value(), Some(&0));
    let cp = j.checkpoints.value().expect("checkpoints");
    assert!(cp.completed > 0);
    assert_eq!(cp.interval, Duration::from_secs(2));
    assert!(
        cp.retained_on_cancel,
        "the job retains checkpoints on cancel"
    );
    assert!(cp
        .last_completed
        .as_ref()
        .unwrap()
        .external_path
        .as_ref()
        .unwrap()
        .contains("chk-"));
    assert_eq!(j.sink.value().unwrap().records, 300);
    assert!(j.exceptions.value().unwrap().is_empty());
    // The feed is idle and connected: the stand-in's reader waits in a socket read, as a
    // healthy idle reader does; the database side tells it from a dead one.
    assert_eq!(
        j.source_thread.value(),
        Some(&SourceThreadState::BlockedInSocketRead)
    );

    let zk = c.zookeeper.as_ref().unwrap();
    let leader = zk.leader_rest_url().await.unwrap().expect("a leader");
    assert!(t.ha.rest_urls().contains(&leader), "{leader}");
    let z = logminer_doctor::collectors::ZooKeeperSource::observe(zk).await;
    let z = z.value().unwrap();
    assert!(z.servers.iter().all(|s| s.ok), "{:?}", z.servers);
    assert_eq!(z.servers[0].mode.as_deref(), Some("standalone"));

    if std::env::var_os("LMD_RECORD_FLINK").is_some() {
        record_flink_answers(&t, &job).await;
    }
    t.rest.cancel_and_wait(&job.url, &job.id).await;
}

#[tokio::test]
async fn an_absent_job_is_job_not_running() {
    let t = ClusterTest::begin("real_absent").await;
    let dir = t.ha.new_output_dir("absent");
    let c = doctor(&t, "no-such-job", &dir, Miner::Live);
    let s = c.flink.observe().await.value().cloned().unwrap();
    assert!(s.jobmanagers.iter().all(|j| j.status.is_up()));
    assert!(s.jobs.is_empty() && s.job.is_none());
    let (_, d) = diagnose_real("absent", &c).await;
    assert_eq!(d.cause, Cause::JobNotRunning, "{d:?}");
}

#[tokio::test]
async fn a_failed_job_is_job_not_running_with_its_exception() {
    let t = ClusterTest::begin("real_failed").await;
    let job = start_job(&t, "orders-failed").await;
    job.feed.send(1..=10);
    job.feed.send_raw("POISON");
    t.rest
        .wait_job_state(&job.url, &job.id, &["FAILED"], Duration::from_secs(60))
        .await;
    let c = doctor(&t, &job.name, &job.output, Miner::Gone);
    let (obs, d) = diagnose_real("failed", &c).await;
    let j = obs[1].flink.value().unwrap().job.clone().unwrap();
    assert_eq!(j.state, "FAILED");
    let ex = j.exceptions.value().unwrap();
    assert!(
        !ex.is_empty() && ex[0].stacktrace.contains("POISON"),
        "{ex:?}"
    );
    assert_eq!(d.cause, Cause::JobNotRunning, "{d:?}");
    assert!(d.evidence.iter().any(|e| e.fact.en().contains("FAILED")));
}

// ---------------------------------------------------------------------------------------------
// The failures this product exists for
// ---------------------------------------------------------------------------------------------

async fn silent_stall(name: &str, close: bool) {
    let t = ClusterTest::begin(name).await;
    let job = start_job(&t, &format!("orders-{name}")).await;
    job.feed.send(1..=100);
    wait_committed(&job.output, 100).await;
    let c = doctor(&t, &job.name, &job.output, Miner::Gone);
    wait_source_metric(&c, 100).await;
    if close {
        job.feed.close();
    } else {
        job.feed.go_silent();
    }
    let files = committed_files(&job.output);
    wait_stale(&job.output).await;
    let (obs, d) = diagnose_real(name, &c).await;
    let (a, b) = (
        obs[0].flink.value().unwrap().job.clone().unwrap(),
        obs[1].flink.value().unwrap().job.clone().unwrap(),
    );
    assert_eq!((a.state.as_str(), b.state.as_str()), ("RUNNING", "RUNNING"));
    assert_eq!(
        a.source.value().unwrap().records,
        b.source.value().unwrap().records,
        "source flat"
    );
    assert!(
        b.checkpoints.value().unwrap().completed > a.checkpoints.value().unwrap().completed,
        "checkpoints keep completing"
    );
    assert_eq!(committed_files(&job.output), files, "no new committed file");
    if !close {
        assert_eq!(
            b.source_thread.value(),
            Some(&SourceThreadState::BlockedInSocketRead)
        );
    }
    assert_eq!(
        d.cause,
        Cause::DeadConnection,
        "{}",
        logminer_doctor::report::text(&d, logminer_doctor::lang::Lang::En)
    );
    t.rest.cancel_and_wait(&job.url, &job.id).await;
}

#[tokio::test]
async fn a_closed_feed_socket_is_a_dead_connection() {
    silent_stall("feed_closed_dead_connection", true).await;
}

#[tokio::test]
async fn a_half_open_feed_is_a_dead_connection_with_the_thread_dump_as_proof() {
    silent_stall("half_open_dead_connection", false).await;
}

#[tokio::test]
async fn a_slow_sink_backpressuring_the_source_is_sink_stalled_not_dead_connection() {
    let t = ClusterTest::begin("real_backpressure").await;
    let job = start_job(&t, "orders-slow").await;
    job.feed.send(1..=20);
    wait_committed(&job.output, 20).await;
    // One record every 30 s downstream: checkpoint barriers queue behind it, nothing commits,
    // and the source is backpressured. The database sees the mining loop stop too.
    job.feed.send_raw("SLOW 30000");
    // Enough to fill the network buffers between the source and the throttle (~2 MB).
    job.feed.send(21..=100_000);
    let c = doctor(&t, &job.name, &job.output, Miner::IdleFor(120));
    wait_for(
        "backpressure on the source",
        Duration::from_secs(90),
        Duration::from_secs(1),
        || async {
            let s = c.flink.observe().await;
            let bp = s
                .value()?
                .job
                .as_ref()?
                .source
                .value()?
                .backpressured_ms_per_s?;
            (bp >= 800.0).then_some(bp)
        },
    )
    .await;
    wait_stale(&job.output).await;
    let (_, d) = diagnose_real("backpressure", &c).await;
    assert_eq!(
        d.cause,
        Cause::SinkStalled,
        "{}",
        logminer_doctor::report::text(&d, logminer_doctor::lang::Lang::En)
    );
    t.rest.cancel_and_wait(&job.url, &job.id).await;
}

#[tokio::test]
async fn a_second_copy_of_the_job_is_a_leader_problem() {
    let t = ClusterTest::begin("real_duplicate").await;
    let first = start_job(&t, "orders-twice").await;
    let feed = Feed::start();
    let output = t.ha.new_output_dir("orders-twice-copy");
    let second = t
        .submit(&first.url, "orders-twice", &feed.address(), &output, None)
        .await;
    t.rest
        .wait_job_running(&first.url, &second, RUNNING_WITHIN)
        .await;
    let c = doctor(&t, "orders-twice", &first.output, Miner::Live);
    let (obs, d) = diagnose_real("duplicate", &c).await;
    assert_eq!(obs[1].flink.value().unwrap().jobs.len(), 2);
    assert_eq!(d.cause, Cause::LeaderProblem, "{d:?}");
    assert!(d.summary.en().contains("2 times"), "{}", d.summary);
    t.rest.cancel_and_wait(&first.url, &second).await;
    t.rest.cancel_and_wait(&first.url, &first.id).await;
}

// ---------------------------------------------------------------------------------------------
// JobManagers and ZooKeeper
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn after_a_sigkill_of_the_leader_the_collector_names_the_new_one() {
    let t = ClusterTest::begin("real_failover").await;
    let job = start_job(&t, "orders-failover").await;
    job.feed.send(1..=50);
    wait_committed(&job.output, 50).await;
    let c = doctor(&t, &job.name, &job.output, Miner::Live);
    let zk = c.zookeeper.as_ref().unwrap();
    let old = zk.leader_rest_url().await.unwrap().expect("a leader");
    let old_index = t.ha.jobmanager_index(&old).expect("ours");
    let killed = Instant::now();
    t.ha.kill9_jobmanager(old_index);

    // While ZooKeeper still names the dead leader, the standby forwards to it (HTTP 500) or
    // holds an election (503): a failover in progress, not an outage.
    let during = c.flink.observe().await.value().cloned().unwrap();
    let standby = &during.jobmanagers[1 - old_index].status;
    eprintln!("[real_failover] the standby answers {standby:?} right after the kill");
    assert!(
        matches!(
            standby,
            JobManagerStatus::LeaderUnreachable
                | JobManagerStatus::LeaderElection
                | JobManagerStatus::Up { .. }
        ),
        "{standby:?}"
    );
    let new = wait_for(
        "the collector to name a new leader",
        Duration::from_secs(60),
        Duration::from_millis(100),
        || async {
            zk.leader_rest_url()
                .await
                .ok()
                .flatten()
                .filter(|u| *u != old)
        },
    )
    .await;
    let named = killed.elapsed();
    report(&format!(
        "[real_failover] SIGKILL of the leader to the collector naming the new one ({new}): {}",
        secs(named)
    ));
    wait_for(
        "the job RUNNING on the new leader",
        Duration::from_secs(90),
        Duration::from_millis(250),
        || async {
            let s = c.flink.observe().await;
            let j = s.value()?.job.clone()?;
            (j.id == job.id && j.state == "RUNNING" && j.tasks_running == j.tasks_total)
                .then_some(())
        },
    )
    .await;
    report(&format!(
        "[real_failover] SIGKILL to the job RUNNING again: {}",
        secs(killed.elapsed())
    ));
    let s = c.flink.observe().await.value().cloned().unwrap();
    assert!(matches!(
        s.jobmanagers[old_index].status,
        JobManagerStatus::Unreachable { .. }
    ));
    assert!(s.jobmanagers[1 - old_index].status.is_up());
    t.rest
        .cancel_and_wait(&t.ha.rest_url(1 - old_index), &job.id)
        .await;
}

#[tokio::test]
async fn with_one_jobmanager_down_the_other_still_answers() {
    let t = ClusterTest::begin("real_one_down").await;
    let job = start_job(&t, "orders-one-down").await;
    let c = doctor(&t, &job.name, &job.output, Miner::Live);
    let leader = c
        .zookeeper
        .as_ref()
        .unwrap()
        .leader_rest_url()
        .await
        .unwrap()
        .unwrap();
    let standby = 1 - t.ha.jobmanager_index(&leader).unwrap();
    t.ha.kill9_jobmanager(standby);
    let s = c.flink.observe().await.value().cloned().unwrap();
    assert!(
        matches!(&s.jobmanagers[standby].status, JobManagerStatus::Unreachable { error } if error.contains("/config"))
    );
    assert!(s.jobmanagers[1 - standby].status.is_up());
    assert_eq!(s.job.unwrap().id, job.id);
    t.rest.cancel_and_wait(&leader, &job.id).await;
}

// ---------------------------------------------------------------------------------------------
// Flink control
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn savepoint_stop_and_resubmit_lose_nothing_and_a_second_copy_is_refused() {
    let t = ClusterTest::begin("real_control").await;
    let job = start_job(&t, "orders-control").await;
    job.feed.send(1..=200);
    wait_committed(&job.output, 200).await;
    let control = logminer_doctor::collectors::flink::FlinkRestClient::new(
        Url::parse(&job.url).unwrap(),
        Duration::from_secs(10),
    );
    let target = t.ha.savepoint_dir("real_control");
    let target = format!("file://{}", target.display());

    // A savepoint while running, with our own trigger id: polled to COMPLETED.
    let trigger = new_trigger_id();
    let polled = control
        .trigger_savepoint(&job.id, Some(&target), &trigger)
        .await
        .unwrap();
    let sp = wait_savepoint(&control, &job.id, &polled).await;
    assert!(sp.contains("savepoint-"), "{sp}");

    // Stop with a savepoint (no drain), then resubmit from it with a fixed job id.
    let stop = control
        .stop_with_savepoint(&job.id, Some(&target), &new_trigger_id())
        .await
        .unwrap();
    let location = wait_savepoint(&control, &job.id, &stop).await;
    wait_for_state(
        &control,
        &job.id,
        &["FINISHED"],
        Duration::from_secs(60),
        Duration::from_millis(250),
    )
    .await
    .unwrap();
    let jar = control.upload_jar(&t.ha.installed.job_jar).await.unwrap();
    assert!(control
        .list_jars()
        .await
        .unwrap()
        .iter()
        .any(|(id, _)| *id == jar));
    let fixed = "0123456789abcdef0123456789abcdef".to_string();
    let run = JarRun {
        entry_class: ENTRY_CLASS.into(),
        program_args: vec![
            "--feed".into(),
            job.feed.address(),
            "--output".into(),
            job.output.display().to_string(),
            "--job-name".into(),
            job.name.clone(),
            "--checkpoint-ms".into(),
            "2000".into(),
        ],
        parallelism: 1,
        job_id: Some(fixed.clone()),
        savepoint_path: Some(location.clone()),
        allow_non_restored_state: false,
    };
    let id = control.run_jar(&jar, &run).await.unwrap();
    assert_eq!(id, fixed);
    wait_for_state(
        &control,
        &id,
        &["RUNNING"],
        RUNNING_WITHIN,
        Duration::from_millis(250),
    )
    .await
    .unwrap();
    let froms = job.feed.wait_connections(2, RUNNING_WITHIN).await;
    assert_eq!(
        froms,
        vec![0, 200],
        "the restored job asks for changes after its last SCN"
    );
    // The same fixed job id again: Flink itself refuses a second copy.
    let again = control.run_jar(&jar, &run).await;
    let err = again.expect_err("a second copy with the same job id is refused");
    eprintln!("[real_control] second submission refused: {err:#}");
    job.feed.send(201..=400);
    wait_committed(&job.output, 400).await;
    control.cancel(&id).await.unwrap();
    wait_for_state(
        &control,
        &id,
        &["CANCELED"],
        Duration::from_secs(60),
        Duration::from_millis(250),
    )
    .await
    .unwrap();
}

async fn wait_savepoint<C: FlinkControl>(c: &C, job: &str, trigger: &str) -> String
where
    C::Error: std::fmt::Debug,
{
    wait_for(
        "the savepoint",
        Duration::from_secs(60),
        Duration::from_millis(250),
        || async {
            match c.savepoint_status(job, trigger).await.unwrap() {
                SavepointStatus::InProgress => None,
                SavepointStatus::Completed { location } => Some(location),
                SavepointStatus::Failed { cause } => panic!("savepoint failed: {cause}"),
            }
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Recording Flink's answers
// ---------------------------------------------------------------------------------------------

/// Saves the answers of the endpoints the collector reads, with the run's ids replaced by the
/// fixed ids of the fake JobManager (tests/it/fake_flink.rs).
async fn record_flink_answers(t: &ClusterTest, job: &Job) {
    use crate::fake_flink::{recorded_endpoints, JOB, SINK_VERTEX, SOURCE_VERTEX, TASKMANAGER};
    let url = &job.url;
    let details = t.rest.get(url, &format!("/jobs/{}", job.id)).await.unwrap();
    let vertices = details["vertices"].as_array().unwrap().clone();
    let vid = |needle: &str| {
        vertices
            .iter()
            .find(|v| v["name"].as_str().unwrap().contains(needle))
            .map(|v| v["id"].as_str().unwrap().to_string())
            .unwrap()
    };
    let (src, sink) = (vid("Source"), vid("FileSink"));
    let tm = t.rest.taskmanager_ids(url).await.remove(0);
    let id = &job.id;
    let endpoints = recorded_endpoints(id, &src, &sink, &tm);
    let dir = format!("{}/tests/fixtures/flink/1.20", env!("CARGO_MANIFEST_DIR"));
    for (name, path) in endpoints {
        let v = t.rest.get(url, &path).await.unwrap();
        let mut text = serde_json::to_string(&v).unwrap();
        for (from, to) in [
            (id.as_str(), JOB),
            (&src, SOURCE_VERTEX),
            (&sink, SINK_VERTEX),
            (&tm, TASKMANAGER),
        ] {
            text = text.replace(from, to);
        }
        std::fs::write(format!("{dir}/{name}.json"), text + "\n").unwrap();
        eprintln!("[real_running] recorded {name} from GET {path}");
    }
}
