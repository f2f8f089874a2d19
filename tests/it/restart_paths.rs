//! The restart's failure paths, which a healthy real cluster does not produce on demand: a
//! scripted `FlinkControl` (Flink's own error shapes, as `FlinkError`) stops, cancels and
//! submits as each test says; the executor must stop at the failing step, report the job's
//! state and what to do, never loop and never submit twice.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use logminer_doctor::collectors::control::{
    FlinkControl, JarRun, OracleControl, RestorePoint, SavepointStatus,
};
use logminer_doctor::collectors::flink::FlinkError;
use logminer_doctor::collectors::{Probe, ProbeResult};
use logminer_doctor::config::PipelineConfig;
use logminer_doctor::diagnose::Bundle;
use logminer_doctor::observation::{Observation, Signal, Timestamp};
use logminer_doctor::remediation::gate::{evaluate, GateInput, LockState};
use logminer_doctor::remediation::restart::{
    Bounds, LogProgress, Outcome, Restart, RestartReport, Step,
};

const FIXED: &str = "a3f5c0d2e4b6478890abcdef12345678";

#[derive(Clone, Copy, PartialEq)]
enum Stop {
    Completes,
    Fails,
    Hangs,
}

#[derive(Clone, PartialEq)]
enum Submit {
    Accepted,
    Rejected,
    /// The request got no answer, but the job was submitted.
    AnswerLost,
    /// Refused `n` times because the ended job's result still holds the id.
    StillRecorded(usize),
}

/// A cluster that does what the test scripts.
struct Scripted {
    stop: Stop,
    submit: Mutex<Submit>,
    /// The state the submitted job reaches.
    new_job_state: &'static str,
    states: Mutex<HashMap<String, String>>,
    calls: Mutex<Vec<String>>,
}

impl Scripted {
    fn new(old_job: &str, stop: Stop, submit: Submit, new_job_state: &'static str) -> Scripted {
        Scripted {
            stop,
            submit: Mutex::new(submit),
            new_job_state,
            states: Mutex::new(HashMap::from([(
                old_job.to_string(),
                "RUNNING".to_string(),
            )])),
            calls: Mutex::new(vec![]),
        }
    }
    fn call(&self, c: impl Into<String>) {
        self.calls.lock().unwrap().push(c.into());
    }
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
    fn count(&self, prefix: &str) -> usize {
        self.calls()
            .iter()
            .filter(|c| c.starts_with(prefix))
            .count()
    }
    fn set(&self, id: &str, state: &str) {
        self.states.lock().unwrap().insert(id.into(), state.into());
    }
}

fn status(status: u16, message: &str) -> FlinkError {
    FlinkError::Status {
        op: "POST /jars/x/run".into(),
        jobmanager: "http://jm1:8081".into(),
        status,
        message: message.into(),
    }
}

