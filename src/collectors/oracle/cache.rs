//! The database-level answers pipelines share: what changes slowly on a database (version and
//! container, archive destinations, PGA limit, recovery area, redo threads, online logs and the
//! archive chain, log switches) is read on its own cadence (`slow_facts_interval`), once for
//! every pipeline that reaches the database with the same connect string and monitoring user
//! (`Databases`), and read at once when asked (the gate) or when the database's identity
//! changed. The SCN clock (database.sql) is shared too, but only for `clock_share` (a second):
//! pipelines whose probes start together read it once, and no pipeline sees the same reading
//! twice.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::pool::Row;
use super::OracleError;
use crate::observation::{RecoveryArea, RedoAvailability, Signal};

/// How long slow facts with a missing grant are reused: a DBA's fix shows within a minute, and
/// a database without the grant is not asked every probe.
const GRANT_RETRY: Duration = Duration::from_secs(60);

/// What identifies the database an answer came from, read every probe with the SCN
/// (database.sql): when it changes (a resetlogs, a failover, a restart into another open mode),
/// cached facts describe another database and are read again at once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    /// `RESETLOGS_CHANGE#`: the incarnation (the archive chain restarts with it).
    pub resetlogs: Option<u64>,
    /// `DATABASE_ROLE`.
    pub role: String,
    /// `OPEN_MODE`.
    pub open_mode: String,
}

/// How good a fetch of slow facts was, which decides how long it is reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Every query answered: reused for the whole interval.
    Complete,
    /// Only missing grants: reused for a minute.
    GrantsMissing,
    /// A query failed otherwise (timeout, dead connection, deadline): read again next probe.
    Failed,
}

impl Health {
    /// The worse of two.
    pub fn and(self, other: Health) -> Health {
        match (self, other) {
            (Health::Failed, _) | (_, Health::Failed) => Health::Failed,
            (Health::GrantsMissing, _) | (_, Health::GrantsMissing) => Health::GrantsMissing,
            _ => Health::Complete,
        }
    }

    /// The health of one query's outcome.
    pub fn of<T>(r: &Result<T, OracleError>) -> Health {
        match r {
            Ok(_) => Health::Complete,
            Err(e) if e.kind() == super::ErrorKind::MissingGrant => Health::GrantsMissing,
            Err(_) => Health::Failed,
        }
    }

    fn reuse_for(self, interval: Duration) -> Duration {
        match self {
            Health::Complete => interval,
            Health::GrantsMissing => interval.min(GRANT_RETRY),
            Health::Failed => Duration::ZERO,
        }
    }
}

/// What a cached value says about itself: how good its fetch was, and which database it saw.
pub trait Fetched {
    /// How good the fetch was.
    fn health(&self) -> Health;
    /// The database it describes, when known.
    fn identity(&self) -> Option<&Identity>;
}

/// database.sql's answer: the SCN clock with the database's own time, log mode, supplemental
/// logging and identity, in one row.
#[derive(Debug, Clone)]
pub struct DbClock {
    /// The rows, or why there are none.
    pub rows: Result<Vec<Row>, OracleError>,
    /// The database the row describes.
    pub identity: Option<Identity>,
}

impl Fetched for DbClock {
    fn health(&self) -> Health {
        Health::of(&self.rows)
    }
    fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }
}

/// The first database-level slow facts: what the database part of a snapshot needs besides the
/// SCN clock, and which query variants apply.
#[derive(Debug, Clone)]
pub struct DbHead {
    /// The server's major version (0 when unknown).
    pub major: u32,
    /// The server's version text.
    pub version: String,
    /// The monitoring session runs in CDB$ROOT (picks the `_cdb` variants).
    pub cdb_root: bool,
    /// archive_dest_errors.sql's rows.
    pub dest_errors: Result<Vec<Row>, OracleError>,
    /// pga_limit.sql's rows (none when unreadable: the limit is optional).
    pub pga: Vec<Row>,
    /// The database these facts describe.
    pub identity: Option<Identity>,
    /// How good the fetch was.
    pub health: Health,
}

/// The other database-level slow facts: the redo chain and the recovery area. Read after the
/// connector's sessions, which matter more when the probe runs short of time.
#[derive(Debug, Clone)]
pub struct DbRedo {
    /// redo_threads.sql, online_logs.sql, archive_chain.sql and log_switches.sql.
    pub redo: Signal<RedoAvailability>,
    /// recovery_area.sql.
    pub recovery_area: Signal<RecoveryArea>,
    /// The database these facts describe.
    pub identity: Option<Identity>,
    /// How good the fetch was.
    pub health: Health,
}

