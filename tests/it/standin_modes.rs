//! The CDC stand-in's other modes on the real cluster: `--source poller` (Debezium's LogMiner
//! mining loop: short reads, and a `POLL` query to the feed after each empty read) and
//! `--rolling default` (the FileSink's DefaultRollingPolicy: part files grow in progress across
//! checkpoints and are committed after a roll and the next checkpoint).

use std::time::Duration;

use tokio::time::Instant;

use crate::support::feed::Feed;
use crate::support::flink::ClusterTest;
use crate::support::output::{committed_files, wait_committed};
use crate::support::{report, secs, wait_for};

const RUNNING_WITHIN: Duration = Duration::from_secs(90);
/// The feed sends one change every STREAM_EVERY, N_STREAMED of them (8 s).
const STREAM_EVERY: Duration = Duration::from_millis(200);
const N_STREAMED: u64 = 40;

/// Lines in each committed part file, in path order.
fn lines_per_file(output: &std::path::Path) -> Vec<usize> {
    committed_files(output)
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .count()
        })
        .collect()
}

#[tokio::test]
async fn poller_polls_while_idle_and_default_rolling_commits_after_a_roll() {
    let name = "standin_modes";
    let t = ClusterTest::begin(name).await;
    let url = t.any_rest_url().await;
    let feed = Feed::start();
    let output = t.ha.new_output_dir("poller-default-rolling");
    let id = t
        .submit_with(
            &url,
            "poller-default-rolling",
            &feed.address(),
            &output,
            None,
            &[
                "--source",
                "poller",
                "--rolling",
                "default",
                "--rollover-ms",
                "4000",
                "--inactivity-ms",
                "2000",
                // The time-based rolls are checked on this timer only (Flink's default is 60 s).
                "--bucket-check-ms",
                "1000",
            ],
        )
        .await;
    t.rest.wait_job_running(&url, &id, RUNNING_WITHIN).await;
    let froms = feed.wait_connections(1, RUNNING_WITHIN).await;
    assert_eq!(froms, vec![0], "a fresh job asks FROM 0");

    // A steady stream, one change per 200 ms: every read finds data within its 500 ms timeout,
    // so the poller has no reason to poll (it would poll ~5 times idle over those 8 s).
    let before = feed.link().polls;
    let t0 = Instant::now();
    for scn in 1..=N_STREAMED {
        feed.send(scn..=scn);
        tokio::time::sleep(STREAM_EVERY).await;
    }
    let streamed = t0.elapsed();
    let polls_streaming = feed.link().polls - before;
    eprintln!(
        "[{name}] streamed {N_STREAMED} changes in {}, {polls_streaming} polls meanwhile",
        secs(streamed)
    );
    assert!(
        polls_streaming <= 2,
        "the poller polled {polls_streaming} times while every read found data"
    );

    // DefaultRollingPolicy: committed after the inactivity roll (2 s, on a 1 s bucket check)
    // and the next checkpoint.
    let took = wait_committed(&output, N_STREAMED).await;
    let per_file = lines_per_file(&output);
    report(&format!(
        "[{name}] all {N_STREAMED} committed {} after the last send; lines per part file {per_file:?}",
        secs(took)
    ));
    // With checkpoints every 2 s, OnCheckpointRollingPolicy would cut a part file per checkpoint
    // (~10 changes of this stream each); the 4 s rollover holds ~20 in one.
    let largest = per_file.iter().copied().max().unwrap_or(0);
    assert!(
        largest >= 15,
        "no part file spans more than a checkpoint interval of the stream: {per_file:?}"
    );

    // Idle: a POLL every ~1.5 s (500 ms read timeout + 1 s sleep), each reaching the feed.
    let idle_from = feed.link().polls;
    let t1 = Instant::now();
    let link = wait_for(
        "the idle poller to poll 3 more times",
        Duration::from_secs(20),
        Duration::from_millis(100),
        || async {
            let l = feed.link();
            (l.polls >= idle_from + 3).then_some(l)
        },
    )
    .await;
    let every = t1.elapsed() / 3;
    report(&format!(
        "[{name}] idle: 3 polls in {} (~{} apart), {} on this connection",
        secs(t1.elapsed()),
        secs(every),
        link.polls
    ));
    assert!(link.live && !link.half_open, "{link:?}");
    let last = link.last_poll.expect("a poll time");
    assert!(last.elapsed() < Duration::from_secs(3), "{link:?}");

    // Half-open: nothing the job writes reaches the database any more, so the polls stop
    // counting and the session's last call ages, while the job keeps RUNNING.
    feed.go_silent();
    // Lets a read already in flight in the feed's reader settle.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let silent_at = feed.link();
    assert!(silent_at.half_open && !silent_at.live, "{silent_at:?}");
    tokio::time::sleep(Duration::from_secs(6)).await;
    let after = feed.link();
    assert_eq!(
        after.polls, silent_at.polls,
        "polls reached the feed while it was half-open"
    );
    let last_call = after.last_poll.or(after.attached_at).unwrap();
    assert!(
        last_call.elapsed() >= Duration::from_secs(6),
        "the session's last call is only {:?} old",
        last_call.elapsed()
    );
    let job = t.rest.job(&url, &id).await.unwrap();
    assert_eq!(job["state"], "RUNNING", "{job}");
    for v in job["vertices"].as_array().unwrap() {
        assert_eq!(v["status"], "RUNNING", "vertex {}", v["name"]);
    }
    let tm_log = std::fs::read_to_string(t.ha.dir.join("taskmanager.log")).unwrap_or_default();
    assert!(
        tm_log.contains("feed: idle, polling every"),
        "the TaskManager log does not show the poller"
    );
    eprintln!(
        "[{name}] half-open: polls stayed at {}, last call {} ago, job RUNNING",
        after.polls,
        secs(last_call.elapsed())
    );

    // The poller never blocks in a read for long: the cancel completes promptly.
    let t2 = Instant::now();
    t.rest.cancel_and_wait(&url, &id).await;
    report(&format!(
        "[{name}] cancelled the half-open poller in {}",
        secs(t2.elapsed())
    ));
}
