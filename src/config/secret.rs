//! Secrets (passwords, tokens): read from an environment variable or a file named in the
//! config, never from the command line, and printed only as `**REDACTED**`.

use std::fmt;

/// Where a secret came from (safe to print: it names the variable or file, not the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable.
    Env(String),
    /// A file (its contents, trailing newline removed).
    File(std::path::PathBuf),
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(name) => write!(f, "environment variable {name}"),
            SecretSource::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

/// A secret value. `Debug` and `Display` never show it; only `expose` does, at the one place
/// that hands it to a driver.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    source: SecretSource,
}

impl Secret {
    /// Wraps a value read from `source`.
    pub fn new(value: String, source: SecretSource) -> Self {
        Secret { value, source }
    }

    /// The value, for the driver call that needs it. Never log or format the result.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// Where it came from.
    pub fn source(&self) -> &SecretSource {
        &self.source
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(**REDACTED**, from {})", self.source)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**REDACTED**")
    }
}
