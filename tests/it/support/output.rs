//! The committed output of the FileSink: every `part-*` file under the output dir (the hidden
//! `.part-*.inprogress.*` files are not committed yet), each line `<scn>,<op>,<table>`.

use std::path::{Path, PathBuf};

/// The committed part files, sorted by path.
pub fn committed_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                stack.push(path);
            } else if name.starts_with("part-") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Every SCN in the committed files, sorted (duplicates kept, for no-gap/no-duplicate checks).
pub fn committed_scns(dir: &Path) -> Vec<u64> {
    let mut scns = Vec::new();
    for file in committed_files(dir) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let first = line.split(',').next().unwrap_or("");
            let scn = first
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{}: not an SCN line: {line:?}", file.display()));
            scns.push(scn);
        }
    }
    scns.sort_unstable();
    scns
}

/// Asserts the committed SCNs are exactly 1..=n, each once; says what is missing or doubled.
pub fn assert_exactly_once(scns: &[u64], n: u64) {
    let expected: Vec<u64> = (1..=n).collect();
    if scns != expected.as_slice() {
        let mut dups = Vec::new();
        for w in scns.windows(2) {
            if w[0] == w[1] {
                dups.push(w[0]);
            }
        }
        let missing: Vec<u64> = (1..=n).filter(|s| scns.binary_search(s).is_err()).collect();
        let extra: Vec<u64> = scns.iter().copied().filter(|s| *s == 0 || *s > n).collect();
        panic!(
            "committed output is not exactly 1..={n} once: {} lines, {} duplicated (first {:?}), \
             {} missing (first {:?}), {} out of range (first {:?})",
            scns.len(),
            dups.len(),
            &dups[..dups.len().min(10)],
            missing.len(),
            &missing[..missing.len().min(10)],
            extra.len(),
            &extra[..extra.len().min(10)],
        );
    }
}

/// Waits until the committed output under `output` holds at least `n` lines (up to a minute),
/// then asserts it is exactly 1..=n once; returns how long it took.
pub async fn wait_committed(output: &Path, n: u64) -> std::time::Duration {
    let t0 = tokio::time::Instant::now();
    let what = format!("{n} committed SCNs in {}", output.display());
    let scns = super::wait_for(
        &what,
        std::time::Duration::from_secs(60),
        std::time::Duration::from_millis(200),
        || async {
            let scns = committed_scns(output);
            (scns.len() as u64 >= n).then_some(scns)
        },
    )
    .await;
    assert_exactly_once(&scns, n);
    t0.elapsed()
}
