//! The verdict vocabulary and the shape of a diagnosis (DESIGN.md §2).
//!
//! Everything under `diagnose/` is pure: no I/O, no clock. `rules` holds the decision table over
//! observations, `explain` classifies error texts into the same vocabulary.

mod bundle;
pub mod cause;
pub mod explain;
pub mod fact;
pub mod questions;
pub mod rules;
pub mod thresholds;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::observation::Timestamp;
pub use bundle::{Bundle, BundlePipeline};
pub use cause::{AutoPolicy, Cause, CauseSpec};
pub use fact::{Fact, Secs};
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
    /// The value the decision really used when the job forces a longer one (the stall window:
    /// never shorter than the checkpoint interval plus the rolling interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
}

impl ThresholdUse {
    /// `key = value`, with the effective value when it differs, in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match (&self.effective, lang) {
            (None, _) => format!("{} = {}", self.key, self.value),
            (Some(e), Lang::En) => format!(
                "{} = {} (effective {e}: checkpoint interval plus rolling interval)",
                self.key, self.value
            ),
            (Some(e), Lang::Zh) => format!(
                "{} = {}（实际 {e}：检查点间隔加滚动间隔）",
                self.key, self.value
            ),
        }
    }
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
    /// The label printed before a fact in text reports ("" for context).
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Strength::Proof => lang.pick("proof", "确证"),
            Strength::Hint => lang.pick("hint only", "仅为线索"),
            Strength::Context => "",
        }
    }
}

/// One fact that led to the verdict, with its strength and the threshold it was compared with.
///
/// In JSON: `fact` (the English sentence, stable for grep and older readers), `kind` and `data`
/// (the typed fact), `threshold`, `strength`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The fact, e.g. "mining session 1/245 INACTIVE for 1843 s".
    pub fact: Fact,
    /// The threshold it was compared against, if any.
    pub threshold: Option<ThresholdUse>,
    /// Proof, hint or context.
    pub strength: Strength,
}

impl Evidence {
    /// A fact of the given strength, without a threshold.
    pub fn new(strength: Strength, fact: Fact) -> Self {
        Evidence {
            fact,
            threshold: None,
            strength,
        }
    }

    /// The same fact, compared against the threshold `key` in force at `value`.
    pub fn vs(mut self, key: &str, value: String) -> Self {
        self.threshold = Some(ThresholdUse {
            key: key.into(),
            value,
            effective: None,
        });
        self
    }
}

#[derive(Serialize, Deserialize)]
struct EvidenceRepr {
    fact: String,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    typed: Option<Fact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    threshold: Option<ThresholdUse>,
    #[serde(default)]
    strength: Strength,
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EvidenceRepr {
            fact: self.fact.en(),
            typed: Some(self.fact.clone()),
            threshold: self.threshold.clone(),
            strength: self.strength,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = EvidenceRepr::deserialize(d)?;
        Ok(Evidence {
            // A record from before facts were typed keeps its English sentence.
            fact: r.typed.unwrap_or(Fact::Recorded { text: r.fact }),
            threshold: r.threshold,
            strength: r.strength,
        })
    }
}

/// A step of the decision table that could not run, and the signal it lacked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingSignal {
    /// The step (a cause name) that was skipped.
    pub step: String,
    /// The signal it needed, e.g. "oracle.sessions".
    pub signal: String,
    /// Why the signal is missing.
    pub why: Fact,
}

/// The answer for one pipeline: one cause, its evidence, and what to do.
///
/// In JSON every sentence is English (stable keys and texts, as documented in the README), and
/// `facts` holds the same sentences typed, from which any language is rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    /// The pipeline's name.
    pub pipeline: String,
    /// The verdict.
    pub cause: Cause,
    /// OK / WARNING / CRITICAL / UNKNOWN.
    pub severity: Severity,
    /// One line.
    pub summary: Fact,
    /// The facts behind the verdict, with their numbers and thresholds.
    pub evidence: Vec<Evidence>,
    /// Trends that will hurt (they make a healthy or idle pipeline a WARNING).
    pub warnings: Vec<Fact>,
    /// Steps skipped for lack of a signal ("not checked").
    pub missing_signals: Vec<MissingSignal>,
    /// What to do, in order.
    pub remediation: Vec<Fact>,
    /// Time of the newest observation the diagnosis rests on.
    pub observed_at: Timestamp,
    /// How many observations it rests on.
    pub observations: usize,
    /// The fleet member whose observations it rests on (none: `watch` alone, or a command).
    pub observed_by: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct MissingRepr {
    step: String,
    signal: String,
    why: String,
}

/// The typed sentences of a diagnosis (JSON `facts`).
#[derive(Serialize, Deserialize)]
struct TypedParts {
    summary: Fact,
    warnings: Vec<Fact>,
    remediation: Vec<Fact>,
    missing: Vec<Fact>,
}

#[derive(Serialize, Deserialize)]
struct DiagnosisRepr {
    pipeline: String,
    cause: Cause,
    severity: Severity,
    summary: String,
    evidence: Vec<Evidence>,
    warnings: Vec<String>,
    missing_signals: Vec<MissingRepr>,
    remediation: Vec<String>,
    observed_at: Timestamp,
    observations: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    observed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    facts: Option<TypedParts>,
}

