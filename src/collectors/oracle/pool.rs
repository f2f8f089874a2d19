//! The connection layer: the `Driver` seam (the real `::oracle` driver, or a test double that
//! returns recorded rows and errors through the same code path), the small r2d2 pool that marks
//! timed-out and dead connections broken so they are dropped, never reused, and `run_blocking`,
//! the collector's only `spawn_blocking`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One row, column name (upper case, as Oracle reports it) to value as text (NULL is `None`).
/// Every value is read as text so that no SCN passes through a float.
pub type Row = BTreeMap<String, Option<String>>;

/// A failed database call as the driver reported it: the ORA and DPI numbers, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbFailure {
    /// The ORA-nnnnn number, if any.
    pub ora: Option<i32>,
    /// The DPI-nnnn number, if any.
    pub dpi: Option<i32>,
    /// The driver's message (never holds the password: the driver never sees it in text).
    pub message: String,
}

impl fmt::Display for DbFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbFailure {}

/// One open database connection.
pub trait DbConnection: Send + 'static {
    /// Runs `sql` with named `binds` under a call timeout of `timeout`; every column as text.
    fn query(
        &mut self,
        sql: &str,
        binds: &[(String, String)],
        timeout: Duration,
    ) -> Result<Vec<Row>, DbFailure>;
    /// Executes a PL/SQL block or statement with named `binds` under a call timeout.
    fn execute(
        &mut self,
        sql: &str,
        binds: &[(String, String)],
        timeout: Duration,
    ) -> Result<(), DbFailure>;
    /// The server's version as (major, minor, full text), e.g. (19, 0, "19.3.0.0.0").
    fn server_version(&mut self) -> Result<(u32, u32, String), DbFailure>;
    /// The connection is known dead without a round trip.
    fn is_broken(&mut self) -> bool;
}

/// What opens connections: the real Oracle client, or a test double.
pub trait Driver: Send + Sync + 'static {
    /// The connection type.
    type Conn: DbConnection;
    /// Opens one connection (one login attempt).
    fn connect(&self) -> Result<Self::Conn, DbFailure>;
    /// The Oracle Client library's version (major, minor).
    fn client_version(&self) -> Result<(u32, u32), DbFailure>;
}

// ---------------------------------------------------------------------------------------------
// The real driver
// ---------------------------------------------------------------------------------------------

/// The real driver: `::oracle` through `r2d2_oracle`'s connection manager.
#[derive(Debug)]
pub struct OracleDriver {
    manager: r2d2_oracle::OracleConnectionManager,
    call_timeout: Duration,
}

impl OracleDriver {
    /// A driver for `user` at `connect_string` (the connect timeout already in it); every
    /// connection it opens gets `call_timeout` before its first round trip.
    pub fn new(user: &str, password: &str, connect_string: &str, call_timeout: Duration) -> Self {
        let mut connector = ::oracle::Connector::new(user, password, connect_string);
        connector.driver_name("logminer-doctor");
        OracleDriver {
            manager: r2d2_oracle::OracleConnectionManager::from_connector(connector),
            call_timeout,
        }
    }
}

fn failure(e: &::oracle::Error) -> DbFailure {
    DbFailure {
        ora: e.oci_code(),
        dpi: e.dpi_code(),
        message: e.to_string(),
    }
}

impl Driver for OracleDriver {
    type Conn = ::oracle::Connection;

    fn connect(&self) -> Result<::oracle::Connection, DbFailure> {
        let conn = r2d2::ManageConnection::connect(&self.manager).map_err(|e| failure(&e))?;
        // Before any round trip (server_version is one): a client older than 18.1 fails here
        // with DPI-1050, which the collector reports as a client too old.
        conn.set_call_timeout(Some(self.call_timeout.max(Duration::from_millis(1))))
            .map_err(|e| failure(&e))?;
        // Tag the session so that a DBA sees whose it is, and the doctor's own never passes for
        // the connector's. A failure here is harmless.
        let _ = conn.set_module("logminer-doctor");
        Ok(conn)
    }

