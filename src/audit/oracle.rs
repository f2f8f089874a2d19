//! The Oracle part of `audit`: reads the database's settings through the Oracle collector (one
//! fresh probe for the LogMiner prerequisites, redo, recovery area and sessions, plus the audit
//! queries of sql/: undo retention, redo log size, a day's archive volume, the connector user's
//! profile, CDB) and checks them (`check`, pure).

use std::time::Duration;

use super::exposure::Exposure;
use super::{bytes, finding, human, Context, Finding, Severity, System, Unread};
use crate::collectors::oracle::pool::{Driver, Row};
use crate::collectors::oracle::OracleCollector;
use crate::collectors::OracleSource as _;
use crate::lang::Bilingual;
use crate::observation::Signal;

/// What the audit knows about the database; `None` where it could not be read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OracleSettings {
    /// Major version, e.g. 19.
    pub major: Option<u32>,
    /// `LOG_MODE`.
    pub log_mode: Option<String>,
    /// Minimal supplemental logging is on.
    pub supplemental_min: Option<bool>,
    /// `SUPPLEMENTAL_LOG_DATA_ALL` is on (tables then need no group of their own).
    pub supplemental_all: Option<bool>,
    /// Captured tables without an ALL COLUMN log group.
    pub tables_without_logging: Option<Vec<String>>,
    /// Archive destinations in error.
    pub archive_dest_errors: Option<Vec<String>>,
    /// How far back the unbroken redo reaches (the shortest thread).
    pub redo_window: Option<Duration>,
    /// Log switches in the last hour.
    pub switches_last_hour: Option<u32>,
    /// The smallest online log, bytes.
    pub redo_log_bytes: Option<u64>,
    /// The recovery area's limit, bytes (0: none).
    pub recovery_area_limit: Option<u64>,
    /// Archived redo of the last 24 hours, bytes.
    pub archive_bytes_last_day: Option<u64>,
    /// `undo_retention`, seconds.
    pub undo_retention_s: Option<u64>,
    /// `pga_aggregate_limit`, bytes (None: no limit or not read).
    pub pga_limit: Option<u64>,
    /// The mining session's PGA, bytes.
    pub mining_pga: Option<u64>,
    /// How many of the connector user's sessions mine.
    pub mining_sessions: Option<usize>,
    /// The connector user's effective `IDLE_TIME` (minutes; `None` inside: UNLIMITED), and
    /// whether `resource_limit` enforces it.
    pub idle_time: Option<(Option<u64>, bool)>,
    /// The database is a CDB.
    pub cdb: Option<bool>,
}

const SRC_ARCHIVELOG: &str = "shared/notes/oracle-probe.md §2 Q1 (LOG_MODE = ARCHIVELOG and minimal supplemental logging are LogMiner's prerequisites; Debezium checks both); Debezium Oracle connector docs https://debezium.io/documentation/reference/stable/connectors/oracle.html";
const SRC_TABLE_LOGGING: &str = "shared/notes/oracle-probe.md §1.4: Debezium checks table-level groups in ALL_LOG_GROUPS.LOG_GROUP_TYPE; Debezium Oracle connector docs https://debezium.io/documentation/reference/stable/connectors/oracle.html";
const SRC_DEST: &str = "shared/notes/oracle-probe.md §2 Q1 (archive destination ERROR: archiver stuck); recovery_area.sql header (archiving stops with ORA-00257 and the database hangs)";
const SRC_RETENTION: &str = "shared/notes/debezium-logminer.md §e: restart after idle fails when the offset SCN was purged (flink-cdc#1036, #2414, #762); the quiet periods and lag come from the doctor's own history; the 24 h floor and the advised half again are inferences";
const SRC_SWITCHES: &str = "shared/notes/oracle-probe.md §6: check_oracle_health switch-interval warns below 600 s between switches (more than 6 an hour)";
const SRC_FRA: &str = "recovery_area.sql header (a full recovery area stops archiving, ORA-00257, and the database hangs); comparing it with a day of archive volume is an inference";
const SRC_UNDO: &str = "Inference (not in the shared notes): Debezium's snapshot reads the tables AS OF the snapshot SCN, which undo must cover for the whole snapshot or it fails with ORA-01555; the snapshot's length is the one the doctor saw (sessions running snapshot SELECTs), the 1 h floor an inference";
const SRC_PGA: &str = "shared/notes/debezium-logminer.md §a MiningSessionProcessGlobalAreaMemory (steady growth ⇒ ORA-04036) and §d log.mining.session.max.ms (restarts the session to release PGA)";
const SRC_IDLE: &str = "shared/notes/debezium-logminer.md §f: Debezium ignores ORA-02396 (profile idle time expired) on its heartbeat connection (DBZ-9280), i.e. DB-side idle limits do kill idle CDC connections; shared/notes/oracle-probe.md §1.1 SNIPED";