impl Fetched for DbHead {
    fn health(&self) -> Health {
        self.health
    }
    fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }
}

impl Fetched for DbRedo {
    fn health(&self) -> Health {
        self.health
    }
    fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }
}

/// A value and when its fetch started.
#[derive(Debug, Clone)]
pub struct Stamped<T> {
    /// When the fetch started (by tokio's clock).
    pub at: Instant,
    /// Which fetch of its slot it was (1 for the first; 0 outside a slot).
    pub seq: usize,
    /// The value.
    pub value: T,
}

/// What a caller accepts from the cache.
#[derive(Debug, Clone)]
pub struct Want {
    /// The cadence: older facts are read again.
    pub interval: Duration,
    /// Only facts fetched at or after this instant (a fresh read: the gate).
    pub not_before: Option<Instant>,
    /// The database as this probe sees it: facts about another identity are read again.
    pub identity: Option<Identity>,
    /// Only a fetch later than this one (by `Stamped::seq`): the caller used it already.
    pub newer_than: Option<usize>,
}

impl Want {
    /// `cached` is good enough now.
    pub fn accepts<T: Fetched>(&self, cached: &Stamped<T>) -> bool {
        let now = Instant::now();
        if self.not_before.is_some_and(|t| cached.at < t) {
            return false;
        }
        if self.newer_than.is_some_and(|seq| cached.seq <= seq) {
            return false;
        }
        if let (Some(want), Some(have)) = (&self.identity, cached.value.identity()) {
            if want != have {
                return false;
            }
        }
        now.saturating_duration_since(cached.at) < cached.value.health().reuse_for(self.interval)
    }
}

/// One cached value with its single-flight lock.
#[derive(Debug)]
pub struct Slot<T> {
    value: Mutex<Option<Arc<Stamped<T>>>>,
    /// Held while one pipeline reads the value: the others wait for its answer instead of
    /// sending the same queries (a database that hangs would hang their own queries too).
    fetching: Mutex<()>,
    fetches: AtomicUsize,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            value: Mutex::new(None),
            fetching: Mutex::new(()),
            fetches: AtomicUsize::new(0),
        }
    }
}

impl<T: Fetched> Slot<T> {
    /// The value: cached when `want` accepts it, else read by `fetch` (one caller at a time;
    /// one that waited takes the answer the other read, when `want` accepts it).
    pub fn get(&self, want: &Want, fetch: impl FnOnce() -> T) -> Arc<Stamped<T>> {
        if let Some(c) = self.cached(want) {
            return c;
        }
        let _one = self.fetching.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = self.cached(want) {
            return c;
        }
        let at = Instant::now();
        let seq = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
        let value = Arc::new(Stamped {
            at,
            seq,
            value: fetch(),
        });
        *self.value.lock().unwrap_or_else(|e| e.into_inner()) = Some(value.clone());
        value
    }

    /// The value cached now, whatever its age.
    pub fn peek(&self) -> Option<Arc<Stamped<T>>> {
        self.value.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn cached(&self, want: &Want) -> Option<Arc<Stamped<T>>> {
        let c = self
            .value
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        want.accepts(&c).then_some(c)
    }

    /// How many times the value was read from the database.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// One database (connect string and monitoring user) and its slow facts.
#[derive(Debug, Default)]
pub struct Database {
    /// The SCN clock, shared for `clock_share` only.
    pub clock: Slot<DbClock>,
    /// Version, container, archive destinations, PGA limit.
    pub head: Slot<DbHead>,
    /// Redo chain and recovery area.
    pub redo: Slot<DbRedo>,
}

impl Database {
    /// How many times its slow facts were read (the head and the redo part count once
    /// together: they are read on one cadence).
    pub fn fetches(&self) -> usize {
        self.head.fetches().max(self.redo.fetches())
    }
}

/// The databases the collectors of one process monitor, by (connect string, monitoring user):
/// pipelines on one database share its slow facts. `watch` makes one for all its pipelines.
#[derive(Debug, Default)]
pub struct Databases {
    by_key: Mutex<HashMap<(String, String), Arc<Database>>>,
}

impl Databases {
    /// An empty registry.
    pub fn new() -> Arc<Databases> {
        Arc::new(Databases::default())
    }

    /// The database reached with `connect_string` as `user` (user names compare upper-cased,
    /// as Oracle stores unquoted names).
    pub fn get(&self, connect_string: &str, user: &str) -> Arc<Database> {
        let key = (connect_string.trim().to_string(), user.to_ascii_uppercase());
        self.by_key
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone()
    }

    /// How many distinct databases are known.
    pub fn len(&self) -> usize {
        self.by_key.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// No database is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
