//! Periodic savepoints that can really be restored (README, "Savepoints").
//!
//! - `take`: one savepoint of a running job (never stop, never drain) with the doctor's own
//!   trigger id, polled to its end within a bound, recorded with its conservative restart SCN:
//!   the lowest of the output's last SCN and the oldest open transaction on the captured tables
//!   as observed just before the trigger (the gate's `RestartScn`).
//! - `periodic`: what `watch` runs on schedule, under the pipeline lock restarts take: `take`,
//!   retried once; the job's listed savepoints recorded beside the doctor's; then retention.
//! - `retain`: which of the doctor's own savepoints are disposed of (beyond `keep` or older than
//!   `max_age`, never the newest restorable one, never another's), through Flink's
//!   `/savepoint-disposal`, checked on disk when the path is visible here.
//! - `restorability`: RESTORABLE, REDO PURGED, GONE or UNKNOWN for a recorded savepoint against
//!   an observation's available redo; `newest_restorable` picks what a restart resumes from.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::new_trigger_id;
use crate::collectors::control::{FlinkControl, SavepointStatus};
use crate::config::PipelineConfig;
use crate::diagnose::questions::redo_headroom;
use crate::diagnose::RestartScn;
use crate::observation::{error_chain, Observation, Signal, Timestamp};
use crate::store::{History, SavepointRecord};

/// The audit log's action for a savepoint taken.
pub const TAKEN_ACTION: &str = "savepoint";
/// The audit log's action for a savepoint that failed.
pub const FAILED_ACTION: &str = "savepoint_failed";
/// The audit log's action for a savepoint disposed of.
pub const DISPOSED_ACTION: &str = "savepoint_disposed";

/// Whether a recorded savepoint can be restored now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Restorability {
    /// Its restart SCN is within the available redo of every thread, and its path exists (or
    /// cannot be checked from here).
    Restorable,
    /// Its restart SCN is older than the oldest available redo of `thread`: restoring it would
    /// fail with ORA-01291 or skip changes.
    RedoPurged {
        /// The first thread whose redo no longer reaches back to it.
        thread: u32,
        /// That thread's oldest available SCN.
        oldest_scn: u64,
    },
    /// Its directory no longer exists (disposed of, or deleted by hand).
    Gone,
    /// Not known: no restart SCN recorded, or Oracle's redo not observed.
    Unknown {
        /// Why.
        why: String,
    },
}

impl Restorability {
    /// The status word of the `savepoints` table.
    pub fn word(&self) -> &'static str {
        match self {
            Restorability::Restorable => "RESTORABLE",
            Restorability::RedoPurged { .. } => "REDO PURGED",
            Restorability::Gone => "GONE",
            Restorability::Unknown { .. } => "UNKNOWN",
        }
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            Restorability::Restorable => "RESTORABLE".into(),
            Restorability::RedoPurged { thread, oldest_scn } => {
                format!("REDO PURGED (thread {thread} starts at SCN {oldest_scn})")
            }
            Restorability::Gone => "GONE".into(),
            Restorability::Unknown { why } => format!("UNKNOWN ({why})"),
        }
    }
}

/// The local directory of a savepoint path (`file:///x`, `file:/x` or `/x`); `None` for a
/// remote file system (s3://, hdfs://), which this host cannot look into.
pub fn local_dir(path: &str) -> Option<PathBuf> {
    let rest = match path.strip_prefix("file://") {
        Some(r) => r.strip_prefix("localhost").unwrap_or(r),
        None => path.strip_prefix("file:").unwrap_or(path),
    };
    rest.starts_with('/').then(|| PathBuf::from(rest))
}

/// Whether the savepoint's directory is gone, when this host can tell: its parent exists here
/// (the savepoint directory is mounted on this host) and it does not. `None` when the path is
/// remote or its parent is not visible: a doctor on another host must not call it gone.
pub fn path_gone(path: &str) -> Option<bool> {
    let dir = local_dir(path)?;
    if !dir.parent()?.is_dir() {
        return None;
    }
    Some(!dir.exists())
}

