//! The real Oracle collector: the sql/ queries through a small r2d2 pool of `::oracle`
//! connections, every call under a call timeout and the probe under a deadline, credentials
//! tested with one direct login and backed off for minutes after ORA-01017/ORA-28000, and each
//! driver error turned into a message and the right signal (`OracleError::kind`). An ordinary
//! probe runs five statements; the slow facts come from `cache` on their own cadence.

pub mod cache;
pub mod pool;
pub mod queries;
pub mod redo;
pub mod rows;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use cache::{
    Database, Databases, DbClock, DbHead, DbRedo, Fetched, Health, Identity, Stamped, Want,
};
use pool::{DbConnection, DbFailure, Driver, Guarded, Logins, Manager, OracleDriver, Row};
use queries::Prepared;
use rows::RowError;

use super::OracleSource;
use crate::config::OracleConfig;
use crate::observation::{
    ConnectorSession, DatabaseState, OpenTransactions, OracleSnapshot, RecoveryArea,
    RedoAvailability, Signal, TableActivity, TableLogging,
};

/// What kind of trouble an error is: it decides the signal and the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// DPI-1047: no Oracle Client library (the doctor's own setup).
    NoClient,
    /// DPI-1050/DPI-1072 or a client older than 18.1 (the doctor's own setup).
    ClientTooOld,
    /// ORA-12541/12514/12170/12537 …: the database cannot be reached.
    Unreachable,
    /// ORA-01017/ORA-28000: wrong credentials or a locked account.
    Credentials,
    /// ORA-00942/ORA-01031: a grant of sql/grants.sql is missing.
    MissingGrant,
    /// ORA-03113/03114/03135, DPI-1080/1010: the connection died.
    ConnectionDied,
    /// ORA-01013, DPI-1067: a call ran past its timeout.
    TimedOut,
    /// Earlier calls are still stuck past their timeout (the doctor's own trouble).
    Stuck,
    /// A row without the promised shape.
    BadRow,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The doctor's own problem (it says nothing about the database's health): reported as
    /// not collected, never as an unreachable Oracle.
    pub fn is_own_trouble(self) -> bool {
        matches!(
            self,
            ErrorKind::NoClient | ErrorKind::ClientTooOld | ErrorKind::Stuck
        )
    }
}

/// The kind of a driver error, from its ORA and DPI numbers (never from its text).
pub fn classify(ora: Option<i32>, dpi: Option<i32>) -> ErrorKind {
    match (ora, dpi) {
        (_, Some(1047)) => ErrorKind::NoClient,
        (_, Some(1050 | 1072)) => ErrorKind::ClientTooOld,
        (_, Some(1067)) => ErrorKind::TimedOut,
        (_, Some(1080 | 1010)) => ErrorKind::ConnectionDied,
        (Some(1017 | 28000), _) => ErrorKind::Credentials,
        (Some(942 | 1031), _) => ErrorKind::MissingGrant,
        (Some(1013 | 3136 | 12161), _) => ErrorKind::TimedOut,
        (Some(28 | 1012 | 1092 | 3113 | 3114 | 3135 | 12547 | 12570 | 12583), _) => {
            ErrorKind::ConnectionDied
        }
        (
            Some(
                1033 | 1034 | 1089 | 12505 | 12514 | 12526 | 12527 | 12528 | 12537 | 12541 | 12543
                | 12545 | 12170 | 12154,
            ),
            _,
        ) => ErrorKind::Unreachable,
        _ => ErrorKind::Other,
    }
}

