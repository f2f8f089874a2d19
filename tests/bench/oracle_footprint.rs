//! What the Oracle collector costs the database: round trips, rows and bytes fetched per probe
//! and per minute, for 1, 10 and 100 pipelines on one database, measured by counting through the
//! simulated database (`simulator::oracle_db`) behind the real collector's driver seam. The
//! database holds 20,000 archived logs on 4 redo threads; each pipeline captures 50 tables.
//! Time is scaled 1:100 (a 15 s probe interval is 150 ms, the 5 min slow cadence 3 s) and ten
//! scaled minutes are run, so the slow facts are read on their cadence as in production.
//! Run: `cargo bench --bench oracle_footprint` (`LMD_BENCH_PIPELINES="1 10"` for other counts).
//! tests/bench/oracle_footprint_before.sh runs the same file against an older commit's
//! collector, for the numbers before.
// A benchmark measures elapsed time; the project's ban on `Instant` is for the agent's schedule.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use logminer_doctor::collectors::oracle::{cache::Databases, OracleCollector, Settings};
use logminer_doctor::collectors::OracleSource;
use logminer_doctor::config::{OracleConfig, Secret, SecretSource, TableName};
use logminer_doctor::simulator::oracle_db::{Cost, DbState, SimOracleDb};

const ARCHIVED: usize = 20_000;
const THREADS: u32 = 4;
const TABLES: usize = 50;
/// 1:100: the 15 s interval and the 5 min slow cadence, scaled.
const SCALE: u32 = 100;
const INTERVAL: Duration = Duration::from_secs(15);
const SLOW: Duration = Duration::from_secs(300);
const MINUTES: u32 = 10;

fn config(i: usize) -> OracleConfig {
    OracleConfig {
        connect_string: "db-host:1521/ORCLPDB1".into(),
        user: "CDCMON".into(),
        password: Secret::new("bench".into(), SecretSource::Env("P".into())),
        connector_user: format!("CDC{i}"),
        flush_table: TableName {
            owner: format!("CDC{i}"),
            table: "LOG_MINING_FLUSH".into(),
        },
        captured_tables: (1..=TABLES)
            .map(|t| TableName {
                owner: "SHOP".into(),
                table: format!("T{t}"),
            })
            .collect(),
        call_timeout: Duration::from_secs(10),
        slow_facts_interval: SLOW / SCALE,
    }
}

fn line(what: &str, c: Cost, per: f64) {
    println!(
        "  {what:<28} {:>10.1} round trips {:>10.1} rows {:>12.0} bytes",
        c.round_trips as f64 / per,
        c.rows as f64 / per,
        c.bytes as f64 / per
    );
}

async fn measure(n: usize) {
    let db = SimOracleDb::new(DbState::busy(ARCHIVED, THREADS, TABLES));
    let dbs = Databases::new();
    let settings = Settings {
        budget: Duration::from_secs(30),
        clock_share: Duration::from_secs(1) / SCALE,
        ..Settings::for_config(&config(0))
    };
    let collectors: Vec<_> = (0..n)
        .map(|i| OracleCollector::with_driver_in(config(i), db.clone(), settings.clone(), &dbs))
        .collect();
    // The first probe of each pipeline (cold: the slow facts too), then ten scaled minutes.
    for c in &collectors {
        let s = c.observe().await;
        assert!(s.value().is_some(), "{s:?}");
    }
    let first = db.served().total();
    db.reset_counts();
    let rounds = MINUTES * 60 / INTERVAL.as_secs() as u32;
    let start = Instant::now();
    for r in 1..=rounds {
        // As in `watch`, where every pipeline's ticker fires together: the round's probes run
        // at once.
        futures_util::future::join_all(collectors.iter().map(|c| c.observe())).await;
        let next = start + INTERVAL / SCALE * r;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }
    let served = db.served();
    let total = served.total();
    let probes = (rounds as usize * n) as f64;
    println!("{n} pipeline(s) on one database ({ARCHIVED} archived logs, {THREADS} threads, {TABLES} tables each):");
    line("first probe, per pipeline", first, n as f64);
    line("per probe (steady state)", total, probes);
    line("per minute, all pipelines", total, MINUTES as f64);
    let mut files: Vec<_> = served.by_file.iter().collect();
    files.sort_by_key(|(f, _)| f.to_string());
    for (f, c) in files {
        println!(
            "    {f:<28} {:>6} statements {:>8} round trips {:>9} rows",
            c.statements, c.round_trips, c.rows
        );
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        // LMD_BENCH_PIPELINES="1 10": other counts (the old collector fetches 20,000 rows per
        // probe, so 100 pipelines take it minutes).
        let counts: Vec<usize> = std::env::var("LMD_BENCH_PIPELINES")
            .ok()
            .map(|v| {
                v.split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect()
            })
            .unwrap_or_else(|| vec![1, 10, 100]);
        for n in counts {
            measure(n).await;
        }
    });
}
