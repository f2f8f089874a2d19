//! The agent's Prometheus metrics: one typed struct over a `prometheus_client::Registry`
//! (prefix `logminer_doctor`).
//!
//! Label values are bounded: the configured pipeline names and closed enums (cause, system,
//! channel, outcome, kind); never an error text or an SCN.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use crate::collectors::System;
use crate::diagnose::{Cause, Diagnosis};
use crate::observation::{Observation, Signal};

/// A gauge holding a float (seconds, SCNs: SCNs fit a double's 53 bits for centuries).
type FGauge = Gauge<f64, AtomicU64>;

impl EncodeLabelValue for System {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

/// A cause as a label value (its snake_case name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CauseLabel(pub Cause);

impl EncodeLabelValue for CauseLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.0.as_str(), encoder)
    }
}

/// `{pipeline}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct PipelineLabels {
    /// The configured pipeline name.
    pub pipeline: String,
}

/// `{pipeline, cause}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct VerdictLabels {
    /// The configured pipeline name.
    pub pipeline: String,
    /// The verdict's cause, as its snake_case name.
    pub cause: CauseLabel,
}

/// `{pipeline, system}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct CollectorLabels {
    /// The configured pipeline name.
    pub pipeline: String,
    /// The collector.
    pub system: System,
}

/// `{channel, outcome}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct AlertLabels {
    /// `alertmanager` or `webhook`.
    pub channel: &'static str,
    /// `sent` or `failed` (after every retry).
    pub outcome: &'static str,
}

/// `{kind}` of a history error (`locked`, `full`, `corrupt`, `io`, `other`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct KindLabels {
    /// The error's kind.
    pub kind: &'static str,
}

/// `{pipeline, system, severity}` of the daily audit's findings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct AuditLabels {
    /// The configured pipeline name.
    pub pipeline: String,
    /// `oracle`, `connector`, `flink` or `network`.
    pub system: AuditSystemLabel,
    /// `INFO`, `WARNING` or `CRITICAL`.
    pub severity: AuditSeverityLabel,
}

/// An audit system as a label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuditSystemLabel(pub crate::audit::System);

impl EncodeLabelValue for AuditSystemLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.0.as_str(), encoder)
    }
}

/// An audit severity as a label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuditSeverityLabel(pub crate::audit::Severity);

impl EncodeLabelValue for AuditSeverityLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.0.as_str(), encoder)
    }
}

