//! PLACEHOLDER: raw -> validated config, being written on its own branch.

use std::path::{Path, PathBuf};

use super::Config;

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
        std::fs::read_to_string(path)
    }
}

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The key path, e.g. `pipeline[0].flink.jobmanagers[1]`.
    pub key: String,
    /// What is wrong.
    pub message: String,
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

pub(super) fn load(path: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
    let _ = (path, env);
    todo!()
}

pub(super) fn from_toml(text: &str, path: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
    let _ = (text, path, env);
    todo!()
}
