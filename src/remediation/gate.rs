//! The pre-restart gate of DESIGN.md §6: every condition a restart needs, checked on the newest
//! observation, each PASS, FAIL or UNKNOWN with the fact behind it.
//!
//! Pure: the caller collects the observation, counts the budget and takes the lock; this module
//! only judges. A check whose signal is missing is UNKNOWN, never PASS: the gate lets a restart
//! through only when every condition is known to hold. It also decides what the restart resumes
//! from, so that the plan and the gate can never disagree.

use std::time::Duration;

use serde::Serialize;

use super::savepoints::{newest_restorable, restorability, Restorability};
use crate::config::{PipelineConfig, RemediationMode};
use crate::diagnose::questions::{disagreement, failover, redo_coverage, RedoCoverage};
use crate::diagnose::{Fact, RestartScn, Secs};
use crate::exit::Exit;
use crate::lang::Lang;
use crate::observation::{is_terminal_state, JobDetail, Observation, Signal, Timestamp};
use crate::store::SavepointRecord;

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
    /// What is checked, for people (English; [`Check::title_in`] for another language).
    pub title: &'static str,
    /// The outcome.
    pub status: Status,
    /// The fact behind it, with its numbers (English in JSON).
    #[serde(serialize_with = "crate::diagnose::fact::english")]
    pub fact: Fact,
}

impl Check {
    /// What is checked, in `lang`.
    pub fn title_in(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.title,
            Lang::Zh => match self.key {
                "leader" => "唯一 leader、无主备切换、各 JobManager 一致",
                "job" => "作业恰好只有一份",
                "oracle" => "Oracle 可访问",
                "redo" => "重启点 SCN 在可用 redo 范围内",
                "prerequisites" => "归档日志模式与补充日志已开启",
                "state" => "有可恢复的状态",
                "budget" => "重启次数未用完",
                "lock" => "没有其他 doctor 在重启此管道",
                "resubmit" => "已配置重新提交方式",
                _ => self.title,
            },
        }
    }
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
        /// The savepoint or retained checkpoint path, as given with `--savepoint`.
        path: String,
    },
}

/// What the gate needs besides the observation.
#[derive(Debug, Clone)]
pub struct GateInput<'a> {
    /// The pipeline as configured (its remediation settings decide the budget and the resubmission).
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
    /// The savepoints the doctor knows of this pipeline, newest first (the state database):
    /// a named one whose redo is purged is refused; when the job's own state cannot serve,
    /// the newest restorable one is resumed from.
    pub savepoints: &'a [SavepointRecord],
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
        /// The error of the state database or of ZooKeeper.
        why: String,
    },
}

/// The gate's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    /// The pipeline's name from the config.
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
            .map(|c| format!("{} {}: {}", c.status.as_str(), c.title, c.fact.en()))
            .collect()
    }

    /// The check with `key`.
    pub fn check(&self, key: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.key == key)
    }
}

fn check(key: &'static str, title: &'static str, status: Status, fact: Fact) -> Check {
    Check {
        key,
        title,
        status,
        fact,
    }
}

fn not_observed(system: &str, error: Option<&str>) -> Fact {
    Fact::NotObserved {
        system: system.into(),
        error: error.map(str::to_owned),
    }
}

