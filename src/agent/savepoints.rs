//! `watch`'s periodic savepoints (`[pipeline.savepoints] interval`): when one is due, whether
//! its run has ended, and the savepoint alerts.
//!
//! A run (`remediation::savepoints::periodic`: the savepoint, one retry, the listed ones,
//! retention) goes in a task of its own, so probing goes on meanwhile; a new one starts only
//! after the last ended (never two at once), `interval` after the last attempt, while the job
//! runs and no JobManager failover is in progress. The pipeline lock keeps it apart from a
//! restart.
//!
//! Alerts are WARNINGs of their own (`Topic::Savepoints`), each fired once when its condition
//! begins and resolved when it ends: two failed attempts in a row (naming Flink's cause); no
//! restorable savepoint younger than `interval` × 2; the newest restorable one aging out of
//! redo within `redo_headroom_warning`.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::alerts::{dedup::Notice, AlertMessage};
use super::metrics::Metrics;
use super::remediate::Remediator;
use crate::config::PipelineConfig;
use crate::diagnose::questions::failover;
use crate::diagnose::{Cause, Fact, Secs};
use crate::observation::{error_chain, Observation, Signal, Timestamp};
use crate::remediation::savepoints::{headroom, newest_restorable, PeriodicRun};
use crate::store::History;

/// A savepoint condition that alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Warning {
    /// No restorable savepoint younger than `interval` × 2.
    NoneRecent,
    /// The newest restorable one ages out of redo within `redo_headroom_warning`.
    AgingOut,
}

/// One pipeline's savepoint schedule.
pub struct Schedule {
    started: Timestamp,
    /// When the last run began (read from the state database at the first step).
    last_attempt: Option<Timestamp>,
    loaded: bool,
    running: Option<JoinHandle<PeriodicRun>>,
    /// The alerts' state (in a fleet, the fleet's: read before and written after each step).
    alerts: AlertsState,
    /// A run ended since the fleet's records were last written.
    recorded_changed: bool,
    /// The version of the fleet's savepoint node last merged.
    seen_version: Option<i32>,
}

/// The savepoint alerts' state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct AlertsState {
    /// Failed attempts since the last savepoint taken.
    failed_in_a_row: usize,
    /// Since when the failure alert fires.
    failing_since: Option<Timestamp>,
    /// The redo/recency alert firing, and since when.
    warning: Option<(Warning, Timestamp)>,
}

/// What the members of a fleet share of a pipeline's savepoints (`savepoints/<pipeline>`): the
/// ones the owners recorded (a new owner knows them and their restart SCNs, so it neither
/// doubts them nor takes one at once) and the alerts' state (a new owner neither fires again
/// nor forgets to resolve).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Shared {
    alerts: AlertsState,
    records: Vec<crate::store::SavepointRecord>,
}

/// For the one-shot commands (`savepoints`, `gate`, `restart`) in a fleet: merges the
/// savepoints the owners of `pipeline` recorded in the fleet into this host's state database,
/// so a savepoint another member took is judged (and may be resumed from) here too. Returns how
/// many were merged; an unreachable ZooKeeper is an error the caller logs (the local records
/// still serve).
pub async fn merge_fleet_records(
    fleet: &crate::config::FleetConfig,
    history: &History,
    pipeline: &str,
) -> Result<usize, String> {
    use crate::collectors::zookeeper::fleet::{Coordinator, SharedState};
    let zk = Coordinator::for_command(fleet.clone());
    let read = zk
        .state::<Shared>(SharedState::Savepoints, pipeline)
        .await
        .map_err(|e| e.to_string());
    zk.close();
    let (shared, _) = read?;
    merge_records(history, &shared.records).await?;
    Ok(shared.records.len())
}

/// Records the fleet's savepoint records in this host's state database (a newer copy of one
/// already known replaces it: its disposal, say).
async fn merge_records(
    history: &History,
    records: &[crate::store::SavepointRecord],
) -> Result<(), String> {
    for r in records {
        history
            .record_savepoint(r, true)
            .await
            .map_err(|e| error_chain(&e))?;
    }
    Ok(())
}

/// At most this many savepoint records are shared (the newest).
const SHARED_RECORDS: usize = 50;