/// An Oracle collector error; every message names its target (the connect string, never the
/// password) and, for a query, its sql/ file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OracleError {
    /// DPI-1047.
    #[error("cannot connect to {target}: no Oracle Client library was found (DPI-1047). Install Oracle Instant Client 19 (Basic or Basic Light, https://www.oracle.com/database/technologies/instant-client/downloads.html; 19 reaches databases 11.2 to 23ai) and make it found: run `echo /opt/oracle/instantclient_19_XX > /etc/ld.so.conf.d/oracle-instantclient.conf && ldconfig` as root, or start the doctor with LD_LIBRARY_PATH set to that directory. Driver said: {detail}")]
    NoClient {
        /// The connect string.
        target: String,
        /// The driver's text.
        detail: String,
    },
    /// A client without call timeouts.
    #[error("the Oracle Client library for {target} is too old ({found}): call timeouts need Oracle Client 18.1 or newer, and the doctor never queries without one. Install Oracle Instant Client 19 and put it first in the library path")]
    ClientTooOld {
        /// The connect string.
        target: String,
        /// The client version found, or the driver's text.
        found: String,
    },
    /// The database cannot be reached.
    #[error("cannot reach Oracle at {target}: {detail}")]
    Unreachable {
        /// The connect string.
        target: String,
        /// The driver's text (with its ORA number).
        detail: String,
    },
    /// ORA-01017/ORA-28000.
    #[error("login to {target} failed: {detail}. The doctor makes no login attempt there for {backoff}, so that its retries never lock the account; fix the user or password in the config (ORA-01017) or ask a DBA to unlock the account (ORA-28000)")]
    Credentials {
        /// The connect string.
        target: String,
        /// The driver's text.
        detail: String,
        /// How long nothing connects.
        backoff: String,
    },
    /// ORA-00942/ORA-01031 on a query.
    #[error("sql/{file} on {target}: a grant is missing ({detail}); run the grants sql/grants.sql lists for {file}")]
    MissingGrant {
        /// The query's file.
        file: &'static str,
        /// The connect string.
        target: String,
        /// The driver's text.
        detail: String,
    },
    /// The connection died.
    #[error("{what} on {target}: the connection died ({detail}); it is dropped and replaced")]
    ConnectionDied {
        /// `sql/<file>` or `connecting`.
        what: String,
        /// The connect string.
        target: String,
        /// The driver's text.
        detail: String,
    },
    /// A call ran past its timeout.
    #[error("{what} on {target}: timed out ({detail}); the connection is dropped, not reused")]
    TimedOut {
        /// `sql/<file>` or `connecting`.
        what: String,
        /// The connect string.
        target: String,
        /// What timed out.
        detail: String,
    },
    /// Earlier calls are still stuck.
    #[error("{running} earlier calls to {target} are still running past their timeout: the doctor does not start more (its own trouble, not evidence about Oracle)")]
    Stuck {
        /// The connect string.
        target: String,
        /// How many.
        running: usize,
    },
    /// Any other driver error.
    #[error("{what} on {target}: {detail}")]
    Other {
        /// `sql/<file>` or `connecting`.
        what: String,
        /// The connect string.
        target: String,
        /// The driver's text.
        detail: String,
    },
    /// A row without the promised shape.
    #[error(transparent)]
    Row(#[from] RowError),
}

impl OracleError {
    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OracleError::NoClient { .. } => ErrorKind::NoClient,
            OracleError::ClientTooOld { .. } => ErrorKind::ClientTooOld,
            OracleError::Unreachable { .. } => ErrorKind::Unreachable,
            OracleError::Credentials { .. } => ErrorKind::Credentials,
            OracleError::MissingGrant { .. } => ErrorKind::MissingGrant,
            OracleError::ConnectionDied { .. } => ErrorKind::ConnectionDied,
            OracleError::TimedOut { .. } => ErrorKind::TimedOut,
            OracleError::Stuck { .. } => ErrorKind::Stuck,
            OracleError::Row(_) => ErrorKind::BadRow,
            OracleError::Other { .. } => ErrorKind::Other,
        }
    }

    /// The error for a driver failure while connecting (`file` None) or running `file`.
    pub fn from_failure(
        file: Option<&'static str>,
        target: &str,
        f: &DbFailure,
        backoff: Duration,
    ) -> OracleError {
        let target = target.to_string();
        let detail = f.message.clone();
        let what = file.map_or_else(|| "connecting".to_string(), |f| format!("sql/{f}"));
        match classify(f.ora, f.dpi) {
            ErrorKind::NoClient => OracleError::NoClient { target, detail },
            ErrorKind::ClientTooOld => OracleError::ClientTooOld {
                target,
                found: detail,
            },
            ErrorKind::Unreachable => OracleError::Unreachable { target, detail },
            ErrorKind::Credentials => OracleError::Credentials {
                target,
                detail,
                backoff: humantime::format_duration(backoff).to_string(),
            },
            ErrorKind::MissingGrant => match file {
                Some(file) => OracleError::MissingGrant {
                    file,
                    target,
                    detail,
                },
                None => OracleError::Other {
                    what,
                    target,
                    detail,
                },
            },
            ErrorKind::ConnectionDied => OracleError::ConnectionDied {
                what,
                target,
                detail,
            },
            ErrorKind::TimedOut => OracleError::TimedOut {
                what,
                target,
                detail,
            },
            _ => OracleError::Other {
                what,
                target,
                detail,
            },
        }
    }

    /// The signal a whole probe failing with this error becomes: the doctor's own trouble is
    /// "not collected" (it says nothing about Oracle), the rest is "missing".
    pub fn into_signal<T>(self) -> Signal<T> {
        if self.kind().is_own_trouble() {
            Signal::not_collected(self.to_string())
        } else {
            Signal::missing(self.to_string())
        }
    }
}

/// Adds a connect timeout to a connect string, so that a login never waits on a black-holed
/// network: `?connect_timeout=` for Easy Connect (Plus, Oracle Client 19), `(CONNECT_TIMEOUT=)`
/// in a descriptor. A TNS alias is left alone (set it in tnsnames.ora).
pub fn with_connect_timeout(connect_string: &str, timeout: Duration) -> String {
    let secs = timeout.as_secs().max(1);
    let cs = connect_string.trim();
    let upper = cs.to_ascii_uppercase();
    if upper.contains("CONNECT_TIMEOUT") {
        return cs.to_string();
    }
    if let Some(at) = upper.find("(DESCRIPTION") {
        if let Some(eq) = cs[at..].find('=') {
            let i = at + eq + 1;
            return format!(
                "{}(CONNECT_TIMEOUT={secs})(TRANSPORT_CONNECT_TIMEOUT={secs}){}",
                &cs[..i],
                &cs[i..]
            );
        }
        return cs.to_string();
    }
    if cs.contains('/') || cs.contains(':') {
        let sep = if cs.contains('?') { '&' } else { '?' };
        return format!("{cs}{sep}connect_timeout={secs}&transport_connect_timeout={secs}");
    }
    cs.to_string()
}

