//! Smoke tests of the real-cluster harness: ZooKeeper, two JobManagers in HA, one TaskManager,
//! and the CDC stand-in job reading the simulated Oracle feed. They run one at a time on one
//! cluster per test binary (see support::flink) and print their timings. Without
//! tests/flink-job/setup.sh they fail and say to run it.

use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

use crate::support::feed::Feed;
use crate::support::flink::{decode_write_utf, zk_get, ClusterTest};
use crate::support::output::{
    assert_exactly_once, committed_files, committed_scns, wait_committed,
};
use crate::support::{report, secs, wait_for};

const RUNNING_WITHIN: Duration = Duration::from_secs(90);
/// What the stand-in source logs (once) when the feed closes its socket.
const EOF_LOGGED: &str = "feed: the feed closed the connection";

/// A running stand-in job with its feed.
struct Running {
    feed: Feed,
    id: String,
    url: String,
    output: PathBuf,
}

/// Starts a feed, submits the job on `url`, and waits until it runs and has connected.
async fn start_job(t: &ClusterTest, url: &str, name: &str) -> Running {
    let feed = Feed::start();
    let output = t.ha.new_output_dir(name);
    let id = t.submit(url, name, &feed.address(), &output, None).await;
    t.rest.wait_job_running(url, &id, RUNNING_WITHIN).await;
    let froms = feed.wait_connections(1, RUNNING_WITHIN).await;
    assert_eq!(froms, vec![0], "a fresh job asks FROM 0");
    Running {
        feed,
        id,
        url: url.to_string(),
        output,
    }
}

/// Waits for `more` checkpoints to complete after now; returns the count reached.
async fn wait_checkpoints(t: &ClusterTest, job: &Running, more: u64) -> u64 {
    let start = t
        .rest
        .checkpoints_completed(&job.url, &job.id)
        .await
        .unwrap();
    wait_for(
        "checkpoints to keep completing",
        Duration::from_secs(40),
        Duration::from_millis(250),
        || async {
            let now = t.rest.checkpoints_completed(&job.url, &job.id).await.ok()?;
            (now >= start + more).then_some(now)
        },
    )
    .await
}

async fn assert_all_running(t: &ClusterTest, job: &Running) {
    let j = t.rest.job(&job.url, &job.id).await.unwrap();
    assert_eq!(j["state"], "RUNNING", "{j}");
    for v in j["vertices"].as_array().unwrap() {
        assert_eq!(v["status"], "RUNNING", "vertex {}", v["name"]);
    }
}

fn tm_log(t: &ClusterTest) -> String {
    std::fs::read_to_string(t.ha.dir.join("taskmanager.log")).unwrap_or_default()
}

#[tokio::test]
async fn cluster_comes_up_with_two_jobmanagers_and_a_zookeeper_leader() {
    let t = ClusterTest::begin("cluster_up").await;
    eprintln!("[cluster_up] cluster start-up took {}", secs(t.ha.startup));
    for url in t.ha.rest_urls() {
        let o = t.rest.get(&url, "/overview").await.unwrap();
        assert_eq!(o["taskmanagers"], 1, "{url}/overview: {o}");
        eprintln!("[cluster_up] {url}/overview = {o}");
    }
    let bytes = zk_get(&t.ha.zk_address, &t.ha.leader_rest_path())
        .await
        .expect("ZooKeeper has the leader's connection_info");
    let leader =
        decode_write_utf(&bytes).unwrap_or_else(|| panic!("not a writeUTF string: {bytes:02x?}"));
    eprintln!(
        "[cluster_up] ZooKeeper {} names {leader} ({} bytes)",
        t.ha.leader_rest_path(),
        bytes.len()
    );
    assert!(
        t.ha.rest_urls().contains(&leader),
        "{leader} is not one of ours"
    );
}

#[tokio::test]
async fn job_commits_every_scn_exactly_once() {
    let t = ClusterTest::begin("exactly_once").await;
    let url = t.any_rest_url().await;
    let job = start_job(&t, &url, "exactly-once").await;
    let j = t.rest.job(&url, &job.id).await.unwrap();
    let names: Vec<&str> = j["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    eprintln!("[exactly_once] vertices: {names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("Source: feed")),
        "{names:?}"
    );
    job.feed.send(1..=500);
    let took = wait_committed(&job.output, 500).await;
    eprintln!(
        "[exactly_once] 500 SCNs committed {} after sending",
        secs(took)
    );
    t.rest.cancel_and_wait(&url, &job.id).await;
}

