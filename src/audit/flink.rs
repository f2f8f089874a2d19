//! The Flink part of `audit`: reads the cluster's configuration (`/jobmanager/config`) and the
//! job's (`/jobs/<id>/config`, `/jobs/<id>/checkpoints/config`) through the REST client, and
//! checks them (`check`, pure): restart strategy, checkpointing and its retention, savepoint
//! directory, HA storage and ZooKeeper timeout against the doctor's own windows, fixed job id.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::{finding, human, Context, Finding, Severity, System, Unread, NOT_SET};
use crate::collectors::flink::FlinkCollector;
use crate::lang::Bilingual;
use crate::observation::error_chain;

/// What the audit read from Flink.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlinkSettings {
    /// `/jobmanager/config` of the first JobManager that answered: key → value as written.
    pub cluster: BTreeMap<String, String>,
    /// The job, when one of the configured name is running (or restarting).
    pub job: Option<JobSettings>,
    /// Every JobManager that answered, with its own `/jobmanager/config` (the first is
    /// `cluster`); empty when only one was read.
    pub jobmanagers: Vec<(String, BTreeMap<String, String>)>,
}

/// What the running job's REST answers say about its own settings (code overrides the cluster).
#[derive(Debug, Clone, PartialEq)]
pub struct JobSettings {
    /// The job id.
    pub id: String,
    /// `execution-config.restart-strategy` of `/jobs/<id>/config`: Flink's description.
    pub restart_strategy: Option<String>,
    /// `/jobs/<id>/checkpoints/config`; `None` when Flink answers that checkpointing is off.
    pub checkpoints: Option<CheckpointSettings>,
}

/// The job's checkpoint configuration (`CheckpointConfigInfo`).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointSettings {
    /// `interval`.
    pub interval: Duration,
    /// `timeout`.
    pub timeout: Duration,
    /// `tolerable_failed_checkpoints`.
    pub tolerable_failures: Option<u64>,
    /// `externalization.enabled`.
    pub externalized: bool,
    /// `externalization.delete_on_cancellation`.
    pub delete_on_cancellation: bool,
}

/// A Flink duration as written in its config: a bare number is milliseconds; else a number and
/// a unit (`ms`, `s`, `min`, `h`, `d` and their long forms).
pub fn parse_flink_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    if let Ok(ms) = t.parse::<u64>() {
        return Some(Duration::from_millis(ms));
    }
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let ms = match unit.trim().to_ascii_lowercase().as_str() {
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => n,
        "s" | "sec" | "secs" | "second" | "seconds" => n * 1000,
        "m" | "min" | "mins" | "minute" | "minutes" => n * 60_000,
        "h" | "hour" | "hours" => n * 3_600_000,
        "d" | "day" | "days" => n * 86_400_000,
        _ => return None,
    };
    Some(Duration::from_millis(ms))
}

/// The restart strategy, as far as the settings tell.
#[derive(Debug, Clone, PartialEq)]
pub enum Restart {
    /// `none`: the first failure fails the job.
    None,
    /// `fixed-delay` with this many attempts.
    FixedDelay(u64),
    /// `failure-rate`.
    FailureRate,
    /// `exponential-delay`; `explicit` false when it is Flink's default (1.19+, checkpointing on).
    Exponential {
        /// Set in the config or code, not defaulted.
        explicit: bool,
    },
    /// A description the audit does not recognise.
    Unknown(String),
}

/// The job's description of its restart strategy (Flink 1.x `RestartStrategies` descriptions),
/// or `None` when it defers to the cluster ("Cluster level default restart strategy").
fn restart_from_description(d: &str) -> Option<Restart> {
    let l = d.to_ascii_lowercase();
    if l.contains("cluster level default") {
        return None;
    }
    if l.contains("restart deactivated") || l.contains("no restart") {
        return Some(Restart::None);
    }
    if l.contains("fixed delay") {
        // "Restart with fixed delay (1 s). #2 restart attempts."
        let attempts = l
            .split('#')
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        return Some(Restart::FixedDelay(attempts));
    }
    if l.contains("failure rate") {
        return Some(Restart::FailureRate);
    }
    if l.contains("exponential") {
        return Some(Restart::Exponential { explicit: true });
    }
    Some(Restart::Unknown(d.to_string()))
}

