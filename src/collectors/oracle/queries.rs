//! The SQL of sql/, compiled in with `include_str!`, and the two expansions the files allow:
//! the captured-tables list (one bind pair per table) and the flush table's quoted name.

use crate::config::TableName;

/// One file of sql/.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// Its file name under sql/, e.g. `database.sql` (named in every error about it).
    pub file: &'static str,
    /// Its text, header comment included (Oracle ignores comments).
    pub text: &'static str,
}

macro_rules! sql {
    ($name:ident, $file:literal) => {
        #[doc = concat!("sql/", $file)]
        pub const $name: Query = Query {
            file: $file,
            text: include_str!(concat!("../../../sql/", $file)),
        };
    };
}

sql!(CONTAINER, "container.sql");
sql!(DATABASE, "database.sql");
sql!(ARCHIVE_DEST_ERRORS, "archive_dest_errors.sql");
sql!(PGA_LIMIT, "pga_limit.sql");
sql!(RECOVERY_AREA, "recovery_area.sql");
sql!(TABLE_LOGGING, "table_logging.sql");
sql!(TABLE_LOGGING_CDB, "table_logging_cdb.sql");
sql!(SESSIONS, "sessions.sql");
sql!(FLUSH_SCN, "flush_scn.sql");
sql!(REDO_THREADS, "redo_threads.sql");
sql!(ONLINE_LOGS, "online_logs.sql");
sql!(ARCHIVE_CHAIN, "archive_chain.sql");
sql!(LOG_SWITCHES, "log_switches.sql");
sql!(TABLE_ACTIVITY, "table_activity.sql");
sql!(TABLE_ACTIVITY_CDB, "table_activity_cdb.sql");
sql!(OPEN_TRANSACTIONS, "open_transactions.sql");
sql!(OPEN_TRANSACTIONS_CDB, "open_transactions_cdb.sql");
sql!(UNDO_RETENTION, "undo_retention.sql");
sql!(REDO_LOG_SIZE, "redo_log_size.sql");
sql!(ARCHIVE_VOLUME, "archive_volume.sql");
sql!(CONNECTOR_PROFILE, "connector_profile.sql");
sql!(CDB, "cdb.sql");

/// The settings `audit` reads besides a probe (once per run, never by the probes).
pub const AUDIT: &[Query] = &[
    UNDO_RETENTION,
    REDO_LOG_SIZE,
    ARCHIVE_VOLUME,
    CONNECTOR_PROFILE,
    CDB,
];

/// Every query the collector runs (for the capture command and the tests).
pub const ALL: &[Query] = &[
    CONTAINER,
    DATABASE,
    ARCHIVE_DEST_ERRORS,
    PGA_LIMIT,
    RECOVERY_AREA,
    TABLE_LOGGING,
    TABLE_LOGGING_CDB,
    SESSIONS,
    FLUSH_SCN,
    REDO_THREADS,
    ONLINE_LOGS,
    ARCHIVE_CHAIN,
    LOG_SWITCHES,
    TABLE_ACTIVITY,
    TABLE_ACTIVITY_CDB,
    OPEN_TRANSACTIONS,
    OPEN_TRANSACTIONS_CDB,
    UNDO_RETENTION,
    REDO_LOG_SIZE,
    ARCHIVE_VOLUME,
    CONNECTOR_PROFILE,
    CDB,
];

/// How many runs of archived logs archive_chain.sql returns per thread (`:max_islands`): the
/// newest one is the chain; the others show the latest gaps, and bound the rows.
pub const MAX_ISLANDS: u32 = 4;

/// The placeholder of the captured-tables list in the files.
const TABLES_PLACEHOLDER: &str = "((:owner_1, :table_1))";
/// The placeholder of the flush table in flush_scn.sql.
const FLUSH_PLACEHOLDER: &str = "flush_owner.flush_table";

/// A query ready to run: its text and its named binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The file it came from.
    pub file: &'static str,
    /// The text to send.
    pub sql: String,
    /// Named binds (name without the colon, value).
    pub binds: Vec<(String, String)>,
}

/// `q` with its binds: the connector user, and one `(:owner_n, :table_n)` pair per captured
/// table in place of the placeholder list. With no captured tables the list matches nothing.
pub fn prepare(q: Query, connector_user: &str, tables: &[TableName]) -> Prepared {
    let mut sql = q.text.to_string();
    let mut binds = Vec::new();
    if sql.contains(":connector_user") {
        binds.push(("connector_user".to_string(), connector_user.to_string()));
    }
    if sql.contains(":max_islands") {
        binds.push(("max_islands".to_string(), MAX_ISLANDS.to_string()));
    }
    if sql.contains(TABLES_PLACEHOLDER) {
        let mut pairs = Vec::new();
        for (i, t) in tables.iter().enumerate() {
            let n = i + 1;
            pairs.push(format!("(:owner_{n}, :table_{n})"));
            binds.push((format!("owner_{n}"), t.owner.clone()));
            binds.push((format!("table_{n}"), t.table.clone()));
        }
        if pairs.is_empty() {
            // A pair no table has: Oracle names are never empty strings (they would be NULL).
            pairs.push("(NULL, NULL)".to_string());
        }
        sql = sql.replace(TABLES_PLACEHOLDER, &format!("({})", pairs.join(", ")));
    }
    Prepared {
        file: q.file,
        sql,
        binds,
    }
}

/// flush_scn.sql for `table`, quoted. Identifiers cannot be bound, so the name is checked to be
/// a plain Oracle identifier first; `None` when it is not (it is then never sent).
pub fn prepare_flush(table: &TableName) -> Option<Prepared> {
    let plain = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '#'))
    };
    if !plain(&table.owner) || !plain(&table.table) {
        return None;
    }
    let name = format!("\"{}\".\"{}\"", table.owner, table.table);
    Some(Prepared {
        file: FLUSH_SCN.file,
        sql: FLUSH_SCN.text.replace(FLUSH_PLACEHOLDER, &name),
        binds: Vec::new(),
    })
}