#[tokio::test]
async fn feed_closed_job_stays_running_and_commits_nothing_new() {
    let t = ClusterTest::begin("feed_closed").await;
    let url = t.any_rest_url().await;
    let job = start_job(&t, &url, "feed-closed").await;
    job.feed.send(1..=200);
    wait_committed(&job.output, 200).await;
    let eof_logged = || tm_log(&t).matches(EOF_LOGGED).count();
    let eofs_before = eof_logged();
    job.feed.close();
    // One more checkpoint, so anything in flight is committed, then the stall.
    wait_checkpoints(&t, &job, 1).await;
    let files = committed_files(&job.output);
    let before = t.rest.checkpoints_completed(&url, &job.id).await.unwrap();
    let after = wait_checkpoints(&t, &job, 3).await;
    eprintln!("[feed_closed] checkpoints completed {before} -> {after} with the feed closed");
    assert_all_running(&t, &job).await;
    assert_eq!(committed_files(&job.output), files, "no new committed file");
    assert_exactly_once(&committed_scns(&job.output), 200);
    assert_eq!(
        eof_logged(),
        eofs_before + 1,
        "the source logs the swallowed EOF once"
    );
    t.rest.cancel_and_wait(&url, &job.id).await;
}

#[tokio::test]
async fn feed_silent_job_stays_running_blocked_in_socket_read() {
    let t = ClusterTest::begin("feed_silent").await;
    let url = t.any_rest_url().await;
    let job = start_job(&t, &url, "feed-silent").await;
    job.feed.send(1..=200);
    wait_committed(&job.output, 200).await;
    job.feed.go_silent();
    wait_checkpoints(&t, &job, 1).await;
    let files = committed_files(&job.output);
    let before = t.rest.checkpoints_completed(&url, &job.id).await.unwrap();
    let after = wait_checkpoints(&t, &job, 3).await;
    eprintln!("[feed_silent] checkpoints completed {before} -> {after} with the feed silent");
    assert_all_running(&t, &job).await;
    assert_eq!(committed_files(&job.output), files, "no new committed file");
    assert_exactly_once(&committed_scns(&job.output), 200);

    let tm = t.rest.taskmanager_ids(&url).await;
    assert_eq!(tm.len(), 1, "{tm:?}");
    let path = format!("/taskmanagers/{}/thread-dump", tm[0]);
    let dump = t.rest.get(&url, &path).await.unwrap();
    let saved = t.ha.dir.join("thread-dump-feed-silent.json");
    std::fs::write(&saved, serde_json::to_string_pretty(&dump).unwrap()).unwrap();
    let threads = dump["threadInfos"].as_array().expect("threadInfos");
    let source = threads
        .iter()
        .find(|th| {
            th["threadName"].as_str().is_some_and(|n| {
                n.contains("Source: feed") && n.starts_with("Legacy Source Thread")
            })
        })
        .unwrap_or_else(|| {
            let names: Vec<_> = threads.iter().map(|th| &th["threadName"]).collect();
            panic!(
                "no source thread in the thread dump (saved {}): {names:?}",
                saved.display()
            )
        });
    let stack = source["stringifiedThreadInfo"].as_str().unwrap();
    eprintln!(
        "[feed_silent] {} threads; source thread (full dump in {}):\n{stack}",
        threads.len(),
        saved.display()
    );
    let frames = [
        "socketRead0",
        "NioSocketImpl",
        "SocketInputStream.read",
        "SocketDispatcher.read0",
    ];
    assert!(
        frames.iter().any(|f| stack.contains(f)),
        "the source thread is not in a socket read:\n{stack}"
    );
    t.rest.cancel_and_wait(&url, &job.id).await;
}

#[tokio::test]
async fn savepoint_stop_and_resume_continues_from_the_last_scn() {
    let t = ClusterTest::begin("savepoint_resume").await;
    let url = t.any_rest_url().await;
    let job = start_job(&t, &url, "savepoint-resume").await;
    job.feed.send(1..=300);
    wait_committed(&job.output, 300).await;

    let t0 = Instant::now();
    let location = t
        .rest
        .stop_with_savepoint(&url, &job.id, &t.ha.savepoint_dir("savepoint-resume"))
        .await;
    let state = t
        .rest
        .wait_job_state(
            &url,
            &job.id,
            &["FINISHED", "CANCELED", "FAILED"],
            RUNNING_WITHIN,
        )
        .await;
    eprintln!(
        "[savepoint_resume] stop-with-savepoint took {}: {location}, job {state}",
        secs(t0.elapsed())
    );
    assert_eq!(state, "FINISHED");
    assert_exactly_once(&committed_scns(&job.output), 300);

    let id2 = t
        .submit(
            &url,
            "savepoint-resume",
            &job.feed.address(),
            &job.output,
            Some(&location),
        )
        .await;
    t.rest.wait_job_running(&url, &id2, RUNNING_WITHIN).await;
    let froms = job.feed.wait_connections(2, RUNNING_WITHIN).await;
    eprintln!("[savepoint_resume] FROMs received: {froms:?}");
    assert_eq!(
        froms,
        vec![0, 300],
        "the resumed job asks from its last SCN"
    );
    job.feed.send(301..=600);
    wait_committed(&job.output, 600).await;
    t.rest.cancel_and_wait(&url, &id2).await;
}

