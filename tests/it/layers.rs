//! The layering of `src/` (README "Architecture"): every file's `crate::` paths point at its own
//! layer or lower ones, no two top-level modules depend on each other (directly or round a
//! longer loop), and each driver crate is used only in the module that owns it.
//!
//! The check reads the source text: comments and string literals are blanked first, then every
//! `crate::` path is taken (in `use` lines, grouped `use crate::{a::b, c}` forms and inline
//! paths in code). `super::` paths are not followed: within a top-level module they stay inside
//! it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, top to bottom, each with its top-level modules (a file's top-level module is its
/// first path component under `src/`: `src/agent/http.rs` is `agent`, `src/store.rs` is
/// `store`). A module may use its own layer and the layers below it.
const LAYERS: &[(&str, &[&str])] = &[
    ("commands", &["main", "lib", "cli", "commands"]),
    ("agent", &["agent"]),
    ("remediation", &["remediation", "audit"]),
    ("systems and state", &["collectors", "simulator", "store"]),
    ("config and output", &["config", "report", "exit"]),
    ("decision", &["diagnose"]),
    (
        "leaves",
        &["observation", "lang", "limits", "clock", "signal", "host"],
    ),
];

/// Driver crates and the only place each may be named: (the name as it appears in code, the
/// path prefix of its home).
const DRIVERS: &[(&str, &str)] = &[
    ("rusqlite", "src/store.rs"),
    ("oracle::", "src/collectors/oracle/"),
    ("zookeeper_client", "src/collectors/zookeeper"),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, ms)| ms.contains(&module))
}

/// `src/agent/http.rs` → `agent`; `src/store.rs` → `store`.
fn top_module(path: &str) -> &str {
    let rest = path.strip_prefix("src/").unwrap_or(path);
    let first = rest.split('/').next().unwrap_or(rest);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The text with comments and the contents of string and char literals replaced by spaces
/// (newlines kept, so line numbers hold).
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !is_ident(c[i - 1]))
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            let end = loop {
                if j >= c.len() {
                    break c.len();
                }
                if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
                    break j + 1 + hashes;
                }
                j += 1;
            };
            out.extend(c[i..end].iter().map(|&ch| blank(ch)));
            i = end;
        } else if c[i] == '"' {
            out.push(' ');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < c.len() {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            out.push_str("   ");
            i += 3;
        } else if c[i] == '\'' && next == Some('\\') {
            // '\n', '\u{…}'
            let mut j = i + 2;
            while j < c.len() && c[j] != '\'' {
                j += 1;
            }
            out.extend(c[i..=j.min(c.len() - 1)].iter().map(|&ch| blank(ch)));
            i = j + 1;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// Every top-level module a `crate::` path in `code` names, with its 1-based line and the path
/// as written (for the message).
fn crate_paths(code: &str) -> Vec<(usize, String, String)> {
    let c: Vec<char> = code.chars().collect();
    let line_at = |pos: usize| c[..pos].iter().filter(|&&ch| ch == '\n').count() + 1;
    let mut found = vec![];
    let needle: Vec<char> = "crate::".chars().collect();
    let mut i = 0;
    while i + needle.len() <= c.len() {
        let starts_path = i == 0 || !(is_ident(c[i - 1]) || c[i - 1] == '$' || c[i - 1] == ':');
        if c[i..i + needle.len()] != needle[..] || !starts_path {
            i += 1;
            continue;
        }
        let mut j = i + needle.len();
        while j < c.len() && c[j].is_whitespace() {
            j += 1;
        }
        if c.get(j) == Some(&'{') {
            // A group: the first identifier of each item at depth one.
            let mut depth = 0;
            let mut expect_item = true;
            let mut k = j;
            while k < c.len() {
                match c[k] {
                    '{' => {
                        depth += 1;
                        expect_item = depth == 1;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => expect_item = true,
                    ch if is_ident(ch) && expect_item && depth == 1 => {
                        let start = k;
                        while k < c.len() && is_ident(c[k]) {
                            k += 1;
                        }
                        let name: String = c[start..k].iter().collect();
                        found.push((line_at(start), name.clone(), format!("crate::{{{name}…}}")));
                        expect_item = false;
                        continue;
                    }
                    _ => {}
                }
                k += 1;
            }
            i = k;
        } else {
            let start = j;
            while j < c.len() && (is_ident(c[j]) || c[j] == ':') {
                j += 1;
            }
            let mut path: String = c[start..j].iter().collect();
            if path.ends_with("::") {
                path.push_str("{…}");
            }
            let name = path.split("::").next().unwrap_or_default().to_string();
            if !name.is_empty() {
                found.push((line_at(i), name, format!("crate::{path}")));
            }
            i = j;
        }
    }
    found
}

/// Where `code` names the driver `driver` (as a crate, not as one of our module paths such as
/// `collectors::oracle::`): 1-based lines.
fn driver_uses(code: &str, driver: &str) -> Vec<usize> {
    let mut lines = vec![];
    for (n, line) in code.lines().enumerate() {
        let mut from = 0;
        while let Some(pos) = line[from..].find(driver) {
            let at = from + pos;
            from = at + driver.len();
            let before: Vec<char> = line[..at].chars().collect();
            let prev = before.last().copied();
            if prev.is_some_and(is_ident) {
                continue;
            }
            let after_ok =
                !driver.ends_with(|ch: char| is_ident(ch)) || !line[from..].starts_with(is_ident);
            if !after_ok {
                continue;
            }
            // `x::oracle::` is our path; `::oracle::` alone is the driver.
            if before.len() >= 2 && before[before.len() - 2..] == [':', ':'] {
                let ahead = before.len().checked_sub(3).map(|k| before[k]);
                if ahead.is_some_and(|ch| is_ident(ch) || ch == '>') {
                    continue;
                }
            }
            lines.push(n + 1);
        }
    }
    lines
}

/// Every breach of the layering in `files` (path under the package, text), one line each.
fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut out = vec![];
    // module → module → first place it is used (file:line path).
    let mut edges: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    for (path, text) in files {
        let from = top_module(path);
        let Some(from_layer) = layer_of(from) else {
            out.push(format!(
                "{path}: top-level module `{from}` is in no layer: add it to LAYERS (tests/it/layers.rs) and the README's table"
            ));
            continue;
        };
        let code = code_only(text);
        for (line, to, written) in crate_paths(&code) {
            if to == from {
                continue;
            }
            let Some(to_layer) = layer_of(&to) else {
                continue;
            };
            if to_layer < from_layer {
                out.push(format!(
                    "{path}:{line}: `{written}`: {from} (layer {}, {}) imports {to} (layer {}, {}), a higher layer",
                    from_layer + 1,
                    LAYERS[from_layer].0,
                    to_layer + 1,
                    LAYERS[to_layer].0
                ));
            }
            edges
                .entry(from)
                .or_default()
                .entry(to)
                .or_insert_with(|| format!("{path}:{line} `{written}`"));
        }
        for (driver, home) in DRIVERS {
            if path.starts_with(home) {
                continue;
            }
            for line in driver_uses(&code, driver) {
                out.push(format!(
                    "{path}:{line}: uses the driver `{}` outside its home {home}",
                    driver.trim_end_matches(':')
                ));
            }
        }
    }
    // Cycles: an edge a → b closes one when b reaches a.
    let reaches = |start: &str, goal: &str| -> Option<Vec<String>> {
        let mut stack = vec![vec![start.to_string()]];
        let mut seen = BTreeSet::new();
        while let Some(route) = stack.pop() {
            let last = route.last().cloned().unwrap_or_default();
            if last == goal {
                return Some(route);
            }
            if !seen.insert(last.clone()) {
                continue;
            }
            for next in edges.get(last.as_str()).into_iter().flat_map(|m| m.keys()) {
                let mut r = route.clone();
                r.push(next.clone());
                stack.push(r);
            }
        }
        None
    };
    for (from, tos) in &edges {
        for (to, at) in tos {
            if let Some(route) = reaches(to, from) {
                let back: Vec<String> = route
                    .windows(2)
                    .map(|w| format!("{} → {} ({})", w[0], w[1], edges[w[0].as_str()][&w[1]]))
                    .collect();
                out.push(format!(
                    "{at}: {from} → {to} closes a cycle: {}",
                    back.join(", ")
                ));
            }
        }
    }
    out
}

fn source_files(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            source_files(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&p).unwrap()));
        }
    }
}