/// What a step needs from the pipeline's task.
pub struct Ctx<'a> {
    /// The pipeline.
    pub pipeline: &'a PipelineConfig,
    /// The newest observation.
    pub latest: &'a Observation,
    /// The verdict's cause now (carried by the alerts).
    pub cause: Cause,
    /// The probe's clock now.
    pub now: Timestamp,
    /// Takes the savepoints.
    pub remediator: Option<&'a Arc<dyn Remediator>>,
    /// The state database.
    pub history: Option<&'a History>,
    /// Where the counters go.
    pub metrics: &'a Metrics,
    /// The alerts' re-notify interval (their `endsAt`).
    pub renotify: Duration,
    /// This member of the fleet, when there is one: the savepoints and the alerts' state are
    /// the fleet's.
    pub fleet: Option<&'a crate::agent::fleet::Fleet>,
}

impl Warning {
    fn condition(self) -> &'static str {
        match self {
            Warning::NoneRecent => "none_recent",
            Warning::AgingOut => "aging_out",
        }
    }
}

/// The condition of the failure alert.
const FAILING: &str = "failing";

impl Schedule {
    /// A schedule starting at `now`.
    pub fn new(now: Timestamp) -> Schedule {
        Schedule {
            started: now,
            last_attempt: None,
            loaded: false,
            running: None,
            alerts: AlertsState::default(),
            recorded_changed: false,
            seen_version: None,
        }
    }

    /// After each probe: collects an ended run, starts a due one, and returns the savepoint
    /// alerts to send.
    pub async fn step(&mut self, c: &Ctx<'_>) -> Vec<AlertMessage> {
        let p = c.pipeline;
        let mut out = Vec::new();
        let (Some(interval), Some(remediator), Some(history)) =
            (p.savepoints.interval, c.remediator, c.history)
        else {
            return out;
        };
        // In a fleet: the records and the alerts' state as the owners left them.
        let shared = match c.fleet {
            None => None,
            Some(f) => match self.load_shared(f, c, history).await {
                Ok(v) => Some(Ok(v)),
                Err(e) => {
                    tracing::warn!(pipeline = %p.name, error = %e, "Cannot read the fleet's savepoint state; no savepoint alert from this probe.");
                    Some(Err(()))
                }
            },
        };
        let before = self.alerts.clone();
        out.extend(self.scheduled(c, interval, remediator, history).await);
        if let (Some(f), Some(shared)) = (c.fleet, shared) {
            let Ok(version) = shared else {
                return Vec::new();
            };
            if self.alerts != before || self.recorded_changed {
                self.recorded_changed = false;
                if let Err(e) = self.save_shared(f, c, history, version).await {
                    tracing::info!(pipeline = %p.name, error = %e, "Savepoint state not written; no savepoint alert from this probe.");
                    return Vec::new();
                }
            }
        }
        out
    }

    /// Merges the fleet's savepoint records into the state database and takes the alerts'
    /// state; returns the node's version.
    async fn load_shared(
        &mut self,
        f: &crate::agent::fleet::Fleet,
        c: &Ctx<'_>,
        history: &History,
    ) -> Result<Option<i32>, String> {
        use crate::collectors::zookeeper::fleet::SharedState;
        let (shared, version) = f
            .shared_state()
            .state::<Shared>(SharedState::Savepoints, &c.pipeline.name)
            .await
            .map_err(|e| e.to_string())?;
        if version != self.seen_version {
            merge_records(history, &shared.records).await?;
            self.seen_version = version;
        }
        self.alerts = shared.alerts;
        Ok(version)
    }

    /// Writes the alerts' state and the newest records to the fleet, if unchanged since
    /// `version`.
    async fn save_shared(
        &mut self,
        f: &crate::agent::fleet::Fleet,
        c: &Ctx<'_>,
        history: &History,
        version: Option<i32>,
    ) -> Result<(), String> {
        use crate::collectors::zookeeper::fleet::SharedState;
        let mut records = history
            .savepoints(Some(&c.pipeline.name))
            .await
            .map_err(|e| error_chain(&e))?;
        records.sort_by_key(|r| std::cmp::Reverse(r.completed_at));
        records.truncate(SHARED_RECORDS);
        let shared = Shared {
            alerts: self.alerts.clone(),
            records,
        };
        if f.owns(&c.pipeline.name).is_none() {
            return Err("this member no longer owns the pipeline".into());
        }
        f.shared_state()
            .save_state(SharedState::Savepoints, &c.pipeline.name, &shared, version)
            .await
            .map_err(|e| e.to_string())?;
        // Our own write: no need to merge it back.
        self.seen_version = Some(version.map_or(0, |v| v + 1));
        Ok(())
    }

