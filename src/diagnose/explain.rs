//! `explain`: classifies one error text or stack trace (a TaskManager log excerpt, an entry of a
//! job's exception history) into the verdict vocabulary of DESIGN.md §2, lists the ORA-/TNS-/DPI-
//! codes it holds, and says what happened and what to do. No I/O here, no clock: a pure function
//! over a string, cheap enough to run on every exception-history entry (regexes compiled once).
//!
//! # Method
//!
//! 1. Codes first, in every form they are printed (`ORA-01291`, `ORA-1291`, `ORA 01291`, the
//!    JDBC driver's `Error : 1291, Position : 0`, `TNS-12541`, `DPI-1047`, `Vendor code 17002`,
//!    `errorCode=17002`, node-oracledb's `errorNum: 12170`), normalised to `ORA-01291` (ORA and
//!    TNS: five digits, DPI: four), deduplicated, in order of first appearance. The JDBC
//!    driver's own errors are documented as ORA-17xxx, so a bare vendor code becomes `ORA-17002`;
//!    such bare numbers count only in a text about Oracle (else they may be HTTP statuses).
//! 2. Then documented phrases: Oracle and JDBC-driver message texts (also in the zh_CN locale
//!    the driver ships), Debezium's log lines, Flink's and ZooKeeper's. Every rule below names
//!    its source in its `source` field.
//! 3. Generic socket phrases ("Connection refused", "Connection reset", "Read timed out") name
//!    no system. They count for Oracle unless the text is plainly about another system and not
//!    Oracle: ZooKeeper or the JobManager's REST endpoint (then `leader_problem`), Kafka (then no
//!    verdict). A text with no documented code or phrase is `unknown`: nothing is guessed.
//!
//! # Precedence
//!
//! A trace often carries several findings: a root condition and what followed from it (ORA-00604
//! wrapping ORA-01031; ORA-00603 "session terminated" wrapping ORA-04030; "Mining session stopped
//! due to the …" wrapping "No more data to read from socket"; a restart loop around ORA-01291).
//! Each rule has a weight: a *condition* names a state of the world (a code or a message that says
//! what is wrong); a *symptom* only says that something failed (wrappers such as "Mining session
//! stopped", ORA-00603, a bare `SQLRecoverableException` or "IO Error", checkpoint failures,
//! "Recovery is suppressed"). Conditions beat symptoms. Among equals the cause order decides,
//! root causes first:
//!
//! `missing_redo` > `misconfigured` > `resource_exhausted` > `leader_problem` >
//! `oracle_unreachable` > `dead_connection` > `logminer_stuck` > `sink_stalled` > `job_not_running`.
//! Remaining ties: a code beats a phrase of the same cause, then the earliest in the text wins.
//!
//! Why this order: the first four are states a restart cannot fix or makes unsafe (restarting onto
//! missing redo skips data — DESIGN.md's decision table checks it before misconfiguration; a
//! missing grant or archive-log mode makes every retry fail the same way; an exhausted resource
//! kills the session that then looks dead; a split or leaderless cluster must be fixed before any
//! restart). An unreachable database explains a dead connection; a dead connection explains a
//! LogMiner loop that stopped; any of them explains failing checkpoints; and a job that stopped
//! restarting is the last consequence. `healthy` and `idle_source` are never answered: an error
//! text cannot show that a pipeline is fine.
//!
//! # Languages
//!
//! Every rule carries its wording in English and Chinese (`Rule::zh`), and so does every fix;
//! [`Explanation::summary_in`] and [`Explanation::remediation_in`] pick one. The JSON keeps the
//! English `summary` and `remediation` only. Codes, option names and identifiers stay as they are.
//!
//! # Corpus
//!
//! `tests/fixtures/corpus/errors.jsonl` holds texts from public issues; `documented.jsonl` holds
//! message texts from Oracle's error reference and from Debezium's, Flink's and Flink CDC's
//! sources and docs, each with its URL. `tests/it/explain.rs` prints a leave-one-source-out table:
//! each project's texts classified with the rules whose `source` names that project disabled.

use std::cmp::Reverse;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};
use serde::Serialize;

use super::cause::{FIX_REDO_GONE, FIX_REDO_GONE_ZH};
use super::Cause;
use crate::lang::Lang;

/// What an error text means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The verdict the text supports (`unknown` when it gives no basis).
    pub cause: Cause,
    /// The ORA-/TNS-/DPI- codes found, normalised (`ORA-01291`), in order of appearance.
    pub codes: Vec<String>,
    /// One or two sentences: what happened.
    pub summary: String,
    /// What to do.
    pub remediation: String,
    /// `summary` in Chinese (not serialised: JSON keys and texts stay English).
    #[serde(skip)]
    summary_zh: String,
    /// `remediation` in Chinese (not serialised).
    #[serde(skip)]
    remediation_zh: String,
}

impl Explanation {
    /// What happened, in `lang`.
    pub fn summary_in(&self, lang: Lang) -> &str {
        lang.pick(&self.summary, &self.summary_zh)
    }

    /// What to do, in `lang`.
    pub fn remediation_in(&self, lang: Lang) -> &str {
        lang.pick(&self.remediation, &self.remediation_zh)
    }
}

/// Classifies `text`: the codes it holds, the cause they and its phrases support, and the fix.
///
/// An empty or blank text, or one without any documented code or phrase, is `unknown`.
pub fn explain(text: &str) -> Explanation {
    explain_with(text, &|_| true)
}

/// [`explain`] with only the rules whose `source` text `enabled` accepts: how the answer depends
/// on the rules taken from one source (the corpus's leave-one-source-out table). Not for
/// production use; `explain` enables every rule.
fn explain_with(text: &str, enabled: &dyn Fn(&str) -> bool) -> Explanation {
    if text.trim().is_empty() {
        return Explanation {
            cause: Cause::Unknown,
            codes: Vec::new(),
            summary: "The text is empty: there is nothing to classify.".to_string(),
            remediation: "Paste the whole exception, including every \"Caused by:\" line, from \
                          the TaskManager log or the job's exception history."
                .to_string(),
            summary_zh: "文本为空，没有可供分类的内容。".to_string(),
            remediation_zh: "请粘贴完整的异常，包括 TaskManager 日志或作业异常历史中的每一行 \
                             \"Caused by:\"。"
                .to_string(),
        };
    }

    let found = extract_codes(text);
    let mut findings = find_evidence(text, &found);
    findings.retain(|f| enabled(f.rule.source));
    let codes: Vec<String> = found.into_iter().map(|c| c.code).collect();

    // Among equals a code beats a phrase (its rule is the more precise), then the earliest wins.
    let Some(best) = findings
        .iter()
        .max_by_key(|f| (f.rule.weight, rank(f.rule.cause), f.is_code, Reverse(f.pos)))
    else {
        return no_basis(codes);
    };

    let mut summary = format!("{}: {}.", best.rule.meaning, best.label);
    let mut summary_zh = format!("{}：{}。", best.rule.meaning_zh, best.label);
    // Name the evidence of equal weight that lost on cause order, so a reader can check the
    // precedence call. Weaker evidence (wrappers, locations) is left out: it is noise here.
    let mut others: Vec<&Finding> = Vec::new();
    for f in &findings {
        if f.rule.weight == best.rule.weight
            && f.rule.cause != best.rule.cause
            && !others.iter().any(|o| o.rule.cause == f.rule.cause)
        {
            others.push(f);
        }
    }
    if !others.is_empty() {
        let listed: Vec<String> = others
            .iter()
            .take(3)
            .map(|f| format!("{} ({})", f.label, f.rule.cause))
            .collect();
        summary.push_str(&format!(
            " Also in the text, taken as following from it: {}.",
            listed.join(", ")
        ));
        summary_zh.push_str(&format!(
            "文本中还有（视为由此引起）：{}。",
            listed.join("，")
        ));
    }

    Explanation {
        cause: best.rule.cause,
        codes,
        summary,
        remediation: best
            .rule
            .fix
            .unwrap_or(default_fix(best.rule.cause))
            .to_string(),
        summary_zh,
        remediation_zh: best
            .rule
            .fix_zh
            .unwrap_or(default_fix_zh(best.rule.cause))
            .to_string(),
    }
}

/// The answer when nothing in the text names a cause.
fn no_basis(codes: Vec<String>) -> Explanation {
    let (summary, summary_zh) = if codes.is_empty() {
        (
            "No documented error code or message in the text names a cause.".to_string(),
            "文本中没有任何有文档记载、能指明原因的错误码或错误信息。".to_string(),
        )
    } else {
        (
            format!(
                "The text holds {} but none of them names a cause on its own (they wrap or \
                 locate another error).",
                codes.join(", ")
            ),
            format!(
                "文本中有 {}，但它们本身都不指明原因（只是包装或定位另一个错误）。",
                codes.join(", ")
            ),
        )
    };
    Explanation {
        cause: Cause::Unknown,
        codes,
        summary,
        remediation: default_fix(Cause::Unknown).to_string(),
        summary_zh,
        remediation_zh: default_fix_zh(Cause::Unknown).to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Codes

/// Every printed form of an Oracle code. `ORA` is matched case-sensitively without a left word
/// boundary because the driver glues messages together (`...requiredORA-00334`); a lower-case
/// `ora-` needs the boundary. The space form (`ORA 01291`) needs 3+ digits to avoid prose.
static CODE_RE: LazyLock<Regex> = LazyLock::new(|| {
    // Invariant: compiled from a literal; a failure is a programming error caught by every test.
    Regex::new(&ascii_boundaries(
        r"(?x)
          (?: ORA | \bora ) (?: -\ ?(?P<ora>\d{1,5}) | \ (?P<ora_sp>\d{3,5}) ) \b
        | \bTNS-(?P<tns>\d{1,5})\b
        | \bDPI-(?P<dpi>\d{1,4})\b
        | \bError\s*:\s*(?P<jdbc>\d{1,5})\s*,\s*Position\s*:
        | \b(?i:vendor[\ _]?code|error[\ _]?code|errornum)\s*[:=]?\s*\[?(?P<vendor>\d{3,5})\b
        ",
    ))
    .expect("CODE_RE is a valid literal regex")
});

/// At most this many distinct codes are collected from one text.
const MAX_CODES: usize = 32;

/// A normalised code and the byte offset of its first printed form.
struct Code {
    code: String,
    pos: usize,
}

/// The normalised codes in `text`, deduplicated, in order of first appearance.
fn extract_codes(text: &str) -> Vec<Code> {
    // A bare number after "error code"/"Vendor code"/"errorNum" is an Oracle code only in a text
    // about Oracle; elsewhere it may be an HTTP status or another database's error number.
    let oracle_text = text.contains("ORA-") || ORACLE_CONTEXT.is_match(text);
    let mut codes: Vec<Code> = Vec::new();
    for caps in CODE_RE.captures_iter(text) {
        let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
        let code = if let Some(n) = number("ora")
            .or_else(|| number("ora_sp"))
            .or_else(|| number("jdbc"))
        {
            Some(format!("ORA-{n:05}"))
        } else if let Some(n) = number("vendor") {
            oracle_text.then(|| format!("ORA-{n:05}"))
        } else if let Some(n) = number("tns") {
            Some(format!("TNS-{n:05}"))
        } else {
            number("dpi").map(|n| format!("DPI-{n:04}"))
        };
        if let (Some(code), Some(whole)) = (code, caps.get(0)) {
            // A real trace holds a handful of codes; random bytes can hold thousands. The first
            // MAX_CODES are what a reader (and the decision) needs, and the output stays short.
            if codes.len() >= MAX_CODES {
                break;
            }
            if !codes.iter().any(|c| c.code == code) {
                codes.push(Code {
                    code,
                    pos: whole.start(),
                });
            }
        }
    }
    codes
}

// ---------------------------------------------------------------------------------------------
// Rules

/// How much a finding says about the root cause (see the module doc's Precedence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Weight {
    /// Says only that something failed; the cause is elsewhere or unstated.
    Symptom,
    /// Names what is wrong.
    Condition,
}

/// What one documented code or phrase means.
struct Rule {
    cause: Cause,
    weight: Weight,
    /// What happened, one clause without a final period.
    meaning: &'static str,
    /// The fix for this condition when it is more precise than the cause's default.
    fix: Option<&'static str>,
    /// Where the meaning is documented. Read by people, and by the leave-one-source-out test.
    source: &'static str,
    /// `meaning` in Chinese, set by [`Rule::zh`].
    meaning_zh: &'static str,
    /// `fix` in Chinese (`None` exactly when `fix` is `None`).
    fix_zh: Option<&'static str>,
}

impl Rule {
    /// The rule's Chinese wording: what happened and, when the rule has its own fix, what to do.
    const fn zh(mut self, meaning_zh: &'static str, fix_zh: Option<&'static str>) -> Rule {
        self.meaning_zh = meaning_zh;
        self.fix_zh = fix_zh;
        self
    }
}

/// Rules keyed by normalised code. `TNS-12xxx` are looked up as `ORA-12xxx` (same messages).
struct CodeRule {
    codes: &'static [&'static str],
    rule: Rule,
}

/// Which texts a phrase rule applies to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The phrase names its system (an Oracle, Flink or ZooKeeper message).
    Any,
    /// A generic socket message: counted for Oracle unless the text is about another system.
    Socket,
}

