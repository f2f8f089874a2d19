//! Measures the status page's handlers on 30 days of history for 100 pipelines (5,760
//! observations each, the default `retention_count`: one every 7.5 minutes; verdict changes,
//! alerts and restarts of an incident every 3 days), through the agent's router without a socket:
//! `/`, `/p/<name>` over 6 h and over the whole retention, `/incidents/<id>`. Then how long one
//! read statement holds the history (the longest the prober can wait for it), and the prober's
//! write latency while the pages are loaded in a loop.
//! Run: `cargo bench --bench status`. The seeded database is kept in the target directory and
//! reused (delete `bench-status/` there to seed again).
// A benchmark measures elapsed time; the project's ban on `Instant` is for the agent's schedule.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use logminer_doctor::agent::alerts::dedup::Notice;
use logminer_doctor::agent::http::router;
use logminer_doctor::agent::incidents::incident_id;
use logminer_doctor::agent::page::{Pages, PipelineInfo};
use logminer_doctor::agent::Shared;
use logminer_doctor::diagnose::{diagnose, Bundle, Cause, Diagnosis};
use logminer_doctor::lang::Lang;
use logminer_doctor::observation::{Observation, Timestamp};
use logminer_doctor::store::{History, Retention};
use serde_json::{json, Value};
use tower::ServiceExt;

const PIPELINES: usize = 100;
const PER_PIPELINE: u32 = 5_760;
const DAYS: u64 = 30;
/// The seeded history ends here (a fixed time, so a kept database stays valid).
const NOW: Timestamp = Timestamp::from_unix_millis(1_790_000_000_000);

fn name(i: usize) -> String {
    format!("p{i:03}")
}

fn bundle(file: &str) -> Result<Bundle, Box<dyn Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/observations")
        .join(format!("{file}.json"));
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

fn verdict(b: &Bundle, pipeline: &str, at: Timestamp) -> Diagnosis {
    let p = &b.pipelines[0];
    let mut d = diagnose(&p.observations, &p.thresholds, &p.options());
    d.pipeline = pipeline.to_owned();
    d.observed_at = at;
    d
}