/// Whether `sp` can be restored, judged on `o`'s available redo.
pub fn restorability(sp: &SavepointRecord, o: Option<&Observation>) -> Restorability {
    if sp.disposed_at.is_some() || path_gone(&sp.path) == Some(true) {
        return Restorability::Gone;
    }
    let Some(scn) = sp.restart_scn else {
        return Restorability::Unknown {
            why: "no restart SCN recorded: the doctor did not observe the pipeline before it was taken".into(),
        };
    };
    let threads = match o.and_then(|o| o.oracle.value()).map(|x| &x.redo) {
        Some(Signal::Observed { value }) if !value.threads.is_empty() => &value.threads,
        Some(Signal::Observed { .. }) => {
            return Restorability::Unknown {
                why: "Oracle lists no redo thread".into(),
            }
        }
        Some(other) => {
            return Restorability::Unknown {
                why: format!(
                    "Oracle's redo not observed: {}",
                    other.error().unwrap_or_default()
                ),
            }
        }
        None => {
            return Restorability::Unknown {
                why: "Oracle not observed".into(),
            }
        }
    };
    match threads.iter().find(|t| t.oldest_scn > scn) {
        Some(t) => Restorability::RedoPurged {
            thread: t.thread,
            oldest_scn: t.oldest_scn,
        },
        None => Restorability::Restorable,
    }
}

/// The newest of `sps` (newest first, as the store lists them) that is restorable on `o`.
pub fn newest_restorable<'a>(
    sps: &'a [SavepointRecord],
    o: Option<&Observation>,
) -> Option<&'a SavepointRecord> {
    sps.iter()
        .find(|sp| restorability(sp, o) == Restorability::Restorable)
}

/// How long until the restart SCN of `sp` ages out of redo, when `o` tells.
pub fn headroom(sp: &SavepointRecord, o: &Observation) -> Option<Duration> {
    redo_headroom(o, sp.restart_scn?).map(|h| h.headroom)
}

/// Why a savepoint was not taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// When the attempt began.
    pub at: Timestamp,
    /// Flink's failure cause, or what went wrong asking for it.
    pub cause: String,
}

/// One savepoint of the running `job_id`: triggered with a new trigger id, polled every `poll`
/// until it completes, fails, or `bound` passes. `before` is the observation the restart SCN
/// is taken from (made just before the trigger).
pub async fn take<C: FlinkControl>(
    control: &C,
    p: &PipelineConfig,
    job_id: &str,
    before: &Observation,
    now: Timestamp,
    bound: Duration,
    poll: Duration,
) -> Result<SavepointRecord, Failure> {
    let fail = |cause: String| Failure { at: now, cause };
    let trigger_id = new_trigger_id();
    let polled = control
        .trigger_savepoint(job_id, p.savepoints.dir.as_deref(), &trigger_id)
        .await
        .map_err(|e| fail(format!("the trigger failed: {}", error_chain(&e))))?;
    let deadline = tokio::time::Instant::now() + bound;
    let location = loop {
        let last_error = match control.savepoint_status(job_id, &polled).await {
            Ok(SavepointStatus::Completed { location }) => break location,
            Ok(SavepointStatus::Failed { cause }) => return Err(fail(cause)),
            Ok(SavepointStatus::InProgress) => None,
            // A failover loses the operation with its JobManager: the new leader does not know
            // the trigger id. Polled until the bound; the next attempt goes to the new leader.
            Err(e) => Some(error_chain(&e)),
        };
        if tokio::time::Instant::now() + poll > deadline {
            return Err(fail(match last_error {
                Some(e) => format!(
                    "no outcome within {}: the JobManager that took it no longer answers for it ({e})",
                    humantime::format_duration(bound)
                ),
                None => format!(
                    "still in progress after {}",
                    humantime::format_duration(bound)
                ),
            }));
        }
        tokio::time::sleep(poll).await;
    };
    let listed = control.listed_savepoints(job_id).await.unwrap_or_default();
    let size_bytes = listed
        .iter()
        .find(|l| l.path == location)
        .and_then(|l| l.size_bytes);
    let (restart_scn, scn_sources) = restart_scn_of(before);
    Ok(SavepointRecord {
        pipeline: p.name.clone(),
        path: location,
        job_id: job_id.to_string(),
        trigger_id: Some(trigger_id),
        triggered_at: now,
        completed_at: Timestamp::from_system_time(std::time::SystemTime::now()),
        size_bytes,
        restart_scn,
        scn_sources,
        disposed_at: None,
    })
}