struct PhraseRule {
    pattern: &'static str,
    scope: Scope,
    rule: Rule,
}

const fn rule(
    cause: Cause,
    weight: Weight,
    meaning: &'static str,
    fix: Option<&'static str>,
    source: &'static str,
) -> Rule {
    Rule {
        cause,
        weight,
        meaning,
        fix,
        source,
        meaning_zh: "",
        fix_zh: None,
    }
}

use Cause::*;
use Weight::{Condition, Symptom};

const FIX_OVERWRITTEN: &str = "Check in V$ARCHIVED_LOG whether the required sequence was \
    archived: if it was, a fresh LogMiner session (restart the job) reads it from the archive; if \
    not, that redo is lost: restore it or re-snapshot. More or larger online redo log groups, or \
    log.mining.archive.log.only.mode, keep LogMiner off logs about to be overwritten.";
const FIX_GRANT: &str = "Grant the connector user what Debezium's Oracle documentation lists \
    (CREATE SESSION, LOGMINING, EXECUTE ON DBMS_LOGMNR / EXECUTE_CATALOG_ROLE, SELECT ANY \
    TRANSACTION, SELECT on the V_$ views it reads such as V_$DATABASE, V_$LOG, V_$ARCHIVED_LOG, \
    V_$LOGMNR_CONTENTS, V_$MYSTAT, V_$STATNAME), then restart; a restart alone will not help.";
const FIX_READ_ONLY: &str = "Point the connector at the writable primary, or (Debezium 2.2+, not \
    the 1.9 inside Flink CDC) use log.mining.read.only; LogMiner with these options and \
    Debezium's LOG_MINING_FLUSH table need a writable database.";
const FIX_ARCHIVELOG: &str = "Enable archive-log mode (SHUTDOWN IMMEDIATE; STARTUP MOUNT; ALTER \
    DATABASE ARCHIVELOG; ALTER DATABASE OPEN) and check it with SELECT LOG_MODE FROM V$DATABASE; \
    a restart of the job alone will not help.";
const FIX_SUPPLEMENTAL: &str = "Enable supplemental logging: ALTER DATABASE ADD SUPPLEMENTAL LOG \
    DATA; and for each captured table ALTER TABLE <schema>.<table> ADD SUPPLEMENTAL LOG DATA \
    (ALL) COLUMNS; then restart from the latest savepoint.";
const FIX_CONTINUOUS_MINE: &str = "Remove log.mining.continuous.mine (or set it to false): \
    CONTINUOUS_MINE was desupported in Oracle 19c, so START_LOGMNR with it always fails there.";
const FIX_CLIENT_LIB: &str = "Install Oracle Instant Client (19 reaches 11.2 to 23ai) and make \
    its directory visible to the process (ldconfig or LD_LIBRARY_PATH); nothing on the database \
    side is wrong.";
const FIX_PGA: &str = "The mining session's memory ran out: set log.mining.session.max.ms (e.g. \
    a few minutes; Debezium 1.9.3+, so Flink CDC 2.4+) so LogMiner sessions are renewed and \
    their PGA released, and review PGA_AGGREGATE_LIMIT/PGA_AGGREGATE_TARGET.";
const FIX_RECOVERY_AREA: &str = "The archiver is stuck: free the recovery area (back up and \
    delete archived logs with RMAN, keeping those the connector still needs) or raise \
    DB_RECOVERY_FILE_DEST_SIZE; check V$RECOVERY_AREA_USAGE.";
const FIX_TABLESPACE: &str = "Add space to the named tablespace (ALTER TABLESPACE ... ADD \
    DATAFILE, or AUTOEXTEND) and retry.";
const FIX_UNDO: &str = "The read outlived undo retention: raise UNDO_RETENTION (and the undo \
    tablespace), or snapshot large tables another way (snapshot.mode=no_data plus an incremental \
    snapshot).";
const FIX_PROCESSES: &str = "The database ran out of processes or sessions: find who holds \
    them (V$SESSION, orphaned connector sessions included) and raise PROCESSES/SESSIONS if \
    needed.";
const FIX_JVM_MEMORY: &str = "A JVM ran out of memory: raise the TaskManager memory \
    (taskmanager.memory.process.size, or the heap/metaspace option the error names) and look \
    for a large transaction buffered by the connector.";
const FIX_DISK: &str = "A disk or file quota is exhausted: free space on the volume named in \
    the trace (output directory, checkpoint storage, logs, tmp) or raise the limit, then restart \
    only after checkpoints succeed.";
const FIX_SLOTS: &str = "The job cannot get task slots: start more TaskManagers or slots, or \
    lower the job's parallelism.";
const FIX_LISTENER_NAME: &str = "The listener does not know the SID or service named in the \
    connect descriptor: the instance is down or not yet registered (lsnrctl status), or the \
    name in the URL is wrong (SID vs service name); fix the database or the URL.";
const FIX_CREDENTIALS: &str = "Check the user name and password the connector uses (and whether \
    the account is locked or expired, DBA_USERS.ACCOUNT_STATUS); stop retrying quickly or the \
    account locks (ORA-28000).";
const FIX_DB_DOWN: &str = "The instance is down or starting/stopping: wait for it to open (or \
    start it) and check the alert log; the restart gate stays closed until Oracle answers.";
const FIX_DUP_LOG: &str = "Restart the job so LogMiner starts a fresh session with a clean log \
    list; a repeat points at a connector bug in adding logs (Debezium fixed RAC log \
    de-duplication in DBZ-3563/DBZ-5276): upgrade the connector.";
const FIX_HEARTBEAT_NPE: &str = "Remove heartbeat.action.query from the Flink CDC incremental \
    source's options (its dispatcher has no connection for it); use heartbeat.interval.ms alone \
    to keep offsets moving.";
const FIX_ZK: &str = "Check ZooKeeper (ruok/srvr on each server) and the network between it and \
    the JobManagers; wait out a failover within the ZooKeeper session timeout, then confirm which \
    JobManager leads before any restart.";

const FIX_REDO_CORRUPT: &str = "The redo in the corrupt block is lost to LogMiner: if another \
    member of the log group or an archived copy is intact, use it; otherwise restore from backup \
    or re-snapshot. Check the storage, then clear the log (ALTER DATABASE CLEAR UNARCHIVED \
    LOGFILE) and take a backup.";
const FIX_DICTIONARY: &str = "Give LogMiner a dictionary and logs from the database being mined: \
    with Debezium use the online catalog (log.mining.strategy=online_catalog) or rebuild the \
    dictionary (DBMS_LOGMNR_D.BUILD), and check the archive destination the connector reads.";
const FIX_HISTORY: &str = "Restore the schema history (for Flink CDC: restart from the checkpoint \
    or savepoint that holds it, not without state), or take a new snapshot (snapshot.mode \
    schema_only_recovery in 1.9, recovery in 2.x) after checking the history storage settings.";
// The fixes in Chinese: the same steps, in the words a Chinese DBA or Flink engineer uses.
const FIX_OVERWRITTEN_ZH: &str = "在 V$ARCHIVED_LOG 中查看所需序列号是否已归档：已归档则新的 \
    LogMiner 会话（重启作业）会从归档日志中读取；未归档则这段重做已丢失，需要恢复或重新快照。增加在线\
    重做日志组的数量或大小，或使用 log.mining.archive.log.only.mode，可避免 LogMiner 读取即将被覆盖的\
    日志。";
const FIX_GRANT_ZH: &str = "按 Debezium Oracle 文档为连接器用户授权（CREATE SESSION、LOGMINING、\
    EXECUTE ON DBMS_LOGMNR / EXECUTE_CATALOG_ROLE、SELECT ANY TRANSACTION，以及它读取的 V_$ 视图的 \
    SELECT 权限，如 V_$DATABASE、V_$LOG、V_$ARCHIVED_LOG、V_$LOGMNR_CONTENTS、V_$MYSTAT、\
    V_$STATNAME），然后重启；单纯重启无济于事。";
const FIX_READ_ONLY_ZH: &str = "让连接器连接可写的主库，或（Debezium 2.2+，而非 Flink CDC 内置的 \
    1.9）使用 log.mining.read.only；LogMiner 的这些选项以及 Debezium 的 LOG_MINING_FLUSH 表都需要可写的\
    数据库。";
const FIX_ARCHIVELOG_ZH: &str = "开启归档模式（SHUTDOWN IMMEDIATE; STARTUP MOUNT; ALTER DATABASE \
    ARCHIVELOG; ALTER DATABASE OPEN），并用 SELECT LOG_MODE FROM V$DATABASE 确认；单纯重启作业无济于事。";