impl FlinkSettings {
    /// The value of the first of `keys` set in the cluster config (most current name first; the
    /// deprecated names still count, as Flink still reads them).
    fn get(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.cluster.get(*k).cloned())
    }

    /// Checkpointing is on: the job has a checkpoint config, or (no job) the cluster sets an
    /// interval.
    fn checkpointing_on(&self) -> bool {
        match &self.job {
            Some(j) => j.checkpoints.is_some(),
            None => self.get(&[CP_INTERVAL]).is_some(),
        }
    }

    /// The effective restart strategy and the setting it comes from.
    pub fn restart(&self) -> (String, Restart) {
        if let Some(j) = &self.job {
            if let Some(r) = j
                .restart_strategy
                .as_deref()
                .and_then(restart_from_description)
            {
                return (
                    format!("job {}: execution-config.restart-strategy", j.id),
                    r,
                );
            }
        }
        let setting = RESTART_TYPE.to_string();
        match self.get(&[RESTART_TYPE, RESTART_OLD]) {
            Some(v) => {
                let r = match v.trim().to_ascii_lowercase().replace('_', "-").as_str() {
                    "none" | "off" | "disable" => Restart::None,
                    "fixed-delay" | "fixeddelay" => Restart::FixedDelay(
                        self.get(&[FIXED_ATTEMPTS])
                            .and_then(|a| a.trim().parse().ok())
                            // Flink's default number of attempts once fixed-delay is chosen.
                            .unwrap_or(1),
                    ),
                    "failure-rate" | "failurerate" => Restart::FailureRate,
                    "exponential-delay" | "exponentialdelay" => {
                        Restart::Exponential { explicit: true }
                    }
                    _ => Restart::Unknown(v.clone()),
                };
                (setting, r)
            }
            // Unset: none without checkpointing, exponential-delay with it (Flink 1.19+).
            None if self.checkpointing_on() => (setting, Restart::Exponential { explicit: false }),
            None => (setting, Restart::None),
        }
    }
}

const RESTART_TYPE: &str = "restart-strategy.type";
const RESTART_OLD: &str = "restart-strategy";
const FIXED_ATTEMPTS: &str = "restart-strategy.fixed-delay.attempts";
const CP_INTERVAL: &str = "execution.checkpointing.interval";
const CP_TIMEOUT: &str = "execution.checkpointing.timeout";
const CP_TOLERABLE: &str = "execution.checkpointing.tolerable-failed-checkpoints";
const CP_RETENTION: &str = "execution.checkpointing.externalized-checkpoint-retention";
const SP_DIR: &str = "execution.checkpointing.savepoint-dir";
const SP_DIR_OLD: &str = "state.savepoints.dir";
const HA_TYPE: &str = "high-availability.type";
const HA_OLD: &str = "high-availability";
const HA_STORAGE: &str = "high-availability.storageDir";
const ZK_SESSION: &str = "high-availability.zookeeper.client.session-timeout";

/// The cluster keys the checks read, compared between JobManagers.
const AUDITED_KEYS: &[&str] = &[
    RESTART_TYPE,
    RESTART_OLD,
    FIXED_ATTEMPTS,
    CP_INTERVAL,
    CP_TIMEOUT,
    CP_TOLERABLE,
    CP_RETENTION,
    SP_DIR,
    SP_DIR_OLD,
    HA_TYPE,
    HA_OLD,
    HA_STORAGE,
    ZK_SESSION,
];

const SRC_RESTART: &str = "shared/notes/debezium-logminer.md §e (the incremental source's errors reach Flink's restart strategy, which alone decides); Flink 1.20 docs ops/state/task_failure_recovery (not in the shared notes)";
const SRC_EXPONENTIAL: &str = "issue 16 (exponential-delay is the default since Flink 1.19 when checkpointing is on; not in the shared notes: verify in the Flink 1.20 docs, ops/state/task_failure_recovery)";
const SRC_CHECKPOINTING: &str = "shared/notes/flink-anchors.md §a: \"Part files can only be finalized on successful checkpoints\" (Flink 1.20 docs, connectors/datastream/filesystem.md); 404 \"Checkpointing has not been enabled.\"";
const SRC_RETENTION: &str = "shared/notes/flink-anchors.md §a GET /jobs/:jobid/checkpoints/config: the default retention is NO_EXTERNALIZED_CHECKPOINTS (CheckpointingOptions, Flink 1.20 and 2.0); cancelling can delete the checkpoint to restart from";
const SRC_STALL: &str = "README Configuration (stall_window is never shorter than the checkpoint interval plus the rolling interval); shared/notes/flink-anchors.md, measured: FileSink output becomes visible only at a checkpoint after the roll";
const SRC_TIMEOUT: &str = "shared/notes/debezium-logminer.md §e: flink-cdc#1762 (data stopped with a 1.5 s checkpoint timeout); the 60 s floor is an inference";
const SRC_TOLERABLE: &str = "Inference: with tolerable-failed-checkpoints 0 the first failed checkpoint fails the job over (Flink CheckpointingOptions; not in the shared notes)";
const SRC_SAVEPOINT: &str = "shared/notes/flink-anchors.md §a Savepoints: execution.checkpointing.savepoint-dir (was state.savepoints.dir); stop-with-savepoint needs a target directory";
const SRC_HA_STORAGE: &str = "shared/notes/flink-anchors.md §b: ZooKeeper holds only pointers, the job graphs and checkpoint metadata live in the HA storage; that a standby on another host cannot read a file:// path is an inference";
const SRC_ZK_LONG: &str = "shared/notes/flink-anchors.md, measured on a real cluster: after SIGKILL of the leader the standby took over at the ZooKeeper session expiry (~36 s with a 40 s cap); §b high-availability.zookeeper.client.session-timeout default 1 min";
const SRC_ZK_SHORT: &str = "shared/notes/flink-anchors.md §b: a suspended ZooKeeper connection revokes every leadership and fails over (zookeeper_ha.md); the 10 s floor is an inference";
const SRC_JOB_SETTINGS: &str = "shared/notes/flink-anchors.md §a: a job's own settings are served by GET /jobs/:jobid/checkpoints/config (and /jobs/:jobid/config) only while the leader knows the job; /jobmanager/config is the local process's configuration";
const SRC_JM_CONFIG: &str = "shared/notes/flink-anchors.md §a: /jobmanager/config is built from the configuration of the local process that serves the request; measured: each JobManager answered its own";
const SRC_JOB_ID: &str = "shared/notes/flink-anchors.md §a: a fixed jobId makes resubmission safe against duplicates (Dispatcher DuplicateJobSubmissionException, JobResultStore FLINK-25430)";