#[test]
fn every_module_imports_only_its_own_layer_and_lower_ones_without_cycles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    source_files(&root.join("src"), root, &mut files);
    assert!(files.len() > 40, "src/ was not read: {} files", files.len());
    let v = violations(&files);
    assert!(v.is_empty(), "layering broken:\n{}", v.join("\n"));
}

#[test]
fn the_check_reports_what_it_should_and_nothing_else() {
    let f = |p: &str, t: &str| (p.to_string(), t.to_string());
    let v = violations(&[
        // Upward, in a grouped use across lines.
        f(
            "src/remediation/x.rs",
            "use crate::{\n    agent::Probe,\n    config::PipelineConfig,\n};\n",
        ),
        // Upward, inline in code.
        f(
            "src/observation.rs",
            "pub struct B {\n    pub t: crate::diagnose::Thresholds,\n}\n",
        ),
        // A cycle within one layer.
        f("src/config/mod.rs", "use crate::report::Format;\n"),
        f("src/report.rs", "fn f() { crate::config::load(); }\n"),
        // Drivers outside their homes.
        f("src/agent/mod.rs", "use rusqlite::Connection;\n"),
        f("src/remediation/lock.rs", "use zookeeper_client::Client;\n"),
        f("src/commands/mod.rs", "fn f(e: ::oracle::Error) {}\n"),
        // A module in no layer.
        f("src/newthing.rs", "\n"),
        // Not breaches: comments, strings, our own module paths, drivers at home.
        f(
            "src/collectors/flink/mod.rs",
            "//! See `crate::agent`.\n/* crate::commands */\nconst S: &str = \"crate::agent::x\";\nuse crate::collectors::oracle::OracleCollector;\nuse crate::observation::Signal;\n",
        ),
        f("src/store.rs", "use rusqlite::Connection;\n"),
        f(
            "src/collectors/oracle/pool.rs",
            "use ::oracle::Connection;\nconst C: char = '\"';\n",
        ),
    ]);
    let has = |needle: &str| {
        assert!(
            v.iter().any(|l| l.contains(needle)),
            "expected a line with {needle:?} in:\n{}",
            v.join("\n")
        )
    };
    has("src/remediation/x.rs:2: `crate::{agent…}`: remediation (layer 3, remediation) imports agent (layer 2, agent)");
    has("src/observation.rs:2: `crate::diagnose::Thresholds`: observation");
    has("src/config/mod.rs:1 `crate::report::Format`: config → report closes a cycle");
    has("src/report.rs:1 `crate::config::load`: report → config closes a cycle");
    has("src/agent/mod.rs:1: uses the driver `rusqlite` outside its home src/store.rs");
    has("src/remediation/lock.rs:1: uses the driver `zookeeper_client`");
    has("src/commands/mod.rs:1: uses the driver `oracle`");
    has("`newthing` is in no layer");
    assert_eq!(v.len(), 8, "unexpected lines:\n{}", v.join("\n"));
}