/// The Oracle findings (pure); `connector_user` is named in the fixes.
pub fn check(s: &OracleSettings, ctx: &Context, connector_user: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(mode) = &s.log_mode {
        if mode != "ARCHIVELOG" {
            out.push(finding(
                System::Oracle,
                Severity::Critical,
                "oracle.not_archivelog",
                "V$DATABASE.LOG_MODE",
                mode,
                Bilingual::new(
                    "Without ARCHIVELOG an online log is overwritten once it is reused and LogMiner cannot read the changes it held: changes are lost whenever the connector falls behind.",
                    "非 ARCHIVELOG 模式下，联机日志被复用即被覆盖，LogMiner 无法再读取其中的变更：连接器一旦落后就会丢失变更。",
                ),
                Bilingual::new(
                    "SHUTDOWN IMMEDIATE; STARTUP MOUNT; ALTER DATABASE ARCHIVELOG; ALTER DATABASE OPEN;",
                    "SHUTDOWN IMMEDIATE; STARTUP MOUNT; ALTER DATABASE ARCHIVELOG; ALTER DATABASE OPEN;",
                ),
                SRC_ARCHIVELOG,
            ));
        }
    }
    if s.supplemental_min == Some(false) {
        out.push(finding(
            System::Oracle,
            Severity::Critical,
            "oracle.no_minimal_supplemental_logging",
            "V$DATABASE.SUPPLEMENTAL_LOG_DATA_MIN",
            "NO",
            Bilingual::new(
                "Without minimal supplemental logging the redo lacks what LogMiner needs to rebuild row changes: the connector cannot capture them.",
                "没有最小补充日志时，redo 缺少 LogMiner 重建行变更所需的信息：连接器无法捕获变更。",
            ),
            Bilingual::new(
                "ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;",
                "ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;",
            ),
            SRC_ARCHIVELOG,
        ));
    }
    if s.supplemental_all != Some(true) {
        if let Some(missing) = s.tables_without_logging.as_ref().filter(|m| !m.is_empty()) {
            let first = &missing[0];
            out.push(finding(
                System::Oracle,
                Severity::Critical,
                "oracle.table_without_supplemental_logging",
                "ALL COLUMNS supplemental log group",
                missing.join(", "),
                Bilingual::new(
                    "Without an ALL COLUMNS log group an UPDATE's redo carries only the changed columns: the connector emits rows with the other columns missing.",
                    "没有 ALL COLUMNS 日志组时，UPDATE 的 redo 只含被修改的列：连接器输出的行会缺少其他列。",
                ),
                Bilingual::new(
                    format!("ALTER TABLE {first} ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS; (for each table listed)"),
                    format!("ALTER TABLE {first} ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;（对列出的每张表执行）"),
                ),
                SRC_TABLE_LOGGING,
            ));
        }
    }
    if let Some(errors) = s.archive_dest_errors.as_ref().filter(|e| !e.is_empty()) {
        out.push(finding(
            System::Oracle,
            Severity::Critical,
            "oracle.archive_dest_error",
            "V$ARCHIVE_DEST.STATUS",
            errors.join("; "),
            Bilingual::new(
                "An archive destination is in error: logs stop being archived there, and once the online logs are all waiting for archiving the database hangs.",
                "有归档目的地处于错误状态：日志不再归档到该处，联机日志全部等待归档时数据库将挂起。",
            ),
            Bilingual::new(
                "fix the destination (space, path, network), then ALTER SYSTEM ARCHIVE LOG CURRENT; and check V$ARCHIVE_DEST.ERROR",
                "修复该目的地（空间、路径、网络），然后执行 ALTER SYSTEM ARCHIVE LOG CURRENT; 并检查 V$ARCHIVE_DEST.ERROR",
            ),
            SRC_DEST,
        ));
    }
    if let Some(window) = s.redo_window {
        let need = retention_need(ctx.exposure.as_ref());
        if window < need.total {
            out.push(finding(
                System::Oracle,
                Severity::Warning,
                "oracle.short_redo_retention",
                "oldest available redo",
                format!("{} ago; needed: {}", human(window), need.basis.en),
                Bilingual::new(
                    format!("Redo is kept for only {}, less than {}: a pipeline stopped (or quiet without heartbeats) for that long cannot resume from its SCN.", human(window), human(need.total)),
                    format!("redo 只保留了 {}，少于 {}：停止（或无心跳而安静）这么久的管道无法从其 SCN 恢复（依据：{}）。", human(window), human(need.total), need.basis.zh),
                ),
                Bilingual::new(
                    format!("keep archived logs for at least {}: RMAN> CONFIGURE ARCHIVELOG DELETION POLICY ... / DELETE ARCHIVELOG ALL COMPLETED BEFORE 'SYSDATE-{}'; (the RMAN policy itself cannot be read from SQL)", human(need.advised()), need.advised_days()),
                    format!("归档日志至少保留 {}：RMAN> CONFIGURE ARCHIVELOG DELETION POLICY ... / DELETE ARCHIVELOG ALL COMPLETED BEFORE 'SYSDATE-{}';（RMAN 策略本身无法用 SQL 读取）", human(need.advised()), need.advised_days()),
                ),
                SRC_RETENTION,
            ));
        }
    }
    if let Some(n) = s.switches_last_hour {
        if n > 6 {
            let size = s.redo_log_bytes.map_or_else(|| "?".into(), bytes);
            let target = s
                .redo_log_bytes
                .map(|b| bytes(b.saturating_mul(u64::from(n)).div_ceil(4)))
                .unwrap_or_else(|| "4 times larger".into());
            out.push(finding(
                System::Oracle,
                Severity::Warning,
                "oracle.frequent_log_switches",
                "log switches in the last hour",
                format!("{n} (logs of {size})"),
                Bilingual::new(
                    "Each log switch ends the LogMiner session and starts a new one; more than a few an hour under load means small logs, a busy miner and fast-growing archives.",
                    "每次日志切换都会结束并重建 LogMiner 会话；负载下每小时超过几次说明日志太小，挖掘繁忙、归档增长快。",
                ),
                Bilingual::new(
                    format!("add larger log groups and drop the small ones: ALTER DATABASE ADD LOGFILE GROUP <n> SIZE {target}; ... ALTER DATABASE DROP LOGFILE GROUP <old>; (aim at about 4 switches an hour)"),
                    format!("新增更大的日志组并删除小的：ALTER DATABASE ADD LOGFILE GROUP <n> SIZE {target}; ... ALTER DATABASE DROP LOGFILE GROUP <old>;（目标约每小时 4 次切换）"),
                ),
                SRC_SWITCHES,
            ));
        }
    }
    if let (Some(limit), Some(day)) = (s.recovery_area_limit, s.archive_bytes_last_day) {
        if limit > 0 && limit < day.saturating_mul(2) {
            out.push(finding(
                System::Oracle,
                if limit < day { Severity::Critical } else { Severity::Warning },
                "oracle.recovery_area_small",
                "db_recovery_file_dest_size",
                format!("{} for {} of archives a day", bytes(limit), bytes(day)),
                Bilingual::new(
                    "The recovery area holds less than two days of archived redo: one missed backup or deletion run fills it, archiving stops (ORA-00257) and the database hangs.",
                    "快速恢复区容纳不了两天的归档 redo：一次备份或清理没跑就会写满，归档停止（ORA-00257），数据库挂起。",
                ),
                Bilingual::new(
                    format!("ALTER SYSTEM SET db_recovery_file_dest_size = {}G SCOPE=BOTH;", day.saturating_mul(3).div_ceil(1 << 30)),
                    format!("ALTER SYSTEM SET db_recovery_file_dest_size = {}G SCOPE=BOTH;", day.saturating_mul(3).div_ceil(1 << 30)),
                ),
                SRC_FRA,
            ));
        }
    }
    if let Some(undo) = s.undo_retention_s {
        let need = undo_need(ctx.exposure.as_ref());
        if Duration::from_secs(undo) < need.total {
            let target = need.total.as_secs().max(3600).div_ceil(3600) * 3600;
            out.push(finding(
                System::Oracle,
                Severity::Warning,
                "oracle.undo_retention_short",
                "undo_retention",
                format!("{undo} s; needed: {}", need.basis.en),
                Bilingual::new(
                    format!("The initial snapshot reads the tables as of one SCN; a snapshot that outlasts the {undo} s of undo kept can fail with ORA-01555 (snapshot too old) and start over."),
                    format!("初始快照按同一 SCN 读取各表；快照时长超过保留的 {undo} 秒 undo 时可能报 ORA-01555（快照过旧）并重新开始（依据：{}）。", need.basis.zh),
                ),
                Bilingual::new(
                    format!("ALTER SYSTEM SET undo_retention = {target} SCOPE=BOTH; (longer than the snapshot, with undo space for it)"),
                    format!("ALTER SYSTEM SET undo_retention = {target} SCOPE=BOTH;（长于快照时长，并保证有足够 undo 空间）"),
                ),
                SRC_UNDO,
            ));
        }
    }
    if let (Some(limit), Some(pga)) = (s.pga_limit, s.mining_pga) {
        if limit > 0 && pga as f64 >= limit as f64 * ctx.pga_warning_ratio {
            out.push(finding(
                System::Oracle,
                Severity::Warning,
                "oracle.mining_pga_near_limit",
                "pga_aggregate_limit",
                format!("{} (mining session uses {})", bytes(limit), bytes(pga)),
                Bilingual::new(
                    "The mining session's PGA is close to pga_aggregate_limit: when it is reached Oracle kills the session (ORA-04036) and the connector stops.",
                    "挖掘会话的 PGA 已接近 pga_aggregate_limit：达到上限时 Oracle 会终止会话（ORA-04036），连接器停止。",
                ),
                Bilingual::new(
                    "debezium.log.mining.session.max.ms = 1800000 (a new LogMiner session every 30 min releases the PGA), or raise pga_aggregate_limit",
                    "debezium.log.mining.session.max.ms = 1800000（每 30 分钟新建 LogMiner 会话以释放 PGA），或调高 pga_aggregate_limit",
                ),
                SRC_PGA,
            ));
        }
    }
    if let Some((Some(minutes), enforced)) = s.idle_time {
        out.push(finding(
            System::Oracle,
            if enforced { Severity::Warning } else { Severity::Info },
            "oracle.connector_idle_time",
            format!("profile IDLE_TIME of {connector_user}"),
            format!("{minutes} min{}", if enforced { "" } else { " (resource_limit = FALSE: not enforced now)" }),
            Bilingual::new(
                format!("Oracle ends a connector session idle for {minutes} min (ORA-02396); a connection the connector holds while the tables are quiet dies under it.", ),
                format!("连接器会话空闲 {minutes} 分钟后会被 Oracle 终止（ORA-02396）；表无变更时连接器持有的连接会在其脚下断开。"),
            ),
            Bilingual::new(
                format!("CREATE PROFILE cdc_profile LIMIT IDLE_TIME UNLIMITED; ALTER USER {connector_user} PROFILE cdc_profile;"),
                format!("CREATE PROFILE cdc_profile LIMIT IDLE_TIME UNLIMITED; ALTER USER {connector_user} PROFILE cdc_profile;"),
            ),
            SRC_IDLE,
        ));
    }
    out
}

