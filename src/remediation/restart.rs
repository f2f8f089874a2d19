//! The restart itself (DESIGN.md §6), after the gate passed: stop with a savepoint (never
//! drain) → if that fails and retention allows it, cancel and take the newest retained state →
//! resubmit the jar with the fixed job id from that state → wait for RUNNING → verify that the
//! connector mines again and, when changes are pending, that committed output passes the
//! restart SCN → kill an orphaned connector session when the kill procedure is configured.
//!
//! Every step is bounded, reported to a `Progress` and written to the audit log (the state
//! database's `actions` table). A step that fails ends the restart with the job's exact state
//! and what to do: nothing here loops, and nothing is submitted twice (a submission whose answer
//! was lost is found by the fixed job id before any retry, and Flink itself refuses a second
//! job with that id).

use std::collections::HashSet;
use std::time::Duration;

use serde::Serialize;

use super::gate::{GateReport, Resume};
use super::new_trigger_id;
use crate::collectors::control::{
    ControlError, FlinkControl, JarRun, OracleControl, RestorePoint, SavepointStatus,
};
use crate::collectors::Probe;
use crate::config::{PipelineConfig, ResubmitConfig};
use crate::diagnose::{Fact, Secs};
use crate::observation::{
    error_chain, is_terminal_state, ConnectorSession, Observation, Timestamp,
};
use crate::store::History;

/// The steps of a restart, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Stop the job with a savepoint.
    Stop,
    /// Cancel the job and take its newest retained state.
    Fallback,
    /// Resubmit the jar from the state.
    Submit,
    /// Wait for the new job to run.
    WaitRunning,
    /// Verify that the connector mines and output resumes.
    Verify,
    /// Kill the connector's orphaned session.
    KillOrphan,
}

impl Step {
    /// A stable name (audit log, JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Stop => "stop",
            Step::Fallback => "fallback",
            Step::Submit => "submit",
            Step::WaitRunning => "wait_running",
            Step::Verify => "verify",
            Step::KillOrphan => "kill_orphan",
        }
    }
}

/// Where a restart's progress is shown: a terminal's progress bar, plain lines, or the log.
pub trait Progress: Send + Sync {
    /// A step begins.
    fn begin(&self, step: Step, what: &str);
    /// A step ended.
    fn end(&self, step: Step, ok: bool, detail: &str);
}

/// Progress written to the log only (the agent).
#[derive(Debug, Default)]
pub struct LogProgress {
    /// The pipeline, for the log lines.
    pub pipeline: String,
}

impl Progress for LogProgress {
    fn begin(&self, step: Step, what: &str) {
        tracing::info!(pipeline = %self.pipeline, step = step.as_str(), "Restart step: {what}");
    }
    fn end(&self, step: Step, ok: bool, detail: &str) {
        if ok {
            tracing::info!(pipeline = %self.pipeline, step = step.as_str(), "Restart step done: {detail}");
        } else {
            tracing::warn!(pipeline = %self.pipeline, step = step.as_str(), "Restart step failed: {detail}");
        }
    }
}

/// The bounds of a restart's steps.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Stop-with-savepoint must finish within this (then the fallback).
    pub stop: Duration,
    /// A cancel, or a submitted job reaching RUNNING, within this.
    pub running: Duration,
    /// The connector mining again (and output passing the restart SCN) within this.
    pub verify: Duration,
    /// Time between polls.
    pub poll: Duration,
}

impl Bounds {
    /// The bounds a pipeline's config sets.
    pub fn of(p: &PipelineConfig) -> Bounds {
        let r = &p.remediation;
        Bounds {
            stop: r.stop_timeout,
            running: r.running_timeout,
            verify: r.verify_timeout,
            poll: Duration::from_secs(2),
        }
    }

    /// Every bound, for the lock's time to live.
    pub fn all(&self) -> [Duration; 4] {
        [self.stop, self.running * 2, self.verify, self.running]
    }
}

/// One executed step.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// Which step of the restart this was.
    pub step: Step,
    /// Whether it succeeded.
    pub ok: bool,
    /// What happened, with ids and paths.
    pub detail: String,
    /// When it ended.
    pub at: Timestamp,
}

/// How a restart ended.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// The job runs again and the connector mines (and output passed the restart SCN when
    /// changes were pending).
    Succeeded {
        /// How success was established (English in JSON and the audit log).
        #[serde(serialize_with = "crate::diagnose::fact::english")]
        proof: Fact,
    },
    /// A step failed: the restart stopped there.
    Failed {
        /// The step that failed; the restart stopped there.
        step: Step,
        /// What went wrong.
        error: String,
        /// The job's exact state now, as far as it can be read.
        job_state: String,
        /// What to do, in order (English in JSON and the audit log).
        #[serde(serialize_with = "crate::diagnose::fact::english_all")]
        what_to_do: Vec<Fact>,
    },
}

