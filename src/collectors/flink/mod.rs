//! The Flink collector: every configured JobManager concurrently, the job by name, its
//! checkpoints, exceptions, counters, backpressure, and thread dumps of the source.
//!
//! Reads only. A JobManager that fails becomes a status in the snapshot (unreachable, leader
//! election, leader gone), a failed detail call a missing signal; nothing here aborts a probe.
//! No `reqwest` type leaves `collectors/flink/`.

pub mod client;
pub mod model;

use std::time::Duration;

use futures_util::future::join_all;

pub use client::{FlinkError, FlinkRestClient};
use model::{
    AggregatedMetric, CheckpointConfig, CheckpointStats, DashboardConfig, Exceptions, JobDetails,
    JobOverview, JobsOverview, Metric, ThreadDump, VertexTaskManagers,
};

use super::FlinkSource;
use crate::config::FlinkConfig;
use crate::observation::{
    error_chain, is_terminal_state, CheckpointFailure, Checkpoints, CompletedCheckpoint,
    FlinkSnapshot, JobDetail, JobException, JobManagerProbe, JobManagerStatus, JobSummary,
    OperatorMetrics, Signal, SourceLag, SourceThreadState, Timestamp,
};

/// A source's lag metrics, registered by FLIP-27 sources (`sourceIdleTime`,
/// `currentEmitEventTimeLag`) and by Flink CDC (`currentFetchEventTimeLag`).
const LAG_METRICS: [&str; 3] = [
    "currentFetchEventTimeLag",
    "currentEmitEventTimeLag",
    "sourceIdleTime",
];

/// Percent-encodes a metric id for a query string (operator names may hold any character
/// Flink does not replace).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Stack traces are cut to this many characters: `explain` needs the head, not 10,000 frames.
const STACKTRACE_CHARS: usize = 16 * 1024;

/// How many entries of the exception history to read.
const EXCEPTIONS: usize = 16;

/// The Flink collector of one pipeline.
pub struct FlinkCollector {
    config: FlinkConfig,
    clients: Vec<FlinkRestClient>,
    /// Pause between the two thread dumps that prove a blocked read.
    dump_gap: Duration,
    /// The fixed job id a restart submits with (`[pipeline.remediation.resubmit] job_id`): the
    /// copy to judge whenever it is listed.
    fixed_job_id: Option<String>,
}

impl FlinkCollector {
    /// A collector for the JobManagers and job in `config`.
    pub fn new(config: FlinkConfig) -> Self {
        let clients = config
            .jobmanagers
            .iter()
            .map(|u| FlinkRestClient::new(u.clone(), config.request_timeout))
            .collect();
        FlinkCollector {
            config,
            clients,
            dump_gap: Duration::from_secs(1),
            fixed_job_id: None,
        }
    }

    /// Judges the job with this id whenever Flink lists it (the id restarts submit with).
    pub fn with_fixed_job_id(mut self, id: Option<String>) -> Self {
        self.fixed_job_id = id.map(|i| i.to_ascii_lowercase());
        self
    }

    /// Sets the pause between the two thread dumps (default 1 s).
    pub fn with_dump_gap(mut self, gap: Duration) -> Self {
        self.dump_gap = gap;
        self
    }

    /// The REST clients, one per configured JobManager, in config order.
    pub fn clients(&self) -> &[FlinkRestClient] {
        &self.clients
    }

    /// One JobManager: `/config` for the version, `/jobs/overview` for its view of the job.
    async fn probe(&self, c: &FlinkRestClient) -> (JobManagerStatus, Vec<JobOverview>) {
        let result = async {
            let cfg: DashboardConfig = c.get("/config").await?;
            let overview: JobsOverview = c.get("/jobs/overview").await?;
            Ok::<_, FlinkError>((cfg, overview))
        }
        .await;
        match result {
            Ok((cfg, overview)) => {
                let jobs: Vec<JobOverview> = overview
                    .jobs
                    .into_iter()
                    .filter(|j| j.name == self.config.job_name)
                    .collect();
                let status = JobManagerStatus::Up {
                    flink_version: cfg.flink_version,
                    jobs: jobs.iter().map(summary).collect(),
                };
                (status, jobs)
            }
            Err(FlinkError::LeaderElection { .. }) => (JobManagerStatus::LeaderElection, vec![]),
            Err(FlinkError::LeaderUnreachable { .. }) => {
                (JobManagerStatus::LeaderUnreachable, vec![])
            }
            Err(e) => (
                JobManagerStatus::Unreachable {
                    error: error_chain(&e),
                },
                vec![],
            ),
        }
    }

