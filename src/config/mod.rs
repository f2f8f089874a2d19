//! The validated configuration: what the rest of the program may rely on.
//!
//! `raw.rs` mirrors the TOML file (serde, unknown keys rejected), `validate.rs` turns it into
//! these types in one pure pass that reports every problem at once, `secret.rs` keeps passwords
//! out of every output. Types here cannot hold bad values.

mod raw;
pub mod secret;
mod validate;

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::diagnose::Thresholds;
pub use secret::{redact_url, redact_urls, Secret, SecretSource};
pub use validate::{threshold_problems, ConfigError, ConfigProblem, Env, ProcessEnv, MAX_DURATION};

/// The whole validated config file.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (for messages).
    pub path: PathBuf,
    /// One entry per `[[pipeline]]`, names unique.
    pub pipelines: Vec<PipelineConfig>,
    /// `[agent]`: how `watch` runs (defaults when the section is absent).
    pub agent: AgentConfig,
}

impl Config {
    /// Reads, parses and validates the config file at `path`, resolving secrets through `env`.
    ///
    /// Every problem in the file is reported at once, each with the file, the key path and what
    /// is wrong.
    pub fn load(path: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
        validate::load(path, env)
    }

    /// Parses and validates config text (as if read from `path`).
    pub fn from_toml(text: &str, path: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
        validate::from_toml(text, path, env)
    }

    /// The pipeline called `name`.
    pub fn pipeline(&self, name: &str) -> Option<&PipelineConfig> {
        self.pipelines.iter().find(|p| p.name == name)
    }
}

/// One monitored pipeline: Oracle → Flink CDC job → FileSink.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Unique name, used in reports, metrics and alerts.
    pub name: String,
    /// The database side.
    pub oracle: OracleConfig,
    /// The Flink cluster and job.
    pub flink: FlinkConfig,
    /// The ZooKeeper quorum of Flink's HA services, when configured.
    pub zookeeper: Option<ZooKeeperConfig>,
    /// The FileSink directory.
    pub output: OutputConfig,
    /// The decision table's thresholds.
    pub thresholds: Thresholds,
    /// What a restart may do.
    pub remediation: RemediationConfig,
    /// The files `audit` reads when the command line names none (and `watch`'s daily audit).
    pub audit: AuditConfig,
    /// `[pipeline.savepoints]`: periodic savepoints and their retention.
    pub savepoints: SavepointsConfig,
    /// How often `watch` probes it (default 15 s).
    pub interval: Duration,
}

impl PipelineConfig {
    /// How long one collector may take in one probe: the slowest configured call plus a margin.
    pub fn probe_deadline(&self) -> Duration {
        self.oracle.call_timeout.max(self.flink.request_timeout) + Duration::from_secs(5)
    }
}

/// How to reach the database with the monitoring account, and what the connector does there.
#[derive(Debug, Clone)]
pub struct OracleConfig {
    /// Easy Connect string or connect descriptor, e.g. `db-host:1521/ORCLPDB1`.
    pub connect_string: String,
    /// The monitoring account (never the connector's own account).
    pub user: String,
    /// The monitoring account's password, from an environment variable or a file.
    pub password: Secret,
    /// The connector's database username (whose sessions are judged), upper-cased.
    pub connector_user: String,
    /// The connector's flush table, `OWNER.TABLE` upper-cased (default `<connector_user>.LOG_MINING_FLUSH`).
    pub flush_table: TableName,
    /// The tables the connector captures (its `table-name` list), whose activity and supplemental logging the doctor reads.
    pub captured_tables: Vec<TableName>,
    /// Timeout of every database call.
    pub call_timeout: Duration,
    /// How long the slow facts (archive destinations, recovery area, redo threads and archive
    /// chain, table-level supplemental logging) are reused before they are read again (default
    /// 5 min); the gate reads them fresh.
    pub slow_facts_interval: Duration,
}

/// `OWNER.TABLE`, upper-cased as Oracle stores unquoted identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableName {
    /// The schema.
    pub owner: String,
    /// The table name, upper-cased (an unquoted Oracle name).
    pub table: String,
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.owner, self.table)
    }
}

/// The Flink cluster (every JobManager of the HA setup) and how to find the job in it.
#[derive(Debug, Clone)]
pub struct FlinkConfig {
    /// REST base URLs of every JobManager, e.g. `http://jm1:8081`.
    pub jobmanagers: Vec<Url>,
    /// The job's name as Flink lists it.
    pub job_name: String,
    /// A substring of the source operator's name (vertex name), e.g. `Source`.
    pub source_operator: String,
    /// A substring of the sink operator's name, e.g. `FileSink`.
    pub sink_operator: String,
    /// Timeout of every REST call.
    pub request_timeout: Duration,
}