/// The whole story of one restart.
#[derive(Debug, Clone, Serialize)]
pub struct RestartReport {
    /// The pipeline's name from the config.
    pub pipeline: String,
    /// This restart's id in the audit log.
    pub restart_id: String,
    /// The job stopped (absent when none ran).
    pub old_job_id: Option<String>,
    /// The job submitted.
    pub new_job_id: Option<String>,
    /// The savepoint or checkpoint resumed from.
    pub state_path: Option<String>,
    /// The conservative restart SCN.
    pub restart_scn: Option<u64>,
    /// The steps executed.
    pub steps: Vec<StepRecord>,
    /// How it ended.
    pub outcome: Outcome,
}

impl RestartReport {
    /// Whether the restart succeeded.
    pub fn succeeded(&self) -> bool {
        matches!(self.outcome, Outcome::Succeeded { .. })
    }

    /// One line for an alert or a log.
    pub fn summary(&self) -> String {
        match &self.outcome {
            Outcome::Succeeded { proof } => format!(
                "restarted: job {} from {}; {}",
                proof.en(),
                self.new_job_id.as_deref().unwrap_or("?"),
                self.state_path.as_deref().unwrap_or("?")
            ),
            Outcome::Failed {
                step,
                error,
                job_state,
                ..
            } => format!(
                "restart stopped at step {}: {error}; job state: {job_state}",
                step.as_str()
            ),
        }
    }
}

/// The audit log: every step of every restart, in the state database.
struct Audit<'a> {
    history: Option<&'a History>,
    pipeline: &'a str,
    restart_id: &'a str,
}

/// The audit action that starts a restart; the budget counts these.
pub const RESTART_ACTION: &str = "restart";

impl Audit<'_> {
    async fn record(&self, action: &str, at: Timestamp, detail: serde_json::Value) {
        let Some(h) = self.history else { return };
        let mut detail = detail;
        detail["restart_id"] = self.restart_id.into();
        if let Err(e) = h
            .record_action(self.pipeline, at, action, &detail.to_string())
            .await
        {
            // The restart goes on: a stopped job left half-restarted is worse than a gap in the log.
            tracing::error!(pipeline = %self.pipeline, error = %error_chain(&e), "Cannot write the audit log.");
        }
    }
}

/// A restart about to run: what it acts on and with what.
pub struct Restart<'a, C, K, P> {
    /// The pipeline as configured (bounds, resubmission, kill procedure).
    pub pipeline: &'a PipelineConfig,
    /// The cluster (follows the leader).
    pub control: &'a C,
    /// Oracle, for killing an orphaned session (with `[pipeline.remediation] kill_procedure`).
    pub oracle: Option<&'a K>,
    /// Observations for the verification.
    pub probe: &'a P,
    /// The state database (audit log).
    pub history: Option<&'a History>,
    /// Where progress is shown.
    pub progress: &'a dyn Progress,
    /// The bounds of the steps.
    pub bounds: Bounds,
}

/// The plan a restart follows, one line per step, for `restart` without `--apply`.
pub fn plan(p: &PipelineConfig, gate: &GateReport, bounds: &Bounds) -> Vec<Fact> {
    let r = &p.remediation;
    let secs = Secs::of;
    let mut lines = vec![Fact::PlanGate {
        checks: gate.checks.len() as u64,
    }];
    let target = r
        .savepoint_dir
        .clone()
        .unwrap_or_else(|| "the cluster's state.savepoints.dir".into());
    match &gate.resume {
        Some(Resume::StopWithSavepoint { job_id, fallback }) => {
            lines.push(Fact::PlanStop {
                job: job_id.clone(),
                target,
                within: secs(bounds.stop),
            });
            lines.push(if *fallback {
                Fact::PlanFallbackCancel {
                    job: job_id.clone(),
                    within: secs(bounds.running),
                }
            } else {
                Fact::PlanNoFallback
            });
        }
        Some(Resume::Retained {
            job_id,
            state,
            path,
        }) => lines.push(Fact::PlanRetained {
            job: job_id.clone(),
            state: state.clone(),
            path: path.clone(),
        }),
        Some(Resume::Given { path }) => lines.push(Fact::PlanGiven { path: path.clone() }),
        None => lines.push(Fact::PlanNoState),
    }
    lines.push(match &r.resubmit {
        Some(s) => Fact::PlanSubmit {
            jar: s.jar.display().to_string(),
            entry_class: s.entry_class.clone(),
            parallelism: u64::from(s.parallelism.get()),
            args: s.program_args.clone(),
            job_id: s.job_id.clone(),
        },
        None => Fact::PlanNoSubmit,
    });
    lines.push(Fact::PlanWaitRunning {
        within: secs(bounds.running),
    });
    lines.push(Fact::PlanVerify {
        within: secs(bounds.verify),
        scn: gate.restart_scn,
    });
    lines.push(match &r.kill_procedure {
        Some(k) => Fact::PlanKillOrphan {
            procedure: k.clone(),
        },
        None => Fact::PlanReportOrphan,
    });
    lines
}

