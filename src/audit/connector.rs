//! The connector part of `audit`: parses the connector's options from a Flink SQL file
//! (`CREATE TABLE ... WITH ('k' = 'v', ...)`), a Debezium `.properties` file or program arguments
//! (`--key value`), and checks them (`check`, pure) against what Debezium 1.9.8 (embedded by
//! Flink CDC 2.4–3.x) knows and does: unknown names, heartbeat, keepalive, read timeout,
//! continuous mining, the mining strategy, the PDB name, the startup mode, the Oracle version.
//! No I/O here but `load`, which reads the one file it is given.

use std::collections::BTreeMap;
use std::path::Path;

use super::{finding, Finding, Severity, System, NOT_SET};
use crate::lang::Bilingual;

/// How the options were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A Flink SQL `CREATE TABLE ... WITH (...)` with `'connector' = 'oracle-cdc'`: Debezium's
    /// options carry the `debezium.` prefix.
    FlinkSql,
    /// A Debezium / Kafka Connect `.properties` file: every key is Debezium's.
    Properties,
    /// A DataStream job's program arguments (`--key value` or `--key=value`), Flink SQL's names.
    Args,
}

/// One connector's options.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorOptions {
    /// Where they come from: `FILE` or `FILE: table NAME`.
    pub origin: String,
    /// How they were written.
    pub style: Style,
    /// Debezium's options, without the `debezium.` prefix.
    pub debezium: BTreeMap<String, String>,
    /// Flink CDC's own options (`url`, `scan.startup.mode`, ...), for the SQL and args styles.
    pub flink_cdc: BTreeMap<String, String>,
}

/// Why a connector options file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// The file cannot be read.
    #[error("cannot read connector options {path}: {error}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        error: String,
    },
    /// The file is not valid in its format.
    #[error("connector options {path}, line {line}: {what}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// The file holds no Oracle CDC connector.
    #[error("connector options {path}: {what}")]
    NoConnector {
        /// The file.
        path: String,
        /// What was looked for.
        what: String,
    },
}

/// Reads and parses `path`: `.sql` as Flink SQL, `.properties` as Debezium properties, `.args`
/// or `.txt` as program arguments; any other name is recognised by its content.
pub fn load(path: &Path) -> Result<Vec<ConnectorOptions>, OptionsError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| OptionsError::Read {
        path: shown.clone(),
        error: e.to_string(),
    })?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "yaml" | "yml") {
        // Its options nest under source: and would read as nonsense keys.
        return Err(OptionsError::NoConnector {
            path: shown,
            what: "a Flink CDC pipeline YAML is not read yet: give the source's options as a .properties file (Debezium's under debezium.)".into(),
        });
    }
    let style = match ext.as_str() {
        "sql" => Style::FlinkSql,
        "properties" | "conf" => Style::Properties,
        "args" | "txt" => Style::Args,
        _ if text.to_ascii_uppercase().contains("CREATE") => Style::FlinkSql,
        _ if text.trim_start().starts_with("--") => Style::Args,
        _ => Style::Properties,
    };
    parse(&text, style, &shown)
}

/// Parses `text` written in `style` (`origin` names it in errors and findings).
pub fn parse(
    text: &str,
    style: Style,
    origin: &str,
) -> Result<Vec<ConnectorOptions>, OptionsError> {
    match style {
        Style::FlinkSql => parse_sql(text, origin),
        Style::Properties => {
            let map = parse_properties(text);
            if map.is_empty() {
                return Err(OptionsError::NoConnector {
                    path: origin.into(),
                    what: "no key = value line".into(),
                });
            }
            let debezium = map
                .into_iter()
                .map(|(k, v)| (k.strip_prefix("debezium.").unwrap_or(&k).to_string(), v))
                .collect();
            Ok(vec![ConnectorOptions {
                origin: origin.into(),
                style,
                debezium,
                flink_cdc: BTreeMap::new(),
            }])
        }
        Style::Args => {
            let pairs = parse_args(text, origin)?;
            Ok(vec![split_prefixed(origin.into(), Style::Args, pairs)])
        }
    }
}

fn split_prefixed(
    origin: String,
    style: Style,
    pairs: impl IntoIterator<Item = (String, String)>,
) -> ConnectorOptions {
    let mut debezium = BTreeMap::new();
    let mut flink_cdc = BTreeMap::new();
    for (k, v) in pairs {
        match k.strip_prefix("debezium.") {
            Some(d) => debezium.insert(d.to_string(), v),
            None => flink_cdc.insert(k, v),
        };
    }
    ConnectorOptions {
        origin,
        style,
        debezium,
        flink_cdc,
    }
}

/// Java properties: `#`/`!` comments, `key=value`, `key: value` or `key value`, a trailing `\`
/// continues the line.
fn parse_properties(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.trim_start();
        if logical.is_empty() && (line.starts_with('#') || line.starts_with('!')) {
            continue;
        }
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            continue;
        }
        logical.push_str(line);
        let l = std::mem::take(&mut logical);
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        let cut = l.find(['=', ':', ' ', '\t']).unwrap_or(l.len());
        let key = l[..cut].trim().to_string();
        let value = l[cut..]
            .trim_start_matches([' ', '\t'])
            .trim_start_matches(['=', ':'])
            .trim()
            .to_string();
        out.insert(key, value);
    }
    out
}

