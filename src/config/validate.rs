//! Raw TOML -> validated [`Config`], reporting every problem in the file at once.
//!
//! Pure: no I/O except `load`'s read of the config file; secrets are read through the injected
//! [`Env`]. Step 1 checks keys and types section by section against the serde mirror in
//! `raw.rs` (serde alone stops at the first error); step 2 checks the values.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::{self, DeserializeOwned, Visitor};
use toml::{Table, Value};
use url::Url;

use super::raw::{
    RawAgent, RawAudit, RawChat, RawConfig, RawEmail, RawFleet, RawFlink, RawFormat, RawMode,
    RawOracle, RawOutput, RawPipeline, RawRemediation, RawResubmit, RawSavepoints, RawScnColumn,
    RawZooKeeper,
};
use super::{
    AgentConfig, AlertsConfig, AuditConfig, ChatConfig, Config, EmailConfig, FleetConfig,
    FlinkConfig, Language, OracleConfig, OutputConfig, OutputFormat, PipelineConfig,
    RemediationConfig, RemediationMode, ResubmitConfig, SavepointsConfig, ScnColumn, Secret,
    SecretSource, SmtpTls, TableName, ZooKeeperConfig,
};
use crate::diagnose::Thresholds;
use crate::lang::{Bilingual, Lang};

/// A problem's message in English and Chinese, formatted with the same arguments: each message
/// is written once, in both languages, where it is found.
macro_rules! say {
    ($en:literal, $zh:literal $(, $arg:expr)* $(,)?) => {
        Bilingual::new(format!($en $(, $arg)*), format!($zh $(, $arg)*))
    };
}

/// Access to the process environment, injected so tests never call `set_var`.
pub trait Env {
    /// The value of environment variable `name`.
    fn var(&self, name: &str) -> Option<String>;
    /// The contents of the file at `path`.
    fn read_file(&self, path: &Path) -> std::io::Result<String>;
}

/// The real environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn read_file(&self, path: &Path) -> std::io::Result<String> {
        crate::limits::read_text_capped(path, crate::limits::SECRET_BYTES)
    }
}

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The key path, e.g. `pipeline[0].flink.jobmanagers[1]`.
    pub key: String,
    /// What is wrong, in both languages.
    pub message: Bilingual,
}

impl ConfigProblem {
    /// `<key>: <message>` in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match lang {
            Lang::En => format!("{}: {}", self.key, self.message.en),
            Lang::Zh => format!("{}：{}", self.key, self.message.zh),
        }
    }
}

/// `<key>: <message>` (English).
impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file has problems.
    #[error("config file {path} has {} problem(s)", problems.len())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<ConfigProblem>,
    },
}

impl ConfigError {
    /// Every problem, one per line as `<file>: <key>: <message>` (for `Read`, one line with the
    /// I/O error). `Display` gives only the summary line, for `error: {err:#}`.
    pub fn report(&self) -> String {
        self.report_in(Lang::En)
    }

    /// [`ConfigError::report`] in `lang`.
    pub fn report_in(&self, lang: Lang) -> String {
        match (self, lang) {
            (ConfigError::Read { path, source }, Lang::En) => {
                format!("{}: cannot read: {source}\n", path.display())
            }
            (ConfigError::Read { path, source }, Lang::Zh) => {
                format!("{}：无法读取：{source}\n", path.display())
            }
            (ConfigError::Invalid { path, problems }, _) => problems
                .iter()
                .map(|p| match lang {
                    Lang::En => format!("{}: {}\n", path.display(), p.render(lang)),
                    Lang::Zh => format!("{}：{}\n", path.display(), p.render(lang)),
                })
                .collect(),
        }
    }
}

pub(super) fn load(path: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
    let text =
        crate::limits::read_text_capped(path, crate::limits::CONFIG_BYTES).map_err(|source| {
            ConfigError::Read {
                path: path.to_owned(),
                source,
            }
        })?;
    from_toml(&text, path, env)
}

/// The problems of a set of thresholds, by the rules a config file's `[pipeline.thresholds]`
/// follows (a support bundle carries its thresholds and is checked the same way on replay).
pub fn threshold_problems(t: &Thresholds, at: &str) -> Vec<ConfigProblem> {
    let mut check = Check {
        problems: Vec::new(),
        env: &ProcessEnv,
        base_dir: PathBuf::new(),
        names: HashMap::new(),
    };
    check.thresholds(t.clone(), at);
    check.problems
}

pub(super) fn from_toml(text: &str, path: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
    let mut check = Check {
        problems: Vec::new(),
        env,
        // Relative paths in the file are relative to the file, not to wherever cron runs us.
        base_dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        names: HashMap::new(),
    };
    let (pipelines, agent) = check.file(text);
    // Keys and types are checked for the whole file before values: regroup by pipeline.
    check.problems.sort_by_key(|p| pipeline_index(&p.key));
    match pipelines {
        Some(pipelines) if check.problems.is_empty() => match agent {
            Some(agent) => Ok(Config {
                path: path.to_owned(),
                pipelines,
                agent,
            }),
            None => Err(ConfigError::Invalid {
                path: path.to_owned(),
                problems: check.problems,
            }),
        },
        _ => Err(ConfigError::Invalid {
            path: path.to_owned(),
            problems: check.problems,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Step 1: keys and types. Each section is checked key by key against its serde mirror, so that
// one bad key is reported and dropped while the rest of the file is still checked.

/// Checks a section's table and returns it with only the keys that deserialize (None when the
/// value is not a table).
type Cleaner = fn(Value, &str, &mut Vec<ConfigProblem>) -> Option<Value>;

/// A table of the file mirrored by a serde type of `raw.rs`.
trait Section: DeserializeOwned {
    /// Sub-tables that are sections of their own, cleaned before their parent.
    const NESTED: &'static [(&'static str, Cleaner)] = &[];
    /// Values for the keys the file leaves out, when the type itself has no serde defaults.
    fn defaults() -> Table {
        Table::new()
    }
}

impl Section for RawPipeline {
    const NESTED: &'static [(&'static str, Cleaner)] = &[
        ("oracle", clean::<RawOracle>),
        ("flink", clean::<RawFlink>),
        ("zookeeper", clean::<RawZooKeeper>),
        ("output", clean::<RawOutput>),
        ("thresholds", clean::<Thresholds>),
        ("remediation", clean::<RawRemediation>),
        ("savepoints", clean::<RawSavepoints>),
    ];
}
impl Section for RawAgent {}
impl Section for RawOracle {}
impl Section for RawFlink {}
impl Section for RawZooKeeper {}
impl Section for RawOutput {}
impl Section for RawResubmit {}
impl Section for RawSavepoints {}
impl Section for RawRemediation {
    const NESTED: &'static [(&'static str, Cleaner)] = &[("resubmit", clean::<RawResubmit>)];
}
impl Section for Thresholds {
    fn defaults() -> Table {
        // Thresholds serializes to TOML (durations as humantime strings); should that ever fail,
        // the final deserialize reports the missing keys instead.
        Table::try_from(Thresholds::default()).unwrap_or_default()
    }
}

