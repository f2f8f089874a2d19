//! `audit`: the settings of Oracle, the connector, Flink and the network that will make a
//! pipeline stall silently, lose its resume point or page for nothing, found before they do.
//! This file owns the `Finding` (severity, setting, value, why, fix, source), the report and its
//! text and JSON renderings, and the exit status; each system's checks live in their own file
//! (pure functions over the settings read) beside the one function that reads them.

pub mod connector;
pub mod exposure;
pub mod flink;
pub mod oracle;
pub mod sqlnet;

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::config::PipelineConfig;
use crate::exit::Exit;
use crate::lang::{Bilingual, Lang};

/// How bad a finding is (the scale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// Worth knowing; changes nothing by itself.
    Info,
    /// Will stall the pipeline or page for nothing.
    Warning,
    /// Will lose data or the resume point.
    Critical,
}

impl Severity {
    /// `INFO`, `WARNING`, `CRITICAL` (the metric label and the JSON value too).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Critical => "CRITICAL",
        }
    }

    /// The word in `lang`.
    pub fn word(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (s, Lang::En) => s.as_str(),
            (Severity::Info, Lang::Zh) => "提示",
            (Severity::Warning, Lang::Zh) => "警告",
            (Severity::Critical, Lang::Zh) => "严重",
        }
    }

    /// The exit status a finding of this severity asks for.
    pub fn exit(self) -> Exit {
        match self {
            Severity::Info => Exit::Ok,
            Severity::Warning => Exit::Warning,
            Severity::Critical => Exit::Critical,
        }
    }
}

/// The system a finding is about (findings are printed grouped by it, in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum System {
    /// The Oracle database.
    Oracle,
    /// The CDC connector's options (Flink CDC / Debezium).
    Connector,
    /// The Flink cluster and job.
    Flink,
    /// `sqlnet.ora` and the host's TCP keepalive.
    Network,
}

impl System {
    /// Every system, in report order.
    pub const ALL: [System; 4] = [
        System::Oracle,
        System::Connector,
        System::Flink,
        System::Network,
    ];

    /// `oracle`, `connector`, `flink`, `network` (the metric label and the JSON value too).
    pub fn as_str(self) -> &'static str {
        match self {
            System::Oracle => "oracle",
            System::Connector => "connector",
            System::Flink => "flink",
            System::Network => "network",
        }
    }

    /// The heading in `lang`.
    pub fn heading(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (System::Oracle, Lang::En) => "Oracle",
            (System::Connector, Lang::En) => "Connector (Flink CDC / Debezium options)",
            (System::Flink, Lang::En) => "Flink",
            (System::Network, Lang::En) => "Network (sqlnet.ora, TCP keepalive)",
            (System::Oracle, Lang::Zh) => "Oracle 数据库",
            (System::Connector, Lang::Zh) => "连接器（Flink CDC / Debezium 参数）",
            (System::Flink, Lang::Zh) => "Flink",
            (System::Network, Lang::Zh) => "网络（sqlnet.ora、TCP keepalive）",
        }
    }
}

/// One setting that will hurt: what it is, why, the fix and where the fact comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The system whose setting it is.
    pub system: System,
    /// How bad.
    pub severity: Severity,
    /// A stable identifier of the check (`flink.restart_strategy_none`), for tests and programs.
    pub check: &'static str,
    /// The setting as its system names it (`restart-strategy.type`, `undo_retention`).
    pub setting: String,
    /// Its value as read, or `(not set)`.
    pub value: String,
    /// Why it matters, one sentence in each language.
    pub why: Bilingual,
    /// The fix: the exact statement or option (identifiers are the same in both languages).
    pub fix: Bilingual,
    /// Where the fact comes from: a section of the shared notes or a public URL; facts the notes
    /// mark as inference or code reading say so here.
    pub source: &'static str,
}

/// A finding, its fields in `Finding`'s order (each check module builds its findings with it).
// One argument per field of the finding: a call reads like the finding it makes.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finding(
    system: System,
    severity: Severity,
    check: &'static str,
    setting: impl Into<String>,
    value: impl Into<String>,
    why: Bilingual,
    fix: Bilingual,
    source: &'static str,
) -> Finding {
    Finding {
        system,
        severity,
        check,
        setting: setting.into(),
        value: value.into(),
        why,
        fix,
        source,
    }
}

