//! Measures the `watch` agent on simulated pipelines: CPU time per probe, resident memory with
//! 1, 100 and 1,000 pipelines, and whether N pipelines keep a 15 s interval without missing ticks.
//! Each is measured twice: with the simulator's in-memory Oracle snapshots, and through the real
//! Oracle collector (SQL text, rows parsed by column, the slow facts' cache shared by the
//! pipelines of one database) over the simulated database behind the driver seam
//! (`simulator::oracle_db`), so the collector's own cost shows.
//! Run: `cargo bench --bench agent` (all), or `-- run N INTERVAL_S SECONDS [sim|driver]` for one
//! measurement. Each measurement runs in a child process of its own, so its RSS is its own.
// A benchmark measures elapsed time; the project's ban on `Instant` is for the agent's schedule.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::error::Error;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use logminer_doctor::agent::{self, Deps, Shared};
use logminer_doctor::collectors::oracle::{cache::Databases, OracleCollector, Settings};
use logminer_doctor::collectors::output::FileSinkCollector;
use logminer_doctor::collectors::CollectorProbe;
use logminer_doctor::collectors::Collectors;
use logminer_doctor::config::{Config, Env, OutputConfig, OutputFormat};
use logminer_doctor::observation::Timestamp;
use logminer_doctor::simulator::oracle_db::{DbState, SimOracleDb};
use logminer_doctor::simulator::{Sim, World};

struct BenchEnv;
impl Env for BenchEnv {
    fn var(&self, _: &str) -> Option<String> {
        Some("bench-password".into())
    }
    fn read_file(&self, p: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            p.display().to_string(),
        ))
    }
}

fn config(dir: &Path, n: usize, interval_s: u64) -> Result<Config, Box<dyn Error>> {
    // LMD_BENCH_NO_HISTORY: a state directory that cannot be created, to measure without SQLite.
    let state = if std::env::var_os("LMD_BENCH_NO_HISTORY").is_some() {
        "/proc/no-such-dir/state".to_string()
    } else {
        dir.join("state").display().to_string()
    };
    let mut text = format!("[agent]\nstate_dir = {state:?}\nconcurrency = 8\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[pipeline]]\nname = \"p{i}\"\ninterval = \"{interval_s}s\"\n\
             [pipeline.oracle]\nconnect_string = \"db:1521/X\"\nuser = \"M\"\npassword_env = \"P\"\n\
             connector_user = \"CDC\"\ncaptured_tables = [\"SHOP.ORDERS\"]\n\
             [pipeline.flink]\njobmanagers = [\"http://127.0.0.1:9\"]\njob_name = \"j\"\n\
             [pipeline.output]\ndir = \"out\"\nformat = \"json\"\njson_scn_pointer = \"/source/scn\"\n"
        ));
    }
    Ok(Config::from_toml(&text, &dir.join("bench.toml"), &BenchEnv).map_err(|e| e.report())?)
}

/// (user + system CPU seconds, RSS in KiB) of this process, from /proc.
fn usage() -> (f64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of the line; here, after the command's ')', 12 and 13.
    let ticks: f64 = fields
        .get(11)
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    (ticks / 100.0, rss)
}

fn sum(metrics: &str, family: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| l.starts_with(family))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// One measurement: N pipelines at an interval, for a while; prints one line of JSON. `driver`:
/// Oracle through the real collector over the simulated database, else the in-memory snapshots.
async fn run(n: usize, interval_s: u64, seconds: u64, driver: bool) -> Result<(), Box<dyn Error>> {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out)?;
    // One simulated world (its output a real FileSink tree) read by every pipeline: the agent's
    // cost per probe is what is measured, not the simulation's.
    let start = Timestamp::from_unix_millis(1_790_000_000_000);
    let mut w = World::new(&out, start);
    w.run(Duration::from_secs(1800));
    let sim = Sim::new(w);
    let config = config(tmp.path(), n, interval_s)?;
    let output = || {
        FileSinkCollector::new(OutputConfig {
            dir: out.clone(),
            format: OutputFormat::Json {
                scn_pointer: "/source/scn".into(),
            },
            rolling_interval: Duration::ZERO,
        })
    };
    if driver {
        // One database for every pipeline, as the issue's: 20,000 archived logs on 4 threads.
        let db = SimOracleDb::new(DbState::busy(20_000, 4, 1));
        let dbs = Databases::new();
        let mut probe = CollectorProbe::new(sim.clone());
        for p in &config.pipelines {
            let oracle = OracleCollector::with_driver_in(
                p.oracle.clone(),
                db.clone(),
                Settings::for_config(&p.oracle),
                &dbs,
            );
            let c = Collectors {
                oracle,
                flink: sim.clone(),
                zookeeper: sim.clone(),
                output: output(),
            };
            probe.insert(&p.name, c, Duration::from_secs(10));
        }
        measure(n, interval_s, seconds, config, probe, driver).await
    } else {
        let mut probe = CollectorProbe::new(sim.clone());
        for p in &config.pipelines {
            let c = Collectors {
                oracle: sim.clone(),
                flink: sim.clone(),
                zookeeper: sim.clone(),
                output: output(),
            };
            probe.insert(&p.name, c, Duration::from_secs(10));
        }
        measure(n, interval_s, seconds, config, probe, driver).await
    }
}