const FIX_SUPPLEMENTAL_ZH: &str = "开启补充日志：ALTER DATABASE ADD SUPPLEMENTAL LOG DATA; 并对每张\
    采集表执行 ALTER TABLE <schema>.<table> ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS; 然后从最近的保存点\
    重启。";
const FIX_CONTINUOUS_MINE_ZH: &str =
    "去掉 log.mining.continuous.mine（或设为 false）：Oracle 19c 已\
    不再支持 CONTINUOUS_MINE，带该选项的 START_LOGMNR 在 19c 上必然失败。";
const FIX_CLIENT_LIB_ZH: &str =
    "安装 Oracle Instant Client（19 版可连接 11.2 到 23ai），并让进程能\
    找到其目录（ldconfig 或 LD_LIBRARY_PATH）；数据库端没有问题。";
const FIX_PGA_ZH: &str = "挖掘会话内存耗尽：设置 log.mining.session.max.ms（例如几分钟；Debezium \
    1.9.3+，即 Flink CDC 2.4+），让 LogMiner 会话定期重建并释放 PGA，并检查 \
    PGA_AGGREGATE_LIMIT/PGA_AGGREGATE_TARGET。";
const FIX_RECOVERY_AREA_ZH: &str = "归档进程卡住：清理快速恢复区（用 RMAN 备份并删除归档日志，保留\
    连接器仍需要的部分）或调大 DB_RECOVERY_FILE_DEST_SIZE；查看 V$RECOVERY_AREA_USAGE。";
const FIX_TABLESPACE_ZH: &str = "为报错中的表空间扩容（ALTER TABLESPACE ... ADD DATAFILE，或开启 \
    AUTOEXTEND），然后重试。";
const FIX_UNDO_ZH: &str = "读取时间超过了 undo 保留时间：调大 UNDO_RETENTION（以及 undo 表空间），\
    或换一种方式对大表做快照（snapshot.mode=no_data 加增量快照）。";
const FIX_PROCESSES_ZH: &str = "数据库的进程数或会话数已用完：在 V$SESSION 中查出占用者（包括残留\
    的连接器会话），必要时调大 PROCESSES/SESSIONS。";
const FIX_JVM_MEMORY_ZH: &str =
    "JVM 内存耗尽：调大 TaskManager 内存（taskmanager.memory.process.size，\
    或报错中指出的堆/元空间参数），并排查连接器缓存的大事务。";
const FIX_DISK_ZH: &str = "磁盘或文件配额已耗尽：清理报错中指出的卷（输出目录、检查点存储、日志、\
    tmp）或提高限额；检查点恢复成功后再重启。";
const FIX_SLOTS_ZH: &str = "作业拿不到 task slot：增加 TaskManager 或 slot，或降低作业并行度。";
const FIX_LISTENER_NAME_ZH: &str = "监听器不认识连接描述符中的 SID 或服务名：实例未启动或尚未注册\
    （lsnrctl status），或 URL 中的名称写错（SID 与服务名混用）；修复数据库或 URL。";
const FIX_CREDENTIALS_ZH: &str = "检查连接器使用的用户名和口令（以及账号是否被锁定或过期，见 \
    DBA_USERS.ACCOUNT_STATUS）；尽快停止重试，否则账号会被锁定（ORA-28000）。";
const FIX_DB_DOWN_ZH: &str = "实例已关闭或正在启动/关闭：等待其打开（或启动它）并查看告警日志；\
    Oracle 恢复应答之前重启闸门保持关闭。";
const FIX_DUP_LOG_ZH: &str = "重启作业，让 LogMiner 以干净的日志列表新建会话；若反复出现，说明\
    连接器添加日志有缺陷（Debezium 在 DBZ-3563/DBZ-5276 中修复了 RAC 日志去重）：请升级连接器。";
const FIX_HEARTBEAT_NPE_ZH: &str =
    "从 Flink CDC 增量快照 source 的参数中去掉 heartbeat.action.query\
    （其分发器没有可用的连接）；只用 heartbeat.interval.ms 让偏移量前进。";
const FIX_REDO_CORRUPT_ZH: &str =
    "损坏块中的重做内容对 LogMiner 已不可用：若同组其他成员或归档副本\
    完好，就用它；否则从备份恢复或重新快照。检查存储后清除该日志（ALTER DATABASE CLEAR UNARCHIVED \
    LOGFILE）并做一次备份。";
const FIX_DICTIONARY_ZH: &str = "让 LogMiner 使用被挖掘数据库自己的字典和日志：Debezium 下使用在线\
    数据字典（log.mining.strategy=online_catalog）或重建字典（DBMS_LOGMNR_D.BUILD），并检查连接器\
    读取的归档目标。";
const FIX_HISTORY_ZH: &str = "恢复 schema 历史（Flink CDC：从保存了它的检查点或保存点重启，不要\
    无状态重启），或在检查历史存储配置后重新快照（1.9 中 snapshot.mode 为 schema_only_recovery，\
    2.x 中为 recovery）。";
const FIX_ZK_ZH: &str = "检查 ZooKeeper（在每台服务器上执行 ruok/srvr）以及它与 JobManager 之间的\
    网络；在 ZooKeeper 会话超时内等待故障切换完成，重启前先确认哪个 JobManager 是 leader。";