/// Judges every condition on the newest observation.
pub fn evaluate(input: &GateInput<'_>) -> GateReport {
    let o = input.observation;
    let p = input.pipeline;
    let (job_check, job) = job_once(o, input.given_state.is_some());
    let restart = RestartScn::of(o, input.from_scn);
    let (state_check, resume) =
        resume_state(o, job, input.given_state.as_deref(), input.savepoints);
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
                not_observed("Flink", Some(other.error().unwrap_or_default())),
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
            Fact::FailoverNow { why: Box::new(why) },
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
            Fact::NoJobManagerAnswers {
                count: f.jobmanagers.len() as u64,
            },
        );
    }
    if let Some((a, b)) = disagreement(o) {
        return check(
            "leader",
            LEADER,
            Status::Fail,
            Fact::JobManagersListDifferent {
                a: Box::new(a),
                b: Box::new(b),
            },
        );
    }
    let zk = match &o.zookeeper {
        Signal::Observed { value } => match &value.leader_rest_url {
            Some(url) => Some(url.clone()),
            None => return check("leader", LEADER, Status::Fail, Fact::ZookeeperNamesNoLeader),
        },
        Signal::Missing { error } => {
            return check(
                "leader",
                LEADER,
                Status::Unknown,
                not_observed("ZooKeeper", Some(error)),
            )
        }
        Signal::NotCollected { .. } => None,
    };
    check(
        "leader",
        LEADER,
        Status::Pass,
        Fact::JobManagersAgree {
            up: up.len() as u64,
            total: f.jobmanagers.len() as u64,
            zookeeper_leader: zk,
        },
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
            check("job", JOB, Status::Unknown, not_observed("Flink", None)),
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
                Fact::WhichCopyNameIt {
                    copies: f.ambiguous_copies.clone().unwrap_or_default(),
                },
            ),
            None,
        ),
        0 => match &f.job {
            Some(j) => (
                check(
                    "job",
                    JOB,
                    Status::Pass,
                    Fact::JobResubmitted {
                        job: j.id.clone(),
                        state: j.state.clone(),
                    },
                ),
                Some(j),
            ),
            None => (check("job", JOB, Status::Pass, Fact::NoJobToResubmit), None),
        },
        1 => (
            check(
                "job",
                JOB,
                Status::Pass,
                Fact::JobSince {
                    job: live[0].id.clone(),
                    state: live[0].state.clone(),
                    since: live[0].start_time,
                },
            ),
            f.job.as_ref().filter(|j| j.id == live[0].id),
        ),
        _ => (
            check(
                "job",
                JOB,
                Status::Fail,
                Fact::JobRunsCopies {
                    ids: live.iter().map(|j| j.id.clone()).collect(),
                },
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
                Fact::OracleAnswers {
                    version: db.version.clone(),
                    role: db.role.clone(),
                    open_mode: db.open_mode.clone(),
                    scn: db.current_scn,
                },
            ),
            other => check(
                "oracle",
                ORACLE,
                Status::Fail,
                Fact::DatabaseStateUnreadable {
                    error: other.error().unwrap_or_default().into(),
                },
            ),
        },
        Signal::Missing { error } => check(
            "oracle",
            ORACLE,
            Status::Fail,
            Fact::OracleDoesNotAnswer {
                error: error.clone(),
            },
        ),
        Signal::NotCollected { reason } => check(
            "oracle",
            ORACLE,
            Status::Unknown,
            Fact::OracleNotCollected {
                reason: reason.clone(),
            },
        ),
    }
}

const REDO: &str = "restart SCN covered by available redo";

fn redo(o: &Observation, restart: &RestartScn) -> Check {
    let per_thread = |threads: &[crate::observation::RedoThread]| -> Vec<(u32, u64)> {
        threads.iter().map(|t| (t.thread, t.oldest_scn)).collect()
    };
    match redo_coverage(o, restart) {
        RedoCoverage::NoRestartScn(why) => check(
            "redo",
            REDO,
            Status::Unknown,
            Fact::NoRestartScnKnown { why: Box::new(why) },
        ),
        RedoCoverage::RedoUnknown(why) => check("redo", REDO, Status::Unknown, why),
        RedoCoverage::Covered {
            scn,
            sources,
            threads,
        } => check(
            "redo",
            REDO,
            Status::Pass,
            Fact::RedoCovers {
                scn,
                sources,
                threads: per_thread(threads),
            },
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
            Fact::RedoUncovered {
                scn,
                sources,
                uncovered,
                threads: per_thread(threads),
            },
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
                not_observed("V$DATABASE", Some(other.error().unwrap_or_default())),
            )
        }
        None => {
            return check(
                "prerequisites",
                PREREQ,
                Status::Unknown,
                not_observed("Oracle", None),
            )
        }
    };
    let archivelog = db.log_mode.eq_ignore_ascii_case("ARCHIVELOG");
    let fact = Fact::Prerequisites {
        log_mode: db.log_mode.clone(),
        supplemental_min: db.supplemental_logging_min,
    };
    let status = if archivelog && db.supplemental_logging_min {
        Status::Pass
    } else {
        Status::Fail
    };
    check("prerequisites", PREREQ, status, fact)
}