fn clean<T: Section>(value: Value, at: &str, problems: &mut Vec<ConfigProblem>) -> Option<Value> {
    let Value::Table(mut table) = value else {
        push(
            problems,
            at,
            say!(
                "expected a table, found {}",
                "应为表（table），实际为 {}",
                value.type_str()
            ),
        );
        return None;
    };
    for (name, nested) in T::NESTED {
        if let Some(sub) = table.remove(*name) {
            if let Some(sub) = nested(sub, &key(at, name), problems) {
                table.insert((*name).to_owned(), sub);
            }
        }
    }
    let known = field_names::<T>();
    let mut kept = T::defaults();
    for (name, value) in table {
        if !known.contains(&name.as_str()) {
            let expected = known.join(", ");
            push(
                problems,
                &key(at, &name),
                say!(
                    "unknown key (expected one of: {expected})",
                    "未知的配置项（可用的有：{expected}）"
                ),
            );
            continue;
        }
        // No key of this file takes a date-time; TOML would hand one to a text key as text.
        if has_datetime(&value) {
            push(
                problems,
                &key(at, &name),
                say!(
                    "a TOML date-time is not a value here; if it is text, write it in quotes",
                    "这里不能使用 TOML 日期时间；如果它是文本，请加上引号"
                ),
            );
            continue;
        }
        // Deserialize the section with only this key (on top of the defaults): every other key
        // is optional or defaulted in `raw.rs`, so an error here is this key's own.
        let mut probe = T::defaults();
        probe.insert(name.clone(), value.clone());
        match T::deserialize(Value::Table(probe)) {
            Ok(_) => {
                kept.insert(name, value);
            }
            Err(e) => push(
                problems,
                &key(at, &name),
                found(&value, &plain(e.message())),
            ),
        }
    }
    Some(Value::Table(kept))
}

fn has_datetime(v: &Value) -> bool {
    match v {
        Value::Datetime(_) => true,
        Value::Array(a) => a.iter().any(has_datetime),
        Value::Table(t) => t.values().any(has_datetime),
        _ => false,
    }
}

/// serde's "invalid type: unit variant, expected …" says nothing of what was written: name the
/// value found instead (a scalar, quoted as written).
fn found(value: &Value, message: &str) -> Bilingual {
    match (message.strip_prefix("invalid type: "), value) {
        (
            Some(rest),
            Value::Boolean(_) | Value::Integer(_) | Value::Float(_) | Value::String(_),
        ) => {
            let expected = rest.find("expected").map_or(rest, |i| &rest[i..]);
            // toml's wording for a name (an enum) expected as text.
            let expected = expected.replace("expected string only", "expected a name in quotes");
            let kind = value.type_str();
            let expected_zh = expected_in_chinese(&expected);
            say!(
                "found {kind} {value}, {expected}",
                "这里写的是 {kind} {value}，{expected_zh}"
            )
        }
        _ => library(message.to_string()),
    }
}

/// What serde or toml expected, in Chinese where the wording is one of the few this file's
/// types produce (else as the library wrote it).
fn expected_in_chinese(expected: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        (
            "expected a duration such as \"90s\", \"5m\" or \"1h 30m\"",
            "应为时长，例如 \"90s\"、\"5m\" 或 \"1h 30m\"",
        ),
        ("expected a whole number >= 0", "应为大于等于 0 的整数"),
        ("expected a whole number", "应为整数"),
        ("expected a number", "应为数字"),
        ("expected a name in quotes", "应为带引号的名称"),
        ("expected a boolean", "应为布尔值（true 或 false）"),
        ("expected a string", "应为带引号的字符串"),
        ("expected a sequence", "应为数组"),
    ];
    WORDS
        .iter()
        .find(|(en, _)| expected.starts_with(en))
        .map(|(en, zh)| format!("{zh}{}", &expected[en.len()..]))
        .unwrap_or_else(|| expected.to_string())
}

/// A message of the TOML parser or of serde (English only, as the library wrote it).
fn library(en: String) -> Bilingual {
    let zh = format!("取值不被接受：{en}");
    Bilingual::new(en, zh)
}

/// A TOML syntax error (the parser's own words).
fn syntax(en: String) -> Bilingual {
    let zh = format!("TOML 语法错误：{en}");
    Bilingual::new(en, zh)
}

/// `clean`, then the section's type (None when it is unusable; the problem is already reported).
fn read<T: Section>(value: Value, at: &str, problems: &mut Vec<ConfigProblem>) -> Option<T> {
    let cleaned = clean::<T>(value, at, problems)?;
    T::deserialize(cleaned)
        .map_err(|e| push(problems, at, library(plain(e.message()))))
        .ok()
}

/// The field names of a serde-derived struct, as serde itself knows them (so the unknown-key
/// check can never disagree with `raw.rs`).
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut fields));
    fields
}

/// A deserializer that only records the field list a derived `Deserialize` hands it.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> de::Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("field names recorded"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

// ---------------------------------------------------------------------------------------------
// Step 2: values. Each check reports its problem and returns None; a section is built only when
// all its checks passed, but every check runs first.

/// The validation pass: collected problems and what secrets and paths need.
struct Check<'a> {
    problems: Vec<ConfigProblem>,
    env: &'a dyn Env,
    base_dir: PathBuf,
    /// Pipeline names seen so far, with the key path of their first use.
    names: HashMap<String, String>,
}

/// The longest duration any setting may have: 366 days.
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 3600);

fn missing_key() -> Bilingual {
    say!("required key is missing", "缺少必填项")
}

fn missing_section() -> Bilingual {
    say!("required section is missing", "缺少必需的配置段")
}