/// A failure inside a step: the error and what to do.
struct StepFailure {
    step: Step,
    error: String,
    what_to_do: Vec<Fact>,
}

impl StepFailure {
    fn new(step: Step, error: impl Into<String>) -> Self {
        StepFailure {
            step,
            error: error.into(),
            what_to_do: vec![],
        }
    }
    fn todo(mut self, t: Fact) -> Self {
        self.what_to_do.push(t);
        self
    }
}

impl<C, K, P> Restart<'_, C, K, P>
where
    C: FlinkControl,
    K: OracleControl,
    P: Probe,
{
    /// Executes the restart the gate planned. The gate must have passed: this only refuses
    /// (as a failed step) when it did not.
    pub async fn execute(&self, gate: &GateReport, window: &[Observation]) -> RestartReport {
        let p = self.pipeline;
        let restart_id = new_trigger_id();
        let audit = Audit {
            history: self.history,
            pipeline: &p.name,
            restart_id: &restart_id,
        };
        let mut report = RestartReport {
            pipeline: p.name.clone(),
            restart_id: restart_id.clone(),
            old_job_id: None,
            new_job_id: None,
            state_path: None,
            restart_scn: gate.restart_scn,
            steps: vec![],
            outcome: Outcome::Succeeded {
                proof: Fact::Recorded {
                    text: String::new(),
                },
            },
        };
        let begun = self.probe.now();
        if !gate.passed() {
            // Refused before anything happens: not a restart, so not counted in the budget.
            audit
                .record(
                    "restart.refused",
                    begun,
                    serde_json::json!({"blockers": gate.blockers()}),
                )
                .await;
            report.outcome = Outcome::Failed {
                step: Step::Stop,
                error: "the gate did not pass".into(),
                job_state: self.describe_jobs(&report).await,
                what_to_do: vec![Fact::RunTheGate],
            };
            return report;
        }
        audit
            .record(
                RESTART_ACTION,
                begun,
                serde_json::json!({"gate": gate.checks, "restart_scn": gate.restart_scn, "resume": gate.resume}),
            )
            .await;
        let result = self.steps(gate, window, begun, &audit, &mut report).await;
        report.outcome = match result {
            Ok(proof) => Outcome::Succeeded { proof },
            Err(f) => {
                let job_state = self.describe_jobs(&report).await;
                Outcome::Failed {
                    step: f.step,
                    error: f.error,
                    job_state,
                    what_to_do: f.what_to_do,
                }
            }
        };
        audit
            .record(
                "restart.end",
                self.probe.now(),
                serde_json::to_value(&report.outcome).unwrap_or_default(),
            )
            .await;
        report
    }

    async fn steps(
        &self,
        gate: &GateReport,
        window: &[Observation],
        begun: Timestamp,
        audit: &Audit<'_>,
        report: &mut RestartReport,
    ) -> Result<Fact, StepFailure> {
        // The gate passed, so a resubmission is configured.
        let Some(resubmit) = &self.pipeline.remediation.resubmit else {
            return Err(StepFailure::new(Step::Submit, "no resubmission configured")
                .todo(Fact::AddResubmit));
        };
        let resume = gate.resume.clone().ok_or_else(|| {
            StepFailure::new(Step::Stop, "no state to resume from").todo(Fact::NameASavepoint)
        })?;
        // 1-2. The state to resume from.
        let state = match &resume {
            Resume::StopWithSavepoint { job_id, fallback } => {
                report.old_job_id = Some(job_id.clone());
                self.stop(job_id, *fallback, audit, report).await?
            }
            Resume::Retained { job_id, path, .. } => {
                report.old_job_id = Some(job_id.clone());
                self.progress.begin(
                    Step::Fallback,
                    &format!("newest retained state of job {job_id}"),
                );
                let newest = self
                    .control
                    .latest_restore_point(job_id)
                    .await
                    .ok()
                    .flatten();
                let path = newest.map_or(path.clone(), |r| r.path);
                self.done(
                    audit,
                    report,
                    Step::Fallback,
                    true,
                    format!("resuming job {job_id} from {path}"),
                )
                .await;
                path
            }
            Resume::Given { path } => path.clone(),
        };
        report.state_path = Some(state.clone());
        // 3. Resubmit.
        let new_id = self.submit(resubmit, &state, audit, report).await?;
        report.new_job_id = Some(new_id.clone());
        // 4. RUNNING.
        self.progress
            .begin(Step::WaitRunning, &format!("job {new_id} to run"));
        match super::wait_for_state(
            self.control,
            &new_id,
            &["RUNNING"],
            self.bounds.running,
            self.bounds.poll,
        )
        .await
        {
            Ok(_) => {
                self.done(
                    audit,
                    report,
                    Step::WaitRunning,
                    true,
                    format!("job {new_id} RUNNING"),
                )
                .await
            }
            Err(e) => {
                let e = error_chain(&e);
                self.done(audit, report, Step::WaitRunning, false, e.clone())
                    .await;
                return Err(StepFailure::new(Step::WaitRunning, e)
                    .todo(Fact::ReadNewJobExceptions {
                        job: new_id.clone(),
                        state: state.clone(),
                    })
                    .todo(Fact::NoResubmitByHand));
            }
        }
        // 5. Verify, killing an orphaned session on the way.
        self.verify(gate, window, begun, &new_id, audit, report)
            .await
    }

    async fn done(
        &self,
        audit: &Audit<'_>,
        report: &mut RestartReport,
        step: Step,
        ok: bool,
        detail: String,
    ) {
        self.progress.end(step, ok, &detail);
        let at = self.probe.now();
        audit
            .record(
                &format!("restart.{}", step.as_str()),
                at,
                serde_json::json!({"ok": ok, "detail": detail}),
            )
            .await;
        report.steps.push(StepRecord {
            step,
            ok,
            detail,
            at,
        });
    }

    /// Stop with a savepoint; on failure, the fallback when allowed. Returns the state's path.
    async fn stop(
        &self,
        job_id: &str,
        fallback: bool,
        audit: &Audit<'_>,
        report: &mut RestartReport,
    ) -> Result<String, StepFailure> {
        let dir = self.pipeline.remediation.savepoint_dir.as_deref();
        self.progress.begin(
            Step::Stop,
            &format!("stop job {job_id} with a savepoint (no drain)"),
        );
        let trigger = new_trigger_id();
        let stopped = match self
            .control
            .stop_with_savepoint(job_id, dir, &trigger)
            .await
        {
            Ok(id) => self.await_savepoint(job_id, &id).await,
            Err(e) => Err(error_chain(&e)),
        };
        let why = match stopped {
            Ok(location) => {
                // The savepoint is written; the job ends right after it.
                match super::wait_for_state(
                    self.control,
                    job_id,
                    &["FINISHED", "CANCELED"],
                    self.bounds.running,
                    self.bounds.poll,
                )
                .await
                {
                    Ok(s) => {
                        self.done(
                            audit,
                            report,
                            Step::Stop,
                            true,
                            format!("job {job_id} {s}; savepoint {location}"),
                        )
                        .await;
                        return Ok(location);
                    }
                    Err(e) => format!(
                        "the savepoint {location} was written but the job did not end: {}",
                        error_chain(&e)
                    ),
                }
            }
            Err(why) => why,
        };
        self.done(audit, report, Step::Stop, false, why.clone())
            .await;
        if !fallback {
            return Err(
                StepFailure::new(Step::Stop, format!("stop-with-savepoint failed: {why}"))
                    .todo(Fact::NotCancelledNotRetained)
                    .todo(Fact::SavepointByHand {
                        job: job_id.to_string(),
                    }),
            );
        }
        self.fallback(job_id, audit, report).await
    }

    /// Polls a savepoint operation until it completes, fails or the stop bound passes.
    async fn await_savepoint(&self, job_id: &str, trigger: &str) -> Result<String, String> {
        let deadline = tokio::time::Instant::now() + self.bounds.stop;
        let mut last;
        loop {
            match self.control.savepoint_status(job_id, trigger).await {
                Ok(SavepointStatus::Completed { location }) => return Ok(location),
                Ok(SavepointStatus::Failed { cause }) => {
                    return Err(format!("the savepoint failed: {cause}"))
                }
                Ok(SavepointStatus::InProgress) => last = "still in progress".into(),
                Err(e) => last = error_chain(&e),
            }
            if tokio::time::Instant::now() + self.bounds.poll > deadline {
                return Err(format!(
                    "not done within {} ({last})",
                    humantime::format_duration(self.bounds.stop)
                ));
            }
            tokio::time::sleep(self.bounds.poll).await;
        }
    }

    /// Cancel, wait for the job to end, take its newest retained checkpoint or savepoint.
    async fn fallback(
        &self,
        job_id: &str,
        audit: &Audit<'_>,
        report: &mut RestartReport,
    ) -> Result<String, StepFailure> {
        self.progress.begin(
            Step::Fallback,
            &format!("cancel job {job_id} and take its newest retained state"),
        );
        let state = self.control.job_state(job_id).await.unwrap_or_default();
        if !is_terminal_state(&state) {
            if let Err(e) = self.control.cancel(job_id).await {
                let e = error_chain(&e);
                self.done(
                    audit,
                    report,
                    Step::Fallback,
                    false,
                    format!("cancel failed: {e}"),
                )
                .await;
                return Err(StepFailure::new(
                    Step::Fallback,
                    format!("cancel of job {job_id} failed: {e}"),
                )
                .todo(Fact::CancelByHand {
                    job: job_id.to_string(),
                }));
            }
        }
        let ended = super::wait_for_state(
            self.control,
            job_id,
            &["CANCELED", "FINISHED", "FAILED"],
            self.bounds.running,
            self.bounds.poll,
        )
        .await;
        let ended = match ended {
            Ok(s) => s,
            // FAILED is terminal but wanted here; wait_for_state reports it as Terminal.
            Err(super::WaitError::Terminal { state, .. }) => state,
            Err(e) => {
                let e = error_chain(&e);
                self.done(audit, report, Step::Fallback, false, e.clone())
                    .await;
                return Err(StepFailure::new(
                    Step::Fallback,
                    format!("job {job_id} did not end after the cancel: {e}"),
                )
                .todo(Fact::TaskIgnoresCancel)
                .todo(Fact::RunAgainWhenEnded));
            }
        };
        match self.control.latest_restore_point(job_id).await {
            Ok(Some(RestorePoint {
                id,
                path,
                savepoint,
            })) => {
                let kind = if savepoint { "savepoint" } else { "checkpoint" };
                self.done(
                    audit,
                    report,
                    Step::Fallback,
                    true,
                    format!("job {job_id} {ended}; newest retained {kind} {id} at {path}"),
                )
                .await;
                Ok(path)
            }
            Ok(None) => {
                let msg = format!("job {job_id} {ended}, but it has no retained checkpoint");
                self.done(audit, report, Step::Fallback, false, msg.clone())
                    .await;
                Err(StepFailure::new(Step::Fallback, msg)
                    .todo(Fact::FindNewestCheckpoint)
                    .todo(Fact::NeverSubmitWithoutState))
            }
            Err(e) => {
                let e = error_chain(&e);
                self.done(audit, report, Step::Fallback, false, e.clone())
                    .await;
                Err(StepFailure::new(
                    Step::Fallback,
                    format!("job {job_id} {ended}; its checkpoints cannot be read: {e}"),
                )
                .todo(Fact::FindNewestCheckpoint))
            }
        }
    }

    /// Submits the jar from `state` with the fixed job id. A submission whose answer is lost
    /// (a failover) is looked up by that id before it is tried again, and Flink refuses a
    /// second job with it: the job can never run twice.
    async fn submit(
        &self,
        r: &ResubmitConfig,
        state: &str,
        audit: &Audit<'_>,
        report: &mut RestartReport,
    ) -> Result<String, StepFailure> {
        let run = JarRun {
            entry_class: r.entry_class.clone(),
            program_args: r.program_args.clone(),
            parallelism: r.parallelism.get(),
            job_id: Some(r.job_id.clone()),
            savepoint_path: Some(state.to_string()),
            allow_non_restored_state: false,
        };
        self.progress.begin(
            Step::Submit,
            &format!(
                "submit {} as job {} from {state}",
                r.jar.display(),
                r.job_id
            ),
        );
        let deadline = tokio::time::Instant::now() + self.bounds.running;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.control.submit_jar(&r.jar, &run).await {
                Ok(id) => {
                    self.done(
                        audit,
                        report,
                        Step::Submit,
                        true,
                        format!("job {id} submitted from {state}"),
                    )
                    .await;
                    return Ok(id);
                }
                Err(e) => e,
            };
            let text = error_chain(&error);
            // Did it go through anyway? The old job with this id (if any) has ended, so a job
            // with the fixed id that is not ended is the one just submitted.
            match self.control.job_state(&r.job_id).await {
                Ok(s) if !is_terminal_state(&s) => {
                    self.done(audit, report, Step::Submit, true, format!("job {} {s}: the submission went through though its answer was lost ({text})", r.job_id))
                        .await;
                    return Ok(r.job_id.clone());
                }
                _ => {}
            }
            // Retry only what may pass later: no answer, an election, or the ended job's result
            // entry still holding the id. Any other refusal is final.
            let retryable = error.is_transient() || error.is_duplicate_job();
            let retry = retryable && tokio::time::Instant::now() + self.bounds.poll < deadline;
            audit
                .record(
                    "restart.submit_attempt",
                    self.probe.now(),
                    serde_json::json!({"attempt": attempt, "error": text, "retry": retry}),
                )
                .await;
            if !retry {
                self.done(audit, report, Step::Submit, false, text.clone())
                    .await;
                return Err(StepFailure::new(Step::Submit, text)
                    .todo(Fact::StateKeptIn {
                        state: state.to_string(),
                    })
                    .todo(Fact::SubmitByHand {
                        state: state.to_string(),
                        entry_class: r.entry_class.clone(),
                        jar: r.jar.display().to_string(),
                    }));
            }
            tracing::warn!(pipeline = %self.pipeline.name, attempt, error = %text, "Submission failed; trying again once a JobManager leads.");
            tokio::time::sleep(self.bounds.poll).await;
        }
    }

    /// Observes until the restart is proven, or the bound passes.
    async fn verify(
        &self,
        gate: &GateReport,
        window: &[Observation],
        begun: Timestamp,
        new_id: &str,
        audit: &Audit<'_>,
        report: &mut RestartReport,
    ) -> Result<Fact, StepFailure> {
        let p = self.pipeline;
        self.progress.begin(
            Step::Verify,
            "the connector mining again and output resuming",
        );
        // Sessions present before the restart: once a new one mines, these are orphans.
        let before: HashSet<(u32, u32, u32)> = window
            .last()
            .and_then(|o| o.oracle.value())
            .and_then(|o| o.sessions.value())
            .map(|s| s.iter().map(ConnectorSession::key).collect())
            .unwrap_or_default();
        let pending_before = activity_rose(window.iter());
        let deadline = tokio::time::Instant::now() + self.bounds.verify;
        let mut seen: Vec<Observation> = vec![];
        let mut killed: HashSet<(u32, u32, u32)> = HashSet::new();
        let mut last_state;
        loop {
            let obs = self.probe.probe(p).await.observation;
            let v = judge(
                &obs,
                seen.last(),
                new_id,
                &before,
                begun,
                gate.restart_scn,
                p.thresholds.mining_call_gap,
            );
            seen.push(obs);
            let pending = pending_before || activity_rose(seen.iter());
            last_state = v.describe(pending);
            // Orphans go once the new session mines: killing earlier could hit the only miner.
            if v.mining_new {
                for s in &v.orphans {
                    if killed.insert(s.key()) {
                        self.kill_orphan(s, audit, report).await;
                    }
                }
            }
            let proven = v.running && v.mining_new && v.heartbeat_rising;
            if proven && v.failover.is_none() && (!pending || v.output_past) {
                let proof = if pending {
                    Fact::RestartProvenPast {
                        job: new_id.to_string(),
                        scn: gate.restart_scn.unwrap_or_default(),
                    }
                } else {
                    Fact::RestartProvenIdle {
                        job: new_id.to_string(),
                    }
                };
                self.done(audit, report, Step::Verify, true, proof.en())
                    .await;
                return Ok(proof);
            }
            if tokio::time::Instant::now() + self.bounds.poll > deadline {
                break;
            }
            tokio::time::sleep(self.bounds.poll).await;
        }
        let msg = format!(
            "not proven within {}: {last_state}",
            humantime::format_duration(self.bounds.verify)
        );
        self.done(audit, report, Step::Verify, false, msg.clone())
            .await;
        Err(StepFailure::new(Step::Verify, msg)
            .todo(Fact::DoNotRestartAgain)
            .todo(Fact::EscalateToDba))
    }

    async fn kill_orphan(
        &self,
        s: &ConnectorSession,
        audit: &Audit<'_>,
        report: &mut RestartReport,
    ) {
        let who = format!("session {},{},@{}", s.sid, s.serial, s.instance);
        let (Some(procedure), Some(oracle)) =
            (&self.pipeline.remediation.kill_procedure, self.oracle)
        else {
            self.done(audit, report, Step::KillOrphan, false, format!("orphaned connector {who} lingers; no kill_procedure configured: ask the DBA to kill it (ALTER SYSTEM KILL SESSION '{},{},@{}' IMMEDIATE)", s.sid, s.serial, s.instance))
                .await;
            return;
        };
        self.progress.begin(
            Step::KillOrphan,
            &format!("kill the orphaned connector {who}"),
        );
        match oracle
            .kill_session(procedure, s.instance, s.sid, s.serial)
            .await
        {
            Ok(()) => {
                self.done(
                    audit,
                    report,
                    Step::KillOrphan,
                    true,
                    format!("killed {who} with {procedure}"),
                )
                .await
            }
            Err(e) => {
                self.done(
                    audit,
                    report,
                    Step::KillOrphan,
                    false,
                    format!("{procedure} did not kill {who}: {}", error_chain(&e)),
                )
                .await
            }
        }
    }

    /// The states of the old and the new job, for a failed restart's report.
    async fn describe_jobs(&self, report: &RestartReport) -> String {
        let mut parts = vec![];
        let ids = [report.old_job_id.as_deref(), report.new_job_id.as_deref()];
        let fixed = self
            .pipeline
            .remediation
            .resubmit
            .as_ref()
            .map(|r| r.job_id.as_str());
        let mut seen = HashSet::new();
        for id in ids.into_iter().flatten().chain(fixed) {
            if !seen.insert(id.to_string()) {
                continue;
            }
            let s = match self.control.job_state(id).await {
                Ok(s) => s,
                Err(e) => format!("unknown ({})", error_chain(&e)),
            };
            parts.push(format!("job {id} {s}"));
        }
        if parts.is_empty() {
            "no job".into()
        } else {
            parts.join("; ")
        }
    }
}