/// Every series the agent exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    verdict: Family<VerdictLabels, Gauge>,
    output_age: Family<PipelineLabels, FGauge>,
    output_scn: Family<PipelineLabels, FGauge>,
    current_scn: Family<PipelineLabels, FGauge>,
    scn_lag: Family<PipelineLabels, FGauge>,
    session_last_call: Family<PipelineLabels, FGauge>,
    flush_table_scn: Family<PipelineLabels, FGauge>,
    redo_headroom: Family<PipelineLabels, FGauge>,
    checkpoint_age: Family<PipelineLabels, FGauge>,
    restarts: Family<PipelineLabels, Counter>,
    savepoints: Family<PipelineLabels, Counter>,
    savepoint_failures: Family<PipelineLabels, Counter>,
    restorable_savepoint_age: Family<PipelineLabels, FGauge>,
    collector_up: Family<CollectorLabels, Gauge>,
    collector_duration: Family<CollectorLabels, FGauge>,
    probes: Family<PipelineLabels, Counter>,
    ticks_missed: Family<PipelineLabels, Counter>,
    alerts: Family<AlertLabels, Counter>,
    history_errors: Family<KindLabels, Counter>,
    audit_findings: Family<AuditLabels, Gauge>,
    audit_unread: Family<PipelineLabels, Gauge>,
    fleet_members: Gauge,
    fleet_in: Gauge,
    fleet_owned: Family<PipelineLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every family but the fleet's (`watch` alone).
    pub fn new() -> Metrics {
        Metrics::build(false)
    }

    /// Registers every family, the fleet's too (`watch` in a fleet).
    pub fn for_fleet() -> Metrics {
        Metrics::build(true)
    }

    fn build(fleet: bool) -> Metrics {
        let mut registry = Registry::with_prefix("logminer_doctor");
        let m = Metrics {
            verdict: Family::default(),
            output_age: Family::default(),
            output_scn: Family::default(),
            current_scn: Family::default(),
            scn_lag: Family::default(),
            session_last_call: Family::default(),
            flush_table_scn: Family::default(),
            redo_headroom: Family::default(),
            checkpoint_age: Family::default(),
            restarts: Family::default(),
            savepoints: Family::default(),
            savepoint_failures: Family::default(),
            restorable_savepoint_age: Family::default(),
            collector_up: Family::default(),
            collector_duration: Family::default(),
            probes: Family::default(),
            ticks_missed: Family::default(),
            alerts: Family::default(),
            history_errors: Family::default(),
            audit_findings: Family::default(),
            audit_unread: Family::default(),
            fleet_members: Gauge::default(),
            fleet_in: Gauge::default(),
            fleet_owned: Family::default(),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register(
            "verdict",
            "The current verdict of each pipeline: 1 for its cause, 0 for the others",
            m.verdict.clone(),
        );
        let secs =
            |r: &mut Registry, name: &str, help: &str, f: &Family<PipelineLabels, FGauge>| {
                r.register_with_unit(name, help, Unit::Seconds, f.clone())
            };
        secs(
            r,
            "output_age",
            "Seconds since the newest committed output file",
            &m.output_age,
        );
        r.register(
            "output_scn",
            "SCN of the last change in the committed output",
            m.output_scn.clone(),
        );
        r.register(
            "current_scn",
            "The database's current SCN",
            m.current_scn.clone(),
        );
        r.register(
            "scn_lag",
            "Current SCN minus the output SCN",
            m.scn_lag.clone(),
        );
        secs(
            r,
            "mining_session_last_call",
            "Seconds since the connector's mining session started or ended its last call",
            &m.session_last_call,
        );
        r.register(
            "flush_table_scn",
            "LAST_SCN of the connector's flush table (the mining loop's heartbeat)",
            m.flush_table_scn.clone(),
        );
        secs(
            r,
            "redo_headroom",
            "Estimated seconds before the restart SCN ages out of available redo",
            &m.redo_headroom,
        );
        secs(
            r,
            "checkpoint_age",
            "Seconds since the job's last completed checkpoint",
            &m.checkpoint_age,
        );
        r.register(
            "restarts",
            "Restarts the doctor performed",
            m.restarts.clone(),
        );
        r.register(
            "savepoints",
            "Periodic savepoints the doctor took",
            m.savepoints.clone(),
        );
        r.register(
            "savepoint_failures",
            "Periodic savepoint attempts that failed (each run retries once)",
            m.savepoint_failures.clone(),
        );
        secs(
            r,
            "newest_restorable_savepoint_age",
            "Age of the newest savepoint whose restart SCN is still in available redo (absent when none is)",
            &m.restorable_savepoint_age,
        );
        r.register(
            "collector_up",
            "Whether the collector answered in the latest probe (1) or not (0)",
            m.collector_up.clone(),
        );
        r.register_with_unit(
            "collector_duration",
            "How long the collector took in the latest probe",
            Unit::Seconds,
            m.collector_duration.clone(),
        );
        r.register("probes", "Probes completed", m.probes.clone());
        r.register(
            "ticks_missed",
            "Scheduled probes skipped because the previous one was still running",
            m.ticks_missed.clone(),
        );
        r.register(
            "alerts",
            "Alert deliveries by channel and outcome",
            m.alerts.clone(),
        );
        r.register(
            "history_errors",
            "Failed writes or reads of the history database, by kind",
            m.history_errors.clone(),
        );
        r.register(
            "audit_findings",
            "Findings of the latest daily audit, by system and severity",
            m.audit_findings.clone(),
        );
        r.register(
            "audit_unread_parts",
            "Parts the latest daily audit could not read (their settings were not checked)",
            m.audit_unread.clone(),
        );
        if fleet {
            r.register(
                "fleet_members",
                "Live members of the fleet this member sees (0 while it is not in the fleet)",
                m.fleet_members.clone(),
            );
            r.register(
                "fleet_member_up",
                "1 while this member is in the fleet (registered in ZooKeeper, lease running)",
                m.fleet_in.clone(),
            );
            r.register(
            "fleet_owned",
            "1 for each pipeline this member owns (probes, alerts, remediates) now, 0 for the others",
            m.fleet_owned.clone(),
        );
        }
        for kind in ["locked", "full", "corrupt", "io", "other"] {
            let _ = m.history_errors.get_or_create(&KindLabels { kind });
        }
        Metrics { registry, ..m }
    }

    /// Publishes an audit: the number of findings of every system and severity (zeros
    /// included, so a fixed setting shows as 0) and the parts not read.
    pub fn record_audit(&self, a: &crate::audit::Audit) {
        use crate::audit::{Severity, System};
        for system in System::ALL {
            for severity in [Severity::Info, Severity::Warning, Severity::Critical] {
                self.audit_findings
                    .get_or_create(&AuditLabels {
                        pipeline: a.pipeline.clone(),
                        system: AuditSystemLabel(system),
                        severity: AuditSeverityLabel(severity),
                    })
                    .set(a.count(system, severity) as i64);
            }
        }
        self.audit_unread
            .get_or_create(&PipelineLabels {
                pipeline: a.pipeline.clone(),
            })
            .set(a.unread.len() as i64);
    }

    /// Publishes this member's view of the fleet: its size, whether it is in, and which of
    /// `pipelines` it owns.
    pub fn record_fleet(&self, members: usize, in_fleet: bool, pipelines: &[(String, bool)]) {
        self.fleet_members.set(members as i64);
        self.fleet_in.set(i64::from(in_fleet));
        for (p, owned) in pipelines {
            self.fleet_owned
                .get_or_create(&PipelineLabels {
                    pipeline: p.clone(),
                })
                .set(i64::from(*owned));
        }
    }

    /// Drops the verdict series of a pipeline this member no longer owns: its new owner
    /// exports them, and two members must not both claim a verdict.
    pub fn forget_verdict(&self, pipeline: &str) {
        for &cause in Cause::ALL {
            self.verdict.remove(&VerdictLabels {
                pipeline: pipeline.to_string(),
                cause: CauseLabel(cause),
            });
        }
    }

    /// Creates a channel's delivery counters at 0.
    pub fn register_channel(&self, channel: &'static str) {
        for outcome in ["sent", "failed"] {
            let _ = self.alerts.get_or_create(&AlertLabels { channel, outcome });
        }
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// The same series in Prometheus' classic text format 0.0.4, for clients that do not ask
    /// for OpenMetrics (curl, `promtool check metrics`): a counter's HELP and TYPE name its
    /// `_total` series, and the UNIT and EOF lines, unknown there, are left out.
    pub fn encode_text(&self) -> String {
        to_classic_text(&self.encode())
    }

    /// Publishes one probe: the verdict, the numbers read from the newest observation, and
    /// each collector's state and duration.
    pub fn record_probe(
        &self,
        d: &Diagnosis,
        latest: &Observation,
        durations: &[(System, Duration)],
    ) {
        let pipeline = latest.pipeline.clone();
        let p = PipelineLabels {
            pipeline: pipeline.clone(),
        };
        for &cause in Cause::ALL {
            self.verdict
                .get_or_create(&VerdictLabels {
                    pipeline: pipeline.clone(),
                    cause: CauseLabel(cause),
                })
                .set(i64::from(cause == d.cause));
        }
        self.probes.get_or_create(&p).inc();
        // Created at 0 so that the series exist (and rate() works) before the first event.
        let _ = self.restarts.get_or_create(&p);
        let _ = self.ticks_missed.get_or_create(&p);
        let n = Numbers::of(latest);
        let set = |f: &Family<PipelineLabels, FGauge>, v: Option<f64>| match v {
            Some(v) => {
                f.get_or_create(&p).set(v);
            }
            // An unknown value disappears rather than freezing at its last reading.
            None => {
                f.remove(&p);
            }
        };
        set(&self.output_age, n.output_age);
        set(&self.output_scn, n.output_scn.map(|s| s as f64));
        set(&self.current_scn, n.current_scn.map(|s| s as f64));
        set(
            &self.scn_lag,
            n.current_scn
                .zip(n.output_scn)
                .map(|(c, o)| c.saturating_sub(o) as f64),
        );
        set(&self.session_last_call, n.session_last_call);
        set(&self.flush_table_scn, n.flush_table_scn.map(|s| s as f64));
        set(&self.redo_headroom, n.redo_headroom);
        set(&self.checkpoint_age, n.checkpoint_age);
        // Up: observed (1) or failed (0). A collector that is not collected (not configured,
        // or not built yet) has no series: it is neither up nor down.
        let state = |collected: bool, failed: bool| collected.then_some(!failed);
        let up = [
            (
                System::Oracle,
                state(
                    !matches!(latest.oracle, Signal::NotCollected { .. }),
                    latest.oracle.failed(),
                ),
            ),
            (
                System::Flink,
                // The Flink signal is always observed (each JobManager's answer is in it): the
                // collector is up only when at least one JobManager answered.
                state(
                    !matches!(latest.flink, Signal::NotCollected { .. }),
                    latest.flink.failed()
                        || latest
                            .flink
                            .value()
                            .is_some_and(|f| !f.jobmanagers.iter().any(|j| j.status.is_up())),
                ),
            ),
            (
                System::Zookeeper,
                state(
                    !matches!(latest.zookeeper, Signal::NotCollected { .. }),
                    latest.zookeeper.failed(),
                ),
            ),
            (
                System::Output,
                state(
                    !matches!(latest.output, Signal::NotCollected { .. }),
                    latest.output.failed(),
                ),
            ),
        ];
        for (system, up) in up {
            let l = CollectorLabels {
                pipeline: pipeline.clone(),
                system,
            };
            match up {
                Some(ok) => {
                    self.collector_up.get_or_create(&l).set(i64::from(ok));
                }
                None => {
                    self.collector_up.remove(&l);
                    self.collector_duration.remove(&l);
                }
            }
        }
        for (system, took) in durations {
            let l = CollectorLabels {
                pipeline: pipeline.clone(),
                system: *system,
            };
            if self.collector_up.get(&l).is_some() {
                self.collector_duration
                    .get_or_create(&l)
                    .set(took.as_secs_f64());
            }
        }
    }

    /// Counts a restart the doctor performed (it submitted the job again).
    pub fn restarted(&self, pipeline: &str) {
        self.restarts
            .get_or_create(&PipelineLabels {
                pipeline: pipeline.into(),
            })
            .inc();
    }

    /// Counts a periodic savepoint taken and the attempts that failed before it (or instead).
    pub fn savepoint_run(&self, pipeline: &str, taken: bool, failed: usize) {
        let l = PipelineLabels {
            pipeline: pipeline.into(),
        };
        if taken {
            self.savepoints.get_or_create(&l).inc();
        }
        self.savepoint_failures
            .get_or_create(&l)
            .inc_by(failed as u64);
    }

    /// The age of the newest restorable savepoint, or none (the series is removed).
    pub fn restorable_savepoint(&self, pipeline: &str, age: Option<Duration>) {
        let l = PipelineLabels {
            pipeline: pipeline.into(),
        };
        match age {
            Some(a) => {
                self.restorable_savepoint_age
                    .get_or_create(&l)
                    .set(a.as_secs_f64());
            }
            None => {
                self.restorable_savepoint_age.remove(&l);
            }
        }
    }

    /// Counts a tick skipped because the pipeline's previous probe still ran.
    pub fn tick_missed(&self, pipeline: &str) {
        self.ticks_missed
            .get_or_create(&PipelineLabels {
                pipeline: pipeline.into(),
            })
            .inc();
    }

    /// Counts a delivery (after its retries).
    pub fn alert(&self, channel: &'static str, sent: bool) {
        let outcome = if sent { "sent" } else { "failed" };
        self.alerts
            .get_or_create(&AlertLabels { channel, outcome })
            .inc();
    }

    /// Counts a history error.
    pub fn history_error(&self, kind: &'static str) {
        self.history_errors
            .get_or_create(&KindLabels { kind })
            .inc();
    }
}

/// The numbers the metrics show, read from one observation (None where a signal is missing).
#[derive(Debug, Default)]
struct Numbers {
    output_age: Option<f64>,
    output_scn: Option<u64>,
    current_scn: Option<u64>,
    session_last_call: Option<f64>,
    flush_table_scn: Option<u64>,
    redo_headroom: Option<f64>,
    checkpoint_age: Option<f64>,
}

impl Numbers {
    fn of(o: &Observation) -> Numbers {
        let at = o.observed_at;
        let output = o.output.value();
        let oracle = o.oracle.value();
        let db = oracle.and_then(|s| s.database.value());
        let output_scn = output.and_then(|s| s.last_scn.value().copied().flatten());
        let sessions = oracle.and_then(|s| s.sessions.value());
        // The mining session is the one judged (DESIGN.md §2); the freshest if several.
        let session_last_call = sessions.and_then(|ss| {
            ss.iter()
                .filter(|s| s.is_mining())
                .map(|s| s.last_call_et_s)
                .min()
                .map(|s| s as f64)
        });
        let checkpoint_age = o
            .flink
            .value()
            .and_then(|f| f.job.as_ref())
            .and_then(|j| j.checkpoints.value())
            .and_then(|c| c.last_completed.as_ref())
            .map(|c| at.since(c.completed_at).as_secs_f64());
        // The same estimate as the decision table's: redo is kept for a constant window and
        // SCNs advance linearly between the binding thread's oldest log and now.
        let redo_headroom = (|| {
            let oracle = oracle?;
            let redo = oracle.redo.value()?;
            let db = oracle.database.value()?;
            let open = oracle
                .open_transactions
                .value()
                .and_then(|t| t.oldest_start_scn);
            let restart = match (output_scn, open) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => a.or(b)?,
            };
            let binding = redo.threads.iter().max_by_key(|t| t.oldest_scn)?;
            let elapsed = db.database_time.since(binding.oldest_time).as_secs_f64();
            let scns = db.current_scn.saturating_sub(binding.oldest_scn) as f64;
            (elapsed > 0.0 && scns > 0.0)
                .then(|| restart.saturating_sub(binding.oldest_scn) as f64 * elapsed / scns)
        })();
        Numbers {
            output_age: output
                .and_then(|s| s.newest_committed.as_ref())
                .map(|f| at.since(f.modified_at).as_secs_f64()),
            output_scn,
            current_scn: db.map(|d| d.current_scn),
            session_last_call,
            flush_table_scn: oracle.and_then(|s| match &s.flush_table_scn {
                Signal::Observed { value } => Some(*value),
                _ => None,
            }),
            redo_headroom,
            checkpoint_age,
        }
    }
}

/// OpenMetrics text -> Prometheus text 0.0.4 (see `Metrics::encode_text`).
pub fn to_classic_text(openmetrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        match meta {
            Some((prefix, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                let suffix = if counters.contains(name) {
                    "_total"
                } else {
                    ""
                };
                out.push_str(&format!("{prefix}{name}{suffix} {tail}\n"));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}
