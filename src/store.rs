//! The state database: SQLite (bundled) under the state directory, shared by `watch` (the
//! agent), remediation (the audit log of actions, the restart budget, the pipeline lock's row)
//! and the `history`/`silence` commands. It holds observations (bounded by age and count), the
//! timeline of verdicts, alerts sent, alert state (a JSON document the agent's alert logic owns),
//! silences, actions and lock holders. The only module that uses `rusqlite`.
//!
//! Every call runs on tokio's blocking pool: SQLite blocks, and a locked database waits out its
//! busy timeout there rather than on a runtime thread. Errors name the database file and carry a
//! bounded `kind` for the metrics; callers log and count them and go on probing.
//!
//! The state directory is created 0700 and the database files are 0600: they hold every
//! observation, alert errors and the audit log, which are nobody else's business.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::redact_urls;
use crate::diagnose::{Cause, Diagnosis};
use crate::observation::{Observation, Timestamp};

/// The database file's name inside the state directory.
pub const FILE_NAME: &str = "history.sqlite3";

/// How long a write waits for another process's lock before it is reported as `locked`.
const BUSY_TIMEOUT: Duration = Duration::from_millis(500);

/// A failed history operation.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// SQLite failed.
    #[error("history database {} failed to {op}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The state directory could not be created.
    #[error("cannot create the state directory {}", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The database file could not be created with owner-only permissions.
    #[error("cannot create {} with mode 0600", path.display())]
    Permissions {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A stored row could not be read back.
    #[error("history database {} holds an unreadable {what}", path.display())]
    Decode {
        /// The database file.
        path: PathBuf,
        /// Which kind of row.
        what: &'static str,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The blocking task was lost (the runtime shut down).
    #[error("history database {} task did not finish", path.display())]
    Task {
        /// The database file.
        path: PathBuf,
    },
    /// `PRAGMA quick_check` found damage.
    #[error("history database {} is damaged: {check}", path.display())]
    Damaged {
        /// The database file.
        path: PathBuf,
        /// What the check said (its first line).
        check: String,
    },
}

impl HistoryError {
    /// A bounded label for the metrics: `locked`, `full`, `corrupt`, `io` or `other`.
    pub fn kind(&self) -> &'static str {
        use rusqlite::ErrorCode as C;
        match self {
            HistoryError::Sqlite {
                source: rusqlite::Error::SqliteFailure(e, _),
                ..
            } => match e.code {
                C::DatabaseBusy | C::DatabaseLocked => "locked",
                C::DiskFull => "full",
                C::DatabaseCorrupt | C::NotADatabase => "corrupt",
                C::SystemIoFailure | C::CannotOpen | C::ReadOnly => "io",
                _ => "other",
            },
            HistoryError::Dir { .. } | HistoryError::Permissions { .. } => "io",
            HistoryError::Decode { .. } | HistoryError::Damaged { .. } => "corrupt",
            _ => "other",
        }
    }

    /// The database file itself is damaged (not locked, full or unreachable).
    fn is_corrupt(&self) -> bool {
        matches!(
            self,
            HistoryError::Sqlite { .. } | HistoryError::Damaged { .. }
        ) && self.kind() == "corrupt"
    }
}

/// What can still be read of a damaged database: the alert state per pipeline and the
/// silences, each table on its own (a damaged page loses only what it held).
type CarriedOver = (Vec<(String, String)>, Vec<(String, i64, String, i64)>);

fn carry_over(path: &Path) -> CarriedOver {
    let Ok(conn) = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return (vec![], vec![]);
    };
    let states = conn
        .prepare("SELECT pipeline, json FROM alert_state")
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_default();
    let silences = conn
        .prepare("SELECT pipeline, until, reason, created FROM silences")
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_default();
    (states, silences)
}

/// How long history is kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Observations older than this are deleted.
    pub max_age: Duration,
    /// At most this many observations per pipeline.
    pub max_count: u32,
}

/// The verdict timeline keeps changes only, for at least this long (it is small).
const TIMELINE_MIN_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

/// One entry of the verdict timeline (`history`).
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// The pipeline's name from the config.
    pub pipeline: String,
    /// The diagnosis at the moment the verdict changed.
    pub diagnosis: Diagnosis,
}

/// A silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Silence {
    /// Its id (for `silence --remove`).
    pub id: i64,
    /// The silenced pipeline's name.
    pub pipeline: String,
    /// When it ends.
    pub until: Timestamp,
    /// Why (from the operator).
    pub reason: String,
    /// When it was created.
    pub created: Timestamp,
}

/// One recorded delivery (after its retries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentAlert {
    /// When the alert was made (the probe's time).
    pub at: Timestamp,
    /// The channel's name.
    pub channel: String,
    /// `firing`, `renotify` or `resolved`.
    pub notice: String,
    /// The incident's cause.
    pub cause: String,
    /// Why the delivery failed (redacted), `None` when it was delivered.
    pub error: Option<String>,
}

