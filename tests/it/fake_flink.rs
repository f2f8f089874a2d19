//! A small in-process HTTP server that answers like a Flink JobManager from recorded JSON
//! (tests/fixtures/flink/), for the error shapes a real Flink will not produce on demand: HTTP
//! 500s, malformed JSON, answers that never come. It records every request it receives.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One canned answer.
#[derive(Clone)]
struct Route {
    /// `METHOD /path` or `METHOD /path?query`; a route without a query matches any query.
    key: String,
    status: u16,
    body: String,
    delay: Duration,
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Request {
    /// e.g. "POST".
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The body, as text.
    pub body: String,
}

/// A fake JobManager on 127.0.0.1.
pub struct FakeFlink {
    /// Its base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    routes: Arc<Mutex<Vec<Route>>>,
    requests: Arc<Mutex<Vec<Request>>>,
}

/// The job id of the recorded 1.20 answers.
pub const JOB: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
/// The source vertex of the recorded 1.20 answers.
pub const SOURCE_VERTEX: &str = "cbc357ccb763df2852fee8c4fc7d55f2";
/// The sink vertex of the recorded 1.20 answers.
pub const SINK_VERTEX: &str = "90bea66de1c231edf33913ecd54406c1";
/// The TaskManager of the recorded 1.20 answers.
pub const TASKMANAGER: &str = "127.0.0.1:36891-5c1e2f";

/// The endpoints the Flink collector reads, each with the fixture name its recorded answer
/// has: for job `id`, source vertex `src`, sink vertex `sink` and TaskManager `tm`.
pub fn recorded_endpoints(
    id: &str,
    src: &str,
    sink: &str,
    tm: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("config", "/config".to_string()),
        ("jobs_overview", "/jobs/overview".to_string()),
        ("job", format!("/jobs/{id}")),
        ("job_metrics_numRestarts", format!("/jobs/{id}/metrics?get=numRestarts")),
        ("checkpoints", format!("/jobs/{id}/checkpoints")),
        ("checkpoints_config", format!("/jobs/{id}/checkpoints/config")),
        ("exceptions", format!("/jobs/{id}/exceptions?maxExceptions=16")),
        (
            "source_metrics",
            format!("/jobs/{id}/vertices/{src}/subtasks/metrics?get=numRecordsOut,backPressuredTimeMsPerSecond&agg=sum,max"),
        ),
        (
            "sink_metrics",
            format!("/jobs/{id}/vertices/{sink}/subtasks/metrics?get=numRecordsIn&agg=sum,max"),
        ),
        ("vertex_taskmanagers", format!("/jobs/{id}/vertices/{src}/taskmanagers")),
        ("thread_dump_blocked", format!("/taskmanagers/{tm}/thread-dump")),
    ]
}

/// A recorded response body.
pub fn fixture(version: &str, name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/flink/{version}/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

impl FakeFlink {
    /// Starts a server with no routes (every request gets 404).
    pub fn start() -> FakeFlink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let routes: Arc<Mutex<Vec<Route>>> = Arc::default();
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let (r, q) = (routes.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, q) = (r.clone(), q.clone());
                std::thread::spawn(move || serve(stream, &r, &q));
            }
        });
        FakeFlink {
            url,
            routes,
            requests,
        }
    }

    /// Answers `key` ("GET /jobs/overview") with `status` and `body`; later routes win.
    pub fn route(&self, key: &str, status: u16, body: &str) -> &Self {
        self.route_delayed(key, status, body, Duration::ZERO)
    }

    /// Like `route`, answering only after `delay`.
    pub fn route_delayed(&self, key: &str, status: u16, body: &str, delay: Duration) -> &Self {
        self.routes.lock().unwrap().insert(
            0,
            Route {
                key: key.into(),
                status,
                body: body.into(),
                delay,
            },
        );
        self
    }

    /// Every route of a healthy, RUNNING job as recorded from Flink `version`.
    pub fn healthy_job(&self, version: &str) -> &Self {
        let f = |n| fixture(version, n);
        self.route("GET /config", 200, &f("config"))
            .route("GET /jobs/overview", 200, &f("jobs_overview"))
            .route(&format!("GET /jobs/{JOB}"), 200, &f("job"))
            .route(
                &format!("GET /jobs/{JOB}/metrics"),
                200,
                &f("job_metrics_numRestarts"),
            )
            .route(
                &format!("GET /jobs/{JOB}/checkpoints"),
                200,
                &f("checkpoints"),
            )
            .route(
                &format!("GET /jobs/{JOB}/checkpoints/config"),
                200,
                &f("checkpoints_config"),
            )
            .route(
                &format!("GET /jobs/{JOB}/exceptions"),
                200,
                &f("exceptions"),
            )
            .route(
                &format!("GET /jobs/{JOB}/vertices/{SOURCE_VERTEX}/subtasks/metrics"),
                200,
                &f("source_metrics"),
            )
            .route(
                &format!("GET /jobs/{JOB}/vertices/{SINK_VERTEX}/subtasks/metrics"),
                200,
                &f("sink_metrics"),
            )
            .route(
                &format!("GET /jobs/{JOB}/vertices/{SOURCE_VERTEX}/taskmanagers"),
                200,
                &f("vertex_taskmanagers"),
            )
            .route(
                &format!("GET /taskmanagers/{TASKMANAGER}/thread-dump"),
                200,
                &f("thread_dump_running"),
            )
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, routes: &Mutex<Vec<Route>>, requests: &Mutex<Vec<Request>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    // Read the head, then as much body as Content-Length says.
    let head_end = loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let mut first = head.lines().next().unwrap_or_default().split_whitespace();
    let method = first.next().unwrap_or_default().to_string();
    let target = first.next().unwrap_or_default().to_string();
    let body = String::from_utf8_lossy(&buf[head_end.min(buf.len())..]).into_owned();
    requests.lock().unwrap().push(Request {
        method: method.clone(),
        target: target.clone(),
        body,
    });
    let path = target.split('?').next().unwrap_or_default();
    let route = {
        let routes = routes.lock().unwrap();
        routes
            .iter()
            .find(|r| r.key == format!("{method} {target}"))
            .or_else(|| routes.iter().find(|r| r.key == format!("{method} {path}")))
            .cloned()
    };
    let (status, body, delay) = match route {
        Some(r) => (r.status, r.body, r.delay),
        None => (
            404,
            format!("{{\"errors\":[\"Not found: {path}\"]}}"),
            Duration::ZERO,
        ),
    };
    std::thread::sleep(delay);
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