    fn client_version(&self) -> Result<(u32, u32), DbFailure> {
        let v = ::oracle::Version::client().map_err(|e| failure(&e))?;
        Ok((v.major() as u32, v.minor() as u32))
    }
}

impl DbConnection for ::oracle::Connection {
    fn query(
        &mut self,
        sql: &str,
        binds: &[(String, String)],
        timeout: Duration,
    ) -> Result<Vec<Row>, DbFailure> {
        // Per round trip; at least 1 ms (ODPI-C refuses 0, which would mean "no timeout").
        self.set_call_timeout(Some(timeout.max(Duration::from_millis(1))))
            .map_err(|e| failure(&e))?;
        let mut stmt = self
            .statement(sql)
            .fetch_array_size(100)
            .build()
            .map_err(|e| failure(&e))?;
        let named: Vec<(&str, &dyn ::oracle::sql_type::ToSql)> = binds
            .iter()
            .map(|(n, v)| (n.as_str(), v as &dyn ::oracle::sql_type::ToSql))
            .collect();
        let rows = stmt.query_named(&named).map_err(|e| failure(&e))?;
        let names: Vec<String> = rows
            .column_info()
            .iter()
            .map(|c| c.name().to_ascii_uppercase())
            .collect();
        let mut out = Vec::new();
        for row in rows {
            let row = row.map_err(|e| failure(&e))?;
            let mut r = Row::new();
            for (i, name) in names.iter().enumerate() {
                let v: Option<String> = row.get(i).map_err(|e| failure(&e))?;
                r.insert(name.clone(), v);
            }
            out.push(r);
        }
        Ok(out)
    }

    fn execute(
        &mut self,
        sql: &str,
        binds: &[(String, String)],
        timeout: Duration,
    ) -> Result<(), DbFailure> {
        self.set_call_timeout(Some(timeout.max(Duration::from_millis(1))))
            .map_err(|e| failure(&e))?;
        let named: Vec<(&str, &dyn ::oracle::sql_type::ToSql)> = binds
            .iter()
            .map(|(n, v)| (n.as_str(), v as &dyn ::oracle::sql_type::ToSql))
            .collect();
        self.execute_named(sql, &named)
            .map(drop)
            .map_err(|e| failure(&e))
    }

    fn server_version(&mut self) -> Result<(u32, u32, String), DbFailure> {
        let (v, _banner) = ::oracle::Connection::server_version(self).map_err(|e| failure(&e))?;
        Ok((v.major() as u32, v.minor() as u32, v.to_string()))
    }

    fn is_broken(&mut self) -> bool {
        !matches!(self.status(), Ok(::oracle::ConnStatus::Normal))
    }
}

// ---------------------------------------------------------------------------------------------
// The pool
// ---------------------------------------------------------------------------------------------

/// A connection with the doctor's own verdict on it: once a call on it timed out or found it
/// dead, it is broken and r2d2 drops it instead of handing it out again.
pub struct Guarded<C> {
    /// The connection.
    pub conn: C,
    /// Set after a timeout or a dead-connection error.
    pub broken: bool,
}

/// The r2d2 manager: connects through the driver unless logins are locked out, and remembers
/// the last connection error with its codes (r2d2 itself keeps only its text).
pub struct Manager<D: Driver> {
    driver: Arc<D>,
    logins: Logins,
}

/// Login state shared by the collector and its pools.
#[derive(Debug, Clone, Default)]
pub struct Logins {
    /// Set after ORA-01017/ORA-28000: no login is attempted while it is set.
    pub locked_out: Arc<AtomicBool>,
    /// Login attempts made (each one counts toward the account's FAILED_LOGIN_ATTEMPTS).
    pub attempts: Arc<AtomicUsize>,
    /// The last login error, with its codes.
    pub last_error: Arc<Mutex<Option<DbFailure>>>,
}