/// Every check of the audit, by its stable id (the `check` of its findings), in report order
/// of the systems. `tests/it/audit.rs` makes each one fire and renders it in both languages.
pub const CHECKS: &[&str] = &[
    "oracle.not_archivelog",
    "oracle.no_minimal_supplemental_logging",
    "oracle.table_without_supplemental_logging",
    "oracle.archive_dest_error",
    "oracle.short_redo_retention",
    "oracle.frequent_log_switches",
    "oracle.recovery_area_small",
    "oracle.undo_retention_short",
    "oracle.mining_pga_near_limit",
    "oracle.connector_idle_time",
    "connector.unknown_option",
    "connector.option_from_later_debezium",
    "connector.missing_debezium_prefix",
    "connector.connection_timeout_no_effect",
    "connector.continuous_mine",
    "connector.no_heartbeat",
    "connector.heartbeat_action_query_incremental",
    "connector.no_keepalive_no_read_timeout",
    "connector.no_read_timeout",
    "connector.redo_log_catalog",
    "connector.no_pdb_name",
    "connector.startup_latest_offset",
    "connector.oracle_version_not_validated",
    "flink.restart_strategy_none",
    "flink.restart_attempts_few",
    "flink.restart_exponential_never_fails",
    "flink.checkpointing_disabled",
    "flink.checkpoints_not_retained",
    "flink.stall_window_too_short",
    "flink.checkpoint_timeout_short",
    "flink.no_tolerable_checkpoint_failures",
    "flink.no_savepoint_dir",
    "flink.ha_storage_local",
    "flink.zk_session_longer_than_grace",
    "flink.zk_session_short",
    "flink.jobmanagers_disagree",
    "flink.job_not_found",
    "flink.no_fixed_job_id",
    "flink.job_id_not_fixed",
    "network.no_dead_connection_detection",
    "network.dead_connection_detection_slow",
    "network.recv_timeout_set",
    "network.tcp_keepalive_time_long",
];

/// What `value` says when a setting is absent.
pub const NOT_SET: &str = "(not set)";

/// A part of the audit that could not be read (it makes the exit UNKNOWN unless a finding is
/// CRITICAL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unread {
    /// The system.
    pub system: System,
    /// What could not be read (`GET /jobmanager/config`, `sql/undo_retention.sql`, a file).
    pub part: String,
    /// Why (never holds a password: the collectors' errors name targets, not credentials).
    pub error: String,
}

/// The audit of one pipeline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Audit {
    /// The pipeline's name.
    pub pipeline: String,
    /// Every finding, in system order then most severe first.
    pub findings: Vec<Finding>,
    /// The parts that could not be read.
    pub unread: Vec<Unread>,
}

impl Audit {
    /// An audit of `pipeline` from findings and unread parts in any order.
    pub fn new(pipeline: &str, mut findings: Vec<Finding>, unread: Vec<Unread>) -> Audit {
        findings.sort_by(|a, b| {
            (a.system, std::cmp::Reverse(a.severity), a.check).cmp(&(
                b.system,
                std::cmp::Reverse(b.severity),
                b.check,
            ))
        });
        Audit {
            pipeline: pipeline.to_string(),
            findings,
            unread,
        }
    }

    /// The exit status: the worst finding (CRITICAL 2, WARNING 1, else 0), and 3 when a part
    /// could not be read, unless a finding is CRITICAL (a known fault is never hidden by an
    /// unread part, as `diagnose` ranks them).
    pub fn exit(&self) -> Exit {
        let mut exits: Vec<Exit> = self.findings.iter().map(|f| f.severity.exit()).collect();
        exits.push(Exit::Ok);
        if !self.unread.is_empty() {
            exits.push(Exit::Unknown);
        }
        Exit::most_urgent(exits)
    }