/// `--key value` / `--key=value` tokens, whitespace-separated, `'...'` or `"..."` quoting.
fn parse_args(text: &str, origin: &str) -> Result<Vec<(String, String)>, OptionsError> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut line = 1;
    let mut in_token = false;
    for ch in text.chars() {
        if ch == '\n' {
            line += 1;
        }
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => cur.push(ch),
            None if ch == '\'' || ch == '"' => {
                quote = Some(ch);
                in_token = true;
            }
            None if ch.is_whitespace() => {
                if in_token {
                    tokens.push(std::mem::take(&mut cur));
                    in_token = false;
                }
            }
            None => {
                cur.push(ch);
                in_token = true;
            }
        }
    }
    if quote.is_some() {
        return Err(OptionsError::Syntax {
            path: origin.into(),
            line,
            what: "a quote is not closed".into(),
        });
    }
    if in_token {
        tokens.push(cur);
    }
    let mut out = Vec::new();
    let mut it = tokens.into_iter().peekable();
    while let Some(t) = it.next() {
        let Some(key) = t.strip_prefix("--") else {
            return Err(OptionsError::Syntax {
                path: origin.into(),
                line: 1,
                what: format!("expected --key, found {t:?}"),
            });
        };
        match key.split_once('=') {
            Some((k, v)) => out.push((k.to_string(), v.to_string())),
            None => {
                let v = match it.peek() {
                    Some(n) if !n.starts_with("--") => it.next().unwrap_or_default(),
                    _ => String::new(),
                };
                out.push((key.to_string(), v));
            }
        }
    }
    if out.is_empty() {
        return Err(OptionsError::NoConnector {
            path: origin.into(),
            what: "no --key value argument".into(),
        });
    }
    Ok(out)
}

/// A token of Flink SQL.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A word or identifier (backquoted ones unquoted).
    Word(String),
    /// A `'...'` string, `''` unescaped.
    Str(String),
    /// Any other character.
    Punct(char),
}

