//! The status page and the incident reports in a real browser (headless Chromium from Debian,
//! installed by tests/status/setup.sh): a seeded history of three pipelines (healthy, CRITICAL
//! with a paged incident, silenced) behind the agent's HTTP router on a socket; the overview's
//! rows and colours, a pipeline page's plots against the seeded values and its range selector,
//! the pages with JavaScript disabled, screenshots for a person; `incidents` and `report`
//! through the built binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use logminer_doctor::agent::alerts::dedup::Notice;
use logminer_doctor::agent::http::router;
use logminer_doctor::agent::page::{Pages, PipelineInfo};
use logminer_doctor::agent::Shared;
use logminer_doctor::diagnose::{diagnose, Bundle, Cause, Diagnosis};
use logminer_doctor::lang::Lang;
use logminer_doctor::observation::{Observation, Timestamp};
use logminer_doctor::remediation::savepoints::restorability;
use logminer_doctor::store::{History, SavepointRecord};
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const MINUTE: Duration = Duration::from_secs(60);

/// Chromium, or a failure that says how to install it.
fn chromium() -> &'static str {
    assert!(
        Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing: run tests/status/setup.sh (CI runs it through .ci/run)"
    );
    CHROMIUM
}

/// Runs headless Chromium with `args` and `url`; its stdout.
fn browse(args: &[&str], url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-dev-shm-usage",
            &format!("--user-data-dir={}", profile.path().display()),
        ])
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium {args:?} {url} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The DOM Chromium built from `url` (after scripts, if any ran).
fn dom(url: &str) -> String {
    browse(&["--dump-dom"], url)
}

/// The page as the server sends it, read without any script engine: what a browser with
/// JavaScript disabled gets (Chromium's `--dump-dom` itself needs scripts, so it cannot show
/// that). The page must carry no script at all.
async fn without_js(url: &str) -> String {
    let (status, body) = reqwest_get(url).await;
    assert_eq!(status, 200, "{url}: {body}");
    assert!(!body.contains("<script"), "{url} carries a script");
    body
}

/// A PNG of `url` at `size` into the test's output directory; its path is printed.
fn screenshot(url: &str, name: &str, size: &str, extra: &[&str]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("status-screens");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&file);
    let mut args = vec![
        format!("--screenshot={}", file.display()),
        format!("--window-size={size}"),
        "--hide-scrollbars".to_owned(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    browse(&args.iter().map(String::as_str).collect::<Vec<_>>(), url);
    let len = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    assert!(len > 1000, "no screenshot written to {}", file.display());
    crate::support::report(&format!("screenshot: {} ({len} bytes)", file.display()));
    file
}

/// The element with `id="<id>"`'s opening tag up to its matching close (by tag name count).
fn element<'a>(dom: &'a str, id: &str) -> &'a str {
    let needle = format!("id=\"{id}\"");
    let at = dom
        .find(&needle)
        .unwrap_or_else(|| panic!("no element #{id} in:\n{dom}"));
    let open = dom[..at].rfind('<').unwrap();
    let tag: String = dom[open + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let (o, c) = (format!("<{tag}"), format!("</{tag}>"));
    let mut depth = 0usize;
    let mut i = open;
    loop {
        let next_o = dom[i + 1..].find(&o).map(|k| k + i + 1);
        let next_c = dom[i + 1..].find(&c).map(|k| k + i + 1).expect("closed");
        match next_o {
            Some(n) if n < next_c => {
                depth += 1;
                i = n;
            }
            _ => {
                if depth == 0 {
                    return &dom[open..next_c + c.len()];
                }
                depth -= 1;
                i = next_c;
            }
        }
    }
}

