//! Alert messages and their channels: Prometheus Alertmanager (`POST /api/v2/alerts`) and a
//! generic JSON webhook. `dedup` decides when to send (pure); this module only delivers.
//!
//! Each delivery runs in its own task with retries and exponential backoff, so a failing or
//! hanging channel never blocks probing or the other channels. Messages are built from the
//! diagnosis only, which never holds a secret.

pub mod chat;
pub mod dedup;
pub mod email;
pub mod rate;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::Serialize;
use url::Url;

use crate::config::secret::REDACTED;
use crate::config::{redact_url, redact_urls};
use crate::diagnose::{Cause, Diagnosis, Fact, Severity};
use crate::lang::Lang;
use crate::observation::Timestamp;
use dedup::Notice;

/// What an alert is about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// The pipeline's verdict (an incident of the decision table).
    #[default]
    Pipeline,
    /// Its periodic savepoints: failing, none restorable recently, or aging out of redo
    /// (WARNING; `cause` is the verdict when it was sent).
    Savepoints,
    /// No member of the fleet owns it (CRITICAL: nobody watches it; `cause` is `unknown`).
    Fleet,
}

impl Topic {
    fn is_pipeline(&self) -> bool {
        *self == Topic::Pipeline
    }
}

/// When an alert stops firing unless re-sent: `at` for a resolution, else `at` plus the
/// re-notify interval and a margin. Alertmanager resolves an alert on its own at endsAt: it
/// stays firing until the next re-notify is surely due, and a while more, in case the agent is
/// down.
fn ends_at(resolved: bool, at: Timestamp, renotify: Duration) -> Timestamp {
    if resolved {
        at
    } else {
        at.plus(renotify + Duration::from_secs(15 * 60))
    }
}

/// One alert as every channel receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertMessage {
    /// What it is about (omitted in JSON for a pipeline incident).
    #[serde(skip_serializing_if = "Topic::is_pipeline")]
    pub topic: Topic,
    /// Which savepoint condition (`failing`, `none_recent`, `aging_out`): with the topic, what
    /// identifies the alert, so a resolution clears the condition that fired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<&'static str>,
    /// The pipeline's name from the config (several, comma-separated, in a merged message).
    pub pipeline: String,
    /// Firing, re-notify or resolved.
    pub notice: Notice,
    /// The incident's cause.
    pub cause: Cause,
    /// The verdict's severity when sent (OK/WARNING for a resolution).
    pub severity: Severity,
    /// One line: the status line of the diagnosis (English in JSON).
    #[serde(serialize_with = "crate::diagnose::fact::english")]
    pub summary: Fact,
    /// The facts behind the verdict (English in JSON).
    #[serde(serialize_with = "crate::diagnose::fact::english_all")]
    pub evidence: Vec<Fact>,
    /// What to do, in order (English in JSON).
    #[serde(serialize_with = "crate::diagnose::fact::english_all")]
    pub remediation: Vec<Fact>,
    /// When the incident was first notified.
    pub since: Timestamp,
    /// When this message was made (the probe's time).
    pub at: Timestamp,
    /// When the alert stops firing unless re-sent (Alertmanager's `endsAt`): `at` on a
    /// resolution, else `at` plus the re-notify interval and a margin.
    pub ends_at: Timestamp,
    /// What auto-remediation did or why it did not act (`auto = true` pipelines only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

impl AlertMessage {
    /// The message for a decision on diagnosis `d` (the one that triggered it).
    pub fn new(d: &Diagnosis, send: dedup::Send, renotify: Duration) -> AlertMessage {
        let resolved = send.notice == Notice::Resolved;
        let summary = if resolved {
            Fact::IncidentOver {
                pipeline: d.pipeline.clone(),
                cause: send.cause,
                now: d.cause,
                severity: d.severity.to_string(),
            }
        } else {
            crate::report::status_fact(d)
        };
        AlertMessage {
            topic: Topic::Pipeline,
            condition: None,
            pipeline: d.pipeline.clone(),
            notice: send.notice,
            cause: send.cause,
            severity: d.severity,
            summary,
            evidence: d.evidence.iter().map(|e| e.fact.clone()).collect(),
            // What to do is advice for an open incident only.
            remediation: if resolved {
                Vec::new()
            } else {
                d.remediation.clone()
            },
            since: send.since,
            at: d.observed_at,
            // Alertmanager resolves an alert on its own at endsAt: keep it firing until the
            // next re-notify is surely due, and a while more, in case the agent is down.
            ends_at: ends_at(resolved, d.observed_at, renotify),
            action: None,
        }
    }