/// The conservative restart SCN of a savepoint triggered after `o`, with its sources.
fn restart_scn_of(o: &Observation) -> (Option<u64>, Vec<String>) {
    match RestartScn::of(o, None).lowest() {
        Some((scn, sources)) => (Some(scn), sources.iter().map(|f| f.en()).collect()),
        None => (None, Vec::new()),
    }
}

/// What one scheduled run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PeriodicRun {
    /// The savepoint taken, when one was.
    pub taken: Option<SavepointRecord>,
    /// The attempts that failed, in order (at most two: one retry).
    pub failures: Vec<Failure>,
    /// Paths disposed of by retention.
    pub disposed: Vec<String>,
    /// Why retention kept what it would otherwise dispose of, or could not run.
    pub retention_notes: Vec<String>,
    /// Why nothing was attempted (the lock is held by a restart, …).
    pub skipped: Option<String>,
}

/// `watch`'s scheduled savepoint of `p`'s running `job_id`, under the pipeline lock: `take`,
/// retried once; savepoints the job's history lists recorded beside it; then retention.
pub async fn periodic<C: FlinkControl>(
    control: &C,
    p: &PipelineConfig,
    job_id: &str,
    before: &Observation,
    history: &History,
    poll: Duration,
) -> PeriodicRun {
    let mut run = PeriodicRun::default();
    let bound = p.remediation.stop_timeout;
    let now = Timestamp::from_system_time(std::time::SystemTime::now());
    let lock = match super::lock::acquire(
        Some(history),
        p.zookeeper.as_ref(),
        &p.name,
        &p.flink.job_name,
        // Two attempts and the retention's disposals, each bounded.
        bound * 4 + Duration::from_secs(60),
        now,
    )
    .await
    {
        Ok(l) => l,
        Err(e) => {
            run.skipped = Some(format!("the pipeline lock is not free: {e}"));
            return run;
        }
    };
    for attempt in 0..2 {
        let at = Timestamp::from_system_time(std::time::SystemTime::now());
        if attempt > 0 {
            // A first attempt lost in a JobManager failover is retried on the new leader once
            // the job runs there again (its recovery takes a while): not at once, to fail again.
            if let Err(e) = super::wait_for_state(
                control,
                job_id,
                &["RUNNING"],
                p.remediation.running_timeout,
                poll,
            )
            .await
            {
                let f = Failure {
                    at,
                    cause: format!("not retried: {}", error_chain(&e)),
                };
                audit(history, &p.name, FAILED_ACTION, &f).await;
                run.failures.push(f);
                break;
            }
        }
        match take(control, p, job_id, before, at, bound, poll).await {
            Ok(sp) => {
                audit(history, &p.name, TAKEN_ACTION, &sp).await;
                if let Err(e) = history.record_savepoint(&sp, true).await {
                    tracing::error!(pipeline = %p.name, error = %error_chain(&e), "Cannot record a savepoint.");
                }
                run.taken = Some(sp);
                break;
            }
            Err(f) => {
                tracing::warn!(pipeline = %p.name, cause = %f.cause, "Savepoint failed.");
                audit(history, &p.name, FAILED_ACTION, &f).await;
                run.failures.push(f);
            }
        }
    }
    record_listed(control, p, job_id, history).await;
    if run.taken.is_some() {
        let (disposed, notes) = retain(control, p, before, history, poll).await;
        run.disposed = disposed;
        run.retention_notes = notes;
    }
    lock.release().await;
    run
}

async fn audit<T: Serialize>(history: &History, pipeline: &str, action: &str, detail: &T) {
    let detail = serde_json::to_string(detail).unwrap_or_default();
    if let Err(e) = history
        .record_action(
            pipeline,
            Timestamp::from_system_time(std::time::SystemTime::now()),
            action,
            &detail,
        )
        .await
    {
        tracing::error!(pipeline, error = %error_chain(&e), "Cannot write the audit log.");
    }
}

