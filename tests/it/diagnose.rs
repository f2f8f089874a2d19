//! The decision table, table-driven on saved observation bundles (tests/fixtures/observations/):
//! one row per cause and per precedence or trap case of DESIGN.md §2.
//!
//! The bundles were saved from the simulator (`LMD_WRITE_FIXTURES=1 cargo test --test it
//! diagnose` rewrites them); `fixtures_still_match_the_simulator` checks that the simulator
//! still produces the same verdicts, so a fixture never silently drifts from the model.

use std::path::PathBuf;
use std::time::Duration;

use logminer_doctor::diagnose::{diagnose, Cause, DiagnoseOptions, Severity, Thresholds};
use logminer_doctor::diagnose::{Bundle, BundlePipeline};
use logminer_doctor::observation::{Observation, Signal, Timestamp};
use logminer_doctor::simulator::{self, Connector, Scenario};

/// One row of the table: a fixture, the verdict it must produce, and text the evidence,
/// warnings or not-checked list must contain.
struct Row {
    file: &'static str,
    cause: Cause,
    severity: Severity,
    mentions: &'static [&'static str],
}

const MIN: u64 = 60;

fn rows() -> Vec<Row> {
    use Cause::*;
    use Severity::*;
    vec![
        // One per cause.
        Row {
            file: "healthy",
            cause: Healthy,
            severity: Ok,
            mentions: &["newest committed file"],
        },
        Row {
            file: "idle_source",
            cause: IdleSource,
            severity: Ok,
            mentions: &["heartbeat rising", "db block changes"],
        },
        Row {
            file: "dead_connection",
            cause: DeadConnection,
            severity: Critical,
            mentions: &["socket read", "heartbeat frozen"],
        },
        Row {
            file: "logminer_stuck",
            cause: LogminerStuck,
            severity: Critical,
            mentions: &["did not move", "long_logminer_call"],
        },
        Row {
            file: "missing_redo",
            cause: MissingRedo,
            severity: Critical,
            mentions: &["oldest available SCN"],
        },
        Row {
            file: "sink_stalled",
            cause: SinkStalled,
            severity: Critical,
            mentions: &["source records"],
        },
        Row {
            file: "job_not_running",
            cause: JobNotRunning,
            severity: Critical,
            mentions: &["FAILED", "NullPointerException"],
        },
        Row {
            file: "leader_problem",
            cause: LeaderProblem,
            severity: Critical,
            mentions: &["runs 2 times"],
        },
        Row {
            file: "oracle_unreachable",
            cause: OracleUnreachable,
            severity: Critical,
            mentions: &["ORA-12170"],
        },
        Row {
            file: "misconfigured",
            cause: Misconfigured,
            severity: Critical,
            mentions: &["ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS"],
        },
        Row {
            file: "resource_exhausted",
            cause: ResourceExhausted,
            severity: Critical,
            mentions: &["recovery_area_critical_pct"],
        },
        Row {
            file: "unknown_without_database_and_flink",
            cause: Cause::Unknown,
            severity: Severity::Unknown,
            mentions: &["not built yet"],
        },
        // Precedence and traps.
        Row {
            file: "dead_connector_on_idle_source",
            cause: DeadConnection,
            severity: Critical,
            mentions: &["no session of the connector user"],
        },
        Row {
            file: "half_open_on_idle_source_without_thread_dumps",
            cause: DeadConnection,
            severity: Critical,
            mentions: &["has not called", "mining_call_gap"],
        },
        Row {
            file: "missing_redo_while_output_flows",
            cause: MissingRedo,
            severity: Critical,
            mentions: &["oldest open transaction"],
        },
        Row {
            file: "output_flows_oracle_unreachable",
            cause: Healthy,
            severity: Warning,
            mentions: &["cannot reach Oracle"],
        },
        Row {
            file: "backpressured_source_frozen_heartbeat",
            cause: SinkStalled,
            severity: Critical,
            mentions: &["backpressured"],
        },
        Row {
            file: "crash_loop_on_ora_01291",
            cause: MissingRedo,
            severity: Critical,
            mentions: &["restarting", "ORA-01291"],
        },
        Row {
            file: "crash_loop_unnamed",
            cause: JobNotRunning,
            severity: Critical,
            mentions: &["restarts in a loop"],
        },
        Row {
            file: "long_logminer_call_progressing",
            cause: Healthy,
            severity: Warning,
            mentions: &["still progresses"],
        },
        Row {
            file: "snapshot_phase",
            cause: Healthy,
            severity: Warning,
            mentions: &["snapshot"],
        },
        Row {
            file: "failover_in_progress",
            cause: Healthy,
            severity: Warning,
            mentions: &["failover in progress"],
        },
        Row {
            file: "failover_beyond_grace",
            cause: LeaderProblem,
            severity: Critical,
            mentions: &["failover_grace"],
        },
        Row {
            file: "jobmanagers_disagree",
            cause: LeaderProblem,
            severity: Critical,
            mentions: &["disagree"],
        },
        Row {
            file: "two_mining_sessions",
            cause: Healthy,
            severity: Warning,
            mentions: &["2 mining sessions"],
        },
        Row {
            file: "falling_behind",
            cause: FallingBehind,
            severity: Critical,
            mentions: &[
                "purging overtakes",
                "never catches up",
                "log.mining.batch.size.max",
            ],
        },
        Row {
            file: "falling_behind_far_from_purge",
            cause: FallingBehind,
            severity: Warning,
            mentions: &["never catches up", "redo_headroom_warning"],
        },
        Row {
            // Between two commits every busy pipeline's lag grows: judged at commits, it does not.
            file: "busy_checkpoint_sawtooth",
            cause: Healthy,
            severity: Ok,
            mentions: &["committed output"],
        },
        Row {
            file: "idle_with_short_redo_headroom",
            cause: IdleSource,
            severity: Warning,
            mentions: &["redo headroom short"],
        },
    ]
}

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/observations")
        .join(format!("{name}.json"))
}

