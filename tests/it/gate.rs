//! The pre-restart gate (pure) on saved observations: every check PASS, FAIL or UNKNOWN for the
//! right reason, the exit code it gives, and what a restart would resume from. Also the
//! auto-remediation policy and the restart plan's text.

use std::path::{Path, PathBuf};

use logminer_doctor::config::Config;
use logminer_doctor::diagnose::Bundle;
use logminer_doctor::diagnose::{diagnose, Cause, DiagnoseOptions};
use logminer_doctor::observation::{Observation, Signal};
use logminer_doctor::remediation::auto::{decide, AutoDecision};
use logminer_doctor::remediation::gate::{
    evaluate, GateInput, GateReport, LockState, Resume, Status,
};
use logminer_doctor::remediation::restart::{plan, Bounds};

/// A config whose resubmit jar exists (in `dir`), with `extra` lines in [pipeline.remediation].
pub fn config(dir: &Path, extra: &str) -> Config {
    let jar = dir.join("orders-cdc.jar");
    std::fs::write(&jar, b"PK").unwrap();
    let text = format!(
        r#"
[[pipeline]]
name = "orders"
[pipeline.oracle]
connect_string = "db:1521/ORCLPDB1"
user = "LMD_MONITOR"
password_env = "LMD_PASSWORD"
connector_user = "CDC"
captured_tables = ["SHOP.ORDERS"]
[pipeline.flink]
jobmanagers = ["http://127.0.0.1:9"]
job_name = "orders-cdc"
[pipeline.output]
dir = {out:?}
format = "csv"
csv_scn_column = 0
[pipeline.remediation]
{extra}
[pipeline.remediation.resubmit]
jar = {jar:?}
entry_class = "lmd.standin.CdcStandIn"
parallelism = 1
job_id = "a3f5c0d2e4b6478890abcdef12345678"
"#,
        out = dir.join("out").display().to_string(),
        jar = jar.display().to_string(),
    );
    Config::from_toml(
        &text,
        &dir.join("doctor.toml"),
        &crate::support::sim_oracle::PasswordEnv("Gate-Test-Secret-3"),
    )
    .unwrap_or_else(|e| panic!("{}", e.report()))
}

fn observations(name: &str) -> Vec<Observation> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/observations")
        .join(format!("{name}.json"));
    let b: Bundle = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    b.pipelines.into_iter().next().unwrap().observations
}

fn bundle(name: &str) -> (Vec<Observation>, logminer_doctor::diagnose::Thresholds) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/observations")
        .join(format!("{name}.json"));
    let b: Bundle = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let p = b.pipelines.into_iter().next().unwrap();
    (p.observations, p.thresholds)
}

fn last(name: &str) -> Observation {
    observations(name).pop().unwrap()
}

fn free() -> LockState {
    LockState::Free {
        checked: "state database".into(),
    }
}

fn gate_with(cfg: &Config, o: &Observation, f: impl FnOnce(&mut GateInput<'_>)) -> GateReport {
    let mut input = GateInput {
        pipeline: &cfg.pipelines[0],
        observation: o,
        from_scn: None,
        restarts_in_window: Ok(0),
        lock: free(),
        given_state: None,
        savepoints: &[],
    };
    f(&mut input);
    evaluate(&input)
}

fn status(r: &GateReport, key: &str) -> Status {
    r.check(key)
        .unwrap_or_else(|| panic!("no check {key}"))
        .status
}

/// Every check but `except` passes.
fn only(r: &GateReport, except: &[&str]) {
    for c in &r.checks {
        if !except.contains(&c.key) {
            assert_eq!(c.status, Status::Pass, "{}: {}", c.key, c.fact);
        }
    }
}

#[test]
fn a_dead_connection_on_a_healthy_cluster_passes_every_check() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let o = last("real_feed_closed_dead_connection");
    let r = gate_with(&cfg, &o, |_| {});
    only(&r, &[]);
    assert!(r.passed());
    assert_eq!(r.exit().code(), 0);
    assert_eq!(r.checks.len(), 9);
    assert!(
        matches!(
            r.resume,
            Some(Resume::StopWithSavepoint { fallback: true, .. })
        ),
        "{:?}",
        r.resume
    );
    let redo = r.check("redo").unwrap();
    assert!(
        redo.fact
            .en()
            .starts_with(&format!("restart SCN {}", r.restart_scn.unwrap())),
        "{}",
        redo.fact
    );
    assert!(
        r.check("leader")
            .unwrap()
            .fact
            .en()
            .contains("ZooKeeper names"),
        "{:?}",
        r.check("leader")
    );
}