impl FlinkControl for Scripted {
    type Error = FlinkError;
    async fn trigger_savepoint(
        &self,
        _: &str,
        _: Option<&str>,
        _: &str,
    ) -> Result<String, FlinkError> {
        unreachable!("a restart stops with a savepoint, it never only triggers one")
    }
    async fn stop_with_savepoint(
        &self,
        job: &str,
        _: Option<&str>,
        trigger: &str,
    ) -> Result<String, FlinkError> {
        self.call(format!("stop {job}"));
        if self.stop == Stop::Completes {
            self.set(job, "FINISHED");
        }
        Ok(trigger.to_string())
    }
    async fn savepoint_status(&self, _: &str, _: &str) -> Result<SavepointStatus, FlinkError> {
        self.call("savepoint_status");
        Ok(match self.stop {
            Stop::Completes => SavepointStatus::Completed {
                location: "file:/sp/savepoint-1".into(),
            },
            Stop::Fails => SavepointStatus::Failed {
                cause: "java.util.concurrent.TimeoutException: checkpoint expired".into(),
            },
            Stop::Hangs => SavepointStatus::InProgress,
        })
    }
    async fn listed_savepoints(
        &self,
        _: &str,
    ) -> Result<Vec<logminer_doctor::collectors::control::ListedSavepoint>, FlinkError> {
        Ok(Vec::new())
    }
    async fn dispose_savepoint(&self, _: &str) -> Result<String, FlinkError> {
        unreachable!("a restart never disposes of a savepoint")
    }
    async fn disposal_status(&self, _: &str) -> Result<SavepointStatus, FlinkError> {
        unreachable!("a restart never disposes of a savepoint")
    }
    async fn cancel(&self, job: &str) -> Result<(), FlinkError> {
        self.call(format!("cancel {job}"));
        self.set(job, "CANCELED");
        Ok(())
    }
    async fn list_jars(&self) -> Result<Vec<(String, String)>, FlinkError> {
        unreachable!("submit_jar is overridden")
    }
    async fn upload_jar(&self, _: &Path) -> Result<String, FlinkError> {
        unreachable!("submit_jar is overridden")
    }
    async fn run_jar(&self, _: &str, _: &JarRun) -> Result<String, FlinkError> {
        unreachable!("submit_jar is overridden")
    }
    async fn submit_jar(&self, _: &Path, run: &JarRun) -> Result<String, FlinkError> {
        self.call(format!(
            "submit from {}",
            run.savepoint_path.clone().unwrap_or_default()
        ));
        assert_eq!(run.job_id.as_deref(), Some(FIXED));
        assert!(!run.allow_non_restored_state);
        let mut s = self.submit.lock().unwrap();
        match &mut *s {
            Submit::Accepted => {
                self.set(FIXED, self.new_job_state);
                Ok(FIXED.into())
            }
            Submit::Rejected => Err(status(400, "org.apache.flink.runtime.client.JobSubmissionException: savepoint path does not exist")),
            Submit::AnswerLost => {
                self.set(FIXED, self.new_job_state);
                Err(FlinkError::LeaderElection {
                    op: "POST /jars/x/run".into(),
                    jobmanager: "http://jm1:8081".into(),
                })
            }
            Submit::StillRecorded(n) if *n > 0 => {
                *n -= 1;
                Err(status(500, "DuplicateJobSubmissionException: Job has already reached a globally-terminal state"))
            }
            Submit::StillRecorded(_) => {
                self.set(FIXED, self.new_job_state);
                Ok(FIXED.into())
            }
        }
    }
    async fn job_state(&self, job: &str) -> Result<String, FlinkError> {
        match self.states.lock().unwrap().get(job) {
            Some(s) => Ok(s.clone()),
            None => Err(status(404, "NotFoundException: Job could not be found.")),
        }
    }
    async fn latest_restore_point(&self, job: &str) -> Result<Option<RestorePoint>, FlinkError> {
        self.call(format!("restore_point {job}"));
        Ok(Some(RestorePoint {
            id: 41,
            path: "file:/chk/chk-41".into(),
            savepoint: false,
        }))
    }
}

/// No Oracle call is expected in these tests.
struct NoOracle;
impl OracleControl for NoOracle {
    type Error = std::io::Error;
    async fn kill_session(&self, _: &str, _: u32, _: u32, _: u32) -> Result<(), std::io::Error> {
        unreachable!("no orphan in these observations")
    }
}

/// Observations that never show the new job: the verification cannot succeed.
struct Frozen(Observation);
impl Probe for Frozen {
    async fn probe(&self, _: &PipelineConfig) -> ProbeResult {
        ProbeResult {
            observation: self.0.clone(),
            durations: vec![],
        }
    }
    fn now(&self) -> Timestamp {
        Timestamp::from_system_time(std::time::SystemTime::now())
    }
}

fn fixture(retained: bool) -> Observation {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/observations/real_feed_closed_dead_connection.json"
    );
    let b: Bundle = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut o = b.pipelines[0].observations.last().unwrap().clone();
    if let Signal::Observed { value } = &mut o.flink {
        if let Signal::Observed { value: cp } = &mut value.job.as_mut().unwrap().checkpoints {
            cp.retained_on_cancel = retained;
        }
    }
    o
}

