//! The real-cluster test harness: ZooKeeper, two JobManagers in ZooKeeper HA and one TaskManager
//! on loopback (`flink`), the simulated Oracle feed the CDC stand-in job reads (`feed`), the
//! committed FileSink output (`output`), the alert the channel tests send (`alerts`), and the process hygiene that kills every process the
//! harness started when the test binary exits (`procs`).
//!
//! The jars come from `tests/flink-job/setup.sh`, which writes `$LMD_CACHE/env`
//! (default `~/.cache/logminer-doctor/env`); without it every real-cluster test fails and says so.

pub mod alerts;
pub mod feed;
pub mod flink;
pub mod output;
pub mod procs;
pub mod sim_oracle;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// What `tests/flink-job/setup.sh` installed.
#[derive(Debug, Clone)]
pub struct Installed {
    pub flink_lib: PathBuf,
    pub zk_classpath: String,
    pub job_jar: PathBuf,
    pub bash_java_utils: PathBuf,
    pub flink_java_opts: Vec<String>,
}

/// The cache dir setup.sh installs into.
pub fn cache_dir() -> PathBuf {
    match std::env::var_os("LMD_CACHE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/logminer-doctor")
        }
    }
}

/// Reads `$LMD_CACHE/env`, or says to run setup.sh.
pub fn installed() -> Result<Installed, String> {
    let path = cache_dir().join("env");
    let hint = "run tests/flink-job/setup.sh (CI runs it through .ci/run)";
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}: {hint}", path.display()))?;
    let vars: HashMap<&str, &str> = text
        .lines()
        .filter_map(|line| line.split_once('='))
        .collect();
    let get = |key: &str| {
        vars.get(key)
            .map(|v| v.to_string())
            .ok_or_else(|| format!("{} has no {key}: {hint}", path.display()))
    };
    let found = Installed {
        flink_lib: get("LMD_FLINK_LIB")?.into(),
        zk_classpath: get("LMD_ZK_CLASSPATH")?,
        job_jar: get("LMD_JOB_JAR")?.into(),
        bash_java_utils: get("LMD_BASH_JAVA_UTILS")?.into(),
        flink_java_opts: get("LMD_FLINK_JAVA_OPTS")?
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    };
    for file in [&found.job_jar, &found.bash_java_utils] {
        if !file.is_file() {
            return Err(format!("{} is missing: {hint}", file.display()));
        }
    }
    if !found.flink_lib.is_dir() {
        return Err(format!("{} is missing: {hint}", found.flink_lib.display()));
    }
    Ok(found)
}

/// The built binary with the monitoring password in `var`, English whatever the machine's
/// locale, and no log level from the environment.
pub fn doctor(var: &str, password: &str) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_logminer-doctor"));
    c.env(var, password)
        .env_remove("LMD_LOG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C");
    c
}

/// Polls `check` every `every` until it returns `Some`, or fails after `timeout` with `what`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, every: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(every).await;
    }
}

/// Seconds with one decimal, for the timing lines.
pub fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Prints a timing line that shows in `cargo test`'s output even for a passing test: it writes
/// to the stderr handle directly, which the test harness does not capture (eprintln! it does).
pub fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The property tests' budget: 256 cases each (under a second), and no regression files
/// written into tests/.
pub fn property_cases() -> proptest::prelude::ProptestConfig {
    proptest::prelude::ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    }
}
