//! Secrets (passwords, tokens): read from an environment variable or a file named in the
//! config, never from the command line, and printed only as `**REDACTED**`; and the redaction
//! of URLs in error texts, whose query or user info may carry a token or a password.

use std::fmt;

/// What a secret is printed as.
pub const REDACTED: &str = "**REDACTED**";

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
        write!(f, "Secret({REDACTED}, from {})", self.source)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// `text` with the user info and the query of every URL in it replaced by `**REDACTED**`:
/// `https://hooks.example/abc?**REDACTED**`, `http://**REDACTED**@am:9093/api/v2/alerts`.
///
/// Error texts of HTTP deliveries name their target, and a webhook's token or an
/// Alertmanager's `user:password@` would otherwise reach the logs and the history database.
/// Every error text of an alert channel goes through here before it is logged or stored.
/// Scheme, host, port and path stay: they say which receiver failed. (A token in the path, as in
/// Slack's webhooks, is the channel's own business: the chat channels hide their paths.)
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(sep) = rest.find("://") {
        // Past the last character that cannot be in a scheme (whatever its width in bytes).
        let scheme_start = rest[..sep]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |(p, c)| p + c.len_utf8());
        let scheme = &rest[scheme_start..sep];
        out.push_str(&rest[..sep + 3]);
        let after = &rest[sep + 3..];
        if !scheme.starts_with(|c: char| c.is_ascii_alphabetic()) {
            rest = after;
            continue;
        }
        // A URL as it appears in a message ends at white space or at a character that a
        // serialized URL always escapes. (Not at `'`: a user info may hold one unescaped.)
        let mut end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '`'))
            .unwrap_or(after.len());
        // `(http://host/x?y): …`: the last closing parenthesis belongs to the text.
        if rest[..scheme_start].ends_with('(') {
            if let Some(p) = after[..end].rfind(')') {
                end = p;
            }
        }
        let url = &after[..end];
        let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
        let (authority, path) = url.split_at(authority_end);
        // The host follows the last `@`: a password may itself contain one.
        match authority.rfind('@') {
            Some(at) => {
                out.push_str(REDACTED);
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        match path.find('?') {
            Some(q) => {
                out.push_str(&path[..=q]);
                out.push_str(REDACTED);
            }
            None => out.push_str(path),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// `url` as text, its user info and query redacted (see [`redact_urls`]).
pub fn redact_url(url: &url::Url) -> String {
    redact_urls(url.as_str())
}

#[cfg(test)]
mod tests {
    use super::redact_urls;

    /// Found by the mutated-config property test: a multi-byte character right before `://`
    /// (here in place of the `p` of `http`) once cut a string inside that character.
    #[test]
    fn a_multibyte_character_before_the_scheme_separator_is_not_cut() {
        // Not a URL (no scheme before `://`): left as it is, as "a bare ://x?y" is.
        assert_eq!(
            redact_urls("\"httѨ://jm1:8081/x\""),
            "\"httѨ://jm1:8081/x\""
        );
        assert_eq!(redact_urls("Ѩ://u:p@h"), "Ѩ://u:p@h");
        // A scheme right after a multi-byte character is a URL like any other.
        assert_eq!(
            redact_urls("Ѩhttp://u:p@h/x?t=1"),
            "Ѩhttp://**REDACTED**@h/x?**REDACTED**"
        );
    }
}
