//! The pre-restart gate of DESIGN.md §6: every condition a restart needs, checked on the newest
//! observation, each PASS, FAIL or UNKNOWN with the fact behind it.
//!
//! Pure: the caller collects the observation, counts the budget and takes the lock; this module
//! only judges. A check whose signal is missing is UNKNOWN, never PASS: the gate lets a restart
//! through only when every condition is known to hold. It also decides what the restart resumes
//! from, so that the plan and the gate can never disagree.

use std::time::Duration;

use serde::Serialize;

use crate::config::{PipelineConfig, RemediationMode};
use crate::diagnose::questions::{disagreement, failover, redo_coverage, RedoCoverage};
use crate::diagnose::RestartScn;
use crate::exit::Exit;
use crate::observation::{is_terminal_state, JobDetail, Observation, Signal, Timestamp};

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// The condition holds.
    Pass,
    /// The condition does not hold: a restart now is unsafe.
    Fail,
    /// The condition could not be decided (a signal is missing).
    Unknown,
}

impl Status {
    /// `PASS`, `FAIL`, `UNKNOWN`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Unknown => "UNKNOWN",
        }
    }
}

/// One condition of the gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// A stable key: `leader`, `job`, `oracle`, `redo`, `prerequisites`, `state`, `budget`,
    /// `lock`, `resubmit`.
    pub key: &'static str,
    /// What is checked, for people.
    pub title: &'static str,
    /// The outcome.
    pub status: Status,
    /// The fact behind it, with its numbers.
    pub fact: String,
}

/// Where a restart takes the job's state from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resume {
    /// The job runs: stop it with a savepoint; when that fails and `fallback` is set, cancel it
    /// and take its newest retained checkpoint.
    StopWithSavepoint {
        /// The running job.
        job_id: String,
        /// Whether the job's checkpoints are retained on cancel (the fallback is allowed).
        fallback: bool,
    },
    /// The job has ended: resume from its newest retained checkpoint or savepoint.
    Retained {
        /// The ended job.
        job_id: String,
        /// Its state when observed.
        state: String,
        /// The path last seen (re-read before resubmitting: a newer one may exist).
        path: String,
    },
    /// The operator named the path (`restart --savepoint PATH`).
    Given {
        /// The path.
        path: String,
    },
}

/// What the gate needs besides the observation.
#[derive(Debug, Clone)]
pub struct GateInput<'a> {
    /// The pipeline.
    pub pipeline: &'a PipelineConfig,
    /// The newest observation of it.
    pub observation: &'a Observation,
    /// An SCN the operator gives as the restart point.
    pub from_scn: Option<u64>,
    /// Restarts of this pipeline within the budget window, or why they could not be counted.
    pub restarts_in_window: Result<u32, String>,
    /// The lock: whether this doctor holds it, who else does, or why it could not be checked.
    pub lock: LockState,
    /// A savepoint or checkpoint path the operator names explicitly.
    pub given_state: Option<String>,
}

/// The pipeline lock as the gate sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockState {
    /// This doctor holds it (or could take it: nobody else does).
    Free {
        /// Where it was checked (state database, ZooKeeper node).
        checked: String,
    },
    /// Another doctor holds it.
    Held {
        /// Where.
        by: String,
        /// Who.
        holder: String,
    },
    /// It could not be checked.
    Unchecked {
        /// Why.
        why: String,
    },
}

/// The gate's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    /// The pipeline.
    pub pipeline: String,
    /// When the judged observation was made.
    pub observed_at: Timestamp,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// The conservative restart SCN, when known.
    pub restart_scn: Option<u64>,
    /// What the restart resumes from, when there is something.
    pub resume: Option<Resume>,
}

