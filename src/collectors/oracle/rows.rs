//! Rows to observation types, by column name, every value parsed from text (SCNs as `u64`,
//! never through a float), and the classification of a session's SQL text into `SqlKind`.

use std::time::Duration;

use super::cache::Identity;
use super::pool::Row;
use super::redo::{Island, LogFile, LogSource};
use crate::config::TableName;
use crate::observation::{
    ConnectorSession, DatabaseState, OpenTransactions, RecoveryArea, SqlKind, SqlStats,
    TableActivity, TableLogging, Timestamp,
};

/// A row that does not have the shape its query promises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sql/{file}: column {column}: {problem}")]
pub struct RowError {
    /// The query's file.
    pub file: &'static str,
    /// The column whose value could not be read, by its name in the query.
    pub column: String,
    /// What is wrong.
    pub problem: String,
}

/// Column access for one query's rows, naming the file in every error.
#[derive(Debug, Clone, Copy)]
pub struct Cols {
    /// The query's file.
    pub file: &'static str,
}

impl Cols {
    fn err(&self, column: &str, problem: impl Into<String>) -> RowError {
        RowError {
            file: self.file,
            column: column.to_string(),
            problem: problem.into(),
        }
    }

    /// The value of `column` (NULL is `None`); a column the row lacks is an error.
    pub fn opt<'r>(&self, row: &'r Row, column: &str) -> Result<Option<&'r str>, RowError> {
        row.get(column)
            .map(|v| v.as_deref().map(str::trim))
            .ok_or_else(|| self.err(column, "missing from the row"))
    }

    /// A non-NULL text value.
    pub fn text<'r>(&self, row: &'r Row, column: &str) -> Result<&'r str, RowError> {
        self.opt(row, column)?
            .ok_or_else(|| self.err(column, "is NULL"))
    }

    /// An unsigned integer that may be NULL.
    pub fn opt_u64(&self, row: &Row, column: &str) -> Result<Option<u64>, RowError> {
        match self.opt(row, column)? {
            None | Some("") => Ok(None),
            Some(s) => parse_u64(s)
                .map(Some)
                .ok_or_else(|| self.err(column, format!("{s:?} is not an unsigned integer"))),
        }
    }

    /// A non-NULL unsigned integer.
    pub fn u64(&self, row: &Row, column: &str) -> Result<u64, RowError> {
        self.opt_u64(row, column)?
            .ok_or_else(|| self.err(column, "is NULL"))
    }

    /// A non-NULL unsigned integer that fits 32 bits.
    pub fn u32(&self, row: &Row, column: &str) -> Result<u32, RowError> {
        let v = self.u64(row, column)?;
        u32::try_from(v).map_err(|_| self.err(column, format!("{v} does not fit 32 bits")))
    }

    /// `DB_NOW_UTC` as written by the queries (`YYYY-MM-DDTHH24:MI:SS.FF3Z`).
    pub fn timestamp(&self, row: &Row, column: &str) -> Result<Timestamp, RowError> {
        let s = self.text(row, column)?;
        humantime::parse_rfc3339_weak(s)
            .map(Timestamp::from_system_time)
            .map_err(|e| self.err(column, format!("{s:?} is not a UTC timestamp: {e}")))
    }

    /// `DB_NOW_UTC` minus the age in seconds held in `age_column`.
    pub fn aged(&self, row: &Row, age_column: &str) -> Result<Timestamp, RowError> {
        let now = self.timestamp(row, "DB_NOW_UTC")?;
        Ok(now.minus(Duration::from_secs(self.u64(row, age_column)?)))
    }
}

/// An Oracle NUMBER written as text, as an unsigned integer: digits only (a trailing ".0" or a
/// negative number is refused), so an SCN never loses precision.
pub fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn one<'a>(file: &'static str, rows: &'a [Row]) -> Result<&'a Row, RowError> {
    rows.first().ok_or_else(|| RowError {
        file,
        column: "*".into(),
        problem: "the query returned no row".into(),
    })
}

