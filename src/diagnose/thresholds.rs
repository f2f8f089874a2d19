//! The named thresholds of the decision table, each with its config key, default and reason.
//!
//! Every threshold the table uses is printed in the evidence with its key and value, so an
//! operator can see which knob to turn. No I/O here.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The thresholds of one pipeline (config section `[pipeline.thresholds]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// `stall_window`: committed output older than this is stale.
    #[serde(with = "humantime_serde")]
    pub stall_window: Duration,
    /// `failover_grace`: how long a leader election may last before it is a leader problem.
    #[serde(with = "humantime_serde")]
    pub failover_grace: Duration,
    /// `mining_call_gap`: an idle mining session past this has stopped calling.
    #[serde(with = "humantime_serde")]
    pub mining_call_gap: Duration,
    /// `long_logminer_call`: a LogMiner call running this long is reported.
    #[serde(with = "humantime_serde")]
    pub long_logminer_call: Duration,
    /// `crash_loop_restarts`: restarts within the observed window that make a crash loop.
    pub crash_loop_restarts: u64,
    /// `backpressure_ms_per_s`: source backpressure at or above this means the sink holds it.
    pub backpressure_ms_per_s: f64,
    /// `checkpoint_failures`: consecutive failed checkpoints (none completed) that stall a sink.
    pub checkpoint_failures: u64,
    /// `redo_headroom_warning`: warn when the restart SCN ages out of redo sooner than this.
    #[serde(with = "humantime_serde")]
    pub redo_headroom_warning: Duration,
    /// `recovery_area_warning_pct`: warn when the recovery area is this full.
    pub recovery_area_warning_pct: f64,
    /// `recovery_area_critical_pct`: the recovery area is exhausted at this fill.
    pub recovery_area_critical_pct: f64,
    /// `pga_warning_ratio`: warn when the mining session's PGA reaches this share of the limit.
    pub pga_warning_ratio: f64,
    /// `metric_refresh`: Flink's `metrics.fetcher.update-interval`. The REST API answers with
    /// the previous fetch, so counters are compared only between samples this far apart.
    #[serde(with = "humantime_serde", default = "default_metric_refresh")]
    pub metric_refresh: Duration,
}

fn default_metric_refresh() -> Duration {
    Duration::from_secs(10)
}

/// One threshold's documentation: its key, its default as written in TOML, and why.
pub struct ThresholdDoc {
    /// The config key under `[pipeline.thresholds]`.
    pub key: &'static str,
    /// The default, as it would be written in the config.
    pub default: &'static str,
    /// Why this default.
    pub reason: &'static str,
}

/// The documentation of every threshold, in the order of the struct (the README is built from
/// the same facts; a test checks they agree).
pub const THRESHOLD_DOCS: &[ThresholdDoc] = &[
    ThresholdDoc {
        key: "stall_window",
        default: "5m",
        reason: "A FileSink commits only on checkpoints; five minutes covers several checkpoint \
                 cycles of a typical 30-60 s interval. The effective window is never shorter than \
                 the job's checkpoint interval plus the rolling interval.",
    },
    ThresholdDoc {
        key: "failover_grace",
        default: "90s",
        reason: "A JobManager failover takes the ZooKeeper session timeout (Flink's default 60 s) \
                 plus the election; about 35 s was measured after a SIGKILL. Within the grace a \
                 failover is a WARNING, not a leader problem.",
    },
    ThresholdDoc {
        key: "mining_call_gap",
        default: "60s",
        reason: "Debezium's mining loop calls the database every 0-3 s (its adaptive sleep) plus \
                 the query time; an idle mining session for a minute means the client stopped \
                 calling.",
    },
    ThresholdDoc {
        key: "long_logminer_call",
        default: "5m",
        reason: "A healthy LogMiner fetch takes seconds. A call running five minutes is either a \
                 huge transaction (its statistics still rise: WARNING) or stuck (flat: CRITICAL).",
    },
    ThresholdDoc {
        key: "crash_loop_restarts",
        default: "2",
        reason: "Since Flink 1.19 the default exponential-delay restart strategy never lets a \
                 failing job reach FAILED; two restarts inside the observed window are a loop, \
                 one is reported as a warning.",
    },
    ThresholdDoc {
        key: "backpressure_ms_per_s",
        default: "800",
        reason: "A source backpressured 80% of the time has all but stopped reading because \
                 the sink does not keep up; its heartbeat freezes too, so this is checked before \
                 a dead connection.",
    },
    ThresholdDoc {
        key: "checkpoint_failures",
        default: "3",
        reason: "Flink's default tolerable-failed-checkpoints is 0, but single failures happen; \
                 three failures in a row with none completing means nothing is committed.",
    },
    ThresholdDoc {
        key: "redo_headroom_warning",
        default: "6h",
        reason: "The restart SCN must stay inside available redo; six hours leaves a night \
                 shift time to act before a restart would fail with ORA-01291.",
    },
    ThresholdDoc {
        key: "recovery_area_warning_pct",
        default: "85",
        reason: "Oracle's own recovery-area alert fires at 85% full.",
    },
    ThresholdDoc {
        key: "recovery_area_critical_pct",
        default: "97",
        reason: "Oracle's critical recovery-area alert fires at 97% full; at 100% archiving stops \
                 with ORA-00257 and the database hangs.",
    },
    ThresholdDoc {
        key: "pga_warning_ratio",
        default: "0.8",
        reason: "LogMiner's session PGA grows on long sessions; past 80% of \
                 pga_aggregate_limit ORA-04036 is near (bound it with log.mining.session.max.ms).",
    },
    ThresholdDoc {
        key: "metric_refresh",
        default: "10s",
        reason: "Flink's web monitor fetches operator metrics at most every \
                 metrics.fetcher.update-interval (10 s) and answers with the previous fetch: two \
                 samples closer than that can show a flat counter while records flow.",
    },
];

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            stall_window: Duration::from_secs(300),
            failover_grace: Duration::from_secs(90),
            mining_call_gap: Duration::from_secs(60),
            long_logminer_call: Duration::from_secs(300),
            crash_loop_restarts: 2,
            backpressure_ms_per_s: 800.0,
            checkpoint_failures: 3,
            redo_headroom_warning: Duration::from_secs(6 * 3600),
            recovery_area_warning_pct: 85.0,
            recovery_area_critical_pct: 97.0,
            pga_warning_ratio: 0.8,
            metric_refresh: default_metric_refresh(),
        }
    }
}