/// Runs the gate (it must pass) and the restart against `flink`, with short bounds.
async fn run(flink: &Scripted, retained: bool) -> RestartReport {
    let dir = tempfile::tempdir().unwrap();
    // gate.rs's pipeline: its resubmission uses the fixed id FIXED.
    let cfg = crate::gate::config(dir.path(), "");
    let p = &cfg.pipelines[0];
    let o = fixture(retained);
    let gate = evaluate(&GateInput {
        pipeline: p,
        observation: &o,
        from_scn: None,
        restarts_in_window: Ok(0),
        lock: LockState::Free {
            checked: "test".into(),
        },
        given_state: None,
        savepoints: &[],
    });
    assert!(gate.passed(), "{:?}", gate.blockers());
    let probe = Frozen(o.clone());
    let progress = LogProgress::default();
    let r = Restart::<_, NoOracle, _> {
        pipeline: p,
        control: flink,
        oracle: None,
        probe: &probe,
        history: None,
        progress: &progress,
        bounds: Bounds {
            stop: Duration::from_millis(300),
            running: Duration::from_millis(600),
            verify: Duration::from_millis(300),
            poll: Duration::from_millis(50),
        },
    };
    r.execute(&gate, &[o]).await
}

fn old_job() -> String {
    fixture(true)
        .flink
        .value()
        .unwrap()
        .job
        .as_ref()
        .unwrap()
        .id
        .clone()
}

fn failed(r: &RestartReport) -> (Step, String, String, Vec<String>) {
    match &r.outcome {
        Outcome::Failed {
            step,
            error,
            job_state,
            what_to_do,
        } => (
            *step,
            error.clone(),
            job_state.clone(),
            what_to_do.iter().map(|f| f.en()).collect(),
        ),
        other => panic!("expected a failure: {other:?}"),
    }
}

#[tokio::test]
async fn a_failed_stop_without_retention_cancels_nothing_and_says_what_to_do() {
    let old = old_job();
    let flink = Scripted::new(&old, Stop::Fails, Submit::Accepted, "RUNNING");
    let r = run(&flink, false).await;
    let (step, error, job_state, todo) = failed(&r);
    assert_eq!(step, Step::Stop);
    assert!(error.contains("checkpoint expired"), "{error}");
    assert!(
        job_state.contains(&format!("job {old} RUNNING")),
        "{job_state}"
    );
    assert!(todo[0].contains("not cancelled"), "{todo:?}");
    assert_eq!(flink.count("cancel"), 0);
    assert_eq!(flink.count("submit"), 0);
}

#[tokio::test]
async fn a_hanging_stop_falls_back_to_the_retained_checkpoint_and_a_failed_verification_stops() {
    let old = old_job();
    let flink = Scripted::new(&old, Stop::Hangs, Submit::Accepted, "RUNNING");
    let r = run(&flink, true).await;
    let calls = flink.calls();
    let at = |c: &str| {
        calls
            .iter()
            .position(|x| x.starts_with(c))
            .unwrap_or_else(|| panic!("no {c}: {calls:?}"))
    };
    assert!(
        at("stop") < at("cancel")
            && at("cancel") < at("restore_point")
            && at("restore_point") < at("submit"),
        "{calls:?}"
    );
    assert!(
        calls.contains(&"submit from file:/chk/chk-41".to_string()),
        "{calls:?}"
    );
    assert_eq!(flink.count("submit"), 1);
    assert_eq!(r.state_path.as_deref(), Some("file:/chk/chk-41"));
    // The verification never sees the new job mine: it stops after its bound, once.
    let (step, error, job_state, todo) = failed(&r);
    assert_eq!(step, Step::Verify);
    assert!(error.contains("not proven within"), "{error}");
    assert!(
        job_state.contains(&format!("job {FIXED} RUNNING")),
        "{job_state}"
    );
    assert!(todo[0].starts_with("Do not restart again"), "{todo:?}");
    let steps: Vec<(Step, bool)> = r.steps.iter().map(|s| (s.step, s.ok)).collect();
    assert_eq!(
        steps,
        [
            (Step::Stop, false),
            (Step::Fallback, true),
            (Step::Submit, true),
            (Step::WaitRunning, true),
            (Step::Verify, false)
        ]
    );
}