#[test]
fn each_blocking_condition_fails_its_own_check_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let cases: [(&str, &str); 5] = [
        ("failover_in_progress", "leader"),
        ("jobmanagers_disagree", "leader"),
        ("real_duplicate", "job"),
        ("missing_redo", "redo"),
        ("oracle_unreachable", "oracle"),
    ];
    for (fixture, key) in cases {
        let o = last(fixture);
        let r = gate_with(&cfg, &o, |_| {});
        assert_eq!(
            status(&r, key),
            Status::Fail,
            "{fixture}: {:?}",
            r.check(key)
        );
        assert_eq!(r.exit().code(), 2, "{fixture}");
        assert!(!r.passed());
        assert!(
            r.blockers().iter().any(|b| b.starts_with("FAIL")),
            "{fixture}"
        );
    }
}

#[test]
fn archive_log_mode_and_supplemental_logging_are_required() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    for (log_mode, supplemental) in [("NOARCHIVELOG", true), ("ARCHIVELOG", false)] {
        let mut o = last("real_feed_closed_dead_connection");
        if let Signal::Observed { value } = &mut o.oracle {
            if let Signal::Observed { value: db } = &mut value.database {
                db.log_mode = log_mode.into();
                db.supplemental_logging_min = supplemental;
            }
        }
        let r = gate_with(&cfg, &o, |_| {});
        assert_eq!(
            status(&r, "prerequisites"),
            Status::Fail,
            "{log_mode} {supplemental}"
        );
        assert!(r
            .check("prerequisites")
            .unwrap()
            .fact
            .en()
            .contains(log_mode));
        only(&r, &["prerequisites"]);
    }
}

#[test]
fn the_restart_scn_is_the_lowest_known_never_the_flush_scn() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let o = last("real_feed_closed_dead_connection");
    let output_scn = o.output.value().unwrap().last_scn.value().unwrap().unwrap();
    let flush = *o.oracle.value().unwrap().flush_table_scn.value().unwrap();
    assert!(
        flush > output_scn,
        "the fixture's heartbeat is ahead of the output"
    );
    assert_eq!(gate_with(&cfg, &o, |_| {}).restart_scn, Some(output_scn));
    // --from-scn lower than the output wins, and is then checked against redo.
    let r = gate_with(&cfg, &o, |i| i.from_scn = Some(output_scn - 10));
    assert_eq!(r.restart_scn, Some(output_scn - 10));
    // Redo that starts above it fails the check.
    let mut o2 = o.clone();
    if let Signal::Observed { value } = &mut o2.oracle {
        if let Signal::Observed { value: redo } = &mut value.redo {
            redo.threads[0].oldest_scn = output_scn - 5;
        }
    }
    let r = gate_with(&cfg, &o2, |i| i.from_scn = Some(output_scn - 10));
    assert_eq!(status(&r, "redo"), Status::Fail);
    assert!(r
        .check("redo")
        .unwrap()
        .fact
        .en()
        .contains(&format!("SCN given with --from-scn {}", output_scn - 10)));
    // Without the operator's SCN the output's is covered.
    assert_eq!(status(&gate_with(&cfg, &o2, |_| {}), "redo"), Status::Pass);
}

#[test]
fn what_cannot_be_decided_is_unknown_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let mut o = last("real_feed_closed_dead_connection");
    // No SCN in the output and no open transaction: no restart SCN.
    if let Signal::Observed { value } = &mut o.output {
        value.last_scn = Signal::observed(None);
    }
    let r = gate_with(&cfg, &o, |_| {});
    assert_eq!(status(&r, "redo"), Status::Unknown);
    assert!(r.check("redo").unwrap().fact.en().contains("--from-scn"));
    assert_eq!(r.exit().code(), 3);
    // --from-scn decides it.
    assert_eq!(
        status(&gate_with(&cfg, &o, |i| i.from_scn = Some(5)), "redo"),
        Status::Pass
    );
    // The budget cannot be counted, the lock cannot be checked: UNKNOWN, never PASS.
    let o = last("real_feed_closed_dead_connection");
    let r = gate_with(&cfg, &o, |i| {
        i.restarts_in_window = Err("database is locked".into());
        i.lock = LockState::Unchecked {
            why: "ZooKeeper unreachable".into(),
        };
    });
    assert_eq!(status(&r, "budget"), Status::Unknown);
    assert_eq!(status(&r, "lock"), Status::Unknown);
    assert_eq!(r.exit().code(), 3);
    // A FAIL outranks an UNKNOWN.
    let r = gate_with(&cfg, &o, |i| {
        i.restarts_in_window = Err("database is locked".into());
        i.lock = LockState::Held {
            by: "ZooKeeper /logminer-doctor/locks/x/orders-cdc".into(),
            holder: "host-b pid 42".into(),
        };
    });
    assert_eq!(status(&r, "lock"), Status::Fail);
    assert!(r.check("lock").unwrap().fact.en().contains("host-b pid 42"));
    assert_eq!(r.exit().code(), 2);
    // Flink not observed.
    let mut o = last("real_feed_closed_dead_connection");
    o.flink = Signal::missing("connection refused");
    let r = gate_with(&cfg, &o, |_| {});
    for key in ["leader", "job", "state"] {
        assert_eq!(status(&r, key), Status::Unknown, "{key}");
    }
}