/// Flink's ZooKeeper HA services.
#[derive(Debug, Clone)]
pub struct ZooKeeperConfig {
    /// `host:port` of every quorum member.
    pub quorum: Vec<String>,
    /// `high-availability.zookeeper.path.root` (default `/flink`).
    pub root: String,
    /// `high-availability.cluster-id` (default `default`).
    pub cluster_id: String,
    /// Session timeout of the doctor's own ZooKeeper client.
    pub session_timeout: Duration,
}

/// The FileSink directory and where the SCN is in its rows.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    /// The sink's base path (local).
    pub dir: PathBuf,
    /// Row format and SCN location.
    pub format: OutputFormat,
    /// The FileSink's rolling interval (added to the checkpoint interval for the stall window;
    /// 0 when the policy rolls on checkpoint).
    pub rolling_interval: Duration,
}

/// How rows are written, and where the SCN of a change is in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputFormat {
    /// Delimited text.
    Csv {
        /// Which column holds the SCN.
        scn_column: ScnColumn,
        /// Field delimiter (default `,`).
        delimiter: u8,
    },
    /// One JSON object per line (e.g. Debezium's envelope).
    Json {
        /// JSON pointer to the SCN, e.g. `/source/scn` (the value may be a number or a string).
        scn_pointer: String,
    },
}

/// A CSV column: by header name (the file's first line is a header) or 0-based index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScnColumn {
    /// Named in the header line.
    Name(String),
    /// Position, 0-based, in files without a header.
    Index(usize),
}

/// `[pipeline.audit]`: the files the audit of this pipeline reads, absolute paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditConfig {
    /// The connector's options (Flink SQL, `.properties` or `.args`).
    pub connector_options: Option<PathBuf>,
    /// The database server's `sqlnet.ora`.
    pub sqlnet: Option<PathBuf>,
    /// Read this host's `net.ipv4.tcp_keepalive_time` (the doctor runs beside a TaskManager).
    pub host_keepalive: bool,
}

/// What remediation may do for this pipeline.
#[derive(Debug, Clone)]
pub struct RemediationConfig {
    /// How a restart keeps state.
    pub mode: RemediationMode,
    /// At most this many restarts per `budget_window` (default 3 per hour).
    pub budget_restarts: NonZeroU32,
    /// The budget's window.
    pub budget_window: Duration,
    /// `watch` may restart on its own (default false).
    pub auto: bool,
    /// Where stop-with-savepoint writes (else the cluster's default savepoint directory).
    pub savepoint_dir: Option<String>,
    /// What a restart resubmits; without it the doctor can only advise.
    pub resubmit: Option<ResubmitConfig>,
    /// `OWNER.PROCEDURE` that kills an orphaned connector session (sql/grants.sql), upper-cased.
    pub kill_procedure: Option<String>,
    /// Stop-with-savepoint must finish within this, else the fallback (default 2 min).
    pub stop_timeout: Duration,
    /// A cancel, or the resubmitted job reaching RUNNING, within this (default 2 min).
    pub running_timeout: Duration,
    /// The restart is proven (mining again, output resuming) within this (default 5 min).
    pub verify_timeout: Duration,
}

/// `[pipeline.savepoints]`: `watch` takes a savepoint every `interval` while the job runs and
/// keeps the newest `keep` younger than `max_age` (never the newest restorable one).
#[derive(Debug, Clone)]
pub struct SavepointsConfig {
    /// How often (none: no periodic savepoints, the default).
    pub interval: Option<Duration>,
    /// At most this many of the doctor's savepoints are kept (default 10).
    pub keep: NonZeroU32,
    /// Older ones are disposed of (default 7 days).
    pub max_age: Duration,
    /// Where they are written: this, else the remediation `savepoint_dir`, else the cluster's
    /// `state.savepoints.dir`.
    pub dir: Option<String>,
}

/// How a restart keeps the job's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemediationMode {
    /// Stop with a savepoint; fall back to the latest retained checkpoint only when retention
    /// allows it.
    Savepoint,
    /// Only advise: print the plan, never act.
    AdviseOnly,
}

/// The job submission a restart repeats.
#[derive(Debug, Clone)]
pub struct ResubmitConfig {
    /// The job jar (uploaded to the JobManager when it lacks it).
    pub jar: PathBuf,
    /// The job's main class.
    pub entry_class: String,
    /// Program arguments, one per element.
    pub program_args: Vec<String>,
    /// The job's parallelism at submission.
    pub parallelism: NonZeroU32,
    /// A fixed job id (32 hex digits), so that Flink itself rejects a second copy of the job.
    pub job_id: String,
}

