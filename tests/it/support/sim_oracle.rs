//! The simulated database the real-cluster tests put behind `OracleSource`: prerequisites fine,
//! one redo thread, the connector's sessions and heartbeat as each test models them.

use std::path::Path;
use std::time::Duration;

use logminer_doctor::config::Env;
use logminer_doctor::observation::Signal;
use logminer_doctor::observation::{
    ConnectorSession, DatabaseState, OpenTransactions, OracleSnapshot, RecoveryArea,
    RedoAvailability, RedoThread, TableActivity, TableLogging, Timestamp,
};

/// What a test varies in the database.
pub struct Db {
    pub now: Timestamp,
    pub current_scn: u64,
    pub sessions: Vec<ConnectorSession>,
    /// The flush table's LAST_SCN (the mining loop's heartbeat).
    pub heartbeat: u64,
    /// The oldest SCN still in redo on thread 1.
    pub oldest_redo: u64,
    /// The captured tables' block-change counter.
    pub activity: u64,
}

/// A database whose prerequisites hold (ARCHIVELOG, supplemental logging, logging on the
/// captured table, recovery area at 30%), with `db`'s sessions, heartbeat, redo and activity.
pub fn snapshot(db: Db) -> Signal<OracleSnapshot> {
    Signal::observed(OracleSnapshot {
        database: Signal::observed(DatabaseState {
            current_scn: db.current_scn,
            database_time: db.now,
            version: "19.0.0.0.0".into(),
            log_mode: "ARCHIVELOG".into(),
            supplemental_logging_min: true,
            supplemental_logging_all: false,
            open_mode: "READ WRITE".into(),
            role: "PRIMARY".into(),
            archive_dest_errors: vec![],
            pga_limit_bytes: None,
        }),
        recovery_area: Signal::observed(RecoveryArea {
            limit_bytes: 100 << 30,
            used_bytes: 30 << 30,
        }),
        table_logging: Signal::observed(vec![TableLogging {
            table: "SHOP.ORDERS".into(),
            all_columns: true,
        }]),
        sessions: Signal::observed(db.sessions),
        flush_table_scn: Signal::observed(db.heartbeat),
        redo: Signal::observed(RedoAvailability {
            threads: vec![RedoThread {
                thread: 1,
                oldest_scn: db.oldest_redo,
                oldest_time: db.now.minus(Duration::from_secs(48 * 3600)),
            }],
            log_switches_last_hour: Some(4),
        }),
        table_activity: Signal::observed(TableActivity {
            db_block_changes: db.activity,
        }),
        open_transactions: Signal::observed(OpenTransactions {
            count: 0,
            oldest_start_scn: None,
            oldest_start_time: None,
        }),
    })
}

/// Environment variables for a test config: only `LMD_PASSWORD`, set to `password`.
pub struct PasswordEnv(pub &'static str);

impl Env for PasswordEnv {
    fn var(&self, name: &str) -> Option<String> {
        (name == "LMD_PASSWORD").then(|| self.0.to_string())
    }
    fn read_file(&self, path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            path.display().to_string(),
        ))
    }
}
