//! The REST client of one JobManager: the reads of the Flink collector and the writes of
//! remediation (`FlinkControl`: savepoints, stop, cancel, jars). Every call has a timeout, and
//! Flink's error answers are classified (a leader election is not an outage).

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use url::Url;

use super::model::{
    CheckpointStats, ErrorBody, JarList, JarRunResponse, JarUpload, OperationResult,
    TriggerResponse,
};
use crate::collectors::control::{
    ControlError, FlinkControl, JarRun, ListedSavepoint, RestorePoint, SavepointStatus,
};

/// Why a call to a JobManager failed.
#[derive(Debug, thiserror::Error)]
pub enum FlinkError {
    /// No answer: connection refused, timeout, reset.
    #[error("{op} on JobManager {jobmanager} failed")]
    Transport {
        /// What was asked, e.g. "GET /jobs/overview".
        op: String,
        /// The JobManager's URL.
        jobmanager: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// HTTP 503 "Service temporarily unavailable due to an ongoing leader election".
    #[error("{op} on JobManager {jobmanager}: leader election in progress (HTTP 503)")]
    LeaderElection {
        /// What was asked.
        op: String,
        /// The JobManager's URL.
        jobmanager: String,
    },
    /// HTTP 500 with `RecipientUnreachableException`: it forwards to a leader that is gone.
    #[error("{op} on JobManager {jobmanager}: its leader is unreachable (HTTP 500 RecipientUnreachableException)")]
    LeaderUnreachable {
        /// What was asked.
        op: String,
        /// The JobManager's URL.
        jobmanager: String,
    },
    /// Any other HTTP error, with Flink's first error message.
    #[error("{op} on JobManager {jobmanager}: HTTP {status}: {message}")]
    Status {
        /// What was asked.
        op: String,
        /// The JobManager's URL.
        jobmanager: String,
        /// The HTTP status.
        status: u16,
        /// Flink's `errors[0]`, bounded.
        message: String,
    },
    /// The answer was larger than this tool reads from a JobManager.
    #[error("{op} on JobManager {jobmanager}: the answer is larger than {limit} bytes; not read")]
    TooLarge {
        /// What was asked.
        op: String,
        /// The JobManager's URL.
        jobmanager: String,
        /// The cap.
        limit: u64,
    },
    /// The answer was not the JSON expected.
    #[error("{op} on JobManager {jobmanager}: unexpected answer (HTTP 200, {head})")]
    Decode {
        /// What was asked.
        op: String,
        /// The JobManager's URL.
        jobmanager: String,
        /// How the answer began, bounded: what answered, when it is not Flink.
        head: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// An asynchronous operation (a savepoint) ended in failure.
    #[error("{op} on JobManager {jobmanager}: {message}")]
    Operation {
        /// What was asked.
        op: String,
        /// The JobManager's URL.
        jobmanager: String,
        /// What Flink said.
        message: String,
    },
    /// The jar to upload could not be read.
    #[error("cannot read jar {path}")]
    Jar {
        /// The jar.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A job did not reach the wanted state in time.
    #[error("job {job_id} did not reach {wanted} within {timeout:?} (last state: {last})")]
    WaitTimeout {
        /// The job.
        job_id: String,
        /// The states waited for.
        wanted: String,
        /// The bound.
        timeout: Duration,
        /// The last state seen.
        last: String,
    },
}

impl FlinkError {
    /// A bounded label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            FlinkError::Transport { source, .. } if source.is_timeout() => "timeout",
            FlinkError::Transport { .. } => "unreachable",
            FlinkError::LeaderElection { .. } => "leader_election",
            FlinkError::LeaderUnreachable { .. } => "leader_unreachable",
            FlinkError::Status { .. } => "http_status",
            FlinkError::Decode { .. } => "decode",
            FlinkError::TooLarge { .. } => "too_large",
            FlinkError::Operation { .. } => "operation",
            FlinkError::Jar { .. } => "jar",
            FlinkError::WaitTimeout { .. } => "wait_timeout",
        }
    }

    /// Whether the call may succeed if repeated: no answer, or the cluster is between leaders.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            FlinkError::Transport { .. }
                | FlinkError::LeaderElection { .. }
                | FlinkError::LeaderUnreachable { .. }
        )
    }

    /// Whether Flink rejected a submission because a job with that id exists or ran: the
    /// fixed job id doing its work.
    pub fn is_duplicate_job(&self) -> bool {
        match self {
            FlinkError::Status { message, .. } => {
                message.contains("DuplicateJobSubmission")
                    || message.contains("already been submitted")
                    || message.contains("globally-terminal")
                    || message.contains("globally terminal")
            }
            _ => false,
        }
    }

    /// The HTTP status of a `Status` error.
    pub fn status(&self) -> Option<u16> {
        match self {
            FlinkError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The REST API of one JobManager.
#[derive(Debug, Clone)]
pub struct FlinkRestClient {
    http: reqwest::Client,
    base: Url,
}

/// Error messages are cut to this many characters: Flink puts whole server-side stack traces
/// in `errors[1]`.
const MESSAGE_CHARS: usize = 2000;

impl FlinkRestClient {
    /// A client for the JobManager at `base`, every call bounded by `timeout`.
    pub fn new(base: Url, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            // Building a client without TLS roots or proxies configured cannot fail; if it ever
            // does, the default client (same timeouts per request below) is the fallback.
            .unwrap_or_default();
        FlinkRestClient { http, base }
    }

    /// The JobManager's URL as configured (no trailing slash).
    pub fn url(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{}", self.url(), path)
    }

    /// GET `path` and decode the JSON answer.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, FlinkError> {
        let op = format!("GET {path}");
        let resp = self.http.get(self.endpoint(path)).send().await;
        self.decode(op, resp).await
    }

    async fn send_json<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, FlinkError> {
        let op = format!("{method} {path}");
        let mut req = self.http.request(method, self.endpoint(path));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await;
        self.decode(op, resp).await
    }

    async fn decode<T: DeserializeOwned>(
        &self,
        op: String,
        resp: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, FlinkError> {
        let jobmanager = self.url();
        let resp = resp.map_err(|source| FlinkError::Transport {
            op: op.clone(),
            jobmanager: jobmanager.clone(),
            source,
        })?;
        let status = resp.status();
        // Read in chunks up to the cap: a hostile or broken endpoint cannot make us buffer more.
        let mut resp = resp;
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if (bytes.len() + chunk.len()) as u64 > crate::limits::HTTP_BODY_BYTES {
                        return Err(FlinkError::TooLarge {
                            op,
                            jobmanager,
                            limit: crate::limits::HTTP_BODY_BYTES,
                        });
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(source) => {
                    return Err(FlinkError::Transport {
                        op: op.clone(),
                        jobmanager: jobmanager.clone(),
                        source,
                    })
                }
            }
        }
        if !status.is_success() {
            return Err(classify_error(op, jobmanager, status, &bytes));
        }
        // 202 Accepted with an empty body (cancel) decodes as JSON null.
        let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        serde_json::from_slice(bytes).map_err(|source| FlinkError::Decode {
            op,
            jobmanager,
            head: answer_head(bytes),
            source,
        })
    }
}

/// The first characters of an answer, on one line, for an error message: "12 bytes: <html>…".
fn answer_head(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(80)
        .collect();
    let cut = if bytes.len() > line.len() { "…" } else { "" };
    format!("{} bytes: {:?}{cut}", bytes.len(), line.trim())
}

/// Turns an error answer into the error it means.
fn classify_error(op: String, jobmanager: String, status: StatusCode, body: &[u8]) -> FlinkError {
    let errors = serde_json::from_slice::<ErrorBody>(body)
        .map(|b| b.errors)
        .unwrap_or_else(|_| vec![String::from_utf8_lossy(body).into_owned()]);
    let all = errors.join("\n");
    if status == StatusCode::SERVICE_UNAVAILABLE && all.contains("leader election") {
        return FlinkError::LeaderElection { op, jobmanager };
    }
    if status == StatusCode::INTERNAL_SERVER_ERROR && all.contains("RecipientUnreachableException")
    {
        return FlinkError::LeaderUnreachable { op, jobmanager };
    }
    let message: String = errors
        .iter()
        .find(|e| !e.trim().is_empty() && e.as_str() != "Internal server error.")
        .or(errors.first())
        .map(|e| exception_chain(e))
        .unwrap_or_default();
    FlinkError::Status {
        op,
        jobmanager,
        status: status.as_u16(),
        message,
    }
}

/// The first line of a SerializedThrowable's JSON (`class` and `stack-trace`), for messages.
fn throwable_text(v: &serde_json::Value) -> String {
    let trace = v
        .get("stack-trace")
        .and_then(|s| s.as_str())
        .unwrap_or_default();
    let class = v.get("class").and_then(|s| s.as_str()).unwrap_or_default();
    exception_chain(if trace.is_empty() { class } else { trace })
}

/// A Java exception text as its chain of messages, without the stack frames: the exception
/// and each "Caused by:", joined with " | ". The root cause ("Caused by: … Not a directory") is
/// what an operator needs, and in the raw text it comes last, after hundreds of frames.
fn exception_chain(text: &str) -> String {
    let chain: Vec<&str> = text
        .lines()
        .map(str::trim)
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.starts_with("Caused by:"))
        .map(|(_, l)| l)
        .collect();
    chain.join(" | ").chars().take(MESSAGE_CHARS).collect()
}

