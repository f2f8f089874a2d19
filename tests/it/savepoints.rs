//! Periodic savepoints (`[pipeline.savepoints]`) on the real Flink HA cluster of the harness,
//! with the simulated Oracle of tests/it/remediation.rs (its redo can be purged): savepoints
//! taken on schedule by `watch`, retention disposing of them on disk, a failing savepoint
//! retried then alerted, purged redo turning old savepoints REDO PURGED, the gate refusing
//! one and the restart resuming from a restorable one with every SCN exactly once. The gate's
//! own choice among recorded savepoints is tested on observations in tests/it/gate.rs.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use logminer_doctor::remediation::restart::{LogProgress, Outcome, Request};
use logminer_doctor::remediation::savepoints::{local_dir, restorability, Restorability};
use logminer_doctor::store::{History, SavepointRecord};
use serde_json::Value;

use crate::remediation::{
    apply, audit, cleanup, live_jobs, restart_now, start, watch, Inbox, Pipe,
};
use crate::support::flink::ClusterTest;
use crate::support::output::{assert_exactly_once, committed_scns, wait_committed};
use crate::support::wait_for;

/// `[pipeline.savepoints]` after the remediation keys of the harness's config.
fn savepoints_section(interval: &str, keep: u32, max_age: &str, dir: Option<&Path>) -> String {
    let dir = dir
        .map(|d| format!("dir = {:?}\n", format!("file://{}", d.display())))
        .unwrap_or_default();
    format!(
        "\n[pipeline.savepoints]\ninterval = {interval:?}\nkeep = {keep}\nmax_age = {max_age:?}\n{dir}"
    )
}

async fn recorded(p: &Pipe) -> Vec<SavepointRecord> {
    History::open(&p.state_dir)
        .unwrap()
        .savepoints(Some("orders"))
        .await
        .unwrap()
}

fn ours(sps: &[SavepointRecord]) -> Vec<&SavepointRecord> {
    sps.iter().filter(|s| s.is_ours()).collect()
}

#[tokio::test]
async fn watch_takes_savepoints_on_schedule_and_disposes_of_the_old_ones_on_disk() {
    let name = "sp_periodic";
    let t = ClusterTest::begin(name).await;
    let p = start(
        &t,
        name,
        &["1..=20"],
        &savepoints_section("3s", 2, "1h", None),
        "",
    )
    .await;
    let inbox = Inbox::default();
    let w = watch(&t, &p, &inbox).await;
    // Changes keep coming between savepoints: each has a higher restart SCN.
    for i in 0..5u64 {
        tokio::time::sleep(Duration::from_secs(3)).await;
        p.feed.send(21 + i * 10..=30 + i * 10);
    }
    // Five taken, and retention done after the newest (it runs after the record is written).
    wait_for(
        "five savepoints taken, at most two kept",
        Duration::from_secs(90),
        Duration::from_millis(500),
        || async {
            let sps = recorded(&p).await;
            let mine = ours(&sps);
            let kept = mine.iter().filter(|s| s.disposed_at.is_none()).count();
            (mine.len() >= 5 && kept <= 2).then_some(())
        },
    )
    .await;
    w.stop().await;
    let sps = recorded(&p).await;
    let mine = ours(&sps);
    eprintln!(
        "[{name}] {:?}",
        mine.iter()
            .map(|s| (&s.path, s.restart_scn, s.disposed_at.is_some()))
            .collect::<Vec<_>>()
    );
    // Taken on schedule: at least 3 s apart (the interval), one at a time.
    let mut times: Vec<i64> = mine.iter().map(|s| s.triggered_at.unix_millis()).collect();
    times.sort();
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] >= 3_000, "{times:?}");
    }
    // Every one completed with a path and a restart SCN from the output; newer ones higher.
    for s in &mine {
        assert!(s.completed_at >= s.triggered_at);
        assert!(s.restart_scn.is_some(), "{s:?}");
    }
    // Retention: at most `keep` (2) of the doctor's own savepoints remain, the rest are
    // disposed of, and gone from disk.
    let live: Vec<_> = mine.iter().filter(|s| s.disposed_at.is_none()).collect();
    assert!(live.len() <= 2, "{live:?}");
    let disposed: Vec<_> = mine.iter().filter(|s| s.disposed_at.is_some()).collect();
    assert!(disposed.len() >= 3, "{disposed:?}");
    for s in &disposed {
        let dir = local_dir(&s.path).unwrap();
        assert!(!dir.exists(), "{} still on disk", dir.display());
    }
    for s in &live {
        let dir = local_dir(&s.path).unwrap();
        assert!(dir.join("_metadata").exists(), "{} missing", dir.display());
    }
    // The newest is kept, and restorable.
    assert!(live.iter().any(|s| s.path == mine[0].path));
    assert_eq!(restorability(mine[0], None).word(), "UNKNOWN");
    let actions: Vec<String> = audit(&p).await.into_iter().map(|(a, _)| a).collect();
    assert!(actions.iter().filter(|a| *a == "savepoint").count() >= 5);
    assert!(
        actions
            .iter()
            .filter(|a| *a == "savepoint_disposed")
            .count()
            >= 3
    );
    assert!(
        !actions.iter().any(|a| a == "savepoint_failed"),
        "{actions:?}"
    );
    // The job kept running throughout: a savepoint never stops it.
    assert_eq!(
        live_jobs(&t, &p.job_name).await,
        vec![(p.first_id.clone(), "RUNNING".to_string())]
    );
    // No failure alert: they all succeeded. (The simulated database's SCNs run at 10 million
    // against the output's hundreds over 48 h of redo, so the newest savepoint's SCN is about
    // to age out by the headroom rule: that alert is the rule working, not a failure.)
    let alerts: Vec<Value> = inbox
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, v)| v.clone())
        .filter(|v| v["topic"] == "savepoints")
        .collect();
    for a in &alerts {
        let summary = a["summary"].as_str().unwrap_or_default();
        assert!(
            summary.contains("falls out of available redo") || a["notice"] == "resolved",
            "unexpected savepoint alert {a:#}"
        );
    }
    cleanup(&t, &p).await;
}