const STATE: &str = "a state to resume from";

/// The recorded savepoint at `path` (trailing slashes aside).
fn recorded<'a>(sps: &'a [SavepointRecord], path: &str) -> Option<&'a SavepointRecord> {
    let norm = |p: &str| p.trim_end_matches('/').to_string();
    sps.iter().find(|sp| norm(&sp.path) == norm(path))
}

/// A FAIL when the doctor recorded the savepoint at `path` and it can no longer be restored
/// (its restart SCN is older than the available redo, or it is gone).
fn unrestorable(o: &Observation, sps: &[SavepointRecord], path: &str) -> Option<Check> {
    let sp = recorded(sps, path)?;
    let fact = match restorability(sp, Some(o)) {
        Restorability::RedoPurged { thread, oldest_scn } => Fact::SavepointRedoPurged {
            path: path.into(),
            scn: sp.restart_scn.unwrap_or_default(),
            thread,
            oldest: oldest_scn,
        },
        Restorability::Gone => Fact::SavepointGone { path: path.into() },
        Restorability::Restorable | Restorability::Unknown { .. } => return None,
    };
    Some(check("state", STATE, Status::Fail, fact))
}

/// When the job's own state cannot serve: the newest restorable savepoint the doctor knows.
fn newest_savepoint(
    o: &Observation,
    j: &JobDetail,
    sps: &[SavepointRecord],
    instead: (Check, Option<Resume>),
) -> (Check, Option<Resume>) {
    match newest_restorable(sps, Some(o)) {
        Some(sp) => (
            check(
                "state",
                STATE,
                Status::Pass,
                Fact::ResumeNewestRestorable {
                    job: j.id.clone(),
                    state: j.state.clone(),
                    path: sp.path.clone(),
                    scn: sp.restart_scn.unwrap_or_default(),
                },
            ),
            Some(Resume::Given {
                path: sp.path.clone(),
            }),
        ),
        None => instead,
    }
}

fn resume_state(
    o: &Observation,
    job: Option<&JobDetail>,
    given: Option<&str>,
    sps: &[SavepointRecord],
) -> (Check, Option<Resume>) {
    if let Some(path) = given {
        if let Some(refused) = unrestorable(o, sps, path) {
            return (refused, None);
        }
        return (
            check(
                "state",
                STATE,
                Status::Pass,
                Fact::StateGiven { path: path.into() },
            ),
            Some(Resume::Given { path: path.into() }),
        );
    }
    if o.flink.value().is_none() {
        return (
            check("state", STATE, Status::Unknown, not_observed("Flink", None)),
            None,
        );
    }
    let Some(j) = job else {
        return (
            check("state", STATE, Status::Fail, Fact::NoStateToResume),
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
        let fact = Fact::StopWithSavepoint {
            job: j.id.clone(),
            retained,
            latest: last_path.clone(),
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
                Fact::NoSavepointNow {
                    job: j.id.clone(),
                    state: j.state.clone(),
                },
            ),
            None,
        );
    }
    // Ended. A failed job keeps its externalized checkpoints whatever the retention; a
    // cancelled one only when they are retained on cancel.
    let kept = j.state.eq_ignore_ascii_case("FAILED") || retained == Some(true);
    if let Some(path) = last_path.as_deref().filter(|_| kept) {
        if let Some(refused) = unrestorable(o, sps, path) {
            return newest_savepoint(o, j, sps, (refused, None));
        }
    }
    let own = match (&last_path, kept) {
        (Some(path), true) => (
            check(
                "state",
                STATE,
                Status::Pass,
                Fact::ResumeRetained {
                    job: j.id.clone(),
                    state: j.state.clone(),
                    path: path.clone(),
                },
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
                Fact::CheckpointNotRetained {
                    job: j.id.clone(),
                    state: j.state.clone(),
                    path: path.clone(),
                },
            ),
            None,
        ),
        (None, _) if cp.is_none() => (
            check(
                "state",
                STATE,
                Status::Unknown,
                Fact::CheckpointsUnreadable {
                    job: j.id.clone(),
                    state: j.state.clone(),
                },
            ),
            None,
        ),
        (None, _) => (
            check(
                "state",
                STATE,
                Status::Fail,
                Fact::NoExternalizedCheckpoint {
                    job: j.id.clone(),
                    state: j.state.clone(),
                },
            ),
            None,
        ),
    };
    // The job's own state is gone: the doctor's savepoints may still serve.
    match own {
        (c, None) if c.status == Status::Fail => newest_savepoint(o, j, sps, (c, None)),
        other => other,
    }
}

