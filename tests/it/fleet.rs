//! The fleet (`[agent.fleet]`): several `watch` processes share the pipelines through a real
//! ZooKeeper on loopback. Each member is the built binary running `watch --simulate` (30
//! simulated pipelines, the fault of each named by a file the test writes), its own state
//! database and HTTP port, and a loopback webhook receiver counts every page. What each member
//! probed is read back from its state database (the observations it recorded, with their
//! times), so "one member at a time" is checked on what really happened.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use serde_json::Value;

use crate::support::flink::{free_ports, respawn_zookeeper, start_zookeeper, wait_tcp};
use crate::support::procs::{kill9, Procs};
use crate::support::{installed, Installed};

const PASSWORD: &str = "Fleet-Test-Secret-31";
const PIPELINES: usize = 30;
/// Each pipeline's probe interval.
const INTERVAL: Duration = Duration::from_secs(2);
/// The members' ZooKeeper session timeout (the test ZooKeeper allows 1 s to 6 s).
const SESSION: Duration = Duration::from_secs(3);

fn pipeline(i: usize) -> String {
    format!("p{i:02}")
}

/// One page: (pipeline, notice, cause, topic).
type Page = (String, String, String, String);

/// Every page the receiver got, in arrival order.
#[derive(Clone, Default)]
struct Pages(Arc<Mutex<Vec<Page>>>);

impl Pages {
    fn all(&self) -> Vec<Page> {
        self.0.lock().unwrap().clone()
    }

    /// The notices of `pipeline`'s pipeline-topic pages, in order.
    fn of(&self, pipeline: &str) -> Vec<String> {
        self.all()
            .into_iter()
            .filter(|p| p.0 == pipeline && p.3 == "pipeline")
            .map(|p| p.1)
            .collect()
    }
}

