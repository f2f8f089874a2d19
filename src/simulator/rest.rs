//! The simulated Flink behind Flink's own REST API, served over HTTP on loopback, so that `demo`
//! runs the real Flink collector end to end. Two JobManagers, each on its own port; answers are
//! rendered from the world in the shapes Flink 1.20 sends (checked against recorded answers of
//! a real cluster in the tests).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use super::Sim;
use crate::observation::{Checkpoints, JobDetail, JobManagerStatus, SourceThreadState};

/// Vertex ids of the simulated job graph.
const SOURCE_VERTEX: &str = "cbc357ccb763df2852fee8c4fc7d55f2";
const SINK_VERTEX: &str = "90bea66de1c231edf33913ecd54406c1";
/// The simulated TaskManager.
const TASKMANAGER: &str = "127.0.0.1:40871-7c1f0e";
/// The vertex names, as a Flink CDC job shows them.
pub const SOURCE_NAME: &str = "Source: oracle-cdc-orders";
/// The sink vertex's name.
pub const SINK_NAME: &str = "FileSink: Writer -> FileSink: Committer";

/// Two simulated JobManagers serving the world's Flink over HTTP; stopped when dropped.
pub struct SimFlinkServer {
    urls: Vec<String>,
    tasks: Vec<JoinHandle<()>>,
}

impl SimFlinkServer {
    /// Binds two JobManagers on 127.0.0.1 and tells the world their URLs.
    pub async fn start(sim: &Sim) -> std::io::Result<SimFlinkServer> {
        let mut urls = vec![];
        let mut tasks = vec![];
        for index in 0..2 {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            urls.push(format!("http://{}", listener.local_addr()?));
            let app = router(sim.clone(), index);
            tasks.push(tokio::spawn(async move {
                // The server ends only when the task is aborted (on drop).
                let _ = axum::serve(listener, app).await;
            }));
        }
        sim.world().jobmanager_urls = [urls[0].clone(), urls[1].clone()];
        Ok(SimFlinkServer { urls, tasks })
    }

    /// The JobManagers' REST URLs.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }
}

impl Drop for SimFlinkServer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

type Ctx = State<(Sim, usize)>;

fn router(sim: Sim, index: usize) -> Router {
    Router::new()
        .route("/config", get(config))
        .route("/jobs/overview", get(overview))
        .route("/jobs/{id}", get(job))
        .route("/jobs/{id}/metrics", get(job_metrics))
        .route("/jobs/{id}/checkpoints", get(checkpoints))
        .route("/jobs/{id}/checkpoints/config", get(checkpoint_config))
        .route("/jobs/{id}/exceptions", get(exceptions))
        .route(
            "/jobs/{id}/vertices/{vid}/subtasks/metrics",
            get(vertex_metrics),
        )
        .route(
            "/jobs/{id}/vertices/{vid}/taskmanagers",
            get(vertex_taskmanagers),
        )
        .route("/taskmanagers/{tm}/thread-dump", get(thread_dump))
        .with_state((sim, index))
}

/// What this JobManager is: up (with its view of the jobs), electing, orphaned or down.
fn status(sim: &Sim, index: usize) -> Result<JobManagerStatus, Refusal> {
    let flink = sim.world().flink_snapshot();
    let status = flink
        .value()
        .and_then(|f| f.jobmanagers.get(index).map(|j| j.status.clone()))
        .unwrap_or(JobManagerStatus::Unreachable {
            error: "no such JobManager".into(),
        });
    match status {
        JobManagerStatus::Up { .. } => Ok(status),
        JobManagerStatus::LeaderElection => Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            &["Service temporarily unavailable due to an ongoing leader election. Please refresh."],
        )),
        JobManagerStatus::LeaderUnreachable => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &["Internal server error.", "<Exception on server side:\norg.apache.flink.runtime.rpc.exceptions.RecipientUnreachableException: Could not send message to recipient, because the recipient is unreachable.\n\nEnd of exception on server side>"],
        )),
        // A killed JobManager refuses connections; a server that is up can only fail the
        // request, which the collector reports the same way.
        JobManagerStatus::Unreachable { error: e } => {
            Err(error(StatusCode::BAD_GATEWAY, &[e.as_str()]))
        }
    }
}