const BUDGET: &str = "restart budget not used up";

fn budget(p: &PipelineConfig, used: &Result<u32, String>) -> Check {
    let r = &p.remediation;
    let window = Secs::of(r.budget_window);
    let budget = u64::from(r.budget_restarts.get());
    match used {
        Ok(n) if *n < r.budget_restarts.get() => check(
            "budget",
            BUDGET,
            Status::Pass,
            Fact::BudgetLeft {
                used: u64::from(*n),
                budget,
                window,
            },
        ),
        Ok(n) => check(
            "budget",
            BUDGET,
            Status::Fail,
            Fact::BudgetUsedUp {
                used: u64::from(*n),
                budget,
                window,
            },
        ),
        Err(e) => check(
            "budget",
            BUDGET,
            Status::Unknown,
            Fact::RestartsUncountable { error: e.clone() },
        ),
    }
}

const LOCK: &str = "no other doctor restarting this pipeline";

fn lock(l: &LockState) -> Check {
    match l {
        LockState::Free { checked } => check(
            "lock",
            LOCK,
            Status::Pass,
            Fact::LockFree {
                checked: checked.clone(),
            },
        ),
        LockState::Held { by, holder } => check(
            "lock",
            LOCK,
            Status::Fail,
            Fact::LockHeld {
                holder: holder.clone(),
                by: by.clone(),
            },
        ),
        LockState::Unchecked { why } => check(
            "lock",
            LOCK,
            Status::Unknown,
            Fact::LockUnchecked { why: why.clone() },
        ),
    }
}

const RESUBMIT: &str = "a resubmission configured";

fn resubmit(p: &PipelineConfig) -> Check {
    let r = &p.remediation;
    if r.mode == RemediationMode::AdviseOnly {
        return check("resubmit", RESUBMIT, Status::Fail, Fact::AdviseOnly);
    }
    let Some(s) = &r.resubmit else {
        return check(
            "resubmit",
            RESUBMIT,
            Status::Fail,
            Fact::NoResubmitConfigured,
        );
    };
    if !s.jar.is_file() {
        return check(
            "resubmit",
            RESUBMIT,
            Status::Fail,
            Fact::JarMissing {
                jar: s.jar.display().to_string(),
            },
        );
    }
    check(
        "resubmit",
        RESUBMIT,
        Status::Pass,
        Fact::ResubmitConfigured {
            jar: s.jar.display().to_string(),
            entry_class: s.entry_class.clone(),
            parallelism: u64::from(s.parallelism.get()),
            job_id: s.job_id.clone(),
        },
    )
}

/// How long a lock is kept at most, should its holder die without releasing it: every bounded
/// step of a restart, and a margin.
pub fn lock_ttl(bounds: &[Duration]) -> Duration {
    bounds.iter().sum::<Duration>() + Duration::from_secs(120)
}