/// A webhook receiver on loopback: every POST body is a page.
async fn receiver() -> (String, Pages) {
    let pages = Pages::default();
    let kept = pages.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::Json<Value>| {
            let kept = kept.clone();
            async move {
                let s = |k: &str| {
                    body.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let topic = body
                    .get("topic")
                    .and_then(Value::as_str)
                    .unwrap_or("pipeline")
                    .to_string();
                kept.0
                    .lock()
                    .unwrap()
                    .push((s("pipeline"), s("notice"), s("cause"), topic));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, pages)
}

/// A pipeline's (owner, owner the hashing expects) as `fleet` lists them.
type Ownership = (Option<String>, Option<String>);

/// ZooKeeper, the receiver and the members.
struct Fleet {
    dir: PathBuf,
    procs: Procs,
    installed: Installed,
    zk: Child,
    zk_address: String,
    hook: String,
    pages: Pages,
    members: BTreeMap<String, Child>,
    ports: BTreeMap<String, u16>,
}

impl Fleet {
    async fn start(name: &str, members: &[&str]) -> Fleet {
        let installed = installed().unwrap_or_else(|e| panic!("{e}"));
        let prefix = format!("lmd-fleet-{name}-");
        crate::support::procs::remove_stale_dirs(&std::env::temp_dir(), &prefix);
        let dir = std::env::temp_dir().join(format!("{prefix}{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sim")).unwrap();
        let procs = Procs::new(dir.join("pids"));
        let (zk, zk_address) = start_zookeeper(&procs, &installed, &dir)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (hook, pages) = receiver().await;
        let mut f = Fleet {
            dir,
            procs,
            installed,
            zk,
            zk_address,
            hook,
            pages,
            members: BTreeMap::new(),
            ports: BTreeMap::new(),
        };
        for m in members {
            f.spawn(m);
        }
        f
    }

    fn config(&self, member: &str) -> PathBuf {
        self.dir.join(format!("{member}.toml"))
    }

    /// Starts member `member` (its config written on first use).
    fn spawn(&mut self, member: &str) {
        self.spawn_with(member, PIPELINES);
    }

    /// Starts member `member` with only the first `carried` pipelines in its config.
    fn spawn_with(&mut self, member: &str, carried: usize) {
        let path = self.config(member);
        if !path.exists() {
            let port = free_ports(1)[0];
            let mut text = format!(
                "[agent]\nlisten = \"127.0.0.1:{port}\"\nstate_dir = \"state-{member}\"\n\
                 webhook_url = \"{}\"\nalert_hold_down = 2\nalert_renotify = \"1h\"\n\
                 shutdown_grace = \"3s\"\n\
                 [agent.fleet]\nzookeeper = [\"{}\"]\nmember = \"{member}\"\nsession_timeout = \"{}s\"\n",
                self.hook,
                self.zk_address,
                SESSION.as_secs()
            );
            self.ports.insert(member.to_string(), port);
            for i in 0..carried {
                text.push_str(&format!(
                    "\n[[pipeline]]\nname = \"{}\"\ninterval = \"{}s\"\n\
                     [pipeline.oracle]\nconnect_string = \"db:1521/ORCLPDB1\"\nuser = \"LMD_MONITOR\"\n\
                     password_env = \"LMD_PASSWORD\"\nconnector_user = \"CDC\"\ncaptured_tables = [\"SHOP.ORDERS\"]\n\
                     [pipeline.flink]\njobmanagers = [\"http://127.0.0.1:9\"]\njob_name = \"cdc-{i}\"\n\
                     [pipeline.output]\ndir = \"out\"\nformat = \"json\"\njson_scn_pointer = \"/source/scn\"\n",
                    pipeline(i),
                    INTERVAL.as_secs()
                ));
            }
            std::fs::create_dir_all(self.dir.join("out")).unwrap();
            std::fs::write(&path, text).unwrap();
        }
        let mut c = Command::new(env!("CARGO_BIN_EXE_logminer-doctor"));
        c.arg("--config")
            .arg(&path)
            .args(["watch", "--simulate"])
            .arg(self.dir.join("sim"))
            .env("LMD_PASSWORD", PASSWORD)
            .env("LMD_LOG", "info")
            .env("LANG", "C");
        let child = self.procs.spawn(c, &self.dir.join(format!("{member}.log")));
        self.members.insert(member.to_string(), child);
    }

    fn kill(&mut self, member: &str) {
        let mut c = self.members.remove(member).expect("a running member");
        kill9(&mut c);
    }

    fn signal(&self, member: &str, sig: &str) {
        let pid = self.members[member].id().to_string();
        let ok = Command::new("kill").args([sig, &pid]).status().unwrap();
        assert!(ok.success(), "kill {sig} {pid}");
    }

    /// GET `path` on member `member`'s HTTP port: (status, body).
    async fn get(&self, member: &str, path: &str) -> (u16, String) {
        let url = format!("http://127.0.0.1:{}{path}", self.ports[member]);
        match reqwest::get(&url).await {
            Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
            Err(e) => (0, e.to_string()),
        }
    }

    /// Runs the binary with member `member`'s config.
    fn doctor(&self, member: &str, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_logminer-doctor"))
            .arg("--config")
            .arg(self.config(member))
            .args(["--lang", "en"])
            .args(args)
            .env("LMD_PASSWORD", PASSWORD)
            .output()
            .unwrap()
    }

    fn fault(&self, pipeline: &str, fault: &str) {
        std::fs::write(self.dir.join("sim").join(pipeline), fault).unwrap();
    }

    /// `fleet --format json` through member `via`'s config: pipeline → (owner (none: unowned),
    /// the owner the hashing expects), and the members listed.
    fn owners(&self, via: &str) -> (BTreeMap<String, Ownership>, Vec<String>, i32) {
        let o = Command::new(env!("CARGO_BIN_EXE_logminer-doctor"))
            .arg("--config")
            .arg(self.config(via))
            .args(["--format", "json", "fleet"])
            .env("LMD_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        let code = o.status.code().unwrap_or(-1);
        let v: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
        let owners = v["pipelines"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| {
                        (
                            p["pipeline"].as_str().unwrap_or_default().to_string(),
                            (
                                p["owner"].as_str().map(str::to_string),
                                p["expected"].as_str().map(str::to_string),
                            ),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let members = v["members"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m["member"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        (owners, members, code)
    }

    /// Waits until `members` are the live members and every pipeline is owned by the member
    /// the hashing assigns it to (no handover in progress); returns the ownership.
    async fn settled(&self, members: &[&str], within: Duration) -> BTreeMap<String, String> {
        let want: Vec<String> = members.iter().map(|m| m.to_string()).collect();
        let deadline = Instant::now() + within;
        loop {
            let via = self.members.keys().next().expect("a member");
            let (owners, live, code) = self.owners(via);
            let all_owned = owners.len() == PIPELINES
                && owners
                    .values()
                    .all(|(o, e)| o.as_ref().is_some_and(|o| want.contains(o)) && o == e);
            if live == want && all_owned && code == 0 {
                return owners
                    .into_iter()
                    .map(|(p, (o, _))| (p, o.unwrap_or_default()))
                    .collect();
            }
            if Instant::now() > deadline {
                self.dump_logs();
                panic!("the fleet did not settle on {want:?} within {within:?}: members {live:?}, owners {owners:?}, exit {code}");
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Waits until the receiver holds `n` pages of `pipeline` (pipeline topic).
    async fn pages_of(&self, pipeline: &str, n: usize, within: Duration) -> Vec<String> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.pages.of(pipeline);
            if got.len() >= n {
                return got;
            }
            if Instant::now() > deadline {
                self.dump_logs();
                panic!(
                    "{pipeline}: {n} pages expected within {within:?}, got {got:?}; all: {:?}",
                    self.pages.all()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Every observation member `member` recorded: (pipeline, time in ms).
    fn observations(&self, member: &str) -> Vec<(String, i64)> {
        let file = self
            .dir
            .join(format!("state-{member}"))
            .join(logminer_doctor::store::FILE_NAME);
        let Ok(c) = rusqlite::Connection::open(&file) else {
            return Vec::new();
        };
        let Ok(mut st) = c.prepare("SELECT pipeline, at FROM observations ORDER BY at") else {
            return Vec::new();
        };
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// Every member's observations of each pipeline, as spans of one member's consecutive
    /// probes (a gap longer than an interval and a half ends a span: a member that owns a
    /// pipeline probes it every interval).
    fn spans(&self, members: &[&str]) -> BTreeMap<String, Vec<(String, i64, i64)>> {
        let mut out: BTreeMap<String, Vec<(String, i64, i64)>> = BTreeMap::new();
        let gap = 3 * INTERVAL.as_millis() as i64 / 2 + 500;
        for m in members {
            let mut by_pipeline: BTreeMap<String, Vec<i64>> = BTreeMap::new();
            for (p, at) in self.observations(m) {
                by_pipeline.entry(p).or_default().push(at);
            }
            for (p, ats) in by_pipeline {
                let spans = out.entry(p).or_default();
                let mut start = ats[0];
                let mut last = ats[0];
                for &at in &ats[1..] {
                    if at - last > gap {
                        spans.push((m.to_string(), start, last));
                        start = at;
                    }
                    last = at;
                }
                spans.push((m.to_string(), start, last));
            }
        }
        out
    }

    fn dump_logs(&self) {
        for m in self.members.keys() {
            let log = self.dir.join(format!("{m}.log"));
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            eprintln!("----- {} (last 30 lines) -----", log.display());
            for l in &lines[lines.len().saturating_sub(30)..] {
                eprintln!("{l}");
            }
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for (_, mut c) in std::mem::take(&mut self.members) {
            kill9(&mut c);
        }
        kill9(&mut self.zk);
    }
}

/// No two members' spans of probing one pipeline overlap in time.
fn assert_one_at_a_time(spans: &BTreeMap<String, Vec<(String, i64, i64)>>) {
    for (p, s) in spans {
        for (i, a) in s.iter().enumerate() {
            for b in &s[i + 1..] {
                if a.0 != b.0 {
                    assert!(
                        a.2 < b.1 || b.2 < a.1,
                        "{p} was probed by {} ({}..{}) and {} ({}..{}) at the same time",
                        a.0,
                        a.1,
                        a.2,
                        b.0,
                        b.1,
                        b.2
                    );
                }
            }
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The first observation of `pipeline` by any of `members` at or after `after` (ms).
fn first_probe_after(f: &Fleet, members: &[&str], pipeline: &str, after: i64) -> Option<i64> {
    members
        .iter()
        .flat_map(|m| f.observations(m))
        .filter(|(p, at)| p == pipeline && *at >= after)
        .map(|(_, at)| at)
        .min()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_share_the_pipelines_one_at_a_time_and_take_over_a_killed_members_share() {
    let mut f = Fleet::start("share", &["m1", "m2", "m3"]).await;
    let owners = f
        .settled(&["m1", "m2", "m3"], Duration::from_secs(60))
        .await;
    let mut shares: HashMap<&str, usize> = HashMap::new();
    for o in owners.values() {
        *shares.entry(o.as_str()).or_default() += 1;
    }
    assert_eq!(shares.len(), 3, "every member owns some: {shares:?}");
    tokio::time::sleep(INTERVAL * 3).await;

    // An incident opened under m1's ownership...
    let target = owners
        .iter()
        .find(|(_, o)| *o == "m1")
        .map(|(p, _)| p.clone())
        .unwrap();
    f.fault(&target, "job_not_running");
    let got = f.pages_of(&target, 1, Duration::from_secs(30)).await;
    assert_eq!(got, ["firing"], "one page");

    // ...m1 SIGKILLed: its pipelines probed again by the others within the session timeout
    // plus one interval (and a round of the fleet's tick).
    let m1_pipelines: Vec<String> = owners
        .iter()
        .filter(|(_, o)| *o == "m1")
        .map(|(p, _)| p.clone())
        .collect();
    let killed = now_ms();
    f.kill("m1");
    let after = f.settled(&["m2", "m3"], Duration::from_secs(30)).await;
    for (p, o) in &owners {
        if o != "m1" {
            assert_eq!(&after[p], o, "{p} moved though its owner lives");
        }
    }
    tokio::time::sleep(INTERVAL * 2).await;
    let mut takeover = Vec::new();
    for p in &m1_pipelines {
        let first = first_probe_after(&f, &["m2", "m3"], p, killed)
            .unwrap_or_else(|| panic!("{p} never probed again after m1 was killed"));
        takeover.push(first - killed);
    }
    let worst = *takeover.iter().max().unwrap();
    eprintln!(
        "takeover after SIGKILL: {} pipelines, first probe by the new owner {}..{} ms after the kill (session {} s, interval {} s)",
        takeover.len(),
        takeover.iter().min().unwrap(),
        worst,
        SESSION.as_secs(),
        INTERVAL.as_secs()
    );
    let bound = (SESSION + INTERVAL + Duration::from_secs(2)).as_millis() as i64;
    assert!(
        worst <= bound,
        "takeover took {worst} ms (bound {bound} ms)"
    );

    // ...and resolved under its new owner: exactly one page and one resolution.
    f.fault(&target, "healthy");
    let got = f.pages_of(&target, 2, Duration::from_secs(30)).await;
    assert_eq!(got, ["firing", "resolved"]);

    // A member added: only its share moves, and only to it.
    let before = f.settled(&["m2", "m3"], Duration::from_secs(5)).await;
    f.spawn("m4");
    let after = f
        .settled(&["m2", "m3", "m4"], Duration::from_secs(30))
        .await;
    let moved: Vec<&String> = before.keys().filter(|p| before[*p] != after[*p]).collect();
    assert!(!moved.is_empty(), "the new member took nothing");
    for p in &moved {
        assert_eq!(
            after[*p], "m4",
            "{p} moved from {} to {}",
            before[*p], after[*p]
        );
    }
    assert!(
        moved.len() < PIPELINES / 2,
        "{} of {PIPELINES} moved",
        moved.len()
    );

    // A silence set through one member holds on the owner, whichever it is.
    let quiet = after
        .iter()
        .find(|(p, o)| *o != "m2" && **p != target)
        .map(|(p, _)| p.clone())
        .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_logminer-doctor"))
        .arg("--config")
        .arg(f.config("m2"))
        .args([
            "silence",
            "-p",
            &quiet,
            "--for",
            "10m",
            "--reason",
            "maintenance",
        ])
        .env("LMD_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listed = Command::new(env!("CARGO_BIN_EXE_logminer-doctor"))
        .arg("--config")
        .arg(f.config("m3"))
        .args(["silence", "--list"])
        .env("LMD_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains(&format!("{quiet} silenced until")),
        "{}",
        String::from_utf8_lossy(&listed.stdout)
    );
    f.fault(&quiet, "job_not_running");
    tokio::time::sleep(INTERVAL * 6).await;
    assert!(
        f.pages.of(&quiet).is_empty(),
        "silenced, yet paged: {:?}",
        f.pages.of(&quiet)
    );
    f.fault(&quiet, "healthy");

    // What each member says: its metrics, readiness, status page and history name the fleet,
    // the owner of each pipeline and the member that observed what.
    let (code, metrics) = f.get("m2", "/metrics").await;
    assert_eq!(code, 200);
    assert!(
        metrics.contains("logminer_doctor_fleet_members 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("logminer_doctor_fleet_member_up 1"),
        "{metrics}"
    );
    let owned_by_m2: Vec<&String> = after
        .iter()
        .filter(|(_, o)| *o == "m2")
        .map(|(p, _)| p)
        .collect();
    for p in after.keys() {
        let line = format!(
            "logminer_doctor_fleet_owned{{pipeline=\"{p}\"}} {}",
            u8::from(owned_by_m2.contains(&p))
        );
        assert!(metrics.contains(&line), "{line} not in\n{metrics}");
    }
    assert_eq!(f.get("m2", "/readyz").await, (200, "ready\n".to_string()));
    let (_, overview) = f.get("m2", "/").await;
    assert!(overview.contains("Fleet member m2 of 3 live"), "{overview}");
    let other = after
        .iter()
        .find(|(_, o)| *o == "m3")
        .map(|(p, _)| p.clone())
        .unwrap();
    let row = overview
        .split(&format!("id=\"row-{other}\""))
        .nth(1)
        .unwrap_or_default();
    assert!(
        row.split("</tr>")
            .next()
            .unwrap_or_default()
            .contains("owned by fleet member m3"),
        "{row}"
    );
    let mine = owned_by_m2[0].clone();
    let (_, page) = f.get("m2", &format!("/p/{mine}")).await;
    assert!(page.contains("observed by fleet member m2"), "{page}");
    let history = f.doctor("m2", &["history", "-p", &mine, "--since", "1h"]);
    let text = String::from_utf8_lossy(&history.stdout);
    assert!(text.contains("(observed by fleet member m2)"), "{text}");

    // Over the whole run: no pipeline was probed by two members at once.
    let spans = f.spans(&["m1", "m2", "m3", "m4"]);
    assert_eq!(spans.len(), PIPELINES, "every pipeline was probed");
    assert_one_at_a_time(&spans);
    // No page but the two expected (no unowned-pipeline alert: takeover beat two intervals).
    assert_eq!(f.pages.all().len(), 2, "{:?}", f.pages.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_member_stops_alerting_and_a_zookeeper_restart_pages_nobody_twice() {
    let mut f = Fleet::start("freeze", &["m1", "m2", "m3"]).await;
    let owners = f
        .settled(&["m1", "m2", "m3"], Duration::from_secs(60))
        .await;
    let frozen_pipeline = owners
        .iter()
        .find(|(_, o)| *o == "m1")
        .map(|(p, _)| p.clone())
        .unwrap();
    f.fault(&frozen_pipeline, "job_not_running");
    assert_eq!(
        f.pages_of(&frozen_pipeline, 1, Duration::from_secs(30))
            .await,
        ["firing"]
    );

    // m1 frozen past its session: the others take its pipelines; the incident is resolved by
    // the new owner while m1 sleeps.
    f.signal("m1", "-STOP");
    let stopped = now_ms();
    f.settled(&["m2", "m3"], Duration::from_secs(30)).await;
    f.fault(&frozen_pipeline, "healthy");
    assert_eq!(
        f.pages_of(&frozen_pipeline, 2, Duration::from_secs(30))
            .await,
        ["firing", "resolved"]
    );
    // m1 wakes holding a stale picture (an open incident, its pipelines): it must neither
    // page nor probe on it; it rejoins and takes its share back with a new session.
    f.signal("m1", "-CONT");
    let resumed = now_ms();
    f.settled(&["m1", "m2", "m3"], Duration::from_secs(30))
        .await;
    tokio::time::sleep(INTERVAL * 3).await;
    assert_eq!(f.pages.of(&frozen_pipeline), ["firing", "resolved"]);
    let log = std::fs::read_to_string(f.dir.join("m1.log")).unwrap();
    let joins = log.matches("Joined the fleet.").count();
    assert_eq!(joins, 2, "m1 rejoined once with a new session:\n{log}");
    // Nothing m1 probed is stamped while it was stopped.
    let during: Vec<(String, i64)> = f
        .observations("m1")
        .into_iter()
        .filter(|(_, at)| *at > stopped + 500 && *at < resumed)
        .collect();
    assert!(during.is_empty(), "{during:?}");

    // ZooKeeper restarted under an open incident: members rejoin, nobody pages twice.
    let owners = f
        .settled(&["m1", "m2", "m3"], Duration::from_secs(10))
        .await;
    let open = owners.keys().nth(3).unwrap().clone();
    f.fault(&open, "job_not_running");
    assert_eq!(
        f.pages_of(&open, 1, Duration::from_secs(30)).await,
        ["firing"]
    );
    kill9(&mut f.zk);
    // Without ZooKeeper a member cannot prove it owns anything: once its lease ends it stops
    // and says so.
    tokio::time::sleep(SESSION).await;
    let (code, body) = f.get("m2", "/readyz").await;
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("not in the fleet"), "{body}");
    let (_, metrics) = f.get("m2", "/metrics").await;
    assert!(
        metrics.contains("logminer_doctor_fleet_member_up 0"),
        "{metrics}"
    );
    f.zk = respawn_zookeeper(&f.procs, &f.installed, &f.dir);
    wait_tcp(&f.zk_address, Duration::from_secs(30))
        .await
        .unwrap();
    f.settled(&["m1", "m2", "m3"], Duration::from_secs(60))
        .await;
    tokio::time::sleep(INTERVAL * 4).await;
    assert_eq!(
        f.pages.of(&open),
        ["firing"],
        "no second page after the restart"
    );
    f.fault(&open, "healthy");
    assert_eq!(
        f.pages_of(&open, 2, Duration::from_secs(30)).await,
        ["firing", "resolved"]
    );
    assert_one_at_a_time(&f.spans(&["m1", "m2", "m3"]));
    let unexpected: Vec<_> = f
        .pages
        .all()
        .into_iter()
        .filter(|p| p.0 != frozen_pipeline && p.0 != open)
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
}

/// Members killed and restarted in turn while incidents open and close on several pipelines:
/// every incident paged exactly once and resolved exactly once. `LMD_FLEET_CHURN_ROUNDS` and
/// `LMD_FLEET_CHURN_PERIOD_S` lengthen the run for the measurement in the notes (a member
/// killed every minute).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_member_every_period_loses_and_repeats_no_page() {
    let rounds: usize = std::env::var("LMD_FLEET_CHURN_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let period = Duration::from_secs(
        std::env::var("LMD_FLEET_CHURN_PERIOD_S")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20),
    );
    let names = ["m1", "m2", "m3"];
    let mut f = Fleet::start("churn", &names).await;
    f.settled(&names, Duration::from_secs(60)).await;
    let mut incidents: BTreeMap<String, usize> = BTreeMap::new();
    let mut takeovers = Vec::new();
    for round in 0..rounds {
        let victim = names[round % names.len()];
        let owners = f.settled(&names, Duration::from_secs(60)).await;
        // Open an incident on one of the victim's pipelines and one elsewhere; close the ones
        // opened in the previous round.
        for (p, _) in incidents.iter().filter(|(_, r)| **r + 1 == round) {
            f.fault(p, "healthy");
        }
        let mine = owners
            .iter()
            .find(|(p, o)| *o == victim && !incidents.contains_key(*p));
        let other = owners
            .iter()
            .find(|(p, o)| *o != victim && !incidents.contains_key(*p));
        for (p, _) in mine.into_iter().chain(other) {
            f.fault(p, "job_not_running");
            incidents.insert(p.clone(), round);
        }
        tokio::time::sleep(period / 2).await;
        let killed = now_ms();
        let victims: Vec<String> = owners
            .iter()
            .filter(|(_, o)| *o == victim)
            .map(|(p, _)| p.clone())
            .collect();
        f.kill(victim);
        let alive: Vec<&str> = names.iter().copied().filter(|n| *n != victim).collect();
        f.settled(&alive, Duration::from_secs(30)).await;
        tokio::time::sleep(period / 2).await;
        for p in &victims {
            if let Some(first) = first_probe_after(&f, &alive, p, killed) {
                takeovers.push(first - killed);
            }
        }
        f.spawn(victim);
    }
    for p in incidents.keys() {
        f.fault(p, "healthy");
    }
    f.settled(&names, Duration::from_secs(60)).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = incidents.keys().all(|p| f.pages.of(p).len() >= 2);
        if done || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(INTERVAL * 3).await;
    let mut duplicates = 0;
    let mut missed = 0;
    for p in incidents.keys() {
        let got = f.pages.of(p);
        let firing = got.iter().filter(|n| *n == "firing").count();
        let resolved = got.iter().filter(|n| *n == "resolved").count();
        duplicates += firing.saturating_sub(1) + resolved.saturating_sub(1);
        missed += (1 - firing.min(1)) + (1 - resolved.min(1));
    }
    takeovers.sort();
    eprintln!(
        "churn: {rounds} members killed, {} incidents, duplicate pages {duplicates}, missed pages {missed}; takeover after SIGKILL (ms): min {:?}, median {:?}, max {:?}",
        incidents.len(),
        takeovers.first(),
        takeovers.get(takeovers.len() / 2),
        takeovers.last()
    );
    let others: BTreeSet<String> = f
        .pages
        .all()
        .into_iter()
        .map(|p| p.0)
        .filter(|p| !incidents.contains_key(p))
        .collect();
    assert_eq!((duplicates, missed), (0, 0), "pages: {:?}", f.pages.all());
    assert!(
        others.is_empty(),
        "pages for pipelines without incident: {others:?}"
    );
    assert_one_at_a_time(&f.spans(&names));
}

/// A member whose config lacks pipelines the hashing gives it: they have no owner, and after
/// two intervals one page per pipeline says so (whichever member sees it first sends it; the
/// fleet's versioned node keeps it to one). The member stopped with SIGTERM leaves at once (its
/// owner nodes deleted, not left to expire): the other takes every pipeline and resolves each
/// page once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipeline_no_member_owns_is_paged_once_and_resolved_once() {
    let mut f = Fleet::start("unowned", &["m1"]).await;
    f.settled(&["m1"], Duration::from_secs(60)).await;
    f.spawn_with("m2", PIPELINES / 2);
    // m2 takes the pipelines it carries; those it does not are nobody's.
    let deadline = Instant::now() + Duration::from_secs(30);
    let orphans: Vec<String> = loop {
        let (owners, live, code) = f.owners("m1");
        let carried = |p: &str| p[1..].parse::<usize>().unwrap() < PIPELINES / 2;
        // Settled: every pipeline m2 carries (and every one m1 should own) has its owner, and
        // exactly those of m2's share it does not carry have none.
        let settled = owners.iter().all(|(p, (o, e))| {
            if e.as_deref() == Some("m2") && !carried(p) {
                o.is_none()
            } else {
                o == e
            }
        });
        let orphans: Vec<String> = owners
            .iter()
            .filter(|(_, (o, _))| o.is_none())
            .map(|(p, _)| p.clone())
            .collect();
        if live == ["m1", "m2"] && settled && !orphans.is_empty() && code == 2 {
            break orphans;
        }
        assert!(
            Instant::now() < deadline,
            "not settled: {owners:?} {live:?} exit {code}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let fleet_pages = |f: &Fleet| -> Vec<Page> {
        f.pages
            .all()
            .into_iter()
            .filter(|p| p.3 == "fleet")
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while fleet_pages(&f).len() < orphans.len() {
        assert!(Instant::now() < deadline, "{:?}", f.pages.all());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(INTERVAL * 3).await;
    let firing: BTreeSet<String> = fleet_pages(&f).into_iter().map(|p| p.0).collect();
    assert_eq!(
        fleet_pages(&f).len(),
        orphans.len(),
        "one page each: {:?}",
        fleet_pages(&f)
    );
    assert_eq!(firing, orphans.iter().cloned().collect::<BTreeSet<_>>());

    f.signal("m2", "-TERM");
    let left = Instant::now();
    f.settled(&["m1"], Duration::from_secs(30)).await;
    eprintln!(
        "after SIGTERM, m1 owned every pipeline within {} ms (session {} s)",
        left.elapsed().as_millis(),
        SESSION.as_secs()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while fleet_pages(&f).len() < 2 * orphans.len() {
        assert!(Instant::now() < deadline, "{:?}", f.pages.all());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(INTERVAL * 2).await;
    for p in &orphans {
        let notices: Vec<String> = fleet_pages(&f)
            .into_iter()
            .filter(|x| &x.0 == p)
            .map(|x| x.1)
            .collect();
        assert_eq!(notices, ["firing", "resolved"], "{p}");
    }
    let log = std::fs::read_to_string(f.dir.join("m2.log")).unwrap();
    assert!(log.contains("Agent stopped."), "{log}");
}

/// A directory path with `TempDir`'s `path()`, kept after the test (removed as stale by the next
/// run).
struct DirPath(PathBuf);

impl DirPath {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

/// Savepoints for the in-process test below: the first run takes one (recorded as
/// `periodic` records it), the next ones fail until `succeed` is set.
struct ScriptedSavepoints {
    runs: std::sync::atomic::AtomicUsize,
    succeed: std::sync::atomic::AtomicBool,
}

impl logminer_doctor::agent::remediate::Remediator for ScriptedSavepoints {
    fn restart<'a>(
        &'a self,
        _: &'a logminer_doctor::config::PipelineConfig,
        _: Vec<logminer_doctor::observation::Observation>,
        _: Option<logminer_doctor::store::History>,
    ) -> logminer_doctor::agent::remediate::BoxFuture<
        'a,
        logminer_doctor::remediation::restart::GatedRestart,
    > {
        unreachable!("no restart in this test")
    }

    fn savepoint<'a>(
        &'a self,
        pipeline: &'a logminer_doctor::config::PipelineConfig,
        job_id: String,
        _: logminer_doctor::observation::Observation,
        history: logminer_doctor::store::History,
    ) -> logminer_doctor::agent::remediate::BoxFuture<
        'a,
        logminer_doctor::remediation::savepoints::PeriodicRun,
    > {
        use logminer_doctor::remediation::savepoints::{Failure, PeriodicRun};
        use std::sync::atomic::Ordering;
        Box::pin(async move {
            let n = self.runs.fetch_add(1, Ordering::SeqCst);
            let now = logminer_doctor::observation::Timestamp::from_system_time(
                std::time::SystemTime::now(),
            );
            if n == 0 || self.succeed.load(Ordering::SeqCst) {
                let sp = logminer_doctor::store::SavepointRecord {
                    pipeline: pipeline.name.clone(),
                    path: format!("file:///savepoints/savepoint-{n}"),
                    job_id,
                    trigger_id: Some(format!("trigger-{n}")),
                    triggered_at: now,
                    completed_at: now,
                    size_bytes: None,
                    restart_scn: Some(48_000_000),
                    scn_sources: vec!["last SCN in the output 48000000".into()],
                    disposed_at: None,
                };
                history.record_savepoint(&sp, true).await.unwrap();
                PeriodicRun {
                    taken: Some(sp),
                    ..PeriodicRun::default()
                }
            } else {
                let failure = |cause: &str| Failure {
                    at: now,
                    cause: cause.into(),
                };
                PeriodicRun {
                    failures: vec![failure("IO-problem"), failure("IO-problem again")],
                    ..PeriodicRun::default()
                }
            }
        })
    }
}

/// The savepoints one owner recorded and the state of its savepoint alerts move with the
/// pipeline: the member that takes it over knows the savepoints (it neither doubts them nor
/// takes one at once), does not fire the failure alert again, and resolves it once when a
/// savepoint succeeds. Two members in this process on a real ZooKeeper.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn savepoint_records_and_alerts_move_with_the_pipeline() {
    use logminer_doctor::agent::alerts::dedup::Notice;
    use logminer_doctor::agent::fleet::{self, Fleet as Member};
    use logminer_doctor::agent::metrics::Metrics;
    use logminer_doctor::agent::savepoints::{Ctx, Schedule};
    use logminer_doctor::config::FleetConfig;
    use logminer_doctor::observation::Observation;
    use logminer_doctor::simulator::World;
    use logminer_doctor::store::History;

    let installed = installed().unwrap_or_else(|e| panic!("{e}"));
    // Not a TempDir: after a failure the reaper still finds the pid file and kills ZooKeeper.
    let prefix = "lmd-fleet-savepoints-";
    crate::support::procs::remove_stale_dirs(&std::env::temp_dir(), prefix);
    let dir = std::env::temp_dir().join(format!("{prefix}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dir = DirPath(dir);
    let procs = Procs::new(dir.path().join("pids"));
    let (mut zk, zk_address) = start_zookeeper(&procs, &installed, dir.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let config = crate::agent::config(dir.path(), &["p00"], "");
    let mut p = config.pipelines[0].clone();
    p.savepoints.interval = Some(Duration::from_secs(1));
    let member = |name: &str| {
        Arc::new(Member::new(
            FleetConfig {
                zookeeper: vec![zk_address.clone()],
                root: "/test/fleet".into(),
                member: name.into(),
                session_timeout: SESSION,
            },
            vec![(p.name.clone(), INTERVAL)],
            "127.0.0.1:0".into(),
        ))
    };
    // Which of the two owns the pipeline follows from the hashing alone: start that one
    // first, the other second.
    let names = vec!["a".to_string(), "b".to_string()];
    let owner_name = fleet::owner(&names, &p.name).unwrap().to_string();
    let other_name = names.iter().find(|n| **n != owner_name).unwrap().clone();
    let (first, second) = (member(&owner_name), member(&other_name));
    let (stop_first, rx_first) = tokio::sync::watch::channel(false);
    let (_stop_second, rx_second) = tokio::sync::watch::channel(false);
    let run_first = tokio::spawn(fleet::run(first.clone(), rx_first, |_| async {}));
    tokio::spawn(fleet::run(second.clone(), rx_second, |_| async {}));
    let deadline = Instant::now() + Duration::from_secs(20);
    while first.owns(&p.name).is_none() || second.size() < 2 {
        assert!(
            Instant::now() < deadline,
            "{owner_name} does not own the pipeline"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let world_dir = dir.path().join("world");
    std::fs::create_dir_all(&world_dir).unwrap();
    let now =
        || logminer_doctor::observation::Timestamp::from_system_time(std::time::SystemTime::now());
    let mut world = World::new(&world_dir, now().minus(Duration::from_secs(60)));
    world.run(Duration::from_secs(60));
    let latest = Observation {
        pipeline: p.name.clone(),
        observed_at: world.now,
        oracle: world.oracle_snapshot(),
        flink: world.flink_snapshot(),
        zookeeper: world.zookeeper_snapshot(),
        output: logminer_doctor::observation::Signal::missing("not needed"),
        observed_by: None,
    };
    let scripted = Arc::new(ScriptedSavepoints {
        runs: Default::default(),
        succeed: Default::default(),
    });
    let remediator: Arc<dyn logminer_doctor::agent::remediate::Remediator> = scripted.clone();
    let metrics = Metrics::new();
    /// What every step shares: the pipeline, its newest observation, the savepoints, the
    /// metrics.
    struct Stepper<'a> {
        p: &'a logminer_doctor::config::PipelineConfig,
        latest: &'a Observation,
        remediator: &'a Arc<dyn logminer_doctor::agent::remediate::Remediator>,
        metrics: &'a Metrics,
    }
    impl Stepper<'_> {
        /// Steps `schedule` as the owner `m` would after each probe, `n` probes a second
        /// apart; returns the savepoint alerts as (condition, notice).
        async fn steps(
            &self,
            schedule: &mut Schedule,
            m: &Member,
            history: &History,
            n: usize,
        ) -> Vec<(String, Notice)> {
            let mut out = Vec::new();
            for _ in 0..n {
                let ctx = Ctx {
                    pipeline: self.p,
                    latest: self.latest,
                    cause: logminer_doctor::diagnose::Cause::Healthy,
                    now: logminer_doctor::observation::Timestamp::from_system_time(
                        std::time::SystemTime::now(),
                    ),
                    remediator: Some(self.remediator),
                    history: Some(history),
                    metrics: self.metrics,
                    renotify: Duration::from_secs(3600),
                    fleet: Some(m),
                };
                for msg in schedule.step(&ctx).await {
                    out.push((msg.condition.unwrap_or_default().to_string(), msg.notice));
                }
                tokio::time::sleep(Duration::from_millis(1100)).await;
            }
            out
        }
    }
    let stepper = Stepper {
        p: &p,
        latest: &latest,
        remediator: &remediator,
        metrics: &metrics,
    };
    let history_first = History::open(&dir.path().join("state-first")).unwrap();
    let history_second = History::open(&dir.path().join("state-second")).unwrap();
    let mut on_first = Schedule::new(now());
    let fired = stepper
        .steps(&mut on_first, &first, &history_first, 6)
        .await;
    let failing: Vec<&(String, Notice)> = fired.iter().filter(|m| m.0 == "failing").collect();
    assert_eq!(failing.len(), 1, "{fired:?}");
    assert_eq!(failing[0].1, Notice::Firing);

    // The first owner leaves; the second takes the pipeline with its savepoints and alerts.
    stop_first.send(true).unwrap();
    run_first.await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while second.owns(&p.name).is_none() {
        assert!(
            Instant::now() < deadline,
            "the second member did not take over"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(history_second
        .savepoints(Some(&p.name))
        .await
        .unwrap()
        .is_empty());
    let mut on_second = Schedule::new(now());
    let before = stepper
        .steps(&mut on_second, &second, &history_second, 1)
        .await;
    let known = history_second.savepoints(Some(&p.name)).await.unwrap();
    assert_eq!(known.len(), 1, "the first owner's savepoint: {known:?}");
    assert_eq!(known[0].restart_scn, Some(48_000_000));
    assert!(
        !before.iter().any(|m| m.1 == Notice::Firing),
        "fired again after the handover: {before:?}"
    );
    // A savepoint succeeds under the second owner: the failure alert the first one fired is
    // resolved, once.
    scripted
        .succeed
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let after = stepper
        .steps(&mut on_second, &second, &history_second, 4)
        .await;
    let all: Vec<&(String, Notice)> = before.iter().chain(&after).collect();
    let failing: Vec<&&(String, Notice)> = all.iter().filter(|m| m.0 == "failing").collect();
    assert_eq!(failing.len(), 1, "{all:?}");
    assert_eq!(failing[0].1, Notice::Resolved);
    assert!(!all.iter().any(|m| m.1 == Notice::Firing), "{all:?}");
    // A one-shot command on a third host (`savepoints`, `gate`) merges the fleet's records.
    let elsewhere = History::open(&dir.path().join("state-elsewhere")).unwrap();
    let fc = FleetConfig {
        zookeeper: vec![zk_address.clone()],
        root: "/test/fleet".into(),
        member: "cli".into(),
        session_timeout: SESSION,
    };
    let merged = logminer_doctor::agent::savepoints::merge_fleet_records(&fc, &elsewhere, &p.name)
        .await
        .unwrap();
    let here = elsewhere.savepoints(Some(&p.name)).await.unwrap();
    assert_eq!(merged, here.len());
    assert!(
        here.iter()
            .any(|r| r.path == "file:///savepoints/savepoint-0"),
        "{here:?}"
    );
    kill9(&mut zk);
}