/// `[agent]`: the scheduled probe (`watch`).
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Address of `/metrics`, `/healthz`, `/readyz` and `/status` (default `127.0.0.1:9464`).
    pub listen: std::net::SocketAddr,
    /// The bearer token every endpoint but `/healthz` requires (`token_env`/`token_file`);
    /// none: open, as on loopback.
    pub token: Option<Secret>,
    /// Where the history database lives (default `logminer-doctor-state` beside the config).
    pub state_dir: PathBuf,
    /// At most this many pipelines are probed at the same moment (default 8).
    pub concurrency: NonZeroU32,
    /// A diagnosis reads the observations of this recent window (default 10 min).
    pub history_window: Duration,
    /// ... but at most this many of them, the newest (default 20, at least 2).
    pub history_samples: NonZeroU32,
    /// Observations older than this are deleted (default 24 h).
    pub retention: Duration,
    /// At most this many observations are kept per pipeline (default 5,760: a day at 15 s).
    pub retention_count: NonZeroU32,
    /// How long shutdown waits for the probes in flight (default 10 s).
    pub shutdown_grace: Duration,
    /// The language of the status page and the incident reports (`[agent] language`, default
    /// English).
    pub language: Language,
    /// Alerting.
    pub alerts: AlertsConfig,
    /// `[agent.fleet]`: the pipelines are shared with other `watch` processes (none: alone).
    pub fleet: Option<FleetConfig>,
}

/// `[agent.fleet]`: the members of a fleet of `watch` processes register in ZooKeeper and each
/// pipeline is owned by exactly one live member (`agent::fleet`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetConfig {
    /// `host:port` of every quorum member.
    pub zookeeper: Vec<String>,
    /// The fleet's root node (default `/logminer-doctor/fleet`).
    pub root: String,
    /// This member's name (default: host name and process id); unique in the fleet.
    pub member: String,
    /// The ZooKeeper session timeout: how long a member that stopped answering keeps its
    /// pipelines.
    pub session_timeout: Duration,
}

/// When and where the agent alerts.
#[derive(Debug, Clone)]
pub struct AlertsConfig {
    /// A CRITICAL verdict pages only once it held for this many consecutive probes (default 4).
    pub hold_down: NonZeroU32,
    /// An ongoing incident is notified again after this long (default 4 h).
    pub renotify: Duration,
    /// Retries of a failed delivery, with exponential backoff (default 3).
    pub retries: u32,
    /// Timeout of one delivery (default 5 s).
    pub timeout: Duration,
    /// Prometheus Alertmanager's base URL, e.g. `http://alertmanager:9093`.
    pub alertmanager: Option<Url>,
    /// A generic JSON webhook.
    pub webhook: Option<Url>,
    /// The doctor's status page, linked from chat messages.
    pub status_url: Option<Url>,
    /// Slack incoming webhook.
    pub slack: Option<ChatConfig>,
    /// DingTalk custom robot.
    pub dingtalk: Option<ChatConfig>,
    /// WeCom group robot.
    pub wecom: Option<ChatConfig>,
    /// Feishu custom bot.
    pub feishu: Option<ChatConfig>,
    /// Email over SMTP.
    pub email: Option<EmailConfig>,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587; the default).
    StartTls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No TLS: only for a relay on loopback or a trusted network.
    None,
}

/// `[agent.email]`: alerts by email.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// The SMTP server's host name.
    pub host: String,
    /// Its port (default 587 for STARTTLS, 465 for implicit TLS, 25 without TLS).
    pub port: u16,
    /// How the connection is secured.
    pub tls: SmtpTls,
    /// The login, when the server needs authentication.
    pub username: Option<String>,
    /// The password (with `username`).
    pub password: Option<Secret>,
    /// The sender.
    pub from: lettre::message::Mailbox,
    /// The recipients (at least one).
    pub to: Vec<lettre::message::Mailbox>,
    /// Extra trusted root certificates (PEM) for the server's TLS certificate, e.g. a
    /// company CA; the system's roots are trusted as well.
    pub ca_file: Option<PathBuf>,
    /// Message language.
    pub language: Language,
}

/// Parses an email address (`Name <a@b>` or `a@b`).
pub fn mailbox(s: &str) -> Result<lettre::message::Mailbox, crate::lang::Bilingual> {
    s.parse::<lettre::message::Mailbox>().map_err(|e| {
        crate::lang::Bilingual::new(
            format!("{s:?} is not an email address: {e}"),
            format!("{s:?} 不是电子邮件地址：{e}"),
        )
    })
}

/// The language of a channel's messages (the doctor's one language type).
pub use crate::lang::Lang as Language;

/// One chat channel (`[agent.slack]`, `[agent.dingtalk]`, `[agent.wecom]`, `[agent.feishu]`).
#[derive(Debug, Clone)]
pub struct ChatConfig {
    /// The webhook URL (it holds the robot's token: keep the config file private).
    pub url: Url,
    /// Message language.
    pub language: Language,
    /// Signing secret (DingTalk, Feishu).
    pub secret: Option<Secret>,
    /// DingTalk's keyword rule: a word every message must contain.
    pub keyword: Option<String>,
}