impl Logins {
    /// The last login error, with its codes.
    pub fn last_error(&self) -> Option<DbFailure> {
        self.last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl<D: Driver> Manager<D> {
    /// A manager over `driver` sharing `logins`.
    pub fn new(driver: Arc<D>, logins: Logins) -> Self {
        Manager { driver, logins }
    }
}

impl<D: Driver> r2d2::ManageConnection for Manager<D> {
    type Connection = Guarded<D::Conn>;
    type Error = DbFailure;

    fn connect(&self) -> Result<Guarded<D::Conn>, DbFailure> {
        // r2d2 retries failed logins from its own threads; after ORA-01017/ORA-28000 this flag
        // makes every retry fail without touching the database, so the account never locks.
        if self.logins.locked_out.load(Ordering::SeqCst) {
            return Err(DbFailure {
                ora: None,
                dpi: None,
                message: "logins are suspended after a failed login".into(),
            });
        }
        self.logins.attempts.fetch_add(1, Ordering::SeqCst);
        match self.driver.connect() {
            Ok(conn) => Ok(Guarded {
                conn,
                broken: false,
            }),
            Err(e) => {
                if matches!(e.ora, Some(1017 | 28000)) {
                    self.logins.locked_out.store(true, Ordering::SeqCst);
                }
                *self
                    .logins
                    .last_error
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(e.clone());
                Err(e)
            }
        }
    }

    fn is_valid(&self, _conn: &mut Guarded<D::Conn>) -> Result<(), DbFailure> {
        // Not a round trip: checkout tests are off (each ping would cost the database a call).
        Ok(())
    }

    fn has_broken(&self, conn: &mut Guarded<D::Conn>) -> bool {
        conn.broken || conn.conn.is_broken()
    }
}

/// The pool: at most 2 connections, none kept when idle for a minute, no checkout ping, and
/// `get` waits at most `wait`.
pub fn build_pool<D: Driver>(manager: Manager<D>, wait: Duration) -> r2d2::Pool<Manager<D>> {
    r2d2::Pool::builder()
        .max_size(2)
        .min_idle(Some(0))
        .idle_timeout(Some(Duration::from_secs(60)))
        .max_lifetime(Some(Duration::from_secs(30 * 60)))
        .test_on_check_out(false)
        .connection_timeout(wait.max(Duration::from_millis(10)))
        .error_handler(Box::new(r2d2::NopErrorHandler))
        .build_unchecked(manager)
}

/// Blocking calls still running past their deadline; `run_blocking` counts them.
#[derive(Debug, Clone, Default)]
pub struct StuckCalls(Arc<AtomicUsize>);

impl StuckCalls {
    /// How many blocking probes are running now.
    pub fn running(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `f` on tokio's blocking pool and waits for it at most `deadline`. `None` when it did not
/// finish in time: the thread goes on (a blocking call cannot be cancelled) and stays counted in
/// `running` until it returns.
pub async fn run_blocking<T: Send + 'static>(
    running: &StuckCalls,
    deadline: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    running.0.fetch_add(1, Ordering::SeqCst);
    let guard = Running(running.0.clone());
    let handle = tokio::task::spawn_blocking(move || {
        let _guard = guard;
        f()
    });
    match tokio::time::timeout(deadline, handle).await {
        Ok(Ok(v)) => Some(v),
        Ok(Err(_)) | Err(_) => None,
    }
}

/// Drops `v` (a pool and its idle connections: closing them is a round trip each) on the
/// blocking pool when a tokio runtime is running, so that no async worker waits on the network.
pub fn drop_off_runtime<T: Send + 'static>(v: T) {
    match tokio::runtime::Handle::try_current() {
        Ok(h) => {
            h.spawn_blocking(move || drop(v));
        }
        Err(_) => drop(v),
    }
}