impl GateReport {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.status == Status::Pass)
    }

    /// 0 when every check passes, 2 when one fails, 3 when none fails but one is unknown.
    pub fn exit(&self) -> Exit {
        if self.checks.iter().any(|c| c.status == Status::Fail) {
            Exit::Critical
        } else if self.checks.iter().any(|c| c.status == Status::Unknown) {
            Exit::Unknown
        } else {
            Exit::Ok
        }
    }

    /// The checks that did not pass, one line each (for alerts and errors).
    pub fn blockers(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|c| c.status != Status::Pass)
            .map(|c| format!("{} {}: {}", c.status.as_str(), c.title, c.fact))
            .collect()
    }

    /// The check with `key`.
    pub fn check(&self, key: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.key == key)
    }
}

fn check(key: &'static str, title: &'static str, status: Status, fact: impl Into<String>) -> Check {
    Check {
        key,
        title,
        status,
        fact: fact.into(),
    }
}

/// Judges every condition on the newest observation.
pub fn evaluate(input: &GateInput<'_>) -> GateReport {
    let o = input.observation;
    let p = input.pipeline;
    let (job_check, job) = job_once(o, input.given_state.is_some());
    let restart = RestartScn::of(o, input.from_scn);
    let (state_check, resume) = resume_state(o, job, input.given_state.as_deref());
    let checks = vec![
        leader(o),
        job_check,
        oracle(o),
        redo(o, &restart),
        prerequisites(o),
        state_check,
        budget(p, &input.restarts_in_window),
        lock(&input.lock),
        resubmit(p),
    ];
    GateReport {
        pipeline: p.name.clone(),
        observed_at: o.observed_at,
        checks,
        restart_scn: restart.lowest().map(|r| r.0),
        resume,
    }
}

const LEADER: &str = "one leader, no failover, JobManagers agree";

fn leader(o: &Observation) -> Check {
    let f = match &o.flink {
        Signal::Observed { value } => value,
        other => {
            return check(
                "leader",
                LEADER,
                Status::Unknown,
                format!("Flink not observed: {}", other.error().unwrap_or_default()),
            )
        }
    };
    // The same answers as the decision table's (diagnose::questions), on this one observation:
    // a restart is never started into a failover or a split cluster.
    if let Some(why) = failover(o) {
        return check(
            "leader",
            LEADER,
            Status::Fail,
            format!("failover in progress: {why}"),
        );
    }
    let up: Vec<&str> = f
        .jobmanagers
        .iter()
        .filter(|j| j.status.is_up())
        .map(|j| j.url.as_str())
        .collect();
    if up.is_empty() {
        return check(
            "leader",
            LEADER,
            Status::Fail,
            format!("no JobManager answers ({})", f.jobmanagers.len()),
        );
    }
    if let Some((a, b)) = disagreement(o) {
        return check(
            "leader",
            LEADER,
            Status::Fail,
            format!(
                "the JobManagers list different jobs (two clusters or a split brain): {a}; {b}"
            ),
        );
    }
    let zk = match &o.zookeeper {
        Signal::Observed { value } => match &value.leader_rest_url {
            Some(url) => format!("; ZooKeeper names {url} leader"),
            None => {
                return check(
                    "leader",
                    LEADER,
                    Status::Fail,
                    "ZooKeeper names no leading JobManager",
                )
            }
        },
        Signal::Missing { error } => {
            return check(
                "leader",
                LEADER,
                Status::Unknown,
                format!("ZooKeeper not observed: {error}"),
            )
        }
        Signal::NotCollected { .. } => String::new(),
    };
    check(
        "leader",
        LEADER,
        Status::Pass,
        format!(
            "{} of {} JobManager(s) answer and agree{zk}",
            up.len(),
            f.jobmanagers.len()
        ),
    )
}

const JOB: &str = "the job found exactly once";