/// Records the completed savepoints the job's checkpoint history lists that the doctor does
/// not know yet (taken by hand, or by another tool), with the restart SCN of the newest
/// observation the history holds from before each was triggered.
pub async fn record_listed<C: FlinkControl>(
    control: &C,
    p: &PipelineConfig,
    job_id: &str,
    history: &History,
) {
    let Ok(listed) = control.listed_savepoints(job_id).await else {
        return;
    };
    for l in listed {
        let triggered_at = Timestamp::from_unix_millis(l.triggered_ms);
        let before = history
            .recent_observations(&p.name, triggered_at.minus(Duration::from_secs(600)), 1_000)
            .await
            .ok()
            .and_then(|obs| {
                obs.into_iter()
                    .rev()
                    .find(|o| o.observed_at <= triggered_at)
            });
        let (restart_scn, scn_sources) = before
            .as_ref()
            .map(restart_scn_of)
            .unwrap_or((None, Vec::new()));
        let sp = SavepointRecord {
            pipeline: p.name.clone(),
            path: l.path,
            job_id: job_id.to_string(),
            trigger_id: None,
            triggered_at,
            completed_at: Timestamp::from_unix_millis(l.completed_ms),
            size_bytes: l.size_bytes,
            restart_scn,
            scn_sources,
            disposed_at: None,
        };
        if let Err(e) = history.record_savepoint(&sp, false).await {
            tracing::error!(pipeline = %p.name, error = %error_chain(&e), "Cannot record a listed savepoint.");
        }
    }
}

/// Which of `sps` (newest first) retention disposes of at `now`: the doctor's own, not yet
/// disposed of, beyond the newest `keep` of them or older than `max_age`, and never `protect`
/// (the newest restorable one).
pub fn to_dispose<'a>(
    sps: &'a [SavepointRecord],
    keep: usize,
    max_age: Duration,
    now: Timestamp,
    protect: Option<&str>,
) -> Vec<&'a SavepointRecord> {
    sps.iter()
        .filter(|sp| sp.is_ours() && sp.disposed_at.is_none())
        .enumerate()
        .filter(|(i, sp)| *i >= keep || now.since(sp.completed_at) > max_age)
        .map(|(_, sp)| sp)
        .filter(|sp| Some(sp.path.as_str()) != protect)
        .collect()
}

/// Retention after a new savepoint: disposes of what `to_dispose` names, each through Flink
/// and checked gone on disk when the path is visible here. Runs only when `o` shows Oracle's
/// redo (else which one is the newest restorable is not known, and nothing is touched).
/// Returns the paths disposed of and notes on what was kept or failed.
pub async fn retain<C: FlinkControl>(
    control: &C,
    p: &PipelineConfig,
    o: &Observation,
    history: &History,
    poll: Duration,
) -> (Vec<String>, Vec<String>) {
    let mut notes = Vec::new();
    let sps = match history.savepoints(Some(&p.name)).await {
        Ok(s) => s,
        Err(e) => return (Vec::new(), vec![format!("cannot read the savepoints: {e}")]),
    };
    let redo_seen = o
        .oracle
        .value()
        .is_some_and(|x| matches!(x.redo, Signal::Observed { .. }));
    if !redo_seen {
        notes.push("retention skipped: Oracle's redo was not observed, so the newest restorable savepoint is not known".into());
        return (Vec::new(), notes);
    }
    let protect = newest_restorable(&sps, Some(o)).map(|sp| sp.path.clone());
    let mut disposed = Vec::new();
    let now = Timestamp::from_system_time(std::time::SystemTime::now());
    for sp in to_dispose(
        &sps,
        p.savepoints.keep.get() as usize,
        p.savepoints.max_age,
        now,
        protect.as_deref(),
    ) {
        match dispose(control, &sp.path, p.remediation.stop_timeout, poll).await {
            Ok(()) => {
                let mut done = sp.clone();
                done.disposed_at = Some(Timestamp::from_system_time(std::time::SystemTime::now()));
                if let Err(e) = history.record_savepoint(&done, true).await {
                    notes.push(format!("disposed of {} but cannot record it: {e}", sp.path));
                }
                audit(history, &p.name, DISPOSED_ACTION, &done).await;
                disposed.push(sp.path.clone());
            }
            Err(why) => {
                tracing::warn!(pipeline = %p.name, path = %sp.path, error = %why, "Savepoint not disposed of.");
                notes.push(format!("{} not disposed of: {why}", sp.path));
            }
        }
    }
    (disposed, notes)
}