impl Serialize for Diagnosis {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let en = |v: &[Fact]| v.iter().map(Fact::en).collect::<Vec<_>>();
        DiagnosisRepr {
            pipeline: self.pipeline.clone(),
            cause: self.cause,
            severity: self.severity,
            summary: self.summary.en(),
            evidence: self.evidence.clone(),
            warnings: en(&self.warnings),
            missing_signals: self
                .missing_signals
                .iter()
                .map(|m| MissingRepr {
                    step: m.step.clone(),
                    signal: m.signal.clone(),
                    why: m.why.en(),
                })
                .collect(),
            remediation: en(&self.remediation),
            observed_at: self.observed_at,
            observations: self.observations,
            observed_by: self.observed_by.clone(),
            facts: Some(TypedParts {
                summary: self.summary.clone(),
                warnings: self.warnings.clone(),
                remediation: self.remediation.clone(),
                missing: self.missing_signals.iter().map(|m| m.why.clone()).collect(),
            }),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Diagnosis {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = DiagnosisRepr::deserialize(d)?;
        let recorded = |v: Vec<String>| -> Vec<Fact> {
            v.into_iter().map(|text| Fact::Recorded { text }).collect()
        };
        // Typed parts are used only when they match the English ones in number (a record
        // written by this version); otherwise the English sentences are kept as recorded.
        let typed = r.facts.filter(|t| {
            t.warnings.len() == r.warnings.len()
                && t.remediation.len() == r.remediation.len()
                && t.missing.len() == r.missing_signals.len()
        });
        let (summary, warnings, remediation, mut whys) = match typed {
            Some(t) => (t.summary, t.warnings, t.remediation, t.missing),
            None => (
                Fact::Recorded { text: r.summary },
                recorded(r.warnings),
                recorded(r.remediation),
                r.missing_signals
                    .iter()
                    .map(|m| Fact::Recorded {
                        text: m.why.clone(),
                    })
                    .collect(),
            ),
        };
        whys.reverse();
        Ok(Diagnosis {
            pipeline: r.pipeline,
            cause: r.cause,
            severity: r.severity,
            summary,
            evidence: r.evidence,
            warnings,
            missing_signals: r
                .missing_signals
                .into_iter()
                .map(|m| MissingSignal {
                    step: m.step,
                    signal: m.signal,
                    why: whys.pop().unwrap_or(Fact::Recorded { text: m.why }),
                })
                .collect(),
            remediation,
            observed_at: r.observed_at,
            observations: r.observations,
            observed_by: r.observed_by,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A diagnosis as `history` stored it before facts were typed: read back, its sentences are
    /// kept as recorded (English in either language), nothing is lost and nothing fails.
    #[test]
    fn a_diagnosis_recorded_before_typed_facts_reads_back_as_recorded() {
        let old = r#"{"pipeline":"orders","cause":"idle_source","severity":"OK",
            "summary":"no changes on the captured tables",
            "evidence":[{"fact":"flush-table heartbeat rising 1 -> 2","strength":"context"}],
            "warnings":["only one observation"],
            "missing_signals":[{"step":"idle_source","signal":"oracle.table_activity","why":"ORA-00942"}],
            "remediation":["Nothing is broken: do not restart."],
            "observed_at":"2026-11-24T10:41:52.814Z","observations":2}"#;
        let d: Diagnosis = serde_json::from_str(old).unwrap();
        assert_eq!(
            d.summary.render(Lang::Zh),
            "no changes on the captured tables"
        );
        assert_eq!(
            d.evidence[0].fact.en(),
            "flush-table heartbeat rising 1 -> 2"
        );
        assert_eq!(d.missing_signals[0].why.en(), "ORA-00942");
        assert_eq!(d.remediation[0].en(), "Nothing is broken: do not restart.");
        // Written again, it is the same English document with its facts typed as recorded.
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["summary"], "no changes on the captured tables");
        assert_eq!(v["facts"]["summary"]["kind"], "recorded");
    }

    /// A diagnosis written now reads back with its facts typed, so `history` renders it in
    /// either language.
    #[test]
    fn a_diagnosis_round_trips_with_typed_facts() {
        let d = Diagnosis {
            pipeline: "orders".into(),
            cause: Cause::IdleSource,
            severity: Severity::Ok,
            summary: Fact::NoChanges,
            evidence: vec![Evidence::new(
                Strength::Context,
                Fact::HeartbeatRising {
                    from: 1,
                    to: 2,
                    over: None,
                },
            )
            .vs("mining_call_gap", "1m".into())],
            warnings: vec![Fact::OneObservation],
            missing_signals: vec![MissingSignal {
                step: "idle_source".into(),
                signal: "oracle.table_activity".into(),
                why: Fact::error("ORA-00942"),
            }],
            remediation: vec![Fact::NothingBroken],
            observed_at: Timestamp::from_unix_millis(1_795_000_000_000),
            observations: 2,
            observed_by: Some("member-2".into()),
        };
        let back: Diagnosis = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
        assert!(back.summary.render(Lang::Zh).contains("捕获表没有变更"));
    }
}
