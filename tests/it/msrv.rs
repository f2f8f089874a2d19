//! Cargo.toml's `rust-version` is true: it is the highest `rust-version` that a package in
//! Cargo.lock declares (cargo refuses to build a dependency that needs a newer compiler), and the
//! compiler these tests were built with is at least that, so the declared version is built here.
// See: #19

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn version(text: &str) -> Vec<u64> {
    text.trim()
        .split('.')
        .map(|p| p.parse().unwrap_or_else(|_| panic!("a version: {text}")))
        .collect()
}

/// 1.95 and 1.95.0 are the same version.
fn same(a: &[u64], b: &[u64]) -> bool {
    let pad = |v: &[u64]| {
        let mut v = v.to_vec();
        v.resize(3, 0);
        v
    };
    pad(a) == pad(b)
}

#[test]
fn the_declared_rust_version_is_the_highest_a_locked_dependency_declares() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Every package of the lock file (all targets and platforms), with its manifest's
    // rust-version; --locked fails if Cargo.lock would change.
    let out = Command::new(&cargo)
        .args(["metadata", "--locked", "--format-version", "1"])
        .current_dir(root)
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let own = meta["resolve"]["root"].as_str().expect("a root package");
    let mut declared = None;
    let mut needed: Vec<(Vec<u64>, String)> = Vec::new();
    for p in meta["packages"].as_array().unwrap() {
        let Some(rv) = p["rust_version"].as_str() else {
            continue;
        };
        if p["id"].as_str() == Some(own) {
            declared = Some(version(rv));
        } else {
            needed.push((
                version(rv),
                format!("{} {} ({rv})", p["name"], p["version"]),
            ));
        }
    }
    let declared = declared.expect("Cargo.toml declares rust-version");
    needed.sort();
    let (highest, _) = needed
        .last()
        .expect("dependencies with a rust-version")
        .clone();
    let needing: Vec<&String> = needed
        .iter()
        .filter(|(v, _)| same(v, &highest))
        .map(|(_, who)| who)
        .collect();
    assert!(
        needed
            .iter()
            .all(|(v, _)| v <= &declared || same(v, &declared)),
        "Cargo.toml says rust-version {declared:?}, but {needing:?} need {highest:?}"
    );
    assert!(
        same(&declared, &highest),
        "rust-version {declared:?} is lower than needed or higher than any dependency needs \
         ({highest:?}, {needing:?}): set it to the highest"
    );

    // The compiler here is at least the declared version: the crate is built with it.
    let rustc = Command::new("rustc").arg("--version").output().unwrap();
    let rustc = String::from_utf8_lossy(&rustc.stdout).to_string();
    let here = version(
        rustc
            .split_whitespace()
            .nth(1)
            .unwrap()
            .split('-')
            .next()
            .unwrap(),
    );
    assert!(
        here >= declared,
        "{rustc} is older than rust-version {declared:?}"
    );
}