/// Tunables of the collector (the defaults suit production; tests shorten them).
#[derive(Debug, Clone)]
pub struct Settings {
    /// A probe never takes longer (keep it below the probe deadline of `collect`).
    pub budget: Duration,
    /// No login for this long after ORA-01017/ORA-28000.
    pub backoff: Duration,
    /// Blocking probes still running past their deadline beyond which no new one starts.
    pub max_stuck: usize,
    /// When the cached redo chain no longer reaches back to the connector's heartbeat SCN (a
    /// missing-redo verdict would rest on it), it is read again at once if older than this.
    pub uncovered_recheck: Duration,
    /// The SCN clock one pipeline read is reused by the others on the same database whose
    /// probes start within this span (never by the same pipeline twice): N pipelines probing
    /// together cost one database.sql, and the reading any of them uses is at most this old.
    pub clock_share: Duration,
}

impl Settings {
    /// The defaults for `cfg`: a budget of the call timeout plus 3 s, a 10-minute backoff.
    pub fn for_config(cfg: &OracleConfig) -> Self {
        Settings {
            budget: cfg.call_timeout + Duration::from_secs(3),
            backoff: Duration::from_secs(600),
            max_stuck: 2,
            uncovered_recheck: Duration::from_secs(60),
            clock_share: Duration::from_secs(1),
        }
    }
}

struct State<D: Driver> {
    pool: Option<r2d2::Pool<Manager<D>>>,
    backoff_until: Option<(Instant, String)>,
}

struct Shared<D: Driver> {
    driver: Arc<D>,
    cfg: OracleConfig,
    target: String,
    settings: Settings,
    logins: Logins,
    state: Mutex<State<D>>,
    /// The database's slow facts, shared with every pipeline on the same database.
    db: Arc<Database>,
    /// This pipeline's slow fact (its tables' supplemental logging), with the database's
    /// identity and container it was read under.
    table_logging: Mutex<Option<Stamped<SlowTables>>>,
    /// Which shared SCN clock reading (`Stamped::seq`) this pipeline used last: two of its
    /// samples never carry the same reading.
    last_clock: Mutex<Option<usize>>,
}

/// table_logging(_cdb).sql's answer and what it was read under.
#[derive(Debug, Clone)]
struct SlowTables {
    logging: Signal<Vec<TableLogging>>,
    health: Health,
    identity: Option<Identity>,
    cdb_root: bool,
}

impl Fetched for SlowTables {
    fn health(&self) -> Health {
        self.health
    }
    fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }
}

impl<D: Driver> Shared<D> {
    fn state(&self) -> std::sync::MutexGuard<'_, State<D>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn failure(&self, file: Option<&'static str>, f: &DbFailure) -> OracleError {
        OracleError::from_failure(file, &self.target, f, self.settings.backoff)
    }

    /// After a credentials error: drop the pool (its retries stop) and connect to nothing
    /// until the backoff ends.
    fn back_off(&self, e: &OracleError) {
        self.logins.locked_out.store(true, Ordering::SeqCst);
        let mut st = self.state();
        if let Some(p) = st.pool.take() {
            pool::drop_off_runtime(p);
        }
        st.backoff_until = Some((Instant::now() + self.settings.backoff, e.to_string()));
    }
}

/// The Oracle collector of one pipeline.
pub struct OracleCollector<D: Driver = OracleDriver> {
    shared: Arc<Shared<D>>,
    stuck: pool::StuckCalls,
}

impl<D: Driver> Drop for OracleCollector<D> {
    fn drop(&mut self) {
        let pool = self.shared.state().pool.take();
        if let Some(p) = pool {
            pool::drop_off_runtime(p);
        }
    }
}

impl OracleCollector<OracleDriver> {
    /// The real collector for `cfg` (nothing connects until the first probe), sharing no slow
    /// facts with other collectors.
    pub fn new(cfg: OracleConfig) -> Self {
        OracleCollector::shared_in(cfg, &Databases::new())
    }

    /// The real collector for `cfg`, sharing the slow facts of its database with the other
    /// collectors of `dbs` that reach it with the same connect string and user.
    pub fn shared_in(cfg: OracleConfig, dbs: &Databases) -> Self {
        let cs = with_connect_timeout(&cfg.connect_string, cfg.call_timeout);
        let driver = OracleDriver::new(&cfg.user, cfg.password.expose(), &cs, cfg.call_timeout);
        let settings = Settings::for_config(&cfg);
        OracleCollector::with_driver_in(cfg, driver, settings, dbs)
    }
}