#[tokio::test]
async fn a_rejected_submission_is_not_retried_and_names_the_state() {
    let old = old_job();
    let flink = Scripted::new(&old, Stop::Completes, Submit::Rejected, "RUNNING");
    let r = run(&flink, true).await;
    let (step, error, job_state, todo) = failed(&r);
    assert_eq!(step, Step::Submit);
    assert!(error.contains("HTTP 400"), "{error}");
    assert_eq!(flink.count("submit"), 1, "a refusal is final");
    assert!(
        job_state.contains(&format!("job {old} FINISHED")),
        "{job_state}"
    );
    assert!(
        todo.iter().any(|t| t.contains("file:/sp/savepoint-1")),
        "{todo:?}"
    );
}

#[tokio::test]
async fn a_submission_whose_answer_is_lost_is_found_by_its_id_not_sent_again() {
    let old = old_job();
    let flink = Scripted::new(&old, Stop::Completes, Submit::AnswerLost, "RUNNING");
    let r = run(&flink, true).await;
    assert_eq!(flink.count("submit"), 1);
    assert_eq!(r.new_job_id.as_deref(), Some(FIXED));
    let submit = r.steps.iter().find(|s| s.step == Step::Submit).unwrap();
    assert!(
        submit.ok && submit.detail.contains("answer was lost"),
        "{}",
        submit.detail
    );
}

#[tokio::test]
async fn an_id_still_held_by_the_ended_job_is_tried_again_within_the_bound() {
    let old = old_job();
    let flink = Scripted::new(&old, Stop::Completes, Submit::StillRecorded(2), "RUNNING");
    let r = run(&flink, true).await;
    assert_eq!(flink.count("submit"), 3);
    assert!(r.steps.iter().any(|s| s.step == Step::Submit && s.ok));
}

#[tokio::test]
async fn a_resubmitted_job_that_fails_stops_the_restart() {
    let old = old_job();
    let flink = Scripted::new(&old, Stop::Completes, Submit::Accepted, "FAILED");
    let r = run(&flink, true).await;
    let (step, error, job_state, _) = failed(&r);
    assert_eq!(step, Step::WaitRunning);
    assert!(error.contains("FAILED"), "{error}");
    assert!(
        job_state.contains(&format!("job {FIXED} FAILED")),
        "{job_state}"
    );
    assert_eq!(flink.count("submit"), 1);
}

/// Verification observations: the new job running, a new mining session with its heartbeat
/// rising, and two sessions from before the restart.
struct AfterRestart {
    base: Observation,
    heartbeat: std::sync::atomic::AtomicU64,
    /// Every JobManager answers 503 (a leader election) in the observations after the restart.
    electing: bool,
}

fn session(
    sid: u32,
    last_call_et_s: u64,
    logon: Timestamp,
) -> logminer_doctor::observation::ConnectorSession {
    logminer_doctor::observation::ConnectorSession {
        instance: 1,
        sid,
        serial: 1000 + sid,
        status: "INACTIVE".into(),
        last_call_et_s,
        event: "SQL*Net message from client".into(),
        sql: None,
        prev_sql: Some(logminer_doctor::observation::SqlKind::MiningQuery),
        sql_stats: None,
        pga_bytes: None,
        logon_time: logon,
        machine: "flink-tm-1".into(),
        port: None,
    }
}

fn with_sessions(
    o: &mut Observation,
    sessions: Vec<logminer_doctor::observation::ConnectorSession>,
    heartbeat: u64,
) {
    if let Signal::Observed { value } = &mut o.oracle {
        value.sessions = Signal::observed(sessions);
        value.flush_table_scn = Signal::observed(heartbeat);
    }
}

impl Probe for AfterRestart {
    async fn probe(&self, _: &PipelineConfig) -> ProbeResult {
        let now = self.now();
        let mut o = self.base.clone();
        o.observed_at = now;
        if let Signal::Observed { value } = &mut o.flink {
            let j = value.job.as_mut().unwrap();
            j.id = FIXED.into();
            j.state = "RUNNING".into();
            j.tasks_running = j.tasks_total;
            if self.electing {
                for jm in &mut value.jobmanagers {
                    jm.status = logminer_doctor::observation::JobManagerStatus::LeaderElection;
                }
            }
        }
        let hb = self
            .heartbeat
            .fetch_add(500, std::sync::atomic::Ordering::SeqCst);
        let old = now.minus(Duration::from_secs(3600));
        with_sessions(
            &mut o,
            vec![
                session(300, 1, now),
                session(245, 400, old),
                session(246, 2, old),
            ],
            hb,
        );
        ProbeResult {
            observation: o,
            durations: vec![],
        }
    }
    fn now(&self) -> Timestamp {
        Timestamp::from_system_time(std::time::SystemTime::now())
    }
}