#[test]
fn the_budget_counts_restarts_in_its_window() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "budget_restarts = 3\nbudget_window = \"1h\"");
    let o = last("real_feed_closed_dead_connection");
    assert_eq!(
        status(
            &gate_with(&cfg, &o, |i| i.restarts_in_window = Ok(2)),
            "budget"
        ),
        Status::Pass
    );
    let r = gate_with(&cfg, &o, |i| i.restarts_in_window = Ok(3));
    assert_eq!(status(&r, "budget"), Status::Fail);
    assert!(r
        .check("budget")
        .unwrap()
        .fact
        .en()
        .contains("3 of 3 restarts used in the last 1h"));
}

#[test]
fn an_ended_job_resumes_from_its_retained_checkpoint_only_when_retained() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    // FAILED: externalized checkpoints survive a failure whatever the retention.
    let o = last("real_failed");
    let r = gate_with(&cfg, &o, |_| {});
    assert_eq!(status(&r, "state"), Status::Pass, "{:?}", r.check("state"));
    assert!(
        matches!(&r.resume, Some(Resume::Retained { state, path, .. }) if state == "FAILED" && path.contains("chk-")),
        "{:?}",
        r.resume
    );
    // CANCELED without retention on cancel: nothing to resume from.
    let mut o = last("real_failed");
    if let Signal::Observed { value } = &mut o.flink {
        let j = value.job.as_mut().unwrap();
        j.state = "CANCELED".into();
        if let Signal::Observed { value: cp } = &mut j.checkpoints {
            cp.retained_on_cancel = false;
        }
        for s in &mut value.jobs {
            s.state = "CANCELED".into();
        }
    }
    let r = gate_with(&cfg, &o, |_| {});
    assert_eq!(status(&r, "state"), Status::Fail, "{:?}", r.check("state"));
    assert!(r.resume.is_none());
    // ... unless the operator names a path.
    let r = gate_with(&cfg, &o, |i| {
        i.given_state = Some("file:///sp/savepoint-1".into())
    });
    assert_eq!(status(&r, "state"), Status::Pass);
    assert_eq!(
        r.resume,
        Some(Resume::Given {
            path: "file:///sp/savepoint-1".into()
        })
    );
    // A running job whose checkpoints are deleted on cancel: stop with a savepoint, no fallback.
    let mut o = last("real_feed_closed_dead_connection");
    if let Signal::Observed { value } = &mut o.flink {
        if let Signal::Observed { value: cp } = &mut value.job.as_mut().unwrap().checkpoints {
            cp.retained_on_cancel = false;
        }
    }
    let r = gate_with(&cfg, &o, |_| {});
    assert!(matches!(
        r.resume,
        Some(Resume::StopWithSavepoint {
            fallback: false,
            ..
        })
    ));
    assert!(r.check("state").unwrap().fact.en().contains("no fallback"));
    // RESTARTING: no savepoint can be taken now.
    let mut o = last("real_feed_closed_dead_connection");
    if let Signal::Observed { value } = &mut o.flink {
        value.job.as_mut().unwrap().state = "RESTARTING".into();
    }
    assert_eq!(status(&gate_with(&cfg, &o, |_| {}), "state"), Status::Fail);
}

