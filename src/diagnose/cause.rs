//! The verdict vocabulary (DESIGN.md §2) and, per cause, everything said or done about it: its
//! severity, its rank in `explain`, its default fix, whether `watch` may restart for it, and its
//! title in each language — one exhaustive match, so that a new cause with a part missing does
//! not compile. Its steps are the decision table's facts (`fact.rs`), in both languages.
//!
//! Adding a cause: one line in `causes!` (its variant and its stable snake_case name, which also
//! puts it in `Cause::ALL`), one arm in `Cause::spec`, a rule in `rules.rs`, a simulator
//! scenario and a fixture.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Severity;

/// Declares `Cause` with its stable names and `Cause::ALL` from one list, so that no cause can
/// be left out of `ALL` or of `as_str`.
macro_rules! causes {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)+) => {
        /// Why a pipeline is (not) producing. Snake_case in JSON; stable, other programs parse it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Cause {
            $($(#[$doc])* $variant,)+
        }

        impl Default for Cause {
            /// `unknown`: nothing decided yet.
            fn default() -> Self {
                Cause::Unknown
            }
        }

        impl Cause {
            /// Every cause, in the vocabulary's order.
            pub const ALL: &'static [Cause] = &[$(Cause::$variant,)+];

            /// The snake_case name used in JSON, on the command line and in metrics labels.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Cause::$variant => $name,)+
                }
            }
        }
    };
}

causes! {
    /// Output advances as the source changes.
    Healthy => "healthy",
    /// No change on the captured tables, and the connector demonstrably alive.
    IdleSource => "idle_source",
    /// The job runs but its connector's mining connection is dead.
    DeadConnection => "dead_connection",
    /// The mining session exists but its LogMiner call no longer progresses.
    LogminerStuck => "logminer_stuck",
    /// The SCN a restart would resume from is older than the oldest available redo.
    MissingRedo => "missing_redo",
    /// Output advances, but the connector reads redo more slowly than the database writes it.
    FallingBehind => "falling_behind",
    /// The source reads but nothing is committed downstream.
    SinkStalled => "sink_stalled",
    /// The job is absent, terminal, or restarting in a loop for an unnamed reason.
    JobNotRunning => "job_not_running",
    /// No JobManager leads, they disagree, or the job runs more than once.
    LeaderProblem => "leader_problem",
    /// The doctor cannot reach Oracle while output is stale.
    OracleUnreachable => "oracle_unreachable",
    /// Something a restart cannot fix: archive-log mode, supplemental logging, a grant.
    Misconfigured => "misconfigured",
    /// PGA, recovery area, memory or disk exhausted.
    ResourceExhausted => "resource_exhausted",
    /// No step of the decision table could decide.
    Unknown => "unknown",
}