/// The Flink findings (pure).
pub fn check(s: &FlinkSettings, ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    // Restart strategy.
    let (setting, restart) = s.restart();
    let shown = |r: &Restart| match r {
        Restart::None => "none".to_string(),
        Restart::FixedDelay(n) => format!("fixed-delay, {n} attempts"),
        Restart::FailureRate => "failure-rate".to_string(),
        Restart::Exponential { explicit: true } => "exponential-delay".to_string(),
        Restart::Exponential { explicit: false } => format!("{NOT_SET} (exponential-delay)"),
        Restart::Unknown(d) => d.clone(),
    };
    match &restart {
        Restart::None => out.push(finding(
            System::Flink,
            Severity::Warning,
            "flink.restart_strategy_none",
            &setting,
            shown(&restart),
            Bilingual::new(
                "With no restart strategy the first exception (a dropped Oracle connection included) fails the job, and it stays FAILED until someone resubmits it.",
                "没有重启策略时，第一个异常（包括 Oracle 连接断开）就会让作业失败，并一直停在 FAILED，直到有人重新提交。",
            ),
            Bilingual::new(
                "restart-strategy.type: exponential-delay (or fixed-delay with restart-strategy.fixed-delay.attempts: 2147483647)",
                "restart-strategy.type: exponential-delay（或 fixed-delay 并设 restart-strategy.fixed-delay.attempts: 2147483647）",
            ),
            SRC_RESTART,
        )),
        Restart::FixedDelay(n) if *n < 10 => out.push(finding(
            System::Flink,
            Severity::Warning,
            "flink.restart_attempts_few",
            &setting,
            shown(&restart),
            Bilingual::new(
                format!("After {n} failed restarts in a row (a database restart or a network outage longer than the delays) the job goes FAILED and stays down."),
                format!("连续重启失败 {n} 次后（数据库重启或网络中断超过重试间隔），作业进入 FAILED 并一直停止。"),
            ),
            Bilingual::new(
                "restart-strategy.type: exponential-delay, or restart-strategy.fixed-delay.attempts: 2147483647",
                "restart-strategy.type: exponential-delay，或 restart-strategy.fixed-delay.attempts: 2147483647",
            ),
            SRC_RESTART,
        )),
        Restart::Exponential { .. } => out.push(finding(
            System::Flink,
            Severity::Info,
            "flink.restart_exponential_never_fails",
            &setting,
            shown(&restart),
            Bilingual::new(
                "exponential-delay never lets the job reach FAILED: a permanent error becomes an endless RESTARTING loop that only a restart-count alert (the doctor's crash_loop) reveals.",
                "exponential-delay 不会让作业进入 FAILED：永久性错误会变成无尽的 RESTARTING 循环，只有重启次数告警（doctor 的 crash_loop）能发现。",
            ),
            Bilingual::new(
                "keep it, and alert on restarts: logminer-doctor watch reports crash_loop",
                "保留该策略，并对重启次数告警：logminer-doctor watch 会报告 crash_loop",
            ),
            SRC_EXPONENTIAL,
        )),
        _ => {}
    }

    // Checkpointing and retention.
    match &s.job {
        Some(j) => match &j.checkpoints {
            None => out.push(finding(
                System::Flink,
                Severity::Critical,
                "flink.checkpointing_disabled",
                format!("job {}: checkpointing", j.id),
                "disabled",
                Bilingual::new(
                    "Without checkpoints the FileSink never commits a file and the job has no resume point: a restart starts from scratch.",
                    "没有检查点，FileSink 永远不会提交文件，作业也没有恢复点：重启即从头开始。",
                ),
                Bilingual::new(
                    "execution.checkpointing.interval: 1 min (or env.enableCheckpointing(60000) in the job)",
                    "execution.checkpointing.interval: 1 min（或在作业中调用 env.enableCheckpointing(60000)）",
                ),
                SRC_CHECKPOINTING,
            )),
            Some(c) => {
                if !c.externalized || c.delete_on_cancellation {
                    out.push(retention_finding(
                        format!("job {}: externalization", j.id),
                        format!(
                            "enabled={}, delete_on_cancellation={}",
                            c.externalized, c.delete_on_cancellation
                        ),
                    ));
                }
                check_checkpoint_timing(&mut out, ctx, Some(c.interval), c.timeout, c.tolerable_failures, &format!("job {}: ", j.id));
            }
        },
        None => {
            let retention = s.get(&[CP_RETENTION]);
            if !retention
                .as_deref()
                .is_some_and(|v| v.eq_ignore_ascii_case("RETAIN_ON_CANCELLATION"))
            {
                out.push(retention_finding(
                    CP_RETENTION.to_string(),
                    retention.unwrap_or_else(|| format!("{NOT_SET} (NO_EXTERNALIZED_CHECKPOINTS)")),
                ));
            }
            let interval = s.get(&[CP_INTERVAL]).and_then(|v| parse_flink_duration(&v));
            let timeout = s
                .get(&[CP_TIMEOUT])
                .and_then(|v| parse_flink_duration(&v))
                .unwrap_or(Duration::from_secs(600));
            let tolerable = s.get(&[CP_TOLERABLE]).and_then(|v| v.trim().parse().ok());
            check_checkpoint_timing(&mut out, ctx, interval, timeout, tolerable, "");
        }
    }

    // Savepoint directory.
    if s.get(&[SP_DIR, SP_DIR_OLD]).is_none() && ctx.savepoint_dir.is_none() {
        out.push(finding(
            System::Flink,
            Severity::Warning,
            "flink.no_savepoint_dir",
            SP_DIR,
            NOT_SET,
            Bilingual::new(
                "With no default savepoint directory (and no savepoint_dir in the doctor's config) a stop-with-savepoint has nowhere to write, so a planned restart cannot keep its exact position.",
                "没有默认保存点目录（doctor 配置中也没有 savepoint_dir）时，stop-with-savepoint 无处可写，计划内重启无法保留确切位置。",
            ),
            Bilingual::new(
                "execution.checkpointing.savepoint-dir: hdfs:///flink/savepoints (a shared file system), or savepoint_dir in [pipeline.remediation]",
                "execution.checkpointing.savepoint-dir: hdfs:///flink/savepoints（共享文件系统），或在 [pipeline.remediation] 中设置 savepoint_dir",
            ),
            SRC_SAVEPOINT,
        ));
    }

    // High availability.
    let ha = s
        .get(&[HA_TYPE, HA_OLD])
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_else(|| "none".into());
    if ha == "zookeeper" {
        if let Some(dir) = s.get(&[HA_STORAGE]) {
            let local = dir.starts_with("file:") || dir.starts_with('/');
            if local {
                let multi = ctx.jobmanager_hosts.len() > 1;
                out.push(finding(
                    System::Flink,
                    if multi { Severity::Critical } else { Severity::Info },
                    "flink.ha_storage_local",
                    HA_STORAGE,
                    &dir,
                    if multi {
                        Bilingual::new(
                            format!("The JobManagers run on {} hosts but the HA storage is a local path: unless it is a mount they all share, a standby that takes over cannot read the job graph and checkpoint metadata the leader wrote, and cannot recover the job.", ctx.jobmanager_hosts.len()),
                            format!("JobManager 运行在 {} 台主机上，而 HA 存储是本地路径：除非它是所有 JobManager 共享的挂载，接管的备用 JobManager 读不到原 leader 写下的作业图和检查点元数据，无法恢复作业。", ctx.jobmanager_hosts.len()),
                        )
                    } else {
                        Bilingual::new(
                            "The HA storage is a local path; that works only while every JobManager runs on this one host.",
                            "HA 存储是本地路径；只有所有 JobManager 都在同一台主机上时才可用。",
                        )
                    },
                    Bilingual::new(
                        "high-availability.storageDir: hdfs:///flink/ha (or s3://, or an NFS mount every JobManager shares)",
                        "high-availability.storageDir: hdfs:///flink/ha（或 s3://，或所有 JobManager 共享的 NFS 挂载）",
                    ),
                    SRC_HA_STORAGE,
                ));
            }
        }
        let (zk_value, zk) = match s.get(&[ZK_SESSION]) {
            Some(v) => (v.clone(), parse_flink_duration(&v)),
            None => (format!("{NOT_SET} (1 min)"), Some(Duration::from_secs(60))),
        };
        if let Some(zk) = zk {
            if zk > ctx.failover_grace {
                out.push(finding(
                    System::Flink,
                    Severity::Warning,
                    "flink.zk_session_longer_than_grace",
                    ZK_SESSION,
                    &zk_value,
                    Bilingual::new(
                        format!("When the leader JobManager dies without closing its session, the standby takes over only when the ZooKeeper session expires ({}), longer than the doctor's failover_grace ({}): every such failover pages as a leader fault.", human(zk), human(ctx.failover_grace)),
                        format!("leader JobManager 未关闭会话就死掉时，备用者要等 ZooKeeper 会话过期（{}）才接管，超过 doctor 的 failover_grace（{}）：每次这样的故障切换都会被当作 leader 故障告警。", human(zk), human(ctx.failover_grace)),
                    ),
                    Bilingual::new(
                        format!("failover_grace = \"{}\" in [pipeline.thresholds] (at least the session timeout plus 30 s), or a shorter high-availability.zookeeper.client.session-timeout (not below 10 s)", human(zk + Duration::from_secs(30))),
                        format!("在 [pipeline.thresholds] 中设置 failover_grace = \"{}\"（至少为会话超时加 30 秒），或缩短 high-availability.zookeeper.client.session-timeout（不低于 10 秒）", human(zk + Duration::from_secs(30))),
                    ),
                    SRC_ZK_LONG,
                ));
            }
            if zk < Duration::from_secs(10) {
                out.push(finding(
                    System::Flink,
                    Severity::Warning,
                    "flink.zk_session_short",
                    ZK_SESSION,
                    &zk_value,
                    Bilingual::new(
                        format!("A ZooKeeper session of {} expires on a garbage-collection pause or a short network blip; Flink then revokes leadership and fails the job over for nothing.", human(zk)),
                        format!("{} 的 ZooKeeper 会话会因一次 GC 停顿或短暂网络抖动而过期；Flink 随即撤销 leader 身份并无谓地进行故障切换。", human(zk)),
                    ),
                    Bilingual::new(
                        "high-availability.zookeeper.client.session-timeout: 30 s (and failover_grace above it)",
                        "high-availability.zookeeper.client.session-timeout: 30 s（failover_grace 设得比它更长）",
                    ),
                    SRC_ZK_SHORT,
                ));
            }
        }
    }

    // JobManagers configured differently: after a failover the new leader runs with its own.
    for key in AUDITED_KEYS {
        let values: Vec<(&str, Option<&String>)> = s
            .jobmanagers
            .iter()
            .map(|(url, cfg)| (url.as_str(), cfg.get(*key)))
            .collect();
        if values.windows(2).any(|w| w[0].1 != w[1].1) {
            let shown: Vec<String> = values
                .iter()
                .map(|(url, v)| format!("{url}: {}", v.map_or(NOT_SET, |v| v.as_str())))
                .collect();
            out.push(finding(
                System::Flink,
                Severity::Warning,
                "flink.jobmanagers_disagree",
                *key,
                shown.join("; "),
                Bilingual::new(
                    "The JobManagers are configured differently: after a failover the new leader runs the job with its own settings, so this audit of one of them does not hold for the other.",
                    "各 JobManager 的配置不同：故障切换后新 leader 按它自己的配置运行作业，对其中一个的审计结论不适用于另一个。",
                ),
                Bilingual::new(
                    format!("give every JobManager the same {key} (one config.yaml for the cluster)"),
                    format!("为所有 JobManager 设置相同的 {key}（整个集群使用同一份 config.yaml）"),
                ),
                SRC_JM_CONFIG,
            ));
        }
    }

    // The job itself, and its id.
    match (&s.job, &ctx.fixed_job_id) {
        (None, _) => out.push(finding(
            System::Flink,
            Severity::Info,
            "flink.job_not_found",
            "job",
            "not running",
            Bilingual::new(
                "The job is not running, so only the cluster's defaults were checked; settings the job sets in code were not.",
                "作业未在运行，因此只检查了集群默认值；作业在代码中设置的参数未检查。",
            ),
            Bilingual::new(
                "run the audit again while the job runs",
                "在作业运行时再次执行审计",
            ),
            SRC_JOB_SETTINGS,
        )),
        (Some(_), None) => out.push(finding(
            System::Flink,
            Severity::Info,
            "flink.no_fixed_job_id",
            "[pipeline.remediation.resubmit] job_id",
            NOT_SET,
            Bilingual::new(
                "Without a fixed job id nothing stops a second copy of the job from running after a resubmission (both would write the same output).",
                "没有固定作业 ID，重新提交后无法阻止作业的第二个副本运行（两者会写同一份输出）。",
            ),
            Bilingual::new(
                "submit with a fixed job id (flink run -Dpipeline.job-id=<32 hex digits>, or jobId in POST /jars/<id>/run) and set job_id in [pipeline.remediation.resubmit]",
                "以固定作业 ID 提交（flink run -Dpipeline.job-id=<32 位十六进制>，或 POST /jars/<id>/run 的 jobId），并在 [pipeline.remediation.resubmit] 中设置 job_id",
            ),
            SRC_JOB_ID,
        )),
        (Some(j), Some(fixed)) if !j.id.eq_ignore_ascii_case(fixed) => out.push(finding(
            System::Flink,
            Severity::Warning,
            "flink.job_id_not_fixed",
            "job id",
            &j.id,
            Bilingual::new(
                format!("The running job was not submitted with the fixed id {fixed}: a resubmission with that id would not be refused while this copy runs, and two copies would write the same output."),
                format!("运行中的作业不是以固定 ID {fixed} 提交的：以该 ID 重新提交时不会因本副本在运行而被拒绝，两个副本会写同一份输出。"),
            ),
            Bilingual::new(
                format!("resubmit the job with jobId {fixed} (stop it with a savepoint first)"),
                format!("先以保存点停止作业，再以 jobId {fixed} 重新提交"),
            ),
            SRC_JOB_ID,
        )),
        _ => {}
    }
    out
}

