//! Measures the output collector on a FileSink tree of 100,000 part files (200 hourly buckets
//! of 500) against `find DIR -type f -mmin -2`, what operators run today: the one-shot scan of
//! `diagnose --samples 1` (a fresh collector each time), `watch`'s incremental rescans and,
//! given binaries, whole `diagnose --samples 1` processes side by side with `find`.
//! Run: `cargo bench --bench output_scan` (optionally `-- BUCKETS FILES_PER_BUCKET [BINARY...]`;
//! each binary runs `diagnose --samples 1` on a config whose Oracle and Flink are unreachable).
// A benchmark measures elapsed time; the project's ban on `Instant` is for the agent's schedule.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::error::Error;
use std::fs::{self, File};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use logminer_doctor::collectors::output::FileSinkCollector;
use logminer_doctor::config::{OutputConfig, OutputFormat, ScnColumn};

const REPEATS: usize = 21;
const HOUR: Duration = Duration::from_secs(3600);

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let buckets: usize = args.next().map_or(Ok(200), |a| a.parse())?;
    let per_bucket: usize = args.next().map_or(Ok(500), |a| a.parse())?;
    let binaries: Vec<String> = args.collect();

    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    let started = Instant::now();
    let now = SystemTime::now();
    let mut scn = 10_000_000u64;
    for b in 0..buckets {
        // Oldest bucket first, each an hour apart, the newest an hour ago.
        let bucket_time = now - HOUR * (buckets - b) as u32;
        let bucket = dir.join(bucket_name(b));
        fs::create_dir_all(&bucket)?;
        for f in 0..per_bucket {
            let mut rows = String::from("op,table,scn\n");
            for _ in 0..5 {
                scn += 1;
                rows.push_str(&format!("U,ORDERS,{scn}\n"));
            }
            let path = bucket.join(format!("part-81fc4980-a6af-41c8-9937-9939408a734b-{f}.csv"));
            let mut file = File::create(&path)?;
            file.write_all(rows.as_bytes())?;
            file.set_modified(bucket_time + Duration::from_millis(f as u64))?;
        }
        File::open(&bucket)?.set_modified(bucket_time + HOUR / 2)?;
    }
    File::open(dir)?.set_modified(now - HOUR)?;
    println!(
        "tree: {buckets} buckets x {per_bucket} files = {} files in {} (generated in {:.1?})",
        buckets * per_bucket,
        dir.display(),
        started.elapsed()
    );

    let collector = FileSinkCollector::new(collector_config(dir));

    let t = Instant::now();
    let first = collector.scan()?;
    let first_scan = t.elapsed();
    let stats = collector.last_scan_stats();
    println!(
        "(a) first scan:                 {:>10.3?}  ({} dirs listed, {} files stat'ed, {} bytes read; {} committed, last SCN {:?})",
        first_scan,
        stats.dirs_listed,
        stats.files_stated,
        stats.bytes_read,
        first.committed_files,
        first.last_scn.value()
    );

    let unchanged = median(REPEATS, || {
        collector.scan()?;
        Ok(())
    })?;
    let stats = collector.last_scan_stats();
    println!(
        "(b) unchanged tree, median/{REPEATS}:  {:>10.3?}  ({} dirs checked, {} listed, {} files stat'ed)",
        unchanged, stats.dirs_checked, stats.dirs_listed, stats.files_stated
    );

    let one_shot = median(REPEATS, || {
        let fresh = FileSinkCollector::new(collector_config(dir));
        fresh.scan()?;
        Ok(())
    })?;
    println!(
        "(e) one-shot scan (fresh collector, diagnose --samples 1), median/{REPEATS}: {one_shot:>10.3?}"
    );

    let newest_bucket = dir.join(bucket_name(buckets - 1));
    let mut added = 0usize;
    let after_add = median(REPEATS, || {
        added += 1;
        scn += 1;
        let path = newest_bucket.join(format!(
            "part-81fc4980-a6af-41c8-9937-9939408a734b-{}.csv",
            per_bucket + added
        ));
        fs::write(&path, format!("op,table,scn\nI,ORDERS,{scn}\n"))?;
        collector.scan()?;
        Ok(())
    })?;
    let snapshot = collector.scan()?;
    let stats = collector.last_scan_stats();
    println!(
        "(c) one file added, median/{REPEATS}:  {:>10.3?}  (newest {:?}, last SCN {:?}; next scan lists {} dirs: the bucket stays within the mtime window)",
        after_add,
        snapshot.newest_committed.map(|f| f.path),
        snapshot.last_scn.value(),
        stats.dirs_listed
    );

    let find_once = || -> Result<(), Box<dyn Error>> {
        let status = Command::new("find")
            .arg(dir)
            .args(["-type", "f", "-mmin", "-2"])
            .stdout(Stdio::null())
            .status()?;
        if !status.success() {
            return Err(format!("find exited with {status}").into());
        }
        Ok(())
    };
    let find = median(REPEATS, find_once)?;
    println!("(d) find -type f -mmin -2, median/{REPEATS}: {find:>10.3?}");
    println!(
        "find / one-shot scan:     {:>8.1}x",
        find.as_secs_f64() / one_shot.as_secs_f64().max(1e-9)
    );

    if !binaries.is_empty() {
        whole_processes(dir, &binaries, find_once)?;
    }

    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    println!(
        "find / first scan:        {:>8.1}x",
        ratio(find, first_scan)
    );
    println!("find / unchanged rescan:  {:>8.1}x", ratio(find, unchanged));
    println!("find / scan after adding: {:>8.1}x", ratio(find, after_add));
    println!(
        "first scan / unchanged:   {:>8.1}x",
        ratio(first_scan, unchanged)
    );
    Ok(())
}