async fn seed(h: &History) -> Result<(), Box<dyn Error>> {
    let healthy = bundle("healthy")?;
    let dead = bundle("dead_connection")?;
    let template = serde_json::to_value(healthy.pipelines[0].observations.last())?;
    let step = Duration::from_secs(DAYS * 86_400) / PER_PIPELINE;
    let start = NOW.minus(Duration::from_secs(DAYS * 86_400));
    let began = Instant::now();
    for i in 0..PIPELINES {
        let p = name(i);
        let mut obs: Vec<Observation> = Vec::with_capacity(PER_PIPELINE as usize);
        for k in 0..PER_PIPELINE {
            let t = start.plus(step * k);
            let scn = 10_000_000 + u64::from(k) * 750;
            let mut v: Value = template.clone();
            let mut set = |ptr: &str, x: Value| {
                if let Some(slot) = v.pointer_mut(ptr) {
                    *slot = x;
                }
            };
            set("/pipeline", json!(p));
            set("/observed_at", json!(t.to_string()));
            set("/oracle/value/database/value/current_scn", json!(scn + 60));
            set("/output/value/last_scn/value", json!(scn));
            set("/oracle/value/flush_table_scn/value", json!(scn + 50));
            set("/flink/value/job/source/value/records", json!(k * 40));
            set("/flink/value/job/sink/value/records", json!(k * 40));
            set(
                "/output/value/newest_committed/modified_at",
                json!(t.minus(Duration::from_secs(20)).to_string()),
            );
            set(
                "/flink/value/job/checkpoints/value/last_completed/completed_at",
                json!(t.minus(Duration::from_secs(30)).to_string()),
            );
            obs.push(serde_json::from_value(v)?);
        }
        h.import_observations(obs).await?;
        h.record_diagnosis(&verdict(&healthy, &p, start)).await?;
        // An incident every 3 days: dead connection, paged, restarted, resolved in 20 minutes.
        for d in (1..DAYS).step_by(3) {
            let s = start.plus(Duration::from_secs(d * 86_400 + i as u64 * 60));
            h.record_diagnosis(&verdict(&dead, &p, s)).await?;
            let paged = s.plus(Duration::from_secs(120));
            h.record_alert(
                &p,
                paged,
                "slack",
                Notice::Firing,
                Cause::DeadConnection,
                None,
            )
            .await?;
            h.record_action(
                &p,
                s.plus(Duration::from_secs(300)),
                "restart",
                r#"{"restart_scn":1}"#,
            )
            .await?;
            let r = s.plus(Duration::from_secs(1200));
            h.record_diagnosis(&verdict(&healthy, &p, r)).await?;
            h.record_alert(&p, r, "slack", Notice::Resolved, Cause::Healthy, None)
                .await?;
        }
        if i % 10 == 9 {
            eprintln!(
                "seeded {} pipelines ({:.0} s)",
                i + 1,
                began.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// Median, 95th percentile and maximum of `d`, in ms.
fn stats(mut d: Vec<Duration>) -> String {
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    let p = |q: f64| d[((d.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "median {:7.2} ms  p95 {:7.2} ms  max {:7.2} ms  (n={})",
        ms(p(0.5)),
        ms(p(0.95)),
        ms(d[d.len() - 1]),
        d.len()
    )
}

async fn get(shared: &Arc<Shared>, path: &str) -> Result<(u16, usize), Box<dyn Error>> {
    let resp = router(shared.clone(), None)
        .oneshot(Request::get(path).body(Body::empty())?)
        .await?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, body.len()))
}

fn main() -> Result<(), Box<dyn Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> Result<(), Box<dyn Error>> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-status");
    let marker = dir.join("seeded-v1");
    let state = dir.join("state");
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let h = History::open(&state)?;
        eprintln!(
            "seeding {PIPELINES} pipelines × {PER_PIPELINE} observations ({DAYS} days) into {}",
            state.display()
        );
        seed(&h).await?;
        std::fs::write(&marker, "")?;
    }
    let h = History::open(&state)?;
    let size = std::fs::metadata(h.path())?.len();
    println!(
        "history: {PIPELINES} pipelines × {PER_PIPELINE} observations over {DAYS} days, {:.0} MB",
        size as f64 / 1e6
    );
    let shared = Arc::new(Shared::new(PIPELINES));
    shared.set_pages(Pages {
        history: Some(h.clone()),
        pipelines: (0..PIPELINES)
            .map(|i| PipelineInfo {
                name: name(i),
                stall_window: Duration::from_secs(300),
            })
            .collect(),
        lang: Lang::En,
        retention: Duration::from_secs(DAYS * 86_400),
        now: Arc::new(|| NOW),
        fleet: None,
    });
    let start = NOW.minus(Duration::from_secs(DAYS * 86_400));
    let incident = incident_id(
        &name(42),
        start.plus(Duration::from_secs(28 * 86_400 + 42 * 60)),
    );
    let paths = [
        "/".to_owned(),
        format!("/p/{}?range=6h", name(42)),
        format!("/p/{}?range=retention", name(42)),
        format!("/incidents/{incident}"),
    ];
    for path in &paths {
        let (status, bytes) = get(&shared, path).await?;
        if status != 200 {
            return Err(format!("{path} answered {status}").into());
        }
        let mut times = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            get(&shared, path).await?;
            times.push(t.elapsed());
        }
        println!("GET {path:<36} {}  {} kB", stats(times), bytes / 1000);
    }

    // One statement's hold on the history: what a probe's write can wait behind.
    let mut samples = Vec::new();
    let mut current = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        h.samples(&name(42), start, NOW, 300).await?;
        samples.push(t.elapsed());
        let t = Instant::now();
        h.current_verdicts().await?;
        current.push(t.elapsed());
    }
    println!("one statement: samples over 30 days   {}", stats(samples));
    println!("one statement: current verdicts (100)  {}", stats(current));

    // The prober's writes, idle and while the pages are loaded in a loop.
    let retention = Retention {
        max_age: Duration::from_secs(DAYS * 86_400),
        max_count: PER_PIPELINE,
    };
    let template: Observation = h
        .recent_observations(&name(99), start, 1)
        .await?
        .pop()
        .ok_or("no observation")?;
    let write = |h: History, mut o: Observation, n: u32| async move {
        let mut times = Vec::new();
        for k in 0..n {
            o.observed_at = NOW.plus(Duration::from_millis(u64::from(k)));
            let t = Instant::now();
            h.record_observation(&o, retention).await?;
            times.push(t.elapsed());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok::<_, Box<dyn Error + Send + Sync>>(times)
    };
    let idle = write(h.clone(), template.clone(), 100)
        .await
        .map_err(|e| e.to_string())?;
    println!("probe write, idle                      {}", stats(idle));
    let loader = {
        let shared = shared.clone();
        let paths = paths.clone();
        tokio::spawn(async move {
            let mut n = 0;
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(3) {
                for p in &paths {
                    let _ = get(&shared, p).await;
                    n += 1;
                }
            }
            n
        })
    };
    let busy = write(h.clone(), template, 300)
        .await
        .map_err(|e| e.to_string())?;
    let pages = loader.await?;
    println!("probe write, pages loading ({pages} pages) {}", stats(busy));
    Ok(())
}
