//! The serde mirror of the TOML file, key for key, with the documented defaults.
//!
//! Keys the program cannot do without are `Option` here so that `validate.rs` can report every
//! missing one at once (serde would stop at the first); unknown keys are rejected. No I/O here.

use std::time::Duration;

use serde::Deserialize;

use crate::diagnose::Thresholds;

/// The whole file: one `[[pipeline]]` entry per monitored pipeline.
// validate.rs reads each entry on its own (to keep its index for key paths) and uses this type
// only for its list of top-level keys, hence the field is never read.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub pipeline: Vec<RawPipeline>,
    /// `[agent]` (optional: every key has a default).
    pub agent: Option<RawAgent>,
}

/// One `[[pipeline]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPipeline {
    pub name: Option<String>,
    pub oracle: Option<RawOracle>,
    pub flink: Option<RawFlink>,
    pub zookeeper: Option<RawZooKeeper>,
    pub output: Option<RawOutput>,
    /// `[pipeline.thresholds]`: `Thresholds` itself, because `validate.rs` fills the keys the
    /// file leaves out from `Thresholds::default()` before deserializing.
    pub thresholds: Option<Thresholds>,
    pub remediation: Option<RawRemediation>,
    /// `[pipeline.audit]`: the files the daily audit of `watch` reads (optional).
    pub audit: Option<RawAudit>,
    pub savepoints: Option<RawSavepoints>,
    /// How often `watch` probes this pipeline.
    #[serde(default = "default_interval", with = "humantime_serde")]
    pub interval: Duration,
}

/// `[pipeline.oracle]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOracle {
    pub connect_string: Option<String>,
    pub user: Option<String>,
    /// Exactly one of `password_env` and `password_file`.
    pub password_env: Option<String>,
    pub password_file: Option<String>,
    pub connector_user: Option<String>,
    /// Default `<connector_user>.LOG_MINING_FLUSH`, Debezium 1.9's fixed name.
    pub flush_table: Option<String>,
    pub captured_tables: Option<Vec<String>>,
    #[serde(default = "default_call_timeout", with = "humantime_serde")]
    pub call_timeout: Duration,
    /// The cadence of the slow facts (log mode aside: archive destinations, recovery area,
    /// redo threads and archive chain, table-level supplemental logging).
    #[serde(default = "default_slow_facts_interval", with = "humantime_serde")]
    pub slow_facts_interval: Duration,
}

/// `[pipeline.flink]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFlink {
    pub jobmanagers: Option<Vec<String>>,
    pub job_name: Option<String>,
    #[serde(default = "default_source_operator")]
    pub source_operator: String,
    #[serde(default = "default_sink_operator")]
    pub sink_operator: String,
    #[serde(default = "default_request_timeout", with = "humantime_serde")]
    pub request_timeout: Duration,
}

/// `[pipeline.zookeeper]` (optional: only for Flink's ZooKeeper HA services).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawZooKeeper {
    pub quorum: Option<Vec<String>>,
    /// Flink's `high-availability.zookeeper.path.root` default.
    #[serde(default = "default_zk_root")]
    pub root: String,
    /// Flink's `high-availability.cluster-id` default.
    #[serde(default = "default_zk_cluster_id")]
    pub cluster_id: String,
    #[serde(default = "default_zk_session_timeout", with = "humantime_serde")]
    pub session_timeout: Duration,
}

/// `[pipeline.output]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutput {
    pub dir: Option<String>,
    pub format: Option<RawFormat>,
    /// Required for `csv`, rejected for `json`.
    pub csv_scn_column: Option<RawScnColumn>,
    /// Default `,` (csv only).
    pub csv_delimiter: Option<String>,
    /// Required for `json`, rejected for `csv`.
    pub json_scn_pointer: Option<String>,
    /// Default 0: the usual CDC FileSink rolls on every checkpoint.
    #[serde(default, with = "humantime_serde")]
    pub rolling_interval: Duration,
}

/// `format = "csv" | "json"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawFormat {
    Csv,
    Json,
}

/// `csv_scn_column`: a header name or a 0-based index.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "a column name (string) or a 0-based column index (integer)"
)]
pub(super) enum RawScnColumn {
    Name(String),
    Index(i64),
}

/// `[pipeline.audit]` (optional: every key has a default).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAudit {
    pub connector_options: Option<String>,
    pub sqlnet: Option<String>,
    #[serde(default)]
    pub host_keepalive: bool,
}