/// A savepoint the doctor knows: one it took, or one it found in the job's checkpoint history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SavepointRecord {
    /// The pipeline's name from the config.
    pub pipeline: String,
    /// Where Flink wrote it (what `--fromSavepoint` and the disposal take).
    pub path: String,
    /// The job it was taken of.
    pub job_id: String,
    /// The doctor's trigger id when the doctor took it; `None` for one it found. Only the
    /// doctor's own are ever disposed of.
    pub trigger_id: Option<String>,
    /// When it was triggered.
    pub triggered_at: Timestamp,
    /// When it completed.
    pub completed_at: Timestamp,
    /// Its size, when Flink reported it.
    pub size_bytes: Option<u64>,
    /// The conservative restart SCN: the lowest SCN the connector could need when restored
    /// from it (README, "Savepoints"), when the doctor observed one before it was triggered.
    pub restart_scn: Option<u64>,
    /// Where `restart_scn` came from, in English (the output's last SCN, an open transaction).
    pub scn_sources: Vec<String>,
    /// When the doctor disposed of it.
    pub disposed_at: Option<Timestamp>,
}

impl SavepointRecord {
    /// The doctor took it.
    pub fn is_ours(&self) -> bool {
        self.trigger_id.is_some()
    }
}

/// Who holds a pipeline's lock in the state database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// The holder (host, process, token).
    pub owner: String,
    /// Since when.
    pub acquired: Timestamp,
    /// Until when, should it never release it.
    pub expires: Timestamp,
}

/// The history database (cheap to clone).
#[derive(Debug, Clone)]
pub struct History {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
    /// Where a damaged database found at open was moved, if one was.
    recovered_from: Option<PathBuf>,
}

impl History {
    /// Opens (creating if needed) the database in `state_dir`.
    ///
    /// A new state directory is created 0700 and a new database file 0600; SQLite gives its
    /// `-wal` and `-shm` files the database file's mode. An existing database file or companion
    /// open to others is narrowed to 0600 (they are this program's files); an existing state
    /// directory is left as it is, since it may be a mount point or shared on purpose, but a
    /// warning says when every user can enter it.
    pub fn open(state_dir: &Path) -> Result<History, HistoryError> {
        match History::open_checked(state_dir) {
            Err(e) if e.is_corrupt() => History::recover(state_dir, &e),
            other => other,
        }
    }

    /// A damaged database (checked with `PRAGMA quick_check` when the agent starts) is moved
    /// aside, kept for inspection, and a new one is started with what could still be read of
    /// the alert state and the silences, so an incident already paged is not paged again and
    /// a silence still holds.
    fn recover(state_dir: &Path, why: &HistoryError) -> Result<History, HistoryError> {
        let path = state_dir.join(FILE_NAME);
        let carried = carry_over(&path);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        let aside = state_dir.join(format!("{FILE_NAME}.corrupt-{stamp}"));
        std::fs::rename(&path, &aside).map_err(|source| HistoryError::Dir {
            path: aside.clone(),
            source,
        })?;
        for suffix in ["-wal", "-shm"] {
            let mut from = path.clone().into_os_string();
            from.push(suffix);
            let mut to = aside.clone().into_os_string();
            to.push(suffix);
            let _ = std::fs::rename(&from, &to);
        }
        tracing::error!(
            error = %crate::observation::error_chain(why),
            moved_to = %aside.display(),
            alert_states = carried.0.len(),
            silences = carried.1.len(),
            "The history database is damaged: it was moved aside for inspection and a new one started, with the alert state and silences that could be read."
        );
        let mut history = History::open_checked(state_dir)?;
        history.recovered_from = Some(aside);
        {
            let conn = history.conn.lock().unwrap_or_else(|p| p.into_inner());
            for (pipeline, json) in &carried.0 {
                let _ = conn.execute(
                    "INSERT OR REPLACE INTO alert_state (pipeline, json) VALUES (?1, ?2)",
                    params![pipeline, json],
                );
            }
            for (pipeline, until, reason, created) in &carried.1 {
                let _ = conn.execute(
                    "INSERT INTO silences (pipeline, until, reason, created) VALUES (?1, ?2, ?3, ?4)",
                    params![pipeline, until, reason, created],
                );
            }
        }
        Ok(history)
    }