impl ControlError for FlinkError {
    fn is_transient(&self) -> bool {
        FlinkError::is_transient(self)
    }
    fn is_duplicate_job(&self) -> bool {
        FlinkError::is_duplicate_job(self)
    }
}

impl FlinkControl for FlinkRestClient {
    type Error = FlinkError;

    async fn trigger_savepoint(
        &self,
        job_id: &str,
        target_dir: Option<&str>,
        trigger_id: &str,
    ) -> Result<String, FlinkError> {
        let mut body = serde_json::json!({"cancel-job": false, "triggerId": trigger_id});
        if let Some(dir) = target_dir {
            body["target-directory"] = dir.into();
        }
        let r: TriggerResponse = self
            .send_json(
                reqwest::Method::POST,
                &format!("/jobs/{job_id}/savepoints"),
                Some(body),
            )
            .await?;
        Ok(r.request_id)
    }

    async fn stop_with_savepoint(
        &self,
        job_id: &str,
        target_dir: Option<&str>,
        trigger_id: &str,
    ) -> Result<String, FlinkError> {
        // Never drain: a drained job ends its windows and would emit results a restart repeats.
        let mut body = serde_json::json!({"drain": false, "triggerId": trigger_id});
        if let Some(dir) = target_dir {
            body["targetDirectory"] = dir.into();
        }
        let r: TriggerResponse = self
            .send_json(
                reqwest::Method::POST,
                &format!("/jobs/{job_id}/stop"),
                Some(body),
            )
            .await?;
        Ok(r.request_id)
    }

