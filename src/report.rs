//! A diagnosis for people (text: the verdict first, then the evidence, then what to do) in
//! English or Chinese, and for programs (stable JSON, documented in the README, always English).
//! No I/O here: callers print the strings.

use std::fmt::Write as _;

use crate::diagnose::explain::Explanation;
use crate::diagnose::{Diagnosis, Fact};
use crate::lang::Lang;

/// Output format of the commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// Stable JSON for programs.
    Json,
}

/// The monitoring-plugin first line as a fact.
pub fn status_fact(d: &Diagnosis) -> Fact {
    Fact::StatusLine {
        severity: d.severity.to_string(),
        pipeline: d.pipeline.clone(),
        cause: d.cause,
        summary: Box::new(d.summary.clone()),
    }
}

/// The monitoring-plugin first line: `LOGMINER-DOCTOR CRITICAL - orders: dead_connection - ...`.
pub fn status_line(d: &Diagnosis, lang: Lang) -> String {
    status_fact(d).render(lang)
}

/// The headings of a text report.
struct Headings {
    evidence: &'static str,
    warnings: &'static str,
    not_checked: &'static str,
    todo: &'static str,
}

fn headings(lang: Lang) -> Headings {
    match lang {
        Lang::En => Headings {
            evidence: "Evidence:",
            warnings: "Warnings:",
            not_checked: "Not checked:",
            todo: "What to do:",
        },
        Lang::Zh => Headings {
            evidence: "证据：",
            warnings: "警告：",
            not_checked: "未检查：",
            todo: "处理建议：",
        },
    }
}

/// One diagnosis as text in `lang`.
pub fn text(d: &Diagnosis, lang: Lang) -> String {
    let h = headings(lang);
    let mut s = status_line(d, lang);
    s.push('\n');
    if !d.evidence.is_empty() {
        let _ = writeln!(s, "{}", h.evidence);
        for e in &d.evidence {
            // Proof and hints are marked: a reader must see what convicts and what only fits.
            let label = match e.strength.label(lang) {
                "" => String::new(),
                l => lang.pick("(", "（").to_owned() + l + lang.pick(") ", "）"),
            };
            let fact = e.fact.render(lang);
            match &e.threshold {
                Some(t) => {
                    let _ = writeln!(s, "  - {label}{fact} [{}]", t.render(lang));
                }
                None => {
                    let _ = writeln!(s, "  - {label}{fact}");
                }
            }
        }
    }
    if !d.warnings.is_empty() {
        let _ = writeln!(s, "{}", h.warnings);
        for w in &d.warnings {
            let _ = writeln!(s, "  - {}", w.render(lang));
        }
    }
    if !d.missing_signals.is_empty() {
        let _ = writeln!(s, "{}", h.not_checked);
        for m in &d.missing_signals {
            let why = m.why.render(lang);
            let _ = match lang {
                Lang::En => writeln!(s, "  - {}: {} ({why})", m.step, m.signal),
                Lang::Zh => writeln!(s, "  - {}：{}（{why}）", m.step, m.signal),
            };
        }
    }
    if !d.remediation.is_empty() {
        let _ = writeln!(s, "{}", h.todo);
        for (i, r) in d.remediation.iter().enumerate() {
            let _ = writeln!(s, "  {}. {}", i + 1, r.render(lang));
        }
    }
    let _ = match lang {
        Lang::En => writeln!(
            s,
            "Observed at {} ({} observation{}).",
            d.observed_at,
            d.observations,
            if d.observations == 1 { "" } else { "s" }
        ),
        Lang::Zh => writeln!(
            s,
            "观测时间 {}（共 {} 次观测）。",
            d.observed_at, d.observations
        ),
    };
    s
}

/// Several diagnoses as text, separated by blank lines.
pub fn text_all(ds: &[Diagnosis], lang: Lang) -> String {
    ds.iter()
        .map(|d| text(d, lang))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Several diagnoses as the stable JSON array (one object per pipeline, pretty-printed).
pub fn json_all(ds: &[Diagnosis]) -> String {
    // Serializing plain data with string keys cannot fail.
    serde_json::to_string_pretty(ds).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// An explanation as text in `lang`.
pub fn explanation_text(x: &Explanation, lang: Lang) -> String {
    let codes = if x.codes.is_empty() {
        lang.pick("none", "无").to_string()
    } else {
        x.codes.join(", ")
    };
    match lang {
        Lang::En => format!(
            "Cause: {}\nCodes: {}\nWhat happened: {}\nWhat to do: {}\n",
            x.cause, codes, x.summary, x.remediation
        ),
        Lang::Zh => format!(
            "判定：{}\n错误码：{}\n发生了什么：{}\n处理建议：{}\n",
            x.cause,
            codes,
            x.summary_in(lang),
            x.remediation_in(lang)
        ),
    }
}

/// An explanation as JSON: {"cause","codes","summary","remediation"}.
pub fn explanation_json(x: &Explanation) -> String {
    serde_json::to_string_pretty(x).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