/// Retention by age: with `keep` never reached, a savepoint is disposed of only once older
/// than `max_age`, and then gone from disk.
#[tokio::test]
async fn savepoints_older_than_max_age_are_disposed_of() {
    let name = "sp_age";
    let t = ClusterTest::begin(name).await;
    let p = start(
        &t,
        name,
        &["1..=20"],
        &savepoints_section("2s", 10, "5s", None),
        "",
    )
    .await;
    let inbox = Inbox::default();
    let w = watch(&t, &p, &inbox).await;
    wait_for(
        "two savepoints disposed of by age",
        Duration::from_secs(90),
        Duration::from_millis(500),
        || async {
            let sps = recorded(&p).await;
            let disposed = ours(&sps)
                .iter()
                .filter(|s| s.disposed_at.is_some())
                .count();
            (disposed >= 2).then_some(())
        },
    )
    .await;
    w.stop().await;
    let sps = recorded(&p).await;
    let mine = ours(&sps);
    assert!(mine.len() < 10, "keep (10) never reached: {}", mine.len());
    for s in mine.iter().filter(|s| s.disposed_at.is_some()) {
        let age = s.disposed_at.unwrap().since(s.completed_at);
        assert!(
            age >= Duration::from_secs(5),
            "disposed at {age:?} old: {s:?}"
        );
        assert!(!local_dir(&s.path).unwrap().exists(), "{} on disk", s.path);
    }
    // The newest is never disposed of (the newest restorable one).
    assert!(mine[0].disposed_at.is_none());
    cleanup(&t, &p).await;
}