    async fn savepoint_status(
        &self,
        job_id: &str,
        trigger_id: &str,
    ) -> Result<SavepointStatus, FlinkError> {
        let r: OperationResult = self
            .get(&format!("/jobs/{job_id}/savepoints/{trigger_id}"))
            .await?;
        if r.status.id != "COMPLETED" {
            return Ok(SavepointStatus::InProgress);
        }
        // COMPLETED can still carry a failure: the operation ended, not succeeded.
        Ok(match r.operation {
            Some(op) => match (op.location, op.failure_cause) {
                (Some(location), None) => SavepointStatus::Completed { location },
                (_, Some(cause)) => SavepointStatus::Failed {
                    cause: throwable_text(&cause),
                },
                (None, None) => SavepointStatus::Failed {
                    cause: "completed without a location".into(),
                },
            },
            None => SavepointStatus::Failed {
                cause: "completed without an operation result".into(),
            },
        })
    }

    async fn listed_savepoints(&self, job_id: &str) -> Result<Vec<ListedSavepoint>, FlinkError> {
        let stats: CheckpointStats = self.get(&format!("/jobs/{job_id}/checkpoints")).await?;
        Ok(stats
            .history
            .into_iter()
            .filter(|h| h.is_savepoint && h.status.eq_ignore_ascii_case("COMPLETED"))
            .filter_map(|h| {
                Some(ListedSavepoint {
                    id: h.id,
                    path: h.external_path?,
                    triggered_ms: h.trigger_timestamp,
                    completed_ms: h.latest_ack_timestamp,
                    size_bytes: h.checkpointed_size.or(h.state_size),
                })
            })
            .collect())
    }