impl Check<'_> {
    fn file(&mut self, text: &str) -> (Option<Vec<PipelineConfig>>, Option<AgentConfig>) {
        let table: Table = match text.parse() {
            Ok(table) => table,
            Err(e) => {
                let at = match e.span() {
                    Some(span) => line_column(text, span.start),
                    None => "(syntax)".to_owned(),
                };
                self.problem(&at, syntax(plain(e.message())));
                return (None, None);
            }
        };
        let known = field_names::<RawConfig>();
        let mut raw = Vec::new();
        let mut raw_agent = None;
        for (name, value) in table {
            match value {
                Value::Array(items) if name == "pipeline" => {
                    for (i, item) in items.into_iter().enumerate() {
                        let at = format!("pipeline[{i}]");
                        raw.push((read::<RawPipeline>(item, &at, &mut self.problems), at));
                    }
                }
                Value::Table(_) if name == "agent" => {
                    raw_agent = Some(read::<RawAgent>(value, "agent", &mut self.problems));
                }
                other if name == "agent" => self.problem(
                    "agent",
                    say!(
                        "expected an [agent] table, found {}",
                        "应为 [agent] 表，实际为 {}",
                        other.type_str()
                    ),
                ),
                other if name == "pipeline" => self.problem(
                    "pipeline",
                    say!(
                        "expected [[pipeline]] entries (an array of tables), found {}",
                        "应为 [[pipeline]] 条目（表数组），实际为 {}",
                        other.type_str()
                    ),
                ),
                _ => self.problem(
                    &name,
                    say!(
                        "unknown key (expected one of: {})",
                        "未知的配置项（可用的有：{}）",
                        known.join(", ")
                    ),
                ),
            }
        }
        if raw.is_empty() && !self.has("pipeline") {
            self.problem(
                "pipeline",
                say!(
                    "no [[pipeline]] entry: at least one is required",
                    "没有 [[pipeline]] 条目：至少需要一个"
                ),
            );
        }
        let pipelines: Vec<_> = raw
            .into_iter()
            .map(|(p, at)| self.pipeline(p?, &at))
            .collect();
        let agent = match raw_agent {
            None => self.agent(RawAgent::default(), "agent"),
            Some(Some(raw)) => self.agent(raw, "agent"),
            Some(None) => None,
        };
        (pipelines.into_iter().collect(), agent)
    }

    fn pipeline(&mut self, raw: RawPipeline, at: &str) -> Option<PipelineConfig> {
        let name = self.name(raw.name, &key(at, "name"));
        let oracle = self.section(raw.oracle, at, "oracle", Self::oracle);
        let flink = self.section(raw.flink, at, "flink", Self::flink);
        let zookeeper = raw
            .zookeeper
            .map(|zk| self.zookeeper(zk, &key(at, "zookeeper")));
        let output = self.section(raw.output, at, "output", Self::output);
        let thresholds =
            self.thresholds(raw.thresholds.unwrap_or_default(), &key(at, "thresholds"));
        let remediation =
            self.remediation(raw.remediation.unwrap_or_default(), &key(at, "remediation"));
        let savepoints =
            self.savepoints(raw.savepoints.unwrap_or_default(), &key(at, "savepoints"));
        let interval = self.positive(raw.interval, &key(at, "interval"));
        let audit = self.audit(raw.audit.unwrap_or_default(), &key(at, "audit"));
        let (savepoints, remediation) = (savepoints?, remediation?);
        Some(PipelineConfig {
            audit: audit?,
            savepoints: SavepointsConfig {
                dir: savepoints.dir.or_else(|| remediation.savepoint_dir.clone()),
                ..savepoints
            },
            interval: interval?,
            name: name?,
            oracle: oracle?,
            flink: flink?,
            zookeeper: optional(zookeeper)?,
            output: output?,
            thresholds: thresholds?,
            remediation,
        })
    }

    fn savepoints(&mut self, raw: RawSavepoints, at: &str) -> Option<SavepointsConfig> {
        let interval = raw.interval.map(|i| self.positive(i, &key(at, "interval")));
        let keep = self.count(raw.keep, &key(at, "keep"));
        let max_age = self.positive(raw.max_age, &key(at, "max_age"));
        let dir = raw.dir.map(|d| self.text(Some(d), &key(at, "dir")));
        Some(SavepointsConfig {
            interval: optional(interval)?,
            keep: keep?,
            max_age: max_age?,
            dir: optional(dir)?,
        })
    }

    /// `[pipeline.audit]`: optional paths, relative to the config file's directory. Whether the
    /// files exist and parse is the audit's business (`audit` exits 3, `watch` reports them as
    /// not read), so that an edit of a SQL file never stops the doctor from starting.
    fn audit(&mut self, raw: RawAudit, at: &str) -> Option<AuditConfig> {
        let connector_options = match raw.connector_options {
            Some(p) => Some(self.path(Some(p), &key(at, "connector_options"))?),
            None => None,
        };
        let sqlnet = match raw.sqlnet {
            Some(p) => Some(self.path(Some(p), &key(at, "sqlnet"))?),
            None => None,
        };
        Some(AuditConfig {
            connector_options,
            sqlnet,
            host_keepalive: raw.host_keepalive,
        })
    }

    fn name(&mut self, raw: Option<String>, at: &str) -> Option<String> {
        let name = self.text(raw, at)?;
        // It becomes a metric label value and part of file names: keep it to a safe alphabet.
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        {
            self.problem(
                at,
                say!(
                    "{name:?}: use only letters, digits, '_', '-' and '.'",
                    "{name:?}：只能使用字母、数字、'_'、'-' 和 '.'"
                ),
            );
            return None;
        }
        if let Some(first) = self.names.get(&name) {
            let msg = say!(
                "duplicate name {name:?} (also used by {first})",
                "名称 {name:?} 重复（{first} 也使用了它）"
            );
            self.problem(at, msg);
            return None;
        }
        self.names.insert(name.clone(), at.to_owned());
        Some(name)
    }

    fn oracle(&mut self, raw: RawOracle, at: &str) -> Option<OracleConfig> {
        let connect_string = self.text(raw.connect_string, &key(at, "connect_string"));
        let user = self.text(raw.user, &key(at, "user"));
        let password = self.password(raw.password_env, raw.password_file, at);
        let at_user = key(at, "connector_user");
        let connector_user = self
            .required(raw.connector_user, &at_user, missing_key())
            .and_then(|u| self.parsed(oracle_identifier(&u), &at_user));
        let flush_table = match raw.flush_table {
            Some(t) => self.parsed(table_name(&t), &key(at, "flush_table")),
            None => connector_user.as_ref().map(|owner| TableName {
                owner: owner.clone(),
                table: "LOG_MINING_FLUSH".to_owned(),
            }),
        };
        let captured_tables = self.list(
            raw.captured_tables,
            &key(at, "captured_tables"),
            |c, t, at| c.parsed(table_name(&t), at),
        );
        let call_timeout = self.positive(raw.call_timeout, &key(at, "call_timeout"));
        let slow_facts_interval =
            self.positive(raw.slow_facts_interval, &key(at, "slow_facts_interval"));
        Some(OracleConfig {
            connect_string: connect_string?,
            user: user?,
            password: password?,
            connector_user: connector_user?,
            flush_table: flush_table?,
            captured_tables: captured_tables?,
            call_timeout: call_timeout?,
            slow_facts_interval: slow_facts_interval?,
        })
    }

    /// Reads the password from the one source configured. Messages name the variable or file,
    /// never the value.
    fn password(&mut self, var: Option<String>, file: Option<String>, at: &str) -> Option<Secret> {
        self.secret(var, file, at, "password")
    }

    /// Reads a secret (`what`: its keys are `{what}_env` and `{what}_file`) from the one source
    /// configured. Messages name the variable or file, never the value.
    fn secret(
        &mut self,
        var: Option<String>,
        file: Option<String>,
        at: &str,
        what: &str,
    ) -> Option<Secret> {
        match (var, file) {
            (Some(_), Some(_)) => {
                self.problem(
                    at,
                    say!(
                        "set {what}_env or {what}_file, not both",
                        "{what}_env 和 {what}_file 只能设置一个"
                    ),
                );
                None
            }
            (None, None) => {
                self.problem(
                    at,
                    say!(
                        "missing {what}_env or {what}_file (one is required)",
                        "缺少 {what}_env 或 {what}_file（必须设置其一）"
                    ),
                );
                None
            }
            (Some(name), None) => {
                let at = key(at, &format!("{what}_env"));
                let name = self.text(Some(name), &at)?;
                // Not echoed: what is written here by mistake is often the password itself.
                let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    let msg = say!(
                        "not an environment variable name (letters, digits and '_'): \
                         name the variable that holds the {what}, not the {what}", "不是环境变量名（字母、数字和 '_'）：请填写保存 {what} 的变量名，而不是 {what} 本身"
                    );
                    self.problem(&at, msg);
                    return None;
                }
                match self.env.var(&name) {
                    Some(value) if !value.is_empty() => {
                        Some(Secret::new(value, SecretSource::Env(name)))
                    }
                    Some(_) => {
                        self.problem(
                            &at,
                            say!(
                                "environment variable {name} is empty",
                                "环境变量 {name} 为空"
                            ),
                        );
                        None
                    }
                    None => {
                        self.problem(
                            &at,
                            say!(
                                "environment variable {name} is not set",
                                "环境变量 {name} 未设置"
                            ),
                        );
                        None
                    }
                }
            }
            (None, Some(file)) => {
                let at = key(at, &format!("{what}_file"));
                let path = self.path(Some(file), &at)?;
                match self.env.read_file(&path) {
                    Ok(text) => {
                        // Files written by `echo` or an editor end with a newline that is not
                        // part of the password.
                        let value = text.trim_end_matches(['\n', '\r']);
                        if value.is_empty() {
                            let msg = say!(
                                "{what} file {} is empty",
                                "{what} 文件 {} 为空",
                                path.display()
                            );
                            self.problem(&at, msg);
                            return None;
                        }
                        Some(Secret::new(value.to_owned(), SecretSource::File(path)))
                    }
                    Err(e) => {
                        let msg = say!(
                            "cannot read {what} file {}: {e}",
                            "无法读取 {what} 文件 {}：{e}",
                            path.display()
                        );
                        self.problem(&at, msg);
                        None
                    }
                }
            }
        }
    }

    /// One chat channel; `signed` says whether the service has a signing secret, `keyword`
    /// whether it has a keyword rule (the others reject those keys, which would do nothing).
    fn chat(&mut self, raw: RawChat, at: &str, signed: bool, keyword: bool) -> Option<ChatConfig> {
        let url = self.parsed(http_url(&raw.url), &key(at, "url"));
        let language = self.language(raw.language, at);
        let secret = if !signed {
            if raw.secret_env.is_some() || raw.secret_file.is_some() {
                self.problem(
                    at,
                    say!(
                        "this service has no signing secret: remove secret_env/secret_file",
                        "该服务不使用签名密钥：请删除 secret_env/secret_file"
                    ),
                );
                None
            } else {
                Some(None)
            }
        } else if raw.secret_env.is_none() && raw.secret_file.is_none() {
            Some(None)
        } else {
            self.secret(raw.secret_env, raw.secret_file, at, "secret")
                .map(Some)
        };
        let kw = match raw.keyword {
            Some(_) if !keyword => {
                self.problem(
                    &key(at, "keyword"),
                    say!(
                        "only DingTalk robots have a keyword rule",
                        "只有钉钉机器人有关键词规则"
                    ),
                );
                None
            }
            Some(k) => self.text(Some(k), &key(at, "keyword")).map(Some),
            None => Some(None),
        };
        Some(ChatConfig {
            url: url?,
            language: language?,
            secret: secret?,
            keyword: kw?,
        })
    }

    fn language(&mut self, raw: Option<String>, at: &str) -> Option<Language> {
        match raw.as_deref() {
            None | Some("en") => Some(Language::En),
            Some("zh") => Some(Language::Zh),
            Some(other) => {
                let msg = say!(
                    "{other:?} is not a language: expected \"en\" or \"zh\"",
                    "{other:?} 不是可用的语言：应为 \"en\" 或 \"zh\""
                );
                self.problem(&key(at, "language"), msg);
                None
            }
        }
    }

    fn email(&mut self, raw: RawEmail, at: &str) -> Option<EmailConfig> {
        let host = self.text(Some(raw.host), &key(at, "host"));
        let tls = match raw.tls.as_deref() {
            None | Some("starttls") => Some(SmtpTls::StartTls),
            Some("implicit") => Some(SmtpTls::Implicit),
            Some("none") => Some(SmtpTls::None),
            Some(other) => {
                let msg = say!(
                    "{other:?} is not a TLS mode: expected \"starttls\", \"implicit\" or \"none\"",
                    "{other:?} 不是 TLS 模式：应为 \"starttls\"、\"implicit\" 或 \"none\""
                );
                self.problem(&key(at, "tls"), msg);
                None
            }
        };
        let port = match raw.port {
            None => tls.map(|t| match t {
                SmtpTls::StartTls => 587,
                SmtpTls::Implicit => 465,
                SmtpTls::None => 25,
            }),
            Some(p) => match u16::try_from(p) {
                Ok(p) if p > 0 => Some(p),
                _ => {
                    self.problem(
                        &key(at, "port"),
                        say!("{p} is not a port (1-65535)", "{p} 不是端口号（1-65535）"),
                    );
                    None
                }
            },
        };
        let password = match (&raw.username, &raw.password_env, &raw.password_file) {
            (None, None, None) => Some(None),
            (None, _, _) => {
                self.problem(
                    at,
                    say!("a password needs a username", "设置了密码就必须设置用户名"),
                );
                None
            }
            (Some(_), _, _) => self
                .password(raw.password_env, raw.password_file, at)
                .map(Some),
        };
        let from = self.parsed(super::mailbox(&raw.from), &key(at, "from"));
        let mut to = Some(Vec::new());
        if raw.to.is_empty() {
            self.problem(
                &key(at, "to"),
                say!("name at least one recipient", "至少填写一个收件人"),
            );
            to = None;
        }
        for (i, r) in raw.to.iter().enumerate() {
            let m = self.parsed(super::mailbox(r), &format!("{}[{i}]", key(at, "to")));
            match (m, to.as_mut()) {
                (Some(m), Some(v)) => v.push(m),
                _ => to = None,
            }
        }
        let language = self.language(raw.language, at);
        let ca_file = match raw.ca_file {
            None => Some(None),
            Some(f) => self.path(Some(f), &key(at, "ca_file")).map(Some),
        };
        if let (Some(Some(f)), Some(SmtpTls::None)) = (&ca_file, tls) {
            let msg = say!(
                "{} is given but tls = \"none\": no certificate is checked without TLS",
                "设置了 {}，但 tls = \"none\"：不使用 TLS 时不会校验证书",
                f.display()
            );
            self.problem(&key(at, "ca_file"), msg);
        }
        Some(EmailConfig {
            ca_file: ca_file?,
            host: host?,
            port: port?,
            tls: tls?,
            username: raw.username,
            password: password?,
            from: from?,
            to: to?,
            language: language?,
        })
    }

    fn flink(&mut self, raw: RawFlink, at: &str) -> Option<FlinkConfig> {
        let jobmanagers = self.list(raw.jobmanagers, &key(at, "jobmanagers"), |c, u, at| {
            c.parsed(jobmanager_url(&u), at)
        });
        let job_name = self.text(raw.job_name, &key(at, "job_name"));
        let source_operator = self.text(Some(raw.source_operator), &key(at, "source_operator"));
        let sink_operator = self.text(Some(raw.sink_operator), &key(at, "sink_operator"));
        let request_timeout = self.positive(raw.request_timeout, &key(at, "request_timeout"));
        Some(FlinkConfig {
            jobmanagers: jobmanagers?,
            job_name: job_name?,
            source_operator: source_operator?,
            sink_operator: sink_operator?,
            request_timeout: request_timeout?,
        })
    }

    fn fleet(&mut self, raw: RawFleet, at: &str) -> Option<FleetConfig> {
        let zookeeper = self.list(raw.zookeeper, &key(at, "zookeeper"), |c, hp, at| {
            c.parsed(host_port(&hp), at)
        });
        let root = if raw.root.starts_with('/') && !raw.root.ends_with('/') {
            Some(raw.root)
        } else {
            self.problem(
                &key(at, "root"),
                say!(
                    "{:?} must start with '/' and not end with one",
                    "{:?} 必须以 '/' 开头且不以 '/' 结尾",
                    raw.root
                ),
            );
            None
        };
        let member = match raw.member {
            Some(m) if m.is_empty() || m.contains('/') || m == "." || m == ".." => {
                self.problem(
                    &key(at, "member"),
                    say!(
                        "{:?} cannot name a ZooKeeper node: give a non-empty name without '/'",
                        "{:?} 不能作为 ZooKeeper 节点名：请给出不含 '/' 的非空名称",
                        m
                    ),
                );
                None
            }
            Some(m) => Some(m),
            None => Some(crate::host::default_member()),
        };
        let session_timeout = self.positive(raw.session_timeout, &key(at, "session_timeout"));
        Some(FleetConfig {
            zookeeper: zookeeper?,
            root: root?,
            member: member?,
            session_timeout: session_timeout?,
        })
    }

    fn zookeeper(&mut self, raw: RawZooKeeper, at: &str) -> Option<ZooKeeperConfig> {
        let quorum = self.list(raw.quorum, &key(at, "quorum"), |c, hp, at| {
            c.parsed(host_port(&hp), at)
        });
        let root = if raw.root.starts_with('/') {
            Some(raw.root)
        } else {
            self.problem(
                &key(at, "root"),
                say!("{:?} must start with '/'", "{:?} 必须以 '/' 开头", raw.root),
            );
            None
        };
        let cluster_id = self.text(Some(raw.cluster_id), &key(at, "cluster_id"));
        let session_timeout = self.positive(raw.session_timeout, &key(at, "session_timeout"));
        Some(ZooKeeperConfig {
            quorum: quorum?,
            root: root?,
            cluster_id: cluster_id?,
            session_timeout: session_timeout?,
        })
    }

    fn output(&mut self, raw: RawOutput, at: &str) -> Option<OutputConfig> {
        let dir = self.path(raw.dir, &key(at, "dir"));
        // Each format has its own keys; the other format's keys are mistakes, not ignored.
        let format = match self.required(raw.format, &key(at, "format"), missing_key()) {
            Some(RawFormat::Csv) => {
                self.only_for(
                    "json",
                    raw.json_scn_pointer.is_some(),
                    at,
                    "json_scn_pointer",
                );
                let at_col = key(at, "csv_scn_column");
                let scn_column = self
                    .required(
                        raw.csv_scn_column,
                        &at_col,
                        say!("required when format = \"csv\"", "format = \"csv\" 时必填"),
                    )
                    .and_then(|c| self.parsed(scn_column(c), &at_col));
                let delimiter = raw.csv_delimiter.as_deref().unwrap_or(",");
                let delimiter = self.parsed(csv_delimiter(delimiter), &key(at, "csv_delimiter"));
                Some(OutputFormat::Csv {
                    scn_column: scn_column?,
                    delimiter: delimiter?,
                })
            }
            Some(RawFormat::Json) => {
                self.only_for("csv", raw.csv_scn_column.is_some(), at, "csv_scn_column");
                self.only_for("csv", raw.csv_delimiter.is_some(), at, "csv_delimiter");
                let at_ptr = key(at, "json_scn_pointer");
                self.required(
                    raw.json_scn_pointer,
                    &at_ptr,
                    say!(
                        "required when format = \"json\"",
                        "format = \"json\" 时必填"
                    ),
                )
                .and_then(|p| self.parsed(json_pointer(p), &at_ptr))
                .map(|scn_pointer| OutputFormat::Json { scn_pointer })
            }
            None => None,
        };
        let rolling_interval = self.bounded(raw.rolling_interval, &key(at, "rolling_interval"));
        Some(OutputConfig {
            dir: dir?,
            format: format?,
            rolling_interval: rolling_interval?,
        })
    }

    fn thresholds(&mut self, t: Thresholds, at: &str) -> Option<Thresholds> {
        let before = self.problems.len();
        // failover_grace and redo_headroom_warning may be 0 (no grace, no early warning); the
        // windows below may not, or every observation would trip them.
        self.positive(t.stall_window, &key(at, "stall_window"));
        self.positive(t.mining_call_gap, &key(at, "mining_call_gap"));
        self.positive(t.long_logminer_call, &key(at, "long_logminer_call"));
        self.positive(t.metric_refresh, &key(at, "metric_refresh"));
        self.bounded(t.failover_grace, &key(at, "failover_grace"));
        self.bounded(t.redo_headroom_warning, &key(at, "redo_headroom_warning"));
        self.at_least_one(t.crash_loop_restarts, &key(at, "crash_loop_restarts"));
        self.at_least_one(t.checkpoint_failures, &key(at, "checkpoint_failures"));
        // Flink reports backpressure as milliseconds per second.
        self.in_range(
            t.backpressure_ms_per_s,
            1000.0,
            &key(at, "backpressure_ms_per_s"),
        );
        let warning = self.in_range(
            t.recovery_area_warning_pct,
            100.0,
            &key(at, "recovery_area_warning_pct"),
        );
        let critical = self.in_range(
            t.recovery_area_critical_pct,
            100.0,
            &key(at, "recovery_area_critical_pct"),
        );
        if warning && critical && t.recovery_area_warning_pct >= t.recovery_area_critical_pct {
            let msg = say!(
                "must be below recovery_area_critical_pct ({})",
                "必须小于 recovery_area_critical_pct（{}）",
                t.recovery_area_critical_pct
            );
            self.problem(&key(at, "recovery_area_warning_pct"), msg);
        }
        self.in_range(t.pga_warning_ratio, 1.0, &key(at, "pga_warning_ratio"));
        (self.problems.len() == before).then_some(t)
    }

    fn remediation(&mut self, raw: RawRemediation, at: &str) -> Option<RemediationConfig> {
        let mode = match raw.mode {
            RawMode::Savepoint => RemediationMode::Savepoint,
            RawMode::AdviseOnly => RemediationMode::AdviseOnly,
        };
        let budget_restarts = self.count(raw.budget_restarts, &key(at, "budget_restarts"));
        let budget_window = self.positive(raw.budget_window, &key(at, "budget_window"));
        let savepoint_dir = raw
            .savepoint_dir
            .map(|dir| self.text(Some(dir), &key(at, "savepoint_dir")));
        if raw.auto && mode == RemediationMode::AdviseOnly {
            self.problem(
                &key(at, "auto"),
                say!(
                    "auto = true contradicts mode = \"advise_only\"",
                    "auto = true 与 mode = \"advise_only\" 矛盾"
                ),
            );
        } else if raw.auto && raw.resubmit.is_none() {
            let msg = say!("auto = true needs [pipeline.remediation.resubmit]: without it a restart can only be advised", "auto = true 需要 [pipeline.remediation.resubmit]：没有它只能给出重启建议");
            self.problem(&key(at, "auto"), msg);
        }
        let resubmit = raw.resubmit.map(|r| self.resubmit(r, &key(at, "resubmit")));
        let kill_procedure = raw
            .kill_procedure
            .map(|k| self.procedure_name(&k, &key(at, "kill_procedure")));
        let stop_timeout = self.positive(raw.stop_timeout, &key(at, "stop_timeout"));
        let running_timeout = self.positive(raw.running_timeout, &key(at, "running_timeout"));
        let verify_timeout = self.positive(raw.verify_timeout, &key(at, "verify_timeout"));
        Some(RemediationConfig {
            mode,
            budget_restarts: budget_restarts?,
            budget_window: budget_window?,
            auto: raw.auto,
            savepoint_dir: optional(savepoint_dir)?,
            resubmit: optional(resubmit)?,
            kill_procedure: optional(kill_procedure)?,
            stop_timeout: stop_timeout?,
            running_timeout: running_timeout?,
            verify_timeout: verify_timeout?,
        })
    }

    /// `OWNER.NAME` of a stored procedure, unquoted identifiers only (it is spliced into the
    /// PL/SQL call, so nothing else may pass), upper-cased as Oracle stores them.
    fn procedure_name(&mut self, name: &str, at: &str) -> Option<String> {
        let ident = |s: &str| {
            let mut chars = s.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '#'))
                && s.len() <= 128
        };
        match name.split_once('.') {
            Some((owner, proc_name)) if ident(owner) && ident(proc_name) => {
                Some(name.to_ascii_uppercase())
            }
            _ => {
                self.problem(
                    at,
                    say!("{name:?} is not OWNER.PROCEDURE (unquoted identifiers: letters, digits, _ $ #), e.g. \"SYSTEM.LMD_KILL_CONNECTOR_SESSION\"", "{name:?} 不是 OWNER.PROCEDURE 形式（不加引号的标识符：字母、数字、_ $ #），例如 \"SYSTEM.LMD_KILL_CONNECTOR_SESSION\""),
                );
                None
            }
        }
    }

    fn resubmit(&mut self, raw: RawResubmit, at: &str) -> Option<ResubmitConfig> {
        let jar = self.path(raw.jar, &key(at, "jar"));
        let entry_class = self.text(raw.entry_class, &key(at, "entry_class"));
        let parallelism = self.count(raw.parallelism, &key(at, "parallelism"));
        let at_id = key(at, "job_id");
        let job_id = self
            .required(raw.job_id, &at_id, missing_key())
            .and_then(|id| {
                if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) {
                    // Flink's REST API prints job ids in lower case; compare like with like.
                    Some(id.to_ascii_lowercase())
                } else {
                    self.problem(
                        &at_id,
                        say!(
                            "{id:?} is not a job id: expected 32 hex digits",
                            "{id:?} 不是 job id：应为 32 位十六进制数"
                        ),
                    );
                    None
                }
            });
        Some(ResubmitConfig {
            jar: jar?,
            entry_class: entry_class?,
            program_args: raw.program_args,
            parallelism: parallelism?,
            job_id: job_id?,
        })
    }

    fn agent(&mut self, raw: RawAgent, at: &str) -> Option<AgentConfig> {
        let listen = self.parsed(
            raw.listen.parse::<std::net::SocketAddr>().map_err(|e| {
                say!(
                    "{:?} is not an address such as 127.0.0.1:9464: {e}",
                    "{:?} 不是 127.0.0.1:9464 这样的地址：{e}",
                    raw.listen
                )
            }),
            &key(at, "listen"),
        );
        let state_dir = self.path(Some(raw.state_dir), &key(at, "state_dir"));
        let concurrency = self.count(raw.concurrency, &key(at, "concurrency"));
        let history_window = self.positive(raw.history_window, &key(at, "history_window"));
        let history_samples = self.count(raw.history_samples, &key(at, "history_samples"));
        if raw.history_samples == 1 {
            // A stall is a statement about progress over time: one observation never decides.
            self.problem(
                &key(at, "history_samples"),
                say!(
                    "must be at least 2: a verdict never rests on one observation",
                    "至少为 2：判定从不只依据一次观测"
                ),
            );
        }
        let retention = self.positive(raw.retention, &key(at, "retention"));
        let retention_count = self.count(raw.retention_count, &key(at, "retention_count"));
        let shutdown_grace = self.positive(raw.shutdown_grace, &key(at, "shutdown_grace"));
        let hold_down = self.count(raw.alert_hold_down, &key(at, "alert_hold_down"));
        let renotify = self.positive(raw.alert_renotify, &key(at, "alert_renotify"));
        let retries = u32::try_from(raw.alert_retries).ok();
        if retries.is_none() {
            self.problem(
                &key(at, "alert_retries"),
                say!(
                    "{} is out of range: must be 0 or more",
                    "{} 超出范围：必须大于等于 0",
                    raw.alert_retries
                ),
            );
        }
        let timeout = self.positive(raw.alert_timeout, &key(at, "alert_timeout"));
        let alertmanager = raw
            .alertmanager_url
            .map(|u| self.parsed(http_url(&u), &key(at, "alertmanager_url")));
        let webhook = raw
            .webhook_url
            .map(|u| self.parsed(http_url(&u), &key(at, "webhook_url")));
        let status_url = raw
            .status_url
            .map(|u| self.parsed(http_url(&u), &key(at, "status_url")));
        let language = self.language(raw.language, at);
        let slack = raw
            .slack
            .map(|c| self.chat(c, &key(at, "slack"), false, false));
        let dingtalk = raw
            .dingtalk
            .map(|c| self.chat(c, &key(at, "dingtalk"), true, true));
        let wecom = raw
            .wecom
            .map(|c| self.chat(c, &key(at, "wecom"), false, false));
        let feishu = raw
            .feishu
            .map(|c| self.chat(c, &key(at, "feishu"), true, false));
        let email = raw.email.map(|c| self.email(c, &key(at, "email")));
        let fleet = raw.fleet.map(|f| self.fleet(f, &key(at, "fleet")));
        let token = (raw.token_env.is_some() || raw.token_file.is_some())
            .then(|| self.secret(raw.token_env, raw.token_file, at, "token"));
        Some(AgentConfig {
            token: match token {
                Some(t) => Some(t?),
                None => None,
            },
            listen: listen?,
            state_dir: state_dir?,
            concurrency: concurrency?,
            history_window: history_window?,
            history_samples: history_samples.filter(|n| n.get() >= 2)?,
            retention: retention?,
            retention_count: retention_count?,
            shutdown_grace: shutdown_grace?,
            language: language?,
            alerts: AlertsConfig {
                hold_down: hold_down?,
                renotify: renotify?,
                retries: retries?,
                timeout: timeout?,
                alertmanager: optional(alertmanager)?,
                webhook: optional(webhook)?,
                status_url: optional(status_url)?,
                slack: optional(slack)?,
                dingtalk: optional(dingtalk)?,
                wecom: optional(wecom)?,
                feishu: optional(feishu)?,
                email: optional(email)?,
            },
            fleet: optional(fleet)?,
        })
    }

    // -- small checks, each reporting its own problem ------------------------------------------

    fn problem(&mut self, at: &str, message: Bilingual) {
        push(&mut self.problems, at, message);
    }

    /// Whether a problem is already reported for exactly this key (a key dropped in step 1 must
    /// not be reported again as missing).
    fn has(&self, at: &str) -> bool {
        self.problems.iter().any(|p| p.key == at)
    }

    fn required<T>(&mut self, value: Option<T>, at: &str, message: Bilingual) -> Option<T> {
        if value.is_none() && !self.has(at) {
            self.problem(at, message);
        }
        value
    }

    fn section<R, T>(
        &mut self,
        raw: Option<R>,
        at: &str,
        name: &str,
        check: fn(&mut Self, R, &str) -> Option<T>,
    ) -> Option<T> {
        let at = key(at, name);
        let raw = self.required(raw, &at, missing_section())?;
        check(self, raw, &at)
    }

    /// A required, non-empty string.
    fn text(&mut self, value: Option<String>, at: &str) -> Option<String> {
        match self.required(value, at, missing_key())? {
            s if s.trim().is_empty() => {
                self.problem(at, say!("must not be empty", "不能为空"));
                None
            }
            s => Some(s),
        }
    }

    /// A required path, relative to the config file's directory.
    fn path(&mut self, value: Option<String>, at: &str) -> Option<PathBuf> {
        let path = PathBuf::from(self.text(value, at)?);
        Some(if path.is_absolute() {
            path
        } else {
            self.base_dir.join(path)
        })
    }

    /// A required, non-empty list whose every element passes `item` (each checked, at `key[i]`).
    fn list<R, T>(
        &mut self,
        value: Option<Vec<R>>,
        at: &str,
        mut item: impl FnMut(&mut Self, R, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let items = self.required(value, at, missing_key())?;
        if items.is_empty() {
            self.problem(at, say!("must list at least one entry", "至少列出一项"));
            return None;
        }
        let checked: Vec<Option<T>> = items
            .into_iter()
            .enumerate()
            .map(|(i, r)| item(self, r, &format!("{at}[{i}]")))
            .collect();
        checked.into_iter().collect()
    }

    fn parsed<T>(&mut self, result: Result<T, Bilingual>, at: &str) -> Option<T> {
        result.map_err(|message| self.problem(at, message)).ok()
    }

    fn positive(&mut self, d: Duration, at: &str) -> Option<Duration> {
        if d.is_zero() {
            self.problem(
                at,
                say!(
                    "must be greater than 0 (e.g. \"30s\")",
                    "必须大于 0（例如 \"30s\"）"
                ),
            );
            return None;
        }
        self.bounded(d, at)
    }

    /// Every duration of the file is at most [`MAX_DURATION`]: no knob of this tool needs more,
    /// and a bound keeps the arithmetic on durations from overflowing (an interval of
    /// "18446744073709551615s" would otherwise panic, or probe once and never again).
    fn bounded(&mut self, d: Duration, at: &str) -> Option<Duration> {
        if d > MAX_DURATION {
            self.problem(
                at,
                say!(
                    "must be at most \"366d\" (a year), not {}",
                    "最多为 \"366d\"（一年），不能是 {}",
                    humantime::format_duration(d)
                ),
            );
            return None;
        }
        Some(d)
    }

    fn at_least_one(&mut self, n: u64, at: &str) {
        if n == 0 {
            self.problem(at, say!("must be at least 1", "至少为 1"));
        }
    }

    fn count(&mut self, n: i64, at: &str) -> Option<NonZeroU32> {
        let count = u32::try_from(n).ok().and_then(NonZeroU32::new);
        if count.is_none() {
            self.problem(
                at,
                say!(
                    "{n} is out of range: must be at least 1",
                    "{n} 超出范围：至少为 1"
                ),
            );
        }
        count
    }

    /// Whether `x` is in `0..=max`.
    fn in_range(&mut self, x: f64, max: f64, at: &str) -> bool {
        let ok = (0.0..=max).contains(&x);
        if !ok {
            self.problem(
                at,
                say!(
                    "{x} is out of range: must be between 0 and {max}",
                    "{x} 超出范围：必须在 0 到 {max} 之间"
                ),
            );
        }
        ok
    }

    /// Reports `name` as set although it belongs to the other output format.
    fn only_for(&mut self, format: &str, is_set: bool, at: &str, name: &str) {
        if is_set {
            self.problem(
                &key(at, name),
                say!(
                    "only valid with format = \"{format}\"",
                    "仅在 format = \"{format}\" 时有效"
                ),
            );
        }
    }
}