/// Whether the captured tables changed within these observations (their block-change counter
/// rose): changes are pending, so output must resume, not only mining.
fn activity_rose<'a>(obs: impl Iterator<Item = &'a Observation>) -> bool {
    let counts: Vec<u64> = obs
        .filter_map(|o| {
            o.oracle
                .value()?
                .table_activity
                .value()
                .map(|a| a.db_block_changes)
        })
        .collect();
    match (counts.iter().min(), counts.last()) {
        (Some(first), Some(last)) => last > first,
        _ => false,
    }
}

/// What one verification observation shows.
struct Verification {
    running: bool,
    job_state: String,
    mining_new: bool,
    heartbeat_rising: bool,
    output_past: bool,
    last_scn: Option<u64>,
    orphans: Vec<ConnectorSession>,
    /// A JobManager failover in progress (the decision table's and the gate's own answer):
    /// nothing is proven while no JobManager leads.
    failover: Option<Fact>,
}

impl Verification {
    fn describe(&self, pending: bool) -> String {
        let mut parts = vec![format!("job {}", self.job_state)];
        if let Some(f) = &self.failover {
            parts.push(format!("JobManager failover in progress ({})", f.en()));
        }
        parts.push(if self.mining_new {
            "a new mining session".into()
        } else {
            "no new mining session".into()
        });
        parts.push(if self.heartbeat_rising {
            "heartbeat rising".into()
        } else {
            "heartbeat not rising".into()
        });
        if pending {
            parts.push(match (self.output_past, self.last_scn) {
                (true, _) => "output past the restart SCN".into(),
                (false, Some(s)) => format!("changes pending but output still at SCN {s}"),
                (false, None) => "changes pending, no SCN in the output".into(),
            });
        }
        parts.join(", ")
    }
}