/// `[pipeline.remediation]` (optional: every key has a default).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRemediation {
    #[serde(default = "default_mode")]
    pub mode: RawMode,
    /// DESIGN.md §6: at most 3 restarts per hour per pipeline unless configured otherwise.
    #[serde(default = "default_budget_restarts")]
    pub budget_restarts: i64,
    #[serde(default = "default_budget_window", with = "humantime_serde")]
    pub budget_window: Duration,
    /// Off by default: the agent acts on its own only when the operator says so.
    #[serde(default)]
    pub auto: bool,
    pub savepoint_dir: Option<String>,
    pub resubmit: Option<RawResubmit>,
    /// The DBA's procedure that kills only the connector's sessions (sql/grants.sql).
    pub kill_procedure: Option<String>,
    #[serde(default = "default_stop_timeout", with = "humantime_serde")]
    pub stop_timeout: Duration,
    #[serde(default = "default_running_timeout", with = "humantime_serde")]
    pub running_timeout: Duration,
    #[serde(default = "default_verify_timeout", with = "humantime_serde")]
    pub verify_timeout: Duration,
}

impl Default for RawRemediation {
    fn default() -> Self {
        RawRemediation {
            mode: default_mode(),
            budget_restarts: default_budget_restarts(),
            budget_window: default_budget_window(),
            auto: false,
            savepoint_dir: None,
            resubmit: None,
            kill_procedure: None,
            stop_timeout: default_stop_timeout(),
            running_timeout: default_running_timeout(),
            verify_timeout: default_verify_timeout(),
        }
    }
}

/// `[pipeline.savepoints]` (optional: no periodic savepoints without `interval`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSavepoints {
    #[serde(default, with = "humantime_serde")]
    pub interval: Option<Duration>,
    /// The Flink Kubernetes Operator's `savepoint.history.max.count` default.
    #[serde(default = "default_savepoints_keep")]
    pub keep: i64,
    #[serde(default = "default_savepoints_max_age", with = "humantime_serde")]
    pub max_age: Duration,
    pub dir: Option<String>,
}

impl Default for RawSavepoints {
    fn default() -> Self {
        RawSavepoints {
            interval: None,
            keep: default_savepoints_keep(),
            max_age: default_savepoints_max_age(),
            dir: None,
        }
    }
}

fn default_savepoints_keep() -> i64 {
    10
}
fn default_savepoints_max_age() -> Duration {
    Duration::from_secs(7 * 24 * 3600)
}

/// `mode = "savepoint" | "advise_only"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum RawMode {
    Savepoint,
    AdviseOnly,
}

/// `[pipeline.remediation.resubmit]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawResubmit {
    pub jar: Option<String>,
    pub entry_class: Option<String>,
    #[serde(default)]
    pub program_args: Vec<String>,
    #[serde(default = "default_parallelism")]
    pub parallelism: i64,
    pub job_id: Option<String>,
}

// Integers are read as i64 (TOML's integer type) so that a negative count gets our own message
// ("must be at least 1") rather than serde's "expected u32".

fn default_call_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_slow_facts_interval() -> Duration {
    Duration::from_secs(300)
}
fn default_source_operator() -> String {
    "Source".to_owned()
}
fn default_sink_operator() -> String {
    "Sink".to_owned()
}
fn default_request_timeout() -> Duration {
    Duration::from_secs(5)
}
fn default_zk_root() -> String {
    "/flink".to_owned()
}
fn default_zk_cluster_id() -> String {
    "default".to_owned()
}
fn default_zk_session_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_mode() -> RawMode {
    RawMode::Savepoint
}
fn default_budget_restarts() -> i64 {
    3
}
fn default_budget_window() -> Duration {
    Duration::from_secs(3600)
}
/// A CDC job's state is small: a savepoint of it takes seconds; two minutes means stuck.
fn default_stop_timeout() -> Duration {
    Duration::from_secs(120)
}
fn default_running_timeout() -> Duration {
    Duration::from_secs(120)
}
/// Long enough for the connector's first mining round after a restart (session setup, the
/// dictionary from the online catalog, a few log switches' worth of redo).
fn default_verify_timeout() -> Duration {
    Duration::from_secs(300)
}
fn default_parallelism() -> i64 {
    1
}

fn default_interval() -> Duration {
    Duration::from_secs(15)
}