#[tokio::test]
async fn poison_record_fails_the_job_after_its_restarts() {
    let t = ClusterTest::begin("poison").await;
    let url = t.any_rest_url().await;
    let job = start_job(&t, &url, "poison").await;
    job.feed.send(1..=10);
    job.feed.send_raw("POISON");
    let t0 = Instant::now();
    t.rest
        .wait_job_state(&url, &job.id, &["FAILED"], Duration::from_secs(60))
        .await;
    let froms = job.feed.froms();
    eprintln!(
        "[poison] FAILED {} after POISON; connections (one per attempt) asked FROM {froms:?}",
        secs(t0.elapsed())
    );
    assert_eq!(
        froms.len(),
        3,
        "the first attempt and 2 restarts: {froms:?}"
    );
}

#[tokio::test]
async fn sigkill_of_the_leader_fails_over_to_the_standby() {
    let t = ClusterTest::begin("failover").await;
    let ha = t.ha;
    let old = ha.zk_leader_url().await.expect("a leader in ZooKeeper");
    let killed = ha
        .jobmanager_index(&old)
        .expect("the leader is one of ours");
    let survivor = 1 - killed;
    let new_url = ha.rest_url(survivor);
    let job = start_job(&t, &old, "failover").await;
    job.feed.send(1..=200);
    wait_committed(&job.output, 200).await;

    eprintln!(
        "[failover] leader {old} is pid {:?}",
        ha.jobmanager_pid(killed)
    );
    ha.kill9_jobmanager(killed);
    let t0 = Instant::now();
    // While ZooKeeper still names the dead leader, note what the standby's REST answers.
    let mut seen: Vec<String> = Vec::new();
    let leader_after = loop {
        if let Some(l) = ha.zk_leader_url().await {
            if l == new_url {
                break t0.elapsed();
            }
        }
        let answer = match t.rest.get(&new_url, "/jobs/overview").await {
            Ok(_) => "200".to_string(),
            Err(e) => e.chars().take(160).collect(),
        };
        if !seen.contains(&answer) {
            eprintln!(
                "[failover] +{} standby /jobs/overview: {answer}",
                secs(t0.elapsed())
            );
            seen.push(answer);
        }
        assert!(
            t0.elapsed() < Duration::from_secs(90),
            "no new leader after 90 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    report(&format!(
        "[failover] SIGKILL -> ZooKeeper names the new leader {new_url}: {} (session timeout {} ms)",
        secs(leader_after),
        crate::support::flink::FLINK_ZK_SESSION_MS
    ));
    t.rest
        .wait_job_running(&new_url, &job.id, RUNNING_WITHIN)
        .await;
    report(&format!(
        "[failover] SIGKILL -> job RUNNING again on the new leader: {}",
        secs(t0.elapsed())
    ));
    let froms = job.feed.wait_connections(2, RUNNING_WITHIN).await;
    eprintln!("[failover] FROMs received: {froms:?}");
    assert!(froms[1] <= 200, "{froms:?}");
    let job = Running {
        url: new_url.clone(),
        ..job
    };
    job.feed.send(201..=400);
    wait_committed(&job.output, 400).await;

    // The killed JobManager comes back as a standby.
    let t1 = Instant::now();
    ha.start_jobmanager(killed);
    let back = ha.rest_url(killed);
    wait_for(
        "the restarted JobManager to answer /overview",
        RUNNING_WITHIN,
        Duration::from_millis(250),
        || async { t.rest.get(&back, "/overview").await.ok() },
    )
    .await;
    eprintln!(
        "[failover] restarted JobManager answers /overview after {}",
        secs(t1.elapsed())
    );
    assert_eq!(ha.zk_leader_url().await.as_deref(), Some(new_url.as_str()));
    t.rest.cancel_and_wait(&new_url, &job.id).await;
}

#[tokio::test]
async fn slow_throttle_backpressures_the_source_vertex() {
    let t = ClusterTest::begin("backpressure").await;
    let url = t.any_rest_url().await;
    let job = start_job(&t, &url, "backpressure").await;
    let j = t.rest.job(&url, &job.id).await.unwrap();
    let source = j["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| {
            v["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("Source: feed"))
        })
        .expect("the source vertex")["id"]
        .as_str()
        .unwrap()
        .to_string();
    job.feed.send_raw("SLOW 20");
    job.feed.send(1..=100_000);
    let t0 = Instant::now();
    let path = format!(
        "/jobs/{}/vertices/{source}/subtasks/metrics?get=backPressuredTimeMsPerSecond",
        job.id
    );
    let metric = wait_for(
        "backPressuredTimeMsPerSecond > 500 on the source vertex",
        Duration::from_secs(90),
        Duration::from_millis(500),
        || async {
            let m = t.rest.get(&url, &path).await.ok()?;
            let max = m[0]["max"].as_f64()?;
            (max > 500.0).then_some(m)
        },
    )
    .await;
    eprintln!(
        "[backpressure] {} after sending: {path} = {metric}",
        secs(t0.elapsed())
    );
    let bp = t
        .rest
        .get(
            &url,
            &format!("/jobs/{}/vertices/{source}/backpressure", job.id),
        )
        .await
        .unwrap();
    eprintln!("[backpressure] /backpressure = {bp}");
    assert_all_running(&t, &job).await;
    t.rest.cancel_and_wait(&url, &job.id).await;
}
