//! The decision table of DESIGN.md §2: two or more observations of one pipeline → one cause.
//!
//! Pure: no I/O, no clock (observations carry their own timestamps). The steps run in the
//! design's order and the first that matches wins; a step whose signals are missing is skipped
//! and listed as "not checked", never guessed, and never blocks the steps after it.

use std::collections::HashSet;
use std::time::Duration;

use super::explain::{explain, Explanation};
use super::fact::{Fact, JmState, Lacking, SessionView, Staleness};
use super::questions::{disagreement, in_failover, redo_coverage, redo_headroom, RedoCoverage};
use super::{
    Cause, Diagnosis, Evidence, MissingSignal, Secs, Severity, Strength, ThresholdUse, Thresholds,
};
use crate::observation::{
    is_terminal_state, ConnectorSession, FlinkSnapshot, JobDetail, JobManagerStatus, Observation,
    OracleSnapshot, OutputSnapshot, Signal, SourceThreadState, SqlKind, Timestamp,
};

/// Inputs of a diagnosis besides the observations and the thresholds.
#[derive(Debug, Clone, Default)]
pub struct DiagnoseOptions {
    /// The pipeline's name, for the diagnosis even when there is no observation to carry it.
    pub pipeline: String,
    /// An SCN the operator gives as a restart point (the lowest known restart SCN wins).
    pub from_scn: Option<u64>,
    /// The FileSink's rolling interval from the config (part of the minimum stall window).
    pub rolling_interval: Duration,
}

/// Runs the decision table over the observations of one pipeline (any order; they are sorted
/// by time here) and returns exactly one cause with its evidence.
pub fn diagnose(
    observations: &[Observation],
    thresholds: &Thresholds,
    options: &DiagnoseOptions,
) -> Diagnosis {
    let mut sorted: Vec<&Observation> = observations.iter().collect();
    sorted.sort_by_key(|o| o.observed_at);
    let Some(&last) = sorted.last() else {
        return Diagnosis {
            pipeline: options.pipeline.clone(),
            cause: Cause::Unknown,
            severity: Severity::Unknown,
            summary: Fact::NoObservation,
            evidence: vec![],
            warnings: vec![],
            missing_signals: vec![],
            remediation: vec![Fact::CollectTwoObservations],
            observed_at: Timestamp::from_unix_millis(0),
            observations: 0,
            observed_by: None,
        };
    };
    let ctx = Ctx::new(&sorted, thresholds, options);
    let mut notes = Notes::default();
    ctx.general_warnings(&mut notes);

    let steps: [fn(&Ctx, &mut Notes) -> Option<Verdict>; 14] = [
        step_leader_problem,
        step_job_state,
        step_missing_redo,
        step_misconfigured,
        step_resource_exhausted,
        step_connection_lost_early,
        step_falling_behind,
        step_healthy,
        step_oracle_unreachable,
        step_sink_stalled,
        step_dead_connection,
        step_logminer_stuck,
        step_idle_source,
        step_idle_or_dead,
    ];
    let verdict = steps
        .iter()
        .find_map(|step| step(&ctx, &mut notes))
        .or_else(|| step_just_started(&ctx))
        .unwrap_or_else(|| step_unknown(&notes));
    let mut d = finish(&ctx, last, verdict, notes);
    if !options.pipeline.is_empty() {
        d.pipeline = options.pipeline.clone();
    }
    d
}

// ---------------------------------------------------------------------------------------------
// Plumbing
// ---------------------------------------------------------------------------------------------

/// An exception of the job since output stopped, with what `explain` makes of it.
struct RecentException {
    x: Explanation,
    name: String,
    at: Timestamp,
}

impl RecentException {
    fn fact(&self) -> Fact {
        Fact::JobException {
            at: self.at,
            name: self.name.clone(),
            codes: self.x.codes.clone(),
        }
    }
}

/// What `explain` says happened, in both languages.
fn explained_summary(x: &Explanation) -> Fact {
    Fact::Explained {
        en: x.summary.clone(),
        zh: x.summary_in(crate::lang::Lang::Zh).to_string(),
    }
}

/// What `explain` says to do, in both languages.
fn explained_fix(x: &Explanation) -> Fact {
    Fact::Explained {
        en: x.remediation.clone(),
        zh: x.remediation_in(crate::lang::Lang::Zh).to_string(),
    }
}

/// What a matching step decided.
struct Verdict {
    cause: Cause,
    summary: Fact,
    evidence: Vec<Evidence>,
    remediation: Vec<Fact>,
    /// Warnings that belong to this verdict (they make a healthy verdict a WARNING).
    warnings: Vec<Fact>,
    /// A severity other than the cause's base severity (a failover in progress is a WARNING).
    severity: Option<Severity>,
}

impl Verdict {
    fn new(cause: Cause, summary: Fact) -> Self {
        Verdict {
            cause,
            summary,
            evidence: vec![],
            remediation: vec![],
            warnings: vec![],
            severity: None,
        }
    }

    fn with(mut self, strength: Strength, fact: Fact) -> Self {
        self.evidence.push(Evidence {
            fact,
            threshold: None,
            strength,
        });
        self
    }

    /// Background the operator needs to read the verdict.
    fn fact(self, fact: Fact) -> Self {
        self.with(Strength::Context, fact)
    }

    /// A fact that convicts the verdict's cause on its own.
    fn proof(self, fact: Fact) -> Self {
        self.with(Strength::Proof, fact)
    }

    fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }

    fn facts(mut self, facts: impl IntoIterator<Item = Evidence>) -> Self {
        self.evidence.extend(facts);
        self
    }

    fn fact_vs(self, fact: Fact, key: &str, value: String) -> Self {
        self.with_vs(Strength::Context, fact, key, value)
    }

    fn proof_vs(self, fact: Fact, key: &str, value: String) -> Self {
        self.with_vs(Strength::Proof, fact, key, value)
    }

    fn with_vs(self, strength: Strength, fact: Fact, key: &str, value: String) -> Self {
        let threshold = ThresholdUse {
            key: key.into(),
            value,
            effective: None,
        };
        self.with_threshold(strength, fact, threshold)
    }

    fn with_threshold(mut self, strength: Strength, fact: Fact, threshold: ThresholdUse) -> Self {
        self.evidence.push(Evidence {
            fact,
            threshold: Some(threshold),
            strength,
        });
        self
    }

    fn todo(mut self, step: Fact) -> Self {
        self.remediation.push(step);
        self
    }
}

/// Warnings and skipped steps gathered while the table runs.
#[derive(Default)]
struct Notes {
    warnings: Vec<Fact>,
    missing: Vec<MissingSignal>,
    /// Evidence gathered on the way that explains later verdicts (e.g. redo headroom).
    context: Vec<Evidence>,
    /// How long until the restart SCN ages out of available redo, when known.
    redo_headroom: Option<Duration>,
    /// How the available redo ages, when known (for a restart SCN that moves).
    redo_aging: Option<RedoAging>,
}

impl Notes {
    fn warn(&mut self, w: Fact) {
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }

    fn not_checked(&mut self, step: Cause, signal: &str, why: Fact) {
        let entry = MissingSignal {
            step: step.as_str().into(),
            signal: signal.into(),
            why,
        };
        if !self.missing.contains(&entry) {
            self.missing.push(entry);
        }
    }
}

/// A duration in a fact.
fn secs(d: Duration) -> Secs {
    Secs::of(d)
}

/// A duration as a threshold value, in the config's own spelling ("10m").
fn cfg(d: Duration) -> String {
    Secs::of(d).en()
}

fn finish(ctx: &Ctx, last: &Observation, v: Verdict, mut notes: Notes) -> Diagnosis {
    for w in &v.warnings {
        notes.warn(w.clone());
    }
    let v = unproven_is_unknown(v, &notes);
    let severity = v.severity.unwrap_or(match v.cause.base_severity() {
        Severity::Ok if !notes.warnings.is_empty() => Severity::Warning,
        s => s,
    });
    let mut evidence = v.evidence;
    for e in notes.context {
        if !evidence.contains(&e) {
            evidence.push(e);
        }
    }
    let mut remediation = v.remediation;
    if remediation.is_empty() && v.cause == Cause::Healthy {
        remediation.push(if notes.warnings.is_empty() {
            Fact::NothingToDo
        } else {
            Fact::ActOnWarnings
        });
    }
    Diagnosis {
        pipeline: last.pipeline.clone(),
        cause: v.cause,
        severity,
        summary: v.summary,
        evidence,
        warnings: notes.warnings,
        missing_signals: notes.missing,
        remediation,
        observed_at: last.observed_at,
        observations: ctx.obs.len(),
        observed_by: last.observed_by.clone(),
    }
}

/// A CRITICAL verdict rests on proof (DESIGN.md §2 "Evidence strength"): one whose facts are
/// only hints and context becomes `unknown`, naming the suspicion and keeping its facts, so a
/// rule that forgets to weigh its evidence can never page anyone for a hunch.
fn unproven_is_unknown(v: Verdict, notes: &Notes) -> Verdict {
    let critical = v.severity.unwrap_or(v.cause.base_severity()) == Severity::Critical;
    if !critical || v.evidence.iter().any(|e| e.strength == Strength::Proof) {
        return v;
    }
    let mut u = Verdict::new(
        Cause::Unknown,
        Fact::SuspectedNotProven {
            cause: v.cause,
            summary: Box::new(v.summary),
        },
    );
    u.evidence = v.evidence;
    u = u.todo(Fact::NothingProves { cause: v.cause });
    for m in &notes.missing {
        u = u.todo(provide(m));
    }
    u
}

/// "Provide this signal": a step for each signal a verdict lacked.
fn provide(m: &MissingSignal) -> Fact {
    Fact::Provide {
        signal: m.signal.clone(),
        step: m.step.clone(),
        why: Box::new(m.why.clone()),
    }
}

/// File times this far ahead of the doctor's clock are clock skew, not fresh output.
const CLOCK_SKEW_TOLERANCE: Duration = Duration::from_secs(10);

/// How the committed output moved over the observed window.
#[derive(Debug, Clone, Copy, PartialEq)]
enum OutputState {
    /// New output was committed within the stall window.
    Advancing,
    /// Nothing committed within the stall window, and the job has run longer than that.
    Stale,
    /// Nothing committed yet, but the job started within the stall window: too early to tell.
    JustStarted,
    /// Nothing committed within the stall window, but records reach the sink (in-progress
    /// part files grow, or the source's counter rose) since less than the stall window: a
    /// sink rolling by time commits them later. Too early to call a stall.
    Flowing,
}

/// Records observed moving through one stage (the source's counter, or the sink's in-progress
/// part files) after the newest commit.
#[derive(Debug, Clone)]
struct Flow {
    /// The last sample before the move: the records moved after this instant.
    before: Timestamp,
    /// The first sample that shows the move.
    seen: Timestamp,
    /// The count (records, or in-progress bytes) before and after the move.
    from: u64,
    to: u64,
    /// In-progress part files after the move (sink writes only).
    files: u64,
}