/// Runs the agent over `probe` for `seconds` and prints the line.
async fn measure<P: logminer_doctor::collectors::Probe + Send + Sync + 'static>(
    n: usize,
    interval_s: u64,
    seconds: u64,
    config: Config,
    probe: P,
    driver: bool,
) -> Result<(), Box<dyn Error>> {
    let shared = Arc::new(Shared::new(n));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let deps = Deps {
        probe: Arc::new(probe),
        channels: Vec::new(),
        retry_backoff: Duration::from_secs(1),
        remediator: None,
    };
    let (cpu0, _) = usage();
    let t0 = Instant::now();
    let shutdown = tokio::time::sleep(Duration::from_secs(seconds));
    agent::run_with(config, deps, listener, shutdown, shared.clone()).await?;
    let wall = t0.elapsed().as_secs_f64();
    let (cpu1, rss) = usage();
    let m = shared.metrics.encode();
    let probes = sum(&m, "logminer_doctor_probes_total{");
    let missed = sum(&m, "logminer_doctor_ticks_missed_total{");
    // The share of pipelines whose Oracle collector answered at the last probe (1.0: every
    // probe measured a working collector, not an error path).
    let oracle_up: f64 = m
        .lines()
        .filter(|l| {
            l.starts_with("logminer_doctor_collector_up{") && l.contains("system=\"oracle\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>()
        / n as f64;
    let expected = n as f64 * (1.0 + (seconds / interval_s) as f64);
    println!(
        "{{\"oracle\":\"{}\",\"pipelines\":{n},\"interval_s\":{interval_s},\"seconds\":{wall:.1},\"probes\":{probes},\"expected_probes\":{expected},\"ticks_missed\":{missed},\"oracle_up\":{oracle_up:.2},\"cpu_s\":{:.2},\"cpu_ms_per_probe\":{:.3},\"rss_mib\":{:.1}}}",
        if driver { "driver" } else { "sim" },
        cpu1 - cpu0,
        1000.0 * (cpu1 - cpu0) / probes.max(1.0),
        rss as f64 / 1024.0
    );
    Ok(())
}

fn child(args: &[&str]) -> Result<String, Box<dyn Error>> {
    let out = Command::new(std::env::current_exe()?)
        .arg("run")
        .args(args)
        .output()?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("size") {
        let tmp = tempfile::tempdir()?;
        let mut w = World::new(tmp.path(), Timestamp::from_unix_millis(1_790_000_000_000));
        w.run(Duration::from_secs(1800));
        let o = serde_json::to_string(&w.oracle_snapshot())?;
        let f = serde_json::to_string(&w.flink_snapshot())?;
        println!("oracle {} bytes, flink {} bytes", o.len(), f.len());
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("run") {
        let n = args.get(1).map_or(Ok(1), |a| a.parse())?;
        let interval = args.get(2).map_or(Ok(15), |a| a.parse())?;
        let seconds = args.get(3).map_or(Ok(46), |a| a.parse())?;
        let driver = args.get(4).is_some_and(|a| a == "driver");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        return rt.block_on(run(n, interval, seconds, driver));
    }
    println!("# RSS and CPU per probe: N pipelines on a 15 s interval for 46 s (4 rounds),");
    println!("# Oracle from in-memory snapshots (sim) and through the real collector (driver)");
    for n in ["1", "100", "1000"] {
        for oracle in ["sim", "driver"] {
            println!("{}", child(&[n, "15", "46", oracle])?);
        }
    }
    println!("# Capacity on 15 s: the largest N that probes every tick (ticks_missed 0, probes = expected)");
    for n in ["4000", "8000", "16000"] {
        println!("{}", child(&[n, "15", "46"])?);
    }
    Ok(())
}