/// database.sql (+ archive_dest_errors.sql, pga_limit.sql) to `DatabaseState`.
pub fn database(
    rows: &[Row],
    version: &str,
    dest_errors: &[Row],
    pga: &[Row],
) -> Result<DatabaseState, RowError> {
    let c = Cols {
        file: "database.sql",
    };
    let r = one(c.file, rows)?;
    let yes = |v: Option<&str>| matches!(v, Some("YES" | "IMPLICIT"));
    let d = Cols {
        file: "archive_dest_errors.sql",
    };
    let mut archive_dest_errors = Vec::new();
    for row in dest_errors {
        archive_dest_errors.push(format!(
            "destination {} ({}): {}",
            d.text(row, "DEST_ID")?,
            d.opt(row, "DEST_NAME")?.unwrap_or("?"),
            d.opt(row, "ERROR")?.unwrap_or("ERROR")
        ));
    }
    let p = Cols {
        file: "pga_limit.sql",
    };
    let pga_limit_bytes = match pga.first() {
        Some(row) => p.opt_u64(row, "VALUE")?.filter(|v| *v > 0),
        None => None,
    };
    Ok(DatabaseState {
        current_scn: c.u64(r, "CURRENT_SCN")?,
        database_time: c.timestamp(r, "DB_NOW_UTC")?,
        version: version.to_string(),
        log_mode: c.text(r, "LOG_MODE")?.to_string(),
        supplemental_logging_min: yes(c.opt(r, "SUPPLEMENTAL_LOG_DATA_MIN")?),
        supplemental_logging_all: yes(c.opt(r, "SUPPLEMENTAL_LOG_DATA_ALL")?),
        open_mode: c.text(r, "OPEN_MODE")?.to_string(),
        role: c.text(r, "DATABASE_ROLE")?.to_string(),
        archive_dest_errors,
        pga_limit_bytes,
    })
}

/// The database's identity from database.sql: incarnation (`RESETLOGS_CHANGE#`), role and open
/// mode. Cached slow facts of another identity are read again.
pub fn identity(rows: &[Row]) -> Result<Identity, RowError> {
    let c = Cols {
        file: "database.sql",
    };
    let r = one(c.file, rows)?;
    Ok(Identity {
        resetlogs: c.opt_u64(r, "RESETLOGS_CHANGE")?,
        role: c.text(r, "DATABASE_ROLE")?.to_string(),
        open_mode: c.text(r, "OPEN_MODE")?.to_string(),
    })
}

/// recovery_area.sql; no row (no recovery area configured) is a zero limit.
pub fn recovery_area(rows: &[Row]) -> Result<RecoveryArea, RowError> {
    let c = Cols {
        file: "recovery_area.sql",
    };
    let Some(r) = rows.first() else {
        return Ok(RecoveryArea {
            limit_bytes: 0,
            used_bytes: 0,
        });
    };
    let used = c.u64(r, "SPACE_USED")?;
    let reclaimable = c.opt_u64(r, "SPACE_RECLAIMABLE")?.unwrap_or(0);
    Ok(RecoveryArea {
        limit_bytes: c.u64(r, "SPACE_LIMIT")?,
        used_bytes: used.saturating_sub(reclaimable),
    })
}

/// table_logging(_cdb).sql: one entry per captured table, in config order.
pub fn table_logging(
    file: &'static str,
    rows: &[Row],
    tables: &[TableName],
) -> Result<Vec<TableLogging>, RowError> {
    let c = Cols { file };
    let mut groups = Vec::new();
    for r in rows {
        groups.push((
            c.text(r, "OWNER")?.to_string(),
            c.text(r, "TABLE_NAME")?.to_string(),
            c.opt(r, "LOG_GROUP_TYPE")?.unwrap_or("").to_string(),
        ));
    }
    Ok(tables
        .iter()
        .map(|t| TableLogging {
            table: t.to_string(),
            all_columns: groups.iter().any(|(o, n, ty)| {
                *o == t.owner && *n == t.table && ty.eq_ignore_ascii_case("ALL COLUMN LOGGING")
            }),
        })
        .collect())
}