    /// Everything about the judged job, read through one answering JobManager.
    /// `read_checkpoints`: the job's checkpoints when `choose_job` already read them (so they
    /// are not asked for twice in one probe).
    async fn detail(
        &self,
        c: &FlinkRestClient,
        job: &JobOverview,
        read_checkpoints: Option<Signal<Checkpoints>>,
    ) -> JobDetail {
        let id = &job.jid;
        let job_path = format!("/jobs/{id}");
        let (details, restarts, checkpoints, exceptions) = tokio::join!(
            c.get::<JobDetails>(&job_path),
            self.restarts(c, id),
            async {
                match read_checkpoints {
                    Some(cps) => cps,
                    None => self.checkpoints(c, id).await,
                }
            },
            self.exceptions(c, id),
        );
        let vertices = details.map(|d| d.vertices);
        let find = |needle: &str| -> Signal<model::Vertex> {
            match &vertices {
                Ok(vs) => match vs
                    .iter()
                    .find(|v| v.name.to_lowercase().contains(&needle.to_lowercase()))
                {
                    Some(v) => Signal::observed(v.clone()),
                    None => Signal::missing(format!(
                        "no vertex of job {id} has a name containing {needle:?} (vertices: {})",
                        vs.iter()
                            .map(|v| v.name.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    )),
                },
                Err(e) => Signal::missing(error_chain(e)),
            }
        };
        let source_vertex = find(&self.config.source_operator);
        let sink_vertex = find(&self.config.sink_operator);
        let running = job.state.eq_ignore_ascii_case("RUNNING");
        let (source, sink, source_thread) = tokio::join!(
            self.operator(c, id, &source_vertex, "numRecordsOut", true),
            self.operator(c, id, &sink_vertex, "numRecordsIn", false),
            async {
                match (&source_vertex, running) {
                    (Signal::Observed { value: v }, true) => self.source_thread(c, id, v).await,
                    (Signal::Observed { .. }, false) => {
                        Signal::not_collected(format!("the job is {}", job.state))
                    }
                    (other, _) => Signal::missing(other.error().unwrap_or_default().to_string()),
                }
            }
        );
        JobDetail {
            id: id.clone(),
            state: job.state.clone(),
            start_time: Timestamp::from_unix_millis(job.start_time),
            end_time: end_time(job),
            tasks_running: job.tasks.running,
            tasks_total: job.tasks.total,
            restarts,
            checkpoints,
            exceptions,
            source,
            sink,
            source_thread,
        }
    }

    async fn restarts(&self, c: &FlinkRestClient, id: &str) -> Signal<u64> {
        match c
            .get::<Vec<Metric>>(&format!("/jobs/{id}/metrics?get=numRestarts"))
            .await
        {
            Ok(ms) => match ms
                .iter()
                .find(|m| m.id == "numRestarts")
                .and_then(|m| m.value.as_deref())
                .and_then(|v| v.parse::<f64>().ok())
            {
                Some(v) => Signal::observed(v as u64),
                // Flink refreshes metrics every 10 s; a fresh JobManager answers empty.
                None => Signal::missing("the numRestarts metric is not reported yet"),
            },
            Err(e) => Signal::missing(error_chain(&e)),
        }
    }

    async fn checkpoints(&self, c: &FlinkRestClient, id: &str) -> Signal<Checkpoints> {
        let (stats_path, config_path) = (
            format!("/jobs/{id}/checkpoints"),
            format!("/jobs/{id}/checkpoints/config"),
        );
        let (stats, config) = tokio::join!(
            c.get::<CheckpointStats>(&stats_path),
            c.get::<CheckpointConfig>(&config_path),
        );
        let (stats, config) = match (stats, config) {
            (Ok(s), Ok(c)) => (s, c),
            (Err(e), _) | (_, Err(e)) => return Signal::missing(error_chain(&e)),
        };
        Signal::observed(Checkpoints {
            completed: stats.counts.completed,
            failed: stats.counts.failed,
            in_progress: stats.counts.in_progress,
            last_completed: stats.latest.completed.map(|c| CompletedCheckpoint {
                id: c.id,
                completed_at: Timestamp::from_unix_millis(c.latest_ack_timestamp),
                external_path: c.external_path,
                duration_ms: c.end_to_end_duration,
            }),
            last_failure: stats.latest.failed.map(|f| CheckpointFailure {
                at: Timestamp::from_unix_millis(f.failure_timestamp),
                message: f.failure_message.unwrap_or_default(),
            }),
            interval: Duration::from_millis(config.interval),
            retained_on_cancel: config.externalization.enabled
                && !config.externalization.delete_on_cancellation,
        })
    }

    async fn exceptions(&self, c: &FlinkRestClient, id: &str) -> Signal<Vec<JobException>> {
        match c
            .get::<Exceptions>(&format!("/jobs/{id}/exceptions?maxExceptions={EXCEPTIONS}"))
            .await
        {
            Ok(x) => Signal::observed(exception_list(x)),
            Err(e) => Signal::missing(error_chain(&e)),
        }
    }

    /// A vertex's record counter (summed over subtasks) and, for the source, its backpressure
    /// (the highest subtask's).
    async fn operator(
        &self,
        c: &FlinkRestClient,
        id: &str,
        vertex: &Signal<model::Vertex>,
        counter: &str,
        backpressure: bool,
    ) -> Signal<OperatorMetrics> {
        let v = match vertex {
            Signal::Observed { value } => value,
            other => return Signal::missing(other.error().unwrap_or_default().to_string()),
        };
        let mut get = counter.to_string();
        let mut lag_ids = vec![];
        if backpressure {
            get.push_str(",backPressuredTimeMsPerSecond");
            // Lag metrics are operator metrics, named "<operator>.<metric>" with the operator's
            // name mangled; list the vertex's metric ids to find them.
            let list = format!("/jobs/{id}/vertices/{}/subtasks/metrics", v.id);
            if let Ok(ids) = c.get::<Vec<Metric>>(&list).await {
                for m in ids {
                    if LAG_METRICS.iter().any(|l| m.id.ends_with(&format!(".{l}"))) {
                        get.push(',');
                        get.push_str(&percent_encode(&m.id));
                        lag_ids.push(m.id);
                    }
                }
            }
        }
        let path = format!(
            "/jobs/{id}/vertices/{}/subtasks/metrics?get={get}&agg=sum,max",
            v.id
        );
        match c.get::<Vec<AggregatedMetric>>(&path).await {
            Ok(ms) => {
                let records = ms.iter().find(|m| m.id == counter).and_then(|m| m.sum);
                let bp = ms
                    .iter()
                    .find(|m| m.id == "backPressuredTimeMsPerSecond")
                    .and_then(|m| m.max);
                let lag_of = |name: &str| {
                    ms.iter()
                        .filter(|m| lag_ids.contains(&m.id) && m.id.ends_with(&format!(".{name}")))
                        .filter_map(|m| m.max)
                        .reduce(f64::max)
                };
                let lag = (!lag_ids.is_empty()).then(|| SourceLag {
                    fetch_ms: lag_of("currentFetchEventTimeLag"),
                    emit_ms: lag_of("currentEmitEventTimeLag"),
                    idle_ms: lag_of("sourceIdleTime"),
                });
                match records {
                    Some(r) => Signal::observed(OperatorMetrics {
                        records: r as u64,
                        backpressured_ms_per_s: bp,
                        lag,
                    }),
                    None => Signal::missing(format!(
                        "{counter} of vertex {:?} is not reported yet (Flink refreshes metrics every 10 s)",
                        v.name
                    )),
                }
            }
            Err(e) => Signal::missing(error_chain(&e)),
        }
    }

    /// Two thread dumps of the TaskManager running the source, `dump_gap` apart: a reader
    /// thread in a socket read in both is blocked (a half-open connection throws nothing).
    async fn source_thread(
        &self,
        c: &FlinkRestClient,
        id: &str,
        v: &model::Vertex,
    ) -> Signal<SourceThreadState> {
        let tms = match c
            .get::<VertexTaskManagers>(&format!("/jobs/{id}/vertices/{}/taskmanagers", v.id))
            .await
        {
            Ok(t) => t.taskmanagers,
            Err(e) => return Signal::missing(error_chain(&e)),
        };
        let Some(tm) = tms.first() else {
            return Signal::missing(format!("no TaskManager runs vertex {:?}", v.name));
        };
        let path = format!("/taskmanagers/{}/thread-dump", tm.taskmanager_id);
        let first = match c.get::<ThreadDump>(&path).await {
            Ok(d) => d,
            Err(e) => return Signal::missing(error_chain(&e)),
        };
        tokio::time::sleep(self.dump_gap).await;
        let second = match c.get::<ThreadDump>(&path).await {
            Ok(d) => d,
            Err(e) => return Signal::missing(error_chain(&e)),
        };
        Signal::observed(source_thread_state(&[first, second], &v.name))
    }
}

/// The exception history, newest first, stack traces bounded. Flink 1.18-1.20 also send the
/// deprecated root exception, used only when the history is absent.
pub fn exception_list(x: Exceptions) -> Vec<JobException> {
    let cut = |s: &str| s.chars().take(STACKTRACE_CHARS).collect::<String>();
    let mut list: Vec<JobException> = match x.history {
        Some(h) => h
            .entries
            .iter()
            .map(|e| JobException {
                timestamp: Timestamp::from_unix_millis(e.timestamp),
                name: e.exception_name.clone(),
                stacktrace: cut(&e.stacktrace),
            })
            .collect(),
        None => x
            .root_exception
            .iter()
            .map(|r| JobException {
                timestamp: Timestamp::from_unix_millis(x.timestamp.unwrap_or(0)),
                name: r.lines().next().unwrap_or_default().to_string(),
                stacktrace: cut(r),
            })
            .collect(),
    };
    list.sort_by_key(|e| std::cmp::Reverse(e.timestamp));
    list
}

/// Frames of a blocking socket read: classic and NIO sockets on Java 8-21, and Oracle's network
/// layer (`oracle.net.ns`) under the JDBC driver.
const SOCKET_READ_FRAMES: [&str; 7] = [
    "socketRead0",
    "SocketInputStream.read",
    "NioSocketImpl.read",
    "NioSocketImpl.park",
    "SocketDispatcher.read",
    "SocketChannelImpl.read",
    "oracle.net.ns.",
];

/// Whether the source's reader thread sits in a socket read in every dump.
///
/// Reader threads: a legacy source's "Legacy Source Thread - <vertex>", a FLIP-27 source's
/// "Source Data Fetcher for <vertex>", and the task thread named after the vertex.
pub fn source_thread_state(dumps: &[ThreadDump], vertex_name: &str) -> SourceThreadState {
    // Thread names carry the vertex name cut before the first " ->" of a chain.
    let head = vertex_name.split(" -> ").next().unwrap_or(vertex_name);
    let is_reader = |name: &str| {
        name.contains("Legacy Source Thread")
            || name.contains("Source Data Fetcher")
            || name.starts_with(head)
    };
    let mut seen = false;
    for dump in dumps {
        let readers: Vec<_> = dump.threads.iter().filter(|t| is_reader(&t.name)).collect();
        seen |= !readers.is_empty();
        let blocked = readers
            .iter()
            .any(|t| SOCKET_READ_FRAMES.iter().any(|f| t.stack.contains(f)));
        if !blocked {
            return if seen {
                SourceThreadState::Running
            } else {
                SourceThreadState::NotFound
            };
        }
    }
    if dumps.is_empty() {
        SourceThreadState::NotFound
    } else {
        SourceThreadState::BlockedInSocketRead
    }
}

fn summary(j: &JobOverview) -> JobSummary {
    JobSummary {
        id: j.jid.clone(),
        name: j.name.clone(),
        state: j.state.clone(),
        start_time: Timestamp::from_unix_millis(j.start_time),
        end_time: end_time(j),
    }
}

/// Flink reports -1 (or 0) as the end time of a job that has not ended.
fn end_time(j: &JobOverview) -> Option<Timestamp> {
    (j.end_time > 0 && is_terminal_state(&j.state)).then(|| Timestamp::from_unix_millis(j.end_time))
}

/// When a copy of the job last ran: its end time once it stopped, else its start.
fn last_ran(j: &JobOverview) -> i64 {
    if is_terminal_state(&j.state) && j.end_time > 0 {
        j.end_time
    } else {
        j.start_time
    }
}

impl FlinkCollector {
    /// Which copy of the job to judge, and whether the choice among stopped copies is unsure.
    ///
    /// The configured fixed job id wins; else the copy that still runs (two running copies are
    /// the decision table's leader problem); else the copy that stopped last, provided it also
    /// holds the newest completed checkpoint. When it does not, or a copy's checkpoints cannot
    /// be read, the copies are ambiguous: resuming the wrong one would restore another job's
    /// state, so the gate asks "which copy?" instead of choosing. Also returns the chosen copy's
    /// checkpoints when they were read here.
    async fn choose_job(&self, jobs: &[JobOverview], c: Option<&FlinkRestClient>) -> Chosen {
        if let Some(fixed) = &self.fixed_job_id {
            if let Some(j) = jobs.iter().find(|j| j.jid.eq_ignore_ascii_case(fixed)) {
                return (Some(j.clone()), None, None);
            }
        }
        if let Some(live) = jobs
            .iter()
            .filter(|j| !is_terminal_state(&j.state))
            .max_by_key(|j| j.start_time)
        {
            return (Some(live.clone()), None, None);
        }
        let Some(last) = jobs.iter().max_by_key(|j| last_ran(j)).cloned() else {
            return (None, None, None);
        };
        let (Some(c), true) = (c, jobs.len() > 1) else {
            return (Some(last), None, None);
        };
        let read = join_all(
            jobs.iter()
                .map(|j| async move { (j, self.checkpoints(c, &j.jid).await) }),
        )
        .await;
        let newest: Vec<(&JobOverview, Option<Option<Timestamp>>)> = read
            .iter()
            .map(|(j, cps)| {
                let at = cps
                    .value()
                    .map(|cp| cp.last_completed.as_ref().map(|l| l.completed_at));
                (*j, at)
            })
            .collect();
        let last_checkpoints = read
            .iter()
            .find(|(j, _)| j.jid == last.jid)
            .map(|(_, cps)| cps.clone());
        let unreadable: Vec<&str> = newest
            .iter()
            .filter(|(_, at)| at.is_none())
            .map(|(j, _)| j.jid.as_str())
            .collect();
        let holder = newest
            .iter()
            .filter_map(|(j, at)| at.flatten().map(|t| (t, *j)))
            .max_by_key(|(t, _)| *t);
        let describe = || {
            newest
                .iter()
                .map(|(j, at)| {
                    let ckpt = match at {
                        Some(Some(t)) => format!("newest completed checkpoint {t}"),
                        Some(None) => "no completed checkpoint".to_string(),
                        None => "checkpoints not readable".to_string(),
                    };
                    let ended = end_time(j).map_or_else(|| "?".to_string(), |t| t.to_string());
                    format!("{} {} at {ended}, {ckpt}", j.jid, j.state)
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let ambiguous = if !unreadable.is_empty() {
            Some(format!(
                "{} stopped copies of the job and the checkpoints of {} could not be read: {}",
                jobs.len(),
                unreadable.join(", "),
                describe()
            ))
        } else {
            match holder {
                Some((_, h)) if h.jid != last.jid => Some(format!(
                    "the copy that stopped last ({}) is not the one with the newest completed checkpoint ({}): {}",
                    last.jid,
                    h.jid,
                    describe()
                )),
                _ => None,
            }
        };
        (Some(last), ambiguous, last_checkpoints)
    }
}

/// The judged copy, why the choice among stopped copies is unsure (if it is), and its
/// checkpoints when choosing read them.
type Chosen = (
    Option<JobOverview>,
    Option<String>,
    Option<Signal<Checkpoints>>,
);

impl FlinkSource for FlinkCollector {
    async fn observe(&self) -> Signal<FlinkSnapshot> {
        let probes = join_all(self.clients.iter().map(|c| self.probe(c))).await;
        let mut jobs: Vec<JobOverview> = vec![];
        for (_, seen) in &probes {
            for j in seen {
                if !jobs.iter().any(|k| k.jid == j.jid) {
                    jobs.push(j.clone());
                }
            }
        }
        let answering = self
            .clients
            .iter()
            .zip(&probes)
            .find(|(_, (status, _))| status.is_up())
            .map(|(c, _)| c);
        let (judged, ambiguous_copies, checkpoints) = self.choose_job(&jobs, answering).await;
        let job = match (judged, answering) {
            (Some(j), Some(c)) => Some(self.detail(c, &j, checkpoints).await),
            _ => None,
        };
        let jobmanagers = self
            .clients
            .iter()
            .zip(probes)
            .map(|(c, (status, _))| JobManagerProbe {
                url: c.url(),
                status,
            })
            .collect();
        Signal::observed(FlinkSnapshot {
            jobmanagers,
            jobs: jobs.iter().map(summary).collect(),
            job,
            ambiguous_copies,
        })
    }
}