fn bucket_name(b: usize) -> String {
    // Hourly buckets over consecutive days, as Flink's default `yyyy-MM-dd--HH` names them.
    format!(
        "2026-{:02}-{:02}--{:02}",
        1 + b / 24 / 28,
        1 + (b / 24) % 28,
        b % 24
    )
}

fn collector_config(dir: &std::path::Path) -> OutputConfig {
    OutputConfig {
        dir: dir.to_path_buf(),
        format: OutputFormat::Csv {
            scn_column: ScnColumn::Name("scn".into()),
            delimiter: b',',
        },
        rolling_interval: Duration::ZERO,
    }
}

/// Whole processes in turn, one round at a time (each binary's `diagnose --samples 1`, then
/// `find`), so that the machine's other load falls on all of them alike.
fn whole_processes(
    dir: &std::path::Path,
    binaries: &[String],
    find_once: impl Fn() -> Result<(), Box<dyn Error>>,
) -> Result<(), Box<dyn Error>> {
    let conf_dir = tempfile::tempdir()?;
    let password = conf_dir.path().join("password");
    fs::write(&password, "x\n")?;
    let config = conf_dir.path().join("logminer-doctor.toml");
    // Port 9 (discard) on loopback: nothing listens, so both fail at once.
    fs::write(
        &config,
        format!(
            r#"[[pipeline]]
name = "bench"

[pipeline.oracle]
connect_string = "127.0.0.1:9/NOWHERE"
user = "LMD_MONITOR"
password_file = "{}"
connector_user = "CDC"
captured_tables = ["APP.ORDERS"]

[pipeline.flink]
jobmanagers = ["http://127.0.0.1:9"]
job_name = "bench"

[pipeline.output]
dir = "{}"
format = "csv"
csv_scn_column = "scn"
"#,
            password.display(),
            dir.display()
        ),
    )?;
    let run = |bin: &str| -> Result<Duration, Box<dyn Error>> {
        let t = Instant::now();
        let out = Command::new(bin)
            .args(["diagnose", "--samples", "1", "--config"])
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()?;
        let elapsed = t.elapsed();
        // Exit 0-3 are verdicts; anything else is a failure of the run itself.
        if !matches!(out.status.code(), Some(0..=3)) {
            return Err(format!(
                "{bin} exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(elapsed)
    };
    for bin in binaries {
        run(bin)?; // warm up, and fail early
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); binaries.len() + 1];
    for _ in 0..REPEATS {
        for (i, bin) in binaries.iter().enumerate() {
            times[i].push(run(bin)?);
        }
        let t = Instant::now();
        find_once()?;
        times[binaries.len()].push(t.elapsed());
    }
    for t in &mut times {
        t.sort();
    }
    let find = times[binaries.len()][REPEATS / 2];
    println!("whole processes, interleaved, median/{REPEATS}:");
    println!("  find DIR -type f -mmin -2:            {find:>10.3?}");
    for (i, bin) in binaries.iter().enumerate() {
        let m = times[i][REPEATS / 2];
        println!(
            "  {bin} diagnose --samples 1: {m:>10.3?}  ({:.3} of find's time)",
            m.as_secs_f64() / find.as_secs_f64().max(1e-9)
        );
    }
    Ok(())
}

/// The median wall time of `n` runs of `f`.
fn median(
    n: usize,
    mut f: impl FnMut() -> Result<(), Box<dyn Error>>,
) -> Result<Duration, Box<dyn Error>> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok(times[n / 2])
}
