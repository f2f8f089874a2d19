//! The Flink collector and Flink control on recorded answers served by a fake JobManager:
//! parsing, and the error shapes a real Flink will not produce on demand.

use std::time::Duration;

use logminer_doctor::collectors::control::{FlinkControl, JarRun, SavepointStatus};
use logminer_doctor::collectors::flink::model::{Exceptions, ThreadDump};
use logminer_doctor::collectors::flink::{
    exception_list, source_thread_state, FlinkCollector, FlinkRestClient,
};
use logminer_doctor::collectors::FlinkSource;
use logminer_doctor::config::FlinkConfig;
use logminer_doctor::observation::{FlinkSnapshot, JobManagerStatus, SourceThreadState};
use url::Url;

use crate::fake_flink::{fixture, recorded_endpoints, FakeFlink, JOB, SOURCE_VERTEX, TASKMANAGER};

fn config(urls: &[&str]) -> FlinkConfig {
    FlinkConfig {
        jobmanagers: urls.iter().map(|u| Url::parse(u).unwrap()).collect(),
        job_name: "orders-cdc".into(),
        source_operator: "Source".into(),
        sink_operator: "FileSink".into(),
        request_timeout: Duration::from_secs(2),
    }
}

async fn observe(urls: &[&str]) -> FlinkSnapshot {
    let c = FlinkCollector::new(config(urls)).with_dump_gap(Duration::from_millis(10));
    c.observe()
        .await
        .value()
        .cloned()
        .expect("the Flink signal is always observed")
}

/// A port nothing listens on.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", l.local_addr().unwrap())
}

#[tokio::test]
async fn a_running_job_is_read_completely() {
    let jm = FakeFlink::start();
    jm.healthy_job("1.20");
    let s = observe(&[&jm.url]).await;
    assert!(
        matches!(&s.jobmanagers[0].status, JobManagerStatus::Up { flink_version, jobs } if flink_version == "1.20.1" && jobs.len() == 1)
    );
    let j = s.job.expect("the job is judged");
    assert_eq!(j.id, JOB);
    assert_eq!(j.state, "RUNNING");
    assert_eq!((j.tasks_running, j.tasks_total), (2, 2));
    assert_eq!(j.restarts.value(), Some(&0));
    let c = j.checkpoints.value().unwrap();
    assert_eq!((c.completed, c.failed), (6, 0));
    assert_eq!(c.interval, Duration::from_secs(2));
    assert!(c.retained_on_cancel);
    assert_eq!(c.last_completed.as_ref().unwrap().id, 6);
    assert!(c
        .last_completed
        .as_ref()
        .unwrap()
        .external_path
        .as_ref()
        .unwrap()
        .ends_with("chk-6"));
    assert!(c.last_failure.is_none());
    assert_eq!(j.source.value().unwrap().records, 300);
    assert_eq!(j.source.value().unwrap().backpressured_ms_per_s, Some(0.0));
    assert_eq!(j.sink.value().unwrap().records, 300);
    assert_eq!(j.source_thread.value(), Some(&SourceThreadState::Running));
    assert!(j.exceptions.value().unwrap().is_empty());
}

#[tokio::test]
async fn the_last_checkpoint_failure_is_read_with_its_message() {
    let jm = FakeFlink::start();
    jm.healthy_job("1.20").route(
        &format!("GET /jobs/{JOB}/checkpoints"),
        200,
        &fixture("1.20", "checkpoints_with_failure"),
    );
    let j = observe(&[&jm.url]).await.job.unwrap();
    let c = j.checkpoints.value().unwrap();
    assert_eq!((c.completed, c.failed), (300, 1));
    assert_eq!(
        c.last_failure.as_ref().unwrap().message,
        "Checkpoint expired before completing."
    );
}

