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
                auto: AutoPolicy::Nothing,
                title_en: "healthy",
                title_zh: "正常",
            },
            Cause::IdleSource => CauseSpec {
                severity: Ok,
                explain_rank: 0,
                default_fix: FIX_GENERIC,
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
                auto: AutoPolicy::Restart,
                title_en: "LogMiner stuck: the mined SCN no longer advances",
                title_zh: "LogMiner 卡住：挖掘的 SCN 不再推进",
            },
            Cause::MissingRedo => CauseSpec {
                severity: Critical,
                explain_rank: 9,
                default_fix: FIX_REDO_GONE,
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
                auto: AutoPolicy::Refuse(
                    "not restarting: a restart does not fix a missing prerequisite or grant",
                ),
                title_en: "misconfigured (archive-log mode, supplemental logging or a grant)",
                title_zh: "配置问题（归档模式、补充日志或权限）",
            },
            Cause::ResourceExhausted => CauseSpec {
                severity: Critical,
                explain_rank: 7,
                default_fix: "Free or enlarge the exhausted resource the message names (memory, \
                    recovery area, tablespace, disk) before restarting.",
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