/// Whether `watch` may restart a pipeline on its own for a cause (`auto = true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoPolicy {
    /// Nothing is broken.
    Nothing,
    /// A restart fixes it.
    Restart,
    /// A restart fixes it only when checkpoints keep failing (a stuck commit); otherwise the
    /// text says why not.
    RestartWhenCheckpointsKeepFailing(&'static str),
    /// A restart does not fix it: why not, for the alert.
    Refuse(&'static str),
}

/// Everything said or done about one cause.
#[derive(Debug, Clone, Copy)]
pub struct CauseSpec {
    /// The severity when nothing softens or sharpens it.
    pub severity: Severity,
    /// Which cause wins in `explain` when a text matches several equally (higher wins):
    /// conditions that explain the others outrank their symptoms.
    pub explain_rank: u8,
    /// DESIGN.md §2's default remediation, when `explain` has nothing more specific.
    pub default_fix: &'static str,
    /// [`CauseSpec::default_fix`] in Chinese.
    pub default_fix_zh: &'static str,
    /// Whether `watch` may restart for it.
    pub auto: AutoPolicy,
    /// Its title in alerts, in English.
    pub title_en: &'static str,
    /// Its title in alerts, in Chinese.
    pub title_zh: &'static str,
}

/// The fix when the redo a restart needs is gone (also `explain`'s for ORA-01291 and kin).
pub(crate) const FIX_REDO_GONE: &str =
    "Do NOT restart from the checkpoint or savepoint: the redo it would \
    resume from is gone, so the restart fails or skips changes. Restore the missing archived \
    logs (RMAN) or re-snapshot; then keep archived logs longer than the longest quiet period and \
    set heartbeat.interval.ms so the offset SCN moves on idle tables.";

/// [`FIX_REDO_GONE`] in Chinese.
pub(crate) const FIX_REDO_GONE_ZH: &str =
    "不要从检查点或保存点重启：重启所需的重做日志已经没有了，重启会失败或\
    跳过变更。先用 RMAN 恢复缺失的归档日志，或重新做全量快照；之后让归档日志保留时间长于最长的空闲\
    期，并设置 heartbeat.interval.ms，使空闲表上的偏移量 SCN 也能前进。";

const FIX_GENERIC: &str = "Look for the innermost \"Caused by:\" and any ORA-/TNS-/DPI- code in \
     the full trace, or run `logminer-doctor diagnose` on the pipeline to decide from live \
     observations.";

impl Cause {
    /// Everything said or done about this cause.
    pub fn spec(self) -> CauseSpec {
        use Severity::{Critical, Ok};
        match self {
            Cause::Healthy => CauseSpec {
                severity: Ok,
                explain_rank: 0,
                default_fix: FIX_GENERIC,
                default_fix_zh: "在完整的异常栈中找最内层的 \"Caused by:\" 和任何 ORA-/TNS-/DPI- 错误码，或对该链路运行 \
             `logminer-doctor diagnose`，根据实时观测判定。",
                auto: AutoPolicy::Nothing,
                title_en: "healthy",
                title_zh: "正常",
            },
            Cause::IdleSource => CauseSpec {
                severity: Ok,
                explain_rank: 0,
                default_fix: FIX_GENERIC,
                default_fix_zh: "在完整的异常栈中找最内层的 \"Caused by:\" 和任何 ORA-/TNS-/DPI- 错误码，或对该链路运行 \
             `logminer-doctor diagnose`，根据实时观测判定。",
                auto: AutoPolicy::Nothing,
                title_en: "source idle (no changes on the captured tables)",
                title_zh: "源端空闲（采集表无变更）",
            },
            Cause::DeadConnection => CauseSpec {
                severity: Critical,
                explain_rank: 4,
                default_fix:
                    "Restart the job from a savepoint (or the latest retained checkpoint) \
                    and kill the orphaned Oracle session if one lingers; then make dead sockets \
                    fail fast: (ENABLE=broken) in the connection URL with an OS \
                    tcp_keepalive_time below the firewall/load-balancer idle timeout, or a driver \
                    read timeout (oracle.jdbc.ReadTimeout) longer than the slowest LogMiner call.",
                default_fix_zh: "从保存点（或最近保留的检查点）重启作业；若还有残留的 Oracle 会话，将其 kill 掉。然后让\
             失效的套接字尽快报错：在连接 URL 中加 (ENABLE=broken) 并把操作系统 \
             tcp_keepalive_time 设得低于防火墙/负载均衡的空闲超时，或设置比最慢的 LogMiner 调用\
             更长的驱动读超时（oracle.jdbc.ReadTimeout）。",
                auto: AutoPolicy::Restart,
                title_en: "the connector's LogMiner connection is dead",
                title_zh: "连接器的 LogMiner 连接已断开",
            },
            Cause::LogminerStuck => CauseSpec {
                severity: Critical,
                explain_rank: 3,
                default_fix: "Restart the job so the connector opens a fresh LogMiner session, \
                    and review the log.mining.* settings (strategy, session.max.ms); if the same \
                    error returns, look for the ORA- code underneath.",
                default_fix_zh: "重启作业，让连接器新建 LogMiner 会话，并检查 log.mining.* 参数（strategy、\
             session.max.ms）；同样的错误再次出现时，找出其下的 ORA- 错误码。",
                auto: AutoPolicy::Restart,
                title_en: "LogMiner stuck: the mined SCN no longer advances",
                title_zh: "LogMiner 卡住：挖掘的 SCN 不再推进",
            },
            Cause::MissingRedo => CauseSpec {
                severity: Critical,
                explain_rank: 9,
                default_fix: FIX_REDO_GONE,
                default_fix_zh: FIX_REDO_GONE_ZH,
                auto: AutoPolicy::Refuse(
                    "not restarting: the restart SCN is older than the available redo, so the \
                     connector would fail with ORA-01291 or skip changes; restore the archived \
                     logs first",
                ),
                title_en: "redo missing: the restart SCN is older than the oldest archived log",
                title_zh: "日志缺失：重启所需 SCN 早于最早的归档日志",
            },
            Cause::SinkStalled => CauseSpec {
                severity: Critical,
                explain_rank: 2,
                default_fix: "Look at the job's checkpoint history and its backpressured \
                    operator: fix the slow sink or raise the checkpoint timeout; restart only if \
                    checkpoints keep failing. A source that already failed also fails \
                    checkpoints: check the earlier exceptions.",
                default_fix_zh: "查看作业的检查点历史和出现反压的算子：修复慢的 sink 或调大检查点超时；只有检查点持续\
             失败时才重启。已经失败的 source 也会让检查点失败，请先看更早的异常。",
                auto: AutoPolicy::RestartWhenCheckpointsKeepFailing(
                    "not restarting a stalled sink whose checkpoints complete: the sink is slow, \
                     and a restart would only replay the same backlog into it",
                ),
                title_en: "sink stalled: checkpoints do not complete",
                title_zh: "下游写入停滞：检查点无法完成",
            },
            Cause::JobNotRunning => CauseSpec {
                severity: Critical,
                explain_rank: 1,
                default_fix: "Find the first exception in the job's exception history for the \
                    reason; once the restart gate passes, resubmit from the latest savepoint or \
                    retained checkpoint (and configure a restart strategy if restarts are \
                    disabled).",
                default_fix_zh: "在作业异常历史中找到第一个异常，确定原因；重启闸门放行后，从最近的保存点或保留的检查点\
             重新提交作业（若禁用了重启，请配置重启策略）。",
                auto: AutoPolicy::Restart,
                title_en: "the Flink job is not running",
                title_zh: "Flink 作业未在运行",
            },
            Cause::LeaderProblem => CauseSpec {
                severity: Critical,
                explain_rank: 6,
                default_fix: "Fix the Flink cluster first: check ZooKeeper and which JobManager \
                    holds the leader node; never restart or resubmit the job into a cluster whose \
                    JobManagers disagree, and if the job runs twice, cancel the younger one.",
                default_fix_zh: "先修复 Flink 集群：检查 ZooKeeper 以及哪个 JobManager 持有 leader 节点；JobManager \
             之间意见不一致时切勿重启或重新提交作业；若作业同时运行了两份，取消较新的那一份。",
                auto: AutoPolicy::Refuse(
                    "not restarting into a cluster without exactly one leader: fix the \
                     JobManagers and their HA configuration first",
                ),
                title_en: "JobManager leadership problem",
                title_zh: "JobManager 主节点（leader）异常",
            },
            Cause::OracleUnreachable => CauseSpec {
                severity: Critical,
                explain_rank: 5,
                default_fix: "Database or network action: check the listener (lsnrctl status), \
                    the instance, and the route and firewall from the TaskManager host to the \
                    listener port; the restart gate stays closed until Oracle answers.",
                default_fix_zh: "需要数据库或网络侧处理：检查监听器（lsnrctl status）、实例状态，以及从 TaskManager 主机\
             到监听端口的路由和防火墙；Oracle 恢复应答之前重启闸门保持关闭。",
                auto: AutoPolicy::Refuse(
                    "not restarting: the database does not answer, so a restarted connector \
                     could not connect either",
                ),
                title_en: "Oracle unreachable",
                title_zh: "无法连接 Oracle",
            },
            Cause::Misconfigured => CauseSpec {
                severity: Critical,
                explain_rank: 8,
                default_fix: "A restart will not fix this: correct the setting or grant the \
                    message names, then restart from the latest savepoint.",
                default_fix_zh: "重启无法解决：按报错修正配置或授予权限，然后从最近的保存点重启。",
                auto: AutoPolicy::Refuse(
                    "not restarting: a restart does not fix a missing prerequisite or grant",
                ),
                title_en: "misconfigured (archive-log mode, supplemental logging or a grant)",
                title_zh: "配置问题（归档模式、补充日志或权限）",
            },
            Cause::FallingBehind => CauseSpec {
                // WARNING while the lag only grows; the decision table makes it CRITICAL when
                // purging will overtake the restart SCN within redo_headroom_warning.
                severity: Severity::Warning,
                explain_rank: 0,
                default_fix: "Let the connector read faster (log.mining.batch.size.*, \
                    log.mining.sleep.time.*, log.mining.strategy=online_catalog) and keep the \
                    archived logs it has not read yet.",
                default_fix_zh: "让连接器读得更快（log.mining.batch.size.*、log.mining.sleep.time.*、log.mining.strategy=online_catalog），并保留它还没读取的归档日志。",
                auto: AutoPolicy::Refuse(
                    "not restarting: a restart resumes from the same SCN and only adds the time \
                     it takes",
                ),
                title_en: "falling behind (the connector reads redo slower than it is written)",
                title_zh: "追不上（连接器读取 redo 的速度慢于数据库写入）",
            },
            Cause::ResourceExhausted => CauseSpec {
                severity: Critical,
                explain_rank: 7,
                default_fix: "Free or enlarge the exhausted resource the message names (memory, \
                    recovery area, tablespace, disk) before restarting.",
                default_fix_zh: "先释放或扩充报错中指出的已耗尽资源（内存、快速恢复区、表空间、磁盘），再重启。",
                auto: AutoPolicy::Refuse(
                    "not restarting: a restart does not free the exhausted resource and may make \
                     it worse",
                ),
                title_en: "resource exhausted (PGA, recovery area, memory or disk)",
                title_zh: "资源耗尽（PGA、快速恢复区、内存或磁盘）",
            },
            Cause::Unknown => CauseSpec {
                severity: Severity::Unknown,
                explain_rank: 0,
                default_fix: FIX_GENERIC,
                default_fix_zh: "在完整的异常栈中找最内层的 \"Caused by:\" 和任何 ORA-/TNS-/DPI- 错误码，或对该链路运行 \
             `logminer-doctor diagnose`，根据实时观测判定。",
                auto: AutoPolicy::Refuse(
                    "not restarting: the doctor restarts only for a known cause",
                ),
                title_en: "undetermined",
                title_zh: "无法判定",
            },
        }
    }

    /// The severity this cause has when nothing softens or sharpens it.
    pub fn base_severity(self) -> Severity {
        self.spec().severity
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Cause {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cause::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Cause::ALL.iter().map(|c| c.as_str()).collect();
                format!("unknown cause {s:?}; expected one of {}", names.join(", "))
            })
    }
}