#[tokio::test]
async fn a_source_blocked_in_a_socket_read_in_both_dumps_is_reported() {
    let jm = FakeFlink::start();
    jm.healthy_job("1.20").route(
        &format!("GET /taskmanagers/{TASKMANAGER}/thread-dump"),
        200,
        &fixture("1.20", "thread_dump_blocked"),
    );
    let j = observe(&[&jm.url]).await.job.unwrap();
    assert_eq!(
        j.source_thread.value(),
        Some(&SourceThreadState::BlockedInSocketRead)
    );
    let dumps = jm
        .requests()
        .iter()
        .filter(|r| r.target.ends_with("/thread-dump"))
        .count();
    assert_eq!(dumps, 2, "two dumps prove the thread stays in the read");
}

#[test]
fn one_dump_out_of_the_read_means_the_thread_moves() {
    let blocked: ThreadDump =
        serde_json::from_str(&fixture("1.20", "thread_dump_blocked")).unwrap();
    let running: ThreadDump =
        serde_json::from_str(&fixture("1.20", "thread_dump_running")).unwrap();
    assert_eq!(
        source_thread_state(&[blocked.clone(), running.clone()], "Source: feed"),
        SourceThreadState::Running
    );
    assert_eq!(
        source_thread_state(&[blocked.clone(), blocked], "Source: feed"),
        SourceThreadState::BlockedInSocketRead
    );
    let none = ThreadDump { threads: vec![] };
    assert_eq!(
        source_thread_state(&[none.clone(), none], "Source: feed"),
        SourceThreadState::NotFound
    );
}

#[tokio::test]
async fn a_leader_election_and_a_dead_leader_are_told_apart_from_an_outage() {
    let electing = FakeFlink::start();
    electing.route("GET /config", 503, &fixture("1.20", "leader_election_503"));
    let orphan = FakeFlink::start();
    orphan
        .route("GET /config", 200, &fixture("1.20", "config"))
        .route(
            "GET /jobs/overview",
            500,
            &fixture("1.20", "recipient_unreachable_500"),
        );
    let down = dead_url();
    let s = observe(&[&electing.url, &orphan.url, &down]).await;
    assert_eq!(s.jobmanagers[0].status, JobManagerStatus::LeaderElection);
    assert_eq!(s.jobmanagers[1].status, JobManagerStatus::LeaderUnreachable);
    assert!(
        matches!(&s.jobmanagers[2].status, JobManagerStatus::Unreachable { error } if error.contains(&down))
    );
    assert!(s.jobs.is_empty() && s.job.is_none());
}

#[tokio::test]
async fn one_jobmanager_down_and_the_other_answers() {
    let jm = FakeFlink::start();
    jm.healthy_job("1.20");
    let down = dead_url();
    let s = observe(&[&down, &jm.url]).await;
    assert!(matches!(
        s.jobmanagers[0].status,
        JobManagerStatus::Unreachable { .. }
    ));
    assert!(s.jobmanagers[1].status.is_up());
    assert_eq!(
        s.job.unwrap().id,
        JOB,
        "details come from the JobManager that answers"
    );
}

#[tokio::test]
async fn a_failing_detail_call_is_a_missing_signal_not_a_failed_probe() {
    let jm = FakeFlink::start();
    jm.healthy_job("1.20").route(
        &format!("GET /jobs/{JOB}/checkpoints"),
        500,
        r#"{"errors":["Internal server error.","<Exception on server side: boom>"]}"#,
    );
    let j = observe(&[&jm.url]).await.job.unwrap();
    let err = j.checkpoints.error().expect("checkpoints missing");
    assert!(err.contains("HTTP 500"), "{err}");
    assert!(err.contains("boom"), "{err}");
    assert_eq!(
        j.source.value().unwrap().records,
        300,
        "the rest is still read"
    );
}