/// The `class` attribute of the element with `id`.
fn class_of(dom: &str, id: &str) -> String {
    let el = element(dom, id);
    let tag_end = el.find('>').unwrap();
    let head = &el[..tag_end];
    head.split("class=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// The points of every `<polyline>` in `svg`, longest first.
fn polylines(svg: &str) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = svg
        .split("<polyline")
        .skip(1)
        .filter_map(|p| {
            let pts = p.split("points=\"").nth(1)?.split('"').next()?;
            Some(
                pts.split_whitespace()
                    .filter_map(|xy| {
                        let (x, y) = xy.split_once(',')?;
                        Some((x.parse().ok()?, y.parse().ok()?))
                    })
                    .collect(),
            )
        })
        .collect();
    out.sort_by_key(|v: &Vec<(f64, f64)>| std::cmp::Reverse(v.len()));
    out
}

// ---------------------------------------------------------------------------------------------
// The seeded history
// ---------------------------------------------------------------------------------------------

/// The seeded times, whole minutes.
struct Seed {
    now: Timestamp,
    /// The CRITICAL verdict (dead connection) of `payments`.
    incident_start: Timestamp,
    /// The first page.
    paged: Timestamp,
    /// The resolution (back to OK).
    resolved: Timestamp,
}

impl Seed {
    fn new() -> Seed {
        let real = Timestamp::from_system_time(std::time::SystemTime::now()).unix_millis();
        let now = Timestamp::from_unix_millis(real - real % 60_000);
        let incident_start = now.minus(120 * MINUTE);
        Seed {
            now,
            incident_start,
            paged: incident_start.plus(2 * MINUTE),
            resolved: incident_start.plus(20 * MINUTE),
        }
    }

    fn stalled(&self, pipeline: &str, t: Timestamp) -> bool {
        pipeline == "payments" && t > self.incident_start && t < self.resolved
    }

    /// The seeded numbers of `pipeline` at `t`: (database SCN, output SCN, heartbeat, records,
    /// last commit, last checkpoint). While `payments` is stalled, everything but the database
    /// SCN stays where it was at the incident's start.
    fn values(&self, pipeline: &str, t: Timestamp) -> (u64, u64, u64, u64, Timestamp, Timestamp) {
        let k = |t: Timestamp| (t.unix_millis() / 60_000) as u64 % 1_000_000;
        let db = 50_000_000 + 100 * k(t);
        let at = if self.stalled(pipeline, t) {
            self.incident_start
        } else {
            t
        };
        let db_at = 50_000_000 + 100 * k(at);
        // A sawtooth lag: 50, 60, … 110, so the plot's shape is known point by point.
        let out = db_at - 50 - (k(at) % 7) * 10;
        (
            db,
            out,
            db_at - 5,
            100 * k(at),
            at.minus(Duration::from_secs(20)),
            at.minus(Duration::from_secs(30)),
        )
    }

    /// The SCN lag plotted at `t`.
    fn lag(&self, pipeline: &str, t: Timestamp) -> u64 {
        let (db, out, ..) = self.values(pipeline, t);
        db - out
    }
}

fn bundle(name: &str) -> Bundle {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/observations")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The fixture's verdict, as if of `pipeline` at `at`.
fn verdict(fixture: &str, pipeline: &str, at: Timestamp) -> Diagnosis {
    let b = bundle(fixture);
    let p = &b.pipelines[0];
    let mut d = diagnose(&p.observations, &p.thresholds, &p.options());
    d.pipeline = pipeline.to_owned();
    d.observed_at = at;
    d
}

/// An observation of `pipeline` at `t` with the seeded numbers (the healthy fixture's shape).
fn observation(template: &Value, seed: &Seed, pipeline: &str, t: Timestamp) -> Observation {
    let (db, out, hb, records, commit, checkpoint) = seed.values(pipeline, t);
    let mut v = template.clone();
    let mut set = |ptr: &str, x: Value| *v.pointer_mut(ptr).unwrap_or_else(|| panic!("{ptr}")) = x;
    set("/pipeline", json!(pipeline));
    set("/observed_at", json!(t.to_string()));
    set("/oracle/value/database/value/current_scn", json!(db));
    set("/output/value/last_scn/value", json!(out));
    set("/oracle/value/flush_table_scn/value", json!(hb));
    set("/flink/value/job/source/value/records", json!(records));
    set("/flink/value/job/sink/value/records", json!(records));
    set(
        "/output/value/newest_committed/modified_at",
        json!(commit.to_string()),
    );
    set(
        "/flink/value/job/checkpoints/value/last_completed/completed_at",
        json!(checkpoint.to_string()),
    );
    // Each minute's checkpoint took 0.2 s to 0.6 s (a new one every sample).
    v.pointer_mut("/flink/value/job/checkpoints/value/last_completed")
        .and_then(Value::as_object_mut)
        .unwrap()
        .insert(
            "duration_ms".into(),
            json!(200 + (t.unix_millis() / 60_000) % 5 * 100),
        );
    serde_json::from_value(v).unwrap()
}

const PIPELINES: [&str; 3] = ["orders", "payments", "billing"];

/// Seeds `state`: 6 hours of observations a minute apart for each pipeline (and 18 more hours,
/// 5 minutes apart, for `payments`), the verdicts, `payments`' incident (paged, restarted,
/// resolved) and `billing`'s silence.
async fn seed_history(state: &Path, seed: &Seed) -> History {
    let h = History::open(state).unwrap();
    let template =
        serde_json::to_value(bundle("healthy").pipelines[0].observations.last().unwrap()).unwrap();
    let mut obs = Vec::new();
    for p in PIPELINES {
        for m in 0..=360u32 {
            obs.push(observation(
                &template,
                seed,
                p,
                seed.now.minus(MINUTE * (360 - m)),
            ));
        }
    }
    for m in (365..=24 * 60u32).step_by(5) {
        obs.push(observation(
            &template,
            seed,
            "payments",
            seed.now.minus(MINUTE * m),
        ));
    }
    h.import_observations(obs).await.unwrap();

    let day = seed.now.minus(Duration::from_secs(20 * 3600));
    h.record_diagnosis(&verdict("healthy", "orders", day))
        .await
        .unwrap();
    h.record_diagnosis(&verdict("healthy", "payments", day))
        .await
        .unwrap();
    h.record_diagnosis(&verdict("dead_connection", "payments", seed.incident_start))
        .await
        .unwrap();
    h.record_diagnosis(&verdict("healthy", "payments", seed.resolved))
        .await
        .unwrap();
    h.record_diagnosis(&verdict("healthy", "billing", day))
        .await
        .unwrap();
    let billing_down = seed.now.minus(30 * MINUTE);
    h.record_diagnosis(&verdict("dead_connection", "billing", billing_down))
        .await
        .unwrap();
    h.add_silence(
        "billing",
        billing_down,
        Duration::from_secs(4 * 3600),
        "maintenance window",
    )
    .await
    .unwrap();

    let p = "payments";
    h.record_alert(
        p,
        seed.paged,
        "slack",
        Notice::Firing,
        Cause::DeadConnection,
        None,
    )
    .await
    .unwrap();
    h.record_alert(
        p,
        seed.paged,
        "email",
        Notice::Firing,
        Cause::DeadConnection,
        None,
    )
    .await
    .unwrap();
    let restart_scn = seed.values(p, seed.incident_start).1;
    let steps = [
        (
            5,
            "restart",
            json!({"gate": [], "restart_scn": restart_scn, "resume": "savepoint", "restart_id": "r1"}),
        ),
        (
            6,
            "restart.stop",
            json!({"ok": true, "detail": "stopped with a savepoint", "restart_id": "r1"}),
        ),
        (
            8,
            "restart.submit",
            json!({"ok": true, "detail": "resubmitted from the savepoint", "restart_id": "r1"}),
        ),
        (
            19,
            "restart.end",
            json!({"result": "recovered", "proof": "output resumed", "restart_id": "r1"}),
        ),
    ];
    for (m, action, detail) in steps {
        h.record_action(
            p,
            seed.incident_start.plus(MINUTE * m),
            action,
            &detail.to_string(),
        )
        .await
        .unwrap();
    }
    h.record_alert(
        p,
        seed.resolved,
        "slack",
        Notice::Resolved,
        Cause::Healthy,
        None,
    )
    .await
    .unwrap();
    // A savepoint the doctor took an hour ago; the page shows what `restorability` says of it.
    let sp = SavepointRecord {
        pipeline: p.into(),
        path: "file:///savepoints/payments/savepoint-1a2b3c".into(),
        job_id: "a1b2c3".into(),
        trigger_id: Some("t1".into()),
        triggered_at: seed.now.minus(61 * MINUTE),
        completed_at: seed.now.minus(60 * MINUTE),
        size_bytes: Some(4096),
        restart_scn: Some(restart_scn),
        scn_sources: vec!["the output's last SCN".into()],
        disposed_at: None,
    };
    h.record_savepoint(&sp, true).await.unwrap();
    h
}

/// The agent's router over the seeded history, served on a loopback socket; its base URL.
async fn serve(h: History, seed: &Seed, lang: Lang) -> String {
    let shared = Arc::new(Shared::new(PIPELINES.len()));
    let now = seed.now;
    shared.set_pages(Pages {
        history: Some(h),
        pipelines: PIPELINES
            .iter()
            .map(|p| PipelineInfo {
                name: p.to_string(),
                stall_window: Duration::from_secs(300),
            })
            .collect(),
        lang,
        retention: Duration::from_secs(24 * 3600),
        now: Arc::new(move || now),
        fleet: None,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(shared, None)).await });
    format!("http://{addr}")
}

/// The DOM Chromium built from `url`, off the runtime's threads.
async fn browser_dom(url: &str) -> String {
    let url = url.to_owned();
    in_browser(move || dom(&url)).await
}

/// A seeded history in a temporary directory (its `state`), served in `lang`: the directory,
/// the seeded times and the base URL.
async fn seeded(lang: Lang) -> (tempfile::TempDir, Seed, String) {
    let dir = tempfile::tempdir().unwrap();
    let seed = Seed::new();
    let h = seed_history(&dir.path().join("state"), &seed).await;
    let base = serve(h, &seed, lang).await;
    (dir, seed, base)
}

/// GET `path` from the agent's router over `shared`, without a socket: (status, body).
async fn oneshot_get(shared: Arc<Shared>, path: &str) -> (u16, String) {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let r = router(shared, None)
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body = r.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// Chromium off the runtime's threads (it blocks for a second or two).
async fn in_browser<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

/// The agent tests' config of the three pipelines, its state directory `dir/state`, the status
/// page at https://doctor.example/.
fn config_file(dir: &Path) -> PathBuf {
    let path = dir.join("doctor.toml");
    let agent = "status_url = \"https://doctor.example/\"";
    std::fs::write(&path, crate::agent::config_text(dir, &PIPELINES, agent)).unwrap();
    path
}

fn doctor(config: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_logminer-doctor"))
        .arg("--config")
        .arg(config)
        .args(["--lang", "en"])
        .args(args)
        .env("LMD_PASSWORD", crate::agent::PASSWORD)
        .output()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_shows_each_pipeline_coloured_by_its_verdict_in_a_real_browser() {
    let (_dir, _, base) = seeded(Lang::En).await;
    let url = format!("{base}/");
    let page = browser_dom(&url).await;

    // One row per pipeline, in config order, coloured by severity.
    let rows: Vec<usize> = PIPELINES
        .iter()
        .map(|p| {
            page.find(&format!("id=\"row-{p}\""))
                .unwrap_or_else(|| panic!("no row {p}"))
        })
        .collect();
    assert!(
        rows.windows(2).all(|w| w[0] < w[1]),
        "rows out of config order"
    );
    assert_eq!(class_of(&page, "row-orders"), "sev-ok");
    assert_eq!(
        class_of(&page, "row-payments"),
        "sev-ok",
        "payments recovered: OK now"
    );
    assert_eq!(class_of(&page, "row-billing"), "sev-critical silenced");
    let billing = element(&page, "row-billing");
    assert!(
        billing.contains("CRITICAL") && billing.contains("silenced until"),
        "{billing}"
    );
    assert!(billing.contains("maintenance window"), "{billing}");
    // The colours are the classes' CSS: red for CRITICAL, green for OK, in the page itself.
    assert!(page.contains("--critical:#c62828") && page.contains("--ok:#1a7f37"));
    assert!(page.contains("tr.sev-critical td:first-child{border-left:6px solid var(--critical)}"));
    // Since when: billing's CRITICAL began 30 minutes before `now`.
    assert!(billing.contains("30m 0s"), "{billing}");
    // Five small plots per row, each an inline SVG holding the last 6 hours' points.
    let orders = element(&page, "row-orders");
    assert_eq!(orders.matches("<svg").count(), 5, "{orders}");
    let lag = orders.split("plot-scn-lag").nth(1).unwrap();
    let points = polylines(lag.split("</svg>").next().unwrap());
    assert!(
        points[0].len() >= 55,
        "the sparkline holds {} points",
        points[0].len()
    );
    // Each row links its pipeline's page; no script, no external resource.
    assert!(page.contains("href=\"/p/payments\""));
    assert!(!page.contains("<script") && !page.contains("<link") && !page.contains("src=\"http"));
    assert!(!page.contains(crate::agent::PASSWORD));

    // The same content with JavaScript disabled: it is rendered by the server.
    let no_js = without_js(&url).await;
    assert_eq!(class_of(&no_js, "row-billing"), "sev-critical silenced");
    assert_eq!(element(&no_js, "row-orders").matches("<svg").count(), 5);

    in_browser(move || {
        screenshot(&url, "overview-desktop", "1280,800", &[]);
        screenshot(&url, "overview-phone", "390,844", &[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipeline_page_plots_the_seeded_history_and_switches_range() {
    let (dir, seed, base) = seeded(Lang::En).await;

    // The last hour: one point per seeded observation (61, a minute apart), in the order of the
    // seeded sawtooth: where the lag rises, the line goes up the screen (y falls).
    let url = format!("{base}/p/payments?range=1h");
    let page = browser_dom(&url).await;
    assert!(element(&page, "range").contains("data-range=\"1h\""));
    assert!(
        element(&page, "range").contains("61 samples"),
        "{}",
        element(&page, "range")
    );
    let lag = polylines(element(&page, "plot-scn-lag"));
    assert_eq!(lag[0].len(), 61, "SCN lag points: {:?}", lag[0]);
    let times: Vec<Timestamp> = (0..=60u32)
        .map(|m| seed.now.minus(MINUTE * (60 - m)))
        .collect();
    for (i, w) in lag[0].windows(2).enumerate() {
        let (a, b) = (
            seed.lag("payments", times[i]),
            seed.lag("payments", times[i + 1]),
        );
        let dy = w[1].1 - w[0].1;
        assert!(
            (b > a && dy < 0.0) || (b < a && dy > 0.0) || (b == a && dy.abs() < 0.01),
            "point {i}: lag {a} → {b} drawn as y {} → {}",
            w[0].1,
            w[1].1
        );
        assert!(w[1].0 > w[0].0, "x must advance");
    }
    // The output age plot has its stall-window line and the heartbeat its points.
    assert_eq!(polylines(element(&page, "plot-heartbeat"))[0].len(), 61);
    assert_eq!(polylines(element(&page, "plot-output-age"))[0].len(), 61);
    // One checkpoint per sample, each with its duration.
    assert_eq!(
        polylines(element(&page, "plot-checkpoint-duration"))[0].len(),
        61
    );
    // Record rates: one point per pair of samples.
    assert_eq!(polylines(element(&page, "plot-record-rates"))[0].len(), 60);

    // The range selector is links: 24h shows the incident two hours ago, flat SCN output.
    assert!(page.contains("href=\"/p/payments?range=24h\""));
    let url = format!("{base}/p/payments?range=24h");
    let day = browser_dom(&url).await;
    // Server-side: the page as sent holds the same plot.
    let sent = without_js(&url).await;
    assert_eq!(
        polylines(element(&sent, "plot-scn-lag"))[0].len(),
        polylines(element(&day, "plot-scn-lag"))[0].len()
    );
    assert!(element(&day, "range").contains("data-range=\"24h\""));
    assert!(
        day.contains("class=\"current\">24h<"),
        "the selector marks 24h"
    );
    let n = polylines(element(&day, "plot-scn-lag"))[0].len();
    assert!(
        (250..=301).contains(&n),
        "24h thinned to about 300 points, got {n}"
    );
    // The verdict timeline: the bands and the list, newest first, with the incident linked.
    let timeline = element(&day, "timeline");
    let crit = timeline
        .find("CRITICAL")
        .expect("the CRITICAL change is listed");
    assert!(
        timeline[..crit].contains("OK"),
        "newest (the resolution) first: {timeline}"
    );
    assert!(element(&day, "bands").contains("<rect"), "coloured bands");
    let id = logminer_doctor::agent::incidents::incident_id("payments", seed.incident_start);
    assert!(element(&day, "incidents").contains(&format!("href=\"/incidents/{id}\"")));
    // The savepoint, with the word `restorability` gives it on the newest observation.
    let sps = element(&day, "savepoints");
    assert!(
        sps.contains("file:///savepoints/payments/savepoint-1a2b3c"),
        "{sps}"
    );
    let newest =
        serde_json::to_value(bundle("healthy").pipelines[0].observations.last().unwrap()).unwrap();
    let newest: Observation = serde_json::from_value(newest).unwrap();
    let sp = logminer_doctor::store::History::open(&dir.path().join("state"))
        .unwrap()
        .savepoints(Some("payments"))
        .await
        .unwrap();
    let word = restorability(&sp[0], Some(&newest)).word();
    assert!(sps.contains(&format!("<td>{word}</td>")), "{word} in {sps}");
    // The evidence and what to do of the current verdict, in English.
    assert!(element(&day, "evidence").contains("<li>"));
    assert!(element(&day, "todo").contains("<li>"));

    // An unknown range is refused, an unknown pipeline is not found.
    let bad = reqwest_get(&format!("{base}/p/payments?range=2y")).await;
    assert_eq!(bad.0, 400, "{}", bad.1);
    assert!(bad.1.contains("unknown range"), "{}", bad.1);
    assert_eq!(reqwest_get(&format!("{base}/p/nope")).await.0, 404);

    in_browser(move || {
        let hour = format!("{base}/p/payments?range=1h");
        screenshot(&hour, "pipeline-1h-desktop", "1280,2200", &[]);
        screenshot(&url, "pipeline-24h-phone", "390,2400", &[]);
    })
    .await;
}

/// A plain GET (status, body).
async fn reqwest_get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_page_speaks_the_configured_language() {
    let (_dir, _, base) = seeded(Lang::Zh).await;
    let (status, page) = reqwest_get(&format!("{base}/p/billing")).await;
    assert_eq!(status, 200);
    assert!(page.contains("lang=\"zh-CN\"") && page.contains("证据") && page.contains("处理建议"));
    assert!(page.contains("静默至"), "the silence in Chinese");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_incident_report_has_the_timeline_in_order_mttd_mttr_and_the_scn_window() {
    let (dir, seed, base) = seeded(Lang::En).await;
    let config = config_file(dir.path());
    let id = logminer_doctor::agent::incidents::incident_id("payments", seed.incident_start);
    let (before, after) = (
        seed.values("payments", seed.incident_start).1,
        seed.values("payments", seed.resolved).1,
    );

    // `incidents`: payments' one incident; billing's CRITICAL is silenced, paged nobody, so it
    // is not an incident; orders never left OK.
    let out = doctor(&config, &["incidents", "--format", "json", "--since", "1d"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "{list:#}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(list[0]["id"], json!(id));
    assert_eq!(list[0]["causes"], json!(["dead_connection"]));
    assert_eq!(list[0]["pages_sent"], json!(2));
    assert_eq!(list[0]["duration_s"], json!(1200));
    assert_eq!(
        list[0]["actions"],
        json!(["restart", "restart.stop", "restart.submit", "restart.end"])
    );
    let text = doctor(&config, &["incidents", "-p", "payments"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&id) && text.contains("20m 0s") && text.contains("pages sent: 2"),
        "{text}"
    );

    // `report --format json`: MTTD and MTTR from the seeded times, the SCN window.
    let out = doctor(&config, &["report", &id, "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["time_to_detect_s"],
        json!(seed.paged.since(seed.incident_start).as_secs())
    );
    assert_eq!(r["time_to_detect_s"], json!(120));
    assert_eq!(r["time_to_recover_s"], json!(1200));
    assert_eq!(r["scn_window"]["last_before"], json!(before));
    assert_eq!(r["scn_window"]["first_after"], json!(after));
    assert_eq!(
        r["scn_window"]["first_after_at"],
        json!(seed.resolved.to_string())
    );
    let kinds: Vec<&str> = r["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "verdict",
            "alert",
            "alert",
            "restart",
            "restart.stop",
            "restart.submit",
            "restart.end",
            "verdict",
            "alert"
        ]
    );
    let times: Vec<&str> = r["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "in time order: {times:?}"
    );
    assert!(r["timeline"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with("CRITICAL"));
    assert!(
        !r["timeline"][0]["evidence"].as_array().unwrap().is_empty(),
        "the verdict's evidence"
    );
    assert!(r["timeline"][1]["text"].as_str().unwrap().contains("slack"));

    // Markdown with --out: the plots as SVG files beside it, linked.
    let md = dir.path().join("postmortem.md");
    let out = doctor(
        &config,
        &[
            "report",
            &id,
            "--format",
            "md",
            "--out",
            md.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("(postmortem-scn-lag.svg)"), "{text}");
    assert!(
        text.contains("2m 0s") && text.contains("20m 0s") && text.contains(&before.to_string())
    );
    let svg = std::fs::read_to_string(dir.path().join("postmortem-scn-lag.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("<polyline"),
        "{svg}"
    );

    // Markdown on stdout links the plots of the report the agent serves (status_url).
    let out = doctor(&config, &["report", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(&format!("# Incident {id}")), "{text}");
    assert!(
        text.contains(&format!(
            "(https://doctor.example/incidents/{id}#plot-scn-lag)"
        )),
        "{text}"
    );

    // md and html are report's formats; an unknown pipeline is named: both exit 3.
    let out = doctor(&config, &["incidents", "--format", "html"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format md and html are for `report`"));
    let out = doctor(&config, &["incidents", "-p", "nope"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no pipeline \"nope\""));

    // An unknown incident: exit 3 with a message.
    let out = doctor(&config, &["report", "payments-19700101T000000Z"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no incident \"payments-19700101T000000Z\""),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    // The HTML report in the browser, linked from the page, JavaScript disabled.
    let url = format!("{base}/incidents/{id}");
    let page = browser_dom(&url).await;
    without_js(&url).await;
    let summary = element(&page, "summary");
    assert!(
        summary.contains("2m 0s") && summary.contains("20m 0s"),
        "{summary}"
    );
    assert!(summary.contains(&before.to_string()) && summary.contains(&after.to_string()));
    let timeline = element(&page, "timeline");
    // Each event after the one before it, in the seeded order.
    let mut from = 0;
    for k in [
        "event-verdict\"><time>",
        "event-alert",
        "event-restart\"",
        "event-restart.stop",
        "event-restart.submit",
        "event-restart.end",
        "event-verdict\"><time>",
        "event-alert",
    ] {
        let at = timeline[from..]
            .find(k)
            .unwrap_or_else(|| panic!("{k} missing after byte {from} of {timeline}"));
        from += at + k.len();
    }
    // The window's plot: the incident and 15 minutes either side, a sample a minute.
    let lag = polylines(element(&page, "plot-scn-lag"));
    assert_eq!(lag[0].len(), 51, "{:?}", lag[0]);
    assert!(!page.contains(crate::agent::PASSWORD));
    in_browser(move || screenshot(&url, "incident-report", "1280,2400", &[])).await;
}

#[test]
fn an_episode_is_an_incident_only_when_it_paged_and_lasts_until_resolved() {
    use logminer_doctor::agent::incidents::find;
    use logminer_doctor::store::{SentAlert, TimelineEntry};
    let t = |m: u32| Timestamp::from_unix_millis(1_790_000_000_000).plus(MINUTE * m);
    let entry = |fixture: &str, m: u32| TimelineEntry {
        pipeline: "p".into(),
        diagnosis: verdict(fixture, "p", t(m)),
    };
    let alert = |m: u32, notice: &str| SentAlert {
        at: t(m),
        channel: "slack".into(),
        notice: notice.into(),
        cause: "dead_connection".into(),
        error: None,
    };
    let timeline = [
        entry("healthy", 0),
        // Not paged (held down or silenced): no incident.
        entry("dead_connection", 10),
        entry("healthy", 12),
        // Paged and resolved.
        entry("dead_connection", 20),
        entry("job_not_running", 25),
        entry("healthy", 40),
        // Paged and still going on.
        entry("dead_connection", 50),
    ];
    let alerts = [
        alert(23, "firing"),
        alert(40, "resolved"),
        alert(53, "firing"),
    ];
    let found = find("p", &timeline, &alerts, &[]);
    assert_eq!(found.len(), 2, "{found:#?}");
    let (a, b) = (&found[0], &found[1]);
    assert_eq!((a.start, a.end), (t(20), Some(t(40))));
    assert_eq!(a.causes(), [Cause::DeadConnection, Cause::JobNotRunning]);
    assert_eq!(a.time_to_detect(), Some(3 * MINUTE));
    assert_eq!(a.time_to_recover(), Some(20 * MINUTE));
    assert_eq!(a.pages_sent(), 1, "the resolution is not a page");
    assert_eq!((b.start, b.end), (t(50), None));
    assert_eq!(b.time_to_recover(), None);
    assert_eq!(b.time_to_detect(), Some(3 * MINUTE));
}

#[tokio::test(start_paused = true)]
async fn the_running_agent_serves_its_pipelines_on_the_status_page() {
    use crate::agent::{config, minutes, start, SimProbe};
    let dir = tempfile::tempdir().unwrap();
    let names = ["a", "b"];
    let config = config(dir.path(), &names, "");
    let probe = Arc::new(SimProbe::new(dir.path(), &names));
    probe
        .world("b")
        .set_connector(logminer_doctor::simulator::Connector::Closed);
    let running = start(config, probe, vec![]).await;
    minutes(10).await;
    let get = |path: &'static str| oneshot_get(running.shared.clone(), path);
    let (status, page) = get("/").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(class_of(&page, "row-a"), "sev-ok");
    assert_eq!(
        class_of(&page, "row-b"),
        "sev-critical",
        "the dead connection: {page}"
    );
    // The plots hold the agent's own observations: a probe every 15 s for 10 minutes, each in
    // its own slice of the last hour (12 s).
    let (status, a) = get("/p/a?range=1h").await;
    assert_eq!(status, 200);
    let n = polylines(element(&a, "plot-scn-lag"))[0].len();
    assert!((38..=41).contains(&n), "{n} points");
    let (status, b) = get("/p/b?range=1h").await;
    assert_eq!(status, 200);
    assert!(element(&b, "verdict").contains("CRITICAL"), "{b}");
    running.stop().await;
}

#[tokio::test]
async fn without_a_history_the_pages_say_so_with_503() {
    let shared = Arc::new(Shared::new(1));
    let ask = oneshot_get;
    // Before the agent started: not available.
    let (status, body) = ask(shared.clone(), "/").await;
    assert_eq!(status, 503);
    assert!(body.contains("the agent has not started"), "{body}");
    // The history could not be opened: the pages say why instead of an empty page.
    shared.set_pages(Pages {
        history: None,
        pipelines: vec![PipelineInfo {
            name: "a".into(),
            stall_window: Duration::from_secs(300),
        }],
        lang: Lang::En,
        retention: Duration::from_secs(3600),
        now: Arc::new(|| Timestamp::from_unix_millis(1_790_000_000_000)),
        fleet: None,
    });
    for path in ["/", "/p/a", "/incidents/a-20261130T000000Z"] {
        let (status, body) = ask(shared.clone(), path).await;
        assert_eq!(status, 503, "{path}: {body}");
        assert!(
            body.contains("the history database is not open"),
            "{path}: {body}"
        );
    }
}