    fn open_checked(state_dir: &Path) -> Result<History, HistoryError> {
        private_dir(state_dir).map_err(|source| HistoryError::Dir {
            path: state_dir.to_path_buf(),
            source,
        })?;
        let path = state_dir.join(FILE_NAME);
        private_file(&path).map_err(|source| HistoryError::Permissions {
            path: path.clone(),
            source,
        })?;
        let err = |op| {
            let path = path.clone();
            move |source| HistoryError::Sqlite { path, op, source }
        };
        let conn = Connection::open(&path).map_err(err("open"))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err("configure"))?;
        // WAL: `history` and `silence` read and write while the agent writes.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err("configure"))?;
        conn.execute_batch(SCHEMA)
            .map_err(err("create its tables"))?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(err("check its integrity"))?;
        if check != "ok" {
            return Err(HistoryError::Damaged {
                path: path.clone(),
                check,
            });
        }
        // Companions left by an older version (created before the database file was 0600).
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut companion = path.clone().into_os_string();
            companion.push(suffix);
            narrow(Path::new(&companion));
        }
        Ok(History {
            path,
            conn: Arc::new(Mutex::new(conn)),
            recovered_from: None,
        })
    }

    /// Where a damaged database found at open was moved aside, if one was.
    pub fn recovered_from(&self) -> Option<&Path> {
        self.recovered_from.as_deref()
    }

    /// After a failed write: checks the file on disk (with a connection of its own, so no
    /// cached page hides the damage) and, when it is damaged, moves it aside and continues in a
    /// new database as at open. Returns where the damaged file went, if it was moved.
    pub async fn recover_if_damaged(&self) -> Result<Option<PathBuf>, HistoryError> {
        let this = self.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || this.recover_if_damaged_sync())
            .await
            .map_err(|_| HistoryError::Task { path })?
    }

    fn recover_if_damaged_sync(&self) -> Result<Option<PathBuf>, HistoryError> {
        // Held throughout: no other write reaches the file while it is checked and moved.
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let check =
            Connection::open_with_flags(&self.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| c.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)));
        let why = match check {
            Ok(c) if c == "ok" => return Ok(None),
            Ok(check) => HistoryError::Damaged {
                path: self.path.clone(),
                check,
            },
            Err(source) => HistoryError::Sqlite {
                path: self.path.clone(),
                op: "check its integrity",
                source,
            },
        };
        if !why.is_corrupt() {
            return Err(why);
        }
        let state_dir = self.path.parent().unwrap_or(Path::new(".")).to_path_buf();
        // Close the damaged file before it moves: an in-memory placeholder takes its place.
        let placeholder = Connection::open_in_memory().map_err(|source| HistoryError::Sqlite {
            path: self.path.clone(),
            op: "open",
            source,
        })?;
        drop(std::mem::replace(&mut *conn, placeholder));
        let fresh = History::recover(&state_dir, &why)?;
        let moved = fresh.recovered_from.clone();
        let fresh_conn = Arc::try_unwrap(fresh.conn)
            .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
            .map_err(|_| HistoryError::Task {
                path: self.path.clone(),
            })?;
        *conn = fresh_conn;
        Ok(moved)
    }

    /// Opens the database only when it exists already (for one-shot commands).
    pub fn open_existing(state_dir: &Path) -> Option<Result<History, HistoryError>> {
        state_dir
            .join(FILE_NAME)
            .exists()
            .then(|| History::open(state_dir))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn with<T: Send + 'static>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, HistoryError> {
        let this = self.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || this.with_sync(op, f))
            .await
            .map_err(|_| HistoryError::Task { path })?
    }

    fn with_sync<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, HistoryError> {
        // A panic while the lock was held leaves the connection usable: SQLite rolls back.
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn).map_err(|source| HistoryError::Sqlite {
            path: self.path.clone(),
            op,
            source,
        })
    }

    /// Stores one observation and prunes the pipeline's old ones.
    pub async fn record_observation(
        &self,
        o: &Observation,
        retention: Retention,
    ) -> Result<(), HistoryError> {
        let json = to_json(o);
        let (pipeline, at) = (o.pipeline.clone(), o.observed_at.unix_millis());
        let oldest = o.observed_at.minus(retention.max_age).unix_millis();
        self.with("store an observation", move |c| {
            c.execute(
                "INSERT INTO observations (pipeline, at, json) VALUES (?1, ?2, ?3)",
                params![pipeline, at, json],
            )?;
            c.execute(
                "DELETE FROM observations WHERE pipeline = ?1 AND (at < ?2 OR at < (
                    SELECT at FROM observations WHERE pipeline = ?1
                    ORDER BY at DESC LIMIT 1 OFFSET ?3))",
                params![pipeline, oldest, retention.max_count.saturating_sub(1)],
            )?;
            Ok(())
        })
        .await
    }

    /// The newest observations of `pipeline` not older than `since`, at most `limit`, oldest
    /// first.
    pub async fn recent_observations(
        &self,
        pipeline: &str,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<Observation>, HistoryError> {
        let pipeline = pipeline.to_owned();
        let rows: Vec<String> = self
            .with("read observations", move |c| {
                let mut st = c.prepare_cached(
                    "SELECT json FROM observations WHERE pipeline = ?1 AND at >= ?2
                     ORDER BY at DESC LIMIT ?3",
                )?;
                let rows = st.query_map(params![pipeline, since.unix_millis(), limit], |r| {
                    r.get::<_, String>(0)
                })?;
                rows.collect()
            })
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for text in rows.iter().rev() {
            out.push(
                serde_json::from_str(text).map_err(|source| HistoryError::Decode {
                    path: self.path.clone(),
                    what: "observation",
                    source,
                })?,
            );
        }
        Ok(out)
    }

    /// Adds the diagnosis to the timeline when its verdict (cause and severity) differs from the
    /// previous entry's. Returns whether it was a change.
    pub async fn record_diagnosis(&self, d: &Diagnosis) -> Result<bool, HistoryError> {
        let json = to_json(d);
        let (pipeline, at) = (d.pipeline.clone(), d.observed_at.unix_millis());
        let (cause, severity) = (d.cause.as_str(), d.severity.as_str());
        let oldest = d.observed_at.minus(TIMELINE_MIN_AGE).unix_millis();
        self.with("store a diagnosis", move |c| {
            let last: Option<(String, String)> = c
                .query_row(
                    "SELECT cause, severity FROM diagnoses WHERE pipeline = ?1
                     ORDER BY at DESC, id DESC LIMIT 1",
                    params![pipeline],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if last.as_ref().is_some_and(|(c, s)| c == cause && s == severity) {
                return Ok(false);
            }
            c.execute(
                "INSERT INTO diagnoses (pipeline, at, cause, severity, json) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![pipeline, at, cause, severity, json],
            )?;
            c.execute(
                "DELETE FROM diagnoses WHERE pipeline = ?1 AND at < ?2",
                params![pipeline, oldest],
            )?;
            Ok(true)
        })
        .await
    }

    /// The verdict timeline since `since`, optionally of one pipeline, oldest first.
    pub async fn timeline(
        &self,
        pipeline: Option<&str>,
        since: Timestamp,
    ) -> Result<Vec<TimelineEntry>, HistoryError> {
        let pipeline = pipeline.map(str::to_owned);
        let rows: Vec<(String, String)> = self
            .with("read the timeline", move |c| {
                let mut st = c.prepare_cached(
                    "SELECT pipeline, json FROM diagnoses WHERE at >= ?1
                     AND (?2 IS NULL OR pipeline = ?2) ORDER BY at, id",
                )?;
                let rows = st.query_map(params![since.unix_millis(), pipeline], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
                rows.collect()
            })
            .await?;
        self.timeline_entries(rows)
    }

    /// Timeline rows (pipeline, diagnosis JSON) decoded.
    fn timeline_entries(
        &self,
        rows: Vec<(String, String)>,
    ) -> Result<Vec<TimelineEntry>, HistoryError> {
        rows.into_iter()
            .map(|(pipeline, json)| {
                Ok(TimelineEntry {
                    pipeline,
                    diagnosis: serde_json::from_str(&json).map_err(|source| {
                        HistoryError::Decode {
                            path: self.path.clone(),
                            what: "diagnosis",
                            source,
                        }
                    })?,
                })
            })
            .collect()
    }

    /// The persisted alert state of `pipeline` (default when none). The state is the agent's
    /// (`agent::alerts::dedup::AlertState`); it is stored as JSON.
    pub async fn alert_state<S: DeserializeOwned + Default>(
        &self,
        pipeline: &str,
    ) -> Result<S, HistoryError> {
        let pipeline = pipeline.to_owned();
        let json: Option<String> = self
            .with("read alert state", move |c| {
                c.query_row(
                    "SELECT json FROM alert_state WHERE pipeline = ?1",
                    params![pipeline],
                    |r| r.get(0),
                )
                .optional()
            })
            .await?;
        match json {
            None => Ok(S::default()),
            Some(j) => serde_json::from_str(&j).map_err(|source| HistoryError::Decode {
                path: self.path.clone(),
                what: "alert state",
                source,
            }),
        }
    }

    /// Saves the alert state of `pipeline`.
    pub async fn save_alert_state<S: Serialize>(
        &self,
        pipeline: &str,
        state: &S,
    ) -> Result<(), HistoryError> {
        let (pipeline, json) = (pipeline.to_owned(), to_json(state));
        self.with("store alert state", move |c| {
            c.execute(
                "INSERT INTO alert_state (pipeline, json) VALUES (?1, ?2)
                 ON CONFLICT(pipeline) DO UPDATE SET json = excluded.json",
                params![pipeline, json],
            )
            .map(drop)
        })
        .await
    }

    /// Records one delivery attempt's outcome (after retries); `notice` is the agent's
    /// `agent::alerts::dedup::Notice`, stored as its serde name.
    pub async fn record_alert<N: Serialize>(
        &self,
        pipeline: &str,
        at: Timestamp,
        channel: &'static str,
        notice: N,
        cause: Cause,
        error: Option<String>,
    ) -> Result<(), HistoryError> {
        let pipeline = pipeline.to_owned();
        let notice = to_json(&notice).trim_matches('"').to_owned();
        // The channels' error texts are redacted already; this holds for any other caller too.
        let error = error.map(|e| redact_urls(&e));
        self.with("store a sent alert", move |c| {
            c.execute(
                "INSERT INTO alerts (pipeline, at, channel, notice, cause, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![pipeline, at.unix_millis(), channel, notice, cause.as_str(), error],
            )
            .map(drop)
        })
        .await
    }

    /// How many alerts were recorded for `pipeline` (for tests and `history`).
    pub async fn alert_count(&self, pipeline: &str) -> Result<u64, HistoryError> {
        let pipeline = pipeline.to_owned();
        self.with("count alerts", move |c| {
            c.query_row(
                "SELECT COUNT(*) FROM alerts WHERE pipeline = ?1",
                params![pipeline],
                |r| r.get::<_, i64>(0).map(|n| n.max(0) as u64),
            )
        })
        .await
    }

    /// The deliveries recorded for `pipeline`, oldest first.
    pub async fn alerts(&self, pipeline: &str) -> Result<Vec<SentAlert>, HistoryError> {
        self.alerts_since(pipeline, Timestamp::from_unix_millis(i64::MIN))
            .await
    }

    /// Adds a silence and returns it.
    pub async fn add_silence(
        &self,
        pipeline: &str,
        now: Timestamp,
        duration: Duration,
        reason: &str,
    ) -> Result<Silence, HistoryError> {
        let s = Silence {
            id: 0,
            pipeline: pipeline.to_owned(),
            until: now.plus(duration),
            reason: reason.to_owned(),
            created: now,
        };
        let row = s.clone();
        let id = self
            .with("store a silence", move |c| {
                c.execute(
                    "INSERT INTO silences (pipeline, until, reason, created) VALUES (?1, ?2, ?3, ?4)",
                    params![row.pipeline, row.until.unix_millis(), row.reason, row.created.unix_millis()],
                )?;
                Ok(c.last_insert_rowid())
            })
            .await?;
        Ok(Silence { id, ..s })
    }

    /// Silences still in force at `now`, optionally of one pipeline.
    pub async fn silences(
        &self,
        pipeline: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<Silence>, HistoryError> {
        let pipeline = pipeline.map(str::to_owned);
        self.with("read silences", move |c| {
            let mut st = c.prepare_cached(
                "SELECT id, pipeline, until, reason, created FROM silences
                 WHERE until > ?1 AND (?2 IS NULL OR pipeline = ?2) ORDER BY id",
            )?;
            let rows = st.query_map(params![now.unix_millis(), pipeline], |r| {
                Ok(Silence {
                    id: r.get(0)?,
                    pipeline: r.get(1)?,
                    until: Timestamp::from_unix_millis(r.get(2)?),
                    reason: r.get(3)?,
                    created: Timestamp::from_unix_millis(r.get(4)?),
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// Removes a silence; returns whether it existed.
    pub async fn remove_silence(&self, id: i64) -> Result<bool, HistoryError> {
        self.with("remove a silence", move |c| {
            c.execute("DELETE FROM silences WHERE id = ?1", params![id])
                .map(|n| n > 0)
        })
        .await
    }

    /// Records an action taken on a pipeline (used by remediation).
    pub async fn record_action(
        &self,
        pipeline: &str,
        at: Timestamp,
        action: &str,
        detail: &str,
    ) -> Result<(), HistoryError> {
        let (p, a, d) = (pipeline.to_owned(), action.to_owned(), detail.to_owned());
        self.with("store an action", move |c| {
            c.execute(
                "INSERT INTO actions (pipeline, at, action, detail) VALUES (?1, ?2, ?3, ?4)",
                params![p, at.unix_millis(), a, d],
            )
            .map(drop)
        })
        .await
    }

    /// Takes the pipeline's lock for `owner` until `now + ttl`, when nobody holds it, its holder's
    /// time ran out (a doctor that died), or `owner` holds it already. One statement: atomic
    /// against every other process using the same file. Otherwise returns the holder.
    pub async fn try_lock(
        &self,
        pipeline: &str,
        owner: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Result<(), LockHolder>, HistoryError> {
        let (p, o) = (pipeline.to_owned(), owner.to_owned());
        let expires = now.plus(ttl);
        self.with("take a lock", move |c| {
            let taken = c.execute(
                "INSERT INTO locks (pipeline, owner, acquired, expires) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (pipeline) DO UPDATE SET
                     owner = excluded.owner, acquired = excluded.acquired, expires = excluded.expires
                 WHERE locks.expires < ?3 OR locks.owner = ?2",
                params![p, o, now.unix_millis(), expires.unix_millis()],
            )?;
            if taken == 1 {
                return Ok(Ok(()));
            }
            c.query_row(
                "SELECT owner, acquired, expires FROM locks WHERE pipeline = ?1",
                params![p],
                |r| {
                    Ok(Err(LockHolder {
                        owner: r.get(0)?,
                        acquired: Timestamp::from_unix_millis(r.get(1)?),
                        expires: Timestamp::from_unix_millis(r.get(2)?),
                    }))
                },
            )
        })
        .await
    }

    /// Releases the pipeline's lock when `owner` holds it; returns whether it did.
    pub async fn unlock(&self, pipeline: &str, owner: &str) -> Result<bool, HistoryError> {
        let (p, o) = (pipeline.to_owned(), owner.to_owned());
        self.with("release a lock", move |c| {
            c.execute(
                "DELETE FROM locks WHERE pipeline = ?1 AND owner = ?2",
                params![p, o],
            )
            .map(|n| n > 0)
        })
        .await
    }

    /// How many `action`s `pipeline` had since `since` (the restart budget counts restarts).
    pub async fn actions_since(
        &self,
        pipeline: &str,
        action: &str,
        since: Timestamp,
    ) -> Result<u64, HistoryError> {
        let (p, a) = (pipeline.to_owned(), action.to_owned());
        self.with("count actions", move |c| {
            c.query_row(
                "SELECT COUNT(*) FROM actions WHERE pipeline = ?1 AND action = ?2 AND at >= ?3",
                params![p, a, since.unix_millis()],
                |r| r.get::<_, i64>(0).map(|n| n.max(0) as u64),
            )
        })
        .await
    }

    /// Stores a savepoint; one already known by its path is replaced only when `replace` (the
    /// doctor's own record, or a disposal), so a savepoint found again in the history never
    /// overwrites what the doctor recorded when it took it.
    pub async fn record_savepoint(
        &self,
        sp: &SavepointRecord,
        replace: bool,
    ) -> Result<bool, HistoryError> {
        let json = to_json(sp);
        let (p, path, at) = (
            sp.pipeline.clone(),
            sp.path.clone(),
            sp.completed_at.unix_millis(),
        );
        let sql = if replace {
            "INSERT INTO savepoints (pipeline, path, at, json) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (pipeline, path) DO UPDATE SET at = excluded.at, json = excluded.json"
        } else {
            "INSERT OR IGNORE INTO savepoints (pipeline, path, at, json) VALUES (?1, ?2, ?3, ?4)"
        };
        self.with("store a savepoint", move |c| {
            c.execute(sql, params![p, path, at, json]).map(|n| n > 0)
        })
        .await
    }

    /// The savepoints known of `pipeline` (every pipeline when `None`), newest first.
    pub async fn savepoints(
        &self,
        pipeline: Option<&str>,
    ) -> Result<Vec<SavepointRecord>, HistoryError> {
        let p = pipeline.map(str::to_owned);
        let rows: Vec<String> = self
            .with("read savepoints", move |c| {
                let mut stmt = c.prepare(
                    "SELECT json FROM savepoints WHERE ?1 IS NULL OR pipeline = ?1
                     ORDER BY at DESC, path DESC",
                )?;
                let rows = stmt.query_map(params![p], |r| r.get::<_, String>(0))?;
                rows.collect()
            })
            .await?;
        rows.iter()
            .map(|j| {
                serde_json::from_str(j).map_err(|source| HistoryError::Decode {
                    path: self.path.clone(),
                    what: "savepoint",
                    source,
                })
            })
            .collect()
    }

    /// The audit log of `pipeline` since `since`, oldest first: (time, action, detail JSON).
    pub async fn actions(
        &self,
        pipeline: &str,
        since: Timestamp,
    ) -> Result<Vec<(Timestamp, String, String)>, HistoryError> {
        let p = pipeline.to_owned();
        self.with("read actions", move |c| {
            let mut stmt = c.prepare(
                "SELECT at, action, detail FROM actions WHERE pipeline = ?1 AND at >= ?2 ORDER BY at, id",
            )?;
            let rows = stmt.query_map(params![p, since.unix_millis()], |r| {
                Ok((
                    Timestamp::from_unix_millis(r.get(0)?),
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            rows.collect()
        })
        .await
    }
}

/// One plotted sample: the numbers of one stored observation the status page and the incident
/// reports draw, read by SQLite from the JSON (`None` where the signal was missing).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sample {
    /// When the observation was taken.
    pub at: Timestamp,
    /// When the newest committed output file was written.
    pub output_committed: Option<Timestamp>,
    /// The database's current SCN.
    pub database_scn: Option<u64>,
    /// The SCN of the output's last change.
    pub output_scn: Option<u64>,
    /// The connector's flush table SCN (the mining loop's heartbeat).
    pub heartbeat_scn: Option<u64>,
    /// The source operator's cumulative records out.
    pub source_records: Option<u64>,
    /// The sink operator's cumulative records in.
    pub sink_records: Option<u64>,
    /// When the latest checkpoint completed.
    pub checkpoint_completed: Option<Timestamp>,
    /// How long the latest completed checkpoint took, ms.
    pub checkpoint_duration_ms: Option<u64>,
}

/// The JSON paths of `Sample`'s fields, in its order after `at` (see `Observation`'s serde form:
/// a `Signal` is `{"status": "observed", "value": …}`).
const SAMPLE_COLUMNS: &str = "o.at,
    json_extract(o.json, '$.output.value.newest_committed.modified_at'),
    json_extract(o.json, '$.oracle.value.database.value.current_scn'),
    json_extract(o.json, '$.output.value.last_scn.value'),
    json_extract(o.json, '$.oracle.value.flush_table_scn.value'),
    json_extract(o.json, '$.flink.value.job.source.value.records'),
    json_extract(o.json, '$.flink.value.job.sink.value.records'),
    json_extract(o.json, '$.flink.value.job.checkpoints.value.last_completed.completed_at'),
    json_extract(o.json, '$.flink.value.job.checkpoints.value.last_completed.duration_ms')";

fn sample_row(r: &rusqlite::Row<'_>) -> Result<Sample, rusqlite::Error> {
    let time = |i: usize| -> Result<Option<Timestamp>, rusqlite::Error> {
        Ok(r.get::<_, Option<String>>(i)?
            .and_then(|t| humantime::parse_rfc3339_weak(&t).ok())
            .map(Timestamp::from_system_time))
    };
    let num = |i: usize| -> Result<Option<u64>, rusqlite::Error> {
        // SCNs and counters are stored as JSON integers; a float (never written) reads as none.
        Ok(r.get::<_, Option<i64>>(i)
            .ok()
            .flatten()
            .map(|n| n.max(0) as u64))
    };
    Ok(Sample {
        at: Timestamp::from_unix_millis(r.get(0)?),
        output_committed: time(1)?,
        database_scn: num(2)?,
        output_scn: num(3)?,
        heartbeat_scn: num(4)?,
        source_records: num(5)?,
        sink_records: num(6)?,
        checkpoint_completed: time(7)?,
        checkpoint_duration_ms: num(8)?,
    })
}

impl History {
    /// The samples of `pipeline` in `[from, to]`, thinned in SQL to about `points` (the newest
    /// observation of each equal slice of the range), oldest first. One statement: the slices
    /// are found on the `(pipeline, at)` index alone and only the kept rows' JSON is read, so a
    /// month of history costs the prober one short read.
    pub async fn samples(
        &self,
        pipeline: &str,
        from: Timestamp,
        to: Timestamp,
        points: u32,
    ) -> Result<Vec<Sample>, HistoryError> {
        let pipeline = pipeline.to_owned();
        let slice = ((to.unix_millis() - from.unix_millis()) / i64::from(points.max(1))).max(1);
        let sql = format!(
            "SELECT {SAMPLE_COLUMNS} FROM observations o WHERE o.id IN (
                SELECT MAX(id) FROM observations WHERE pipeline = ?1 AND at >= ?2 AND at <= ?3
                GROUP BY at / ?4)
             ORDER BY o.at"
        );
        self.with("read samples", move |c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(
                params![pipeline, from.unix_millis(), to.unix_millis(), slice],
                sample_row,
            )?;
            rows.collect()
        })
        .await
    }

    /// The newest sample of `pipeline` at or before `at` whose output showed an SCN (the last
    /// SCN written before an incident).
    pub async fn output_scn_before(
        &self,
        pipeline: &str,
        at: Timestamp,
    ) -> Result<Option<Sample>, HistoryError> {
        let pipeline = pipeline.to_owned();
        let sql = format!(
            "SELECT {SAMPLE_COLUMNS} FROM observations o WHERE o.pipeline = ?1 AND o.at <= ?2
             AND json_extract(o.json, '$.output.value.last_scn.value') IS NOT NULL
             ORDER BY o.at DESC LIMIT 1"
        );
        self.with("read the SCN before", move |c| {
            c.query_row(&sql, params![pipeline, at.unix_millis()], sample_row)
                .optional()
        })
        .await
    }

    /// The first sample of `pipeline` after `at` whose output SCN is above `above` (the first
    /// change written after an incident).
    pub async fn output_scn_after(
        &self,
        pipeline: &str,
        at: Timestamp,
        above: u64,
    ) -> Result<Option<Sample>, HistoryError> {
        let pipeline = pipeline.to_owned();
        let above = i64::try_from(above).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {SAMPLE_COLUMNS} FROM observations o WHERE o.pipeline = ?1 AND o.at >= ?2
             AND json_extract(o.json, '$.output.value.last_scn.value') > ?3
             ORDER BY o.at LIMIT 1"
        );
        self.with("read the SCN after", move |c| {
            c.query_row(&sql, params![pipeline, at.unix_millis(), above], sample_row)
                .optional()
        })
        .await
    }

    /// For each kept observation of `pipeline`, oldest first: its time and whether one of the
    /// connector's sessions ran a snapshot SELECT (`None`: the sessions were not read). Read in
    /// SQL so that a day of observations costs no JSON decoding here (`audit`'s snapshot).
    pub async fn snapshot_marks(
        &self,
        pipeline: &str,
    ) -> Result<Vec<(Timestamp, Option<bool>)>, HistoryError> {
        let pipeline = pipeline.to_owned();
        self.with("read snapshot marks", move |c| {
            let mut st = c.prepare_cached(
                "SELECT o.at, CASE WHEN json_type(o.json, '$.oracle.value.sessions.value') = 'array'
                    THEN EXISTS (SELECT 1 FROM json_each(o.json, '$.oracle.value.sessions.value') s
                         WHERE json_extract(s.value, '$.sql') = 'snapshot_select') END
                 FROM observations o WHERE o.pipeline = ?1 ORDER BY o.at",
            )?;
            let rows = st.query_map(params![pipeline], |r| {
                Ok((
                    Timestamp::from_unix_millis(r.get(0)?),
                    r.get::<_, Option<bool>>(1)?,
                ))
            })?;
            rows.collect()
        })
        .await
    }

    /// Each pipeline's current verdict as the timeline holds it: its newest entry (the change
    /// that began it, so its time is "since when").
    pub async fn current_verdicts(&self) -> Result<Vec<TimelineEntry>, HistoryError> {
        let rows: Vec<(String, String)> = self
            .with("read current verdicts", move |c| {
                // The newest entry per pipeline, found on the (pipeline, at) index.
                let mut st = c.prepare_cached(
                    "SELECT d.pipeline, d.json FROM diagnoses d WHERE d.id = (
                        SELECT id FROM diagnoses WHERE pipeline = d.pipeline
                        ORDER BY at DESC, id DESC LIMIT 1)",
                )?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect()
            })
            .await?;
        self.timeline_entries(rows)
    }

    /// The deliveries recorded for `pipeline` since `since`, oldest first.
    pub async fn alerts_since(
        &self,
        pipeline: &str,
        since: Timestamp,
    ) -> Result<Vec<SentAlert>, HistoryError> {
        let pipeline = pipeline.to_owned();
        self.with("read sent alerts", move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT at, channel, notice, cause, error FROM alerts
                 WHERE pipeline = ?1 AND at >= ?2 ORDER BY at, id",
            )?;
            let rows = stmt.query_map(params![pipeline, since.unix_millis()], |r| {
                Ok(SentAlert {
                    at: Timestamp::from_unix_millis(r.get(0)?),
                    channel: r.get(1)?,
                    notice: r.get(2)?,
                    cause: r.get(3)?,
                    error: r.get(4)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// Inserts observations as they are, in one transaction, without pruning (seeding a history
    /// for tests and benchmarks; the agent uses `record_observation`).
    pub async fn import_observations(&self, obs: Vec<Observation>) -> Result<(), HistoryError> {
        self.with("import observations", move |c| {
            let tx = c.unchecked_transaction()?;
            {
                let mut st = tx.prepare_cached(
                    "INSERT INTO observations (pipeline, at, json) VALUES (?1, ?2, ?3)",
                )?;
                for o in &obs {
                    st.execute(params![o.pipeline, o.observed_at.unix_millis(), to_json(o)])?;
                }
            }
            tx.commit()
        })
        .await
    }
}

/// Creates `dir` (and missing parents) 0700; warns when an existing one is open to every user.
#[cfg(unix)]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    match std::fs::metadata(dir) {
        Ok(meta) => {
            if meta.permissions().mode() & 0o007 != 0 {
                tracing::warn!(
                    path = %dir.display(),
                    mode = format!("{:o}", meta.permissions().mode() & 0o777),
                    "The state directory is open to every user; its database files are 0600, but consider chmod 700."
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Creates `path` empty with mode 0600 unless it exists, and narrows an existing one to 0600.
/// An empty file is a new database to SQLite, which then keeps the mode.
#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            narrow(path);
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Takes every permission of group and others from an existing file, if it has any.
///
/// This fails when another user owns the file (a one-shot command run as someone else, or a file
/// gone meanwhile): that is logged, not fatal, since the file is then no more open than it was.
#[cfg(unix)]
fn narrow(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = match std::fs::metadata(path) {
        Ok(meta) => meta.permissions().mode(),
        Err(_) => return,
    };
    if mode & 0o077 == 0 {
        return;
    }
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700)) {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{:o}", mode & 0o777),
            error = %e,
            "Cannot narrow a state database file to mode 0600; other users may read it."
        );
    }
}

#[cfg(not(unix))]
fn narrow(_path: &Path) {}

#[cfg(not(unix))]
fn private_file(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

fn to_json<T: Serialize>(v: &T) -> String {
    // Plain data with string keys: serializing cannot fail.
    serde_json::to_string(v).unwrap_or_default()
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS observations (
    id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL, at INTEGER NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS observations_by_time ON observations (pipeline, at);
CREATE TABLE IF NOT EXISTS diagnoses (
    id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL, at INTEGER NOT NULL,
    cause TEXT NOT NULL, severity TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS diagnoses_by_time ON diagnoses (pipeline, at);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL, at INTEGER NOT NULL, channel TEXT NOT NULL,
    notice TEXT NOT NULL, cause TEXT NOT NULL, error TEXT);
CREATE TABLE IF NOT EXISTS alert_state (pipeline TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS silences (
    id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL, until INTEGER NOT NULL,
    reason TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS locks (
    pipeline TEXT PRIMARY KEY, owner TEXT NOT NULL, acquired INTEGER NOT NULL,
    expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS savepoints (
    pipeline TEXT NOT NULL, path TEXT NOT NULL, at INTEGER NOT NULL, json TEXT NOT NULL,
    PRIMARY KEY (pipeline, path));
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL, at INTEGER NOT NULL,
    action TEXT NOT NULL, detail TEXT NOT NULL);
";