/// What redo or undo must cover, and why (the figures it was computed from).
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// The period to cover.
    pub total: Duration,
    /// The figures, in words.
    pub basis: Bilingual,
}

impl Need {
    /// What the fix asks for: the need plus half again (a longer quiet period than any seen
    /// yet is likely: a long weekend, a holiday), at least 2 days.
    fn advised(&self) -> Duration {
        (self.total + self.total / 2).max(2 * RETENTION_FLOOR)
    }

    fn advised_days(&self) -> u64 {
        self.advised().as_secs().div_ceil(24 * 3600)
    }
}

/// The archive retention's floor when the history shows no longer quiet period: a day (the
/// doctor's history may be younger than the quiet periods to come).
pub const RETENTION_FLOOR: Duration = Duration::from_secs(24 * 3600);

/// `undo_retention`'s floor when no snapshot was seen.
pub const UNDO_FLOOR: Duration = Duration::from_secs(3600);

/// The archive retention a pipeline needs: the longest quiet period the doctor saw plus the
/// connector's lag (a restart after such a period resumes that far back when no heartbeat moved
/// the offset), never less than `RETENTION_FLOOR`.
pub fn retention_need(e: Option<&Exposure>) -> Need {
    let Some(e) = e else {
        return Need {
            total: RETENTION_FLOOR,
            basis: Bilingual::new(
                format!(
                    "{} (no history of this pipeline to take its quiet periods from)",
                    human(RETENTION_FLOOR)
                ),
                format!(
                    "{}（没有该管道的历史记录，无法得知其安静时段）",
                    human(RETENTION_FLOOR)
                ),
            ),
        };
    };
    let lag = e.lag.unwrap_or_default();
    let lag_en = e.lag.map_or_else(|| "not known".to_string(), human);
    let lag_zh = e.lag.map_or_else(|| "未知".to_string(), human);
    let quiet = e.longest_quiet.map(|q| q.length).unwrap_or_default();
    let (quiet_en, quiet_zh) = match e.longest_quiet {
        Some(q) => (
            format!(
                "the longest quiet period seen, {}{} in {} of history",
                if q.cut_off { "at least " } else { "" },
                human(q.length),
                human(e.timeline_span)
            ),
            format!(
                "观察到的最长安静时段 {}{}（历史记录 {}）",
                if q.cut_off { "至少 " } else { "" },
                human(q.length),
                human(e.timeline_span)
            ),
        ),
        None => (
            format!("no quiet period in {} of history", human(e.timeline_span)),
            format!("历史记录 {} 内无安静时段", human(e.timeline_span)),
        ),
    };
    let observed = quiet + lag;
    let floor = observed < RETENTION_FLOOR;
    Need {
        total: observed.max(RETENTION_FLOOR),
        basis: Bilingual::new(
            format!(
                "{quiet_en} + the connector's lag ({lag_en}){}",
                if floor {
                    format!(", at least {}", human(RETENTION_FLOOR))
                } else {
                    String::new()
                }
            ),
            format!(
                "{quiet_zh} + 连接器延迟（{lag_zh}）{}",
                if floor {
                    format!("，至少 {}", human(RETENTION_FLOOR))
                } else {
                    String::new()
                }
            ),
        ),
    }
}