#[tokio::test]
async fn a_failing_savepoint_is_retried_once_then_alerted_with_flinks_cause() {
    let name = "sp_failing";
    let t = ClusterTest::begin(name).await;
    // A savepoint directory under a regular file: nobody can create it, not even root.
    let blocker = tempfile::NamedTempFile::new().unwrap();
    let dir = blocker.path().join("savepoints");
    let p = start(
        &t,
        name,
        &["1..=10"],
        &savepoints_section("2s", 10, "1h", Some(&dir)),
        "",
    )
    .await;
    let inbox = Inbox::default();
    let w = watch(&t, &p, &inbox).await;
    let (_, alert) = inbox
        .wait(
            "the savepoint alert",
            Duration::from_secs(120),
            |v: &Value| v["condition"] == "failing" && v["notice"] == "firing",
        )
        .await;
    // The other condition fires too, apart: no restorable savepoint within interval × 2.
    inbox
        .wait(
            "the no-recent-savepoint alert",
            Duration::from_secs(60),
            |v: &Value| v["condition"] == "none_recent" && v["notice"] == "firing",
        )
        .await;
    w.stop().await;
    eprintln!("[{name}] {alert:#}");
    assert_eq!(alert["severity"], "WARNING", "{alert}");
    assert!(
        alert["summary"]
            .as_str()
            .unwrap()
            .contains("periodic savepoint failed 2 times in a row"),
        "{alert}"
    );
    // Flink's own cause is in the evidence.
    // Flink's own cause is in the evidence: the exception and its causes, not the stack frames.
    let evidence = alert["evidence"].to_string();
    assert!(evidence.contains("Flink's failure cause"), "{evidence}");
    assert!(evidence.contains("CheckpointException"), "{evidence}");
    assert!(!evidence.contains("\\tat java"), "{evidence}");
    // Two attempts before the alert (the first and its retry), in the audit log.
    let actions: Vec<String> = audit(&p).await.into_iter().map(|(a, _)| a).collect();
    assert!(
        actions.iter().filter(|a| *a == "savepoint_failed").count() >= 2,
        "{actions:?}"
    );
    assert!(!actions.iter().any(|a| a == "savepoint"), "{actions:?}");
    assert!(ours(&recorded(&p).await).is_empty());
    // One alert for the condition, not one per failure.
    let firing = inbox
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, v)| v["condition"] == "failing" && v["notice"] == "firing")
        .count();
    assert_eq!(firing, 1);
    cleanup(&t, &p).await;
}

#[tokio::test]
async fn purged_redo_makes_old_savepoints_unrestorable_and_the_restart_uses_a_restorable_one() {
    let name = "sp_purged";
    let t = ClusterTest::begin(name).await;
    let p = start(
        &t,
        name,
        &["1..=100"],
        &savepoints_section("3s", 10, "1h", None),
        "",
    )
    .await;
    let inbox = Inbox::default();
    let w = watch(&t, &p, &inbox).await;
    let first = wait_for(
        "a savepoint after SCN 100",
        Duration::from_secs(60),
        Duration::from_millis(500),
        || async { ours(&recorded(&p).await).first().map(|s| (*s).clone()) },
    )
    .await;
    p.feed.send(101..=200);
    wait_committed(&p.output, 200).await;
    let second = wait_for(
        "a savepoint after SCN 200",
        Duration::from_secs(60),
        Duration::from_millis(500),
        || async {
            ours(&recorded(&p).await)
                .into_iter()
                .find(|s| s.restart_scn.is_some_and(|n| n >= 200))
                .cloned()
        },
    )
    .await;
    w.stop().await;
    let (old_scn, new_scn) = (first.restart_scn.unwrap(), second.restart_scn.unwrap());
    assert!(old_scn < 200 && new_scn >= 200, "{old_scn} {new_scn}");
    // The database purges the redo the first savepoint needs.
    p.oracle.oldest_redo.store(150, Ordering::SeqCst);
    // The job is cancelled by someone (its checkpoints are retained on cancel).
    let url = t.any_rest_url().await;
    t.rest.cancel_and_wait(&url, &p.first_id).await;
    // The gate refuses the old savepoint, naming the thread.
    let progress = LogProgress {
        pipeline: "orders".into(),
    };
    let refused = restart_now(
        &t,
        &p,
        Request {
            apply: true,
            given_state: Some(first.path.clone()),
            ..Request::default()
        },
        &progress,
    )
    .await;
    assert!(
        refused.restart.is_none(),
        "restarted from a purged savepoint"
    );
    let state = refused.gate.check("state").unwrap();
    assert_eq!(state.status.as_str(), "FAIL");
    let why = state.fact.en();
    assert!(
        why.contains("cannot be restored") && why.contains("thread 1") && why.contains("SCN 150"),
        "{why}"
    );
    // What `savepoints` shows: the old one REDO PURGED, the new one RESTORABLE.
    let newest_obs = p.probe(&t);
    let obs = logminer_doctor::collectors::Probe::probe_fresh(&newest_obs, p.pipeline())
        .await
        .observation;
    assert_eq!(
        restorability(&first, Some(&obs)),
        Restorability::RedoPurged {
            thread: 1,
            oldest_scn: 150
        }
    );
    assert_eq!(
        restorability(&second, Some(&obs)),
        Restorability::Restorable
    );
    // The restart from the restorable savepoint: every SCN exactly once after more changes.
    let done = restart_now(
        &t,
        &p,
        Request {
            given_state: Some(second.path.clone()),
            ..apply()
        },
        &progress,
    )
    .await;
    let report = done.restart.as_ref().expect("the gate passed");
    assert!(
        matches!(report.outcome, Outcome::Succeeded { .. }),
        "{:?}",
        report.outcome
    );
    p.feed.send(201..=250);
    wait_committed(&p.output, 250).await;
    assert_exactly_once(&committed_scns(&p.output), 250);
    assert_eq!(
        live_jobs(&t, &p.job_name).await,
        vec![(p.fixed_id.clone(), "RUNNING".to_string())]
    );
    cleanup(&t, &p).await;
}

