//! A diagnosis for people (text: the verdict first, then the evidence, then what to do) and for
//! programs (stable JSON, documented in the README). No I/O here: callers print the strings.

use std::fmt::Write as _;

use crate::diagnose::explain::Explanation;
use crate::diagnose::Diagnosis;

/// Output format of the commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// Stable JSON for programs.
    Json,
}

/// The monitoring-plugin first line: `LOGMINER-DOCTOR CRITICAL - orders: dead_connection - ...`.
pub fn status_line(d: &Diagnosis) -> String {
    format!(
        "LOGMINER-DOCTOR {} - {}: {} - {}",
        d.severity, d.pipeline, d.cause, d.summary
    )
}

/// One diagnosis as text.
pub fn text(d: &Diagnosis) -> String {
    let mut s = status_line(d);
    s.push('\n');
    if !d.evidence.is_empty() {
        s.push_str("Evidence:\n");
        for e in &d.evidence {
            // Proof and hints are marked: a reader must see what convicts and what only fits.
            let label = match e.strength.label() {
                "" => String::new(),
                l => format!("({l}) "),
            };
            match &e.threshold {
                Some(t) => {
                    let _ = writeln!(s, "  - {label}{} [{} = {}]", e.fact, t.key, t.value);
                }
                None => {
                    let _ = writeln!(s, "  - {label}{}", e.fact);
                }
            }
        }
    }
    if !d.warnings.is_empty() {
        s.push_str("Warnings:\n");
        for w in &d.warnings {
            let _ = writeln!(s, "  - {w}");
        }
    }
    if !d.missing_signals.is_empty() {
        s.push_str("Not checked:\n");
        for m in &d.missing_signals {
            let _ = writeln!(s, "  - {}: {} ({})", m.step, m.signal, m.why);
        }
    }
    if !d.remediation.is_empty() {
        s.push_str("What to do:\n");
        for (i, r) in d.remediation.iter().enumerate() {
            let _ = writeln!(s, "  {}. {r}", i + 1);
        }
    }
    let _ = writeln!(
        s,
        "Observed at {} ({} observation{}).",
        d.observed_at,
        d.observations,
        if d.observations == 1 { "" } else { "s" }
    );
    s
}

/// Several diagnoses as text, separated by blank lines.
pub fn text_all(ds: &[Diagnosis]) -> String {
    ds.iter().map(text).collect::<Vec<_>>().join("\n")
}

/// Several diagnoses as the stable JSON array (one object per pipeline, pretty-printed).
pub fn json_all(ds: &[Diagnosis]) -> String {
    // Serializing plain data with string keys cannot fail.
    serde_json::to_string_pretty(ds).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// An explanation as text.
pub fn explanation_text(x: &Explanation) -> String {
    let codes = if x.codes.is_empty() {
        "none".to_string()
    } else {
        x.codes.join(", ")
    };
    format!(
        "Cause: {}\nCodes: {}\nWhat happened: {}\nWhat to do: {}\n",
        x.cause, codes, x.summary, x.remediation
    )
}

/// An explanation as JSON: {"cause","codes","summary","remediation"}.
pub fn explanation_json(x: &Explanation) -> String {
    serde_json::to_string_pretty(x).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