/// The undo a snapshot needs: the longest snapshot the doctor watched plus half again (the
/// tables grow, and a snapshot taken again after lost redo reads all of them), or `UNDO_FLOOR`
/// when it watched none.
pub fn undo_need(e: Option<&Exposure>) -> Need {
    match e.and_then(|e| e.snapshot) {
        Some(s) => {
            let (least, running) = (
                if s.cut_off { "at least " } else { "" },
                if s.ongoing { ", still running" } else { "" },
            );
            Need {
                total: s.length + s.length / 2,
                basis: Bilingual::new(
                    format!(
                        "the snapshot seen lasted {least}{}{running}, plus half",
                        human(s.length)
                    ),
                    format!(
                        "观察到的快照持续{}{}{}，再加一半",
                        if s.cut_off { "至少 " } else { "" },
                        human(s.length),
                        if s.ongoing { "（仍在进行）" } else { "" }
                    ),
                ),
            }
        }
        None => Need {
            total: UNDO_FLOOR,
            basis: Bilingual::new(
                format!(
                    "{} (no snapshot in the doctor's history to measure)",
                    human(UNDO_FLOOR)
                ),
                format!("{}（医生的历史记录中没有可衡量的快照）", human(UNDO_FLOOR)),
            ),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

fn unread(part: &str, error: &str) -> Unread {
    Unread {
        system: System::Oracle,
        part: part.into(),
        error: error.into(),
    }
}

fn cell<'a>(rows: &'a [Row], col: &str) -> Option<&'a str> {
    rows.first()?.get(col)?.as_deref()
}

fn num(rows: &[Row], col: &str) -> Option<u64> {
    cell(rows, col)?.trim().parse().ok()
}

/// Reads the settings: one fresh probe and the audit queries. Every part that fails is an
/// unread part; the rest is still returned.
pub async fn read<D: Driver>(oracle: &OracleCollector<D>) -> (OracleSettings, Vec<Unread>) {
    let mut s = OracleSettings::default();
    let mut missing = Vec::new();
    let mut connected = true;
    match oracle.observe_fresh().await {
        Signal::Observed { value: snap } => {
            match &snap.database {
                Signal::Observed { value: db } => {
                    s.major = db.version.split('.').next().and_then(|m| m.parse().ok());
                    s.log_mode = Some(db.log_mode.clone());
                    s.supplemental_min = Some(db.supplemental_logging_min);
                    s.supplemental_all = Some(db.supplemental_logging_all);
                    s.archive_dest_errors = Some(db.archive_dest_errors.clone());
                    s.pga_limit = db.pga_limit_bytes;
                    if let Signal::Observed { value: redo } = &snap.redo {
                        s.redo_window = redo
                            .threads
                            .iter()
                            .map(|t| db.database_time.since(t.oldest_time))
                            .min();
                        s.switches_last_hour = redo.log_switches_last_hour;
                    }
                }
                other => missing.push(unread("sql/database.sql", other.error().unwrap_or(""))),
            }
            match &snap.redo {
                Signal::Observed { .. } => {}
                other => missing.push(unread(
                    "redo availability (sql/redo_threads.sql, archive_chain.sql)",
                    other.error().unwrap_or(""),
                )),
            }
            match &snap.recovery_area {
                Signal::Observed { value } => s.recovery_area_limit = Some(value.limit_bytes),
                other => missing.push(unread("sql/recovery_area.sql", other.error().unwrap_or(""))),
            }
            match &snap.table_logging {
                Signal::Observed { value } => {
                    s.tables_without_logging = Some(
                        value
                            .iter()
                            .filter(|t| !t.all_columns)
                            .map(|t| t.table.clone())
                            .collect(),
                    )
                }
                other => missing.push(unread("sql/table_logging.sql", other.error().unwrap_or(""))),
            }
            if let Signal::Observed { value } = &snap.sessions {
                s.mining_sessions = Some(value.iter().filter(|x| x.is_mining()).count());
                s.mining_pga = value
                    .iter()
                    .filter(|x| x.is_mining())
                    .filter_map(|x| x.pga_bytes)
                    .max();
            }
        }
        other => {
            connected = false;
            missing.push(unread("the Oracle probe", other.error().unwrap_or("")));
        }
    }
    // The whole probe failed (no login, or no answer): the audit queries would fail the same way (and each failed
    // login counts toward the account's FAILED_LOGIN_ATTEMPTS).
    if !connected {
        missing.push(unread(
            "the audit queries of sql/",
            "not run: the Oracle probe above failed as a whole",
        ));
        return (s, missing);
    }
    match oracle.audit_queries().await {
        Err(e) => missing.push(unread("the audit queries of sql/", &e.to_string())),
        Ok(answers) => {
            for (file, rows) in answers {
                let rows = match rows {
                    Ok(r) => r,
                    // 11g has no V$DATABASE.CDB (ORA-00904): not a CDB.
                    Err(e) if file == "cdb.sql" && e.to_string().contains("ORA-00904") => {
                        s.cdb = Some(false);
                        continue;
                    }
                    Err(e) => {
                        missing.push(unread(&format!("sql/{file}"), &e.to_string()));
                        continue;
                    }
                };
                match file {
                    "undo_retention.sql" => s.undo_retention_s = num(&rows, "VALUE"),
                    "redo_log_size.sql" => s.redo_log_bytes = num(&rows, "MIN_BYTES"),
                    "archive_volume.sql" => s.archive_bytes_last_day = num(&rows, "BYTES_LAST_DAY"),
                    "cdb.sql" => s.cdb = cell(&rows, "CDB").map(|v| v.trim() == "YES"),
                    "connector_profile.sql" => {
                        let limit =
                            |col: &str| cell(&rows, col).map(|v| v.trim().to_ascii_uppercase());
                        // DEFAULT means the DEFAULT profile's limit.
                        let effective = match limit("IDLE_TIME").as_deref() {
                            Some("DEFAULT") => limit("DEFAULT_IDLE_TIME"),
                            other => other.map(str::to_string),
                        };
                        let enforced = limit("RESOURCE_LIMIT").as_deref() != Some("FALSE");
                        s.idle_time = match effective.as_deref() {
                            None => None,
                            Some("UNLIMITED") | Some("DEFAULT") => Some((None, enforced)),
                            Some(m) => Some((m.parse().ok(), enforced)),
                        };
                    }
                    _ => {}
                }
            }
        }
    }
    (s, missing)
}