#[tokio::test]
async fn malformed_json_is_an_unexpected_answer() {
    let jm = FakeFlink::start();
    jm.healthy_job("1.20")
        .route("GET /jobs/overview", 200, "{\"jobs\": [ {\"jid\": ");
    let s = observe(&[&jm.url]).await;
    match &s.jobmanagers[0].status {
        JobManagerStatus::Unreachable { error } => {
            assert!(error.contains("unexpected answer"), "{error}");
            // What it answered is named, so a proxy's login page is recognised at once.
            assert!(error.contains("{\\\"jobs\\\": [ {\\\"jid\\\":"), "{error}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_html_page_instead_of_the_rest_api_is_quoted() {
    let jm = FakeFlink::start();
    jm.healthy_job("1.20").route(
        "GET /config",
        200,
        "<html><head><title>Sign in</title></head><body>proxy login</body></html>",
    );
    let s = observe(&[&jm.url]).await;
    match &s.jobmanagers[0].status {
        JobManagerStatus::Unreachable { error } => {
            assert!(error.contains("<html><head><title>Sign in"), "{error}");
            assert!(error.contains("HTTP 200"), "{error}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_answer_that_never_comes_times_out() {
    let jm = FakeFlink::start();
    jm.healthy_job("1.20")
        .route_delayed("GET /jobs/overview", 200, "{}", Duration::from_secs(30));
    let started = tokio::time::Instant::now();
    let s = observe(&[&jm.url]).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "bounded by the request timeout"
    );
    match &s.jobmanagers[0].status {
        JobManagerStatus::Unreachable { error } => assert!(
            error.contains("timed out") || error.contains("operation timed out"),
            "{error}"
        ),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn a_job_that_runs_twice_is_listed_twice() {
    let jm = FakeFlink::start();
    let overview = fixture("1.20", "jobs_overview");
    let mut v: serde_json::Value = serde_json::from_str(&overview).unwrap();
    let mut second = v["jobs"][0].clone();
    second["jid"] = "0f9e8d7c6b5a49382716051403f2e1d0".into();
    second["start-time"] = (v["jobs"][0]["start-time"].as_i64().unwrap() + 1000).into();
    v["jobs"].as_array_mut().unwrap().push(second);
    jm.healthy_job("1.20")
        .route("GET /jobs/overview", 200, &v.to_string());
    let s = observe(&[&jm.url]).await;
    assert_eq!(s.jobs.len(), 2);
    assert_eq!(
        s.job.unwrap().id,
        "0f9e8d7c6b5a49382716051403f2e1d0",
        "the newest running one is judged"
    );
}

#[test]
fn exception_history_is_read_from_1_18_to_2_x() {
    // 2.0 removed the deprecated top-level fields: only the history remains.
    let v2: Exceptions = serde_json::from_str(
        r#"{"exceptionHistory":{"entries":[
            {"exceptionName":"java.sql.SQLRecoverableException","stacktrace":"java.sql.SQLRecoverableException: No more data to read from socket","timestamp":1795000100000,"taskName":"Source: feed","endpoint":"127.0.0.1:36891","taskManagerId":"tm","failureLabels":{},"concurrentExceptions":[]},
            {"exceptionName":"java.lang.RuntimeException","stacktrace":"older","timestamp":1795000000000,"failureLabels":{},"concurrentExceptions":[]}
        ],"truncated":false}}"#,
    )
    .unwrap();
    let list = exception_list(v2);
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].name, "java.sql.SQLRecoverableException");
    assert!(list[0].timestamp > list[1].timestamp, "newest first");
    // An old answer with only the root exception.
    let old: Exceptions = serde_json::from_str(
        r#"{"root-exception":"java.lang.Exception: ORA-01291: missing logfile\n\tat x","timestamp":1795000200000,"all-exceptions":[],"truncated":false}"#,
    )
    .unwrap();
    let list = exception_list(old);
    assert_eq!(list.len(), 1);
    assert!(list[0].stacktrace.contains("ORA-01291"));
}

// ---------------------------------------------------------------------------------------------
// Flink control
// ---------------------------------------------------------------------------------------------

fn client(jm: &FakeFlink) -> FlinkRestClient {
    FlinkRestClient::new(Url::parse(&jm.url).unwrap(), Duration::from_secs(2))
}

#[tokio::test]
async fn a_savepoint_is_triggered_with_our_trigger_id_and_never_drains_on_stop() {
    let jm = FakeFlink::start();
    jm.route(
        &format!("POST /jobs/{JOB}/savepoints"),
        202,
        r#"{"request-id":"0123456789abcdef0123456789abcdef"}"#,
    )
    .route(
        &format!("POST /jobs/{JOB}/stop"),
        202,
        r#"{"request-id":"fedcba9876543210fedcba9876543210"}"#,
    );
    let c = client(&jm);
    let id = c
        .trigger_savepoint(JOB, Some("file:///sp"), "0123456789abcdef0123456789abcdef")
        .await
        .unwrap();
    assert_eq!(id, "0123456789abcdef0123456789abcdef");
    c.stop_with_savepoint(JOB, None, "fedcba9876543210fedcba9876543210")
        .await
        .unwrap();
    let reqs = jm.requests();
    let trigger: serde_json::Value = serde_json::from_str(&reqs[0].body).unwrap();
    assert_eq!(trigger["triggerId"], "0123456789abcdef0123456789abcdef");
    assert_eq!(trigger["target-directory"], "file:///sp");
    assert_eq!(trigger["cancel-job"], false);
    let stop: serde_json::Value = serde_json::from_str(&reqs[1].body).unwrap();
    assert_eq!(stop["drain"], false);
}

#[tokio::test]
async fn a_completed_savepoint_can_still_be_a_failure() {
    let jm = FakeFlink::start();
    jm.route(
        &format!("GET /jobs/{JOB}/savepoints/t1"),
        200,
        r#"{"status":{"id":"COMPLETED"},"operation":{"failure-cause":{"class":"java.util.concurrent.CompletionException","stack-trace":"java.util.concurrent.CompletionException: org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint Coordinator is suspending.","serialized-throwable":"AAAA"}}}"#,
    )
    .route(&format!("GET /jobs/{JOB}/savepoints/t2"), 200, r#"{"status":{"id":"COMPLETED"},"operation":{"location":"file:/sp/savepoint-a1b2c3-0123456789ab"}}"#)
    .route(&format!("GET /jobs/{JOB}/savepoints/t3"), 200, r#"{"status":{"id":"IN_PROGRESS"}}"#);
    let c = client(&jm);
    match c.savepoint_status(JOB, "t1").await.unwrap() {
        SavepointStatus::Failed { cause } => assert!(cause.contains("suspending"), "{cause}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.savepoint_status(JOB, "t2").await.unwrap(),
        SavepointStatus::Completed {
            location: "file:/sp/savepoint-a1b2c3-0123456789ab".into()
        }
    );
    assert_eq!(
        c.savepoint_status(JOB, "t3").await.unwrap(),
        SavepointStatus::InProgress
    );
}

#[tokio::test]
async fn a_jar_is_uploaded_and_run_with_a_fixed_job_id() {
    let jm = FakeFlink::start();
    jm.route("POST /jars/upload", 200, r#"{"filename":"/tmp/flink-web/flink-web-upload/5f1d_cdc-standin.jar","status":"success"}"#)
        .route("POST /jars/5f1d_cdc-standin.jar/run", 200, &format!(r#"{{"jobid":"{JOB}"}}"#))
        .route("GET /jars", 200, r#"{"address":"http://127.0.0.1:8081","files":[{"id":"5f1d_cdc-standin.jar","name":"cdc-standin.jar","uploaded":1795000000000,"entry":[]}]}"#);
    let dir = tempfile::tempdir().unwrap();
    let jar = dir.path().join("cdc-standin.jar");
    std::fs::write(&jar, b"PK\x03\x04 not really a jar").unwrap();
    let c = client(&jm);
    let id = c.upload_jar(&jar).await.unwrap();
    assert_eq!(id, "5f1d_cdc-standin.jar");
    assert_eq!(
        c.list_jars().await.unwrap(),
        vec![(id.clone(), "cdc-standin.jar".to_string())]
    );
    let job = c
        .run_jar(
            &id,
            &JarRun {
                entry_class: "CdcStandIn".into(),
                program_args: vec!["--feed".into(), "127.0.0.1:1".into()],
                parallelism: 1,
                job_id: Some(JOB.into()),
                savepoint_path: Some("file:/sp/savepoint-1".into()),
                allow_non_restored_state: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(job, JOB);
    let reqs = jm.requests();
    let upload = reqs
        .iter()
        .find(|r| r.method == "POST" && r.target == "/jars/upload")
        .unwrap();
    assert!(
        upload.body.contains("name=\"jarfile\""),
        "multipart field jarfile"
    );
    let run = reqs.iter().find(|r| r.target.ends_with("/run")).unwrap();
    let body: serde_json::Value = serde_json::from_str(&run.body).unwrap();
    assert_eq!(body["jobId"], JOB);
    assert_eq!(body["programArgsList"][1], "127.0.0.1:1");
    assert_eq!(body["savepointPath"], "file:/sp/savepoint-1");
    assert_eq!(body["allowNonRestoredState"], false);
}

#[tokio::test]
async fn a_missing_source_vertex_is_named_with_the_vertices_there_are() {
    let jm = FakeFlink::start();
    jm.healthy_job("1.20");
    let mut cfg = config(&[&jm.url]);
    cfg.source_operator = "oracle-cdc".into();
    let s = FlinkCollector::new(cfg)
        .with_dump_gap(Duration::from_millis(10))
        .observe()
        .await;
    let j = s.value().unwrap().job.clone().unwrap();
    let err = j.source.error().unwrap();
    assert!(
        err.contains("\"oracle-cdc\"") && err.contains("Source: feed"),
        "{err}"
    );
    let _ = SOURCE_VERTEX;
}

// ---------------------------------------------------------------------------------------------
// The simulator's Flink speaks like the real one
// ---------------------------------------------------------------------------------------------

/// Every field of `sim` exists in `real` with the same JSON type (null in either matches
/// anything; arrays compare their elements with the real array's first element).
fn same_shape(
    path: &str,
    sim: &serde_json::Value,
    real: &serde_json::Value,
    out: &mut Vec<String>,
) {
    use serde_json::Value::*;
    match (sim, real) {
        (Null, _) | (_, Null) => {}
        (Object(s), Object(r)) => {
            for (k, v) in s {
                match r.get(k) {
                    Some(rv) => same_shape(&format!("{path}.{k}"), v, rv, out),
                    None => out.push(format!("{path}.{k}: not in Flink's answer")),
                }
            }
        }
        (Array(s), Array(r)) => {
            if let Some(r0) = r.first() {
                for (i, v) in s.iter().enumerate() {
                    same_shape(&format!("{path}[{i}]"), v, r0, out);
                }
            }
        }
        (Bool(_), Bool(_)) | (String(_), String(_)) => {}
        (Number(_), Number(_)) => {}
        (s, r) => out.push(format!("{path}: simulator sends {s}, Flink sends {r}")),
    }
}

#[tokio::test]
async fn the_simulated_flink_answers_with_the_endpoints_fields_and_types_of_the_real_one() {
    use logminer_doctor::simulator::rest::SimFlinkServer;
    use logminer_doctor::simulator::{Sim, World};
    let dir = tempfile::tempdir().unwrap();
    let mut world = World::new(
        dir.path(),
        logminer_doctor::observation::Timestamp::from_unix_millis(1_795_000_000_000),
    );
    world.run(Duration::from_secs(120));
    let sim = Sim::new(world);
    let server = SimFlinkServer::start(&sim).await.unwrap();
    let base = &server.urls()[0];
    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = http.clone();
        async move {
            http.get(format!("{base}{path}"))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let overview = get("/jobs/overview".into()).await;
    let id = overview["jobs"][0]["jid"].as_str().unwrap().to_string();
    let job = get(format!("/jobs/{id}")).await;
    let vertex = |needle: &str| {
        job["vertices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"].as_str().unwrap().contains(needle))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (src, sink) = (vertex("Source"), vertex("FileSink"));
    let tms = get(format!("/jobs/{id}/vertices/{src}/taskmanagers")).await;
    let tm = tms["taskmanagers"][0]["taskmanager-id"]
        .as_str()
        .unwrap()
        .to_string();
    let pairs = recorded_endpoints(&id, &src, &sink, &tm);
    let mut diffs = vec![];
    for (name, path) in pairs {
        let sim = get(path.clone()).await;
        let real: serde_json::Value = serde_json::from_str(&fixture("1.20", name)).unwrap();
        assert_eq!(
            std::mem::discriminant(&sim),
            std::mem::discriminant(&real),
            "{path}: the simulator's answer is not of the kind Flink sends"
        );
        same_shape(&format!("GET {path}"), &sim, &real, &mut diffs);
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[tokio::test]
async fn a_sources_lag_metrics_are_read_where_the_job_registers_them() {
    let jm = FakeFlink::start();
    let metrics = format!("/jobs/{JOB}/vertices/{SOURCE_VERTEX}/subtasks/metrics");
    // The listing (no `get`) names the operator metrics; mangled operator names included.
    jm.healthy_job("1.20")
        .route(
            &format!("GET {metrics}"),
            200,
            r#"[{"id":"numRecordsOut"},{"id":"backPressuredTimeMsPerSecond"},{"id":"Source__oracle-cdc.currentFetchEventTimeLag"},{"id":"Source__oracle-cdc.sourceIdleTime"},{"id":"Source__oracle-cdc.numRecordsIn"}]"#,
        )
        .route(
            &format!("GET {metrics}?get=numRecordsOut,backPressuredTimeMsPerSecond,Source__oracle-cdc.currentFetchEventTimeLag,Source__oracle-cdc.sourceIdleTime&agg=sum,max"),
            200,
            r#"[{"id":"numRecordsOut","sum":42.0,"max":42.0},{"id":"backPressuredTimeMsPerSecond","sum":0.0,"max":0.0},{"id":"Source__oracle-cdc.currentFetchEventTimeLag","sum":1500.0,"max":1500.0},{"id":"Source__oracle-cdc.sourceIdleTime","sum":61000.0,"max":61000.0}]"#,
        );
    let j = observe(&[&jm.url]).await.job.unwrap();
    let s = j.source.value().unwrap();
    assert_eq!(s.records, 42);
    let lag = s.lag.expect("lag metrics");
    assert_eq!(lag.fetch_ms, Some(1500.0));
    assert_eq!(lag.idle_ms, Some(61000.0));
    assert_eq!(lag.emit_ms, None);
}

/// Two stopped copies of the job on the fake JobManager: `a` (the recorded job) and `b`, each
/// CANCELED at `end_a`/`end_b` with its newest completed checkpoint acknowledged at `ck_a`/`ck_b`
/// (ms after the recorded job's start).
fn two_stopped_copies(jm: &FakeFlink, end_a: i64, end_b: i64, ck_a: i64, ck_b: i64) -> String {
    const B: &str = "0f9e8d7c6b5a49382716051403f2e1d0";
    let mut v: serde_json::Value = serde_json::from_str(&fixture("1.20", "jobs_overview")).unwrap();
    let start = v["jobs"][0]["start-time"].as_i64().unwrap();
    v["jobs"][0]["state"] = "CANCELED".into();
    v["jobs"][0]["end-time"] = (start + end_a).into();
    let mut b = v["jobs"][0].clone();
    b["jid"] = B.into();
    b["start-time"] = (start + 1000).into();
    b["end-time"] = (start + end_b).into();
    v["jobs"].as_array_mut().unwrap().push(b);
    let checkpoints = |ack: i64| {
        let mut c: serde_json::Value =
            serde_json::from_str(&fixture("1.20", "checkpoints")).unwrap();
        c["latest"]["completed"]["latest_ack_timestamp"] = (start + ack).into();
        c.to_string()
    };
    jm.healthy_job("1.20")
        .route("GET /jobs/overview", 200, &v.to_string())
        .route(
            &format!("GET /jobs/{JOB}/checkpoints"),
            200,
            &checkpoints(ck_a),
        )
        .route(
            &format!("GET /jobs/{B}/checkpoints"),
            200,
            &checkpoints(ck_b),
        )
        .route(
            &format!("GET /jobs/{B}/checkpoints/config"),
            200,
            &fixture("1.20", "checkpoints_config"),
        );
    B.to_string()
}

#[tokio::test]
async fn of_stopped_copies_the_one_that_ran_last_with_the_newest_checkpoint_is_judged() {
    // The copy b started later but was cancelled first; the original a ran on and checkpointed.
    let jm = FakeFlink::start();
    two_stopped_copies(&jm, 90_000, 30_000, 88_000, 28_000);
    let s = observe(&[&jm.url]).await;
    assert_eq!(s.job.as_ref().map(|j| j.id.as_str()), Some(JOB), "{s:#?}");
    assert_eq!(s.ambiguous_copies, None);
    let end = s
        .job
        .unwrap()
        .end_time
        .expect("a stopped job has its end time");
    assert_eq!(end, s.jobs[0].end_time.unwrap());
    // Choosing read each copy's checkpoints once; the judged copy's are not asked for again.
    let asked = jm
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.target == format!("/jobs/{JOB}/checkpoints"))
        .count();
    assert_eq!(asked, 1, "{:#?}", jm.requests());
}

#[tokio::test]
async fn stopped_copies_that_disagree_are_ambiguous_and_the_configured_id_settles_it() {
    // a stopped last, but b holds the newest completed checkpoint: which state is right?
    let jm = FakeFlink::start();
    let b = two_stopped_copies(&jm, 90_000, 30_000, 20_000, 29_000);
    let s = observe(&[&jm.url]).await;
    let why = s.ambiguous_copies.clone().expect("ambiguous copies");
    assert!(why.contains(JOB) && why.contains(&b), "{why}");

    // The gate refuses to choose.
    let o = logminer_doctor::observation::Observation {
        pipeline: "orders".into(),
        observed_at: logminer_doctor::observation::Timestamp::from_unix_millis(0),
        oracle: logminer_doctor::observation::Signal::not_collected("not needed"),
        flink: logminer_doctor::observation::Signal::observed(s),
        zookeeper: logminer_doctor::observation::Signal::not_collected("not configured"),
        output: logminer_doctor::observation::Signal::not_collected("not needed"),
        observed_by: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let config = crate::gate::config(dir.path(), "");
    let report = logminer_doctor::remediation::gate::evaluate(
        &logminer_doctor::remediation::gate::GateInput {
            pipeline: &config.pipelines[0],
            observation: &o,
            from_scn: None,
            restarts_in_window: Ok(0),
            lock: logminer_doctor::remediation::gate::LockState::Free {
                checked: "test".into(),
            },
            given_state: None,
            savepoints: &[],
        },
    );
    let job = report.check("job").unwrap();
    assert_eq!(job.status, logminer_doctor::remediation::gate::Status::Fail);
    assert!(job.fact.en().starts_with("which copy?"), "{}", job.fact);

    // With the fixed job id configured, that copy is judged and nothing is ambiguous.
    let c = FlinkCollector::new(config_for(&jm.url))
        .with_dump_gap(Duration::from_millis(10))
        .with_fixed_job_id(Some(b.to_uppercase()));
    let fixed = c.observe().await.value().cloned().unwrap();
    assert_eq!(fixed.job.as_ref().map(|j| j.id.as_str()), Some(b.as_str()));
    assert_eq!(fixed.ambiguous_copies, None);
    drop(o);
}

fn config_for(url: &str) -> FlinkConfig {
    config(&[url])
}

#[tokio::test]
async fn an_answer_larger_than_the_cap_is_a_missing_signal_not_a_memory_blowup() {
    let jm = FakeFlink::start();
    let huge = format!("{{\"jobs\": [], \"pad\": \"{}\"}}", "x".repeat(33 << 20));
    jm.healthy_job("1.20")
        .route("GET /jobs/overview", 200, &huge);
    let s = observe(&[&jm.url]).await;
    match &s.jobmanagers[0].status {
        logminer_doctor::observation::JobManagerStatus::Unreachable { error } => {
            assert!(error.contains("larger than"), "{error}")
        }
        other => panic!("expected the answer refused, got {other:?}"),
    }
}
