//! The verdict vocabulary and the shape of a diagnosis (DESIGN.md §2).
//!
//! Everything under `diagnose/` is pure: no I/O, no clock. `rules` holds the decision table over
//! observations, `explain` classifies error texts into the same vocabulary.

mod bundle;
pub mod cause;
pub mod explain;
pub mod questions;
pub mod rules;
pub mod thresholds;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::observation::Timestamp;
pub use bundle::{Bundle, BundlePipeline};
pub use cause::{AutoPolicy, Cause, CauseSpec};
pub use rules::{diagnose, DiagnoseOptions, RestartScn};
pub use thresholds::Thresholds;

/// Monitoring-plugin severity (Nagios/Icinga): OK, WARNING, CRITICAL, UNKNOWN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// Exit 0.
    Ok,
    /// Exit 1: healthy or idle, with a trend that will hurt.
    Warning,
    /// Exit 2.
    Critical,
    /// Exit 3.
    Unknown,
}

impl Severity {
    /// The uppercase name printed in the monitoring-plugin line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "OK",
            Severity::Warning => "WARNING",
            Severity::Critical => "CRITICAL",
            Severity::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A threshold the decision used, with its config key and the value in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdUse {
    /// Key under `[pipeline.thresholds]`.
    pub key: String,
    /// The value in force, as it would be written in the config.
    pub value: String,
}

/// How much a fact weighs (DESIGN.md §2 "Evidence strength").
///
/// A CRITICAL verdict rests on at least one `Proof`; a `Hint` only corroborates (a thread dump
/// in a socket read looks the same for an idle reader and a dead socket), and `Context` is
/// what the operator needs to read the verdict (output age, counters, thresholds in force).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Enough on its own to convict the cause it is listed under.
    Proof,
    /// Consistent with the cause, and with healthy or idle behaviour too.
    Hint,
    /// Background for the reader; proves nothing by itself.
    #[default]
    Context,
}

impl Strength {
    /// The label printed after a fact in text reports ("" for context).
    pub fn label(self) -> &'static str {
        match self {
            Strength::Proof => "proof",
            Strength::Hint => "hint only",
            Strength::Context => "",
        }
    }
}

/// One fact that led to the verdict, with its numbers and its strength.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The fact, e.g. "mining session 1/245 INACTIVE for 1843 s".
    pub fact: String,
    /// The threshold it was compared against, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<ThresholdUse>,
    /// Proof, hint or context.
    #[serde(default)]
    pub strength: Strength,
}

impl Evidence {
    /// A fact of the given strength, without a threshold.
    pub fn new(strength: Strength, fact: impl Into<String>) -> Self {
        Evidence {
            fact: fact.into(),
            threshold: None,
            strength,
        }
    }

    /// The same fact, compared against the threshold `key` in force at `value`.
    pub fn vs(mut self, key: &str, value: String) -> Self {
        self.threshold = Some(ThresholdUse {
            key: key.into(),
            value,
        });
        self
    }
}

/// A step of the decision table that could not run, and the signal it lacked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingSignal {
    /// The step (a cause name) that was skipped.
    pub step: String,
    /// The signal it needed, e.g. "oracle.sessions".
    pub signal: String,
    /// Why the signal is missing.
    pub why: String,
}

/// The answer for one pipeline: one cause, its evidence, and what to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The pipeline's name.
    pub pipeline: String,
    /// The verdict.
    pub cause: Cause,
    /// OK / WARNING / CRITICAL / UNKNOWN.
    pub severity: Severity,
    /// One line.
    pub summary: String,
    /// The facts behind the verdict, with their numbers and thresholds.
    pub evidence: Vec<Evidence>,
    /// Trends that will hurt (they make a healthy or idle pipeline a WARNING).
    pub warnings: Vec<String>,
    /// Steps skipped for lack of a signal ("not checked").
    pub missing_signals: Vec<MissingSignal>,
    /// What to do, in order.
    pub remediation: Vec<String>,
    /// Time of the newest observation the diagnosis rests on.
    pub observed_at: Timestamp,
    /// How many observations it rests on.
    pub observations: usize,
}