#[test]
fn without_a_way_to_resubmit_the_gate_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let o = last("real_feed_closed_dead_connection");
    let cfg = config(dir.path(), "mode = \"advise_only\"");
    let r = gate_with(&cfg, &o, |_| {});
    assert_eq!(status(&r, "resubmit"), Status::Fail);
    assert!(r
        .check("resubmit")
        .unwrap()
        .fact
        .en()
        .contains("advise_only"));
    let cfg = config(dir.path(), "");
    std::fs::remove_file(dir.path().join("orders-cdc.jar")).unwrap();
    let r = gate_with(&cfg, &o, |_| {});
    assert_eq!(status(&r, "resubmit"), Status::Fail);
    assert!(r
        .check("resubmit")
        .unwrap()
        .fact
        .en()
        .contains("does not exist"));
}

#[test]
fn the_plan_names_every_step_with_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        "stop_timeout = \"45s\"\nkill_procedure = \"system.lmd_kill_connector_session\"",
    );
    let p = &cfg.pipelines[0];
    assert_eq!(
        p.remediation.kill_procedure.as_deref(),
        Some("SYSTEM.LMD_KILL_CONNECTOR_SESSION")
    );
    let o = last("real_feed_closed_dead_connection");
    let r = gate_with(&cfg, &o, |_| {});
    let lines = plan(p, &r, &Bounds::of(p));
    let text = lines.iter().map(|l| l.en()).collect::<Vec<_>>().join("\n");
    for needle in [
        "without drain (at most 45s)",
        "cancel job",
        "fixed job id a3f5c0d2e4b6478890abcdef12345678",
        "RUNNING",
        &format!("committed output past SCN {}", r.restart_scn.unwrap()),
        "SYSTEM.LMD_KILL_CONNECTOR_SESSION",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
}