    /// The number of findings of `system` and `severity` (the metric's value).
    pub fn count(&self, system: System, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.system == system && f.severity == severity)
            .count()
    }

    /// The checks that fired, e.g. `["flink.restart_strategy_none", ...]` (tests compare them).
    pub fn checks(&self) -> Vec<&'static str> {
        self.findings.iter().map(|f| f.check).collect()
    }
}

/// What the checks need to know about the doctor's own config of the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// `failover_grace`: how long a leader election may last before the doctor calls it a fault.
    pub failover_grace: Duration,
    /// `stall_window`: committed output older than this is stale.
    pub stall_window: Duration,
    /// The FileSink's rolling interval from `[pipeline.output]`.
    pub rolling_interval: Duration,
    /// `[pipeline.remediation] savepoint_dir`.
    pub savepoint_dir: Option<String>,
    /// `[pipeline.remediation.resubmit] job_id`, lower-case.
    pub fixed_job_id: Option<String>,
    /// The hosts of the configured JobManagers (distinct).
    pub jobmanager_hosts: Vec<String>,
    /// `pga_warning_ratio`.
    pub pga_warning_ratio: f64,
    /// What the doctor's history shows of the pipeline (`None`: no state database to read).
    pub exposure: Option<exposure::Exposure>,
}

impl Context {
    /// The context of a configured pipeline.
    pub fn of(p: &PipelineConfig) -> Context {
        let mut hosts: Vec<String> = p
            .flink
            .jobmanagers
            .iter()
            .filter_map(|u| u.host_str().map(str::to_string))
            .collect();
        hosts.sort();
        hosts.dedup();
        Context {
            failover_grace: p.thresholds.failover_grace,
            stall_window: p.thresholds.stall_window,
            rolling_interval: p.output.rolling_interval,
            savepoint_dir: p.remediation.savepoint_dir.clone(),
            fixed_job_id: p
                .remediation
                .resubmit
                .as_ref()
                .map(|r| r.job_id.to_ascii_lowercase()),
            jobmanager_hosts: hosts,
            pga_warning_ratio: p.thresholds.pga_warning_ratio,
            exposure: None,
        }
    }
}