/// Flink SQL's tokens with their lines: `--` and `/* */` comments skipped, strings unescaped.
fn tokenize(text: &str, origin: &str) -> Result<Vec<(Tok, usize)>, OptionsError> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let err = |line: usize, what: &str| OptionsError::Syntax {
        path: origin.into(),
        line,
        what: what.into(),
    };
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '-' && next == Some('-') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let start = line;
            i += 2;
            loop {
                if i + 1 >= c.len() {
                    return Err(err(start, "a /* comment is not closed"));
                }
                if c[i] == '\n' {
                    line += 1;
                }
                if c[i] == '*' && c[i + 1] == '/' {
                    i += 2;
                    break;
                }
                i += 1;
            }
        } else if ch == '\'' || ch == '`' || ch == '"' {
            let start = line;
            let mut s = String::new();
            i += 1;
            loop {
                let Some(&x) = c.get(i) else {
                    return Err(err(start, &format!("a {ch}-quoted text is not closed")));
                };
                if x == '\n' {
                    line += 1;
                }
                if x == ch {
                    if c.get(i + 1) == Some(&ch) {
                        s.push(ch);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                s.push(x);
                i += 1;
            }
            out.push((
                if ch == '\'' {
                    Tok::Str(s)
                } else {
                    Tok::Word(s)
                },
                start,
            ));
        } else if ch.is_alphanumeric() || ch == '_' {
            let mut s = String::new();
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '.') {
                s.push(c[i]);
                i += 1;
            }
            out.push((Tok::Word(s), line));
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    Ok(out)
}

fn is_word(t: &Tok, w: &str) -> bool {
    matches!(t, Tok::Word(x) if x.eq_ignore_ascii_case(w))
}

/// Every `CREATE TABLE` of the file with `'connector' = 'oracle-cdc'`.
fn parse_sql(text: &str, origin: &str) -> Result<Vec<ConnectorOptions>, OptionsError> {
    let toks = tokenize(text, origin)?;
    let mut out = Vec::new();
    let mut tables = 0;
    let statements = toks.split(|(t, _)| *t == Tok::Punct(';'));
    for st in statements {
        let words: Vec<&Tok> = st.iter().map(|(t, _)| t).collect();
        let Some(create) = words.iter().position(|t| is_word(t, "CREATE")) else {
            continue;
        };
        // CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name
        let mut k = create + 1;
        if words.get(k).is_some_and(|t| is_word(t, "TEMPORARY")) {
            k += 1;
        }
        if !words.get(k).is_some_and(|t| is_word(t, "TABLE")) {
            continue;
        }
        tables += 1;
        k += 1;
        if words.get(k).is_some_and(|t| is_word(t, "IF")) {
            k += 3;
        }
        let name = match words.get(k) {
            Some(Tok::Word(n)) => n.clone(),
            _ => "?".into(),
        };
        let line_of = |idx: usize| st.get(idx).map_or(1, |(_, l)| *l);
        // WITH ( at parenthesis depth 0, after the column list.
        let mut depth = 0i32;
        let mut with_at = None;
        for (idx, t) in words.iter().enumerate().skip(k) {
            match t {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => depth -= 1,
                _ if depth == 0 && is_word(t, "WITH") => {
                    with_at = Some(idx);
                    break;
                }
                _ => {}
            }
        }
        let Some(w) = with_at else {
            return Err(OptionsError::Syntax {
                path: origin.into(),
                line: line_of(create),
                what: format!("CREATE TABLE {name} has no WITH (...) clause"),
            });
        };
        if words.get(w + 1) != Some(&&Tok::Punct('(')) {
            return Err(OptionsError::Syntax {
                path: origin.into(),
                line: line_of(w),
                what: format!("CREATE TABLE {name}: WITH is not followed by ("),
            });
        }
        let mut pairs = Vec::new();
        let mut j = w + 2;
        loop {
            match (words.get(j), words.get(j + 1), words.get(j + 2)) {
                (Some(Tok::Str(key)), Some(Tok::Punct('=')), Some(Tok::Str(value))) => {
                    pairs.push((key.trim().to_string(), value.clone()));
                    j += 3;
                }
                (Some(Tok::Punct(')')), _, _) if pairs.is_empty() => break,
                _ => {
                    return Err(OptionsError::Syntax {
                        path: origin.into(),
                        line: line_of(j.min(st.len().saturating_sub(1))),
                        what: format!(
                            "CREATE TABLE {name}: expected 'key' = 'value' in WITH (...)"
                        ),
                    })
                }
            }
            match words.get(j) {
                Some(Tok::Punct(',')) => j += 1,
                Some(Tok::Punct(')')) => break,
                _ => {
                    return Err(OptionsError::Syntax {
                        path: origin.into(),
                        line: line_of(j.min(st.len().saturating_sub(1))),
                        what: format!(
                            "CREATE TABLE {name}: expected , or ) after an option in WITH (...)"
                        ),
                    })
                }
            }
        }
        let is_oracle = pairs
            .iter()
            .any(|(k, v)| k == "connector" && v.trim().eq_ignore_ascii_case("oracle-cdc"));
        if is_oracle {
            out.push(split_prefixed(
                format!("{origin}: table {name}"),
                Style::FlinkSql,
                pairs,
            ));
        }
    }
    if out.is_empty() {
        return Err(OptionsError::NoConnector {
            path: origin.into(),
            what: format!(
                "no CREATE TABLE with 'connector' = 'oracle-cdc' among its {tables} CREATE TABLE statement(s)"
            ),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// What Debezium 1.9.8 knows
// ---------------------------------------------------------------------------------------------

/// The option names Debezium 1.9.8's Oracle connector defines (the version Flink CDC 3.2–3.6
/// embeds, shared/notes/debezium-logminer.md, sources table). Copied as data from
/// debezium/debezium at tag v1.9.8.Final: `debezium-connector-oracle/.../OracleConnectorConfig.java`,
/// `debezium-core/.../config/CommonConnectorConfig.java`,
/// `.../relational/RelationalDatabaseConnectorConfig.java`, `.../jdbc/JdbcConfiguration.java`,
/// `.../heartbeat/Heartbeat.java`, `.../heartbeat/DatabaseHeartbeatImpl.java`,
/// `.../relational/history/{DatabaseHistory,KafkaDatabaseHistory,FileDatabaseHistory}.java`.
pub const DEBEZIUM_1_9_8_OPTIONS: &[&str] = &[
    // OracleConnectorConfig
    "database.pdb.name",
    "database.out.server.name",
    "interval.handling.mode",
    "snapshot.mode",
    "snapshot.locking.mode",
    "database.connection.adapter",
    "log.mining.strategy",
    "log.mining.continuous.mine",
    "snapshot.enhance.predicate.scn",
    "log.mining.transaction.retention.hours",
    "rac.nodes",
    "database.url",
    "log.mining.archive.log.hours",
    "log.mining.batch.size.min",
    "log.mining.batch.size.default",
    "log.mining.batch.size.max",
    "log.mining.view.fetch.size",
    "log.mining.sleep.time.min.ms",
    "log.mining.sleep.time.default.ms",
    "log.mining.sleep.time.max.ms",
    "log.mining.sleep.time.increment.ms",
    "log.mining.archive.log.only.mode",
    "log.mining.archive.log.only.scn.poll.interval.ms",
    "lob.enabled",
    "log.mining.username.exclude.list",
    "log.mining.archive.destination.name",
    "log.mining.buffer.type",
    "log.mining.buffer.location",
    "log.mining.buffer.infinispan.cache.transactions",
    "log.mining.buffer.infinispan.cache.processed_transactions",
    "log.mining.buffer.infinispan.cache.events",
    "log.mining.buffer.infinispan.cache.schema_changes",
    "log.mining.buffer.drop.on.stop",
    "log.mining.scn.gap.detection.gap.size.min",
    "log.mining.scn.gap.detection.time.interval.max.ms",
    "log.mining.session.max.ms",
    // CommonConnectorConfig
    "retriable.restart.connector.wait.ms",
    "tombstones.on.delete",
    "max.queue.size",
    "max.batch.size",
    "poll.interval.ms",
    "max.queue.size.in.bytes",
    "snapshot.delay.ms",
    "snapshot.fetch.size",
    "incremental.snapshot.chunk.size",
    "incremental.snapshot.allow.schema.changes",
    "snapshot.include.collection.list",
    "source.struct.version",
    "sanitize.field.names",
    "provide.transaction.metadata",
    "event.processing.failure.handling.mode",
    "converters",
    "skipped.operations",
    "binary.handling.mode",
    "schema.name.adjustment.mode",
    "query.fetch.size",
    "snapshot.max.threads",
    "signal.data.collection",
    "transaction.topic",
    // RelationalDatabaseConnectorConfig
    "database.server.name",
    "table.ignore.builtin",
    "column.exclude.list",
    "column.blacklist",
    "column.include.list",
    "column.whitelist",
    "message.key.columns",
    "decimal.handling.mode",
    "snapshot.select.statement.overrides",
    "schema.whitelist",
    "schema.blacklist",
    "schema.include.list",
    "schema.exclude.list",
    "database.whitelist",
    "database.include.list",
    "database.blacklist",
    "database.exclude.list",
    "table.blacklist",
    "table.exclude.list",
    "table.whitelist",
    "table.include.list",
    "time.precision.mode",
    "snapshot.lock.timeout.ms",
    "include.schema.changes",
    "include.schema.comments",
    "column.propagate.source.type",
    "datatype.propagate.source.type",
    "unavailable.value.placeholder",
    // JdbcConfiguration (under database.)
    "database.dbname",
    "database.user",
    "database.password",
    "database.hostname",
    "database.port",
    "database.initial.statements",
    "database.connection.factory.class",
    "database.connection.timeout.ms",
    // Heartbeat
    "heartbeat.interval.ms",
    "heartbeat.topics.prefix",
    "heartbeat.action.query",
    // Database history
    "database.history",
    // Kafka Connect's own keys in a connector's properties file.
    "name",
    "connector.class",
    "tasks.max",
    "key.converter",
    "value.converter",
];

/// Prefixes under which Debezium 1.9.8 accepts any name: `database.history.*`, the column
/// masks, per-table snapshot overrides, `driver.*` and `transforms*`/`predicates*`/converters of
/// Kafka Connect.
const OPEN_PREFIXES: &[&str] = &[
    "database.history.",
    "column.mask.",
    "column.truncate.",
    "snapshot.select.statement.overrides.",
    "driver.",
    "transforms",
    "predicates",
    "key.converter.",
    "value.converter.",
    "errors.",
];

/// Options of later Debezium versions that 1.9.8 silently ignores, with the version that added
/// them (shared/notes/debezium-logminer.md §b, §d).
const LATER_OPTIONS: &[(&str, &str)] = &[
    ("database.query.timeout.ms", "2.7.0 (DBZ-7616)"),
    ("errors.max.retries", "2.4.0 (DBZ-6573)"),
    ("log.mining.restart.connection", "2.3.0 (DBZ-6499)"),
    ("log.mining.flush.table.name", "2.3.0 (DBZ-6256)"),
    (
        "log.mining.read.only",
        "3.6 (internal.log.mining.read.only from 2.2.0)",
    ),
    (
        "log.mining.transaction.retention.ms",
        "2.x (1.9.8 has log.mining.transaction.retention.hours)",
    ),
    ("topic.prefix", "2.0 (1.9.8 has database.server.name)"),
];

/// The JDBC driver properties Oracle's thin driver reads from a Debezium `database.*` key (1.9.8
/// hands `database.*` to the driver, shared/notes/debezium-logminer.md §c); any other
/// `database.X` that Debezium does not define is passed on and ignored.
const DRIVER_PROPERTIES: &[&str] = &[
    "database.oracle.jdbc.ReadTimeout",
    "database.oracle.net.CONNECT_TIMEOUT",
    "database.oracle.net.READ_TIMEOUT",
    "database.v$session.program",
    "database.v$session.osuser",
    "database.v$session.machine",
    "database.oracle.jdbc.timezoneAsRegion",
];

/// The `oracle-cdc` table options of Flink CDC 3.6 (apache/flink-cdc at release-3.6.0:
/// `OracleSourceOptions`, `JdbcSourceOptions`, `SourceOptions` and the factory's own). Its factory
/// validates every other option except the `debezium.` ones (`OracleTableSourceFactory`:
/// `helper.validateExcept(DEBEZIUM_OPTIONS_PREFIX)`), so a misspelt table option fails loudly and
/// is not checked here; a misspelt `debezium.` one is silently ignored.
pub const FLINK_CDC_ORACLE_OPTIONS: &[&str] = &[
    "connector",
    "hostname",
    "port",
    "username",
    "password",
    "database-name",
    "schema-name",
    "table-name",
    "url",
    "server-time-zone",
    "scan.startup.mode",
    "scan.startup.specific-offset.file",
    "scan.startup.specific-offset.pos",
    "scan.startup.timestamp-millis",
    "scan.incremental.snapshot.enabled",
    "scan.incremental.snapshot.chunk.size",
    "scan.incremental.snapshot.chunk.key-column",
    "scan.incremental.snapshot.backfill.skip",
    "scan.incremental.snapshot.unbounded-chunk-first.enabled",
    "scan.incremental.close-idle-reader.enabled",
    "scan.newly-added-table.enabled",
    "scan.read-changelog-as-append-only.enabled",
    "scan.snapshot.fetch.size",
    "chunk-meta.group.size",
    "chunk-key.even-distribution.factor.upper-bound",
    "chunk-key.even-distribution.factor.lower-bound",
    "connect.timeout",
    "connect.max-retries",
    "connection.pool.size",
];

/// Oracle major versions Flink CDC's Oracle connector says it supports (see `SRC_VERSION`).
const VALIDATED_VERSIONS: &[u32] = &[11, 12, 19, 21];

const SRC_UNKNOWN: &str = "shared/notes/debezium-logminer.md sources table (Flink CDC 3.2–3.6 embed Debezium 1.9.8) and §d; option names from debezium/debezium v1.9.8.Final OracleConnectorConfig.java, CommonConnectorConfig.java";
const SRC_CONTINUOUS: &str = "shared/notes/debezium-logminer.md §d log.mining.continuous.mine: fails on Oracle 19c with ORA-44609 (flink-cdc#2323, #2050, #1271); shared/notes/oracle-probe.md §1.7: CONTINUOUS_MINE obsolete from 19c";
const SRC_ACTION_QUERY: &str = "shared/notes/debezium-logminer.md §d heartbeat.action.query (code reading, not verified at runtime: the incremental source builds HeartbeatFactory without a connection; same NPE fixed in apache/seatunnel#10278)";
const SRC_HEARTBEAT: &str = "shared/notes/debezium-logminer.md §d heartbeat.interval.ms: without it an idle table keeps an old SCN in Flink state and a restart fails after the log purge (flink-cdc#1036)";
const SRC_KEEPALIVE: &str = "shared/notes/debezium-logminer.md §f: (ENABLE=broken) and net.ipv4.tcp_keepalive_time (Debezium FAQ, https://debezium.io/documentation/reference/stable/connectors/oracle.html); §d: oracle.jdbc.ReadTimeout is the only bound on a blocked read";
const SRC_STRATEGY: &str = "shared/notes/debezium-logminer.md §d log.mining.strategy: redo_log_catalog (1.9.8 default) runs DBMS_LOGMNR_D.BUILD at each session start; Flink CDC FAQ Oracle Q1 recommends online_catalog";
const SRC_PDB: &str = "Debezium Oracle connector docs, database.pdb.name (https://debezium.io/documentation/reference/stable/connectors/oracle.html); shared/notes/oracle-probe.md §1.9 (a CDB's connector user is a common user)";
const SRC_STARTUP: &str = "Flink CDC docs, connectors/flink-sources/oracle-cdc.md (release-3.6.0): latest-offset \"never performs a snapshot ... just reads from the change since the connector was started\"; the data loss on a stateless resubmission is an inference";
const SRC_VERSION: &str = "Flink CDC docs, connectors/flink-sources/overview.md (release-3.6.0): oracle-cdc supports Oracle 11, 12, 19, 21";
const SRC_CONNECTION_TIMEOUT: &str = "shared/notes/debezium-logminer.md §d database.connection.timeout.ms: \"No effect for the Oracle connector\" (its getter is never used by it; it does not bound socket reads)";
const SRC_PREFIX: &str = "apache/flink-cdc#3151 (a maintainer: in Flink SQL Debezium's options need the debezium. prefix, in the DataStream API they do not); OracleTableSourceFactory validates every option but debezium.* (release-3.6.0)";

/// What the connector checks need from Oracle (when it could be read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OracleFacts {
    /// The database's major version.
    pub major: Option<u32>,
    /// The database is a CDB.
    pub cdb: Option<bool>,
    /// The connector user's sessions that mine (LogMiner query, session start or flush): more
    /// than one means several connectors on this database.
    pub mining_sessions: Option<usize>,
}

impl ConnectorOptions {
    /// The name a Debezium option is written under in this style.
    fn dbz_name(&self, key: &str) -> String {
        match self.style {
            Style::Properties => key.to_string(),
            Style::FlinkSql | Style::Args => format!("debezium.{key}"),
        }
    }

    /// The JDBC URL, whichever way it is given.
    fn url(&self) -> Option<&str> {
        self.flink_cdc
            .get("url")
            .or_else(|| self.debezium.get("database.url"))
            .map(String::as_str)
    }

    /// The Flink CDC incremental source reads (the default since Flink CDC 2.x in SQL).
    fn incremental(&self) -> bool {
        match self.style {
            Style::Properties => false,
            Style::FlinkSql | Style::Args => !self
                .flink_cdc
                .get("scan.incremental.snapshot.enabled")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("false")),
        }
    }
}

/// The checks on one connector's options (pure).
pub fn check(o: &ConnectorOptions, db: OracleFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    // Names Debezium 1.9.8 does not know: silently ignored.
    for key in o.debezium.keys() {
        if let Some((_, since)) = LATER_OPTIONS.iter().find(|(k, _)| k == key) {
            out.push(finding(
                System::Connector,
                Severity::Warning,
                "connector.option_from_later_debezium",
                o.dbz_name(key),
                shown(key, &o.debezium[key]),
                Bilingual::new(
                    format!("{key} was added in Debezium {since}; the Debezium 1.9.8 that Flink CDC embeds ignores it without a word, so the protection you expect from it is not there."),
                    format!("{key} 是 Debezium {since} 才加入的；Flink CDC 内嵌的 Debezium 1.9.8 会静默忽略它，你期望的保护并不存在。"),
                ),
                Bilingual::new(
                    format!("remove {}; see the other findings for what 1.9.8 offers instead", o.dbz_name(key)),
                    format!("删除 {}；1.9.8 的替代做法见其他发现", o.dbz_name(key)),
                ),
                SRC_UNKNOWN,
            ));
            continue;
        }
        let known = DEBEZIUM_1_9_8_OPTIONS.contains(&key.as_str())
            || OPEN_PREFIXES.iter().any(|p| key.starts_with(p))
            || DRIVER_PROPERTIES.contains(&key.as_str())
            // Custom converters: `<name>.type` and their own keys, for a name in `converters`.
            || o.debezium.get("converters").is_some_and(|c| {
                c.split(',').any(|n| !n.trim().is_empty() && key.starts_with(&format!("{}.", n.trim())))
            });
        if !known {
            let close = closest(key);
            out.push(finding(
                System::Connector,
                Severity::Warning,
                "connector.unknown_option",
                o.dbz_name(key),
                shown(key, &o.debezium[key]),
                Bilingual::new(
                    format!(
                        "Debezium 1.9.8 has no option {key}: it is silently ignored{}.",
                        close
                            .map(|c| format!(" (did you mean {c}?)"))
                            .unwrap_or_default()
                    ),
                    format!(
                        "Debezium 1.9.8 没有参数 {key}：它会被静默忽略{}。",
                        close
                            .map(|c| format!("（是否想写 {c}？）"))
                            .unwrap_or_default()
                    ),
                ),
                Bilingual::new(
                    match close {
                        Some(c) => format!("rename it to {}", o.dbz_name(c)),
                        None => format!("remove {}", o.dbz_name(key)),
                    },
                    match close {
                        Some(c) => format!("改名为 {}", o.dbz_name(c)),
                        None => format!("删除 {}", o.dbz_name(key)),
                    },
                ),
                SRC_UNKNOWN,
            ));
        }
    }

    // A Debezium option written as a Flink SQL table option, without the prefix: the factory
    // rejects the table. (A DataStream job's own arguments may legitimately carry Debezium's
    // names unprefixed, for its code to put into debeziumProperties: not checked there.)
    if o.style == Style::FlinkSql {
        for (key, value) in &o.flink_cdc {
            if !FLINK_CDC_ORACLE_OPTIONS.contains(&key.as_str())
                && DEBEZIUM_1_9_8_OPTIONS.contains(&key.as_str())
            {
                out.push(finding(
                    System::Connector,
                    Severity::Warning,
                    "connector.missing_debezium_prefix",
                    key,
                    shown(key, value),
                    Bilingual::new(
                        format!("{key} is a Debezium option written without the debezium. prefix: Flink SQL refuses the table (Unsupported options)."),
                        format!("{key} 是 Debezium 参数但缺少 debezium. 前缀：Flink SQL 会拒绝该表（Unsupported options）。"),
                    ),
                    Bilingual::new(
                        format!("'debezium.{key}' = '{}'", shown(key, value)),
                        format!("'debezium.{key}' = '{}'", shown(key, value)),
                    ),
                    SRC_PREFIX,
                ));
            }
        }
    }

    // A timeout that does not bound anything for the Oracle connector.
    if let Some(v) = o.debezium.get("database.connection.timeout.ms") {
        out.push(finding(
            System::Connector,
            Severity::Info,
            "connector.connection_timeout_no_effect",
            o.dbz_name("database.connection.timeout.ms"),
            v,
            Bilingual::new(
                "database.connection.timeout.ms is the wait for a pooled connection; the Oracle connector never uses it, so it bounds neither a login nor a blocked read.",
                "database.connection.timeout.ms 是等待连接池连接的时间；Oracle 连接器从不使用它，既不限制登录也不限制阻塞的读取。",
            ),
            Bilingual::new(
                format!("remove it; bound reads with {} (see the keepalive finding)", o.dbz_name("database.oracle.jdbc.ReadTimeout")),
                format!("删除它；用 {} 限制读取（见 keepalive 相关发现）", o.dbz_name("database.oracle.jdbc.ReadTimeout")),
            ),
            SRC_CONNECTION_TIMEOUT,
        ));
    }

    // log.mining.continuous.mine on 19c+.
    if o.debezium
        .get("log.mining.continuous.mine")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        // Before 19c continuous mining works (deprecated in 12.2); unknown: 19c+ is the norm.
        let on = match db.major {
            Some(m) if m >= 19 => Some(format!("Oracle {m}")),
            Some(_) => None,
            None => Some(String::new()),
        };
        if let Some(on) = on {
            out.push(finding(
                System::Connector,
                Severity::Warning,
                "connector.continuous_mine",
                o.dbz_name("log.mining.continuous.mine"),
                "true",
                Bilingual::new(
                    format!("CONTINUOUS_MINE is obsolete from Oracle 19c: every LogMiner session start fails with ORA-44609{}, so the connector never streams.", if on.is_empty() { " (the database's version was not read)".to_string() } else { format!(" on this {on} database") }),
                    format!("CONTINUOUS_MINE 自 Oracle 19c 起已废弃：每次启动 LogMiner 会话都会报 ORA-44609{}，连接器永远无法开始流式读取。", if on.is_empty() { "（未读取到数据库版本）".to_string() } else { format!("（本库为 {on}）") }),
                ),
                Bilingual::new(
                    format!("remove {} (default false)", o.dbz_name("log.mining.continuous.mine")),
                    format!("删除 {}（默认 false）", o.dbz_name("log.mining.continuous.mine")),
                ),
                SRC_CONTINUOUS,
            ));
        }
    }

    // Heartbeat.
    let interval: u64 = o
        .debezium
        .get("heartbeat.interval.ms")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if interval == 0 {
        out.push(finding(
            System::Connector,
            Severity::Critical,
            "connector.no_heartbeat",
            o.dbz_name("heartbeat.interval.ms"),
            o.debezium
                .get("heartbeat.interval.ms")
                .cloned()
                .unwrap_or_else(|| format!("{NOT_SET} (0)")),
            Bilingual::new(
                "Without heartbeats the offset SCN does not move while the captured tables are quiet; a restart after the redo of that period was purged cannot resume (the resume point is lost).",
                "没有心跳时，捕获的表无变更期间 offset SCN 不会前进；若那段时间的 redo 已被清除，重启将无法恢复（恢复点丢失）。",
            ),
            Bilingual::new(
                format!("{} = 10000", o.dbz_name("heartbeat.interval.ms")),
                format!("{} = 10000", o.dbz_name("heartbeat.interval.ms")),
            ),
            SRC_HEARTBEAT,
        ));
    }
    if o.debezium.contains_key("heartbeat.action.query") && o.incremental() && interval > 0 {
        out.push(finding(
            System::Connector,
            Severity::Warning,
            "connector.heartbeat_action_query_incremental",
            o.dbz_name("heartbeat.action.query"),
            &o.debezium["heartbeat.action.query"],
            Bilingual::new(
                "By code reading (not verified at runtime), Flink CDC's incremental source builds its heartbeat without a database connection, so a heartbeat action query is expected to fail there with a NullPointerException.",
                "据代码阅读（未经运行验证），Flink CDC 的增量源构建心跳时没有数据库连接，因此心跳查询预计会以 NullPointerException 失败。",
            ),
            Bilingual::new(
                format!("remove {} (keep heartbeat.interval.ms), or use the legacy source ('scan.incremental.snapshot.enabled' = 'false')", o.dbz_name("heartbeat.action.query")),
                format!("删除 {}（保留 heartbeat.interval.ms），或改用旧版源（'scan.incremental.snapshot.enabled' = 'false'）", o.dbz_name("heartbeat.action.query")),
            ),
            SRC_ACTION_QUERY,
        ));
    }

    // Keepalive and read timeout.
    let keepalive = o.url().is_some_and(|u| {
        u.to_ascii_uppercase()
            .replace(' ', "")
            .contains("(ENABLE=BROKEN)")
    });
    let read_timeout = o.debezium.keys().find(|k| {
        let k = k.to_ascii_lowercase();
        k.ends_with("oracle.jdbc.readtimeout") || k.ends_with("oracle.net.read_timeout")
    });
    match (keepalive, read_timeout) {
        (false, None) => out.push(finding(
            System::Connector,
            Severity::Warning,
            "connector.no_keepalive_no_read_timeout",
            "url / oracle.jdbc.ReadTimeout",
            o.url().map_or_else(|| format!("{NOT_SET} (hostname/port)"), |u| shown("url", u)),
            Bilingual::new(
                "Neither TCP keepalive ((ENABLE=broken) in the URL) nor a driver read timeout is set: when a firewall or load balancer drops the idle connection, the mining call waits forever and the job stays RUNNING with no output.",
                "URL 中没有 TCP keepalive（(ENABLE=broken)），也没有驱动读超时：防火墙或负载均衡器丢弃空闲连接后，挖掘调用会永远等待，作业保持 RUNNING 却没有输出。",
            ),
            Bilingual::new(
                format!("'url' = 'jdbc:oracle:thin:@(DESCRIPTION=(ENABLE=broken)(ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=ORCLPDB1)))' and {} = 600000 (longer than the slowest LogMiner call)", o.dbz_name("database.oracle.jdbc.ReadTimeout")),
                format!("'url' = 'jdbc:oracle:thin:@(DESCRIPTION=(ENABLE=broken)(ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=ORCLPDB1)))'，并设 {} = 600000（长于最慢的 LogMiner 调用）", o.dbz_name("database.oracle.jdbc.ReadTimeout")),
            ),
            SRC_KEEPALIVE,
        )),
        (true, None) => out.push(finding(
            System::Connector,
            Severity::Info,
            "connector.no_read_timeout",
            o.dbz_name("database.oracle.jdbc.ReadTimeout"),
            NOT_SET,
            Bilingual::new(
                "Keepalive is on, but a read that the server never answers (a hung call, a half-open socket the OS keeps) is still unbounded without a driver read timeout; keepalive also needs net.ipv4.tcp_keepalive_time below the firewall's idle timeout.",
                "已启用 keepalive，但没有驱动读超时时，服务器永不应答的读取（挂起的调用、操作系统保留的半开连接）仍然没有上限；keepalive 还要求 net.ipv4.tcp_keepalive_time 低于防火墙的空闲超时。",
            ),
            Bilingual::new(
                format!("{} = 600000", o.dbz_name("database.oracle.jdbc.ReadTimeout")),
                format!("{} = 600000", o.dbz_name("database.oracle.jdbc.ReadTimeout")),
            ),
            SRC_KEEPALIVE,
        )),
        _ => {}
    }

    // Mining strategy.
    let strategy = o.debezium.get("log.mining.strategy");
    if !strategy.is_some_and(|s| s.trim().eq_ignore_ascii_case("online_catalog")) {
        // Several connectors each write the dictionary at each of their session starts.
        let several = db.mining_sessions.filter(|n| *n > 1);
        out.push(finding(
            System::Connector,
            if several.is_some() {
                Severity::Warning
            } else {
                Severity::Info
            },
            "connector.redo_log_catalog",
            o.dbz_name("log.mining.strategy"),
            strategy.cloned().unwrap_or_else(|| format!("{NOT_SET} (redo_log_catalog)")),
            match several {
                Some(n) => Bilingual::new(
                    format!("redo_log_catalog writes the data dictionary into the redo at every session start, and {n} mining sessions of the connector user run on this database: each adds its dictionary builds to the archive volume and starts slowly."),
                    format!("redo_log_catalog 每次会话启动都把数据字典写入 redo，而本库上连接器用户有 {n} 个挖掘会话：每个都在归档量中加入自己的字典构建，启动也更慢。"),
                ),
                None => Bilingual::new(
                    "redo_log_catalog writes the data dictionary into the redo at every session start: more archive volume and slower session starts, which hurts with frequent DDL or several connectors on one database.",
                    "redo_log_catalog 每次会话启动都把数据字典写入 redo：归档量更大、会话启动更慢，DDL 频繁或同库多个连接器时尤其明显。",
                ),
            },
            Bilingual::new(
                format!("{} = online_catalog (when captured tables' DDL is rare)", o.dbz_name("log.mining.strategy")),
                format!("{} = online_catalog（捕获表很少做 DDL 时）", o.dbz_name("log.mining.strategy")),
            ),
            SRC_STRATEGY,
        ));
    }

    // The PDB name on a CDB.
    let pdb = o
        .debezium
        .get("database.pdb.name")
        .or_else(|| o.flink_cdc.get("database.pdb.name"));
    if db.cdb == Some(true) && pdb.is_none() {
        out.push(finding(
            System::Connector,
            Severity::Warning,
            "connector.no_pdb_name",
            o.dbz_name("database.pdb.name"),
            NOT_SET,
            Bilingual::new(
                "The database is a CDB but no PDB is named: the connector mines the root container and the PDB's tables produce no change, so the pipeline looks idle forever.",
                "数据库是 CDB，但未指定 PDB：连接器挖掘的是根容器，PDB 中的表不会产生任何变更，管道看起来永远空闲。",
            ),
            Bilingual::new(
                format!("{} = ORCLPDB1 (the PDB of the captured tables; connect to CDB$ROOT as a common user)", o.dbz_name("database.pdb.name")),
                format!("{} = ORCLPDB1（捕获表所在的 PDB；以公共用户连接 CDB$ROOT）", o.dbz_name("database.pdb.name")),
            ),
            SRC_PDB,
        ));
    }

    // Startup mode.
    if let Some(mode) = o.flink_cdc.get("scan.startup.mode") {
        if mode.trim().eq_ignore_ascii_case("latest-offset") {
            out.push(finding(
                System::Connector,
                Severity::Warning,
                "connector.startup_latest_offset",
                "scan.startup.mode",
                mode,
                Bilingual::new(
                    "latest-offset starts from the current SCN whenever the job starts without state: a resubmission from scratch after a failure skips every change made while it was down.",
                    "latest-offset 在作业无状态启动时从当前 SCN 开始：故障后从头重新提交会跳过停机期间的所有变更。",
                ),
                Bilingual::new(
                    "'scan.startup.mode' = 'initial', and always restart from a checkpoint or savepoint",
                    "'scan.startup.mode' = 'initial'，并始终从检查点或保存点重启",
                ),
                SRC_STARTUP,
            ));
        }
    }

    // The Oracle version.
    if let Some(m) = db.major {
        if !VALIDATED_VERSIONS.contains(&m) {
            out.push(finding(
                System::Connector,
                Severity::Info,
                "connector.oracle_version_not_validated",
                "Oracle version",
                m.to_string(),
                Bilingual::new(
                    format!("Oracle {m} is not among the versions Flink CDC's Oracle connector lists as supported (11, 12, 19, 21)."),
                    format!("Oracle {m} 不在 Flink CDC Oracle 连接器列出的支持版本（11、12、19、21）之内。"),
                ),
                Bilingual::new(
                    "test the pipeline on this version before go-live (LogMiner behaviour changes between releases)",
                    "上线前在该版本上测试管道（不同版本的 LogMiner 行为不同）",
                ),
                SRC_VERSION,
            ));
        }
    }
    // Each setting names the file (and table) it was read from.
    for x in &mut out {
        x.setting = format!("{} ({})", x.setting, o.origin);
    }
    out
}

/// An option's value as the audit may print it: a password is never shown, and a JDBC URL
/// loses the password of its `user/password@` part.
pub fn shown(key: &str, value: &str) -> String {
    let k = key.to_ascii_lowercase();
    // Misspelt names too ("pasword"): anything that looks like a credential.
    if ["passw", "pasw", "pwd", "secret"]
        .iter()
        .any(|p| k.contains(p))
    {
        return "**REDACTED**".into();
    }
    // jdbc:oracle:thin:user/password@host...: the password sits between the first '/' after
    // "thin:" and the '@' (a descriptor URL has no credentials).
    if let Some(at) = value.find('@') {
        if let Some(thin) = value[..at].to_ascii_lowercase().find("thin:") {
            let creds = &value[thin + 5..at];
            if let Some(slash) = creds.find('/') {
                return format!(
                    "{}{}/**REDACTED**{}",
                    &value[..thin + 5],
                    &creds[..slash],
                    &value[at..]
                );
            }
        }
    }
    value.to_string()
}

/// The known option nearest to `key` by edit distance, when it is a likely misspelling (at most
/// 2 edits, or 3 for long names).
fn closest(key: &str) -> Option<&'static str> {
    let limit = if key.len() > 20 { 3 } else { 2 };
    DEBEZIUM_1_9_8_OPTIONS
        .iter()
        .chain(LATER_OPTIONS.iter().map(|(k, _)| k))
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(text: &str) -> Result<Vec<ConnectorOptions>, OptionsError> {
        parse(text, Style::FlinkSql, "t.sql")
    }

    #[test]
    fn sql_with_comments_several_statements_and_quotes() {
        let text = "-- the source\n/* a block\n comment; with a semicolon */\n\
            CREATE TABLE `src` (id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH (\n\
              'connector' = 'oracle-cdc', -- inline\n\
              'hostname' = 'db',\n\
              'debezium.log.mining.strategy' = 'online_catalog',\n\
              'debezium.heartbeat.action.query' = 'UPDATE hb SET ts = SYSDATE WHERE name = ''x'''\n\
            );\n\
            CREATE TABLE sink (id INT) WITH ('connector' = 'filesystem', 'path' = '/out');\n\
            INSERT INTO sink SELECT id FROM src;\n";
        let v = sql(text).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].origin, "t.sql: table src");
        assert_eq!(v[0].debezium["log.mining.strategy"], "online_catalog");
        assert_eq!(
            v[0].debezium["heartbeat.action.query"],
            "UPDATE hb SET ts = SYSDATE WHERE name = 'x'"
        );
        assert_eq!(v[0].flink_cdc["hostname"], "db");
    }

    #[test]
    fn broken_sql_names_the_line() {
        let e = sql("CREATE TABLE t (a INT) WITH (\n'connector' = 'oracle-cdc',\n'x' = 'y\n);")
            .unwrap_err();
        assert!(matches!(e, OptionsError::Syntax { line: 3, .. }), "{e}");
        let e = sql("CREATE TABLE t (a INT) WITH ('connector' 'oracle-cdc');").unwrap_err();
        assert!(e.to_string().contains("expected 'key' = 'value'"), "{e}");
        let e = sql("CREATE TABLE t (a INT) WITH ('connector' = 'kafka');").unwrap_err();
        assert!(matches!(e, OptionsError::NoConnector { .. }), "{e}");
    }

    #[test]
    fn properties_and_args_parse() {
        let p = parse(
            "# c\nname=x\nheartbeat.interval.ms : 10000\ndatabase.url=jdbc:oracle:thin:@\\\n  (DESCRIPTION=(ENABLE=broken))\n",
            Style::Properties,
            "p",
        )
        .unwrap();
        assert_eq!(p[0].debezium["heartbeat.interval.ms"], "10000");
        assert_eq!(
            p[0].debezium["database.url"],
            "jdbc:oracle:thin:@(DESCRIPTION=(ENABLE=broken))"
        );
        let a = parse(
            "--hostname db --debezium.heartbeat.interval.ms=5000 --url 'jdbc:oracle:thin:@x'",
            Style::Args,
            "a",
        )
        .unwrap();
        assert_eq!(a[0].debezium["heartbeat.interval.ms"], "5000");
        assert_eq!(a[0].flink_cdc["url"], "jdbc:oracle:thin:@x");
        assert!(parse("hostname db", Style::Args, "a").is_err());
    }

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(shown("database.pasword", "tiger"), "**REDACTED**");
        assert_eq!(
            shown("url", "jdbc:oracle:thin:scott/tiger@db:1521/ORCL"),
            "jdbc:oracle:thin:scott/**REDACTED**@db:1521/ORCL"
        );
        assert_eq!(
            shown("url", "jdbc:oracle:thin:@(DESCRIPTION=(ENABLE=broken))"),
            "jdbc:oracle:thin:@(DESCRIPTION=(ENABLE=broken))"
        );
        let o = parse(
            "CREATE TABLE t (a INT) WITH ('connector' = 'oracle-cdc', 'url' = 'jdbc:oracle:thin:scott/tiger@db:1521/ORCL', 'debezium.database.pasword' = 'tiger');",
            Style::FlinkSql,
            "t.sql",
        )
        .unwrap();
        let text = format!("{:?}", check(&o[0], OracleFacts::default()));
        assert!(!text.contains("tiger"), "{text}");
    }

    #[test]
    fn misspelt_options_are_named_with_the_likely_name() {
        assert_eq!(closest("log.mining.stratgy"), Some("log.mining.strategy"));
        assert_eq!(
            closest("heartbeat.interval.msec"),
            Some("heartbeat.interval.ms")
        );
        assert_eq!(closest("completely.different"), None);
    }
}