impl<D: Driver> OracleCollector<D> {
    /// A collector over any driver (tests use one that returns recorded rows and errors),
    /// sharing nothing.
    pub fn with_driver(cfg: OracleConfig, driver: D, settings: Settings) -> Self {
        OracleCollector::with_driver_in(cfg, driver, settings, &Databases::new())
    }

    /// A collector over any driver that shares its database's slow facts through `dbs`.
    pub fn with_driver_in(
        cfg: OracleConfig,
        driver: D,
        settings: Settings,
        dbs: &Databases,
    ) -> Self {
        OracleCollector {
            shared: Arc::new(Shared {
                driver: Arc::new(driver),
                target: cfg.connect_string.clone(),
                db: dbs.get(&cfg.connect_string, &cfg.user),
                cfg,
                settings,
                logins: Logins::default(),
                state: Mutex::new(State {
                    pool: None,
                    backoff_until: None,
                }),
                table_logging: Mutex::new(None),
                last_clock: Mutex::new(None),
            }),
            stuck: pool::StuckCalls::default(),
        }
    }

    /// How many times this collector's database had its slow facts read (by any collector
    /// sharing it).
    pub fn slow_fetches(&self) -> usize {
        self.shared.db.fetches()
    }

    /// Login attempts made so far (each counts toward the account's FAILED_LOGIN_ATTEMPTS).
    pub fn login_attempts(&self) -> usize {
        self.shared.logins.attempts.load(Ordering::SeqCst)
    }

    /// Blocking calls still running.
    pub fn running_calls(&self) -> usize {
        self.stuck.running()
    }

    /// Refuses to start when logins are backed off or too many calls are stuck.
    fn gate(&self) -> Result<(), OracleError> {
        let running = self.stuck.running();
        if running >= self.shared.settings.max_stuck {
            return Err(OracleError::Stuck {
                target: self.shared.target.clone(),
                running,
            });
        }
        let mut st = self.shared.state();
        if let Some((until, why)) = &st.backoff_until {
            let now = Instant::now();
            if now < *until {
                return Err(OracleError::Other {
                    what: "connecting".into(),
                    target: self.shared.target.clone(),
                    detail: format!(
                        "not attempted: logins are suspended for {} more after: {why}",
                        humantime::format_duration(Duration::from_secs(
                            until.saturating_duration_since(now).as_secs()
                        ))
                    ),
                });
            }
            st.backoff_until = None;
            self.shared.logins.locked_out.store(false, Ordering::SeqCst);
        }
        Ok(())
    }

    /// check-config's test: one direct login; the server's and the client's versions. Nothing
    /// is pooled.
    pub async fn test_connection(&self) -> Result<(String, String), OracleError> {
        self.gate()?;
        let shared = self.shared.clone();
        let budget = shared.settings.budget;
        let out = pool::run_blocking(&self.stuck, budget, move || {
            let mut conn = login(&shared)?;
            let (_, _, server) = conn
                .conn
                .server_version()
                .map_err(|f| shared.failure(None, &f))?;
            let (major, minor) = shared
                .driver
                .client_version()
                .map_err(|f| shared.failure(None, &f))?;
            Ok((server.to_string(), format!("{major}.{minor}")))
        })
        .await;
        out.unwrap_or_else(|| {
            Err(OracleError::TimedOut {
                what: "connecting".into(),
                target: self.shared.target.clone(),
                detail: format!(
                    "no answer within {}",
                    humantime::format_duration(self.shared.settings.budget)
                ),
            })
        })
    }
}