/// An error answer in Flink's shape, `{"errors": [...]}`.
struct Refusal {
    status: StatusCode,
    errors: Vec<String>,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "errors": self.errors }))).into_response()
    }
}

/// A refusal as a finished response, for handlers.
fn refuse(status: StatusCode, errors: &[&str]) -> Response {
    error(status, errors).into_response()
}

fn error(status: StatusCode, errors: &[&str]) -> Refusal {
    Refusal {
        status,
        errors: errors.iter().map(|e| e.to_string()).collect(),
    }
}

/// The judged job's details, re-labelled for `id` (a duplicate copy shares them).
fn detail(sim: &Sim, index: usize, id: &str) -> Result<JobDetail, Refusal> {
    let jobs = match status(sim, index)? {
        JobManagerStatus::Up { jobs, .. } => jobs,
        _ => vec![],
    };
    let summary = jobs
        .iter()
        .find(|j| j.id == id)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, &[&format!("Job {id} not found")]))?;
    let flink = sim.world().flink_snapshot();
    let mut d = flink
        .value()
        .and_then(|f| f.job.clone())
        .ok_or_else(|| error(StatusCode::NOT_FOUND, &[&format!("Job {id} not found")]))?;
    d.id = summary.id.clone();
    d.state = summary.state.clone();
    d.start_time = summary.start_time;
    Ok(d)
}

async fn config(State((sim, i)): Ctx) -> Response {
    match status(&sim, i) {
        Ok(_) => Json(json!({
            "refresh-interval": 3000,
            "timezone-name": "Coordinated Universal Time",
            "timezone-offset": 0,
            "flink-version": "1.20.1",
            "flink-revision": "simulated",
            "features": {"web-submit": true, "web-cancel": true, "web-rescale": false, "web-history": false}
        }))
        .into_response(),
        Err(r) => r.into_response(),
    }
}

async fn overview(State((sim, i)): Ctx) -> Response {
    let jobs = match status(&sim, i) {
        Ok(JobManagerStatus::Up { jobs, .. }) => jobs,
        Ok(_) => vec![],
        Err(r) => return r.into_response(),
    };
    let list: Vec<Value> = jobs
        .iter()
        .map(|j| {
            let running = if j.state == "RUNNING" { 2 } else { 0 };
            json!({
                "jid": j.id, "name": j.name, "state": j.state,
                "start-time": j.start_time.unix_millis(), "end-time": -1,
                "duration": 0, "last-modification": j.start_time.unix_millis(),
                "tasks": {"running": running, "canceling": 0, "canceled": 0, "total": 2,
                          "created": 0, "scheduled": 0, "deploying": 0, "reconciling": 0,
                          "finished": 0, "initializing": 0, "failed": 0}
            })
        })
        .collect();
    Json(json!({ "jobs": list })).into_response()
}

async fn job(State((sim, i)): Ctx, Path(id): Path<String>) -> Response {
    match detail(&sim, i, &id) {
        Ok(d) => Json(json!({
            "jid": d.id, "name": "oracle-cdc-orders", "isStoppable": false, "state": d.state,
            "job-type": "STREAMING", "start-time": d.start_time.unix_millis(), "end-time": -1,
            "vertices": [
                {"id": SOURCE_VERTEX, "name": SOURCE_NAME, "parallelism": 1, "status": d.state},
                {"id": SINK_VERTEX, "name": SINK_NAME, "parallelism": 1, "status": d.state}
            ],
            "status-counts": {"RUNNING": d.tasks_running}
        }))
        .into_response(),
        Err(r) => r.into_response(),
    }
}