/// Rules keyed by code. Sources: Oracle Database Error Messages (docs.oracle.com, per code),
/// Debezium's OracleErrorHandler retriable list, and notes/oracle-probe.md §4.
static CODE_RULES: &[CodeRule] = &[
    // --- missing_redo
    CodeRule {
        codes: &["ORA-01291"],
        rule: rule(
            MissingRedo,
            Condition,
            "LogMiner has no redo log file covering the SCN range it was asked to mine",
            Some(FIX_REDO_GONE),
            "Oracle docs ORA-01291 \"missing logfile\"; Debezium startMiningSession retries it",
        )
        .zh("LogMiner 找不到覆盖所请求 SCN 范围的重做日志文件", Some(FIX_REDO_GONE_ZH)),
    },
    CodeRule {
        codes: &["ORA-01292"],
        rule: rule(
            MissingRedo,
            Condition,
            "No redo log covering the start SCN could be added to the LogMiner session, \
             typically because the logs were purged while the offset SCN stood still",
            Some(FIX_REDO_GONE),
            "Oracle docs ORA-01292 \"no log file has been specified for the current LogMiner \
             session\"; flink-cdc#1036",
        )
        .zh("无法向 LogMiner 会话添加覆盖起始 SCN 的重做日志，通常是因为偏移量 SCN 长期不动时归档日志已被清理", Some(FIX_REDO_GONE_ZH)),
    },
    CodeRule {
        codes: &["ORA-00308", "ORA-01284", "ORA-00311"],
        rule: rule(
            MissingRedo,
            Condition,
            "A redo log file the connector asked LogMiner to read cannot be opened (deleted, \
             moved or not readable)",
            Some(FIX_REDO_GONE),
            "Oracle docs ORA-00308 \"cannot open archived log\", ORA-01284 \"file cannot be \
             opened\", ORA-00311 \"cannot read header from archived log\"",
        )
        .zh("连接器要求 LogMiner 读取的重做日志文件无法打开（已删除、被移动或不可读）", Some(FIX_REDO_GONE_ZH)),
    },
    CodeRule {
        codes: &["ORA-00310", "ORA-00314"],
        rule: rule(
            MissingRedo,
            Condition,
            "The redo log being mined was overwritten with a newer sequence, so the redo \
             LogMiner needed is no longer in that file",
            Some(FIX_OVERWRITTEN),
            "Oracle docs ORA-00310 \"archived log contains sequence N; sequence M required\", \
             ORA-00314; Debezium DBZ-4230 re-reads logs on ORA-00310",
        )
        .zh("正在挖掘的在线重做日志已被更新的序列号覆盖，LogMiner 需要的重做内容已不在该文件中", Some(FIX_OVERWRITTEN_ZH)),
    },
    // --- misconfigured
    CodeRule {
        codes: &["ORA-01031"],
        rule: rule(
            Misconfigured,
            Condition,
            "The connector user lacks a privilege it needs",
            Some(FIX_GRANT),
            "Oracle docs ORA-01031 \"insufficient privileges\"; Debezium Oracle docs, grants",
        )
        .zh("连接器用户缺少所需的权限", Some(FIX_GRANT_ZH)),
    },
    CodeRule {
        codes: &["ORA-00942"],
        rule: rule(
            Misconfigured,
            Condition,
            "A table or view the connector reads is not visible to its user (usually a \
             missing SELECT grant on a V_$ view)",
            Some(FIX_GRANT),
            "Oracle docs ORA-00942 \"table or view does not exist\"; seatunnel#9429 (V_$MYSTAT)",
        )
        .zh("连接器读取的表或视图对其用户不可见（通常是缺少某个 V_$ 视图的 SELECT 授权）", Some(FIX_GRANT_ZH)),
    },
    CodeRule {
        codes: &["ORA-01435", "ORA-01918"],
        rule: rule(
            Misconfigured,
            Condition,
            "A user or schema named in the connector's configuration or query does not exist",
            Some(
                "Check the schema and user names in the connector configuration (case matters \
                  for quoted names) against DBA_USERS; if they are right and the error comes \
                  from DBMS_LOGMNR, restart to rebuild the LogMiner dictionary.",
            ),
            "Oracle docs ORA-01435/ORA-01918 \"user does not exist\"",
        )
        .zh("连接器配置或查询中的用户或 schema 不存在", Some("核对连接器配置中的 schema 与用户名（带引号的名称区分大小写）是否存在于 DBA_USERS；若名称无误且错误来自 DBMS_LOGMNR，重启作业以重建 LogMiner 字典。")),
    },
    CodeRule {
        codes: &["ORA-00904"],
        rule: rule(
            Misconfigured,
            Condition,
            "A query names a column that does not exist: a column name in the configuration \
             is wrong, or the connector does not support this database version",
            Some(
                "Check column names in the connector options and that the connector version \
                  supports this Oracle version.",
            ),
            "Oracle docs ORA-00904 \"invalid identifier\"",
        )
        .zh("查询引用了不存在的列：配置中的列名有误，或连接器不支持该数据库版本", Some("核对连接器参数中的列名，并确认连接器版本支持该 Oracle 版本。")),
    },
    CodeRule {
        codes: &["ORA-16000"],
        rule: rule(
            Misconfigured,
            Condition,
            "The database is open read-only (a standby), but the connector needs to write",
            Some(FIX_READ_ONLY),
            "Oracle docs ORA-16000 \"database open for read-only access\"; flink-cdc#1255",
        )
        .zh("数据库以只读方式打开（备库），但连接器需要写入", Some(FIX_READ_ONLY_ZH)),
    },
    CodeRule {
        codes: &["ORA-01300"],
        rule: rule(
            Misconfigured,
            Condition,
            "LogMiner refused the requested options because they need a writable database",
            Some(FIX_READ_ONLY),
            "Oracle docs ORA-01300 \"writable database required for specified LogMiner options\"",
        )
        .zh("LogMiner 拒绝了请求的选项，因为这些选项需要可写的数据库", Some(FIX_READ_ONLY_ZH)),
    },
    CodeRule {
        codes: &["ORA-01325"],
        rule: rule(
            Misconfigured,
            Condition,
            "The LogMiner dictionary cannot be built into the redo stream because archive-log \
             mode is off",
            Some(FIX_ARCHIVELOG),
            "Oracle docs ORA-01325 \"archive log mode must be enabled to build into the \
             logstream\"",
        )
        .zh("归档模式未开启，无法把 LogMiner 字典写入重做日志流", Some(FIX_ARCHIVELOG_ZH)),
    },
    CodeRule {
        codes: &["ORA-44609"],
        rule: rule(
            Misconfigured,
            Condition,
            "START_LOGMNR was called with CONTINUOUS_MINE, which Oracle 19c and later no longer \
             support",
            Some(FIX_CONTINUOUS_MINE),
            "Oracle docs ORA-44609 \"CONTINOUS_MINE is desupported for use with \
             DBMS_LOGMNR.START_LOGMNR\"; flink-cdc#1271/#2050/#2323",
        )
        .zh("调用 START_LOGMNR 时使用了 CONTINUOUS_MINE，Oracle 19c 及以后版本已不再支持", Some(FIX_CONTINUOUS_MINE_ZH)),
    },
    CodeRule {
        codes: &["ORA-12154"],
        rule: rule(
            Misconfigured,
            Condition,
            "The connect identifier cannot be resolved (not in tnsnames.ora or a wrong alias)",
            Some("Use a full JDBC URL (host:port/service) or fix the alias in tnsnames.ora."),
            "Oracle docs ORA-12154 \"TNS:could not resolve the connect identifier specified\"",
        )
        .zh("无法解析连接标识符（tnsnames.ora 中没有该别名或别名写错）", Some("改用完整的 JDBC URL（host:port/service），或修正 tnsnames.ora 中的别名。")),
    },
    CodeRule {
        codes: &["DPI-1047", "DPI-1050", "DPI-1072"],
        rule: rule(
            Misconfigured,
            Condition,
            "The Oracle client library is missing or too old for the driver",
            Some(FIX_CLIENT_LIB),
            "ODPI-C docs DPI-1047 \"Cannot locate a 64-bit Oracle Client library\", DPI-1050, \
             DPI-1072; notes/oracle-probe.md §4",
        )
        .zh("Oracle 客户端库缺失或版本过旧，驱动无法使用", Some(FIX_CLIENT_LIB_ZH)),
    },
    // --- resource_exhausted
    CodeRule {
        codes: &["ORA-04036", "ORA-04030", "ORA-27102"],
        rule: rule(
            ResourceExhausted,
            Condition,
            "The Oracle server process ran out of memory (PGA)",
            Some(FIX_PGA),
            "Oracle docs ORA-04036 \"PGA memory used by the instance exceeds \
             PGA_AGGREGATE_LIMIT\", ORA-04030 \"out of process memory\", ORA-27102 \"out of \
             memory\"; Debezium FAQ (log.mining.session.max.ms, DBZ-4963)",
        )
        .zh("Oracle 服务器进程内存（PGA）耗尽", Some(FIX_PGA_ZH)),
    },
    CodeRule {
        codes: &["ORA-04031"],
        rule: rule(
            ResourceExhausted,
            Condition,
            "The Oracle shared pool (SGA) is exhausted",
            Some(
                "Raise SHARED_POOL_SIZE/SGA_TARGET; on Debezium 2.3+ \
                  log.mining.restart.connection=true limits LogMiner's SGA growth.",
            ),
            "Oracle docs ORA-04031 \"unable to allocate bytes of shared memory\"",
        )
        .zh("Oracle 共享池（SGA）耗尽", Some("调大 SHARED_POOL_SIZE/SGA_TARGET；Debezium 2.3+ 可设置 log.mining.restart.connection=true 抑制 LogMiner 的 SGA 增长。")),
    },
    CodeRule {
        codes: &["ORA-00257", "ORA-19809", "ORA-19815", "ORA-16038"],
        rule: rule(
            ResourceExhausted,
            Condition,
            "The archiver is stuck because the recovery area or archive destination is full",
            Some(FIX_RECOVERY_AREA),
            "Oracle docs ORA-00257 \"archiver error\", ORA-19809 \"limit exceeded for recovery \
             files\", ORA-19815, ORA-16038 \"log cannot be archived\"",
        )
        .zh("快速恢复区或归档目标已满，归档进程（archiver）卡住", Some(FIX_RECOVERY_AREA_ZH)),
    },
    CodeRule {
        codes: &["ORA-01652", "ORA-01653", "ORA-01654", "ORA-30036"],
        rule: rule(
            ResourceExhausted,
            Condition,
            "A tablespace is full (temp, data, index or undo)",
            Some(FIX_TABLESPACE),
            "Oracle docs ORA-01652/01653/01654 \"unable to extend\", ORA-30036 (undo)",
        )
        .zh("表空间已满（临时、数据、索引或 undo 表空间）", Some(FIX_TABLESPACE_ZH)),
    },
    CodeRule {
        codes: &["ORA-01555"],
        rule: rule(
            ResourceExhausted,
            Condition,
            "A long read outlived the undo retention (snapshot too old)",
            Some(FIX_UNDO),
            "Oracle docs ORA-01555 \"snapshot too old\"; Debezium FAQ; flink-cdc#755",
        )
        .zh("长时间读取超过了 undo 保留时间（快照过旧）", Some(FIX_UNDO_ZH)),
    },
    CodeRule {
        codes: &[
            "ORA-00018",
            "ORA-00020",
            "ORA-12516",
            "ORA-12519",
            "ORA-12520",
        ],
        rule: rule(
            ResourceExhausted,
            Condition,
            "The database has no process or session left for a new connection",
            Some(FIX_PROCESSES),
            "Oracle docs ORA-00018/ORA-00020 \"maximum number of sessions/processes exceeded\", \
             ORA-12516/12519/12520 \"listener could not find available handler\"",
        )
        .zh("数据库已没有可用的进程或会话来接受新连接", Some(FIX_PROCESSES_ZH)),
    },
    // --- oracle_unreachable
    CodeRule {
        codes: &[
            "ORA-12541",
            "TNS-00511",
            "ORA-12543",
            "ORA-12545",
            "ORA-12537",
        ],
        rule: rule(
            OracleUnreachable,
            Condition,
            "Nothing answers at the database address (no listener, host unreachable or \
             unknown, or the listener closed the connection)",
            None,
            "Oracle docs ORA-12541 \"TNS:no listener\", TNS-00511, ORA-12543 \"destination host \
             unreachable\", ORA-12545, ORA-12537 \"TNS:connection closed\"; \
             notes/oracle-probe.md §4",
        )
        .zh("数据库地址无人应答（没有监听器、主机不可达或未知，或监听器关闭了连接）", None),
    },
    CodeRule {
        codes: &[
            "ORA-12514",
            "ORA-12505",
            "ORA-12526",
            "ORA-12527",
            "ORA-12528",
        ],
        rule: rule(
            OracleUnreachable,
            Condition,
            "The listener answers but has no open instance for the requested service or SID",
            Some(FIX_LISTENER_NAME),
            "Oracle docs ORA-12514 (service), ORA-12505 (SID) \"listener does not currently \
             know of\", ORA-12526/12527/12528 (restricted/blocking); notes/oracle-probe.md §4",
        )
        .zh("监听器有应答，但没有为所请求的服务名或 SID 打开的实例", Some(FIX_LISTENER_NAME_ZH)),
    },
    CodeRule {
        codes: &["ORA-12170", "ORA-12535"],
        rule: rule(
            OracleUnreachable,
            Condition,
            "Connecting to the database timed out (network, firewall or an overloaded host)",
            None,
            "Oracle docs ORA-12170 \"TNS:Connect timeout occurred\", ORA-12535 \"operation \
             timed out\"; notes/oracle-probe.md §4",
        )
        .zh("连接数据库超时（网络、防火墙或主机过载）", None),
    },
    CodeRule {
        codes: &["ORA-01017", "ORA-28000", "ORA-28001"],
        rule: rule(
            OracleUnreachable,
            Condition,
            "The database refused the login (wrong credentials, or the account is locked or \
             expired)",
            Some(FIX_CREDENTIALS),
            "Oracle docs ORA-01017 \"invalid username/password\", ORA-28000 \"account is \
             locked\", ORA-28001 \"password has expired\"; DESIGN.md §2 (credentials)",
        )
        .zh("数据库拒绝登录（用户名或口令错误，或账号被锁定、口令已过期）", Some(FIX_CREDENTIALS_ZH)),
    },
    CodeRule {
        codes: &[
            "ORA-01033",
            "ORA-01034",
            "ORA-01089",
            "ORA-01090",
            "ORA-01092",
            "ORA-27101",
        ],
        rule: rule(
            OracleUnreachable,
            Condition,
            "The database instance is down, starting or shutting down",
            Some(FIX_DB_DOWN),
            "Oracle docs ORA-01033 \"initialization or shutdown in progress\", ORA-01034 \
             \"ORACLE not available\", ORA-01089/01090 (shutdown), ORA-01092 \"instance \
             terminated\", ORA-27101",
        )
        .zh("数据库实例已关闭、正在启动或正在关闭", Some(FIX_DB_DOWN_ZH)),
    },
    // --- dead_connection
    CodeRule {
        codes: &[
            "ORA-03113",
            "ORA-03114",
            "ORA-03135",
            "ORA-12547",
            "ORA-12570",
            "ORA-12571",
            "ORA-17008",
            "ORA-17410",
            "ORA-01012",
            "DPI-1080",
            "DPI-1010",
        ],
        rule: rule(
            DeadConnection,
            Condition,
            "The connector's JDBC connection to Oracle broke (end of file on the channel, lost \
             contact, closed connection)",
            None,
            "Oracle docs ORA-03113 \"end-of-file on communication channel\", ORA-03114, \
             ORA-03135 \"connection lost contact\", ORA-12547/12570/12571, ORA-01012; JDBC \
             ORA-17008 \"Closed Connection\", ORA-17410 \"No more data to read from socket\"; \
             ODPI-C DPI-1080/DPI-1010; Debezium OracleErrorHandler",
        )
        .zh("连接器到 Oracle 的 JDBC 连接已断开（通信通道文件结尾、失去联系、连接已关闭）", None),
    },
    CodeRule {
        codes: &["ORA-02396", "ORA-00028"],
        rule: rule(
            DeadConnection,
            Condition,
            "The database ended the connector's session (idle-time limit of its profile, or \
             the session was killed)",
            Some(
                "Restart the job from a savepoint; raise or remove the profile's IDLE_TIME for \
                  the connector user and find out who kills its sessions.",
            ),
            "Oracle docs ORA-02396 \"exceeded maximum idle time\", ORA-00028 \"your session \
             has been killed\"; Debezium DBZ-9280",
        )
        .zh("数据库结束了连接器的会话（profile 的空闲时间限制，或会话被 kill）", Some("从保存点重启作业；为连接器用户调大或取消 profile 的 IDLE_TIME，并查明是谁 kill 了它的会话。")),
    },
    CodeRule {
        codes: &["ORA-00603", "ORA-17002", "ORA-17009", "ORA-17010"],
        rule: rule(
            DeadConnection,
            Symptom,
            "The connector's Oracle session or socket failed; the text does not show a deeper \
             cause",
            None,
            "Oracle docs ORA-00603 \"ORACLE server session terminated by fatal error\"; JDBC \
             ORA-17002 \"IO Error\", ORA-17009/17010 \"Closed Statement/Resultset\"",
        )
        .zh("连接器的 Oracle 会话或套接字出错；文本中看不到更深层的原因", None),
    },
    // --- logminer_stuck
    CodeRule {
        codes: &["ORA-01289"],
        rule: rule(
            LogminerStuck,
            Condition,
            "The same redo log was added twice to the LogMiner session",
            Some(FIX_DUP_LOG),
            "Oracle docs ORA-01289 \"cannot add duplicate logfile\"; Debezium DBZ-3563/DBZ-5276",
        )
        .zh("同一个重做日志被两次加入 LogMiner 会话", Some(FIX_DUP_LOG_ZH)),
    },
    CodeRule {
        codes: &["ORA-01306", "ORA-01307", "ORA-01317"],
        rule: rule(
            LogminerStuck,
            Condition,
            "The connector queried LogMiner without an active LogMiner session",
            None,
            "Oracle docs ORA-01306 \"dbms_logmnr.start_logmnr() must be invoked before \
             selecting from v$logmnr_contents\", ORA-01307 \"no LogMiner session is currently \
             active\", ORA-01317 \"Not attached to a Logminer session\"",
        )
        .zh("连接器在没有活动 LogMiner 会话时查询了 LogMiner", None),
    },
    CodeRule {
        codes: &["ORA-01343", "ORA-01371", "ORA-01333", "ORA-01327", "ORA-01304"],
        rule: rule(
            LogminerStuck,
            Condition,
            "LogMiner failed inside its session (redo stream corruption, or its dictionary \
             could not be built or found); a fresh session usually clears it",
            None,
            "Oracle docs ORA-01343 \"LogMiner encountered corruption in the logstream\", \
             ORA-01371 \"Complete LogMiner dictionary not found\", ORA-01333, ORA-01327; all \
             retried by Debezium's OracleErrorHandler; ORA-01304 \"subordinate process error\"",
        )
        .zh("LogMiner 会话内部出错（重做日志流损坏，或其字典无法构建或找不到）；通常新建会话即可恢复", None),
    },
    CodeRule {
        codes: &["ORA-01013"],
        rule: rule(
            LogminerStuck,
            Symptom,
            "A LogMiner call was cancelled before it finished (a statement or query timeout, \
             or a cancel)",
            None,
            "Oracle docs ORA-01013 \"user requested cancel of current operation\"; Debezium \
             DBZ-2629",
        )
        .zh("LogMiner 调用在完成前被取消（语句或查询超时，或被取消）", None),
    },
    // --- added from Oracle's error reference (docs.oracle.com/en/error-help/db) and Debezium's FAQ
    CodeRule {
        codes: &["ORA-00354", "ORA-00353"],
        rule: rule(
            MissingRedo,
            Condition,
            "A redo log block is corrupt, so the redo in it cannot be read (nor archived)",
            Some(FIX_REDO_CORRUPT),
            "Oracle docs ORA-00354 \"corrupt redo log block header\", ORA-00353 \"log corruption \
             near block\"",
        )
        .zh(
            "重做日志块已损坏，其中的重做内容无法读取（也无法归档）",
            Some(FIX_REDO_CORRUPT_ZH),
        ),
    },
    CodeRule {
        codes: &[
            "ORA-01294",
            "ORA-01295",
            "ORA-01296",
            "ORA-01299",
            "ORA-01324",
            "ORA-01336",
            "ORA-01358",
        ],
        rule: rule(
            Misconfigured,
            Condition,
            "The LogMiner dictionary or a log file given to LogMiner does not fit the database \
             being mined (another database, incarnation, character set or version, or an \
             unreadable dictionary file)",
            Some(FIX_DICTIONARY),
            "Oracle docs ORA-01294 \"error occurred while processing information in dictionary \
             file\", ORA-01295 \"DB_ID mismatch\", ORA-01296, ORA-01299, ORA-01324, ORA-01336 \
             \"specified dictionary file cannot be opened\", ORA-01358",
        )
        .zh(
            "LogMiner 字典或加入 LogMiner 的日志文件与被挖掘的数据库不匹配（来自其他数据库、\
             incarnation、字符集或版本，或字典文件不可读）",
            Some(FIX_DICTIONARY_ZH),
        ),
    },
    CodeRule {
        codes: &["ORA-01293"],
        rule: rule(
            Misconfigured,
            Condition,
            "LogMiner refused the requested options because they need a mounted database",
            None,
            "Oracle docs ORA-01293 \"mounted database required for specified LogMiner options\"",
        )
        .zh(
            "LogMiner 拒绝了请求的选项，因为这些选项需要已装载（mount）的数据库",
            None,
        ),
    },
    CodeRule {
        codes: &["ORA-01882"],
        rule: rule(
            Misconfigured,
            Condition,
            "The JDBC driver cannot resolve the session's time-zone region",
            Some(
                "Pass driver.oracle.jdbc.timezoneAsRegion=false to the connector (in Flink CDC: \
                 'debezium.driver.oracle.jdbc.timezoneAsRegion' = 'false'), or give the JVM a \
                 time zone the database knows.",
            ),
            "Oracle docs ORA-01882 \"timezone region not found\"; Debezium Oracle FAQ",
        )
        .zh(
            "JDBC 驱动无法解析会话的时区区域",
            Some(
                "给连接器传 driver.oracle.jdbc.timezoneAsRegion=false（Flink CDC 中为 \
                 'debezium.driver.oracle.jdbc.timezoneAsRegion' = 'false'），或为 JVM 设置\
                 数据库认识的时区。",
            ),
        ),
    },
    CodeRule {
        codes: &["ORA-01372", "ORA-01373", "ORA-01357"],
        rule: rule(
            ResourceExhausted,
            Condition,
            "LogMiner could not get the processes or memory its session needs",
            Some(
                "Give LogMiner what it asks for: more parallel server processes \
                 (PARALLEL_MAX_SERVERS, PROCESSES) or more LogMiner/SGA memory; check what else \
                 uses them first.",
            ),
            "Oracle docs ORA-01372 \"Insufficient processes for specified LogMiner operation\", \
             ORA-01373 \"insufficient memory for staging persistent LogMiner session\", \
             ORA-01357 \"LogMiner transaction queue is full\"",
        )
        .zh(
            "LogMiner 会话拿不到所需的进程或内存",
            Some(
                "满足 LogMiner 的需要：增加并行服务进程（PARALLEL_MAX_SERVERS、PROCESSES）或 \
                 LogMiner/SGA 内存；先查清还有谁在占用。",
            ),
        ),
    },
];

