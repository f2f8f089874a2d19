//! Evidence strength (DESIGN.md §2): a CRITICAL verdict rests on proof, a hint never convicts,
//! and strong proof decides before the output has aged past the stall window.
//!
//! Each test starts from the healthy fixture's first observation and scripts a sequence of
//! observations that a real cluster produces: the false CRITICALs of issue 11 (a healthy reader
//! waiting in a socket read, an idle source without the database, flow that resumed within a
//! rolling interval, a failover and the restored job) and the true faults that must page early
//! (a vanished session and a half-open one while changes wait). The realism suite
//! (`realism.rs`) drives the same phases through `watch` on the real cluster.

use std::time::Duration;

use logminer_doctor::diagnose::Bundle;
use logminer_doctor::diagnose::{
    diagnose, Cause, DiagnoseOptions, Diagnosis, Severity, Strength, Thresholds,
};
use logminer_doctor::observation::{
    CommittedFile, JobDetail, JobManagerStatus, Observation, OracleSnapshot, OutputSnapshot,
    Signal, SourceThreadState, Timestamp,
};

const STEP: u64 = 15;

fn base() -> Observation {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/observations/healthy.json");
    let text = std::fs::read_to_string(&path).expect("healthy fixture");
    let b: Bundle = serde_json::from_str(&text).expect("healthy fixture parses");
    b.pipelines[0].observations[0].clone()
}

/// `n` observations `STEP` seconds apart ending at the base observation's time, each shaped by
/// `f(i, seconds before the last, observation)`.
fn series(n: usize, f: impl Fn(usize, u64, &mut Observation)) -> Vec<Observation> {
    let b = base();
    let end = b.observed_at;
    (0..n)
        .map(|i| {
            let back = (n - 1 - i) as u64 * STEP;
            let mut o = b.clone();
            o.observed_at = end.minus(Duration::from_secs(back));
            f(i, back, &mut o);
            o
        })
        .collect()
}

fn end() -> Timestamp {
    base().observed_at
}

fn ago(s: u64) -> Timestamp {
    end().minus(Duration::from_secs(s))
}

fn job(o: &mut Observation) -> &mut JobDetail {
    match &mut o.flink {
        Signal::Observed { value } => value.job.as_mut().expect("the fixture has a job"),
        _ => panic!("the fixture has Flink"),
    }
}

fn out(o: &mut Observation) -> &mut OutputSnapshot {
    match &mut o.output {
        Signal::Observed { value } => value,
        _ => panic!("the fixture has the output"),
    }
}

fn oracle(o: &mut Observation) -> &mut OracleSnapshot {
    match &mut o.oracle {
        Signal::Observed { value } => value,
        _ => panic!("the fixture has Oracle"),
    }
}

/// Oracle as on a first deployment: no client library on the doctor's host.
fn no_database(o: &mut Observation) {
    o.oracle = Signal::not_collected(
        "the Oracle client library is not installed (DPI-1047): the database side is not collected",
    );
}

fn started(o: &mut Observation, s: u64) {
    let at = ago(s);
    job(o).start_time = at;
    if let Signal::Observed { value } = &mut o.flink {
        for j in &mut value.jobs {
            j.start_time = at;
        }
        for jm in &mut value.jobmanagers {
            if let JobManagerStatus::Up { jobs, .. } = &mut jm.status {
                for j in jobs {
                    j.start_time = at;
                }
            }
        }
    }
}

fn source_records(o: &mut Observation, n: u64) {
    if let Signal::Observed { value } = &mut job(o).source {
        value.records = n;
    }
}

fn thread_blocked(o: &mut Observation) {
    job(o).source_thread = Signal::observed(SourceThreadState::BlockedInSocketRead);
}