/// An optional part's check: absent is fine (`Some(None)`), present but invalid fails (`None`).
fn optional<T>(checked: Option<Option<T>>) -> Option<Option<T>> {
    checked.map_or(Some(None), |value| value.map(Some))
}

fn push(problems: &mut Vec<ConfigProblem>, at: &str, message: Bilingual) {
    problems.push(ConfigProblem {
        key: at.to_owned(),
        message,
    });
}

/// The index of `pipeline[N]...` (None, sorting first, for top-level keys).
fn pipeline_index(key: &str) -> Option<usize> {
    let rest = key.strip_prefix("pipeline[")?;
    rest.split(']').next()?.parse().ok()
}

/// A toml/serde message on one line, in words rather than Rust type names.
fn plain(message: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        (
            "expected a duration",
            "expected a duration such as \"90s\", \"5m\" or \"1h 30m\"",
        ),
        ("expected f64", "expected a number"),
        ("expected i64", "expected a whole number"),
        ("expected u64", "expected a whole number >= 0"),
    ];
    let mut line = message.trim().replace('\n', "; ");
    for (from, to) in WORDS {
        line = line.replace(from, to);
    }
    line
}

fn key(at: &str, name: &str) -> String {
    format!("{at}.{name}")
}

/// `line L, column C` (1-based) of a byte offset, for syntax errors.
fn line_column(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("line {line}, column {column}")
}