/// Documented phrases. Sources in each rule; Chinese texts are the zh_CN messages of the Oracle
/// JDBC driver and server (and glibc's for ENOSPC) for the same conditions.
static PHRASE_RULES: &[PhraseRule] = &[
    // --- missing_redo
    PhraseRule {
        pattern: r"(?i)do not contain the offset\s+scn|none of (?:the )?log files contains? (?:the )?offset scn",
        scope: Scope::Any,
        rule: rule(
            MissingRedo,
            Condition,
            "The connector's offset SCN is older than every redo log still available",
            Some(FIX_REDO_GONE),
            "Debezium streaming start: \"Online REDO LOG files or archive log files do not \
             contain the offset scn\"; older LogMinerHelper \"None of log files contains offset \
             SCN\" (debezium#2186)",
        )
        .zh("连接器的偏移量 SCN 早于所有仍可用的重做日志", Some(FIX_REDO_GONE_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)no log file has been specified for the current logminer session|\bmissing logfile\b|缺失日志文件|cannot open archived log",
        scope: Scope::Any,
        rule: rule(
            MissingRedo,
            Condition,
            "LogMiner has no redo log file for the SCN range it was asked to mine",
            Some(FIX_REDO_GONE),
            "Oracle message texts of ORA-01292, ORA-01291 (en, zh_CN) and ORA-00308",
        )
        .zh("LogMiner 找不到覆盖所请求 SCN 范围的重做日志文件", Some(FIX_REDO_GONE_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)redo thread \d+ is inconsistent|a mined log is no longer available|log availability error .{0,300}?wasn't cleared",
        scope: Scope::Any,
        rule: rule(
            MissingRedo,
            Condition,
            "A redo log the connector needs is not available (a sequence gap or a log that \
             disappeared)",
            Some(FIX_REDO_GONE),
            "Debezium LogFileCollector \"Redo Thread %d is inconsistent\", \"A mined log is no \
             longer available\", \"The log availability error '{}' wasn't cleared\"",
        )
        .zh("连接器需要的重做日志不可用（序列号有缺口，或日志已消失）", Some(FIX_REDO_GONE_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)failed to start oracle logminer (?:session, retrying|after)",
        scope: Scope::Any,
        rule: rule(
            MissingRedo,
            Symptom,
            "The connector could not start a LogMiner session, which Debezium retries only \
             for a missing log file (ORA-01291)",
            Some(FIX_REDO_GONE),
            "Debezium startMiningSession \"Failed to start Oracle LogMiner session, \
             retrying...\" (ORA-01291 retried up to 5 times)",
        )
        .zh("连接器无法启动 LogMiner 会话；Debezium 只对缺失日志文件（ORA-01291）重试", Some(FIX_REDO_GONE_ZH)),
    },
    // --- misconfigured
    PhraseRule {
        pattern: r"(?i)supplemental logging not (?:properly )?configured|supplemental log(?:ging| data) (?:is )?not enabled|not configured with supplemental logging",
        scope: Scope::Any,
        rule: rule(
            Misconfigured,
            Condition,
            "Supplemental logging is off for the database or a captured table",
            Some(FIX_SUPPLEMENTAL),
            "Debezium LogMinerHelper.checkSupplementalLogging \"Supplemental logging not \
             (properly) configured\"; Debezium 1.9.7 \"Database table '{}' not configured with \
             supplemental logging\"",
        )
        .zh("数据库或某张采集表未开启补充日志", Some(FIX_SUPPLEMENTAL_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)not configured to use an? archive log LOG_MODE|\bnot in ARCHIVELOG mode|\bNOARCHIVELOG\b|archive log mode must be enabled",
        scope: Scope::Any,
        rule: rule(
            Misconfigured,
            Condition,
            "The database does not run in archive-log mode, which LogMiner capture needs",
            Some(FIX_ARCHIVELOG),
            "Debezium OracleConnection \"The Oracle server is not configured to use a archive \
             log LOG_MODE\"; Oracle ORA-01325 text",
        )
        .zh("数据库未运行在归档模式，而 LogMiner 采集需要归档模式", Some(FIX_ARCHIVELOG_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)writable database required|database open for read-only access",
        scope: Scope::Any,
        rule: rule(
            Misconfigured,
            Condition,
            "The database is open read-only (a standby), but the connector needs to write",
            Some(FIX_READ_ONLY),
            "Oracle message texts of ORA-01300 and ORA-16000",
        )
        .zh("数据库以只读方式打开（备库），但连接器需要写入", Some(FIX_READ_ONLY_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)insufficient privileges|权限不足|table or view does not exist|表或视图不存在",
        scope: Scope::Any,
        rule: rule(
            Misconfigured,
            Condition,
            "The connector user lacks a privilege or cannot see a view it reads",
            Some(FIX_GRANT),
            "Oracle message texts of ORA-01031 and ORA-00942 (en, zh_CN)",
        )
        .zh("连接器用户缺少权限，或看不到它要读取的视图", Some(FIX_GRANT_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)CONTINU?OUS_MINE\s+is\s+desupported",
        scope: Scope::Any,
        rule: rule(
            Misconfigured,
            Condition,
            "START_LOGMNR was called with CONTINUOUS_MINE, which Oracle 19c and later no longer \
             support",
            Some(FIX_CONTINUOUS_MINE),
            "Oracle message text of ORA-44609",
        )
        .zh("调用 START_LOGMNR 时使用了 CONTINUOUS_MINE，Oracle 19c 及以后版本已不再支持", Some(FIX_CONTINUOUS_MINE_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)cannot locate an? (?:64-bit |32-bit )?Oracle Client library",
        scope: Scope::Any,
        rule: rule(
            Misconfigured,
            Condition,
            "The Oracle client library is missing",
            Some(FIX_CLIENT_LIB),
            "ODPI-C DPI-1047 message text",
        )
        .zh("Oracle 客户端库缺失", Some(FIX_CLIENT_LIB_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)ClassNotFoundException:\s*oracle\.jdbc|No suitable driver found for jdbc:oracle",
        scope: Scope::Any,
        rule: rule(
            Misconfigured,
            Condition,
            "The Oracle JDBC driver is not on the job's classpath",
            Some(
                "Add the ojdbc jar (or use the flink-sql-connector-oracle-cdc fat jar) to the \
                  job or Flink's lib directory.",
            ),
            "java.lang.ClassNotFoundException / java.sql.DriverManager \"No suitable driver\"",
        )
        .zh("作业的 classpath 中没有 Oracle JDBC 驱动", Some("把 ojdbc jar（或 flink-sql-connector-oracle-cdc 胖包）加入作业或 Flink 的 lib 目录。")),
    },
    PhraseRule {
        pattern: r"(?i)Unsupported options found for|Invalid value .{1,200}? for configuration",
        scope: Scope::Any,
        rule: rule(
            Misconfigured,
            Condition,
            "The job or connector configuration holds an option that does not exist or has an \
             invalid value",
            Some(
                "Fix the option the message names; Flink CDC 2.4-3.x embeds Debezium 1.9, so \
                  options from current Debezium docs may not exist there.",
            ),
            "Flink FactoryUtil \"Unsupported options found for\"; Kafka ConfigException \
             \"Invalid value ... for configuration\"",
        )
        .zh("作业或连接器配置中有不存在的参数或参数值无效", Some("修正报错中指出的参数；Flink CDC 2.4-3.x 内置的是 Debezium 1.9，最新 Debezium 文档中的参数在这里可能不存在。")),
    },
    PhraseRule {
        pattern: r"(?s)NullPointerException.{0,400}?HeartbeatFactory\.createHeartbeat",
        scope: Scope::Any,
        rule: rule(
            Misconfigured,
            Condition,
            "heartbeat.action.query is set on an incremental CDC source whose dispatcher cannot \
             run it",
            Some(FIX_HEARTBEAT_NPE),
            "notes/debezium-logminer.md (d): Flink CDC JdbcSourceEventDispatcher builds \
             HeartbeatFactory without a connection provider; seatunnel#10278",
        )
        .zh("在增量快照 CDC source 上设置了 heartbeat.action.query，但其事件分发器无法执行它", Some(FIX_HEARTBEAT_NPE_ZH)),
    },
    // --- resource_exhausted
    PhraseRule {
        pattern: r"OutOfMemoryError|(?i)\bJava heap space\b|GC overhead limit exceeded|unable to create (?:new )?native thread|\bOOMKilled\b",
        scope: Scope::Any,
        rule: rule(
            ResourceExhausted,
            Condition,
            "A Java process (TaskManager or JobManager) ran out of memory",
            Some(FIX_JVM_MEMORY),
            "java.lang.OutOfMemoryError (Java heap space, Metaspace, Direct buffer memory, GC \
             overhead limit exceeded); Kubernetes OOMKilled",
        )
        .zh("Java 进程（TaskManager 或 JobManager）内存耗尽", Some(FIX_JVM_MEMORY_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)No space left on device|设备上没有空间|Disk quota exceeded|Too many open files",
        scope: Scope::Any,
        rule: rule(
            ResourceExhausted,
            Condition,
            "A disk, quota or file-descriptor limit is exhausted",
            Some(FIX_DISK),
            "strerror ENOSPC (en, zh_CN glibc), EDQUOT, EMFILE",
        )
        .zh("磁盘空间、配额或文件描述符已耗尽", Some(FIX_DISK_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)out of (?:process|shared) memory|exceeds PGA_AGGREGATE_LIMIT|Cannot allocate memory",
        scope: Scope::Any,
        rule: rule(
            ResourceExhausted,
            Condition,
            "The Oracle server process ran out of memory",
            Some(FIX_PGA),
            "Oracle message texts of ORA-04030/ORA-04031/ORA-04036; strerror ENOMEM",
        )
        .zh("Oracle 服务器进程内存耗尽", Some(FIX_PGA_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)archiver error|db_recovery_file_dest_size",
        scope: Scope::Any,
        rule: rule(
            ResourceExhausted,
            Condition,
            "The archiver is stuck because the recovery area or archive destination is full",
            Some(FIX_RECOVERY_AREA),
            "Oracle message texts of ORA-00257 and ORA-19809/19815",
        )
        .zh("快速恢复区或归档目标已满，归档进程（archiver）卡住", Some(FIX_RECOVERY_AREA_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)unable to extend (?:temp |table |index |rollback |lob )?segment|snapshot too old",
        scope: Scope::Any,
        rule: rule(
            ResourceExhausted,
            Condition,
            "A tablespace or the undo retention is exhausted",
            None,
            "Oracle message texts of ORA-01652/01653/01654/30036 and ORA-01555",
        )
        .zh("表空间或 undo 保留已耗尽", None),
    },
    PhraseRule {
        pattern: r"(?i)maximum number of (?:processes|sessions) \(\d+\) exceeded",
        scope: Scope::Any,
        rule: rule(
            ResourceExhausted,
            Condition,
            "The database has no process or session left for a new connection",
            Some(FIX_PROCESSES),
            "Oracle message texts of ORA-00020/ORA-00018",
        )
        .zh("数据库已没有可用的进程或会话来接受新连接", Some(FIX_PROCESSES_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)Insufficient number of network buffers",
        scope: Scope::Any,
        rule: rule(
            ResourceExhausted,
            Condition,
            "A TaskManager has too little network memory for the job",
            Some("Raise taskmanager.memory.network.fraction/min/max or lower the parallelism."),
            "Flink NetworkBufferPool \"Insufficient number of network buffers\"",
        )
        .zh("TaskManager 的网络内存不足以运行该作业", Some("调大 taskmanager.memory.network.fraction/min/max，或降低并行度。")),
    },
    PhraseRule {
        pattern: r"NoResourceAvailableException|(?i)Could not acquire the minimum required resources",
        scope: Scope::Any,
        rule: rule(
            ResourceExhausted,
            Condition,
            "The job cannot be scheduled: not enough task slots",
            Some(FIX_SLOTS),
            "Flink NoResourceAvailableException \"Could not acquire the minimum required \
             resources\"",
        )
        .zh("作业无法调度：task slot 不足", Some(FIX_SLOTS_ZH)),
    },
    // --- leader_problem
    PhraseRule {
        pattern: r"(?i)ongoing leader election|RecipientUnreachableException|FencingTokenException|fencing token (?:mismatch|not set)",
        scope: Scope::Any,
        rule: rule(
            LeaderProblem,
            Condition,
            "The Flink cluster has no reachable leading JobManager (an election in progress or \
             a dead leader still named)",
            None,
            "Flink LeaderRetrievalHandler 503 \"Service temporarily unavailable due to an \
             ongoing leader election\"; RecipientUnreachableException (HTTP 500 after a \
             leader's death); FencingTokenException (message for another leader session); \
             notes/flink-anchors.md",
        )
        .zh("Flink 集群没有可达的 JobManager 主节点（leader）（正在选举，或仍指向已失效的 leader）", None),
    },
    PhraseRule {
        pattern: r"(?i)\blost (?:the )?leadership|leadership (?:was |has been )?revoked|revoked leadership|could not retrieve the leader|can no longer retrieve the leader|LeaderRetrievalException|heartbeat of JobManager",
        scope: Scope::Any,
        rule: rule(
            LeaderProblem,
            Condition,
            "A JobManager lost its leadership or could not be found as leader, so the job's \
             tasks were failed",
            None,
            "Flink TaskExecutor \"Job leader for job id … lost leadership\", \
             WebMonitorEndpoint revokeLeadership, ZooKeeperLeaderRetrievalService \"Can no \
             longer retrieve the leader\", \"The heartbeat of JobManager … timed out\"",
        )
        .zh("某个 JobManager 失去了 leader 身份或无法被找到，作业的 task 因此失败", None),
    },
    PhraseRule {
        pattern: r"(?i)connection to zookeeper (?:was )?(?:suspended|lost)|KeeperErrorCode = (?:ConnectionLoss|Session expired)|ConnectionLossException|SessionExpiredException|State change: (?:SUSPENDED|LOST)",
        scope: Scope::Any,
        rule: rule(
            LeaderProblem,
            Condition,
            "The Flink cluster lost its ZooKeeper connection, which revokes every leadership \
             (tolerate-suspended-connections is false by default)",
            Some(FIX_ZK),
            "Flink ZooKeeperLeaderRetrievalService/FLINK-18677 \"Connection to ZooKeeper \
             suspended\"; ZooKeeper KeeperException ConnectionLoss/SessionExpired; Curator \
             \"State change: SUSPENDED\"; Flink zookeeper_ha docs",
        )
        .zh("Flink 集群与 ZooKeeper 的连接中断，所有 leader 身份随之被撤销（tolerate-suspended-connections 默认为 false）", Some(FIX_ZK_ZH)),
    },
    // --- oracle_unreachable
    PhraseRule {
        pattern: r"(?i)Network Adapter could not establish the connection|网络适配器无法建立连接|Listener refused the connection",
        scope: Scope::Any,
        rule: rule(
            OracleUnreachable,
            Condition,
            "A new connection to Oracle could not be established (listener or host \
             unreachable)",
            None,
            "Oracle JDBC ORA-17002 \"IO Error: The Network Adapter could not establish the \
             connection\" (en, zh_CN); \"Listener refused the connection with the following \
             error\"",
        )
        .zh("无法建立到 Oracle 的新连接（监听器或主机不可达）", None),
    },
    PhraseRule {
        pattern: r"(?i)invalid username/password|logon denied|the account is locked|用户名/口令无效",
        scope: Scope::Any,
        rule: rule(
            OracleUnreachable,
            Condition,
            "The database refused the login",
            Some(FIX_CREDENTIALS),
            "Oracle message texts of ORA-01017 (en, zh_CN) and ORA-28000",
        )
        .zh("数据库拒绝登录", Some(FIX_CREDENTIALS_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)ORACLE initialization or shutdown in progress|ORACLE not available|immediate shutdown or close in progress",
        scope: Scope::Any,
        rule: rule(
            OracleUnreachable,
            Condition,
            "The database instance is down, starting or shutting down",
            Some(FIX_DB_DOWN),
            "Oracle message texts of ORA-01033, ORA-01034, ORA-01089",
        )
        .zh("数据库实例已关闭、正在启动或正在关闭", Some(FIX_DB_DOWN_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)Connection refused|No route to host|UnknownHostException|\bconnect timed out",
        scope: Scope::Socket,
        rule: rule(
            OracleUnreachable,
            Condition,
            "A new connection to the database could not be opened (refused, no route, unknown \
             host or connect timeout)",
            None,
            "java.net.ConnectException \"Connection refused\", NoRouteToHostException, \
             UnknownHostException, SocketTimeoutException \"connect timed out\"",
        )
        .zh("无法打开到数据库的新连接（连接被拒绝、无路由、主机名未知或连接超时）", None),
    },
    PhraseRule {
        pattern: r"(?i)Failed to resolve Oracle database version|Not all LGWR buffers were flushed|Cannot connect to RAC node|Get connection failed after retry \d+ times",
        scope: Scope::Any,
        rule: rule(
            OracleUnreachable,
            Symptom,
            "The connector could not use a fresh connection to Oracle (or to a RAC node)",
            None,
            "Debezium 1.9.8 OracleConnection \"Failed to resolve Oracle database version\"; RAC \
             flush strategy \"Not all LGWR buffers were flushed\" (a node unreachable, \
             debezium#5774); Debezium 1.9.7 RacCommitLogWriterFlushStrategy \"Cannot connect to \
             RAC node\"; Flink CDC 3.6 JdbcConnectionFactory \"Get connection failed after retry\"",
        )
        .zh("连接器无法使用到 Oracle（或某个 RAC 节点）的新连接", None),
    },
    // --- dead_connection
    PhraseRule {
        pattern: r"(?i)No more data to read from socket|无法从套接字读取更多的数据|\bClosed Connection\b|关闭的连接|end-of-file on communication channel|connection lost contact|not connected to ORACLE|connection was closed by ORA|TNS:packet (?:reader|writer) failure|exceeded maximum idle time|your session has been killed",
        scope: Scope::Any,
        rule: rule(
            DeadConnection,
            Condition,
            "The connector's JDBC connection to Oracle broke while in use",
            None,
            "Oracle JDBC \"No more data to read from socket\" (ORA-17410) and \"Closed \
             Connection\" (ORA-17008), en and zh_CN; message texts of ORA-03113, ORA-03135, \
             ORA-03114, ORA-12570/12571, ORA-02396, ORA-00028; ODPI-C DPI-1080; Debezium \
             OracleErrorHandler",
        )
        .zh("连接器到 Oracle 的 JDBC 连接在使用中断开", None),
    },
    PhraseRule {
        pattern: r"(?i)Connection reset|Broken pipe|Socket read timed out|\bRead timed out|\bSocket closed\b",
        scope: Scope::Socket,
        rule: rule(
            DeadConnection,
            Condition,
            "An established connection broke (reset, broken pipe, or a read that timed out)",
            None,
            "java.net.SocketException \"Connection reset\"/\"Broken pipe\"/\"Socket closed\", \
             SocketTimeoutException \"Read timed out\"; Oracle JDBC \"IO Error: Socket read \
             timed out\"; DESIGN.md §1",
        )
        .zh("已建立的连接断开（被重置、管道破裂或读超时）", None),
    },
    PhraseRule {
        pattern: r"SQLRecoverableException|(?i)\bIO Error\b|IO 错误|\bIo exception|Io 异常|Got minus one from a read call|Closed (?:Resultset|Statement)|关闭的 ?(?:Resultset|语句)",
        scope: Scope::Any,
        rule: rule(
            DeadConnection,
            Symptom,
            "A JDBC call failed at the connection level (its connection, statement or result \
             set is no longer usable); the text does not show a deeper cause",
            None,
            "java.sql.SQLRecoverableException javadoc (recovery needs a new connection); \
             Oracle JDBC ORA-17002 \"IO Error\", ORA-17009/17010 \"Closed Statement/Resultset\" \
             (en, zh_CN)",
        )
        .zh("JDBC 调用在连接层失败（连接、语句或结果集已不可用）；文本中看不到更深层的原因", None),
    },
    // --- logminer_stuck
    PhraseRule {
        pattern: r"(?i)cannot add duplicate logfile|无法添加重复的日志文件",
        scope: Scope::Any,
        rule: rule(
            LogminerStuck,
            Condition,
            "The same redo log was added twice to the LogMiner session",
            Some(FIX_DUP_LOG),
            "Oracle message text of ORA-01289 (en; zh as in Oracle-compatible DBMS_LOGMNR)",
        )
        .zh("同一个重做日志被两次加入 LogMiner 会话", Some(FIX_DUP_LOG_ZH)),
    },
    PhraseRule {
        pattern: r"(?i)must be invoked before selecting from v\$logmnr_contents|no LogMiner session is currently active|LogMiner encountered corruption|Complete LogMiner dictionary not found",
        scope: Scope::Any,
        rule: rule(
            LogminerStuck,
            Condition,
            "LogMiner failed inside its session; a fresh session usually clears it",
            None,
            "Oracle message texts of ORA-01306, ORA-01307, ORA-01343, ORA-01371",
        )
        .zh("LogMiner 会话内部出错；通常新建会话即可恢复", None),
    },
    PhraseRule {
        pattern: r"(?i)Mining session stopped due to|LogMiner session stopped due to an error|Restarting mining session after a log became unavailable|user requested cancel of current operation",
        scope: Scope::Any,
        rule: rule(
            LogminerStuck,
            Symptom,
            "The LogMiner streaming loop stopped on an error the text does not explain further",
            None,
            "Debezium 1.x/Flink CDC \"Mining session stopped due to the {}\", 2.x \"LogMiner \
             session stopped due to an error.\", ORA-00310 handling \"Restarting mining \
             session after a log became unavailable.\"; ORA-01013 text",
        )
        .zh("LogMiner 流式挖掘循环因错误停止，文本未进一步说明原因", None),
    },
    PhraseRule {
        pattern: r#"(?i)ORA-0?6512:?\s*(?:at|在)\s*"?SYS\.DBMS_LOGMNR"#,
        scope: Scope::Any,
        rule: rule(
            LogminerStuck,
            Symptom,
            "A DBMS_LOGMNR call failed with an error this tool does not map",
            None,
            "Oracle ORA-06512 locates the failing PL/SQL unit: SYS.DBMS_LOGMNR",
        )
        .zh("DBMS_LOGMNR 调用失败，错误未被本工具映射", None),
    },
    // --- sink_stalled
    PhraseRule {
        pattern: r"(?i)Failed to send data to Kafka|Expiring \d+ record\(s\)",
        scope: Scope::Any,
        rule: rule(
            SinkStalled,
            Condition,
            "The Kafka sink cannot deliver records",
            Some(
                "Check the Kafka cluster and the producer's delivery.timeout.ms; restart only \
                  once the brokers accept writes.",
            ),
            "Flink KafkaWriter/FlinkKafkaProducer \"Failed to send data to Kafka\"; Kafka \
             producer TimeoutException \"Expiring N record(s)\"",
        )
        .zh("Kafka sink 无法投递记录", Some("检查 Kafka 集群和 producer 的 delivery.timeout.ms；等 broker 恢复可写后再重启。")),
    },
    PhraseRule {
        pattern: r"(?i)checkpoint (?:\d+ )?(?:of job \S+ )?(?:expired before completing|(?:was |has been )?(?:declined|failed))|Exceeded checkpoint tolerable failure threshold|declined? checkpoint|failed to (?:trigger|complete) (?:a )?checkpoint|Task local checkpoint failure|Failure to finalize checkpoint|Trigger checkpoint failure|checkpoint alignment phase needed to buffer more|barrier from newer checkpoint was received|Task received cancellation from one of its inputs|An Exception occurred while triggering the checkpoint",
        scope: Scope::Any,
        rule: rule(
            SinkStalled,
            Symptom,
            "Checkpoints fail or expire, so the sink commits nothing",
            None,
            "Flink CheckpointFailureReason \"Checkpoint expired before completing\", \
             \"Exceeded checkpoint tolerable failure threshold\", declined checkpoints; Flink \
             CDC \"Call snapshotState() on closed source, checkpoint failed.\"; the other Flink \
             CheckpointFailureReason texts (local, finalize, trigger, alignment, subsumed, \
             cancellation)",
        )
        .zh("检查点失败或超时，sink 无法提交任何数据", None),
    },
    // --- job_not_running
    PhraseRule {
        pattern: r"(?i)Recovery is suppressed by \w+|JobCancellationException|Could not find Flink job|FlinkJobNotFoundException|Going to restart connector after .{0,40}retriable|Awaiting end of restart backoff period",
        scope: Scope::Any,
        rule: rule(
            JobNotRunning,
            Symptom,
            "The job stopped for good or is restarting in a loop, and the text does not name \
             why",
            None,
            "Flink ExecutionFailureHandler \"Recovery is suppressed by \
             NoRestartBackoffTimeStrategy\", JobCancellationException, \
             FlinkJobNotFoundException; Debezium BaseSourceTask restart-loop lines",
        )
        .zh("作业已彻底停止或在循环重启，文本未说明原因", None),
    },
    // --- added from Debezium's, Flink's and Flink CDC's sources (see each source)
    PhraseRule {
        pattern: r"(?i)db history topic (?:is missing|or its content is fully or partially missing)|Database (?:schema )?history was not found but was expected",
        scope: Scope::Any,
        rule: rule(
            Misconfigured,
            Condition,
            "The connector's schema history is missing or incomplete, so it cannot interpret the \
             redo it would read",
            Some(FIX_HISTORY),
            "Debezium 1.9.7/2.1.4 OracleConnectorTask \"The db history topic is missing\", \
             \"Database (schema) history was not found but was expected\"; \
             HistorizedRelationalDatabaseSchema \"The db history topic or its content is fully \
             or partially missing\"",
        )
        .zh(
            "连接器的 schema 历史缺失或不完整，无法解析将要读取的重做日志",
            Some(FIX_HISTORY_ZH),
        ),
    },
    PhraseRule {
        pattern: r"(?i)archive\.log\.only mode was recently enabled",
        scope: Scope::Any,
        rule: rule(
            Misconfigured,
            Condition,
            "Archive-log-only mining was just enabled and the offset SCN is not in an archived \
             log yet",
            Some(
                "Force a log switch (ALTER SYSTEM SWITCH LOGFILE, or ALTER SYSTEM ARCHIVE LOG \
                 CURRENT on RAC) or wait for one, then restart the connector.",
            ),
            "Debezium 1.9.7 LogMinerHelper \"The log.mining.archive.log.only mode was recently \
             enabled and the offset SCN … is not yet in any available archive logs\"",
        )
        .zh(
            "刚开启了只挖掘归档日志的模式，而偏移量 SCN 还不在任何归档日志中",
            Some(
                "执行一次日志切换（ALTER SYSTEM SWITCH LOGFILE，RAC 上用 ALTER SYSTEM ARCHIVE \
                 LOG CURRENT）或等待自然切换，然后重启连接器。",
            ),
        ),
    },
    PhraseRule {
        pattern: r"(?i)Failed to calculate oldest SCN available in logs",
        scope: Scope::Any,
        rule: rule(
            MissingRedo,
            Symptom,
            "The connector found no archived or online redo log to start from (none left, or \
             none matches its archive destination and retention filters)",
            Some(FIX_REDO_GONE),
            "Debezium 1.9.7 / Flink CDC 3.6 LogMinerStreamingChangeEventSource \"Failed to \
             calculate oldest SCN available in logs\"",
        )
        .zh(
            "连接器找不到可作为起点的归档或在线重做日志（已被清理，或都不符合其归档目标与保留\
             条件）",
            Some(FIX_REDO_GONE_ZH),
        ),
    },
    PhraseRule {
        pattern: r"Not all required tasks are currently running|CheckpointException: (?:The job has failed|Task has failed|FailoverRegion is restarting|Checkpoint Coordinator is suspending)",
        scope: Scope::Any,
        rule: rule(
            JobNotRunning,
            Symptom,
            "A checkpoint failed because the job or one of its tasks is failing, restarting or \
             not yet running",
            None,
            "Flink CheckpointFailureReason \"Not all required tasks are currently running.\", \
             \"The job has failed.\", \"Task has failed.\", \"FailoverRegion is restarting.\", \
             \"Checkpoint Coordinator is suspending.\"",
        )
        .zh(
            "作业或其中某个 task 正在失败、重启或尚未运行，检查点因此失败",
            None,
        ),
    },    PhraseRule {
        pattern: r"(?i)now using the maximum batch size",
        scope: Scope::Any,
        rule: rule(
            FallingBehind,
            Symptom,
            "The connector mines with its largest SCN window (log.mining.batch.size.max): it is \
             behind the database and reads as fast as its settings allow, or the SCN jumped (an \
             SCN gap, as Debezium's message says); if the lag keeps growing, it falls behind",
            None,
            "Debezium 1.9.7 / 2.1.4 OracleStreamingChangeEventSourceMetrics.updateBatchSize: \
             \"The connector is now using the maximum batch size {} when querying the LogMiner \
             view. This could be indicative of large SCN gaps\" (INFO)",
        )
        .zh(
            "连接器已用到最大的 SCN 窗口（log.mining.batch.size.max）：它落后于数据库、正以配置允许\
             的最快速度读取，或者 SCN 出现了大的跳跃（Debezium 提示的 SCN gap）；如果落后量持续增长，\
             就是追不上",
            None,
        ),
    },
];

static PHRASE_SET: LazyLock<RegexSet> = LazyLock::new(|| {
    // Invariant: the patterns are literals above; a bad one fails every test.
    RegexSet::new(PHRASE_RULES.iter().map(|p| ascii_boundaries(p.pattern)))
        .expect("phrase patterns are valid")
});

static PHRASE_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    PHRASE_RULES
        .iter()
        // Invariant: same literals as PHRASE_SET.
        .map(|p| Regex::new(&ascii_boundaries(p.pattern)).expect("phrase pattern is valid"))
        .collect()
});

/// Every `\b` of a pattern as an ASCII word boundary. A Unicode `\b` keeps the regex crate off
/// its fast automaton on any non-ASCII text (a Chinese log, random bytes), which made a 5 MB
/// text take minutes; the codes and class names these patterns bound are ASCII anyway.
fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// Signs that a text is about Oracle (its JDBC driver, LogMiner, Debezium, the listener port).
static ORACLE_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    // Invariant: literal.
    Regex::new(&ascii_boundaries(
        r"(?i)oracle|ojdbc|jdbc|logminer|debezium|SQL\w*Exception|\bTNS\b|:1521\b|套接字",
    ))
    .expect("ORACLE_CONTEXT is a valid literal regex")
});

/// Signs that a text is about ZooKeeper or the JobManager's REST endpoint.
static FLINK_HA_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    // Invariant: literal.
    Regex::new(&ascii_boundaries(r"(?i)zookeeper|ClientCnxn|curator|:2181\b|org\.apache\.flink\.runtime\.rest|RestClient|jobmanager"))
        .expect("FLINK_HA_CONTEXT is a valid literal regex")
});

/// Signs that a text is about a Kafka client (a sink or Connect's own topics), not Oracle.
static KAFKA_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    // Invariant: literal.
    Regex::new(&ascii_boundaries(r"(?i)org\.apache\.kafka\.clients|KafkaProducer|KafkaConsumer|KafkaWriter|FlinkKafka|:9092\b"))
        .expect("KAFKA_CONTEXT is a valid literal regex")
});

/// A generic socket failure seen in a text about ZooKeeper or the JobManager, not Oracle.
static HA_SOCKET_RULE: Rule = rule(
    LeaderProblem,
    Symptom,
    "A connection to ZooKeeper or a JobManager failed",
    Some(FIX_ZK),
    "generic socket phrase in a ZooKeeper/JobManager context (ClientCnxn, REST client)",
)
.zh("到 ZooKeeper 或 JobManager 的连接失败", Some(FIX_ZK_ZH));

/// One piece of evidence: where it is, how it reads, and what it means.
struct Finding {
    pos: usize,
    label: String,
    is_code: bool,
    rule: &'static Rule,
}

fn find_evidence(text: &str, codes: &[Code]) -> Vec<Finding> {
    let mut findings = Vec::new();

    for Code { code, pos } in codes {
        let key = code
            .strip_prefix("TNS-12")
            .map(|rest| format!("ORA-12{rest}"));
        let key = key.as_deref().unwrap_or(code);
        if let Some(cr) = CODE_RULES.iter().find(|cr| cr.codes.contains(&key)) {
            findings.push(Finding {
                pos: *pos,
                label: code.clone(),
                is_code: true,
                rule: &cr.rule,
            });
        }
    }

    let matched = PHRASE_SET.matches(text);
    if !matched.matched_any() {
        return findings;
    }
    let oracle = !codes.is_empty() || ORACLE_CONTEXT.is_match(text);
    for i in matched.iter() {
        let (Some(phrase), Some(re)) = (PHRASE_RULES.get(i), PHRASE_RES.get(i)) else {
            continue;
        };
        let Some(m) = re.find(text) else { continue };
        let rule = match phrase.scope {
            Scope::Any => &phrase.rule,
            Scope::Socket if oracle => &phrase.rule,
            Scope::Socket if FLINK_HA_CONTEXT.is_match(text) => &HA_SOCKET_RULE,
            // A Kafka client's socket error says nothing about Oracle.
            Scope::Socket if KAFKA_CONTEXT.is_match(text) => continue,
            // The text names no system; in this tool's domain the socket is the connector's.
            Scope::Socket => &phrase.rule,
        };
        findings.push(Finding {
            pos: m.start(),
            label: quote(m.as_str()),
            is_code: false,
            rule,
        });
    }
    findings
}

/// A matched phrase, quoted, whitespace collapsed and cut to a readable length.
fn quote(s: &str) -> String {
    // Double quotes inside would make the quoted label ambiguous (`at "SYS.DBMS_LOGMNR`).
    let collapsed: String = s
        .replace('"', "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let cut: String = collapsed.chars().take(80).collect();
    if cut.len() < collapsed.len() {
        format!("\"{cut}…\"")
    } else {
        format!("\"{cut}\"")
    }
}

/// Conditions outrank the symptoms they cause when a text matches several equally.
fn rank(cause: Cause) -> u8 {
    cause.spec().explain_rank
}

/// DESIGN.md §2's default remediation for each cause.
fn default_fix(cause: Cause) -> &'static str {
    cause.spec().default_fix
}

/// [`default_fix`] in Chinese.
fn default_fix_zh(cause: Cause) -> &'static str {
    cause.spec().default_fix_zh
}

/// One rule's texts and source, for the tests (every rule has Chinese wording) and the
/// leave-one-source-out table.
#[cfg(test)]
#[derive(Debug, Clone)]
struct RuleText {
    pub source: &'static str,
    pub meaning: &'static str,
    pub meaning_zh: &'static str,
    pub fix: Option<&'static str>,
    pub fix_zh: Option<&'static str>,
}

/// Every rule (code rules, phrase rules, the socket-in-HA-context rule) as [`RuleText`], plus the
/// default fixes as rules without a meaning.
#[cfg(test)]
fn rule_texts() -> Vec<RuleText> {
    let rules = CODE_RULES
        .iter()
        .map(|c| &c.rule)
        .chain(PHRASE_RULES.iter().map(|p| &p.rule))
        .chain(std::iter::once(&HA_SOCKET_RULE));
    let mut out: Vec<RuleText> = rules
        .map(|r| RuleText {
            source: r.source,
            meaning: r.meaning,
            meaning_zh: r.meaning_zh,
            fix: r.fix,
            fix_zh: r.fix_zh,
        })
        .collect();
    for &cause in Cause::ALL {
        out.push(RuleText {
            source: "DESIGN.md §2 default remediation",
            meaning: "",
            meaning_zh: "",
            fix: Some(default_fix(cause)),
            fix_zh: Some(default_fix_zh(cause)),
        });
    }
    out
}

#[cfg(test)]
mod corpus_tests;