/// Records the kill procedure's calls.
#[derive(Default)]
struct Kills(Mutex<Vec<(String, u32, u32, u32)>>);
impl OracleControl for Kills {
    type Error = std::io::Error;
    async fn kill_session(
        &self,
        procedure: &str,
        instance: u32,
        sid: u32,
        serial: u32,
    ) -> Result<(), std::io::Error> {
        self.0
            .lock()
            .unwrap()
            .push((procedure.into(), instance, sid, serial));
        Ok(())
    }
}

#[tokio::test]
async fn only_a_silent_session_from_before_the_restart_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = crate::gate::config(
        dir.path(),
        "kill_procedure = \"system.lmd_kill_connector_session\"",
    );
    let p = &cfg.pipelines[0];
    // Before: the stalled connector's session (idle 400 s) and another pipeline's connector
    // sharing the user (it called 2 s ago).
    let mut before = fixture(true);
    let old = before.observed_at.minus(Duration::from_secs(3600));
    with_sessions(
        &mut before,
        vec![session(245, 340, old), session(246, 1, old)],
        9_000,
    );
    let gate = evaluate(&GateInput {
        pipeline: p,
        observation: &before,
        from_scn: None,
        restarts_in_window: Ok(0),
        lock: LockState::Free {
            checked: "test".into(),
        },
        given_state: None,
        savepoints: &[],
    });
    assert!(gate.passed(), "{:?}", gate.blockers());
    let flink = Scripted::new(&old_job(), Stop::Completes, Submit::Accepted, "RUNNING");
    let probe = AfterRestart {
        base: before.clone(),
        heartbeat: std::sync::atomic::AtomicU64::new(10_000),
        electing: false,
    };
    let kills = Kills::default();
    let progress = LogProgress::default();
    let r = Restart {
        pipeline: p,
        control: &flink,
        oracle: Some(&kills),
        probe: &probe,
        history: None,
        progress: &progress,
        bounds: Bounds {
            stop: Duration::from_millis(300),
            running: Duration::from_millis(600),
            verify: Duration::from_secs(2),
            poll: Duration::from_millis(50),
        },
    }
    .execute(&gate, &[before])
    .await;
    assert!(r.succeeded(), "{}", r.summary());
    assert_eq!(
        *kills.0.lock().unwrap(),
        vec![(
            "SYSTEM.LMD_KILL_CONNECTOR_SESSION".to_string(),
            1,
            245,
            1245
        )]
    );
    let kill = r.steps.iter().find(|s| s.step == Step::KillOrphan).unwrap();
    assert!(
        kill.ok && kill.detail.contains("245,1245,@1"),
        "{}",
        kill.detail
    );
}

/// The verification asks the decision table's and the gate's question too: while a JobManager
/// failover is in progress nothing is proven, whatever the job and the session look like, and
/// the failure says so.
#[tokio::test]
async fn a_failover_during_the_verification_proves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = crate::gate::config(dir.path(), "");
    let p = &cfg.pipelines[0];
    let mut before = fixture(true);
    let old = before.observed_at.minus(Duration::from_secs(3600));
    with_sessions(&mut before, vec![session(245, 340, old)], 9_000);
    let gate = evaluate(&GateInput {
        pipeline: p,
        observation: &before,
        from_scn: None,
        restarts_in_window: Ok(0),
        lock: LockState::Free {
            checked: "test".into(),
        },
        given_state: None,
        savepoints: &[],
    });
    assert!(gate.passed(), "{:?}", gate.blockers());
    let flink = Scripted::new(&old_job(), Stop::Completes, Submit::Accepted, "RUNNING");
    let probe = AfterRestart {
        base: before.clone(),
        heartbeat: std::sync::atomic::AtomicU64::new(10_000),
        electing: true,
    };
    let progress = LogProgress::default();
    let r = Restart::<_, NoOracle, _> {
        pipeline: p,
        control: &flink,
        oracle: None,
        probe: &probe,
        history: None,
        progress: &progress,
        bounds: Bounds {
            stop: Duration::from_millis(300),
            running: Duration::from_millis(600),
            verify: Duration::from_millis(600),
            poll: Duration::from_millis(50),
        },
    }
    .execute(&gate, &[before])
    .await;
    let (step, error, _, _) = failed(&r);
    assert_eq!(step, Step::Verify, "{}", r.summary());
    assert!(error.contains("JobManager failover in progress"), "{error}");
}