fn judge(
    o: &Observation,
    previous: Option<&Observation>,
    new_id: &str,
    before: &HashSet<(u32, u32, u32)>,
    begun: Timestamp,
    restart_scn: Option<u64>,
    orphan_idle: Duration,
) -> Verification {
    let job = o
        .flink
        .value()
        .and_then(|f| f.job.as_ref())
        .filter(|j| j.id == new_id);
    let running = job.is_some_and(|j| j.state == "RUNNING" && j.tasks_running == j.tasks_total);
    let job_state = job.map_or_else(|| "not seen".into(), |j| j.state.clone());
    let sessions: Vec<ConnectorSession> = o
        .oracle
        .value()
        .and_then(|x| x.sessions.value())
        .cloned()
        .unwrap_or_default();
    let is_new = |s: &ConnectorSession| !before.contains(&s.key()) || s.logon_time >= begun;
    let mining_new = sessions.iter().any(|s| is_new(s) && s.is_mining());
    // An orphan is a session from before the restart that has made no call for longer than the
    // mining loop's gap: another connector sharing the user (a second pipeline) calls every few
    // seconds and is never taken for one.
    let orphans = sessions
        .iter()
        .filter(|s| !is_new(s) && !s.is_active() && s.last_call_et_s >= orphan_idle.as_secs())
        .cloned()
        .collect();
    let flush = |o: &Observation| {
        o.oracle
            .value()
            .and_then(|x| x.flush_table_scn.value().copied())
    };
    let heartbeat_rising = match (previous.and_then(flush), flush(o)) {
        (Some(a), Some(b)) => b > a,
        _ => false,
    };
    let last_scn = o
        .output
        .value()
        .and_then(|x| x.last_scn.value().copied().flatten());
    let output_past = match (last_scn, restart_scn) {
        (Some(now), Some(r)) => now > r,
        _ => false,
    };
    Verification {
        running,
        job_state,
        mining_new,
        heartbeat_rising,
        output_past,
        last_scn,
        orphans,
        failover: crate::diagnose::questions::failover(o),
    }
}