/// An unquoted Oracle identifier, upper-cased as Oracle stores it.
fn oracle_identifier(s: &str) -> Result<String, Bilingual> {
    let mut chars = s.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_$#".contains(c))
        && s.len() <= 128;
    if valid {
        Ok(s.to_ascii_uppercase())
    } else if s.starts_with('"') {
        Err(say!(
            "{s:?}: quoted identifiers are not supported, write the name unquoted",
            "{s:?}：不支持加引号的标识符，请写不带引号的名称"
        ))
    } else {
        Err(say!(
            "{s:?} is not a valid Oracle name: a letter, then letters, digits, '_', '$' or '#' \
             (at most 128)", "{s:?} 不是合法的 Oracle 名称：以字母开头，后接字母、数字、'_'、'$' 或 '#'（最多 128 个字符）"
        ))
    }
}

/// `OWNER.TABLE`.
fn table_name(s: &str) -> Result<TableName, Bilingual> {
    let Some((owner, table)) = s.split_once('.') else {
        return Err(say!(
            "{s:?} is not OWNER.TABLE",
            "{s:?} 不是 OWNER.TABLE 形式"
        ));
    };
    Ok(TableName {
        owner: oracle_identifier(owner)?,
        table: oracle_identifier(table)?,
    })
}

/// A JobManager's REST base URL.
fn jobmanager_url(s: &str) -> Result<Url, Bilingual> {
    let shown = super::redact_urls(&format!("{s:?}"));
    let url =
        Url::parse(s).map_err(|e| say!("{shown} is not a URL: {e}", "{shown} 不是 URL：{e}"))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(say!(
            "{shown}: expected an http:// or https:// URL such as http://jm1:8081",
            "{shown}：应为 http:// 或 https:// URL，例如 http://jm1:8081"
        ));
    }
    // URLs are printed in reports and logs; credentials have no place in them.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(say!(
            "must not contain a user name or password",
            "不能包含用户名或密码"
        ));
    }
    Ok(url)
}