/// `[agent]`: the `watch` agent (optional: every key has a default).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgent {
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Relative to the config file's directory.
    #[serde(default = "default_state_dir")]
    pub state_dir: String,
    #[serde(default = "default_concurrency")]
    pub concurrency: i64,
    #[serde(default = "default_history_window", with = "humantime_serde")]
    pub history_window: Duration,
    #[serde(default = "default_history_samples")]
    pub history_samples: i64,
    #[serde(default = "default_retention", with = "humantime_serde")]
    pub retention: Duration,
    #[serde(default = "default_retention_count")]
    pub retention_count: i64,
    #[serde(default = "default_shutdown_grace", with = "humantime_serde")]
    pub shutdown_grace: Duration,
    #[serde(default = "default_hold_down")]
    pub alert_hold_down: i64,
    #[serde(default = "default_renotify", with = "humantime_serde")]
    pub alert_renotify: Duration,
    #[serde(default = "default_alert_retries")]
    pub alert_retries: i64,
    #[serde(default = "default_alert_timeout", with = "humantime_serde")]
    pub alert_timeout: Duration,
    /// A bearer token the HTTP endpoints require (all but /healthz), from one source.
    pub token_env: Option<String>,
    pub token_file: Option<String>,
    pub alertmanager_url: Option<String>,
    pub webhook_url: Option<String>,
    pub status_url: Option<String>,
    /// The status page's language (`en`, `zh`; default `en`).
    pub language: Option<String>,
    pub slack: Option<RawChat>,
    pub dingtalk: Option<RawChat>,
    pub wecom: Option<RawChat>,
    pub feishu: Option<RawChat>,
    pub email: Option<RawEmail>,
    pub fleet: Option<RawFleet>,
}

/// `[agent.fleet]`: several `watch` processes share the pipelines through ZooKeeper.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFleet {
    /// `host:port` of every quorum member.
    pub zookeeper: Option<Vec<String>>,
    #[serde(default = "default_fleet_root")]
    pub root: String,
    /// Default: the host name and the process id.
    pub member: Option<String>,
    #[serde(default = "default_fleet_session_timeout", with = "humantime_serde")]
    pub session_timeout: Duration,
}

fn default_fleet_root() -> String {
    "/logminer-doctor/fleet".into()
}
/// Long enough to ride out a garbage-collection pause or a short network blip, short enough
/// that a dead member's pipelines are probed again within a quarter minute.
fn default_fleet_session_timeout() -> Duration {
    Duration::from_secs(10)
}

/// `[agent.email]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmail {
    pub host: String,
    pub port: Option<i64>,
    pub tls: Option<String>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<String>,
    pub from: String,
    pub to: Vec<String>,
    pub language: Option<String>,
    pub ca_file: Option<String>,
}

/// `[agent.slack]`, `[agent.dingtalk]`, `[agent.wecom]`, `[agent.feishu]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChat {
    pub url: String,
    pub language: Option<String>,
    pub secret_env: Option<String>,
    pub secret_file: Option<String>,
    pub keyword: Option<String>,
}

impl Default for RawAgent {
    fn default() -> Self {
        RawAgent {
            listen: default_listen(),
            state_dir: default_state_dir(),
            concurrency: default_concurrency(),
            history_window: default_history_window(),
            history_samples: default_history_samples(),
            retention: default_retention(),
            retention_count: default_retention_count(),
            shutdown_grace: default_shutdown_grace(),
            alert_hold_down: default_hold_down(),
            alert_renotify: default_renotify(),
            alert_retries: default_alert_retries(),
            alert_timeout: default_alert_timeout(),
            token_env: None,
            token_file: None,
            alertmanager_url: None,
            webhook_url: None,
            status_url: None,
            language: None,
            slack: None,
            dingtalk: None,
            wecom: None,
            feishu: None,
            email: None,
            fleet: None,
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:9464".to_owned()
}
fn default_state_dir() -> String {
    "logminer-doctor-state".to_owned()
}
fn default_concurrency() -> i64 {
    8
}
fn default_history_window() -> Duration {
    Duration::from_secs(10 * 60)
}
fn default_history_samples() -> i64 {
    20
}
/// A day of full observations (a compact one is some kilobytes; 5,760 is a day at 15 s): enough
/// to replay an incident; the verdict timeline is kept longer.
fn default_retention() -> Duration {
    Duration::from_secs(24 * 3600)
}
fn default_retention_count() -> i64 {
    5_760
}
fn default_shutdown_grace() -> Duration {
    Duration::from_secs(10)
}
/// Four probes at the default 15 s interval span 45 s: a failover that heals itself in 40 s
/// never pages.
fn default_hold_down() -> i64 {
    4
}
fn default_renotify() -> Duration {
    Duration::from_secs(4 * 3600)
}
fn default_alert_retries() -> i64 {
    3
}
fn default_alert_timeout() -> Duration {
    Duration::from_secs(5)
}