/// One audit query's file and its rows, or why it could not be read.
pub type AuditAnswer = (&'static str, Result<Vec<Row>, OracleError>);

impl<D: Driver> OracleCollector<D> {
    /// `audit`'s settings queries (`queries::AUDIT`) on one direct login, each file once, each
    /// with its rows or its own error (one missing grant does not hide the other answers). Err
    /// when no login was possible or the whole run passed its deadline.
    pub async fn audit_queries(&self) -> Result<Vec<AuditAnswer>, OracleError> {
        self.gate()?;
        let shared = self.shared.clone();
        // Each call has its own call timeout; the run as a whole gets one budget per query.
        let budget = shared.settings.budget * (queries::AUDIT.len() as u32 + 1);
        let out = pool::run_blocking(&self.stuck, budget, move || {
            let mut conn = login(&shared)?;
            let cfg = &shared.cfg;
            Ok(queries::AUDIT
                .iter()
                .map(|q| {
                    let p = queries::prepare(*q, &cfg.connector_user, &cfg.captured_tables);
                    let rows = conn
                        .conn
                        .query(&p.sql, &p.binds, cfg.call_timeout)
                        .map_err(|f| shared.failure(Some(q.file), &f));
                    (q.file, rows)
                })
                .collect())
        })
        .await;
        out.unwrap_or_else(|| {
            Err(OracleError::TimedOut {
                what: "the audit queries".into(),
                target: self.shared.target.clone(),
                detail: format!("no answer within {}", humantime::format_duration(budget)),
            })
        })
    }
}

/// Why the kill procedure did not kill a session.
#[derive(Debug, thiserror::Error)]
pub enum KillError {
    /// ORA-20001 from the procedure: the session is not the connector user's.
    #[error("{procedure} refused to kill session {sid},{serial},@{instance}: it is not a session of the connector user (ORA-20001)")]
    NotConnector {
        /// The DBA's kill procedure (`OWNER.NAME`) that refused.
        procedure: String,
        /// The session.
        sid: u32,
        /// Its serial#.
        serial: u32,
        /// Its instance.
        instance: u32,
    },
    /// ORA-20002 from the procedure: the session is gone already.
    #[error("session {sid},{serial},@{instance} no longer exists (ORA-20002 from {procedure})")]
    NoSuchSession {
        /// The DBA's kill procedure (`OWNER.NAME`) that found no such session.
        procedure: String,
        /// The session.
        sid: u32,
        /// Its serial#.
        serial: u32,
        /// Its instance.
        instance: u32,
    },
    /// Any other failure (connecting, a missing grant, a timeout).
    #[error(transparent)]
    Oracle(#[from] OracleError),
}

impl<D: Driver> crate::collectors::control::OracleControl for OracleCollector<D> {
    type Error = KillError;

    /// One direct login and one call: `BEGIN <procedure>(:sid, :serial, :inst); END;`. The
    /// procedure's name is validated by the config (unquoted identifiers only), the numbers
    /// are binds.
    async fn kill_session(
        &self,
        procedure: &str,
        instance: u32,
        sid: u32,
        serial: u32,
    ) -> Result<(), KillError> {
        self.gate()?;
        let shared = self.shared.clone();
        let budget = shared.settings.budget;
        let sql = kill_sql(procedure);
        let binds = vec![
            ("sid".to_string(), sid.to_string()),
            ("serial".to_string(), serial.to_string()),
            ("inst".to_string(), instance.to_string()),
        ];
        let timeout = shared.cfg.call_timeout;
        let out = pool::run_blocking(&self.stuck, budget, move || {
            let mut conn = login(&shared)?;
            Ok::<_, OracleError>(conn.conn.execute(&sql, &binds, timeout))
        })
        .await;
        let called = match out {
            Some(r) => r?,
            None => {
                return Err(KillError::Oracle(OracleError::TimedOut {
                    what: "killing a session".into(),
                    target: self.shared.target.clone(),
                    detail: format!("no answer within {}", humantime::format_duration(budget)),
                }))
            }
        };
        let procedure = procedure.to_string();
        match called {
            Ok(()) => Ok(()),
            Err(f) if f.ora == Some(20001) => Err(KillError::NotConnector {
                procedure,
                sid,
                serial,
                instance,
            }),
            Err(f) if f.ora == Some(20002) => Err(KillError::NoSuchSession {
                procedure,
                sid,
                serial,
                instance,
            }),
            Err(f) => Err(KillError::Oracle(self.shared.failure(None, &f))),
        }
    }
}

/// The PL/SQL block that calls the kill procedure (`procedure` is a validated `OWNER.NAME`).
pub fn kill_sql(procedure: &str) -> String {
    format!("BEGIN {procedure}(:sid, :serial, :inst); END;")
}

/// One direct login, then the client-version check. A credentials error backs off.
fn login<D: Driver>(shared: &Shared<D>) -> Result<Guarded<D::Conn>, OracleError> {
    let manager = Manager::new(shared.driver.clone(), shared.logins.clone());
    let conn = r2d2::ManageConnection::connect(&manager).map_err(|f| {
        let e = shared.failure(None, &f);
        if e.kind() == ErrorKind::Credentials {
            shared.back_off(&e);
        }
        e
    })?;
    let (major, minor) = shared
        .driver
        .client_version()
        .map_err(|f| shared.failure(None, &f))?;
    if (major, minor) < (18, 1) {
        return Err(OracleError::ClientTooOld {
            target: shared.target.clone(),
            found: format!("Oracle Client {major}.{minor}"),
        });
    }
    Ok(conn)
}

/// The parts of a snapshot, filled in as the queries answer.
#[derive(Default)]
struct Parts {
    connected: bool,
    database: Option<Signal<DatabaseState>>,
    recovery_area: Option<Signal<RecoveryArea>>,
    table_logging: Option<Signal<Vec<TableLogging>>>,
    sessions: Option<Signal<Vec<ConnectorSession>>>,
    flush_table_scn: Option<Signal<u64>>,
    redo: Option<Signal<RedoAvailability>>,
    table_activity: Option<Signal<TableActivity>>,
    open_transactions: Option<Signal<OpenTransactions>>,
}

impl Parts {
    fn snapshot(&mut self, unanswered: &str) -> OracleSnapshot {
        fn take<T>(s: &mut Option<Signal<T>>, why: &str) -> Signal<T> {
            s.take().unwrap_or_else(|| Signal::missing(why))
        }
        OracleSnapshot {
            database: take(&mut self.database, unanswered),
            recovery_area: take(&mut self.recovery_area, unanswered),
            table_logging: take(&mut self.table_logging, unanswered),
            sessions: take(&mut self.sessions, unanswered),
            flush_table_scn: take(&mut self.flush_table_scn, unanswered),
            redo: take(&mut self.redo, unanswered),
            table_activity: take(&mut self.table_activity, unanswered),
            open_transactions: take(&mut self.open_transactions, unanswered),
        }
    }
}

fn sig<T>(r: Result<T, OracleError>) -> Signal<T> {
    match r {
        Ok(v) => Signal::observed(v),
        Err(e) => Signal::missing(e.to_string()),
    }
}

enum Conn<D: Driver> {
    Direct(Guarded<D::Conn>),
    Pooled(r2d2::PooledConnection<Manager<D>>),
}

impl<D: Driver> Conn<D> {
    fn guarded(&mut self) -> &mut Guarded<D::Conn> {
        match self {
            Conn::Direct(g) => g,
            Conn::Pooled(p) => p,
        }
    }
}

/// Runs one prepared query under the remaining budget; a timeout or a dead connection marks
/// the connection broken (the pool drops it), as does an answer that came after the deadline.
fn run<D: Driver>(
    shared: &Shared<D>,
    conn: &mut Guarded<D::Conn>,
    p: &Prepared,
    deadline: Instant,
) -> Result<Vec<Row>, OracleError> {
    let skipped = |detail: &str| OracleError::Other {
        what: format!("sql/{}", p.file),
        target: shared.target.clone(),
        detail: format!("not run: {detail}"),
    };
    if conn.broken {
        return Err(skipped(
            "the connection died or timed out on an earlier query",
        ));
    }
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining < Duration::from_millis(20) {
        return Err(skipped("the probe's deadline was reached"));
    }
    let timeout = remaining.min(shared.cfg.call_timeout);
    let out = conn.conn.query(&p.sql, &p.binds, timeout).map_err(|f| {
        let e = shared.failure(Some(p.file), &f);
        if matches!(e.kind(), ErrorKind::ConnectionDied | ErrorKind::TimedOut) {
            conn.broken = true;
        }
        e
    });
    if Instant::now() > deadline {
        conn.broken = true;
    }
    out
}

/// One probe, on a blocking thread: connect (a direct login the first time, the pool after),
/// then the queries, most important first, each part stored as soon as it is known. Every
/// probe reads the connector's sessions and heartbeat, its tables' activity and open
/// transactions (four statements) and the SCN clock (shared for `clock_share` with the other
/// pipelines on the database); the slow facts come from the cache unless `fresh`, a change of
/// the database's identity, or their age asks for them again.
fn probe<D: Driver>(
    shared: &Shared<D>,
    deadline: Instant,
    parts: &Mutex<Parts>,
    fresh: bool,
) -> Result<(), OracleError> {
    let requested = Instant::now();
    let pool = shared.state().pool.clone();
    let mut conn: Conn<D> = match pool {
        None => {
            let c = login(shared)?;
            let wait = shared.cfg.call_timeout;
            let p = pool::build_pool(
                Manager::new(shared.driver.clone(), shared.logins.clone()),
                wait,
            );
            shared.state().pool = Some(p);
            Conn::Direct(c)
        }
        Some(p) => {
            let wait = deadline.saturating_duration_since(Instant::now());
            // Only this checkout's login errors count, never an older one.
            *shared
                .logins
                .last_error
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = None;
            match p.get_timeout(wait.max(Duration::from_millis(10))) {
                Ok(c) => Conn::Pooled(c),
                Err(_) => {
                    // A pool exists only after a successful direct login: dropping it stops
                    // r2d2's background retries, and the next probe tries one login again.
                    if let Some(p) = shared.state().pool.take() {
                        pool::drop_off_runtime(p);
                    }
                    let Some(f) = shared.logins.last_error() else {
                        // No login failed: both connections are held by calls still running.
                        return Err(OracleError::Stuck {
                            target: shared.target.clone(),
                            running: p.state().connections as usize,
                        });
                    };
                    let err = shared.failure(None, &f);
                    if err.kind() == ErrorKind::Credentials {
                        shared.back_off(&err);
                    }
                    return Err(err);
                }
            }
        }
    };
    let lock = || parts.lock().unwrap_or_else(|e| e.into_inner());
    lock().connected = true;
    let g = conn.guarded();
    let cfg = &shared.cfg;
    let prep = |q| queries::prepare(q, &cfg.connector_user, &cfg.captured_tables);

    // The SCN clock, every probe, with log mode and supplemental logging in the same row.
    // Pipelines on one database whose probes run within `clock_share` read it once (the reading
    // any of them uses is at most that old); a pipeline never uses the same reading twice, and
    // a fresh probe (the gate) reads its own.
    let last_clock = || shared.last_clock.lock().unwrap_or_else(|e| e.into_inner());
    let clock_want = Want {
        interval: shared.settings.clock_share,
        not_before: fresh.then_some(requested),
        identity: None,
        newer_than: *last_clock(),
    };
    let clock = shared.db.clock.get(&clock_want, || {
        let rows = run(shared, g, &prep(queries::DATABASE), deadline);
        let identity = rows.as_ref().ok().and_then(|r| rows::identity(r).ok());
        DbClock { rows, identity }
    });
    *last_clock() = Some(clock.seq);
    let db_rows = clock.value.rows.clone();
    let identity = clock.value.identity.clone();
    let want = Want {
        interval: cfg.slow_facts_interval,
        not_before: fresh.then_some(requested),
        identity: identity.clone(),
        newer_than: None,
    };
    let head = shared
        .db
        .head
        .get(&want, || slow_head(shared, g, deadline, identity.clone()));
    let head = &head.value;
    let database = db_rows.and_then(|rows| {
        let dest = head.dest_errors.clone()?;
        Ok(rows::database(&rows, &head.version, &dest, &head.pga)?)
    });
    lock().database = Some(sig(database));

    let sessions = run(shared, g, &prep(queries::SESSIONS), deadline).and_then(|rows| {
        Ok(rows::sessions(
            &rows,
            &cfg.flush_table,
            &cfg.captured_tables,
        )?)
    });
    lock().sessions = Some(sig(sessions));

    let flush = match queries::prepare_flush(&cfg.flush_table) {
        Some(p) => run(shared, g, &p, deadline).and_then(|rows| Ok(rows::flush_scn(&rows)?)),
        None => Err(OracleError::Other {
            what: "sql/flush_scn.sql".into(),
            target: shared.target.clone(),
            detail: format!(
                "not run: the flush table {} is not a plain Oracle identifier",
                cfg.flush_table
            ),
        }),
    };
    lock().flush_table_scn = Some(sig(flush.clone()));

    // A chain that, cached, no longer covers the heartbeat's SCN is what a missing-redo verdict
    // would rest on: read it again at once (at most every `uncovered_recheck`), so that such a
    // verdict never rests on a stale chain.
    let mut redo_want = want.clone();
    if let (Ok(scn), Some(c)) = (&flush, shared.db.redo.peek()) {
        let uncovered = c
            .value
            .redo
            .value()
            .is_some_and(|r| r.threads.iter().any(|t| t.oldest_scn > *scn));
        if uncovered
            && requested.saturating_duration_since(c.at) >= shared.settings.uncovered_recheck
        {
            redo_want.not_before = Some(requested);
        }
    }
    let slow = shared.db.redo.get(&redo_want, || {
        slow_redo(shared, g, deadline, identity.clone())
    });
    let slow = &slow.value;
    lock().redo = Some(slow.redo.clone());

    let logging = table_logging(shared, g, deadline, &want, head.cdb_root);
    lock().table_logging = Some(logging);

    let q = if head.cdb_root {
        queries::TABLE_ACTIVITY_CDB
    } else {
        queries::TABLE_ACTIVITY
    };
    let activity = run(shared, g, &prep(q), deadline)
        .and_then(|rows| Ok(rows::table_activity(q.file, &rows)?));
    lock().table_activity = Some(sig(activity));

    let q = if head.cdb_root {
        queries::OPEN_TRANSACTIONS_CDB
    } else {
        queries::OPEN_TRANSACTIONS
    };
    let open = run(shared, g, &prep(q), deadline)
        .and_then(|rows| Ok(rows::open_transactions(q.file, &rows)?));
    lock().open_transactions = Some(sig(open));

    lock().recovery_area = Some(slow.recovery_area.clone());
    Ok(())
}

/// The first database-level slow facts, read on `g`: the server's version and container,
/// archive destinations in error, the PGA limit. None has a pipeline's binds, so any pipeline
/// on the database may read them for all.
fn slow_head<D: Driver>(
    shared: &Shared<D>,
    g: &mut Guarded<D::Conn>,
    deadline: Instant,
    identity: Option<Identity>,
) -> DbHead {
    let prep = |q| queries::prepare(q, "", &[]);
    let version = g.conn.server_version();
    let (major, version_text) = match &version {
        Ok((major, _, text)) => (*major, text.clone()),
        Err(_) => (0, String::from("unknown")),
    };
    let cdb_root = major >= 12
        && run(shared, g, &prep(queries::CONTAINER), deadline)
            .ok()
            .and_then(|rows| rows.first().cloned())
            .and_then(|r| r.get("CON_ID").cloned().flatten())
            .is_some_and(|id| id.trim() == "1");
    let dest_errors = run(shared, g, &prep(queries::ARCHIVE_DEST_ERRORS), deadline);
    // pga_aggregate_limit is optional (absent on 11g): a failure leaves it unknown.
    let pga = run(shared, g, &prep(queries::PGA_LIMIT), deadline).unwrap_or_default();
    let version_health = if version.is_ok() {
        Health::Complete
    } else {
        Health::Failed
    };
    DbHead {
        major,
        version: version_text,
        cdb_root,
        health: version_health.and(Health::of(&dest_errors)),
        dest_errors,
        pga,
        identity,
    }
}

/// The other database-level slow facts, read on `g`: the redo chain (threads, online logs, the
/// archive chain summarised in SQL, log switches) and the recovery area.
fn slow_redo<D: Driver>(
    shared: &Shared<D>,
    g: &mut Guarded<D::Conn>,
    deadline: Instant,
    identity: Option<Identity>,
) -> DbRedo {
    let prep = |q| queries::prepare(q, "", &[]);
    let redo = (|| -> Result<RedoAvailability, OracleError> {
        let threads = rows::redo_threads(&run(shared, g, &prep(queries::REDO_THREADS), deadline)?)?;
        let online = rows::online_logs(&run(shared, g, &prep(queries::ONLINE_LOGS), deadline)?)?;
        let runs = rows::archive_chain(&run(shared, g, &prep(queries::ARCHIVE_CHAIN), deadline)?)?;
        let threads = redo::available_from_runs(&threads, &online, &runs).map_err(|e| {
            OracleError::Other {
                what: "sql/online_logs.sql".into(),
                target: shared.target.clone(),
                detail: e.to_string(),
            }
        })?;
        let switches = run(shared, g, &prep(queries::LOG_SWITCHES), deadline)
            .ok()
            .and_then(|rows| rows::log_switches(&rows).ok());
        Ok(RedoAvailability {
            threads,
            log_switches_last_hour: switches,
        })
    })();
    let recovery_area = run(shared, g, &prep(queries::RECOVERY_AREA), deadline)
        .and_then(|rows| Ok(rows::recovery_area(&rows)?));
    DbRedo {
        health: Health::of(&redo).and(Health::of(&recovery_area)),
        redo: sig(redo),
        recovery_area: sig(recovery_area),
        identity,
    }
}

/// This pipeline's slow fact, its tables' supplemental logging: from its cache when `want`
/// accepts it and it was read in the same container, else read now.
fn table_logging<D: Driver>(
    shared: &Shared<D>,
    g: &mut Guarded<D::Conn>,
    deadline: Instant,
    want: &Want,
    cdb_root: bool,
) -> Signal<Vec<TableLogging>> {
    let cache = || {
        shared
            .table_logging
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    };
    if let Some(c) = cache().as_ref() {
        if c.value.cdb_root == cdb_root && want.accepts(c) {
            return c.value.logging.clone();
        }
    }
    // Not held during the query: a call stuck past its timeout must not block the next probe.
    let at = Instant::now();
    let cfg = &shared.cfg;
    let q = if cdb_root {
        queries::TABLE_LOGGING_CDB
    } else {
        queries::TABLE_LOGGING
    };
    let p = queries::prepare(q, &cfg.connector_user, &cfg.captured_tables);
    let logging = run(shared, g, &p, deadline)
        .and_then(|rows| Ok(rows::table_logging(q.file, &rows, &cfg.captured_tables)?));
    let health = Health::of(&logging);
    let logging = sig(logging);
    *cache() = Some(Stamped {
        at,
        seq: 0,
        value: SlowTables {
            logging: logging.clone(),
            health,
            identity: want.identity.clone(),
            cdb_root,
        },
    });
    logging
}

impl<D: Driver> OracleSource for OracleCollector<D> {
    async fn observe(&self) -> Signal<OracleSnapshot> {
        self.observe_with(false).await
    }

    async fn observe_fresh(&self) -> Signal<OracleSnapshot> {
        self.observe_with(true).await
    }
}

impl<D: Driver> OracleCollector<D> {
    async fn observe_with(&self, fresh: bool) -> Signal<OracleSnapshot> {
        if let Err(e) = self.gate() {
            return e.into_signal();
        }
        let shared = self.shared.clone();
        let budget = shared.settings.budget;
        let deadline = Instant::now() + budget;
        let parts = Arc::new(Mutex::new(Parts::default()));
        let job_parts = parts.clone();
        let outcome = pool::run_blocking(&self.stuck, budget, move || {
            probe(&shared, deadline, &job_parts, fresh)
        })
        .await;
        let mut parts = parts.lock().unwrap_or_else(|e| e.into_inner());
        let late = format!(
            "no answer from {} within the probe's {} (the call goes on in the background; its connection will be dropped)",
            self.shared.target,
            humantime::format_duration(budget)
        );
        match outcome {
            Some(Ok(())) => Signal::observed(parts.snapshot("not run")),
            Some(Err(e)) => e.into_signal(),
            None if parts.connected => Signal::observed(parts.snapshot(&late)),
            None => Signal::missing(format!("connecting: {late}")),
        }
    }
}

/// Runs every sql/ query once on `conn` with the binds of `cfg`, for the live test and for
/// capturing real rows as fixtures (tests/fixtures/oracle/README.md): each file with its rows
/// or its error. Blocking; call it off the async runtime.
pub fn run_all<C: DbConnection>(
    conn: &mut C,
    cfg: &OracleConfig,
) -> Vec<(&'static str, Result<Vec<Row>, DbFailure>)> {
    let mut out = Vec::new();
    for q in queries::ALL {
        let p = if q.file == queries::FLUSH_SCN.file {
            match queries::prepare_flush(&cfg.flush_table) {
                Some(p) => p,
                None => continue,
            }
        } else {
            queries::prepare(*q, &cfg.connector_user, &cfg.captured_tables)
        };
        out.push((q.file, conn.query(&p.sql, &p.binds, cfg.call_timeout)));
    }
    out
}