fn scn_column(raw: RawScnColumn) -> Result<ScnColumn, Bilingual> {
    match raw {
        RawScnColumn::Name(name) if !name.is_empty() => Ok(ScnColumn::Name(name)),
        RawScnColumn::Index(i) => usize::try_from(i).map(ScnColumn::Index).map_err(|_| {
            say!(
                "{i} is not a column index: must be >= 0",
                "{i} 不是列序号：必须大于等于 0"
            )
        }),
        RawScnColumn::Name(_) => Err(say!("must not be empty", "不能为空")),
    }
}

fn csv_delimiter(s: &str) -> Result<u8, Bilingual> {
    match s.as_bytes() {
        // A quote or a line break would make every row unreadable.
        [b] if b.is_ascii() && !b"\"\r\n".contains(b) => Ok(*b),
        _ => Err(say!(
            "{s:?}: must be exactly one ASCII character (not a quote or line break)",
            "{s:?}：必须恰好是一个 ASCII 字符（不能是引号或换行）"
        )),
    }
}

/// An RFC 6901 JSON pointer, as `serde_json::Value::pointer` takes it.
fn json_pointer(p: String) -> Result<String, Bilingual> {
    // `~` only escapes `/` (`~1`) and itself (`~0`).
    let bad_escape = p
        .split('~')
        .skip(1)
        .any(|rest| !rest.starts_with(['0', '1']));
    if !p.starts_with('/') {
        Err(say!(
            "{p:?} is not a JSON pointer: it must start with '/', e.g. \"/source/scn\"",
            "{p:?} 不是 JSON pointer：必须以 '/' 开头，例如 \"/source/scn\""
        ))
    } else if bad_escape {
        Err(say!(
            "{p:?}: '~' must be followed by 0 or 1 in a JSON pointer",
            "{p:?}：JSON pointer 中 '~' 后面必须是 0 或 1"
        ))
    } else {
        Ok(p)
    }
}