/// The newest committed file was written `s` seconds before the last observation.
fn committed(o: &mut Observation, s: u64) {
    let at = ago(s);
    let out = out(o);
    out.newest_committed = Some(CommittedFile {
        path: "2026-11-18--10/part-0-7.csv".into(),
        modified_at: at,
        bytes: 4096,
    });
    out.committed_files = 8;
    out.committed_bytes = 30_000;
}

fn nothing_committed(o: &mut Observation) {
    let out = out(o);
    out.newest_committed = None;
    out.committed_files = 0;
    out.committed_bytes = 0;
    out.last_scn = Signal::observed(None);
}

/// An in-progress part file of `bytes`, last written `s` seconds before the last observation.
fn in_progress(o: &mut Observation, bytes: u64, s: u64) {
    let out = out(o);
    out.in_progress_files = 1;
    out.in_progress_bytes = bytes;
    out.newest_in_progress_at = Some(ago(s));
    out.oldest_in_progress_at = Some(ago(s));
}

fn judge(obs: &[Observation]) -> Diagnosis {
    judge_with(obs, &Thresholds::default())
}

fn judge_with(obs: &[Observation], t: &Thresholds) -> Diagnosis {
    diagnose(
        obs,
        t,
        &DiagnoseOptions {
            from_scn: None,
            rolling_interval: Duration::from_secs(60),
            ..Default::default()
        },
    )
}

fn assert_not_critical(d: &Diagnosis) {
    assert_ne!(d.severity, Severity::Critical, "a false CRITICAL: {d:#?}");
}