/// Metric values are strings, and the answer is a bare array (not the spec's object).
async fn job_metrics(
    State((sim, i)): Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let d = match detail(&sim, i, &id) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    let wanted = q.get("get").cloned().unwrap_or_default();
    let mut out = vec![];
    if wanted.split(',').any(|m| m == "numRestarts") {
        if let Some(r) = d.restarts.value() {
            out.push(json!({"id": "numRestarts", "value": r.to_string()}));
        }
    }
    Json(out).into_response()
}

/// The job's checkpoint statistics, or Flink's 404 when checkpointing is off.
fn checkpoints_of(sim: &Sim, i: usize, id: &str) -> Result<Checkpoints, Refusal> {
    detail(sim, i, id)?
        .checkpoints
        .value()
        .cloned()
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                &["Checkpointing has not been enabled."],
            )
        })
}

async fn checkpoints(State((sim, i)): Ctx, Path(id): Path<String>) -> Response {
    let c = match checkpoints_of(&sim, i, &id) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let completed = c.last_completed.as_ref().map(|x| {
        json!({"className": "completed", "id": x.id, "status": "COMPLETED", "is_savepoint": false,
               "trigger_timestamp": x.completed_at.unix_millis() - 50,
               "latest_ack_timestamp": x.completed_at.unix_millis(),
               "external_path": x.external_path, "discarded": false,
               "checkpoint_type": "CHECKPOINT", "num_subtasks": 2, "num_acknowledged_subtasks": 2})
    });
    let failed = c.last_failure.as_ref().map(|f| {
        json!({"className": "failed", "id": c.completed + c.failed, "status": "FAILED",
               "is_savepoint": false, "failure_timestamp": f.at.unix_millis(),
               "failure_message": f.message, "checkpoint_type": "CHECKPOINT"})
    });
    Json(json!({
        "counts": {"restored": 0, "total": c.completed + c.failed + c.in_progress,
                   "in_progress": c.in_progress, "completed": c.completed, "failed": c.failed},
        "summary": {},
        "latest": {"completed": completed, "savepoint": null, "failed": failed, "restored": null},
        "history": []
    }))
    .into_response()
}

async fn checkpoint_config(State((sim, i)): Ctx, Path(id): Path<String>) -> Response {
    let c = match checkpoints_of(&sim, i, &id) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    Json(json!({
        "mode": "exactly_once", "interval": c.interval.as_millis() as u64, "timeout": 600000,
        "min_pause": 0, "max_concurrent": 1,
        "externalization": {"enabled": c.retained_on_cancel, "delete_on_cancellation": !c.retained_on_cancel},
        "state_backend": "HashMapStateBackend", "checkpoint_storage": "FileSystemCheckpointStorage",
        "unaligned_checkpoints": false, "tolerable_failed_checkpoints": 0
    }))
    .into_response()
}

async fn exceptions(State((sim, i)): Ctx, Path(id): Path<String>) -> Response {
    let d = match detail(&sim, i, &id) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    let entries: Vec<Value> = d
        .exceptions
        .value()
        .map(|l| {
            l.iter()
                .map(|e| {
                    json!({"exceptionName": e.name, "stacktrace": e.stacktrace,
                           "timestamp": e.timestamp.unix_millis(), "taskName": SOURCE_NAME,
                           "failureLabels": {}, "concurrentExceptions": []})
                })
                .collect()
        })
        .unwrap_or_default();
    Json(json!({
        "root-exception": entries.first().map(|e| e["stacktrace"].clone()),
        "timestamp": entries.first().map(|e| e["timestamp"].clone()),
        "all-exceptions": [], "truncated": false,
        "exceptionHistory": {"entries": entries, "truncated": false}
    }))
    .into_response()
}