/// A ZooKeeper quorum member, `host:port`.
fn host_port(s: &str) -> Result<String, Bilingual> {
    let bad = || {
        say!(
            "{s:?} is not host:port (e.g. \"zk1:2181\")",
            "{s:?} 不是 host:port 形式（例如 \"zk1:2181\"）"
        )
    };
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(bad());
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(s.to_owned()),
        _ => Err(say!(
            "{s:?}: {port:?} is not a port (1-65535)",
            "{s:?}：{port:?} 不是端口号（1-65535）"
        )),
    }
}

/// An http(s) URL for an alert channel or the status link.
fn http_url(s: &str) -> Result<Url, Bilingual> {
    // Messages quote the value with its user info and query redacted: they may hold a token.
    let shown = super::redact_urls(&format!("{s:?}"));
    let url =
        Url::parse(s).map_err(|e| say!("{shown} is not a URL: {e}", "{shown} 不是 URL：{e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(say!(
            "{shown}: expected an http:// or https:// URL",
            "{shown}：应为 http:// 或 https:// URL"
        ));
    }
    // Secrets come from environment variables or files, never from the config's text, and a
    // URL's user info would ride along wherever the URL is shown. The message does not repeat
    // the URL, which holds the password.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(say!(
            "must not contain a user name or password: credentials in an alert URL \
                    are not supported (put the receiver behind a proxy that adds them)",
            "不能包含用户名或密码：告警 URL 不支持携带凭据（请把接收端放在会添加凭据的代理之后）"
        )
        .to_owned());
    }
    Ok(url)
}