/// A duration as people write it (`1m 30s`).
pub fn human(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// Bytes as GiB or MiB with one decimal.
pub fn bytes(n: u64) -> String {
    if n >= 1 << 30 {
        format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64)
    } else {
        format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
    }
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/// A file given to `audit` that cannot be used (the command then exits 3 before reading
/// anything else).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The connector options file.
    #[error(transparent)]
    Connector(#[from] connector::OptionsError),
    /// The `sqlnet.ora` file.
    #[error(transparent)]
    Sqlnet(#[from] sqlnet::SqlnetError),
}

/// What the command line gave besides the config: the files are read and parsed before the
/// audit starts, so a bad one stops it with a clear error.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// The connectors' options (none: not checked).
    pub connectors: Vec<connector::ConnectorOptions>,
    /// The server's `sqlnet.ora` (none: not checked).
    pub sqlnet: Option<sqlnet::SqlnetOra>,
    /// The host's `tcp_keepalive_time` when asked for: seconds, or why it could not be read.
    pub keepalive: Option<Result<u64, String>>,
}

impl Inputs {
    /// Reads the files named on the command line.
    pub fn load(
        connector_options: Option<&std::path::Path>,
        sqlnet_ora: Option<&std::path::Path>,
        keepalive: Option<&std::path::Path>,
    ) -> Result<Inputs, InputError> {
        Ok(Inputs {
            connectors: match connector_options {
                Some(p) => connector::load(p)?,
                None => Vec::new(),
            },
            sqlnet: sqlnet_ora.map(sqlnet::load).transpose()?,
            keepalive: keepalive.map(sqlnet::read_keepalive),
        })
    }
}

/// Audits one pipeline through the given collectors (the real ones, or the simulated database
/// in tests) and what the doctor's history shows of it: reads Oracle and Flink concurrently,
/// then runs every check.
pub async fn audit_with<D: crate::collectors::oracle::pool::Driver>(
    p: &PipelineConfig,
    oracle: &crate::collectors::oracle::OracleCollector<D>,
    flink: &crate::collectors::flink::FlinkCollector,
    inputs: &Inputs,
    exposure: Option<exposure::Exposure>,
) -> Audit {
    let ctx = Context {
        exposure,
        ..Context::of(p)
    };
    let ((db, mut unread), (fl, fl_unread)) = tokio::join!(
        self::oracle::read(oracle),
        flink::read(flink, &p.flink.job_name)
    );
    unread.extend(fl_unread);
    let mut findings = self::oracle::check(&db, &ctx, &p.oracle.connector_user);
    if let Some(fl) = &fl {
        findings.extend(flink::check(fl, &ctx));
    }
    let facts = connector::OracleFacts {
        major: db.major,
        cdb: db.cdb,
        mining_sessions: db.mining_sessions,
    };
    for c in &inputs.connectors {
        let mut of = connector::check(c, facts);
        // Across systems: how long a quiet period without heartbeats this database forgives.
        if let Some(window) = db.redo_window {
            for f in of
                .iter_mut()
                .filter(|f| f.check == "connector.no_heartbeat")
            {
                f.why.en.push_str(&format!(
                    " This database keeps redo for {}: a quiet period longer than that is enough.",
                    human(window)
                ));
                f.why.zh.push_str(&format!(
                    "本库 redo 保留 {}：安静时段超过它即会发生。",
                    human(window)
                ));
            }
        }
        findings.extend(of);
    }
    escalate_retention(&mut findings, &db, ctx.exposure.as_ref());
    if let Some(ora) = &inputs.sqlnet {
        findings.extend(sqlnet::check_sqlnet(ora));
    }
    match &inputs.keepalive {
        Some(Ok(secs)) => findings.extend(sqlnet::check_keepalive(*secs)),
        Some(Err(e)) => unread.push(Unread {
            system: System::Network,
            part: "net.ipv4.tcp_keepalive_time".into(),
            error: e.clone(),
        }),
        None => {}
    }
    Audit::new(&p.name, findings, unread)
}

/// Across systems: when the connector sends no heartbeat (its offset stays put while the tables
/// are quiet) and a quiet period the doctor saw, plus the lag, already outlasted the redo kept,
/// a restart after the next such period lands on purged redo: the short retention is then
/// CRITICAL (the resume point will be lost), not a warning.
fn escalate_retention(
    findings: &mut [Finding],
    db: &self::oracle::OracleSettings,
    exposure: Option<&exposure::Exposure>,
) {
    let (Some(window), Some(e)) = (db.redo_window, exposure) else {
        return;
    };
    let Some(quiet) = e.longest_quiet else {
        return;
    };
    let seen = quiet.length + e.lag.unwrap_or_default();
    if seen < window || !findings.iter().any(|f| f.check == "connector.no_heartbeat") {
        return;
    }
    for f in findings
        .iter_mut()
        .filter(|f| f.check == "oracle.short_redo_retention")
    {
        f.severity = Severity::Critical;
        f.why.en.push_str(&format!(
            " The connector sends no heartbeat, and a quiet period seen here ({}) plus the lag already outlasted the redo kept: the next one loses the resume point.",
            human(quiet.length)
        ));
        f.why.zh.push_str(&format!(
            "连接器未配置心跳，而此处观察到的安静时段（{}）加上延迟已超过 redo 保留时长：下一次这样的安静期将丢失恢复点。",
            human(quiet.length)
        ));
    }
}

/// What the state database in `state_dir` shows of `p` (`None` when there is none yet or it
/// cannot be read: the checks then use their floors, and say so).
pub async fn exposure_of(
    p: &PipelineConfig,
    state_dir: &std::path::Path,
) -> Option<exposure::Exposure> {
    let h = match crate::store::History::open_existing(state_dir)? {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(pipeline = %p.name, error = %e, "The audit cannot read the history; it compares with its floors.");
            return None;
        }
    };
    let now = crate::observation::Timestamp::from_system_time(std::time::SystemTime::now());
    match exposure::read(&h, &p.name, now).await {
        Ok(e) => Some(e),
        Err(e) => {
            tracing::warn!(pipeline = %p.name, error = %e, "The audit cannot read the history; it compares with its floors.");
            None
        }
    }
}