fn assert_proven_critical(d: &Diagnosis, cause: Cause) {
    assert_eq!((d.cause, d.severity), (cause, Severity::Critical), "{d:#?}");
    assert!(
        d.evidence.iter().any(|e| e.strength == Strength::Proof),
        "a CRITICAL without proof: {d:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// What looked like a fault and was not (issue 11, items 1-4)
// ---------------------------------------------------------------------------------------------

#[test]
fn a_busy_job_that_started_89_seconds_ago_with_its_reader_in_a_socket_read_is_not_dead() {
    let obs = series(5, |i, _, o| {
        no_database(o);
        started(o, 89);
        nothing_committed(o);
        thread_blocked(o);
        source_records(o, 40 * i as u64);
        in_progress(o, 1000 * (i as u64 + 1), (4 - i as u64) * STEP);
    });
    let d = judge(&obs);
    assert_not_critical(&d);
    assert_eq!(d.cause, Cause::Healthy, "{d:#?}");
}

#[test]
fn without_growing_files_a_just_started_job_is_still_too_early_to_convict() {
    let obs = series(5, |_, _, o| {
        no_database(o);
        started(o, 89);
        nothing_committed(o);
        thread_blocked(o);
    });
    let d = judge(&obs);
    assert_eq!(
        (d.cause, d.severity),
        (Cause::Healthy, Severity::Ok),
        "{d:#?}"
    );
}

#[test]
fn an_idle_source_without_the_database_is_unknown_naming_both_hypotheses() {
    let obs = series(5, |_, _, o| {
        no_database(o);
        started(o, 1800);
        committed(o, 240 + 300);
        thread_blocked(o);
        source_records(o, 500);
    });
    let d = judge(&obs);
    assert_eq!(
        (d.cause, d.severity),
        (Cause::Unknown, Severity::Unknown),
        "{d:#?}"
    );
    assert!(
        d.summary.en().contains("idle source and a dead connection"),
        "{}",
        d.summary
    );
    let text = logminer_doctor::report::text(&d, logminer_doctor::lang::Lang::En);
    assert!(text.contains("hypothesis idle_source"), "{text}");
    assert!(text.contains("hypothesis dead_connection"), "{text}");
    assert!(text.contains("Instant Client"), "{text}");
    // The thread dump is listed, as a hint.
    let dump = d
        .evidence
        .iter()
        .find(|e| e.fact.en().contains("thread dumps"))
        .expect("the thread dump is listed");
    assert_eq!(dump.strength, Strength::Hint);
    assert!(
        text.contains("(hint only) TaskManager thread dumps"),
        "{text}"
    );
}

#[test]
fn flow_that_resumed_within_a_rolling_interval_is_not_a_sink_stall() {
    // Idle for minutes, then 23 records read in the last sample; the 60 s roll has not come.
    let obs = series(6, |i, _, o| {
        no_database(o);
        started(o, 1800);
        committed(o, 600);
        source_records(o, if i == 5 { 523 } else { 500 });
    });
    let d = judge(&obs);
    assert_not_critical(&d);
    assert_eq!(d.cause, Cause::Healthy, "{d:#?}");
    assert!(
        d.evidence
            .iter()
            .any(|e| e.fact.en().contains("source records 500 -> 523")),
        "{d:#?}"
    );
}

#[test]
fn records_growing_an_in_progress_file_are_flow_even_while_the_counter_lags() {
    // Flink answers the previous metric fetch: the counter is flat while the file grows.
    let obs = series(6, |i, _, o| {
        no_database(o);
        started(o, 1800);
        committed(o, 600);
        source_records(o, 500);
        if i >= 4 {
            in_progress(o, 300 * (i as u64 - 3), (5 - i as u64) * STEP);
        }
    });
    let d = judge(&obs);
    assert_eq!(d.cause, Cause::Healthy, "{d:#?}");
}

#[test]
fn records_read_longer_than_the_stall_window_ago_and_never_written_are_a_sink_stall() {
    // The source read 40 records 7 minutes ago; nothing was committed or written since.
    let t = Thresholds::default();
    let n = 30;
    let obs = series(n, |i, _, o| {
        started(o, 3600);
        committed(o, 900);
        source_records(o, if i < 2 { 500 } else { 540 });
    });
    let d = judge_with(&obs, &t);
    assert_proven_critical(&d, Cause::SinkStalled);
    assert!(
        d.summary.en().contains("none reached the output"),
        "{}",
        d.summary
    );
}

#[test]
fn a_failover_in_progress_is_a_warning_that_names_it() {
    let obs = series(4, |i, _, o| {
        committed(o, 400);
        if i >= 2 {
            if let Signal::Observed { value: f } = &mut o.flink {
                f.jobmanagers[0].status = JobManagerStatus::Unreachable {
                    error: "error sending request: connection refused".into(),
                };
                f.jobmanagers[1].status = JobManagerStatus::LeaderElection;
                f.jobs.clear();
                f.job = None;
            }
            if let Signal::Observed { value: z } = &mut o.zookeeper {
                z.leader_rest_url = None;
            }
        }
    });
    let d = judge(&obs);
    assert_eq!(
        (d.cause, d.severity),
        (Cause::LeaderProblem, Severity::Warning),
        "{d:#?}"
    );
    assert!(
        d.summary.en().contains("failover in progress"),
        "{}",
        d.summary
    );
}

#[test]
fn a_job_restored_after_a_failover_counts_from_zero_and_is_not_dead() {
    // Before the failover the job had read 5,000 records; the restored attempt (started 1 s
    // before the last sample) reports 12, and its reader waits in a socket read.
    let obs = series(6, |i, _, o| {
        no_database(o);
        committed(o, 400);
        if i < 5 {
            started(o, 3600);
            source_records(o, 5000);
        } else {
            started(o, 1);
            source_records(o, 12);
            thread_blocked(o);
            in_progress(o, 800, 0);
        }
    });
    let d = judge(&obs);
    assert_not_critical(&d);
    assert_eq!(d.cause, Cause::Healthy, "{d:#?}");
}

// ---------------------------------------------------------------------------------------------
// Strong proof decides early
// ---------------------------------------------------------------------------------------------

fn tables_change(o: &mut Observation, i: usize) {
    if let Signal::Observed { value } = &mut oracle(o).table_activity {
        value.db_block_changes = 1_000_000 + 900 * i as u64;
    }
}

#[test]
fn a_session_gone_twice_while_changes_wait_pages_before_the_output_ages() {
    let obs = series(5, |i, _, o| {
        started(o, 3600);
        committed(o, 20);
        tables_change(o, i);
        if i >= 3 {
            oracle(o).sessions = Signal::observed(vec![]);
        }
    });
    let d = judge(&obs);
    assert_proven_critical(&d, Cause::DeadConnection);
    assert!(
        d.summary.en().contains("while changes wait"),
        "{}",
        d.summary
    );
}

#[test]
fn a_session_missing_once_is_a_reconnect_not_a_dead_connection() {
    let obs = series(5, |i, _, o| {
        started(o, 3600);
        committed(o, 20);
        tables_change(o, i);
        if i == 4 {
            oracle(o).sessions = Signal::observed(vec![]);
        }
    });
    let d = judge(&obs);
    assert_eq!(d.cause, Cause::Healthy, "{d:#?}");
}

#[test]
fn a_session_gone_on_quiet_tables_waits_for_the_stall_window() {
    let obs = series(5, |i, _, o| {
        started(o, 3600);
        committed(o, 20);
        if i >= 3 {
            oracle(o).sessions = Signal::observed(vec![]);
        }
    });
    let d = judge(&obs);
    assert_eq!(d.cause, Cause::Healthy, "{d:#?}");
}

fn silent_session(o: &mut Observation, idle_s: u64) {
    if let Signal::Observed { value } = &mut oracle(o).sessions {
        let s = &mut value[0];
        s.status = "INACTIVE".into();
        s.last_call_et_s = idle_s;
        s.event = "SQL*Net message from client".into();
    }
}

#[test]
fn a_half_open_session_while_changes_wait_pages_after_the_call_gap() {
    // The session stopped calling 75 s ago (mining_call_gap 60 s); the heartbeat froze then.
    let obs = series(8, |i, back, o| {
        started(o, 3600);
        committed(o, 45);
        tables_change(o, i);
        let idle = 75u64.saturating_sub(back);
        silent_session(o, idle.max(1));
        oracle(o).flush_table_scn = Signal::observed(if back > 75 {
            48_040_000 - back
        } else {
            48_040_000 - 76
        });
    });
    let d = judge(&obs);
    assert_proven_critical(&d, Cause::DeadConnection);
}

#[test]
fn a_quiet_session_whose_heartbeat_rises_is_not_half_open() {
    let obs = series(8, |i, back, o| {
        started(o, 3600);
        committed(o, 45);
        tables_change(o, i);
        silent_session(o, 75);
        oracle(o).flush_table_scn = Signal::observed(48_040_000 - back);
    });
    let d = judge(&obs);
    assert_eq!(d.cause, Cause::Healthy, "{d:#?}");
}

// ---------------------------------------------------------------------------------------------
// Copies of the job
// ---------------------------------------------------------------------------------------------

#[test]
fn a_stopped_job_is_dated_by_its_end_time() {
    let obs = series(3, |_, _, o| {
        started(o, 3600);
        committed(o, 900);
        job(o).state = "CANCELED".into();
        job(o).end_time = Some(ago(600));
        if let Signal::Observed { value } = &mut o.flink {
            for j in &mut value.jobs {
                j.state = "CANCELED".into();
                j.end_time = Some(ago(600));
            }
        }
    });
    let d = judge(&obs);
    assert_proven_critical(&d, Cause::JobNotRunning);
    let fact = d.evidence[0].fact.en();
    assert!(
        fact.contains(&format!("CANCELED since {}", ago(600))),
        "{fact}"
    );
}

#[test]
fn a_source_gone_quiet_after_a_busy_spell_in_the_same_window_is_idle() {
    // The window of history (7 min) still holds the busy spell; the changes in it were all
    // committed (the newest file is from its end), and nothing changed since.
    let obs = series(30, |i, back, o| {
        started(o, 3600);
        committed(o, 360);
        if let Signal::Observed { value } = &mut oracle(o).table_activity {
            value.db_block_changes = 1_000_000 + 900 * (i.min(5) as u64);
        }
        oracle(o).flush_table_scn = Signal::observed(48_040_000 - back);
    });
    let d = judge(&obs);
    assert_eq!(
        (d.cause, d.severity),
        (Cause::IdleSource, Severity::Ok),
        "{d:#?}"
    );
}

#[test]
fn a_file_dated_in_the_future_is_clock_skew_not_fresh_output() {
    // The file server's clock runs ahead: the newest file is dated a minute after this host's
    // now, and nothing was committed over the samples. Its age would read "0 s" forever.
    let obs = series(5, |_, _, o| {
        no_database(o);
        started(o, 3600);
        let out = out(o);
        out.newest_committed = Some(CommittedFile {
            path: "2026-11-18--11/part-0-9.csv".into(),
            modified_at: end().plus(Duration::from_secs(60)),
            bytes: 4096,
        });
    });
    let d = judge(&obs);
    assert_ne!(d.cause, Cause::Healthy, "{d:#?}");
    assert!(
        d.warnings.iter().any(|w| w.en().starts_with("clock skew")),
        "{:#?}",
        d.warnings
    );
    // While files keep being committed, the skew does not hide the flow.
    let flowing = series(5, |i, _, o| {
        no_database(o);
        started(o, 3600);
        let out = out(o);
        out.committed_files = 10 + i as u64;
        out.newest_committed = Some(CommittedFile {
            path: format!("2026-11-18--11/part-0-{i}.csv"),
            modified_at: end().plus(Duration::from_secs(600)),
            bytes: 4096,
        });
    });
    assert_eq!(judge(&flowing).cause, Cause::Healthy);
}

// See: #14
#[test]
fn a_new_newest_file_is_growth_even_when_the_newest_buckets_count_fewer_files() {
    // The counts cover the newest buckets only: when the hour turns, a full bucket leaves them
    // and the count falls while files keep being committed. With the file server's clock ahead
    // (ages unusable), only change between samples shows the flow.
    let flowing = series(5, |i, _, o| {
        no_database(o);
        started(o, 3600);
        let out = out(o);
        out.committed_files = if i < 2 {
            1500 + i as u64
        } else {
            600 + i as u64
        };
        out.committed_bytes = 1000 * out.committed_files;
        out.newest_committed = Some(CommittedFile {
            path: format!(
                "2026-11-18--{:02}/part-0-{i}.csv",
                if i < 2 { 11 } else { 12 }
            ),
            modified_at: end().plus(Duration::from_secs(600 + 15 * i as u64)),
            bytes: 4096,
        });
    });
    let d = judge(&flowing);
    assert_eq!(d.cause, Cause::Healthy, "{d:#?}");
}

#[test]
fn an_unreadable_output_directory_is_named_in_what_to_do() {
    // With and without the sink's counters standing in for the files.
    for counters in [false, true] {
        let obs = series(3, |_, _, o| {
            no_database(o);
            o.output = Signal::missing("/data/cdc/orders: No such file or directory (os error 2)");
            if let Signal::Observed { value } = &mut o.flink {
                if let Some(j) = value.job.as_mut().filter(|_| !counters) {
                    j.sink = Signal::missing("no sink counter in this test");
                }
            }
        });
        unreadable_output_named(&judge(&obs));
    }
}

fn unreadable_output_named(d: &Diagnosis) {
    let text = logminer_doctor::report::text(d, logminer_doctor::lang::Lang::En);
    assert!(
        d.missing_signals.iter().any(|m| m.signal == "output"),
        "{text}"
    );
    assert!(
        d.remediation
            .iter()
            .any(|r| r.en().contains("/data/cdc/orders")),
        "{text}"
    );
}
