//! `explain` measured on the corpora of real and documented error texts, and its rules
//! read directly: accuracy (asserted), leave-one-source-out (printed), and every rule and
//! answer in Chinese. Inline because the leave-one-source-out table switches rules off, which
//! only the module itself can do.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{explain, explain_with, rule_texts, Explanation};
use crate::diagnose::Cause;
use crate::lang::Lang;

#[derive(Debug, Deserialize)]
struct Entry {
    id: String,
    text: String,
    source: String,
    cause: Cause,
    #[serde(default)]
    also_acceptable: Vec<Cause>,
    #[allow(dead_code)]
    #[serde(default)]
    notes: String,
    /// The project whose documentation or source the text comes from (documented.jsonl).
    #[serde(default)]
    project: Option<String>,
}

impl Entry {
    fn accepts(&self, got: Cause) -> bool {
        got == self.cause || self.also_acceptable.contains(&got)
    }

    /// `owner/repo` from a GitHub URL, else the host.
    fn project(&self) -> String {
        let rest = self
            .source
            .split("://")
            .nth(1)
            .unwrap_or(&self.source)
            .to_string();
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.first() == Some(&"github.com") && parts.len() >= 3 {
            format!("{}/{}", parts[1], parts[2])
        } else {
            parts.first().unwrap_or(&"?").to_string()
        }
    }
}

/// The source project for the leave-one-source-out table: `oracle`, `debezium`, `flink`,
/// `flink-cdc` when the entry names it or its URL is theirs, else `owner/repo` or the host.
fn source_project(e: &Entry) -> String {
    if let Some(p) = &e.project {
        return p.clone();
    }
    match e.project().as_str() {
        "apache/flink" => "flink".to_string(),
        "apache/flink-cdc" | "ververica/flink-cdc-connectors" => "flink-cdc".to_string(),
        "debezium/debezium" => "debezium".to_string(),
        "docs.oracle.com" => "oracle".to_string(),
        other => other.to_string(),
    }
}

/// Whether a rule's `source` text names `project` (one of the four documented sources).
fn names_project(source: &str, project: &str) -> bool {
    let lower = source.to_lowercase();
    match project {
        "oracle" => [
            "Oracle docs",
            "Oracle message text",
            "Oracle JDBC",
            "Oracle ORA-",
            "ODPI-C",
        ]
        .iter()
        .any(|k| source.contains(k)),
        "debezium" => lower.contains("debezium") || source.contains("DBZ-"),
        "flink-cdc" => lower.contains("flink cdc") || lower.contains("flink-cdc"),
        "flink" => {
            let rest = lower.replace("flink cdc", "").replace("flink-cdc", "");
            rest.contains("flink")
        }
        _ => false,
    }
}

const PROJECTS: [&str; 4] = ["oracle", "debezium", "flink", "flink-cdc"];

fn corpus() -> Vec<Entry> {
    load("errors.jsonl")
}

/// Texts from Oracle's error reference, Debezium's and Flink's and Flink CDC's sources and docs,
/// written down after the rules (tests/fixtures/corpus/documented.jsonl).
fn documented() -> Vec<Entry> {
    load("documented.jsonl")
}

fn load(name: &str) -> Vec<Entry> {
    let path = format!(
        "{}/tests/fixtures/corpus/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).expect("corpus fixture is readable");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line is valid JSON"))
        .collect()
}

fn pct(hit: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        100.0 * hit as f64 / n as f64
    }
}

#[test]
fn corpus_accuracy_is_at_least_95_percent_overall_and_reported_per_project() {
    let entries = corpus();
    assert!(!entries.is_empty());
    let results: Vec<(&Entry, Explanation)> =
        entries.iter().map(|e| (e, explain(&e.text))).collect();

    let hits = results.iter().filter(|(e, x)| e.accepts(x.cause)).count();
    let overall = pct(hits, results.len());
    println!(
        "explain corpus accuracy: {hits}/{} = {overall:.1}%",
        results.len()
    );
    for (e, x) in results.iter().filter(|(e, x)| !e.accepts(x.cause)) {
        println!(
            "  MISS {}: expected {} (also {:?}), got {} — {}",
            e.id, e.cause, e.also_acceptable, x.cause, x.summary
        );
    }

    let mut projects: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (e, x) in &results {
        let p = projects.entry(e.project()).or_default();
        p.1 += 1;
        if e.accepts(x.cause) {
            p.0 += 1;
        }
    }
    println!("per project (alone | leaving it out):");
    for (name, (h, n)) in &projects {
        let (rest_h, rest_n) = (hits - h, results.len() - n);
        println!(
            "  {name:<40} alone {h}/{n} = {:5.1}% | without it {rest_h}/{rest_n} = {:5.1}%",
            pct(*h, *n),
            pct(rest_h, rest_n)
        );
    }

    assert!(overall >= 95.0, "accuracy {overall:.1}% is below 95%");
}

/// Accuracy over `entries` with the rules `enabled` accepts, and the misses.
fn score(entries: &[Entry], enabled: &dyn Fn(&str) -> bool) -> (usize, Vec<String>) {
    let mut hits = 0;
    let mut misses = Vec::new();
    for e in entries {
        let x = explain_with(&e.text, enabled);
        if e.accepts(x.cause) {
            hits += 1;
        } else {
            misses.push(format!(
                "{}: expected {} (also {:?}), got {} — {}",
                e.id, e.cause, e.also_acceptable, x.cause, x.summary
            ));
        }
    }
    (hits, misses)
}