/// Audits one configured pipeline with the real collectors and the files of its
/// `[pipeline.audit]` section (`watch`'s daily audit): a file that cannot be read or parsed is a
/// part not read, never a reason to stop.
pub async fn audit_configured(p: &PipelineConfig, state_dir: &std::path::Path) -> Audit {
    let c = &p.audit;
    let keepalive = c
        .host_keepalive
        .then_some(std::path::Path::new(sqlnet::KEEPALIVE_PATH));
    let mut unread = Vec::new();
    let connectors = match c.connector_options.as_deref().map(connector::load) {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            unread.push(Unread {
                system: System::Connector,
                part: "[pipeline.audit] connector_options".into(),
                error: e.to_string(),
            });
            Vec::new()
        }
        None => Vec::new(),
    };
    let ora = match c.sqlnet.as_deref().map(sqlnet::load) {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            unread.push(Unread {
                system: System::Network,
                part: "[pipeline.audit] sqlnet".into(),
                error: e.to_string(),
            });
            None
        }
        None => None,
    };
    let inputs = Inputs {
        connectors,
        sqlnet: ora,
        keepalive: keepalive.map(sqlnet::read_keepalive),
    };
    let mut a = audit(p, &inputs, state_dir).await;
    a.unread.extend(unread);
    a
}

/// Audits one configured pipeline with the real collectors and the history in `state_dir`.
pub async fn audit(p: &PipelineConfig, inputs: &Inputs, state_dir: &std::path::Path) -> Audit {
    let oracle = crate::collectors::oracle::OracleCollector::new(p.oracle.clone());
    let flink = crate::collectors::flink::FlinkCollector::new(p.flink.clone());
    let exposure = exposure_of(p, state_dir).await;
    audit_with(p, &oracle, &flink, inputs, exposure).await
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/// The audits as text in `lang`: per pipeline, findings grouped by system, then what could not be
/// read.
pub fn render_text(audits: &[Audit], lang: Lang) -> String {
    let mut out = String::new();
    for a in audits {
        let (crit, warn, info) = (
            a.findings
                .iter()
                .filter(|f| f.severity == Severity::Critical)
                .count(),
            a.findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .count(),
            a.findings
                .iter()
                .filter(|f| f.severity == Severity::Info)
                .count(),
        );
        match lang {
            Lang::En => {
                let _ = writeln!(
                    out,
                    "Audit of pipeline {}: {crit} critical, {warn} warning, {info} info{}",
                    a.pipeline,
                    if a.unread.is_empty() {
                        String::new()
                    } else {
                        format!(", {} part(s) not read", a.unread.len())
                    }
                );
            }
            Lang::Zh => {
                let _ = writeln!(
                    out,
                    "管道 {} 的配置审计：严重 {crit} 项，警告 {warn} 项，提示 {info} 项{}",
                    a.pipeline,
                    if a.unread.is_empty() {
                        String::new()
                    } else {
                        format!("，{} 部分未能读取", a.unread.len())
                    }
                );
            }
        }
        for system in System::ALL {
            let of: Vec<&Finding> = a.findings.iter().filter(|f| f.system == system).collect();
            if of.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n  {}", system.heading(lang));
            for f in of {
                // The value is data, except the words for an absent setting.
                let value = match lang {
                    Lang::En => f.value.clone(),
                    Lang::Zh => f.value.replace(NOT_SET, "（未设置）"),
                };
                let _ = writeln!(out, "  [{}] {} = {value}", f.severity.word(lang), f.setting,);
                let (why, fix, source) = match lang {
                    Lang::En => ("why", "fix", "source"),
                    Lang::Zh => ("原因", "修复", "出处"),
                };
                let _ = writeln!(out, "      {why}: {}", f.why.render(lang));
                let _ = writeln!(out, "      {fix}: {}", f.fix.render(lang));
                let _ = writeln!(out, "      {source}: {}", f.source);
            }
        }
        if !a.unread.is_empty() {
            let _ = writeln!(
                out,
                "\n  {}",
                lang.pick(
                    "Not read (these settings were not checked)",
                    "未能读取（以下设置未检查）"
                )
            );
            for u in &a.unread {
                let _ = writeln!(out, "  [{}] {}: {}", u.system.as_str(), u.part, u.error);
            }
        }
        out.push('\n');
    }
    out
}

/// A finding as JSON (English).
#[derive(Serialize)]
struct FindingJson<'a> {
    system: System,
    severity: Severity,
    check: &'a str,
    setting: &'a str,
    value: &'a str,
    why: &'a str,
    fix: &'a str,
    source: &'a str,
}