async fn vertex_metrics(
    State((sim, i)): Ctx,
    Path((id, vid)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let d = match detail(&sim, i, &id) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    let wanted = q.get("get").cloned().unwrap_or_default();
    let (counter, ops) = if vid == SOURCE_VERTEX {
        ("numRecordsOut", d.source.value().copied())
    } else {
        ("numRecordsIn", d.sink.value().copied())
    };
    // Flink answers only the aggregations asked for (all four without `agg`).
    let aggs: Vec<String> = q
        .get("agg")
        .map(|a| a.split(',').map(str::to_string).collect())
        .unwrap_or_else(|| ["min", "max", "avg", "sum"].map(String::from).to_vec());
    let entry = |id: &str, v: f64| {
        let mut e = serde_json::Map::new();
        e.insert("id".into(), id.into());
        for a in &aggs {
            e.insert(a.clone(), v.into());
        }
        Value::Object(e)
    };
    let mut out = vec![];
    if let Some(m) = ops {
        for w in wanted.split(',') {
            if w == counter {
                out.push(entry(w, m.records as f64));
            }
            if w == "backPressuredTimeMsPerSecond" {
                if let Some(bp) = m.backpressured_ms_per_s {
                    out.push(entry(w, bp));
                }
            }
        }
    }
    Json(out).into_response()
}

async fn vertex_taskmanagers(
    State((sim, i)): Ctx,
    Path((id, vid)): Path<(String, String)>,
) -> Response {
    match detail(&sim, i, &id) {
        Ok(_) => Json(json!({
            "id": vid, "name": SOURCE_NAME,
            "taskmanagers": [{"endpoint": "127.0.0.1:40871", "taskmanager-id": TASKMANAGER,
                              "status": "RUNNING", "status-counts": {"RUNNING": 1}}]
        }))
        .into_response(),
        Err(r) => r.into_response(),
    }
}

async fn thread_dump(State((sim, i)): Ctx, Path(tm): Path<String>) -> Response {
    if let Err(r) = status(&sim, i) {
        return r.into_response();
    }
    if tm != TASKMANAGER {
        return refuse(
            StatusCode::NOT_FOUND,
            &[&format!("TaskManager {tm} not found")],
        );
    }
    let flink = sim.world().flink_snapshot();
    let state = flink
        .value()
        .and_then(|f| f.job.as_ref())
        .map(|j| j.source_thread.clone());
    let thread = format!("Source Data Fetcher for {SOURCE_NAME} (1/1)#0");
    let stack = match state.as_ref().and_then(|s| s.value()) {
        Some(SourceThreadState::BlockedInSocketRead) => format!(
            "\"{thread}\" Id=97 RUNNABLE (in native)\n\tat java.base@17.0.15/sun.nio.ch.Net.poll(Native Method)\n\tat java.base@17.0.15/sun.nio.ch.NioSocketImpl.park(NioSocketImpl.java:186)\n\tat java.base@17.0.15/sun.nio.ch.NioSocketImpl.read(NioSocketImpl.java:355)\n\tat oracle.net.ns.DataPacket.receive(DataPacket.java:113)\n\tat oracle.jdbc.driver.T4CMAREngineNIO.getNBytes(T4CMAREngineNIO.java:603)\n"
        ),
        Some(_) => format!(
            "\"{thread}\" Id=97 TIMED_WAITING\n\tat java.base@17.0.15/java.lang.Thread.sleep(Native Method)\n\tat io.debezium.util.Metronome$1.pause(Metronome.java:55)\n\tat io.debezium.connector.oracle.logminer.LogMinerStreamingChangeEventSource.execute(LogMinerStreamingChangeEventSource.java:230)\n"
        ),
        // Thread dumps are refused (e.g. disabled): the collector reports the missing signal.
        None => {
            return refuse(StatusCode::SERVICE_UNAVAILABLE, &["Thread dumps are not available."])
                .into_response()
        }
    };
    Json(json!({"threadInfos": [
        {"threadName": thread, "stringifiedThreadInfo": stack},
        {"threadName": format!("{SOURCE_NAME} (1/1)#0"),
         "stringifiedThreadInfo": format!("\"{SOURCE_NAME} (1/1)#0\" Id=88 WAITING\n\tat java.base@17.0.15/jdk.internal.misc.Unsafe.park(Native Method)\n")}
    ]}))
    .into_response()
}