/// The job check, and the job a restart acts on (the running copy, else the copy the collector
/// chose among the stopped ones). When several stopped copies are plausible and the operator
/// named no state (`--savepoint`), it FAILs asking which copy: resuming the wrong one would
/// restore another job's state.
fn job_once(o: &Observation, state_given: bool) -> (Check, Option<&JobDetail>) {
    let Some(f) = o.flink.value() else {
        return (
            check("job", JOB, Status::Unknown, "Flink not observed"),
            None,
        );
    };
    let live: Vec<_> = f.jobs.iter().filter(|j| !j.is_terminal()).collect();
    match live.len() {
        0 if f.ambiguous_copies.is_some() && !state_given => (
            check(
                "job",
                JOB,
                Status::Fail,
                format!(
                    "which copy? {}; name the state to resume with --savepoint PATH",
                    f.ambiguous_copies.as_deref().unwrap_or_default()
                ),
            ),
            None,
        ),
        0 => match &f.job {
            Some(j) => (
                check(
                    "job",
                    JOB,
                    Status::Pass,
                    format!(
                        "job {} is {} (not running): a restart resubmits it",
                        j.id, j.state
                    ),
                ),
                Some(j),
            ),
            None => (
                check(
                    "job",
                    JOB,
                    Status::Pass,
                    "no job with this name on the cluster: a restart submits it",
                ),
                None,
            ),
        },
        1 => (
            check(
                "job",
                JOB,
                Status::Pass,
                format!(
                    "job {} {} since {}",
                    live[0].id, live[0].state, live[0].start_time
                ),
            ),
            f.job.as_ref().filter(|j| j.id == live[0].id),
        ),
        n => (
            check(
                "job",
                JOB,
                Status::Fail,
                format!(
                    "the job runs {n} times ({}): cancel the extra copy first",
                    live.iter()
                        .map(|j| j.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            None,
        ),
    }
}

const ORACLE: &str = "Oracle reachable";

fn oracle(o: &Observation) -> Check {
    match &o.oracle {
        Signal::Observed { value } => match &value.database {
            Signal::Observed { value: db } => check(
                "oracle",
                ORACLE,
                Status::Pass,
                format!(
                    "Oracle {} answers: {} {}, current SCN {}",
                    db.version, db.role, db.open_mode, db.current_scn
                ),
            ),
            other => check(
                "oracle",
                ORACLE,
                Status::Fail,
                format!(
                    "the database state cannot be read: {}",
                    other.error().unwrap_or_default()
                ),
            ),
        },
        Signal::Missing { error } => check(
            "oracle",
            ORACLE,
            Status::Fail,
            format!("Oracle does not answer: {error}"),
        ),
        Signal::NotCollected { reason } => check(
            "oracle",
            ORACLE,
            Status::Unknown,
            format!("Oracle not collected: {reason}"),
        ),
    }
}

const REDO: &str = "restart SCN covered by available redo";

fn redo(o: &Observation, restart: &RestartScn) -> Check {
    let per_thread = |threads: &[crate::observation::RedoThread]| -> String {
        threads
            .iter()
            .map(|t| format!("thread {} from SCN {}", t.thread, t.oldest_scn))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match redo_coverage(o, restart) {
        RedoCoverage::NoRestartScn(why) => check(
            "redo",
            REDO,
            Status::Unknown,
            format!("no restart SCN known: {why}; give one with --from-scn"),
        ),
        RedoCoverage::RedoUnknown(why) => check("redo", REDO, Status::Unknown, why.en()),
        RedoCoverage::Covered {
            scn,
            sources,
            threads,
        } => check(
            "redo",
            REDO,
            Status::Pass,
            format!(
                "restart SCN {scn} (lowest of: {}); redo available on {}",
                sources.iter().map(|f| f.en()).collect::<Vec<_>>().join("; "),
                per_thread(threads)
            ),
        ),
        RedoCoverage::Uncovered {
            scn,
            sources,
            threads,
            uncovered,
        } => check(
            "redo",
            REDO,
            Status::Fail,
            format!(
                "restart SCN {scn} (lowest of: {}) is older than the oldest available redo on thread(s) {} ({}): restore the archived logs first",
                sources.iter().map(|f| f.en()).collect::<Vec<_>>().join("; "),
                uncovered
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                per_thread(threads)
            ),
        ),
    }
}

const PREREQ: &str = "archive-log mode and supplemental logging on";

fn prerequisites(o: &Observation) -> Check {
    let db = match o.oracle.value().map(|x| &x.database) {
        Some(Signal::Observed { value }) => value,
        Some(other) => {
            return check(
                "prerequisites",
                PREREQ,
                Status::Unknown,
                format!(
                    "database state not observed: {}",
                    other.error().unwrap_or_default()
                ),
            )
        }
        None => {
            return check(
                "prerequisites",
                PREREQ,
                Status::Unknown,
                "Oracle not observed",
            )
        }
    };
    let archivelog = db.log_mode.eq_ignore_ascii_case("ARCHIVELOG");
    let fact = format!(
        "LOG_MODE {}, minimal supplemental logging {}",
        db.log_mode,
        if db.supplemental_logging_min {
            "on"
        } else {
            "off"
        }
    );
    let status = if archivelog && db.supplemental_logging_min {
        Status::Pass
    } else {
        Status::Fail
    };
    check("prerequisites", PREREQ, status, fact)
}

const STATE: &str = "a state to resume from";

fn resume_state(
    o: &Observation,
    job: Option<&JobDetail>,
    given: Option<&str>,
) -> (Check, Option<Resume>) {
    if let Some(path) = given {
        return (
            check(
                "state",
                STATE,
                Status::Pass,
                format!("given by the operator: {path}"),
            ),
            Some(Resume::Given { path: path.into() }),
        );
    }
    if o.flink.value().is_none() {
        return (
            check("state", STATE, Status::Unknown, "Flink not observed"),
            None,
        );
    }
    let Some(j) = job else {
        return (
            check(
                "state",
                STATE,
                Status::Fail,
                "no job to take a savepoint from and no retained checkpoint known: name one with --savepoint PATH",
            ),
            None,
        );
    };
    let cp = match &j.checkpoints {
        Signal::Observed { value } => Some(value),
        _ => None,
    };
    let retained = cp.map(|c| c.retained_on_cancel);
    let last_path = cp
        .and_then(|c| c.last_completed.as_ref())
        .and_then(|c| c.external_path.clone());
    if j.state.eq_ignore_ascii_case("RUNNING") {
        let fallback = retained == Some(true);
        let fact = match (retained, &last_path) {
            (Some(true), Some(p)) => format!(
                "job {} RUNNING: stop with a savepoint; fallback allowed (checkpoints retained on cancel, latest {p})",
                j.id
            ),
            (Some(true), None) => format!(
                "job {} RUNNING: stop with a savepoint; fallback allowed (retained on cancel) but no checkpoint completed yet",
                j.id
            ),
            (Some(false), _) => format!(
                "job {} RUNNING: stop with a savepoint; no fallback (checkpoints are deleted on cancel)",
                j.id
            ),
            (None, _) => format!(
                "job {} RUNNING: stop with a savepoint; no fallback (checkpoint configuration not read)",
                j.id
            ),
        };
        return (
            check("state", STATE, Status::Pass, fact),
            Some(Resume::StopWithSavepoint {
                job_id: j.id.clone(),
                fallback,
            }),
        );
    }
    if !is_terminal_state(&j.state) {
        // RESTARTING, CREATED, …: a savepoint cannot be taken now.
        return (
            check(
                "state",
                STATE,
                Status::Fail,
                format!(
                    "job {} is {}: no savepoint can be taken; wait for it to run or end",
                    j.id, j.state
                ),
            ),
            None,
        );
    }
    // Ended. A failed job keeps its externalized checkpoints whatever the retention; a
    // cancelled one only when they are retained on cancel.
    let kept = j.state.eq_ignore_ascii_case("FAILED") || retained == Some(true);
    match (&last_path, kept) {
        (Some(path), true) => (
            check(
                "state",
                STATE,
                Status::Pass,
                format!(
                    "job {} {}: resume from its retained checkpoint {path}",
                    j.id, j.state
                ),
            ),
            Some(Resume::Retained {
                job_id: j.id.clone(),
                state: j.state.clone(),
                path: path.clone(),
            }),
        ),
        (Some(path), false) => (
            check(
                "state",
                STATE,
                Status::Fail,
                format!(
                    "job {} {}: its checkpoint {path} is not retained on cancel",
                    j.id, j.state
                ),
            ),
            None,
        ),
        (None, _) if cp.is_none() => (
            check(
                "state",
                STATE,
                Status::Unknown,
                format!(
                    "job {} {}: its checkpoints could not be read",
                    j.id, j.state
                ),
            ),
            None,
        ),
        (None, _) => (
            check(
                "state",
                STATE,
                Status::Fail,
                format!(
                    "job {} {}: no externalized checkpoint to resume from",
                    j.id, j.state
                ),
            ),
            None,
        ),
    }
}

const BUDGET: &str = "restart budget not used up";

fn budget(p: &PipelineConfig, used: &Result<u32, String>) -> Check {
    let r = &p.remediation;
    let window = humantime::format_duration(r.budget_window);
    match used {
        Ok(n) if *n < r.budget_restarts.get() => check(
            "budget",
            BUDGET,
            Status::Pass,
            format!("{n} of {} restarts used in the last {window}", r.budget_restarts),
        ),
        Ok(n) => check(
            "budget",
            BUDGET,
            Status::Fail,
            format!(
                "{n} of {} restarts used in the last {window}: the budget is used up; a restart that keeps failing needs a person",
                r.budget_restarts
            ),
        ),
        Err(e) => check(
            "budget",
            BUDGET,
            Status::Unknown,
            format!("the restarts cannot be counted: {e}"),
        ),
    }
}

const LOCK: &str = "no other doctor restarting this pipeline";

fn lock(l: &LockState) -> Check {
    match l {
        LockState::Free { checked } => {
            check("lock", LOCK, Status::Pass, format!("lock free ({checked})"))
        }
        LockState::Held { by, holder } => check(
            "lock",
            LOCK,
            Status::Fail,
            format!("held by {holder} ({by})"),
        ),
        LockState::Unchecked { why } => check(
            "lock",
            LOCK,
            Status::Unknown,
            format!("the lock cannot be checked: {why}"),
        ),
    }
}

const RESUBMIT: &str = "a resubmission configured";

fn resubmit(p: &PipelineConfig) -> Check {
    let r = &p.remediation;
    if r.mode == RemediationMode::AdviseOnly {
        return check(
            "resubmit",
            RESUBMIT,
            Status::Fail,
            "mode = \"advise_only\": the doctor only prints the plan",
        );
    }
    let Some(s) = &r.resubmit else {
        return check(
            "resubmit",
            RESUBMIT,
            Status::Fail,
            "no [pipeline.remediation.resubmit]: the doctor does not know how to submit the job",
        );
    };
    if !s.jar.is_file() {
        return check(
            "resubmit",
            RESUBMIT,
            Status::Fail,
            format!("the job jar {} does not exist", s.jar.display()),
        );
    }
    check(
        "resubmit",
        RESUBMIT,
        Status::Pass,
        format!(
            "{} ({}), parallelism {}, fixed job id {}",
            s.jar.display(),
            s.entry_class,
            s.parallelism,
            s.job_id
        ),
    )
}

/// How long a lock is kept at most, should its holder die without releasing it: every bounded
/// step of a restart, and a margin.
pub fn lock_ttl(bounds: &[Duration]) -> Duration {
    bounds.iter().sum::<Duration>() + Duration::from_secs(120)
}