/// One pipeline's audit as JSON.
#[derive(Serialize)]
struct AuditJson<'a> {
    pipeline: &'a str,
    exit: u8,
    findings: Vec<FindingJson<'a>>,
    unread: &'a [Unread],
}

/// The audits as JSON (English, stable keys).
pub fn render_json(audits: &[Audit]) -> String {
    let v: Vec<AuditJson<'_>> = audits
        .iter()
        .map(|a| AuditJson {
            pipeline: &a.pipeline,
            exit: a.exit().code(),
            findings: a
                .findings
                .iter()
                .map(|f| FindingJson {
                    system: f.system,
                    severity: f.severity,
                    check: f.check,
                    setting: &f.setting,
                    value: &f.value,
                    why: &f.why.en,
                    fix: &f.fix.en,
                    source: f.source,
                })
                .collect(),
            unread: &a.unread,
        })
        .collect();
    // Serializing plain strings and enums cannot fail; an empty array would be the fallback.
    serde_json::to_string_pretty(&v).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(system: System, severity: Severity, check: &'static str) -> Finding {
        Finding {
            system,
            severity,
            check,
            setting: "s".into(),
            value: "v".into(),
            why: Bilingual::new("why", "原因"),
            fix: Bilingual::new("fix", "修复"),
            source: "src",
        }
    }

    #[test]
    fn exit_follows_the_worst_finding_and_unread_parts() {
        let none = Audit::new("p", vec![], vec![]);
        assert_eq!(none.exit(), Exit::Ok);
        let info = Audit::new(
            "p",
            vec![finding(System::Flink, Severity::Info, "a")],
            vec![],
        );
        assert_eq!(info.exit(), Exit::Ok);
        let warn = Audit::new(
            "p",
            vec![
                finding(System::Flink, Severity::Info, "a"),
                finding(System::Oracle, Severity::Warning, "b"),
            ],
            vec![],
        );
        assert_eq!(warn.exit(), Exit::Warning);
        let unread = vec![Unread {
            system: System::Oracle,
            part: "x".into(),
            error: "y".into(),
        }];
        let warn_unread = Audit::new("p", warn.findings.clone(), unread.clone());
        assert_eq!(warn_unread.exit(), Exit::Unknown);
        let crit_unread = Audit::new(
            "p",
            vec![finding(System::Flink, Severity::Critical, "c")],
            unread,
        );
        assert_eq!(crit_unread.exit(), Exit::Critical);
    }

    #[test]
    fn findings_are_grouped_by_system_most_severe_first_in_both_languages() {
        let a = Audit::new(
            "orders",
            vec![
                finding(System::Flink, Severity::Info, "flink.a"),
                finding(System::Oracle, Severity::Warning, "oracle.b"),
                finding(System::Flink, Severity::Critical, "flink.c"),
            ],
            vec![],
        );
        assert_eq!(a.checks(), vec!["oracle.b", "flink.c", "flink.a"]);
        let en = render_text(std::slice::from_ref(&a), Lang::En);
        assert!(en.contains("1 critical, 1 warning, 1 info"), "{en}");
        assert!(en.find("Oracle").unwrap() < en.find("Flink").unwrap());
        let zh = render_text(std::slice::from_ref(&a), Lang::Zh);
        assert!(
            zh.contains("严重 1 项") && zh.contains("原因: 原因"),
            "{zh}"
        );
        let json: serde_json::Value = serde_json::from_str(&render_json(&[a])).unwrap();
        assert_eq!(json[0]["findings"][0]["severity"], "WARNING");
        assert_eq!(json[0]["findings"][0]["why"], "why");
        assert_eq!(json[0]["exit"], 2);
    }
}