/// What a gated restart was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Execute (`--apply`, or `auto = true` in the agent); otherwise only gate and plan.
    pub apply: bool,
    /// An SCN the operator gives as the restart point.
    pub from_scn: Option<u64>,
    /// A savepoint or checkpoint path the operator names.
    pub given_state: Option<String>,
}

/// The gate, and the restart when it was asked for and the gate passed.
#[derive(Debug, Clone, Serialize)]
pub struct GatedRestart {
    /// What the decision table makes of the same observations: why a restart is wanted at all.
    pub diagnosis: crate::diagnose::Diagnosis,
    /// The gate's verdict.
    pub gate: GateReport,
    /// The plan, one line per step (English in JSON).
    #[serde(serialize_with = "crate::diagnose::fact::english_all")]
    pub plan: Vec<Fact>,
    /// The restart, when it ran.
    pub restart: Option<RestartReport>,
}

impl<C, K, P> Restart<'_, C, K, P>
where
    C: FlinkControl,
    K: OracleControl,
    P: Probe,
{
    /// Takes the pipeline's lock (held for the whole restart; without `apply` only tested and
    /// released), counts the budget, runs the gate on the newest of `window`, and, when asked
    /// and every check passed, executes the restart. A gate that does not pass is audited too.
    pub async fn gated(&self, window: &[Observation], req: &Request) -> GatedRestart {
        let p = self.pipeline;
        let now = self.probe.now();
        let ttl = super::gate::lock_ttl(&self.bounds.all());
        let acquired = super::lock::acquire(
            self.history,
            p.zookeeper.as_ref(),
            &p.name,
            &p.flink.job_name,
            ttl,
            now,
        )
        .await;
        let (held, lock) = match acquired {
            Ok(l) => {
                let checked = l.describe();
                (Some(l), super::gate::LockState::Free { checked })
            }
            Err(super::lock::LockError::Held { by, holder, .. }) => {
                (None, super::gate::LockState::Held { by, holder })
            }
            Err(e) => (
                None,
                super::gate::LockState::Unchecked {
                    why: error_chain(&e),
                },
            ),
        };
        let restarts_in_window = match self.history {
            Some(h) => h
                .actions_since(
                    &p.name,
                    RESTART_ACTION,
                    now.minus(p.remediation.budget_window),
                )
                .await
                .map(|n| n.min(u32::MAX as u64) as u32)
                .map_err(|e| error_chain(&e)),
            None => Err("no state database".into()),
        };
        // The gate judges an observation taken under the lock: one taken before could show a
        // job another doctor has restarted since. Fresh: its slow facts (the redo chain above
        // all) are read now, never taken from the cache of `watch`'s probes.
        let mut window = window.to_vec();
        window.push(self.probe.probe_fresh(p).await.observation);
        let newest = window
            .iter()
            .max_by_key(|o| o.observed_at)
            .cloned()
            .unwrap_or_else(|| {
                crate::collectors::probe::missing(&p.name, now, "no observation taken")
            });
        let savepoints = match self.history {
            Some(h) => h.savepoints(Some(&p.name)).await.unwrap_or_else(|e| {
                tracing::error!(pipeline = %p.name, error = %error_chain(&e), "Cannot read the recorded savepoints; the gate judges without them.");
                Vec::new()
            }),
            None => Vec::new(),
        };
        let gate = super::gate::evaluate(&super::gate::GateInput {
            pipeline: p,
            observation: &newest,
            from_scn: req.from_scn,
            restarts_in_window,
            lock,
            given_state: req.given_state.clone(),
            savepoints: &savepoints,
        });
        let diagnosis = crate::diagnose::diagnose(
            &window,
            &p.thresholds,
            &crate::diagnose::DiagnoseOptions {
                pipeline: p.name.clone(),
                from_scn: req.from_scn,
                rolling_interval: p.output.rolling_interval,
            },
        );
        let plan = plan(p, &gate, &self.bounds);
        let mut restart = None;
        if req.apply {
            if gate.passed() {
                restart = Some(self.execute(&gate, &window).await);
            } else {
                let audit = Audit {
                    history: self.history,
                    pipeline: &p.name,
                    restart_id: "",
                };
                audit
                    .record(
                        "restart.refused",
                        now,
                        serde_json::json!({"blockers": gate.blockers()}),
                    )
                    .await;
            }
        }
        if let Some(l) = held {
            l.release().await;
        }
        GatedRestart {
            diagnosis,
            gate,
            plan,
            restart,
        }
    }
}