    async fn dispose_savepoint(&self, path: &str) -> Result<String, FlinkError> {
        let r: TriggerResponse = self
            .send_json(
                reqwest::Method::POST,
                "/savepoint-disposal",
                Some(serde_json::json!({ "savepoint-path": path })),
            )
            .await?;
        Ok(r.request_id)
    }

    async fn disposal_status(&self, trigger_id: &str) -> Result<SavepointStatus, FlinkError> {
        let r: OperationResult = self
            .get(&format!("/savepoint-disposal/{trigger_id}"))
            .await?;
        if r.status.id != "COMPLETED" {
            return Ok(SavepointStatus::InProgress);
        }
        Ok(match r.operation.and_then(|op| op.failure_cause) {
            Some(cause) => SavepointStatus::Failed {
                cause: throwable_text(&cause),
            },
            None => SavepointStatus::Completed {
                location: String::new(),
            },
        })
    }

    async fn cancel(&self, job_id: &str) -> Result<(), FlinkError> {
        let _: serde_json::Value = self
            .send_json(
                reqwest::Method::PATCH,
                &format!("/jobs/{job_id}?mode=cancel"),
                None,
            )
            .await?;
        Ok(())
    }

    async fn list_jars(&self) -> Result<Vec<(String, String)>, FlinkError> {
        let r: JarList = self.get("/jars").await?;
        Ok(r.files.into_iter().map(|f| (f.id, f.name)).collect())
    }

    async fn upload_jar(&self, path: &Path) -> Result<String, FlinkError> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|source| FlinkError::Jar {
                path: path.display().to_string(),
                source,
            })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "job.jar".into());
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name)
            .mime_str("application/x-java-archive")
            .map_err(|source| FlinkError::Transport {
                op: "POST /jars/upload".into(),
                jobmanager: self.url(),
                source,
            })?;
        let form = reqwest::multipart::Form::new().part("jarfile", part);
        let resp = self
            .http
            .post(self.endpoint("/jars/upload"))
            .multipart(form)
            .send()
            .await;
        let r: JarUpload = self.decode("POST /jars/upload".into(), resp).await?;
        // The jar id is the stored file's name.
        Ok(r.filename
            .rsplit('/')
            .next()
            .unwrap_or(&r.filename)
            .to_string())
    }

    async fn run_jar(&self, jar_id: &str, run: &JarRun) -> Result<String, FlinkError> {
        let mut body = serde_json::json!({
            "entryClass": run.entry_class,
            "programArgsList": run.program_args,
            "parallelism": run.parallelism,
            "allowNonRestoredState": run.allow_non_restored_state,
        });
        if let Some(id) = &run.job_id {
            body["jobId"] = id.as_str().into();
        }
        if let Some(path) = &run.savepoint_path {
            body["savepointPath"] = path.as_str().into();
        }
        let r: JarRunResponse = self
            .send_json(
                reqwest::Method::POST,
                &format!("/jars/{jar_id}/run"),
                Some(body),
            )
            .await?;
        Ok(r.jobid)
    }

    async fn latest_restore_point(&self, job_id: &str) -> Result<Option<RestorePoint>, FlinkError> {
        let stats: CheckpointStats = self.get(&format!("/jobs/{job_id}/checkpoints")).await?;
        let checkpoint = stats.latest.completed.and_then(|c| {
            Some(RestorePoint {
                id: c.id,
                path: c.external_path?,
                savepoint: false,
            })
        });
        let savepoint = stats.latest.savepoint.and_then(|c| {
            Some(RestorePoint {
                id: c.id,
                path: c.external_path?,
                savepoint: true,
            })
        });
        // Checkpoints and savepoints share one id counter: the higher id is the newer state.
        // Resuming from an older one would repeat what a later one already committed.
        Ok([checkpoint, savepoint]
            .into_iter()
            .flatten()
            .max_by_key(|p| p.id))
    }

    async fn job_state(&self, job_id: &str) -> Result<String, FlinkError> {
        let v: serde_json::Value = self.get(&format!("/jobs/{job_id}")).await?;
        Ok(v.get("state")
            .and_then(|s| s.as_str())
            .unwrap_or("UNKNOWN")
            .to_string())
    }
}