/// sessions.sql to one `ConnectorSession` per row.
pub fn sessions(
    rows: &[Row],
    flush_table: &TableName,
    captured: &[TableName],
) -> Result<Vec<ConnectorSession>, RowError> {
    let c = Cols {
        file: "sessions.sql",
    };
    let mut out = Vec::new();
    for r in rows {
        let kind = |col: &str| -> Result<Option<SqlKind>, RowError> {
            Ok(c.opt(r, col)?
                .filter(|t| !t.is_empty())
                .map(|t| classify_sql(t, flush_table, captured)))
        };
        let stats = |cpu: &str, gets: &str, ela: &str| -> Result<Option<SqlStats>, RowError> {
            Ok(
                match (c.opt_u64(r, cpu)?, c.opt_u64(r, gets)?, c.opt_u64(r, ela)?) {
                    (Some(cpu_time_us), Some(buffer_gets), Some(elapsed_time_us)) => {
                        Some(SqlStats {
                            cpu_time_us,
                            buffer_gets,
                            elapsed_time_us,
                        })
                    }
                    _ => None,
                },
            )
        };
        let sql = kind("SQL_TEXT")?;
        let sql_stats = match sql {
            Some(_) => stats("SQL_CPU_TIME", "SQL_BUFFER_GETS", "SQL_ELAPSED_TIME")?,
            None => stats("PREV_CPU_TIME", "PREV_BUFFER_GETS", "PREV_ELAPSED_TIME")?,
        };
        out.push(ConnectorSession {
            instance: c.u32(r, "INST_ID")?,
            sid: c.u32(r, "SID")?,
            serial: c.u32(r, "SERIAL#")?,
            status: c.text(r, "STATUS")?.to_string(),
            last_call_et_s: c.u64(r, "LAST_CALL_ET")?,
            event: c.opt(r, "EVENT")?.unwrap_or("").to_string(),
            sql,
            prev_sql: kind("PREV_SQL_TEXT")?,
            sql_stats,
            pga_bytes: c.opt_u64(r, "PGA_ALLOC_MEM")?,
            logon_time: c.aged(r, "LOGON_AGE_S")?,
            machine: c.opt(r, "MACHINE")?.unwrap_or("").to_string(),
            port: c
                .opt_u64(r, "PORT")?
                .and_then(|p| u32::try_from(p).ok())
                .filter(|p| *p > 0),
        });
    }
    Ok(out)
}

/// flush_scn.sql: `LAST_SCN`.
pub fn flush_scn(rows: &[Row]) -> Result<u64, RowError> {
    let c = Cols {
        file: "flush_scn.sql",
    };
    c.u64(one(c.file, rows)?, "LAST_SCN")
}

/// redo_threads.sql: the enabled threads.
pub fn redo_threads(rows: &[Row]) -> Result<Vec<u32>, RowError> {
    let c = Cols {
        file: "redo_threads.sql",
    };
    rows.iter().map(|r| c.u32(r, "THREAD#")).collect()
}

/// online_logs.sql to the redo rule's logs.
pub fn online_logs(online: &[Row]) -> Result<Vec<LogFile>, RowError> {
    let o = Cols {
        file: "online_logs.sql",
    };
    let mut out = Vec::new();
    for r in online {
        let status = o.text(r, "STATUS")?;
        out.push(LogFile {
            thread: o.u32(r, "THREAD#")?,
            sequence: o.u64(r, "SEQUENCE#")?,
            first_change: o.u64(r, "FIRST_CHANGE")?,
            // NULL only for an UNUSED log; the current log's is u64::MAX on 12.2+.
            next_change: o.opt_u64(r, "NEXT_CHANGE")?.unwrap_or(u64::MAX),
            first_time: match o.opt_u64(r, "FIRST_AGE_S")? {
                Some(_) => o.aged(r, "FIRST_AGE_S")?,
                None => o.timestamp(r, "DB_NOW_UTC")?,
            },
            source: LogSource::Online {
                current: status == "CURRENT" || status == "CLEARING_CURRENT",
                unused: status == "UNUSED",
            },
        });
    }
    Ok(out)
}