fn load(name: &str) -> Bundle {
    let path = fixture_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad fixture {}: {e}", path.display()))
}

fn judge(p: &BundlePipeline) -> logminer_doctor::diagnose::Diagnosis {
    diagnose(&p.observations, &p.thresholds, &p.options())
}

#[test]
fn every_fixture_gives_its_verdict() {
    let mut failures = vec![];
    for row in rows() {
        let bundle = load(row.file);
        let d = judge(&bundle.pipelines[0]);
        let all_text = serde_json::to_string(&d).unwrap();
        assert!(!d.remediation.is_empty(), "{}: no remediation", row.file);
        assert!(
            !d.evidence.is_empty() || d.cause == Cause::Unknown,
            "{}: no evidence",
            row.file
        );
        let missing: Vec<_> = row
            .mentions
            .iter()
            .filter(|m| !all_text.contains(*m))
            .collect();
        if d.cause != row.cause || d.severity != row.severity || !missing.is_empty() {
            failures.push(format!(
                "{}: expected {} {:?}, got {} {:?} ({}); missing mentions {:?}",
                row.file, row.cause, row.severity, d.cause, d.severity, d.summary, missing
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_cause_but_unknown_has_a_simulator_scenario_and_a_fixture() {
    let fixtures: Vec<Cause> = rows().iter().map(|r| r.cause).collect();
    for &cause in Cause::ALL {
        assert!(fixtures.contains(&cause), "no fixture for {cause}");
        if cause != Cause::Unknown {
            assert!(
                simulator::scenario(cause.as_str()).is_ok(),
                "no scenario for {cause}"
            );
        }
    }
}

#[test]
fn a_diagnosis_carries_evidence_remediation_and_thresholds() {
    let d = judge(&load("dead_connection").pipelines[0]);
    assert!(d.evidence.iter().any(|e| e
        .threshold
        .as_ref()
        .is_some_and(|t| t.key == "stall_window" && t.value == "5m")));
    assert!(d.remediation.iter().any(|r| r.en().contains("savepoint")));
    assert!(d
        .remediation
        .iter()
        .any(|r| r.en().contains("KILL SESSION '245,31887,@1'")));
    assert_eq!(d.pipeline, "orders");
    assert_eq!(d.observations, 3);
}

#[test]
fn one_observation_never_claims_a_stall() {
    // A dead connection seen once: the heartbeat cannot be judged, and the table says so.
    let mut b = load("half_open_on_idle_source_without_thread_dumps");
    let p = &mut b.pipelines[0];
    p.observations.truncate(1);
    let d = judge(p);
    assert!(
        d.warnings
            .iter()
            .any(|w| w.en().contains("only one observation")),
        "{d:?}"
    );
    assert!(
        d.missing_signals
            .iter()
            .any(|m| m.signal == "oracle.flush_table_scn"),
        "{d:?}"
    );
}

#[test]
fn observations_are_judged_in_time_order_whatever_order_they_come_in() {
    let b = load("sink_stalled");
    let mut p = b.pipelines[0].clone();
    let expected = judge(&p).cause;
    p.observations.reverse();
    assert_eq!(judge(&p).cause, expected);
}

#[test]
fn an_operator_scn_older_than_redo_makes_missing_redo() {
    let b = load("healthy");
    let mut p = b.pipelines[0].clone();
    assert_eq!(judge(&p).cause, Cause::Healthy);
    p.from_scn = Some(1_000);
    let d = judge(&p);
    assert_eq!(d.cause, Cause::MissingRedo, "{d:?}");
    assert!(d
        .evidence
        .iter()
        .any(|e| e.fact.en().contains("--from-scn 1000")));
}

#[test]
fn a_missing_grant_is_misconfigured_and_names_the_view() {
    let b = load("healthy");
    let mut p = b.pipelines[0].clone();
    for o in &mut p.observations {
        if let Signal::Observed { value } = &mut o.oracle {
            value.flush_table_scn = Signal::missing(
                "ORA-00942: table or view does not exist (SELECT LAST_SCN FROM CDC.LOG_MINING_FLUSH)",
            );
        }
    }
    let d = judge(&p);
    assert_eq!(d.cause, Cause::Misconfigured, "{d:?}");
    assert!(d
        .evidence
        .iter()
        .any(|e| e.fact.en().contains("oracle.flush_table_scn")));
    assert!(d.remediation.iter().any(|r| r.en().contains("grants.sql")));
}

#[test]
fn no_observation_is_unknown() {
    let d = diagnose(&[], &Thresholds::default(), &DiagnoseOptions::default());
    assert_eq!(d.cause, Cause::Unknown);
    assert_eq!(d.severity, Severity::Unknown);
}

// ---------------------------------------------------------------------------------------------
// Fixture generation from the simulator
// ---------------------------------------------------------------------------------------------

fn trap(
    name: Cause,
    story: &'static str,
    warmup: u64,
    fault: fn(&mut simulator::World),
    after: u64,
) -> Scenario {
    Scenario {
        name,
        story,
        warmup: Duration::from_secs(warmup),
        fault,
        after: Duration::from_secs(after),
        samples: 3,
        interval: Duration::from_secs(30),
    }
}

/// The scenario behind each fixture, and an optional rewrite of its observations.
fn recipe(file: &str) -> (Scenario, Option<fn(&mut Observation)>) {
    use Cause::*;
    let by_cause = |c: &str| simulator::scenario(c).expect("built-in scenario");
    match file {
        "unknown_without_database_and_flink" => (
            by_cause("dead_connection"),
            Some(|o: &mut Observation| {
                // What `diagnose` sees today without the Oracle and Flink collectors.
                o.oracle = Signal::not_collected("the Oracle collector is not built yet");
                o.flink = Signal::not_collected("the Flink collector is not built yet");
                o.zookeeper = Signal::not_collected("ZooKeeper is not configured");
            }),
        ),
        "dead_connector_on_idle_source" => (
            trap(DeadConnection, "idle tables, and the connector's session was killed by Dead Connection Detection", 10 * MIN, |w| {
                w.changes_per_s = 0.0;
                w.set_connector(Connector::Closed);
            }, 30 * MIN),
            None,
        ),
        "half_open_on_idle_source_without_thread_dumps" => (
            trap(DeadConnection, "idle tables, half-open socket, no thread dumps", 10 * MIN, |w| {
                w.changes_per_s = 0.0;
                w.thread_dumps = false;
                w.set_connector(Connector::HalfOpen);
            }, 30 * MIN),
            None,
        ),
        "missing_redo_while_output_flows" => (
            trap(MissingRedo, "output flows, but a transaction open for 5 h pins the restart SCN behind 4 h of redo", 10 * MIN, |w| {
                w.redo_retention = Duration::from_secs(4 * 3600);
                w.open_tx = Some((w.scn - 40 * 5 * 3600, w.now.minus(Duration::from_secs(5 * 3600))));
            }, 5 * MIN),
            None,
        ),
        "output_flows_oracle_unreachable" => (
            trap(Healthy, "output flows; the doctor's own route to the database is cut", 10 * MIN, |w| {
                w.oracle_error = Some("ORA-12541: TNS:no listener".into());
            }, 2 * MIN),
            None,
        ),
        "backpressured_source_frozen_heartbeat" => (
            trap(SinkStalled, "the sink cannot keep up: the source is backpressured, its mining loop and heartbeat stop", 10 * MIN, |w| {
                w.backpressured = true;
            }, 10 * MIN),
            None,
        ),
        "crash_loop_on_ora_01291" => (
            trap(MissingRedo, "the job restarts every 20 s on ORA-01291", 10 * MIN, |w| {
                w.crash_loop = Some((
                    "java.lang.RuntimeException".into(),
                    "java.lang.RuntimeException: One or more fetchers have encountered exception\nCaused by: io.debezium.DebeziumException: Failed to start Oracle LogMiner session\nCaused by: java.sql.SQLException: ORA-01291: missing logfile\nORA-06512: at \"SYS.DBMS_LOGMNR\", line 72".into(),
                ));
            }, 5 * MIN),
            None,
        ),
        "crash_loop_unnamed" => (
            trap(JobNotRunning, "the job restarts every 20 s on a bug in a user function", 10 * MIN, |w| {
                w.crash_loop = Some((
                    "java.lang.IllegalStateException".into(),
                    "java.lang.IllegalStateException: unexpected operation 'x' for table ORDERS\n\tat com.example.cdc.OrderMapper.map(OrderMapper.java:88)".into(),
                ));
            }, 5 * MIN),
            None,
        ),
        "long_logminer_call_progressing" => (
            trap(Healthy, "a huge transaction: one LogMiner call runs 12 minutes and keeps working", 10 * MIN, |w| {
                w.set_connector(Connector::SlowCall);
            }, 12 * MIN),
            None,
        ),
        "snapshot_phase" => (
            trap(Healthy, "the connector snapshots a large table: SELECTs progress, nothing is committed yet", 10 * MIN, |w| {
                w.set_connector(Connector::Snapshotting);
            }, 10 * MIN),
            None,
        ),
        "failover_in_progress" => (
            Scenario {
                samples: 3,
                interval: Duration::from_secs(10),
                ..trap(Healthy, "the leading JobManager was killed 10 s ago; the standby answers 503", 10 * MIN, |w| {
                    w.failover_since = Some(w.now);
                }, 10)
            },
            None,
        ),
        "failover_beyond_grace" => (
            Scenario {
                samples: 3,
                interval: Duration::from_secs(60),
                ..trap(LeaderProblem, "no JobManager leads for minutes", 10 * MIN, |w| {
                    w.failover_since = Some(w.now);
                }, 10)
            },
            None,
        ),
        "jobmanagers_disagree" => (
            trap(LeaderProblem, "the two REST addresses belong to two clusters with their own copy of the job", 10 * MIN, |w| {
                w.split_brain = true;
            }, 2 * MIN),
            None,
        ),
        "two_mining_sessions" => (
            trap(Healthy, "a second connector mines under the same username", 10 * MIN, |w| {
                w.second_miner = true;
            }, 2 * MIN),
            None,
        ),
        "idle_with_short_redo_headroom" => (
            trap(IdleSource, "quiet for 3.5 h while archived logs are kept 4 h", 10 * MIN, |w| {
                w.changes_per_s = 0.0;
                w.redo_retention = Duration::from_secs(4 * 3600);
            }, 210 * MIN),
            None,
        ),
        "falling_behind_far_from_purge" => (
            Scenario {
                samples: 6,
                interval: Duration::from_secs(60),
                ..trap(FallingBehind, "the connector reads half the changes; archived logs are kept 48 hours", 10 * MIN, |w| {
                    w.changes_per_s = 7.0;
                    w.mine_per_iteration = Some(7);
                }, 60 * MIN)
            },
            None,
        ),
        "busy_checkpoint_sawtooth" => (
            Scenario {
                samples: 20,
                interval: Duration::from_secs(15),
                ..trap(Healthy, "a busy pipeline committing every 60 s, probed every 15 s", 10 * MIN, |w| {
                    w.changes_per_s = 7.0;
                    w.checkpoint_interval = Duration::from_secs(60);
                }, 10 * MIN)
            },
            None,
        ),
        other => (by_cause(other), None),
    }
}

async fn generate(file: &str) -> Bundle {
    let (scenario, rewrite) = recipe(file);
    let end = Timestamp::from_unix_millis(1_795_000_000_000); // 2026-11-18, fixed for stable fixtures
    let mut observations = scenario
        .observe("orders", end)
        .await
        .expect("scenario plays");
    if let Some(f) = rewrite {
        observations.iter_mut().for_each(f);
    }
    Bundle {
        format: Bundle::FORMAT.into(),
        pipelines: vec![BundlePipeline {
            name: "orders".into(),
            thresholds: Thresholds::default(),
            rolling_interval: Duration::ZERO,
            from_scn: None,
            observations,
        }],
    }
}

#[tokio::test]
async fn fixtures_still_match_the_simulator() {
    // LMD_WRITE_FIXTURES=1 rewrites every fixture; a comma-separated list of names only those.
    let write_only = std::env::var("LMD_WRITE_FIXTURES").ok();
    let writes = |file: &str| match write_only.as_deref() {
        None => false,
        Some("1") => true,
        Some(names) => names.split(',').any(|n| n.trim() == file),
    };
    let mut drift = vec![];
    for row in rows().into_iter().filter(|r| !r.file.starts_with("real_")) {
        let fresh = generate(row.file).await;
        if writes(row.file) {
            let path = fixture_path(row.file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, serde_json::to_string_pretty(&fresh).unwrap() + "\n").unwrap();
            println!("wrote {}", path.display());
        }
        let saved = judge(&load(row.file).pipelines[0]);
        let now = judge(&fresh.pipelines[0]);
        if (saved.cause, saved.severity) != (now.cause, now.severity) {
            drift.push(format!(
                "{}: fixture says {} {:?}, the simulator now gives {} {:?}",
                row.file, saved.cause, saved.severity, now.cause, now.severity
            ));
        }
    }
    assert!(drift.is_empty(), "{}", drift.join("\n"));
}

#[test]
fn the_stall_window_is_never_shorter_than_the_checkpoint_cycle() {
    // A job checkpointing every 20 minutes commits output only that often: a 21-minute-old
    // file on the dead-connection bundle is within its window, so no stall is claimed from age.
    // (Without the captured tables' activity: with changes waiting, the dead session itself
    // would convict early, which `a_dead_session_with_changes_waiting_convicts_before_the_window`
    // shows.)
    let b = load("dead_connection");
    let mut p = b.pipelines[0].clone();
    for o in &mut p.observations {
        if let Signal::Observed { value: x } = &mut o.oracle {
            x.table_activity = Signal::missing("not measured in this test");
        }
        if let Signal::Observed { value: f } = &mut o.flink {
            if let Some(Signal::Observed { value: c }) = f.job.as_mut().map(|j| &mut j.checkpoints)
            {
                c.interval = Duration::from_secs(20 * 60);
            }
        }
    }
    p.rolling_interval = Duration::from_secs(5 * 60);
    let d = judge(&p);
    let window = d
        .evidence
        .iter()
        .find_map(|e| e.threshold.as_ref().filter(|t| t.key == "stall_window"))
        .expect("the stall window is printed");
    assert_eq!(window.value, "5m");
    assert_eq!(window.effective.as_deref(), Some("25m"));
    assert_eq!(
        window.render(logminer_doctor::lang::Lang::En),
        "stall_window = 5m (effective 25m: checkpoint interval plus rolling interval)"
    );
    assert_eq!(d.cause, Cause::Healthy, "{d:?}");
}

#[tokio::test]
async fn every_scenario_gives_its_cause_whatever_the_hour() {
    // FileSink buckets are hourly: a bucket that changes during a scenario must not commit
    // anything early (a sink stall would then look like flowing output).
    let hour = 3_600_000;
    let base = 1_795_000_000_000 / hour * hour;
    for offset_min in [2, 9, 31, 58] {
        let end = Timestamp::from_unix_millis(base + offset_min * 60_000);
        for s in simulator::scenarios() {
            let obs = s.observe("orders", end).await.expect("scenario plays");
            let d = diagnose(&obs, &Thresholds::default(), &DiagnoseOptions::default());
            assert_eq!(d.cause, s.name, "{} ending at {end}: {}", s.name, d.summary);
        }
    }
}

/// The windows `watch` judged at the end of each phase of the realism suite on the real cluster
/// (`LMD_WRITE_FIXTURES=1 cargo test --test it realism`), as decision-table rows: no CRITICAL
/// where nothing is broken, and each fault's cause where one is.
#[test]
fn realism_phases_saved_from_the_real_cluster_keep_their_verdicts() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/observations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("realism_"))
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "the realism suite's phases are saved as fixtures ({} found)",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let b: Bundle = serde_json::from_str(&text).unwrap();
        let d = judge(&b.pipelines[0]);
        let with_database = name.starts_with("realism_poller_");
        let phase = name
            .trim_start_matches("realism_poller_")
            .trim_start_matches("realism_reader_");
        let expected: Option<Cause> = match phase {
            "socket_closed" | "half_open" if with_database => Some(Cause::DeadConnection),
            "socket_closed" | "half_open" => Some(Cause::Unknown),
            "duplicate" => Some(Cause::LeaderProblem),
            "original_cancelled" => Some(Cause::JobNotRunning),
            "idle" if with_database => Some(Cause::IdleSource),
            // An operator's stop and resubmit in progress: not scored.
            "recover_closed" | "recover_half_open" | "copy_cancelled" => continue,
            _ => None,
        };
        match expected {
            Some(c) if d.cause != c => failures.push(format!(
                "{name}: expected {c}, got {} {} ({})",
                d.cause, d.severity, d.summary
            )),
            None if d.severity == Severity::Critical => failures.push(format!(
                "{name}: a false CRITICAL {} ({})",
                d.cause, d.summary
            )),
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Corrupted bundles (any number in them replaced by an extreme one): reading them fails or
/// the replay's checks refuse them or the decision table decides, never a panic.
mod corrupted_bundles {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    const EXTREMES: &[i128] = &[
        0,
        -1,
        1,
        i64::MAX as i128,
        u64::MAX as i128,
        i64::MIN as i128,
    ];

    fn count(v: &Value) -> usize {
        match v {
            Value::Number(_) => 1,
            Value::Array(a) => a.iter().map(count).sum(),
            Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }

    proptest! {
        #![proptest_config(crate::support::property_cases())]

        #[test]
        fn an_extreme_number_anywhere_never_panics(
            file in proptest::sample::select(vec!["dead_connection", "healthy", "missing_redo", "sink_stalled", "realism_poller_half_open"]),
            picks in proptest::collection::vec((any::<prop::sample::Index>(), proptest::sample::select(EXTREMES)), 1..4),
        ) {
            let text = std::fs::read_to_string(fixture_path(file)).unwrap();
            let mut v: Value = serde_json::from_str(&text).unwrap();
            let slots = count(&v);
            let targets: Vec<(usize, i128)> =
                picks.iter().map(|(i, x)| (i.index(slots), *x)).collect();
            let mut n = 0usize;
            replace(&mut v, &targets, &mut n);
            let Ok(b) = serde_json::from_value::<Bundle>(v) else { return Ok(()) };
            for p in &b.pipelines {
                if logminer_doctor::config::threshold_problems(&p.thresholds, "t").is_empty()
                    && p.rolling_interval <= logminer_doctor::config::MAX_DURATION
                {
                    let _ = judge(p);
                }
            }
        }
    }

    fn replace(v: &mut Value, targets: &[(usize, i128)], n: &mut usize) {
        match v {
            Value::Number(_) => {
                if let Some((_, x)) = targets.iter().find(|(i, _)| i == n) {
                    *v = if *x < 0 {
                        Value::from(*x as i64)
                    } else {
                        Value::from(*x as u64)
                    };
                }
                *n += 1;
            }
            Value::Array(a) => a.iter_mut().for_each(|x| replace(x, targets, n)),
            Value::Object(o) => o.values_mut().for_each(|x| replace(x, targets, n)),
            _ => {}
        }
    }
}