/// A restart whose gate did not pass does nothing and is not counted against the budget.
#[tokio::test]
async fn a_restart_whose_gate_failed_does_nothing_and_costs_no_budget() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = crate::gate::config(dir.path(), "");
    let p = &cfg.pipelines[0];
    let o = fixture(true);
    let gate = evaluate(&GateInput {
        pipeline: p,
        observation: &o,
        from_scn: None,
        restarts_in_window: Ok(3),
        lock: LockState::Free {
            checked: "test".into(),
        },
        given_state: None,
        savepoints: &[],
    });
    assert!(!gate.passed());
    let flink = Scripted::new(&old_job(), Stop::Completes, Submit::Accepted, "RUNNING");
    let history = logminer_doctor::store::History::open(&dir.path().join("state")).unwrap();
    let probe = Frozen(o.clone());
    let progress = LogProgress::default();
    let r = Restart::<_, NoOracle, _> {
        pipeline: p,
        control: &flink,
        oracle: None,
        probe: &probe,
        history: Some(&history),
        progress: &progress,
        bounds: Bounds::of(p),
    }
    .execute(&gate, &[o])
    .await;
    let (step, error, _, _) = failed(&r);
    assert_eq!(
        (step, error.as_str()),
        (Step::Stop, "the gate did not pass")
    );
    assert!(flink.calls().is_empty(), "{:?}", flink.calls());
    let since = Timestamp::from_unix_millis(0);
    assert_eq!(
        history
            .actions_since("orders", "restart", since)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        history
            .actions_since("orders", "restart.refused", since)
            .await
            .unwrap(),
        1
    );
}

/// Counts how the gate observes: `probe_fresh` (slow facts read now) or `probe` (cached).
struct HowObserved {
    o: Observation,
    plain: std::sync::atomic::AtomicUsize,
    fresh: std::sync::atomic::AtomicUsize,
}
impl Probe for HowObserved {
    async fn probe(&self, _: &PipelineConfig) -> ProbeResult {
        self.plain.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        ProbeResult {
            observation: self.o.clone(),
            durations: vec![],
        }
    }
    async fn probe_fresh(&self, _: &PipelineConfig) -> ProbeResult {
        self.fresh.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        ProbeResult {
            observation: self.o.clone(),
            durations: vec![],
        }
    }
    fn now(&self) -> Timestamp {
        Timestamp::from_system_time(std::time::SystemTime::now())
    }
}

#[tokio::test]
async fn the_gate_judges_an_observation_whose_slow_facts_were_read_fresh() {
    // The Oracle collector caches its slow facts (the redo chain above all) for minutes; the
    // observation the gate takes under the lock must bypass that cache.
    let dir = tempfile::tempdir().unwrap();
    let cfg = crate::gate::config(dir.path(), "");
    let p = &cfg.pipelines[0];
    let o = fixture(true);
    let flink = Scripted::new(&old_job(), Stop::Completes, Submit::Accepted, "RUNNING");
    let history = logminer_doctor::store::History::open(&dir.path().join("state")).unwrap();
    let probe = HowObserved {
        o: o.clone(),
        plain: Default::default(),
        fresh: Default::default(),
    };
    let progress = LogProgress::default();
    let r = Restart::<_, NoOracle, _> {
        pipeline: p,
        control: &flink,
        oracle: None,
        probe: &probe,
        history: Some(&history),
        progress: &progress,
        bounds: Bounds::of(p),
    };
    let req = logminer_doctor::remediation::restart::Request {
        apply: false,
        from_scn: None,
        given_state: None,
    };
    let _ = r.gated(&[o], &req).await;
    let n = |c: &std::sync::atomic::AtomicUsize| c.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!((n(&probe.fresh), n(&probe.plain)), (1, 0));
    assert!(flink.calls().is_empty(), "{:?}", flink.calls());
}