#[test]
fn auto_remediation_restarts_only_what_a_restart_fixes() {
    let judge = |name: &str| {
        let (obs, thresholds) = bundle(name);
        let d = diagnose(&obs, &thresholds, &DiagnoseOptions::default());
        (d.clone(), decide(&d))
    };
    for name in [
        "dead_connection",
        "logminer_stuck",
        "job_not_running",
        "real_feed_closed_dead_connection",
    ] {
        let (d, decision) = judge(name);
        assert_eq!(decision, AutoDecision::Restart, "{name}: {:?}", d.cause);
    }
    for (name, cause) in [
        ("missing_redo", Cause::MissingRedo),
        ("leader_problem", Cause::LeaderProblem),
        ("oracle_unreachable", Cause::OracleUnreachable),
        ("misconfigured", Cause::Misconfigured),
        ("resource_exhausted", Cause::ResourceExhausted),
    ] {
        let (d, decision) = judge(name);
        assert_eq!(d.cause, cause, "{name}");
        match decision {
            AutoDecision::Refuse(why) => {
                assert!(why.starts_with("not restarting"), "{name}: {why}")
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    for name in ["healthy", "idle_source"] {
        assert_eq!(judge(name).1, AutoDecision::Nothing, "{name}");
    }
}

#[test]
fn a_stalled_sink_is_restarted_only_when_its_checkpoints_keep_failing() {
    let (obs, thresholds) = bundle("sink_stalled");
    let judge = |obs: &[Observation]| diagnose(obs, &thresholds, &DiagnoseOptions::default());
    let with_checkpoints = |completed: &dyn Fn(usize) -> u64, failed: &dyn Fn(usize) -> u64| {
        let mut obs = obs.clone();
        for (i, o) in obs.iter_mut().enumerate() {
            if let Signal::Observed { value } = &mut o.flink {
                if let Some(j) = value.job.as_mut() {
                    if let Signal::Observed { value: cp } = &mut j.checkpoints {
                        cp.completed = completed(i);
                        cp.failed = failed(i);
                    }
                }
            }
        }
        obs
    };
    let base = obs[0]
        .flink
        .value()
        .and_then(|f| f.job.as_ref())
        .and_then(|j| j.checkpoints.value())
        .map(|c| (c.completed, c.failed))
        .unwrap();
    // Failing checkpoints (two more failures per sample, no completion): the decision table's
    // proof is the checkpoints, and the agent restarts on that proof.
    let failing = judge(&with_checkpoints(&|_| base.0, &|i| base.1 + 2 * i as u64));
    assert_eq!(failing.cause, Cause::SinkStalled, "{failing:?}");
    assert!(failing
        .evidence
        .iter()
        .any(|e| e.fact.en().starts_with("checkpoints:")));
    assert_eq!(decide(&failing), AutoDecision::Restart);
    // Completing checkpoints: whatever holds the records, it is not a stuck commit.
    let completing = judge(&with_checkpoints(&|i| base.0 + i as u64, &|_| base.1));
    match decide(&completing) {
        AutoDecision::Refuse(w) => assert!(
            completing.cause != Cause::SinkStalled || w.contains("checkpoints complete"),
            "{w}"
        ),
        other => assert_ne!(other, AutoDecision::Restart, "{completing:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The state among the savepoints the doctor recorded (`[pipeline.savepoints]`)
// ---------------------------------------------------------------------------------------------

mod savepoint_choice {
    use super::*;
    use logminer_doctor::observation::Timestamp;
    use logminer_doctor::store::SavepointRecord;

    fn sp(path: &str, scn: u64, at_ms: i64) -> SavepointRecord {
        SavepointRecord {
            pipeline: "orders".into(),
            path: path.into(),
            job_id: "j1".into(),
            trigger_id: Some("t".into()),
            triggered_at: Timestamp::from_unix_millis(at_ms),
            completed_at: Timestamp::from_unix_millis(at_ms + 500),
            size_bytes: Some(1000),
            restart_scn: Some(scn),
            scn_sources: vec![],
            disposed_at: None,
        }
    }

    /// An observation whose job ended CANCELED with its checkpoints deleted on cancel (not
    /// retained), and whose redo starts at `oldest`.
    fn cancelled_without_retention(oldest: u64) -> Observation {
        let mut o = last("real_feed_closed_dead_connection");
        if let Signal::Observed { value } = &mut o.flink {
            let j = value.job.as_mut().unwrap();
            j.state = "CANCELED".into();
            if let Signal::Observed { value: cp } = &mut j.checkpoints {
                cp.retained_on_cancel = false;
            }
        }
        if let Signal::Observed { value } = &mut o.oracle {
            if let Signal::Observed { value: redo } = &mut value.redo {
                for t in &mut redo.threads {
                    t.oldest_scn = oldest;
                }
            }
        }
        o
    }

    fn gate(o: &Observation, given: Option<&str>, sps: &[SavepointRecord]) -> GateReport {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(dir.path(), "");
        evaluate(&GateInput {
            pipeline: &cfg.pipelines[0],
            observation: o,
            from_scn: None,
            restarts_in_window: Ok(0),
            lock: free(),
            given_state: given.map(str::to_owned),
            savepoints: sps,
        })
    }

    #[test]
    fn without_the_jobs_own_state_the_gate_resumes_from_the_newest_restorable_savepoint() {
        // Newest first: the newest one's SCN is covered, the older two are not.
        let sps = [
            sp("file:///nowhere/sp-3", 5_000, 3_000),
            sp("file:///nowhere/sp-2", 900, 2_000),
            sp("file:///nowhere/sp-1", 800, 1_000),
        ];
        let o = cancelled_without_retention(1_000);
        let r = gate(&o, None, &sps);
        let state = r.check("state").unwrap();
        assert_eq!(state.status.as_str(), "PASS", "{}", state.fact.en());
        assert_eq!(
            r.resume,
            Some(Resume::Given {
                path: "file:///nowhere/sp-3".into()
            })
        );
        // When the newest is purged too, none serves: the job's own FAIL stands.
        let o = cancelled_without_retention(6_000);
        let r = gate(&o, None, &sps);
        assert_eq!(status(&r, "state").as_str(), "FAIL");
        assert_eq!(r.resume, None);
        // The newest restorable one is picked, not merely the newest.
        let sps = [
            sp("file:///nowhere/sp-3", 700, 3_000),
            sp("file:///nowhere/sp-2", 1_500, 2_000),
        ];
        let o = cancelled_without_retention(1_000);
        let r = gate(&o, None, &sps);
        assert_eq!(
            r.resume,
            Some(Resume::Given {
                path: "file:///nowhere/sp-2".into()
            })
        );
    }

    #[test]
    fn a_named_savepoint_whose_redo_is_purged_is_refused_and_an_unknown_one_is_not() {
        let sps = [sp("file:///nowhere/sp-1", 800, 1_000)];
        let o = cancelled_without_retention(1_000);
        let r = gate(&o, Some("file:///nowhere/sp-1/"), &sps);
        let state = r.check("state").unwrap();
        assert_eq!(state.status.as_str(), "FAIL");
        assert!(state
            .fact
            .en()
            .contains("older than the oldest available redo of thread"));
        assert_eq!(r.resume, None);
        // A path the doctor never recorded: its restart SCN is not known, the operator's call.
        let r = gate(&o, Some("file:///elsewhere/sp-9"), &sps);
        assert_eq!(status(&r, "state").as_str(), "PASS");
    }
}