    /// The schedule's step proper: collects an ended run, starts a due one, judges the alerts.
    async fn scheduled(
        &mut self,
        c: &Ctx<'_>,
        interval: Duration,
        remediator: &Arc<dyn Remediator>,
        history: &History,
    ) -> Vec<AlertMessage> {
        let p = c.pipeline;
        let mut out = Vec::new();
        if !self.loaded {
            self.loaded = true;
            self.last_attempt = match history.savepoints(Some(&p.name)).await {
                Ok(sps) => sps
                    .iter()
                    .filter(|s| s.is_ours())
                    .map(|s| s.triggered_at)
                    .max(),
                Err(e) => {
                    tracing::error!(pipeline = %p.name, error = %error_chain(&e), "Cannot read the savepoints.");
                    None
                }
            };
        }
        if self.running.as_ref().is_some_and(|h| h.is_finished()) {
            if let Some(h) = self.running.take() {
                match h.await {
                    Ok(run) => {
                        self.recorded_changed = true;
                        out.extend(self.ended(c, &run));
                    }
                    Err(e) => {
                        tracing::error!(pipeline = %p.name, error = %e, "The savepoint task ended abnormally.")
                    }
                }
            }
        }
        if self.running.is_none() && self.due(c, interval) {
            if let Some(job_id) = running_job(c.latest) {
                self.last_attempt = Some(c.now);
                let (r, p, h, before) = (
                    remediator.clone(),
                    p.clone(),
                    history.clone(),
                    c.latest.clone(),
                );
                tracing::info!(pipeline = %p.name, job_id = %job_id, "Taking the periodic savepoint.");
                self.running = Some(tokio::spawn(async move {
                    r.savepoint(&p, job_id, before, h).await
                }));
            }
        }
        out.extend(self.warnings(c, interval, history).await);
        out
    }

    /// At shutdown: lets a run in progress finish within `bound` (it then releases the pipeline
    /// lock and records what it took, so a restart right after the agent stops is not told the
    /// lock is held); past it, the run is abandoned and the lock's rows expire by themselves.
    pub async fn finish(&mut self, bound: Duration) {
        if let Some(mut h) = self.running.take() {
            if tokio::time::timeout(bound, &mut h).await.is_err() {
                tracing::warn!(bound = %humantime::format_duration(bound), "A periodic savepoint still running at shutdown was abandoned; its lock expires by itself.");
                h.abort();
            }
        }
    }

    fn due(&self, c: &Ctx<'_>, interval: Duration) -> bool {
        let elapsed = self.last_attempt.is_none_or(|t| c.now.since(t) >= interval);
        // During a failover a savepoint goes to a JobManager about to lose its job.
        elapsed && failover(c.latest).is_none()
    }

    fn ended(&mut self, c: &Ctx<'_>, run: &PeriodicRun) -> Vec<AlertMessage> {
        let p = c.pipeline;
        c.metrics
            .savepoint_run(&p.name, run.taken.is_some(), run.failures.len());
        if let Some(why) = &run.skipped {
            tracing::info!(pipeline = %p.name, why = %why, "Periodic savepoint skipped.");
            // Not an attempt: the next probe may try again.
            self.last_attempt = None;
            return Vec::new();
        }
        for n in &run.retention_notes {
            tracing::warn!(pipeline = %p.name, note = %n, "Savepoint retention.");
        }
        if let Some(sp) = &run.taken {
            tracing::info!(pipeline = %p.name, path = %sp.path, restart_scn = ?sp.restart_scn, disposed = run.disposed.len(), "Periodic savepoint taken.");
            self.alerts.failed_in_a_row = 0;
            return match self.alerts.failing_since.take() {
                Some(since) => vec![self.message(
                    c,
                    FAILING,
                    Notice::Resolved,
                    since,
                    Fact::SavepointsHealthy {
                        pipeline: p.name.clone(),
                    },
                    vec![],
                    vec![],
                )],
                None => Vec::new(),
            };
        }
        self.alerts.failed_in_a_row += run.failures.len();
        if self.alerts.failed_in_a_row < 2 || self.alerts.failing_since.is_some() {
            return Vec::new();
        }
        self.alerts.failing_since = Some(c.now);
        let evidence = run
            .failures
            .iter()
            .map(|f| Fact::SavepointFailedBecause {
                cause: f.cause.clone(),
            })
            .collect();
        vec![self.message(
            c,
            FAILING,
            Notice::Firing,
            c.now,
            Fact::SavepointsFailing {
                pipeline: p.name.clone(),
                attempts: self.alerts.failed_in_a_row as u64,
            },
            evidence,
            vec![Fact::FixSavepointDir],
        )]
    }