/// The leader SIGKILLed while the doctor's savepoint is in progress (the job's throttle holds a
/// backlog, so the barrier takes long): the attempt ends without an outcome and says so, the
/// retry waits for the job to run on the new leader and takes the savepoint there; one attempt
/// at a time, and no alert since the retry succeeded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_dies_during_a_savepoint_and_the_retry_takes_it_on_the_new_leader() {
    let name = "sp_failover";
    let t = ClusterTest::begin(name).await;
    let p = start(
        &t,
        name,
        &["1..=20"],
        &savepoints_section("1h", 10, "1h", None),
        "",
    )
    .await;
    // 1 s per record in the throttle and 12 records queued: a barrier waits behind them (less
    // than stop_timeout, 20 s, should the backlog come back after the failover).
    p.feed.send_raw("SLOW 1000");
    p.feed.send(21..=32);
    let url = t.any_rest_url().await;
    let inbox = Inbox::default();
    let w = watch(&t, &p, &inbox).await;
    // The doctor's first savepoint (the schedule starts with one) is in progress on the job.
    wait_for(
        "a savepoint in progress",
        Duration::from_secs(60),
        Duration::from_millis(200),
        || async {
            let v = t
                .rest
                .get(&url, &format!("/jobs/{}/checkpoints", p.first_id))
                .await
                .ok()?;
            v["history"]
                .as_array()?
                .iter()
                .any(|h| h["is_savepoint"] == true && h["status"] == "IN_PROGRESS")
                .then_some(())
        },
    )
    .await;
    let old_leader = t.ha.zk_leader_url().await.expect("a leader");
    let i =
        t.ha.jobmanager_index(&old_leader)
            .expect("a harness JobManager");
    let killed_at = std::time::SystemTime::now();
    t.ha.kill9_jobmanager(i);
    // The run ends with a savepoint, or with its two attempts failed.
    wait_for(
        "the savepoint run after the failover to end",
        Duration::from_secs(180),
        Duration::from_millis(500),
        || async {
            let log = audit(&p).await;
            let failed = log.iter().filter(|(a, _)| a == "savepoint_failed").count();
            (log.iter().any(|(a, _)| a == "savepoint") || failed >= 2).then_some(())
        },
    )
    .await;
    w.stop().await;
    eprintln!("[{name}] audit: {:?}", audit(&p).await);
    let taken = ours(&recorded(&p).await)
        .first()
        .map(|s| (*s).clone())
        .expect("a savepoint taken after the failover");
    let new_leader = t.ha.zk_leader_url().await.expect("a new leader");
    assert_ne!(new_leader, old_leader);
    let killed_ms = killed_at
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(taken.triggered_at.unix_millis() > killed_ms, "{taken:?}");
    assert!(local_dir(&taken.path).unwrap().join("_metadata").exists());
    // The lost attempt is reported, before the retry began: one attempt at a time.
    let log = audit(&p).await;
    let failed: Vec<&Value> = log
        .iter()
        .filter(|(a, _)| a == "savepoint_failed")
        .map(|(_, d)| d)
        .collect();
    eprintln!("[{name}] failed attempts: {failed:?}");
    assert_eq!(failed.len(), 1, "{log:?}");
    assert!(
        failed[0]["cause"]
            .as_str()
            .unwrap()
            .contains("no outcome within"),
        "{failed:?}"
    );
    let taken_count = log.iter().filter(|(a, _)| a == "savepoint").count();
    assert_eq!(taken_count, 1, "{log:?}");
    let order: Vec<&str> = log
        .iter()
        .map(|(a, _)| a.as_str())
        .filter(|a| a.starts_with("savepoint"))
        .collect();
    assert_eq!(order[..2], ["savepoint_failed", "savepoint"], "{order:?}");
    assert!(
        !inbox
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|(_, v)| v["topic"] == "savepoints"),
        "the retry succeeded: no savepoint alert"
    );
    t.ha.start_jobmanager(i);
    cleanup(&t, &p).await;
}