fn retention_finding(setting: String, value: String) -> Finding {
    finding(
        System::Flink,
        Severity::Critical,
        "flink.checkpoints_not_retained",
        setting,
        value,
        Bilingual::new(
            "Checkpoints are not retained on cancellation: cancelling the job (the restart's fallback when stop-with-savepoint fails) deletes the checkpoint it would resume from, so the resume point is lost.",
            "取消作业时不保留检查点：取消作业（stop-with-savepoint 失败时重启的后备方案）会删除本应恢复的检查点，恢复点随之丢失。",
        ),
        Bilingual::new(
            "execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION",
            "execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION",
        ),
        SRC_RETENTION,
    )
}

fn check_checkpoint_timing(
    out: &mut Vec<Finding>,
    ctx: &Context,
    interval: Option<Duration>,
    timeout: Duration,
    tolerable: Option<u64>,
    prefix: &str,
) {
    if let Some(interval) = interval {
        let needed = interval + ctx.rolling_interval;
        if needed > ctx.stall_window {
            out.push(finding(
                System::Flink,
                Severity::Warning,
                "flink.stall_window_too_short",
                format!("{prefix}{CP_INTERVAL} + rolling_interval"),
                format!("{} + {}", human(interval), human(ctx.rolling_interval)),
                Bilingual::new(
                    format!("A committed file can be {} old on a healthy pipeline, longer than the doctor's stall_window ({}): quiet hours will page as stalls.", human(needed), human(ctx.stall_window)),
                    format!("健康管道上已提交文件也可能已有 {}，超过 doctor 的 stall_window（{}）：安静时段会被当作停滞告警。", human(needed), human(ctx.stall_window)),
                ),
                Bilingual::new(
                    format!("stall_window = \"{}\" in [pipeline.thresholds], or a shorter checkpoint interval", human(needed + Duration::from_secs(60))),
                    format!("在 [pipeline.thresholds] 中设置 stall_window = \"{}\"，或缩短检查点间隔", human(needed + Duration::from_secs(60))),
                ),
                SRC_STALL,
            ));
        }
    }
    if timeout < Duration::from_secs(60) {
        out.push(finding(
            System::Flink,
            Severity::Warning,
            "flink.checkpoint_timeout_short",
            format!("{prefix}{CP_TIMEOUT}"),
            human(timeout),
            Bilingual::new(
                "A checkpoint that takes longer than this (a slow file system, a large transaction) expires, and with every one expiring nothing is committed while the job looks RUNNING.",
                "超过该时长的检查点（文件系统慢、大事务）会过期；若每个都过期，作业看似 RUNNING 却什么也不提交。",
            ),
            Bilingual::new("execution.checkpointing.timeout: 10 min", "execution.checkpointing.timeout: 10 min"),
            SRC_TIMEOUT,
        ));
    }
    if tolerable.unwrap_or(0) == 0 {
        out.push(finding(
            System::Flink,
            Severity::Info,
            "flink.no_tolerable_checkpoint_failures",
            format!("{prefix}{CP_TOLERABLE}"),
            tolerable.map_or_else(|| format!("{NOT_SET} (0)"), |n| n.to_string()),
            Bilingual::new(
                "The first failed checkpoint fails the job over (a restart of the source and a new LogMiner session).",
                "第一个失败的检查点就会触发作业故障切换（源重启、新的 LogMiner 会话）。",
            ),
            Bilingual::new(
                "execution.checkpointing.tolerable-failed-checkpoints: 3",
                "execution.checkpointing.tolerable-failed-checkpoints: 3",
            ),
            SRC_TOLERABLE,
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Reads the settings through the collector's REST clients: every JobManager's
/// `/jobmanager/config` (each answers its own process's), then, through the first that answered,
/// the job of `job_name` if one is running. What cannot be read is returned as unread parts (the
/// rest is still checked).
pub async fn read(flink: &FlinkCollector, job_name: &str) -> (Option<FlinkSettings>, Vec<Unread>) {
    let mut unread = Vec::new();
    let mut answered = Vec::new();
    let mut failed = Vec::new();
    for c in flink.clients() {
        match c.get::<Vec<Value>>("/jobmanager/config").await {
            Ok(cfg) => answered.push((c, key_values(&cfg))),
            Err(e) => failed.push((c.url(), error_chain(&e))),
        }
    }
    let Some((first, cluster)) = answered.first().cloned() else {
        unread.push(Unread {
            system: System::Flink,
            part: "GET /jobmanager/config".into(),
            error: failed
                .iter()
                .map(|(_, e)| e.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        });
        return (None, unread);
    };
    for (url, error) in failed {
        unread.push(Unread {
            system: System::Flink,
            part: format!("GET /jobmanager/config on {url}"),
            error,
        });
    }
    let mut settings = FlinkSettings {
        cluster,
        job: None,
        jobmanagers: answered
            .iter()
            .map(|(c, cfg)| (c.url(), cfg.clone()))
            .collect(),
    };
    match find_job(first, job_name).await {
        Ok(Some(id)) => match read_job(first, &id).await {
            Ok(job) => settings.job = Some(job),
            Err(e) => unread.push(Unread {
                system: System::Flink,
                part: format!("job {id} settings on {}", first.url()),
                error: e,
            }),
        },
        Ok(None) => {}
        Err(e) => unread.push(Unread {
            system: System::Flink,
            part: format!("GET /jobs/overview on {}", first.url()),
            error: e,
        }),
    }
    (Some(settings), unread)
}

/// `[{key, value}]` as a map.
fn key_values(cfg: &[Value]) -> BTreeMap<String, String> {
    cfg.iter()
        .filter_map(|kv| {
            Some((
                kv["key"].as_str()?.to_string(),
                kv["value"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// The id of the job named `name` that is not in a terminal state, the newest first.
async fn find_job(
    c: &crate::collectors::flink::client::FlinkRestClient,
    name: &str,
) -> Result<Option<String>, String> {
    let overview: Value = c.get("/jobs/overview").await.map_err(|e| error_chain(&e))?;
    let mut jobs: Vec<&Value> = overview["jobs"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    jobs.retain(|j| {
        j["name"].as_str() == Some(name)
            && !matches!(
                j["state"].as_str(),
                Some("FINISHED" | "CANCELED" | "FAILED")
            )
    });
    jobs.sort_by_key(|j| std::cmp::Reverse(j["start-time"].as_i64().unwrap_or(0)));
    Ok(jobs
        .first()
        .and_then(|j| j["jid"].as_str())
        .map(str::to_string))
}

async fn read_job(
    c: &crate::collectors::flink::client::FlinkRestClient,
    id: &str,
) -> Result<JobSettings, String> {
    let config: Value = c
        .get(&format!("/jobs/{id}/config"))
        .await
        .map_err(|e| error_chain(&e))?;
    let restart_strategy = config["execution-config"]["restart-strategy"]
        .as_str()
        .map(str::to_string);
    let checkpoints = match c
        .get::<Value>(&format!("/jobs/{id}/checkpoints/config"))
        .await
    {
        Ok(v) => Some(CheckpointSettings {
            interval: Duration::from_millis(v["interval"].as_u64().unwrap_or(0)),
            timeout: Duration::from_millis(v["timeout"].as_u64().unwrap_or(0)),
            tolerable_failures: v["tolerable_failed_checkpoints"].as_u64(),
            externalized: v["externalization"]["enabled"].as_bool().unwrap_or(false),
            delete_on_cancellation: v["externalization"]["delete_on_cancellation"]
                .as_bool()
                .unwrap_or(false),
        }),
        // Flink answers 404 "Checkpointing has not been enabled." (flink-anchors.md §a).
        Err(e) if e.status() == Some(404) => None,
        Err(e) => return Err(error_chain(&e)),
    };
    Ok(JobSettings {
        id: id.to_string(),
        restart_strategy,
        checkpoints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            failover_grace: Duration::from_secs(90),
            stall_window: Duration::from_secs(300),
            rolling_interval: Duration::from_secs(60),
            savepoint_dir: None,
            fixed_job_id: None,
            jobmanager_hosts: vec!["jm1".into(), "jm2".into()],
            pga_warning_ratio: 0.8,
            exposure: None,
        }
    }

    fn cluster(pairs: &[(&str, &str)]) -> FlinkSettings {
        FlinkSettings {
            cluster: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            job: None,
            jobmanagers: vec![],
        }
    }

    fn checks(s: &FlinkSettings, c: &Context) -> Vec<&'static str> {
        let mut v: Vec<_> = check(s, c).iter().map(|f| f.check).collect();
        v.sort();
        v
    }

    #[test]
    fn flink_durations_parse_as_flink_writes_them() {
        assert_eq!(parse_flink_duration("4000"), Some(Duration::from_secs(4)));
        assert_eq!(parse_flink_duration("60 s"), Some(Duration::from_secs(60)));
        assert_eq!(parse_flink_duration("1 min"), Some(Duration::from_secs(60)));
        assert_eq!(parse_flink_duration("2min"), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_flink_duration("500 ms"),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_flink_duration("soon"), None);
    }

    #[test]
    fn a_poor_cluster_and_a_good_one() {
        let poor = cluster(&[
            ("restart-strategy.type", "none"),
            ("high-availability.type", "zookeeper"),
            ("high-availability.storageDir", "file:///tmp/ha"),
            ("high-availability.zookeeper.client.session-timeout", "3000"),
            ("execution.checkpointing.interval", "10 s"),
            ("execution.checkpointing.timeout", "20 s"),
        ]);
        assert_eq!(
            checks(&poor, &ctx()),
            vec![
                "flink.checkpoint_timeout_short",
                "flink.checkpoints_not_retained",
                "flink.ha_storage_local",
                "flink.job_not_found",
                "flink.no_savepoint_dir",
                "flink.no_tolerable_checkpoint_failures",
                "flink.restart_strategy_none",
                "flink.zk_session_short",
            ]
        );
        let good = cluster(&[
            ("restart-strategy.type", "exponential-delay"),
            ("high-availability.type", "zookeeper"),
            ("high-availability.storageDir", "hdfs:///flink/ha"),
            ("high-availability.zookeeper.client.session-timeout", "30 s"),
            ("execution.checkpointing.interval", "30 s"),
            ("execution.checkpointing.tolerable-failed-checkpoints", "3"),
            (
                "execution.checkpointing.externalized-checkpoint-retention",
                "RETAIN_ON_CANCELLATION",
            ),
            ("state.savepoints.dir", "hdfs:///flink/sp"),
        ]);
        assert_eq!(
            checks(&good, &ctx()),
            vec![
                "flink.job_not_found",
                "flink.restart_exponential_never_fails"
            ]
        );
    }

    #[test]
    fn the_job_overrides_the_cluster_and_its_id_is_compared() {
        let mut s = cluster(&[("restart-strategy.type", "none")]);
        s.job = Some(JobSettings {
            id: "abc".into(),
            restart_strategy: Some("Restart with fixed delay (1 s). #2 restart attempts.".into()),
            checkpoints: Some(CheckpointSettings {
                interval: Duration::from_secs(300),
                timeout: Duration::from_secs(600),
                tolerable_failures: Some(1),
                externalized: true,
                delete_on_cancellation: false,
            }),
        });
        let mut c = ctx();
        c.savepoint_dir = Some("/sp".into());
        c.fixed_job_id = Some("def".into());
        assert_eq!(
            checks(&s, &c),
            vec![
                "flink.job_id_not_fixed",
                "flink.restart_attempts_few",
                "flink.stall_window_too_short",
            ]
        );
        s.job.as_mut().unwrap().checkpoints = None;
        s.job.as_mut().unwrap().restart_strategy =
            Some("Cluster level default restart strategy".into());
        assert!(checks(&s, &c).contains(&"flink.checkpointing_disabled"));
        assert!(checks(&s, &c).contains(&"flink.restart_strategy_none"));
    }

    #[test]
    fn jobmanagers_configured_differently_are_reported() {
        let mut s = cluster(&[("restart-strategy.type", "exponential-delay")]);
        let mut other = s.cluster.clone();
        other.insert("restart-strategy.type".into(), "none".into());
        s.jobmanagers = vec![
            ("http://jm1:8081".into(), s.cluster.clone()),
            ("http://jm2:8081".into(), other),
        ];
        let f = check(&s, &ctx());
        let d: Vec<_> = f
            .iter()
            .filter(|f| f.check == "flink.jobmanagers_disagree")
            .collect();
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].value,
            "http://jm1:8081: exponential-delay; http://jm2:8081: none"
        );
    }

    #[test]
    fn a_long_zookeeper_session_outlasts_the_failover_grace() {
        let s = cluster(&[("high-availability.type", "zookeeper")]);
        assert!(checks(
            &s,
            &Context {
                failover_grace: Duration::from_secs(45),
                ..ctx()
            }
        )
        .contains(&"flink.zk_session_longer_than_grace"));
        assert!(!checks(&s, &ctx()).contains(&"flink.zk_session_longer_than_grace"));
    }
}