    /// The recency and redo alerts, judged on the newest observation (only when it shows
    /// Oracle's redo: without it, restorable is not known and nothing fires or resolves).
    async fn warnings(
        &mut self,
        c: &Ctx<'_>,
        interval: Duration,
        history: &History,
    ) -> Vec<AlertMessage> {
        let p = c.pipeline;
        let redo_seen = c
            .latest
            .oracle
            .value()
            .is_some_and(|o| matches!(o.redo, Signal::Observed { .. }));
        if !redo_seen {
            return Vec::new();
        }
        let sps = match history.savepoints(Some(&p.name)).await {
            Ok(s) => s,
            Err(_) => return Vec::new(),
        };
        let newest = newest_restorable(&sps, Some(c.latest));
        c.metrics.restorable_savepoint(
            &p.name,
            newest.map(|sp| Duration::from_millis(c.now.since(sp.completed_at).as_millis() as u64)),
        );
        let window = interval * 2;
        let now_warning = match newest {
            _ if c.now.since(self.started) < window => None,
            None => Some((
                Warning::NoneRecent,
                Fact::NoRestorableSavepoint {
                    pipeline: p.name.clone(),
                    within: Secs::of(window),
                },
                vec![],
            )),
            Some(sp) if c.now.since(sp.completed_at) > window => Some((
                Warning::NoneRecent,
                Fact::NoRestorableSavepoint {
                    pipeline: p.name.clone(),
                    within: Secs::of(window),
                },
                vec![newest_fact(sp, c.now)],
            )),
            Some(sp) => match headroom(sp, c.latest) {
                Some(h) if h < p.thresholds.redo_headroom_warning => Some((
                    Warning::AgingOut,
                    Fact::SavepointAgingOut {
                        pipeline: p.name.clone(),
                        path: sp.path.clone(),
                        scn: sp.restart_scn.unwrap_or_default(),
                        headroom: Secs::of(h),
                        threshold: Secs::of(p.thresholds.redo_headroom_warning),
                    },
                    vec![newest_fact(sp, c.now)],
                )),
                _ => None,
            },
        };
        let mut out = Vec::new();
        match (self.alerts.warning, now_warning) {
            (Some((was, _)), Some((is, ..))) if was == is => {}
            (was, Some((is, summary, evidence))) => {
                if let Some((w, since)) = was {
                    out.push(self.resolution(c, w, since));
                }
                self.alerts.warning = Some((is, c.now));
                let fix = match is {
                    Warning::NoneRecent => vec![Fact::FixSavepointDir, Fact::FixKeepRedoLonger],
                    Warning::AgingOut => vec![Fact::FixKeepRedoLonger],
                };
                out.push(self.message(
                    c,
                    is.condition(),
                    Notice::Firing,
                    c.now,
                    summary,
                    evidence,
                    fix,
                ));
            }
            (Some((w, since)), None) => {
                self.alerts.warning = None;
                out.push(self.resolution(c, w, since));
            }
            (None, None) => {}
        }
        out
    }

    fn resolution(&self, c: &Ctx<'_>, w: Warning, since: Timestamp) -> AlertMessage {
        self.message(
            c,
            w.condition(),
            Notice::Resolved,
            since,
            Fact::SavepointsHealthy {
                pipeline: c.pipeline.name.clone(),
            },
            vec![],
            vec![],
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn message(
        &self,
        c: &Ctx<'_>,
        condition: &'static str,
        notice: Notice,
        since: Timestamp,
        summary: Fact,
        evidence: Vec<Fact>,
        remediation: Vec<Fact>,
    ) -> AlertMessage {
        AlertMessage::about_savepoints(
            &c.pipeline.name,
            condition,
            notice,
            c.cause,
            summary,
            evidence,
            remediation,
            since,
            c.now,
            c.renotify,
        )
    }
}

fn newest_fact(sp: &crate::store::SavepointRecord, now: Timestamp) -> Fact {
    Fact::NewestRestorableSavepoint {
        path: sp.path.clone(),
        age: Secs::of(now.since(sp.completed_at)),
        scn: sp.restart_scn.unwrap_or_default(),
    }
}

/// The id of the job when it runs (a savepoint needs a running job).
fn running_job(o: &Observation) -> Option<String> {
    let job = o.flink.value()?.job.as_ref()?;
    job.state
        .eq_ignore_ascii_case("RUNNING")
        .then(|| job.id.clone())
}