#[test]
fn documented_texts_are_classified_at_least_95_percent_right() {
    let entries = documented();
    assert!(entries.len() >= 40, "{} documented texts", entries.len());
    for e in &entries {
        assert!(
            PROJECTS.contains(&source_project(e).as_str()),
            "{}: project {:?}",
            e.id,
            e.project
        );
        assert!(
            e.source.starts_with("https://"),
            "{}: source {}",
            e.id,
            e.source
        );
    }
    let (hits, misses) = score(&entries, &|_| true);
    let overall = pct(hits, entries.len());
    println!(
        "explain documented accuracy: {hits}/{} = {overall:.1}%",
        entries.len()
    );
    for m in &misses {
        println!("  MISS {m}");
    }
    assert!(overall >= 95.0, "accuracy {overall:.1}% is below 95%");
}

/// For each source project: accuracy on that project's texts (shared corpus and documented texts)
/// with every rule and with the rules whose `source` names the project disabled. Printed, not
/// asserted: it shows how much each project's texts lean on rules written from that project.
#[test]
fn leave_one_source_out_table_is_printed() {
    let all: Vec<Entry> = corpus().into_iter().chain(documented()).collect();
    let texts = rule_texts();
    println!("leave-one-source-out (rules naming the project disabled):");
    println!(
        "  {:<10} {:>5} {:>16} {:>16} {:>14}",
        "project", "rules", "all rules", "without its", "rest, without"
    );
    for project in PROJECTS {
        let rules = texts
            .iter()
            .filter(|r| !r.meaning.is_empty() && names_project(r.source, project))
            .count();
        let (own, rest): (Vec<&Entry>, Vec<&Entry>) =
            all.iter().partition(|e| source_project(e) == project);
        let own: Vec<Entry> = own.into_iter().map(clone_entry).collect();
        let rest: Vec<Entry> = rest.into_iter().map(clone_entry).collect();
        let without = |source: &str| !names_project(source, project);
        let (with_hits, _) = score(&own, &|_| true);
        let (without_hits, misses) = score(&own, &without);
        let (rest_hits, _) = score(&rest, &without);
        println!(
            "  {project:<10} {rules:>5} {:>8}/{:<3} {:5.1}% {:>4}/{:<3} {:5.1}% {:>4}/{:<3} {:5.1}%",
            with_hits,
            own.len(),
            pct(with_hits, own.len()),
            without_hits,
            own.len(),
            pct(without_hits, own.len()),
            rest_hits,
            rest.len(),
            pct(rest_hits, rest.len()),
        );
        for m in misses {
            println!("      without {project}: MISS {m}");
        }
        assert!(rules > 0, "no rule names {project}");
    }
}

fn clone_entry(e: &Entry) -> Entry {
    Entry {
        id: e.id.clone(),
        text: e.text.clone(),
        source: e.source.clone(),
        cause: e.cause,
        also_acceptable: e.also_acceptable.clone(),
        notes: e.notes.clone(),
        project: e.project.clone(),
    }
}

// ---- Chinese

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn every_rule_and_fix_has_chinese_wording() {
    let texts = rule_texts();
    assert!(texts.len() > 50);
    for r in &texts {
        if !r.meaning.is_empty() {
            assert!(
                has_cjk(r.meaning_zh) && !r.meaning_zh.trim().is_empty(),
                "no Chinese meaning for {:?} ({})",
                r.meaning,
                r.source
            );
        }
        match (r.fix, r.fix_zh) {
            (None, None) => {}
            (Some(_), Some(zh)) => assert!(has_cjk(zh), "fix_zh without Chinese: {zh:?}"),
            (en, zh) => panic!(
                "fix and fix_zh disagree for {:?}: {en:?} / {zh:?}",
                r.meaning
            ),
        }
    }
}

#[test]
fn every_explanation_renders_in_chinese_and_english() {
    let texts: Vec<String> = corpus()
        .into_iter()
        .chain(documented())
        .map(|e| e.text)
        .chain([
            "".to_string(),
            "  ".to_string(),
            "ORA-06512: at line 1".to_string(),
        ])
        .chain(["java.lang.IllegalArgumentException: nothing known".to_string()])
        .collect();
    for t in &texts {
        let x = explain(t);
        for lang in [Lang::En, Lang::Zh] {
            assert!(!x.summary_in(lang).trim().is_empty(), "{lang}: {t}");
            assert!(!x.remediation_in(lang).trim().is_empty(), "{lang}: {t}");
        }
        assert_eq!(x.summary_in(Lang::En), x.summary);
        assert_eq!(x.remediation_in(Lang::En), x.remediation);
        assert!(
            has_cjk(x.summary_in(Lang::Zh)),
            "{}",
            x.summary_in(Lang::Zh)
        );
        assert!(
            has_cjk(x.remediation_in(Lang::Zh)),
            "{}",
            x.remediation_in(Lang::Zh)
        );
        // Codes and identifiers are kept as they are.
        for code in &x.codes {
            if x.summary.contains(code.as_str()) {
                assert!(x.summary_in(Lang::Zh).contains(code.as_str()), "{code}");
            }
        }
    }
    let x = explain("ORA-01291: missing logfile");
    assert!(x.summary_in(Lang::Zh).contains("ORA-01291"));
    assert!(x.remediation_in(Lang::Zh).contains("RMAN"));
    // The JSON stays English with its four keys.
    let v = serde_json::to_value(&x).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 4);
}

#[test]
fn every_explanation_has_a_summary_and_a_remediation() {
    for e in corpus() {
        let x = explain(&e.text);
        assert!(
            !x.summary.is_empty() && !x.remediation.is_empty(),
            "{}",
            e.id
        );
        assert!(
            x.summary.len() < 600,
            "{}: summary too long: {}",
            e.id,
            x.summary
        );
    }
}