/// Disposes of the savepoint at `path` and checks that it is gone (when this host sees it).
async fn dispose<C: FlinkControl>(
    control: &C,
    path: &str,
    bound: Duration,
    poll: Duration,
) -> Result<(), String> {
    let id = control
        .dispose_savepoint(path)
        .await
        .map_err(|e| error_chain(&e))?;
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        match control.disposal_status(&id).await {
            Ok(SavepointStatus::Completed { .. }) => break,
            Ok(SavepointStatus::Failed { cause }) => return Err(cause),
            Ok(SavepointStatus::InProgress) => {}
            Err(e) => {
                if tokio::time::Instant::now() + poll > deadline {
                    return Err(error_chain(&e));
                }
            }
        }
        if tokio::time::Instant::now() + poll > deadline {
            return Err(format!(
                "still in progress after {}",
                humantime::format_duration(bound)
            ));
        }
        tokio::time::sleep(poll).await;
    }
    match path_gone(path) {
        Some(false) => Err(format!(
            "Flink reported the disposal done but {} still exists",
            local_dir(path)
                .unwrap_or_else(|| Path::new(path).into())
                .display()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(path: &str, ours: bool, age_s: u64, now: Timestamp) -> SavepointRecord {
        let at = now.minus(Duration::from_secs(age_s));
        SavepointRecord {
            pipeline: "orders".into(),
            path: path.into(),
            job_id: "j".into(),
            trigger_id: ours.then(|| "t".into()),
            triggered_at: at,
            completed_at: at,
            size_bytes: None,
            restart_scn: Some(100),
            scn_sources: vec![],
            disposed_at: None,
        }
    }

    fn paths(v: Vec<&SavepointRecord>) -> Vec<&str> {
        v.into_iter().map(|s| s.path.as_str()).collect()
    }

    #[test]
    fn retention_keeps_the_newest_count_and_age_and_never_the_protected_or_anothers() {
        let now = Timestamp::from_unix_millis(10_000_000_000);
        let day = 24 * 3600;
        // Newest first, as the store lists them.
        let sps = vec![
            sp("/sp/5", true, 10, now),
            sp("/sp/4", false, 20, now),
            sp("/sp/3", true, 30, now),
            sp("/sp/2", true, 40, now),
            sp("/sp/1", true, 9 * day, now),
        ];
        let week = Duration::from_secs(7 * day);
        // keep 2 of the doctor's own: /sp/5 and /sp/3; the found /sp/4 is never touched.
        assert_eq!(
            paths(to_dispose(&sps, 2, week, now, None)),
            ["/sp/2", "/sp/1"]
        );
        // By age only: /sp/1 is older than 7 days.
        assert_eq!(paths(to_dispose(&sps, 10, week, now, None)), ["/sp/1"]);
        // The newest restorable one is never disposed of, whatever its age or rank.
        assert_eq!(
            paths(to_dispose(&sps, 2, week, now, Some("/sp/1"))),
            ["/sp/2"]
        );
        // Already disposed of: not again.
        let mut done = sps.clone();
        done[3].disposed_at = Some(now);
        assert_eq!(paths(to_dispose(&done, 2, week, now, None)), ["/sp/1"]);
    }

    #[test]
    fn only_local_paths_whose_parent_is_visible_can_be_gone() {
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("savepoint-1");
        std::fs::create_dir(&present).unwrap();
        let url = |p: &Path| format!("file://{}", p.display());
        assert_eq!(path_gone(&url(&present)), Some(false));
        assert_eq!(path_gone(&url(&dir.path().join("savepoint-2"))), Some(true));
        assert_eq!(
            path_gone(&format!(
                "file:{}",
                dir.path().join("savepoint-2").display()
            )),
            Some(true)
        );
        // Another host's directory, or a remote file system: not known, never "gone".
        assert_eq!(path_gone("file:///no/such/parent/savepoint-3"), None);
        assert_eq!(path_gone("s3://bucket/savepoints/savepoint-4"), None);
        assert_eq!(local_dir("hdfs:///x"), None);
    }
}