    /// A savepoint alert about `pipeline` (WARNING while firing, OK when resolved), sent at
    /// `at` with the verdict `cause` of that moment.
    #[allow(clippy::too_many_arguments)]
    pub fn about_savepoints(
        pipeline: &str,
        condition: &'static str,
        notice: Notice,
        cause: Cause,
        summary: Fact,
        evidence: Vec<Fact>,
        remediation: Vec<Fact>,
        since: Timestamp,
        at: Timestamp,
        renotify: Duration,
    ) -> AlertMessage {
        let resolved = notice == Notice::Resolved;
        AlertMessage {
            topic: Topic::Savepoints,
            condition: Some(condition),
            pipeline: pipeline.to_string(),
            notice,
            cause,
            severity: if resolved {
                Severity::Ok
            } else {
                Severity::Warning
            },
            summary,
            evidence,
            remediation,
            since,
            at,
            ends_at: ends_at(resolved, at, renotify),
            action: None,
        }
    }

    /// The unowned-pipeline alert about `pipeline` (CRITICAL while firing: nobody watches it;
    /// OK when a member owns it again).
    pub fn about_fleet(
        pipeline: &str,
        notice: Notice,
        summary: Fact,
        remediation: Vec<Fact>,
        since: Timestamp,
        at: Timestamp,
        renotify: Duration,
    ) -> AlertMessage {
        let resolved = notice == Notice::Resolved;
        AlertMessage {
            topic: Topic::Fleet,
            condition: None,
            pipeline: pipeline.to_string(),
            notice,
            cause: Cause::Unknown,
            severity: if resolved {
                Severity::Ok
            } else {
                Severity::Critical
            },
            summary,
            evidence: Vec::new(),
            remediation,
            since,
            at,
            ends_at: ends_at(resolved, at, renotify),
            action: None,
        }
    }

    /// The message with what auto-remediation did: in `action`, and as the first line of what
    /// to do, so that every channel shows it.
    pub fn with_action(mut self, action: impl Into<String>) -> AlertMessage {
        let action = action.into();
        self.remediation.insert(
            0,
            Fact::AutoAction {
                text: action.clone(),
            },
        );
        self.action = Some(action);
        self
    }
}

/// Facts in `lang`, one per line.
pub fn lines(facts: &[Fact], lang: Lang) -> String {
    facts
        .iter()
        .map(|f| f.render(lang))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A failed delivery.
///
/// Its messages print every URL through [`redact_url`]: a webhook's token sits in its query and
/// an Alertmanager's credentials in its user info, and these texts reach the logs and the
/// history database. Log or store one only as [`AlertError::redacted`].
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// The request failed (connect, timeout, body).
    #[error("{channel} at {} did not accept the alert", redact_url(.url))]
    Request {
        /// The channel's name.
        channel: &'static str,
        /// Its URL.
        url: Url,
        /// The HTTP error, without its URL (`reqwest::Error::without_url`).
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error status.
    #[error("{channel} at {} answered HTTP {status}", redact_url(.url))]
    Status {
        /// The channel's name.
        channel: &'static str,
        /// Its URL.
        url: Url,
        /// The status code.
        status: u16,
    },
    /// An email could not be sent.
    #[error(transparent)]
    Email(#[from] email::EmailError),
    /// The service answered HTTP 200 with an error code in its body (DingTalk, WeCom, Feishu).
    #[error("{channel} at {} rejected the alert: code {code}: {message}", redact_url(.url))]
    Rejected {
        /// The channel's name.
        channel: &'static str,
        /// Its URL, without the token.
        url: Url,
        /// The service's error code.
        code: i64,
        /// The service's error message.
        message: String,
    },
}

impl AlertError {
    /// The error with its causes on one line, every URL in it redacted: the only form in which
    /// a failed delivery is logged or stored. The messages above redact their own URL already;
    /// this also covers a cause whose text embeds one (an HTTP client error built elsewhere).
    pub fn redacted(&self) -> String {
        redact_urls(&crate::observation::error_chain(self))
    }
}

/// The future a channel returns.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), AlertError>> + Send + 'a>>;

/// Somewhere alerts go.
pub trait Channel: Send + Sync {
    /// A short stable name (a metrics label): `alertmanager`, `webhook`.
    fn name(&self) -> &'static str;
    /// Delivers one message (one attempt).
    fn send<'a>(&'a self, m: &'a AlertMessage) -> SendFuture<'a>;
    /// The agent is stopping: send what waits now instead of holding it back (a rate limiter
    /// sends its waiting alerts merged into one message at once).
    fn shutting_down(&self) {}
}

/// Prometheus Alertmanager, API v2.
#[derive(Debug, Clone)]
pub struct Alertmanager {
    url: Url,
    client: reqwest::Client,
}

impl Alertmanager {
    /// Alertmanager at `base` (e.g. `http://alertmanager:9093`), each request bounded by `timeout`.
    pub fn new(base: &Url, timeout: Duration) -> Alertmanager {
        let mut url = base.clone();
        url.set_path(&format!(
            "{}/api/v2/alerts",
            base.path().trim_end_matches('/')
        ));
        Alertmanager {
            url,
            client: client(timeout),
        }
    }

    /// The body Alertmanager receives: one alert whose labels identify the incident (so the
    /// resolution matches the firing alert) and whose annotations explain it.
    pub fn body(m: &AlertMessage) -> serde_json::Value {
        // The labels must be the same on firing and on resolution, or Alertmanager sees two
        // alerts: the severity label is the incident's (from its cause), not the current one.
        let labels = match m.topic {
            Topic::Pipeline => serde_json::json!({
                "alertname": "LogminerDoctorPipeline",
                "pipeline": m.pipeline,
                "cause": m.cause.as_str(),
                "severity": if m.cause == Cause::Unknown { "unknown" } else { "critical" },
            }),
            Topic::Savepoints => serde_json::json!({
                "alertname": "LogminerDoctorSavepoints",
                "pipeline": m.pipeline,
                "condition": m.condition.unwrap_or_default(),
                "severity": "warning",
            }),
            Topic::Fleet => serde_json::json!({
                "alertname": "LogminerDoctorUnowned",
                "pipeline": m.pipeline,
                "severity": "critical",
            }),
        };
        serde_json::json!([{
            "labels": labels,
            "annotations": {
                "summary": m.summary.en(),
                "evidence": lines(&m.evidence, Lang::En),
                "remediation": lines(&m.remediation, Lang::En),
                "verdict_severity": m.severity.as_str(),
                "auto_remediation": m.action.clone().unwrap_or_default(),
            },
            "startsAt": m.since.to_string(),
            "endsAt": m.ends_at.to_string(),
        }])
    }
}

impl Channel for Alertmanager {
    fn name(&self) -> &'static str {
        "alertmanager"
    }

    fn send<'a>(&'a self, m: &'a AlertMessage) -> SendFuture<'a> {
        Box::pin(post(
            &self.client,
            self.name(),
            &self.url,
            Alertmanager::body(m),
        ))
    }
}

/// A generic JSON webhook: the `AlertMessage` as its body.
#[derive(Debug, Clone)]
pub struct Webhook {
    url: Url,
    client: reqwest::Client,
}

impl Webhook {
    /// The webhook at `url`.
    pub fn new(url: &Url, timeout: Duration) -> Webhook {
        Webhook {
            url: url.clone(),
            client: client(timeout),
        }
    }
}

impl Channel for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn send<'a>(&'a self, m: &'a AlertMessage) -> SendFuture<'a> {
        let body = serde_json::to_value(m).unwrap_or_default();
        Box::pin(post(&self.client, self.name(), &self.url, body))
    }
}

fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        // Building fails only when the TLS backend cannot initialise; the default client then
        // still works for plain http.
        .unwrap_or_default()
}

/// `url` with its user info and query replaced by `**REDACTED**`, for the errors' `url` field:
/// their messages redact it anyway, and this keeps their `Debug` clean as well.
fn shown(url: &Url) -> Url {
    let mut u = url.clone();
    if !u.username().is_empty() || u.password().is_some() {
        // Fails only for URLs without a host, which the config rejects; then clear both.
        if u.set_password(None).is_err() || u.set_username(REDACTED).is_err() {
            let _ = u.set_username("");
        }
    }
    if u.query().is_some() {
        u.set_query(Some(REDACTED));
    }
    u
}

async fn post(
    client: &reqwest::Client,
    channel: &'static str,
    url: &Url,
    body: serde_json::Value,
) -> Result<(), AlertError> {
    let resp = client
        .post(url.clone())
        .json(&body)
        .send()
        .await
        .map_err(|e| AlertError::Request {
            channel,
            url: shown(url),
            // reqwest's message would carry the whole URL, and with it the token or password.
            source: e.without_url(),
        })?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(AlertError::Status {
            channel,
            url: shown(url),
            status: resp.status().as_u16(),
        })
    }
}

/// Sends `m` on `channel`, retrying `retries` times with exponential backoff from `first_backoff`
/// (tokio's timer, so paused time in tests). Returns the last error when every attempt failed.
pub async fn deliver(
    channel: &dyn Channel,
    m: &AlertMessage,
    retries: u32,
    first_backoff: Duration,
) -> Result<u32, AlertError> {
    let mut backoff = first_backoff;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match channel.send(m).await {
            Ok(()) => return Ok(attempt),
            Err(e) if attempt > retries => return Err(e),
            Err(e) => {
                tracing::warn!(
                    pipeline = %m.pipeline,
                    channel = channel.name(),
                    attempt,
                    error = %e.redacted(),
                    "Alert delivery failed; retrying."
                );
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(60));
            }
        }
    }
}
