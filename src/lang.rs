//! The language people read: English or Chinese, for every text the doctor writes (reports,
//! alerts, the gate, `explain`, `check-config`). A leaf: it knows no other module.
//!
//! JSON never depends on it: keys and cause names stay English so programs can rely on them.
//! Identifiers (SCNs, job ids, paths, ORA- codes, Oracle and Flink names) read the same in both.

use std::fmt;

/// English or Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum Lang {
    /// English (the default when nothing says otherwise).
    #[default]
    En,
    /// Simplified Chinese: the words a Chinese DBA or Flink engineer uses (归档日志, 检查点 …).
    Zh,
}

impl Lang {
    /// The language the environment asks for, following POSIX precedence: the first of
    /// `LC_ALL`, `LC_MESSAGES`, `LANG` that is set and not empty decides; `zh…` (zh_CN.UTF-8,
    /// zh_TW, zh) is Chinese, anything else English.
    pub fn from_env() -> Lang {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// [`Lang::from_env`] over any source of variables (the tests pass a map).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| get(k))
            .find(|v| !v.is_empty())
            .map(|v| Self::from_locale(&v))
            .unwrap_or_default()
    }

    /// The language of a locale name such as `zh_CN.UTF-8` or `C`.
    pub fn from_locale(locale: &str) -> Lang {
        let l = locale.trim().to_ascii_lowercase();
        if l == "zh" || l.starts_with("zh_") || l.starts_with("zh-") || l.starts_with("zh.") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// `en` or `zh`, as written in the config and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sentence written in both languages where it is said (the config file's problems, whose
/// only data is the key and the value quoted in them).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bilingual {
    /// In English.
    pub en: String,
    /// In Chinese.
    pub zh: String,
}

impl Bilingual {
    /// The sentence in both languages.
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Bilingual {
        Bilingual {
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// The sentence in `lang`.
    pub fn render(&self, lang: Lang) -> &str {
        lang.pick(&self.en, &self.zh)
    }
}

impl fmt::Display for Bilingual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    fn from(pairs: &[(&str, &str)]) -> Lang {
        Lang::from_vars(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn locale_precedence_follows_posix() {
        assert_eq!(from(&[]), Lang::En);
        assert_eq!(from(&[("LANG", "zh_CN.UTF-8")]), Lang::Zh);
        assert_eq!(from(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "C")]), Lang::En);
        assert_eq!(
            from(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "zh_CN.UTF-8")]),
            Lang::Zh
        );
        // An empty LC_ALL does not count (POSIX: set and not null).
        assert_eq!(from(&[("LC_ALL", ""), ("LANG", "zh_TW.Big5")]), Lang::Zh);
        assert_eq!(
            from(&[("LC_MESSAGES", "zh_CN"), ("LANG", "en_GB")]),
            Lang::Zh
        );
        assert_eq!(from(&[("LANG", "zhx")]), Lang::En);
    }
}