/// archive_chain.sql: the runs of readable archived sequences, per thread.
pub fn archive_chain(rows: &[Row]) -> Result<Vec<Island>, RowError> {
    let c = Cols {
        file: "archive_chain.sql",
    };
    let mut out = Vec::new();
    for r in rows {
        out.push(Island {
            thread: c.u32(r, "THREAD#")?,
            low_seq: c.u64(r, "LOW_SEQ")?,
            high_seq: c.u64(r, "HIGH_SEQ")?,
            logs: c.u64(r, "LOGS")?,
            first_change: c.u64(r, "FIRST_CHANGE")?,
            first_time: c.aged(r, "FIRST_AGE_S")?,
        });
    }
    // The redo rule walks them per thread, oldest first; do not rely on the SQL's ORDER BY.
    out.sort_by_key(|i| (i.thread, i.low_seq));
    Ok(out)
}

/// log_switches.sql.
pub fn log_switches(rows: &[Row]) -> Result<u32, RowError> {
    let c = Cols {
        file: "log_switches.sql",
    };
    c.u32(one(c.file, rows)?, "SWITCHES")
}

/// table_activity(_cdb).sql.
pub fn table_activity(file: &'static str, rows: &[Row]) -> Result<TableActivity, RowError> {
    let c = Cols { file };
    Ok(TableActivity {
        db_block_changes: c
            .opt_u64(one(file, rows)?, "DB_BLOCK_CHANGES")?
            .unwrap_or(0),
    })
}

/// open_transactions(_cdb).sql.
pub fn open_transactions(file: &'static str, rows: &[Row]) -> Result<OpenTransactions, RowError> {
    let c = Cols { file };
    let r = one(file, rows)?;
    let count = c.u32(r, "OPEN_COUNT")?;
    Ok(OpenTransactions {
        count,
        oldest_start_scn: c.opt_u64(r, "OLDEST_START_SCN")?,
        oldest_start_time: match c.opt_u64(r, "OLDEST_AGE_S")? {
            Some(_) => Some(c.aged(r, "OLDEST_AGE_S")?),
            None => None,
        },
    })
}

/// What a session's SQL text is. Case-insensitive, quotes ignored; `V$SQL.SQL_TEXT` holds the
/// first 1000 characters, which always include the part matched here.
pub fn classify_sql(text: &str, flush_table: &TableName, captured: &[TableName]) -> SqlKind {
    let t = text.to_ascii_uppercase().replace('"', "");
    let t = t.trim_start();
    if t.contains("V$LOGMNR_CONTENTS")
        || t.starts_with("WITH RELEVANT_XIDS")
        || t.starts_with("SELECT SCN, SQL_REDO, OPERATION_CODE")
    {
        return SqlKind::MiningQuery;
    }
    if [
        "DBMS_LOGMNR.START_LOGMNR",
        "DBMS_LOGMNR.ADD_LOGFILE",
        "DBMS_LOGMNR.REMOVE_LOGFILE",
        "DBMS_LOGMNR.END_LOGMNR",
        "DBMS_LOGMNR_D.BUILD",
    ]
    .iter()
    .any(|p| t.contains(p))
    {
        return SqlKind::StartLogminer;
    }
    if t.starts_with("UPDATE")
        && t.contains("LAST_SCN")
        && (t.contains(&flush_table.table) || t.contains("LOG_MINING_FLUSH"))
    {
        return SqlKind::FlushUpdate;
    }
    if t.starts_with("SELECT") {
        // The FROM clause names the table, possibly with its owner.
        let from = t.find(" FROM ").map(|i| &t[i + 6..]).unwrap_or("");
        let first = from
            .split(|c: char| c.is_whitespace() || c == ',' || c == ')')
            .find(|s| !s.is_empty())
            .unwrap_or("");
        if captured
            .iter()
            .any(|c| first == format!("{}.{}", c.owner, c.table) || first == c.table)
        {
            return SqlKind::SnapshotSelect;
        }
    }
    SqlKind::Other
}