/// The observations and everything derived from them that several steps read.
struct Ctx<'a> {
    obs: &'a [&'a Observation],
    first: &'a Observation,
    last: &'a Observation,
    t: &'a Thresholds,
    opts: &'a DiagnoseOptions,
    /// The stall window in force: never shorter than what the sink needs to commit.
    window: Duration,
    output: Option<(OutputState, Vec<Evidence>)>,
    output_missing: Option<Fact>,
}

impl<'a> Ctx<'a> {
    fn new(obs: &'a [&'a Observation], t: &'a Thresholds, opts: &'a DiagnoseOptions) -> Self {
        let first = obs[0];
        let last = obs[obs.len() - 1];
        let mut ctx = Ctx {
            obs,
            first,
            last,
            t,
            opts,
            window: t.stall_window,
            output: None,
            output_missing: None,
        };
        ctx.window = ctx.effective_window();
        match ctx.assess_output() {
            Ok(o) => ctx.output = Some(o),
            Err(why) => ctx.output_missing = Some(why),
        }
        ctx
    }

    fn flink(&self, o: &'a Observation) -> Option<&'a FlinkSnapshot> {
        o.flink.value()
    }

    fn oracle(&self, o: &'a Observation) -> Option<&'a OracleSnapshot> {
        o.oracle.value()
    }

    fn out(&self, o: &'a Observation) -> Option<&'a OutputSnapshot> {
        o.output.value()
    }

    /// The judged job in the latest observation.
    fn job(&self) -> Option<&'a JobDetail> {
        self.flink(self.last).and_then(|f| f.job.as_ref())
    }

    /// The same job (same id) in the earliest observation that has it.
    fn job_first(&self) -> Option<&'a JobDetail> {
        let id = &self.job()?.id;
        self.obs
            .iter()
            .filter_map(|o| self.flink(o).and_then(|f| f.job.as_ref()))
            .find(|j| &j.id == id)
    }

    fn span(&self) -> Duration {
        self.last.observed_at.since(self.first.observed_at)
    }

    fn effective_window(&self) -> Duration {
        let interval = self
            .job()
            .and_then(|j| j.checkpoints.value())
            .map(|c| c.interval)
            .unwrap_or_default();
        self.t
            .stall_window
            .max(interval.saturating_add(self.opts.rolling_interval))
    }

    /// The stall window with its key: the configured value, and the effective one when the
    /// job's checkpoint cycle forces a longer window.
    fn window_use(&self) -> ThresholdUse {
        ThresholdUse {
            key: "stall_window".into(),
            value: cfg(self.t.stall_window),
            effective: (self.window != self.t.stall_window).then(|| cfg(self.window)),
        }
    }

    /// Did committed output advance within the stall window, and if not, do records still
    /// reach the sink?
    fn assess_output(&self) -> Result<(OutputState, Vec<Evidence>), Fact> {
        let window_ev = |fact: Fact| {
            let mut e = Evidence::new(Strength::Context, fact);
            e.threshold = Some(self.window_use());
            e
        };
        let now = self.last.observed_at;
        match (&self.first.output, &self.last.output) {
            (_, Signal::Observed { value: last }) => {
                let first = self.out(self.first);
                let mut ev = vec![];
                // Committed output that grew within the stall window (compared with the
                // earliest sample inside it, not the window of history, which can be longer).
                let recent = self
                    .obs
                    .iter()
                    .find(|o| now.since(o.observed_at) <= self.window)
                    .and_then(|o| self.out(o));
                // The counts cover the newest buckets only (the output collector's
                // `NEWEST_BUCKETS`): when the hour turns, an old bucket leaves them and the
                // counts may fall while output grows, so a new newest committed file counts too.
                let grew = recent.is_some_and(|f| {
                    last.committed_files > f.committed_files
                        || last.committed_bytes > f.committed_bytes
                        || last.newest_committed.as_ref().is_some_and(|l| {
                            f.newest_committed
                                .as_ref()
                                .is_none_or(|p| l.path != p.path || l.modified_at > p.modified_at)
                        })
                });
                if let Some(f) = first.filter(|_| self.obs.len() > 1) {
                    ev.push(Evidence::new(
                        Strength::Context,
                        Fact::CommittedGrowth {
                            files_before: f.committed_files,
                            bytes_before: f.committed_bytes,
                            files_after: last.committed_files,
                            bytes_after: last.committed_bytes,
                            over: secs(self.span()),
                        },
                    ));
                }
                if let Signal::Missing { error } = &last.last_scn {
                    ev.push(Evidence::new(
                        Strength::Context,
                        Fact::LastScnUnreadable {
                            error: error.clone(),
                        },
                    ));
                }
                // A file time ahead of the doctor's clock (clock skew between the TaskManager or
                // an NFS server and this host) would read "0 s old" forever: then only change
                // between samples counts (`general_warnings` says so).
                let age = last
                    .newest_committed
                    .as_ref()
                    .filter(|c| c.modified_at <= now.plus(CLOCK_SKEW_TOLERANCE))
                    .map(|c| now.since(c.modified_at));
                if let Some(c) = last
                    .newest_committed
                    .as_ref()
                    .filter(|c| c.modified_at > now.plus(CLOCK_SKEW_TOLERANCE))
                {
                    ev.push(window_ev(Fact::NewestCommittedAhead {
                        path: c.path.clone(),
                        modified_at: c.modified_at,
                    }));
                } else if let (Some(age), Some(c)) = (age, &last.newest_committed) {
                    ev.push(window_ev(Fact::NewestCommittedAge {
                        path: c.path.clone(),
                        age: secs(age),
                    }));
                } else {
                    ev.push(window_ev(Fact::NoCommittedFile));
                }
                if grew || age.is_some_and(|a| a <= self.window) {
                    return Ok((OutputState::Advancing, ev));
                }
                // Records that reach the sink now are not a stall, whatever the rolling
                // policy makes them wait for (DefaultRollingPolicy: 60 s; SQL row formats:
                // 30 min). Records the source reads are not one either, until they have had
                // the stall window to be committed.
                let written = self.in_progress_writes();
                let read = self.source_flow();
                if let Some(w) = &written {
                    // Context, not proof: these facts are listed under every verdict on a stale
                    // output, and only a verdict's own facts may convict.
                    ev.push(Evidence::new(
                        Strength::Context,
                        Fact::InProgressWritten {
                            bytes_before: w.from,
                            bytes_after: w.to,
                            files: w.files,
                            ago: secs(now.since(w.seen)),
                        },
                    ));
                }
                if let Some(r) = &read {
                    ev.push(Evidence::new(
                        Strength::Context,
                        Fact::SourceReadAfterCommit {
                            before: r.from,
                            after: r.to,
                            ago: secs(now.since(r.seen)),
                        },
                    ));
                }
                if written.is_some() || read.is_some_and(|r| now.since(r.seen) <= self.window) {
                    return Ok((OutputState::Flowing, ev));
                }
                // After a (re)start the sink has had no chance to commit yet.
                if let Some(job) = self.job().filter(|j| !is_terminal_state(&j.state)) {
                    let up = now.since(job.start_time);
                    if up <= self.window && age.is_none_or(|a| a > up) {
                        ev.push(Evidence::new(
                            Strength::Context,
                            Fact::JobStartedAgo {
                                job: job.id.clone(),
                                ago: secs(up),
                            },
                        ));
                        return Ok((OutputState::JustStarted, ev));
                    }
                }
                Ok((OutputState::Stale, ev))
            }
            (_, missing) => {
                let error = missing.error().unwrap_or_default().to_string();
                let lacks = |lacking| Fact::OutputNoStandIn {
                    error: error.clone(),
                    lacking,
                };
                // Not a FileSink (or unreadable): the sink's record counter and completed
                // checkpoints stand in for committed output.
                let (Some(j1), Some(j2)) = (self.job_first(), self.job()) else {
                    return Err(lacks(Lacking::JobCounters));
                };
                let (Some(s1), Some(s2)) = (j1.sink.value(), j2.sink.value()) else {
                    return Err(lacks(Lacking::SinkCounter));
                };
                let (Some(c1), Some(c2)) = (j1.checkpoints.value(), j2.checkpoints.value()) else {
                    return Err(lacks(Lacking::CheckpointStats));
                };
                if self.obs.len() < 2 {
                    return Err(lacks(Lacking::OneObservation));
                }
                let ev = vec![Evidence::new(
                    Strength::Context,
                    Fact::OutputUnreadableCounters {
                        error: error.clone(),
                        sink_before: s1.records,
                        sink_after: s2.records,
                        checkpoints_before: c1.completed,
                        checkpoints_after: c2.completed,
                    },
                )];
                if s2.records > s1.records && c2.completed > c1.completed {
                    Ok((OutputState::Advancing, ev))
                } else {
                    Ok((OutputState::Stale, ev))
                }
            }
        }
    }

    /// When records were first seen written to in-progress part files after the newest commit.
    fn first_write_after_commit(&self) -> Option<Timestamp> {
        self.writes_after_commit().first().map(|w| w.seen)
    }

    /// The observations of the current attempt of the judged job: same id and same start
    /// time. A job restored after a failover or a restart counts its records from zero again,
    /// so counters are only compared within one attempt.
    fn attempt(&self) -> Vec<&'a Observation> {
        let Some(job) = self.job() else {
            return vec![];
        };
        self.obs
            .iter()
            .copied()
            .filter(|o| {
                self.flink(o)
                    .and_then(|f| f.job.as_ref())
                    .is_some_and(|j| j.id == job.id && j.start_time == job.start_time)
            })
            .collect()
    }

    /// The first rise of the source's record counter that began after the newest commit.
    ///
    /// Flink answers metric queries with its previous fetch (`metric_refresh`), so only samples
    /// that far apart are compared, and a sample counts as "after the commit" only when it was
    /// taken two refreshes after it (the previous fetch, itself up to a refresh old). A zero read in the first refreshes of an attempt may be a
    /// JobManager that has not fetched yet, not a count.
    fn source_flow(&self) -> Option<Flow> {
        let job = self.job()?;
        let refresh = self.t.metric_refresh;
        let committed = self.newest_committed_at();
        let samples: Vec<(Timestamp, u64)> = self
            .attempt()
            .iter()
            .filter_map(|o| {
                let j = self.flink(o)?.job.as_ref()?;
                Some((o.observed_at, j.source.value()?.records))
            })
            .collect();
        for (i, &(ta, ra)) in samples.iter().enumerate() {
            // The REST answer is the store of the previous fetch, itself up to a refresh old:
            // a count read at `ta` may date from two refreshes before it.
            if committed.is_some_and(|c| ta < c.plus(refresh.saturating_mul(2))) {
                continue;
            }
            if ra == 0 && ta.since(job.start_time) < refresh.saturating_mul(2) {
                continue;
            }
            let Some(&(tb, rb)) = samples[i + 1..]
                .iter()
                .find(|(t, _)| t.since(ta) >= refresh)
            else {
                break;
            };
            if rb > ra {
                return Some(Flow {
                    before: ta,
                    seen: tb,
                    from: ra,
                    to: rb,
                    files: 0,
                });
            }
        }
        None
    }

    /// The newest write to an in-progress part file seen between two samples after the newest
    /// commit, when it is at most a stall window old.
    fn in_progress_writes(&self) -> Option<Flow> {
        self.writes_after_commit()
            .pop()
            .filter(|w| self.last.observed_at.since(w.seen) <= self.window)
    }

    /// Every pair of consecutive samples, taken after the newest commit, between which an
    /// in-progress part file was written (it grew, or a newer one appeared), oldest first.
    fn writes_after_commit(&self) -> Vec<Flow> {
        let committed = self.newest_committed_at();
        let samples: Vec<(Timestamp, &OutputSnapshot)> = self
            .obs
            .iter()
            .filter_map(|o| Some((o.observed_at, self.out(o)?)))
            .collect();
        samples
            .windows(2)
            .filter(|w| committed.is_none_or(|c| w[0].0 >= c))
            .filter(|w| {
                let (a, b) = (w[0].1, w[1].1);
                b.in_progress_bytes > a.in_progress_bytes
                    || b.newest_in_progress_at > a.newest_in_progress_at
            })
            .map(|w| Flow {
                before: w[0].0,
                seen: w[1].0,
                from: w[0].1.in_progress_bytes,
                to: w[1].1.in_progress_bytes,
                files: w[1].1.in_progress_files,
            })
            .collect()
    }

    fn output_state(&self) -> Option<OutputState> {
        self.output.as_ref().map(|(s, _)| *s)
    }

    fn output_evidence(&self) -> Vec<Evidence> {
        self.output
            .as_ref()
            .map(|(_, e)| e.clone())
            .unwrap_or_default()
    }

    fn newest_committed_at(&self) -> Option<Timestamp> {
        self.out(self.last)?
            .newest_committed
            .as_ref()
            .map(|c| c.modified_at)
    }

    /// Exceptions of the current job since output stopped (newer than the newest committed
    /// file and the job's start), newest first, each with its classification.
    fn recent_exceptions(&self) -> Vec<RecentException> {
        let Some(job) = self.job() else { return vec![] };
        let Some(list) = job.exceptions.value() else {
            return vec![];
        };
        let since = self
            .newest_committed_at()
            .map_or(job.start_time, |t| t.max(job.start_time));
        let mut out: Vec<_> = list
            .iter()
            .filter(|e| e.timestamp >= since)
            .map(|e| RecentException {
                x: explain(&format!("{}\n{}", e.name, e.stacktrace)),
                name: e.name.clone(),
                at: e.timestamp,
            })
            .collect();
        out.sort_by_key(|e| std::cmp::Reverse(e.at));
        out
    }

    /// The newest recent exception that classifies to `cause`.
    fn recent_exception(&self, cause: Cause) -> Option<RecentException> {
        self.recent_exceptions()
            .into_iter()
            .find(|e| e.x.cause == cause)
    }

    /// Keys of every session that ran mining SQL in any observation of the window.
    fn mining_keys(&self) -> HashSet<(u32, u32, u32)> {
        self.obs
            .iter()
            .filter_map(|o| self.oracle(o).and_then(|x| x.sessions.value()))
            .flatten()
            .filter(|s| s.is_mining())
            .map(|s| s.key())
            .collect()
    }

    /// The connector's sessions in the latest observation.
    fn sessions(&self) -> Option<&'a Vec<ConnectorSession>> {
        self.oracle(self.last).and_then(|o| o.sessions.value())
    }

    /// The mining sessions in the latest observation.
    fn mining_sessions(&self) -> Vec<&'a ConnectorSession> {
        let keys = self.mining_keys();
        self.sessions()
            .map(|ss| ss.iter().filter(|s| keys.contains(&s.key())).collect())
            .unwrap_or_default()
    }

    /// The mining session to judge: the one that called most recently.
    fn judged_session(&self) -> Option<&'a ConnectorSession> {
        self.mining_sessions()
            .into_iter()
            .min_by_key(|s| (!s.is_active(), s.last_call_et_s))
    }

    /// The judged session as it was in the earliest observation that has it.
    fn session_first(&self, s: &ConnectorSession) -> Option<&'a ConnectorSession> {
        self.obs
            .iter()
            .filter_map(|o| self.oracle(o).and_then(|x| x.sessions.value()))
            .flatten()
            .find(|x| x.key() == s.key())
    }

    /// The flush-table heartbeat at the start and end of the window.
    fn heartbeat(&self) -> Result<(u64, u64), Fact> {
        self.heartbeat_since(self.first).map(|(a, b, _)| (a, b))
    }

    /// The flush-table heartbeat between the newest observation at least `mining_call_gap`
    /// before the latest one (else the earliest) and the latest: (then, now, how far apart).
    /// Recent, so that a heartbeat that rose early in a long window and froze since is frozen.
    fn recent_heartbeat(&self) -> Result<(u64, u64, Duration), Fact> {
        let then = self
            .obs
            .iter()
            .rev()
            .find(|o| self.last.observed_at.since(o.observed_at) >= self.t.mining_call_gap)
            .copied()
            .unwrap_or(self.first);
        self.heartbeat_since(then)
    }

    /// The flush-table heartbeat in `then` and in the latest observation, and how far apart.
    fn heartbeat_since(&self, then: &Observation) -> Result<(u64, u64, Duration), Fact> {
        let pick = |o: &Observation| -> Result<u64, Fact> {
            match o.oracle.value().map(|x| &x.flush_table_scn) {
                Some(Signal::Observed { value }) => Ok(*value),
                Some(other) => Err(Fact::error(other.error().unwrap_or_default())),
                None => Err(Fact::error(o.oracle.error().unwrap_or("oracle missing"))),
            }
        };
        if self.obs.len() < 2 {
            return Err(Fact::HeartbeatNeedsTwo);
        }
        Ok((
            pick(then)?,
            pick(self.last)?,
            self.last.observed_at.since(then.observed_at),
        ))
    }

    /// The captured tables changed within the last stall window (segment statistics rose):
    /// changes are waiting for the connector. `None` when they did not, or were not measured.
    fn changes_pending(&self) -> Option<Fact> {
        let from = self.obs_since(self.last.observed_at.minus(self.window))?;
        let a = self.oracle(from)?.table_activity.value()?;
        let b = self.oracle(self.last)?.table_activity.value()?;
        let d = b.db_block_changes.checked_sub(a.db_block_changes)?;
        (d > 0).then(|| Fact::ChangesWaiting {
            over: secs(self.last.observed_at.since(from.observed_at)),
            changes: d,
        })
    }

    /// (time, output's last SCN, database's current SCN) at the first observation that has both
    /// and at every later one where the output's last SCN moved (a commit), oldest first.
    fn commit_points(&self) -> Vec<(Timestamp, u64, u64)> {
        let mut points: Vec<(Timestamp, u64, u64)> = vec![];
        for o in self.obs {
            let Some(out) = self
                .out(o)
                .and_then(|x| x.last_scn.value().copied().flatten())
            else {
                continue;
            };
            let Some(db) = self
                .oracle(o)
                .and_then(|x| x.database.value())
                .map(|d| d.current_scn)
            else {
                continue;
            };
            if points.last().is_none_or(|p| out > p.1) {
                points.push((o.observed_at, out, db));
            }
        }
        points
    }

    /// The earliest observation taken at or after `t` (the latest one at worst).
    fn obs_since(&self, t: Timestamp) -> Option<&'a Observation> {
        self.obs.iter().copied().find(|o| o.observed_at >= t)
    }

    /// Restarts counted between the first and the last observation of the judged job.
    fn restart_delta(&self) -> Option<(u64, u64)> {
        let a = *self.job_first()?.restarts.value()?;
        let b = *self.job()?.restarts.value()?;
        Some((b.saturating_sub(a), b))
    }

    /// Warnings that hold whatever the verdict is.
    fn general_warnings(&self, notes: &mut Notes) {
        // An unreadable output directory is named even when the sink's counters stand in, so
        // that whoever reads the verdict fixes the path (or the doctor's access to it).
        if let (Signal::Missing { error }, Some(_)) = (&self.last.output, &self.output) {
            notes.not_checked(
                Cause::Healthy,
                "output",
                Fact::OutputStoodIn {
                    error: error.clone(),
                },
            );
        }
        if let Some(c) = self
            .out(self.last)
            .and_then(|o| o.newest_committed.as_ref())
            .filter(|c| c.modified_at > self.last.observed_at.plus(CLOCK_SKEW_TOLERANCE))
        {
            notes.warn(Fact::ClockSkew {
                modified_at: c.modified_at,
                ahead: secs(c.modified_at.since(self.last.observed_at)),
            });
        }
        let mining = self.mining_sessions();
        if mining.len() > 1 {
            let list: Vec<String> = mining
                .iter()
                .map(|s| format!("{}/{},{}", s.instance, s.sid, s.serial))
                .collect();
            notes.warn(Fact::SharedMiningSessions { sessions: list });
        }
        if self.obs.len() < 2 {
            notes.warn(Fact::OneObservation);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Step 1: leader problem
// ---------------------------------------------------------------------------------------------

/// How long ago the newest observation in failover was, when one was seen within
/// `failover_grace` of the latest observation (which is not itself in failover).
fn recent_failover(ctx: &Ctx) -> Option<Duration> {
    ctx.obs
        .iter()
        .rev()
        .find(|o| in_failover(o))
        .map(|o| ctx.last.observed_at.since(o.observed_at))
        .filter(|ago| *ago <= ctx.t.failover_grace)
}

fn step_leader_problem(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    let f = match &ctx.last.flink {
        Signal::Observed { value } => value,
        other => {
            notes.not_checked(
                Cause::LeaderProblem,
                "flink",
                Fact::error(other.error().unwrap_or_default()),
            );
            return None;
        }
    };
    let jm_facts: Vec<Evidence> = f
        .jobmanagers
        .iter()
        .map(|j| {
            Evidence::new(
                Strength::Proof,
                Fact::JobManager {
                    url: j.url.clone(),
                    state: jm_state(&j.status),
                },
            )
        })
        .collect();
    let any_up = f.jobmanagers.iter().any(|j| j.status.is_up());

    if !any_up && !in_failover(ctx.last) {
        return Some(
            Verdict::new(Cause::LeaderProblem, Fact::NoJobManagerReachable)
                .facts(jm_facts)
                .todo(Fact::CheckJobManagers)
                .todo(Fact::CheckZookeeperQuorum),
        );
    }

    if in_failover(ctx.last) {
        // How long the failover has been seen: back through the trailing run of observations.
        let since = ctx
            .obs
            .iter()
            .rev()
            .take_while(|o| in_failover(o))
            .last()
            .map_or(ctx.last.observed_at, |o| o.observed_at);
        let lasted = ctx.last.observed_at.since(since);
        if lasted > ctx.t.failover_grace {
            return Some(
                Verdict::new(
                    Cause::LeaderProblem,
                    Fact::NoLeaderFor {
                        lasted: secs(lasted),
                    },
                )
                .facts(jm_facts)
                .proof_vs(
                    Fact::LeaderElectionFor {
                        lasted: secs(lasted),
                    },
                    "failover_grace",
                    cfg(ctx.t.failover_grace),
                )
                .todo(Fact::FixClusterFirst)
                .todo(Fact::NeverRestartLeaderless),
            );
        }
        let failover = Fact::FailoverInProgress {
            lasted: secs(lasted),
            grace: secs(ctx.t.failover_grace),
        };
        if !matches!(
            ctx.output_state(),
            Some(OutputState::Advancing | OutputState::Flowing)
        ) {
            // While no JobManager leads, the job and its counters cannot be read: the failover
            // itself is the answer, a WARNING that names it, never a guess at the job.
            return Some(
                Verdict::new(
                    Cause::LeaderProblem,
                    Fact::FailoverFor {
                        lasted: secs(lasted),
                    },
                )
                .severity(Severity::Warning)
                .facts(jm_facts.into_iter().map(|mut e| {
                    e.strength = Strength::Context;
                    e
                }))
                .fact_vs(
                    Fact::LeaderElectionFor {
                        lasted: secs(lasted),
                    },
                    "failover_grace",
                    cfg(ctx.t.failover_grace),
                )
                .facts(ctx.output_evidence())
                .todo(Fact::WaitForStandby)
                .todo(Fact::IfNoLeaderAfter {
                    grace: secs(ctx.t.failover_grace),
                }),
            );
        }
        notes.warn(failover);
        notes.context.extend(jm_facts.iter().cloned().map(|mut e| {
            e.strength = Strength::Context;
            e
        }));
    }

    // JobManagers that both answer must see the same jobs, in every observation where both
    // answered (one differing snapshot can be a state change between the two calls).
    let disagree = disagreement;
    let recent: Vec<&&Observation> = ctx.obs.iter().rev().take(2).collect();
    if recent.iter().all(|o| disagree(o).is_some()) {
        if let Some((a, b)) = disagree(ctx.last) {
            return Some(
                Verdict::new(Cause::LeaderProblem, Fact::JobManagersDisagree)
                    .proof(a)
                    .proof(b)
                    .facts(jm_facts)
                    .todo(Fact::CheckHaClusterId)
                    .todo(Fact::NeverRestartSplit),
            );
        }
    }

    let live: Vec<_> = f.jobs.iter().filter(|j| !j.is_terminal()).collect();
    if live.len() > 1 {
        let mut v = Verdict::new(
            Cause::LeaderProblem,
            Fact::JobRunsTimes {
                copies: live.len() as u64,
            },
        );
        for j in &live {
            v = v.proof(Fact::JobSince {
                job: j.id.clone(),
                state: j.state.clone(),
                since: j.start_time,
            });
        }
        let youngest = live
            .iter()
            .max_by_key(|j| j.start_time)
            .map(|j| j.id.clone());
        return Some(
            v.todo(Fact::CancelYoungerCopy {
                job: youngest.unwrap_or_default(),
            })
            .todo(Fact::UseFixedJobId),
        );
    }
    None
}

fn jm_state(s: &JobManagerStatus) -> JmState {
    match s {
        JobManagerStatus::Up {
            flink_version,
            jobs,
        } => JmState::Up {
            flink_version: flink_version.clone(),
            jobs: jobs.len(),
        },
        JobManagerStatus::LeaderElection => JmState::LeaderElection,
        JobManagerStatus::LeaderUnreachable => JmState::LeaderUnreachable,
        JobManagerStatus::Unreachable { error } => JmState::Unreachable {
            error: error.clone(),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Step 2: a dead job or a crash loop
// ---------------------------------------------------------------------------------------------

/// Causes with their own remedy that a crash loop's exceptions can name (DESIGN.md §2 step 2).
const LOOP_CAUSES: [Cause; 5] = [
    Cause::MissingRedo,
    Cause::Misconfigured,
    Cause::ResourceExhausted,
    Cause::OracleUnreachable,
    Cause::DeadConnection,
];

fn step_job_state(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    let Some(f) = ctx.flink(ctx.last) else {
        notes.not_checked(
            Cause::JobNotRunning,
            "flink",
            Fact::error(ctx.last.flink.error().unwrap_or_default()),
        );
        return None;
    };
    if f.jobs.is_empty() {
        if in_failover(ctx.last) || !f.jobmanagers.iter().any(|j| j.status.is_up()) {
            notes.not_checked(Cause::JobNotRunning, "flink.jobs", Fact::NoJobList);
            return None;
        }
        if let Some(ago) = recent_failover(ctx) {
            // The new leader recovers the job from ZooKeeper and its HA storage a few seconds
            // after the election: not listed yet is the failover still finishing.
            return Some(
                Verdict::new(
                    Cause::LeaderProblem,
                    Fact::JobNotListedAfterFailover { ago: secs(ago) },
                )
                .severity(Severity::Warning)
                .fact_vs(
                    Fact::LeaderElectionAgo { ago: secs(ago) },
                    "failover_grace",
                    cfg(ctx.t.failover_grace),
                )
                .todo(Fact::WaitForRecovery),
            );
        }
        return Some(
            Verdict::new(Cause::JobNotRunning, Fact::JobNotOnCluster)
                .proof(Fact::NoJobWithName)
                .todo(Fact::ResubmitFromState),
        );
    }
    let Some(job) = f.job.as_ref() else {
        notes.not_checked(Cause::JobNotRunning, "flink.job", Fact::JobDetailsMissing);
        return None;
    };

    let terminal = is_terminal_state(&job.state);
    let (delta, total) = match ctx.restart_delta() {
        Some(d) => d,
        None => {
            if let Some(e) = job.restarts.error() {
                notes.not_checked(Cause::JobNotRunning, "flink.job.restarts", Fact::error(e));
            }
            (0, 0)
        }
    };
    let restarting = matches!(
        job.state.to_ascii_uppercase().as_str(),
        "RESTARTING" | "FAILING"
    );
    let looping = delta >= ctx.t.crash_loop_restarts || (restarting && delta >= 1);
    if delta >= 1 && !looping {
        notes.warn(Fact::JobRestarted {
            restarts: delta,
            over: secs(ctx.span()),
            threshold: ctx.t.crash_loop_restarts,
        });
    }

    // A job that is RUNNING but whose tasks never all run (no slots, a lost TaskManager).
    let tasks_short = !terminal
        && job.tasks_total > 0
        && job.tasks_running < job.tasks_total
        && ctx.last.observed_at.since(job.start_time) > ctx.window
        && ctx.obs.iter().all(|o| {
            o.flink
                .value()
                .and_then(|f| f.job.as_ref())
                .is_none_or(|j| j.tasks_running < j.tasks_total)
        });

    if !terminal && !looping && !tasks_short {
        return None;
    }

    let state_fact = if terminal {
        // A stopped copy is dated by when it stopped: its start says nothing about the stop.
        match job.end_time {
            Some(end) => Fact::JobStoppedSince {
                job: job.id.clone(),
                state: job.state.clone(),
                end,
                start: job.start_time,
            },
            None => Fact::JobStopped {
                job: job.id.clone(),
                state: job.state.clone(),
                start: job.start_time,
            },
        }
    } else if looping {
        Fact::JobRestartLoop {
            job: job.id.clone(),
            restarts: delta,
            over: secs(ctx.span()),
            total,
            state: job.state.clone(),
        }
    } else {
        Fact::TasksShort {
            job: job.id.clone(),
            running: u64::from(job.tasks_running),
            total: u64::from(job.tasks_total),
        }
    };
    let mut v = if looping {
        Verdict::new(Cause::JobNotRunning, Fact::JobNotOnCluster).proof_vs(
            state_fact.clone(),
            "crash_loop_restarts",
            ctx.t.crash_loop_restarts.to_string(),
        )
    } else {
        Verdict::new(Cause::JobNotRunning, Fact::JobNotOnCluster).proof(state_fact.clone())
    };
    if let Some(copies) = f.ambiguous_copies.as_deref() {
        v = v
            .fact(Fact::WhichCopy {
                copies: copies.to_string(),
            })
            .todo(Fact::NameTheCopy);
    }

    match job.exceptions.value() {
        Some(list) => {
            let named = list.iter().find_map(|e| {
                let x = explain(&format!("{}\n{}", e.name, e.stacktrace));
                LOOP_CAUSES.contains(&x.cause).then_some((e, x))
            });
            if let Some((e, x)) = named {
                v.cause = x.cause;
                v = v.proof(Fact::LatestNamedException {
                    at: e.timestamp,
                    name: e.name.clone(),
                    codes: x.codes.clone(),
                });
                v.summary = Fact::JobStoppedBecause {
                    looping: !terminal,
                    why: Box::new(explained_summary(&x)),
                };
                v = v.todo(explained_fix(&x));
                if x.cause == Cause::DeadConnection {
                    v = v.todo(Fact::ThenRestartWithState);
                }
                return Some(v);
            }
            if let Some(e) = list.first() {
                v = v.fact(Fact::LatestException {
                    at: e.timestamp,
                    name: e.name.clone(),
                });
            }
        }
        None => notes.not_checked(
            Cause::JobNotRunning,
            "flink.job.exceptions",
            Fact::error(job.exceptions.error().unwrap_or_default()),
        ),
    }
    v.summary = if terminal {
        Fact::JobIs {
            state: job.state.clone(),
        }
    } else if looping {
        Fact::RestartLoopUnnamed
    } else {
        Fact::OnlyTasksRun {
            running: u64::from(job.tasks_running),
            total: u64::from(job.tasks_total),
        }
    };
    Some(
        v.todo(Fact::ReadExceptionHistory)
            .todo(Fact::ResubmitFromState),
    )
}

// ---------------------------------------------------------------------------------------------
// Step 3: missing redo
// ---------------------------------------------------------------------------------------------

/// The candidates for the restart SCN of DESIGN.md §2 step 3, each with where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestartScn {
    /// (SCN, where it came from), in the order: output, open transaction, operator.
    pub candidates: Vec<(u64, Fact)>,
    /// Why the output's last SCN could not be read, when it could not.
    pub output_unreadable: Option<String>,
}

impl RestartScn {
    /// The candidates of the newest observation `last`, with the operator's `from_scn`: the
    /// last SCN in the output, the start SCN of the oldest open transaction on the captured
    /// tables, and `from_scn`. Never the flush-table SCN: Debezium writes the database's
    /// current SCN there, not its resume position.
    pub fn of(last: &Observation, from_scn: Option<u64>) -> RestartScn {
        let mut r = RestartScn::default();
        match last.output.value().map(|o| &o.last_scn) {
            Some(Signal::Observed { value: Some(scn) }) => {
                r.candidates.push((*scn, Fact::ScnFromOutput { scn: *scn }))
            }
            Some(Signal::Observed { value: None }) | None => {}
            Some(other) => r.output_unreadable = Some(other.error().unwrap_or_default().into()),
        }
        if let Some(tx) = last
            .oracle
            .value()
            .and_then(|o| o.open_transactions.value())
        {
            if let Some(scn) = tx.oldest_start_scn {
                r.candidates.push((
                    scn,
                    Fact::ScnFromOpenTransaction {
                        scn,
                        open: u64::from(tx.count),
                    },
                ));
            }
        }
        if let Some(scn) = from_scn {
            r.candidates.push((scn, Fact::ScnFromOperator { scn }));
        }
        r
    }

    /// The most conservative (lowest) candidate, with every candidate's description.
    pub fn lowest(&self) -> Option<(u64, Vec<Fact>)> {
        let min = self.candidates.iter().map(|c| c.0).min()?;
        Some((min, self.candidates.iter().map(|c| c.1.clone()).collect()))
    }
}

fn step_missing_redo(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    let restart = RestartScn::of(ctx.last, ctx.opts.from_scn);
    if let Some(why) = &restart.output_unreadable {
        notes.not_checked(Cause::MissingRedo, "output.last_scn", Fact::error(why));
    }
    let scn = match redo_coverage(ctx.last, &restart) {
        RedoCoverage::RedoUnknown(why) => {
            notes.not_checked(Cause::MissingRedo, "oracle.redo", why);
            return None;
        }
        RedoCoverage::NoRestartScn(why) => {
            notes.not_checked(Cause::MissingRedo, "restart SCN", why);
            return None;
        }
        RedoCoverage::Uncovered {
            scn,
            sources,
            threads,
            uncovered,
        } => {
            return Some(
                Verdict::new(
                    Cause::MissingRedo,
                    Fact::RestartScnUncovered {
                        scn,
                        threads: uncovered,
                    },
                )
                .proof(Fact::RestartScnLowestOf { scn, sources })
                .facts(threads.iter().map(|t| {
                    Evidence::new(
                        Strength::Proof,
                        Fact::RedoThreadOldest {
                            thread: t.thread,
                            scn: t.oldest_scn,
                            since: t.oldest_time,
                        },
                    )
                }))
                .todo(Fact::DoNotRestartFromState)
                .todo(Fact::RestoreArchivedLogs { scn })
                .todo(Fact::WaitForRedo),
            );
        }
        RedoCoverage::Covered { scn, .. } => scn,
    };
    // Covered: how long until the restart SCN ages out (questions::redo_headroom).
    ctx.oracle(ctx.last)?;
    if let Some(h) = redo_headroom(ctx.last, scn) {
        let (headroom, binding) = (h.headroom, h.binding);
        let e = Evidence::new(
            Strength::Context,
            Fact::RedoHeadroom {
                scn,
                headroom: secs(headroom),
                kept: secs(h.kept),
                thread: binding.thread,
            },
        )
        .vs("redo_headroom_warning", cfg(ctx.t.redo_headroom_warning));
        notes.redo_headroom = Some(headroom);
        notes.redo_aging = Some(RedoAging {
            headroom,
            scn,
            thread: binding.thread,
            purge_scn_per_s: h.purge_scn_per_s,
            moves_with_output: restart
                .candidates
                .iter()
                .min_by_key(|c| c.0)
                .is_some_and(|c| matches!(c.1, Fact::ScnFromOutput { .. })),
        });
        if headroom < ctx.t.redo_headroom_warning {
            notes.warn(Fact::RedoHeadroomShort {
                scn,
                headroom: secs(headroom),
                threshold: secs(ctx.t.redo_headroom_warning),
            });
        }
        notes.context.push(e);
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Step 4: misconfigured, resource exhausted
// ---------------------------------------------------------------------------------------------

/// ORA-00942 (table or view does not exist) and ORA-01031 (insufficient privileges) on the
/// monitoring account's own queries mean a grant from sql/grants.sql is missing.
fn missing_grant(error: &str) -> bool {
    let codes = explain(error).codes;
    codes.iter().any(|c| c == "ORA-00942" || c == "ORA-01031")
}

fn step_misconfigured(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    let mut v = Verdict::new(Cause::Misconfigured, Fact::NoStepMatched);
    let mut problems: Vec<Fact> = vec![];
    if let Some(oracle) = ctx.oracle(ctx.last) {
        match &oracle.database {
            Signal::Observed { value: db } => {
                if !db.log_mode.eq_ignore_ascii_case("ARCHIVELOG") {
                    problems.push(Fact::DatabaseInMode {
                        mode: db.log_mode.clone(),
                    });
                    v = v
                        .proof(Fact::LogMode {
                            mode: db.log_mode.clone(),
                        })
                        .todo(Fact::EnableArchiveLog);
                }
                if !db.supplemental_logging_min {
                    problems.push(Fact::SupplementalMinOff);
                    v = v
                        .proof(Fact::SupplementalMinNo)
                        .todo(Fact::AddSupplementalLogging);
                }
                for e in &db.archive_dest_errors {
                    problems.push(Fact::ArchiveDestInError);
                    v = v
                        .proof(Fact::ArchiveDestError { error: e.clone() })
                        .todo(Fact::FixArchiveDest);
                }
            }
            other => notes.not_checked(
                Cause::Misconfigured,
                "oracle.database",
                Fact::error(other.error().unwrap_or_default()),
            ),
        }
        let all_columns_db = oracle
            .database
            .value()
            .is_some_and(|d| d.supplemental_logging_all);
        match &oracle.table_logging {
            Signal::Observed { value } if !all_columns_db => {
                for t in value.iter().filter(|t| !t.all_columns) {
                    problems.push(Fact::TableWithoutAllColumns {
                        table: t.table.clone(),
                    });
                    v = v
                        .proof(Fact::TableNoAllColumns {
                            table: t.table.clone(),
                        })
                        .todo(Fact::AlterTableAllColumns {
                            table: t.table.clone(),
                        });
                }
            }
            Signal::Observed { .. } => {}
            other => notes.not_checked(
                Cause::Misconfigured,
                "oracle.table_logging",
                Fact::error(other.error().unwrap_or_default()),
            ),
        }
        // Missing grants hide single views: name each.
        let parts: [(&str, Option<&str>); 8] = [
            ("oracle.database", oracle.database.error()),
            ("oracle.recovery_area", oracle.recovery_area.error()),
            ("oracle.table_logging", oracle.table_logging.error()),
            ("oracle.sessions", oracle.sessions.error()),
            ("oracle.flush_table_scn", oracle.flush_table_scn.error()),
            ("oracle.redo", oracle.redo.error()),
            ("oracle.table_activity", oracle.table_activity.error()),
            ("oracle.open_transactions", oracle.open_transactions.error()),
        ];
        for (signal, err) in parts {
            if let Some(err) = err.filter(|e| missing_grant(e)) {
                problems.push(Fact::GrantMissing {
                    signal: signal.into(),
                });
                v = v.proof(Fact::SignalError {
                    signal: signal.into(),
                    error: err.into(),
                });
            }
        }
        if problems
            .iter()
            .any(|p| matches!(p, Fact::GrantMissing { .. }))
        {
            v = v.todo(Fact::RunGrants);
        }
    } else {
        notes.not_checked(
            Cause::Misconfigured,
            "oracle",
            Fact::error(ctx.last.oracle.error().unwrap_or_default()),
        );
    }
    if let Some(e) = ctx.recent_exception(Cause::Misconfigured) {
        problems.push(Fact::JobFailedWith {
            name: e.name.clone(),
        });
        v = v.proof(e.fact()).todo(explained_fix(&e.x));
    }
    if problems.is_empty() {
        return None;
    }
    problems.dedup();
    v.summary = if problems.len() == 1 {
        problems.remove(0)
    } else {
        Fact::Joined { parts: problems }
    };
    Some(v)
}

fn step_resource_exhausted(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    if let Some(oracle) = ctx.oracle(ctx.last) {
        match &oracle.recovery_area {
            Signal::Observed { value: fra } if fra.limit_bytes > 0 => {
                let pct = fra.used_pct();
                if pct >= ctx.t.recovery_area_critical_pct {
                    return Some(
                        Verdict::new(
                            Cause::ResourceExhausted,
                            Fact::RecoveryAreaFull {
                                used: fra.used_bytes,
                                limit: fra.limit_bytes,
                            },
                        )
                        .proof_vs(
                            Fact::RecoveryAreaUsed {
                                used: fra.used_bytes,
                                limit: fra.limit_bytes,
                            },
                            "recovery_area_critical_pct",
                            format!("{}", ctx.t.recovery_area_critical_pct),
                        )
                        .todo(Fact::FreeRecoveryArea)
                        .todo(Fact::NeverDeleteNeededLogs),
                    );
                }
                if pct >= ctx.t.recovery_area_warning_pct {
                    notes.warn(Fact::RecoveryAreaWarning {
                        used: fra.used_bytes,
                        limit: fra.limit_bytes,
                        threshold: format!("{}", ctx.t.recovery_area_warning_pct),
                    });
                }
            }
            Signal::Observed { .. } => {}
            other => notes.not_checked(
                Cause::ResourceExhausted,
                "oracle.recovery_area",
                Fact::error(other.error().unwrap_or_default()),
            ),
        }
        if let (Some(limit), Some(s)) = (
            oracle
                .database
                .value()
                .and_then(|d| d.pga_limit_bytes)
                .filter(|l| *l > 0),
            ctx.judged_session(),
        ) {
            if let Some(pga) = s.pga_bytes {
                let ratio = pga as f64 / limit as f64;
                if ratio >= ctx.t.pga_warning_ratio {
                    notes.warn(Fact::PgaHigh {
                        pga,
                        percent: (ratio * 100.0).round() as u64,
                        threshold: format!("{}", ctx.t.pga_warning_ratio),
                    });
                }
            }
        }
    }
    if let Some(e) = ctx.recent_exception(Cause::ResourceExhausted) {
        return Some(
            Verdict::new(
                Cause::ResourceExhausted,
                Fact::JobFailed {
                    why: Box::new(explained_summary(&e.x)),
                },
            )
            .proof(e.fact())
            .todo(explained_fix(&e.x)),
        );
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Step 5a: falling behind
// ---------------------------------------------------------------------------------------------

/// How the redo a restart needs ages (from step 3, when redo covers the restart SCN).
#[derive(Debug, Clone, Copy)]
struct RedoAging {
    /// Until the restart SCN ages out if it stood still.
    headroom: Duration,
    /// The restart SCN.
    scn: u64,
    /// The redo thread whose oldest log binds.
    thread: u32,
    /// How fast purging moves the oldest available SCN: the database's average SCN rate over
    /// the redo kept (redo is kept for a time, so the oldest SCN advances at the pace the
    /// database had when that redo was written).
    purge_scn_per_s: f64,
    /// The restart SCN is the output's last SCN (it moves as the output does); an open
    /// transaction or `--from-scn` pins it instead.
    moves_with_output: bool,
}

/// Output advances, but the connector reads redo more slowly than the database writes it.
///
/// Judged only at commits (the output's last SCN moved): between two commits every healthy
/// pipeline's lag grows, and an idle source commits nothing. It takes three commits or more
/// over at least half the stall window, a lag that grew at every one of them, an output pace
/// below the database's, and a lag of more than the stall window's worth of the database's
/// SCNs, which a commit cadence cannot explain. It is a WARNING; CRITICAL (with proof) when, at
/// these rates, purging overtakes the moving restart SCN within `redo_headroom_warning`: the
/// connector never catches up, and a restart after that fails with ORA-01291.
fn step_falling_behind(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    if ctx.output_state() != Some(OutputState::Advancing) {
        return None;
    }
    let points = ctx.commit_points();
    let (&(t0, out0, db0), &(t1, out1, db1)) = (points.first()?, points.last()?);
    let span = t1.since(t0);
    if points.len() < 3 || span < ctx.window / 2 || span.is_zero() {
        return None;
    }
    let lags: Vec<u64> = points.iter().map(|p| p.2.saturating_sub(p.1)).collect();
    let (first_lag, lag) = (lags[0], lags[lags.len() - 1]);
    if !lags.windows(2).all(|w| w[1] >= w[0]) || lag <= first_lag {
        return None;
    }
    let s = span.as_secs_f64();
    let db_rate = db1.saturating_sub(db0) as f64 / s;
    let out_rate = out1.saturating_sub(out0) as f64 / s;
    if db_rate <= 0.0 || out_rate >= db_rate {
        return None;
    }
    let behind = Duration::try_from_secs_f64(lag as f64 / db_rate).unwrap_or(Duration::MAX);
    if behind <= ctx.window {
        return None;
    }
    let per_min = |r: f64| (r * 60.0).round() as u64;
    let mut v = Verdict::new(
        Cause::FallingBehind,
        Fact::FallsBehind {
            behind: secs(behind),
            lag,
        },
    )
    .proof(Fact::LagAtCommits {
        commits: points.len() as u64,
        from: first_lag,
        to: lag,
        over: secs(span),
    })
    .proof(Fact::ScnRates {
        database_per_min: per_min(db_rate),
        output_per_min: per_min(out_rate),
        over: secs(span),
    })
    .fact(Fact::NeverCatchesUp {
        lag,
        behind: secs(behind),
    });
    match notes.redo_aging {
        Some(a) => {
            // The gap between the oldest kept SCN and the restart SCN closes at the purge pace
            // minus the restart SCN's own.
            let moving = if a.moves_with_output { out_rate } else { 0.0 };
            if a.purge_scn_per_s > moving {
                let within = Duration::try_from_secs_f64(
                    a.headroom.as_secs_f64() * a.purge_scn_per_s / (a.purge_scn_per_s - moving),
                )
                .unwrap_or(Duration::MAX);
                let overtakes = Fact::PurgeOvertakes {
                    scn: a.scn,
                    within: secs(within),
                    thread: a.thread,
                };
                let horizon = cfg(ctx.t.redo_headroom_warning);
                if within <= ctx.t.redo_headroom_warning {
                    v.summary = Fact::FallsBehindPurgeFirst {
                        behind: secs(behind),
                        within: secs(within),
                    };
                    v = v.severity(Severity::Critical).proof_vs(
                        overtakes,
                        "redo_headroom_warning",
                        horizon,
                    );
                } else {
                    v = v.fact_vs(overtakes, "redo_headroom_warning", horizon);
                }
            } else {
                v = v.fact(Fact::PurgeNeverOvertakes { scn: a.scn });
            }
            v = v.todo(Fact::KeepRedoUntilCaughtUp { scn: a.scn });
        }
        None => notes.not_checked(Cause::FallingBehind, "oracle.redo", Fact::RedoAgingUnknown),
    }
    Some(
        v.facts(ctx.output_evidence())
            .todo(Fact::ReadFaster)
            .todo(Fact::RestartDoesNotCatchUp),
    )
}

// ---------------------------------------------------------------------------------------------
// Step 5: healthy
// ---------------------------------------------------------------------------------------------

fn step_healthy(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    let state = match ctx.output_state() {
        Some(s) => s,
        None => {
            notes.not_checked(
                Cause::Healthy,
                "output",
                ctx.output_missing.clone().unwrap_or_default(),
            );
            return None;
        }
    };
    trend_warnings(ctx, notes);
    let summary = match state {
        OutputState::Advancing => Fact::OutputAdvances,
        // Checkpoints that keep failing mean the records reaching the sink are never
        // committed: the sink-stall step decides that.
        OutputState::Flowing if checkpoints_failing(ctx).is_none() => {
            // Records that have reached the sink for longer than the stall window and are still
            // not committed: the sink commits later than the config says it should.
            let flowing_for = ctx
                .first_write_after_commit()
                .map(|t| ctx.last.observed_at.since(t));
            if let (Some(age), true) = (
                ctx.newest_committed_at()
                    .map(|t| ctx.last.observed_at.since(t)),
                flowing_for.is_some_and(|f| f > ctx.window),
            ) {
                notes.warn(Fact::FlowingNotCommitted {
                    age: secs(age),
                    window: secs(ctx.window),
                });
            }
            Fact::RecordsReachSink
        }
        _ => return None,
    };
    match &ctx.last.oracle {
        Signal::Missing { error } => notes.warn(Fact::OracleChecksSkipped {
            error: error.clone(),
        }),
        Signal::NotCollected { .. } => notes.warn(Fact::DatabaseNotCollected),
        Signal::Observed { .. } => {}
    }
    let mut v = Verdict::new(Cause::Healthy, summary).facts(ctx.output_evidence());
    if let (Some(scn), Some(db)) = (
        ctx.last
            .output
            .value()
            .and_then(|o| o.last_scn.value().copied().flatten()),
        ctx.oracle(ctx.last).and_then(|o| o.database.value()),
    ) {
        v = v.fact(Fact::OutputLag {
            output_scn: scn,
            database_scn: db.current_scn,
        });
    }
    Some(v)
}

/// Trends that will hurt: failing checkpoints, growing lag, orphaned part files, and a long
/// LogMiner call that still progresses.
fn trend_warnings(ctx: &Ctx, notes: &mut Notes) {
    if let (Some(a), Some(b)) = (
        ctx.job_first().and_then(|j| j.checkpoints.value()),
        ctx.job().and_then(|j| j.checkpoints.value()),
    ) {
        if b.failed > a.failed {
            notes.warn(Fact::CheckpointsFailedRecently {
                failed: b.failed - a.failed,
                over: secs(ctx.span()),
                last: b.last_failure.as_ref().map(|f| f.message.clone()),
            });
        }
    }
    // A growing SCN lag is judged by `step_falling_behind` (at commits only: between two
    // commits every healthy pipeline's lag grows).
    if let (Some(out), Some(job)) = (ctx.out(ctx.last), ctx.job()) {
        if let Some(oldest) = out.oldest_in_progress_at.filter(|t| *t < job.start_time) {
            notes.warn(Fact::OrphanPartFiles {
                files: out.in_progress_files,
                oldest,
                job_start: job.start_time,
            });
        }
    }
    if let Some(LongCall::Progressing {
        running,
        cpu_ms,
        gets,
    }) = long_call_progress(ctx)
    {
        notes.warn(Fact::LongCallProgresses {
            running: secs(running),
            cpu_ms,
            gets,
            threshold: secs(ctx.t.long_logminer_call),
        });
    }
}

enum LongCall {
    Progressing {
        running: Duration,
        cpu_ms: u64,
        gets: u64,
    },
    Flat {
        running: Duration,
        session: String,
    },
    Unmeasured(Fact),
}

/// A LogMiner call of the judged session running longer than `long_logminer_call`: do its SQL
/// statistics still move between the first and last observation?
fn long_call_progress(ctx: &Ctx) -> Option<LongCall> {
    let s = ctx.judged_session()?;
    let running = Duration::from_secs(s.last_call_et_s);
    let mining_call = matches!(s.sql, Some(SqlKind::MiningQuery | SqlKind::StartLogminer));
    if !s.is_active() || !mining_call || running <= ctx.t.long_logminer_call {
        return None;
    }
    let first = ctx.session_first(s)?;
    if ctx.obs.len() < 2 {
        return Some(LongCall::Unmeasured(Fact::SqlStatsNeedTwo));
    }
    match (first.sql_stats, s.sql_stats) {
        (Some(a), Some(b)) => {
            let cpu_ms = b.cpu_time_us.saturating_sub(a.cpu_time_us) / 1000;
            let gets = b.buffer_gets.saturating_sub(a.buffer_gets);
            if cpu_ms > 0 || gets > 0 {
                Some(LongCall::Progressing {
                    running,
                    cpu_ms,
                    gets,
                })
            } else {
                Some(LongCall::Flat {
                    running,
                    session: format!("{}/{},{}", s.instance, s.sid, s.serial),
                })
            }
        }
        _ => Some(LongCall::Unmeasured(Fact::SqlStatsMissing)),
    }
}

// ---------------------------------------------------------------------------------------------
// Steps 6 to 10: why a stale pipeline is stale
// ---------------------------------------------------------------------------------------------

/// Committed output older than the stall window, no records on their way to the sink, and the
/// job up longer than the window: only then may steps 6 to 10 call it a stall.
fn stale(ctx: &Ctx) -> bool {
    ctx.output_state() == Some(OutputState::Stale)
}

/// Checkpoints of the current attempt that do not complete: `checkpoint_failures` or more
/// failed over the window with none completing, or none completed for longer than the stall
/// window while they fail or hang. A FileSink commits only on a completed checkpoint, so either
/// way nothing reaches the output. Returns the fact and the job.
fn checkpoints_failing<'a>(ctx: &Ctx<'a>) -> Option<(Fact, &'a JobDetail)> {
    let attempt = ctx.attempt();
    let first = attempt.first()?;
    let j1 = ctx.flink(first)?.job.as_ref()?;
    let j2 = ctx.job()?;
    let (a, b) = (j1.checkpoints.value()?, j2.checkpoints.value()?);
    if b.completed != a.completed || b.interval.is_zero() {
        return None;
    }
    let now = ctx.last.observed_at;
    let failed = b.failed.saturating_sub(a.failed);
    let over = secs(now.since(first.observed_at));
    if failed >= ctx.t.checkpoint_failures {
        return Some((Fact::CheckpointsFailed { failed, over }, j2));
    }
    let since = b
        .last_completed
        .as_ref()
        .map_or(j2.start_time, |c| c.completed_at);
    let none_for = now.since(since);
    (none_for > ctx.window && (failed > 0 || b.in_progress > 0)).then(|| {
        (
            Fact::NoCheckpointCompleted {
                none_for: secs(none_for),
                interval: secs(b.interval),
                failed,
                in_progress: b.in_progress,
                over,
            },
            j2,
        )
    })
}

fn step_oracle_unreachable(ctx: &Ctx, _notes: &mut Notes) -> Option<Verdict> {
    // Only a failed attempt counts: an Oracle that is not collected is not unreachable.
    if !ctx.last.oracle.failed() {
        return None;
    }
    let error = ctx.last.oracle.error()?;
    if !stale(ctx) {
        return None;
    }
    Some(
        Verdict::new(Cause::OracleUnreachable, Fact::StaleAndOracleUnreachable)
            .proof(Fact::OracleError {
                error: error.to_string(),
            })
            .facts(ctx.output_evidence())
            .todo(Fact::CheckListener)
            .todo(Fact::UnlockAccount)
            .todo(Fact::WaitForOracle),
    )
}

fn step_sink_stalled(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    let flowing = ctx.output_state() == Some(OutputState::Flowing);
    if !stale(ctx) && !flowing {
        return None;
    }
    let Some(job) = ctx.job() else {
        notes.not_checked(Cause::SinkStalled, "flink.job", Fact::JobDetailsMissing);
        return None;
    };
    let mut v = Verdict::new(Cause::SinkStalled, Fact::CheckpointsDoNotComplete)
        .facts(ctx.output_evidence());
    if let Some((fact, j2)) = checkpoints_failing(ctx) {
        v.summary = Fact::CheckpointsDoNotComplete;
        v = v.proof_vs(
            fact,
            "checkpoint_failures",
            ctx.t.checkpoint_failures.to_string(),
        );
        return Some(sink_remedies(ctx, v, j2));
    }
    if flowing {
        return None;
    }
    match job.source.value() {
        Some(b) => {
            if let Some(bp) = b
                .backpressured_ms_per_s
                .filter(|bp| *bp >= ctx.t.backpressure_ms_per_s)
            {
                let ms_per_s = bp.round() as u64;
                v.summary = Fact::Backpressured { ms_per_s };
                return Some(
                    v.proof_vs(
                        Fact::Backpressure { ms_per_s },
                        "backpressure_ms_per_s",
                        format!("{}", ctx.t.backpressure_ms_per_s),
                    )
                    .todo(Fact::FindSlowOperator)
                    .todo(Fact::BackpressureIsNotDead),
                );
            }
            // Records read after the newest commit, longer than the stall window ago, and
            // none of them in the sink's files: they are held between source and sink.
            if let Some(flow) = ctx.source_flow() {
                let waited = ctx.last.observed_at.since(flow.before);
                v.summary = Fact::SourceReadNoneReached {
                    waited: secs(waited),
                };
                v = v.with_threshold(
                    Strength::Proof,
                    Fact::SourceReadNotCommitted {
                        before: flow.from,
                        after: flow.to,
                        from: flow.before,
                        to: flow.seen,
                    },
                    ctx.window_use(),
                );
                return Some(sink_remedies(ctx, v, job));
            }
        }
        None => notes.not_checked(
            Cause::SinkStalled,
            "flink.job.source",
            Fact::error(job.source.error().unwrap_or("missing")),
        ),
    }
    None
}

fn sink_remedies(ctx: &Ctx, v: Verdict, job: &JobDetail) -> Verdict {
    let failing = job
        .checkpoints
        .value()
        .and_then(|c| c.last_failure.as_ref().map(|f| f.message.clone()));
    let v = match failing {
        Some(message) => v.fact(Fact::LastCheckpointFailure { message }),
        None => v,
    };
    let _ = ctx;
    v.todo(Fact::LookAtCheckpoints)
        .todo(Fact::RestartOnlyIfFailing)
}

/// Step 8, and the early path of strong evidence: the connector's mining connection is dead.
///
/// On stale output any proof convicts. Before the output has aged past the stall window, only
/// the database's own view does (the session gone in two observations in a row, or silent past
/// `mining_call_gap` with the heartbeat frozen, or killed), and only while the captured tables
/// change, so a busy pipeline whose connection dropped pages within a minute or two instead of
/// a stall window. A thread dump in a socket read is a hint in both: an idle line reader and
/// Debezium's healthy LogMiner fetch wait there too.
fn step_connection_lost_early(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    dead_connection(ctx, notes, true)
}

fn step_dead_connection(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    dead_connection(ctx, notes, false)
}

fn dead_connection(ctx: &Ctx, notes: &mut Notes, early: bool) -> Option<Verdict> {
    let job = ctx.job().filter(|j| !is_terminal_state(&j.state))?;
    let stale = stale(ctx);
    let pending = ctx.changes_pending();
    if early == stale || (early && pending.is_none()) {
        return None;
    }
    // A (re)started connector needs a moment to log on and start mining: sessions seen (or
    // missed) before that say nothing about the new attempt.
    // It has, once the attempt read records or committed output: it was connected then.
    let up = ctx.last.observed_at.since(job.start_time);
    let connected_once = job.source.value().is_some_and(|s| s.records > 0)
        || ctx
            .newest_committed_at()
            .is_some_and(|t| t > job.start_time);
    let settled = up > ctx.t.mining_call_gap || connected_once;
    let mut proofs: Vec<(Fact, Evidence)> = vec![];
    let mut hints: Vec<Evidence> = vec![];

    // The server side first: a call running on the server, or a rising heartbeat, means the
    // client waiting in a read is normal (a long LogMiner fetch), not a half-open socket.
    let heartbeat = ctx.recent_heartbeat();
    let hb_rising = matches!(heartbeat, Ok((a, b, _)) if b > a);
    let hb_frozen = matches!(heartbeat, Ok((a, b, _)) if b == a);
    let judged = ctx.judged_session();
    let server_call_running = judged.is_some_and(|s| s.is_active());

    match &job.source_thread {
        Signal::Observed {
            value: SourceThreadState::BlockedInSocketRead,
        } if server_call_running || hb_rising => notes
            .context
            .push(Evidence::new(Strength::Context, Fact::LongFetchNotDead)),
        Signal::Observed {
            value: SourceThreadState::BlockedInSocketRead,
        } => hints.push(Evidence::new(Strength::Hint, Fact::ThreadDumpSocketRead)),
        Signal::Observed { .. } => {}
        other => notes.not_checked(
            Cause::DeadConnection,
            "flink.job.source_thread",
            Fact::error(other.error().unwrap_or_default()),
        ),
    }
    if stale {
        if let Some(e) = ctx.recent_exception(Cause::DeadConnection) {
            proofs.push((
                Fact::ConnectionDied {
                    why: Box::new(explained_summary(&e.x)),
                },
                Evidence::new(Strength::Proof, e.fact()),
            ));
        }
    }

    let hb_fact = match &heartbeat {
        Ok((a, b, over)) if b > a => Fact::HeartbeatRising {
            from: *a,
            to: *b,
            over: Some(secs(*over)),
        },
        Ok((a, _, over)) => Fact::HeartbeatFrozen {
            at: *a,
            over: secs(*over),
        },
        Err(e) => {
            notes.not_checked(Cause::DeadConnection, "oracle.flush_table_scn", e.clone());
            Fact::HeartbeatNotChecked {
                why: Box::new(e.clone()),
            }
        }
    };
    let gap = ctx.t.mining_call_gap;
    let mut server_facts: Vec<Evidence> = vec![];
    match ctx.sessions() {
        None => notes.not_checked(
            Cause::DeadConnection,
            "oracle.sessions",
            Fact::error(
                ctx.oracle(ctx.last)
                    .and_then(|o| o.sessions.error())
                    .or(ctx.last.oracle.error())
                    .unwrap_or_default(),
            ),
        ),
        Some(sessions) => {
            let mining = ctx.mining_sessions();
            if mining.is_empty() && sessions.iter().any(|s| s.is_snapshotting()) {
                // Not while the connector snapshots: judged by the snapshot's own counters.
                return snapshot_verdict(ctx, notes, sessions);
            }
            if !settled {
                notes.not_checked(
                    Cause::DeadConnection,
                    "oracle.sessions",
                    Fact::JobJustStarted {
                        up: secs(up),
                        gap: secs(gap),
                    },
                );
            } else if sessions.is_empty() {
                // Early, the session must be missing twice in a row after one was seen mining
                // (a reconnect shows a new session at once; a wrong username shows none ever).
                let before = ctx.obs.len().checked_sub(2).map(|i| ctx.obs[i]);
                let gone_twice = before
                    .and_then(|o| ctx.oracle(o).and_then(|x| x.sessions.value()))
                    .is_some_and(|ss| ss.is_empty());
                if stale || (gone_twice && !ctx.mining_keys().is_empty()) {
                    proofs.push((
                        Fact::NoSessionWhileRunning,
                        Evidence::new(
                            Strength::Proof,
                            Fact::NoSessionWhileJob {
                                job: job.id.clone(),
                                state: job.state.clone(),
                            },
                        ),
                    ));
                }
            } else if mining.is_empty() {
                let all_idle = sessions
                    .iter()
                    .all(|s| !s.is_active() && Duration::from_secs(s.last_call_et_s) > gap);
                if stale && all_idle && !hb_rising {
                    proofs.push((
                        Fact::NoMiningAndIdle,
                        Evidence::new(
                            Strength::Proof,
                            Fact::SessionsIdle {
                                count: sessions.len() as u64,
                            },
                        )
                        .vs("mining_call_gap", cfg(gap)),
                    ));
                    server_facts.extend(
                        sessions
                            .iter()
                            .map(|s| Evidence::new(Strength::Context, session_fact(s))),
                    );
                } else {
                    notes.not_checked(
                        Cause::DeadConnection,
                        "mining session",
                        Fact::NoMiningSqlSeen,
                    );
                }
            } else if let Some(s) = judged {
                let idle_for = Duration::from_secs(s.last_call_et_s);
                if matches!(s.status.to_ascii_uppercase().as_str(), "KILLED" | "SNIPED") {
                    proofs.push((
                        Fact::SessionKilled {
                            status: s.status.clone(),
                        },
                        Evidence::new(Strength::Proof, session_fact(s)),
                    ));
                } else if !s.is_active() && idle_for > gap && (hb_frozen || (stale && !hb_rising)) {
                    proofs.push((
                        Fact::SessionSilent {
                            idle: secs(idle_for),
                        },
                        Evidence::new(Strength::Proof, session_fact(s))
                            .vs("mining_call_gap", cfg(gap)),
                    ));
                } else {
                    server_facts.push(Evidence::new(Strength::Context, session_fact(s)));
                }
            }
        }
    }
    if proofs.is_empty() {
        // A hint alone never convicts: it is shown under whatever the table decides.
        notes.context.extend(hints);
        return None;
    }
    if hb_rising {
        // A rising heartbeat means some connection still runs the loop: say so next to the proof.
        notes.warn(Fact::AnotherConnectionMines {
            heartbeat: Box::new(hb_fact.clone()),
        });
    }
    let mut summary = proofs[0].0.clone();
    if !stale {
        summary = Fact::WhileChangesWait {
            summary: Box::new(summary),
        };
    }
    let mut v = Verdict::new(Cause::DeadConnection, summary)
        .facts(proofs.into_iter().map(|p| p.1))
        .facts(hints)
        .facts(server_facts)
        .fact(hb_fact);
    if let Some(p) = pending {
        v = v.fact(p);
    }
    v = v.facts(ctx.output_evidence());
    v = dead_remedies(v, judged);
    Some(v)
}

/// The connector is in its snapshot phase (SELECTs on the captured tables, no mining yet):
/// progressing SELECT statistics mean it works; flat ones are not checked further.
fn snapshot_verdict(
    ctx: &Ctx,
    notes: &mut Notes,
    sessions: &[ConnectorSession],
) -> Option<Verdict> {
    let progress: Vec<Fact> = sessions
        .iter()
        .filter(|s| s.is_snapshotting())
        .filter_map(|s| {
            let a = ctx.session_first(s)?.sql_stats?;
            let b = s.sql_stats?;
            (b.cpu_time_us > a.cpu_time_us || b.buffer_gets > a.buffer_gets).then(|| {
                Fact::SnapshotProgress {
                    session: format!("{}/{},{}", s.instance, s.sid, s.serial),
                    gets: b.buffer_gets.saturating_sub(a.buffer_gets),
                    over: secs(ctx.span()),
                }
            })
        })
        .collect();
    if progress.is_empty() || ctx.obs.len() < 2 {
        notes.not_checked(Cause::DeadConnection, "oracle.sessions", Fact::SnapshotFlat);
        return None;
    }
    let mut v = Verdict::new(Cause::Healthy, Fact::Snapshotting);
    for p in progress {
        v = v.fact(p);
    }
    v.warnings.push(Fact::NoOutputDuringSnapshot);
    Some(v.facts(ctx.output_evidence()))
}

fn session_fact(s: &ConnectorSession) -> Fact {
    Fact::Session {
        session: Box::new(SessionView {
            id: format!("{}/{},{}", s.instance, s.sid, s.serial),
            status: s.status.clone(),
            last_call_s: s.last_call_et_s,
            event: s.event.clone(),
            sql: s
                .sql
                .or(s.prev_sql)
                .map(|k| format!("{k:?}"))
                .unwrap_or_else(|| "none".into()),
            client: format!(
                "{}:{}",
                s.machine,
                s.port.map(|p| p.to_string()).unwrap_or_else(|| "?".into())
            ),
        }),
    }
}

fn dead_remedies(v: Verdict, lingering: Option<&ConnectorSession>) -> Verdict {
    let mut v = v.todo(Fact::RestartWithState);
    if let Some(s) = lingering {
        v = v.todo(Fact::KillOrphan {
            sid: s.sid,
            serial: s.serial,
            instance: s.instance,
            port: s.port,
        });
    }
    v.todo(Fact::PreventSilentHang)
}

fn step_logminer_stuck(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    if !stale(ctx) {
        return None;
    }
    ctx.job().filter(|j| !is_terminal_state(&j.state))?;
    let repeated: Vec<_> = ctx
        .recent_exceptions()
        .into_iter()
        .filter(|e| e.x.cause == Cause::LogminerStuck)
        .collect();
    if repeated.len() >= 2 {
        return Some(
            Verdict::new(
                Cause::LogminerStuck,
                Fact::LogMinerErrorsRepeat {
                    count: repeated.len() as u64,
                },
            )
            .proof(repeated[0].fact())
            .facts(ctx.output_evidence())
            .todo(Fact::RestartForFreshSession)
            .todo(Fact::ReviewLogMiningSettings),
        );
    }
    match long_call_progress(ctx) {
        Some(LongCall::Flat { running, session }) => Some(
            Verdict::new(
                Cause::LogminerStuck,
                Fact::CallFlat {
                    running: secs(running),
                },
            )
            .proof_vs(
                Fact::SessionActiveOnLogMiner {
                    session,
                    running: secs(running),
                },
                "long_logminer_call",
                cfg(ctx.t.long_logminer_call),
            )
            .fact(Fact::StatsFlat {
                over: secs(ctx.span()),
            })
            .facts(ctx.output_evidence())
            .todo(Fact::RestartForFreshSession)
            .todo(Fact::ReviewLogMiningSettings),
        ),
        Some(LongCall::Unmeasured(why)) => {
            notes.not_checked(Cause::LogminerStuck, "oracle.sessions.sql_stats", why);
            None
        }
        // Output waits for a long call that still works (a huge transaction): nothing to
        // fix, but worth a WARNING (the trend warning says so).
        Some(LongCall::Progressing { running, .. }) => Some(
            Verdict::new(
                Cause::Healthy,
                Fact::CallProgresses {
                    running: secs(running),
                },
            )
            .facts(ctx.output_evidence())
            .todo(Fact::DoNotRestartCallWorks)
            .todo(Fact::ReviewLogMiningSettings),
        ),
        None => None,
    }
}

fn step_idle_source(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    if !stale(ctx) {
        return None;
    }
    let job = ctx.job().filter(|j| !is_terminal_state(&j.state))?;
    let Some(s) = ctx.judged_session() else {
        notes.not_checked(Cause::IdleSource, "mining session", Fact::NoMiningSession);
        return None;
    };
    let calling = s.is_active() || Duration::from_secs(s.last_call_et_s) <= ctx.t.mining_call_gap;
    if !calling {
        return None;
    }
    let hb = match ctx.heartbeat() {
        Ok((a, b)) if b > a => Fact::HeartbeatRising {
            from: a,
            to: b,
            over: None,
        },
        Ok((a, _)) => {
            notes.not_checked(
                Cause::IdleSource,
                "oracle.flush_table_scn",
                Fact::HeartbeatFrozenWhileCalling { at: a },
            );
            return None;
        }
        Err(e) => {
            notes.not_checked(Cause::IdleSource, "oracle.flush_table_scn", e);
            return None;
        }
    };
    // Changes made before the newest commit were committed; only those after it are pending.
    let since = ctx.newest_committed_at().unwrap_or(ctx.first.observed_at);
    let first = ctx
        .obs_since(since)
        .and_then(|o| ctx.oracle(o))
        .and_then(|o| o.table_activity.value());
    let last = ctx.oracle(ctx.last).and_then(|o| o.table_activity.value());
    let activity = match (first, last) {
        (Some(a), Some(b)) => {
            let d = b.db_block_changes.saturating_sub(a.db_block_changes);
            if d > 0 {
                notes.context.push(Evidence::new(
                    Strength::Context,
                    Fact::ChangesNotCommitted { changes: d },
                ));
                notes.not_checked(
                    Cause::IdleSource,
                    "oracle.table_activity",
                    Fact::TablesWritten { changes: d },
                );
                return None;
            }
            Fact::ActivityFlat {
                changes: b.db_block_changes,
            }
        }
        _ => {
            let e = ctx
                .oracle(ctx.last)
                .and_then(|o| o.table_activity.error())
                .unwrap_or("missing");
            notes.not_checked(Cause::IdleSource, "oracle.table_activity", Fact::error(e));
            Fact::ActivityNotMeasured
        }
    };
    let _ = job;
    let aging = match notes.redo_headroom {
        Some(h) => Fact::RedoAgesOutIn { headroom: secs(h) },
        None => Fact::RedoAgingUnknown,
    };
    Some(
        Verdict::new(Cause::IdleSource, Fact::NoChanges)
            .facts(ctx.output_evidence())
            .fact(session_fact(s))
            .fact(hb)
            .fact(activity)
            .todo(Fact::NothingBroken)
            .todo(aging)
            .todo(Fact::SetHeartbeatInterval),
    )
}

/// Stale output of a running job, and no view of the connector on the database: from Flink and
/// the files an idle source and a dead connection look the same, so the answer is `unknown`,
/// naming both and what would decide. It pages only because the output is past the stall
/// window; a thread dump in a socket read, listed as a hint, does not tip it either way.
fn step_idle_or_dead(ctx: &Ctx, notes: &mut Notes) -> Option<Verdict> {
    if !stale(ctx) || ctx.sessions().is_some() {
        return None;
    }
    let job = ctx.job().filter(|j| !is_terminal_state(&j.state))?;
    let why = ctx
        .oracle(ctx.last)
        .and_then(|o| o.sessions.error())
        .or(ctx.last.oracle.error())
        .unwrap_or("not collected");
    let staleness = match (ctx.newest_committed_at(), ctx.last.output.failed()) {
        (_, true) => Staleness::SinkCounters,
        (Some(t), false) => Staleness::For {
            age: secs(ctx.last.observed_at.since(t)),
        },
        (None, false) => Staleness::Never,
    };
    let mut v = Verdict::new(Cause::Unknown, Fact::IdleOrDead { staleness })
        .facts(ctx.output_evidence())
        .fact(Fact::JobSince {
            job: job.id.clone(),
            state: job.state.clone(),
            since: job.start_time,
        })
        .fact(Fact::SessionAndHeartbeat { why: why.into() })
        .fact(Fact::HypothesisIdle)
        .fact(Fact::HypothesisDead)
        .todo(Fact::GrantAndInstantClient)
        .todo(Fact::CheckTablesChanged);
    for m in &notes.missing {
        v = v.todo(provide(m));
    }
    Some(v)
}

/// Nothing matched, but the job started within the stall window: too early to call it stalled.
fn step_just_started(ctx: &Ctx) -> Option<Verdict> {
    (ctx.output_state() == Some(OutputState::JustStarted)).then(|| {
        Verdict::new(Cause::Healthy, Fact::JustStarted)
            .facts(ctx.output_evidence())
            .todo(Fact::DiagnoseAfterWindow)
    })
}

fn step_unknown(notes: &Notes) -> Verdict {
    let mut v = Verdict::new(
        Cause::Unknown,
        if notes.missing.is_empty() {
            Fact::NoStepMatched
        } else {
            Fact::NoStepCouldDecide {
                missing: notes.missing.len() as u64,
            }
        },
    );
    for m in &notes.missing {
        v = v.todo(provide(m));
    }
    if v.remediation.is_empty() {
        v = v.todo(Fact::MoreSamples);
    }
    v
}
