//! Chat channels: Slack incoming webhooks, DingTalk custom robots, WeCom group robots and
//! Feishu custom bots. Rendering (`render`) and signing (`dingtalk_sign`, `feishu_sign`) are
//! pure; `Chat` posts the result. Messages are cut to each service's documented size limit.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::Url;

use super::dedup::Notice;
use super::{client, AlertError, AlertMessage, Channel, SendFuture};
use crate::config::{Language, Secret};
use crate::diagnose::Cause;

/// Which chat service a `Chat` channel talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatKind {
    /// Slack incoming webhook (Block Kit).
    Slack,
    /// DingTalk (钉钉) custom robot, markdown.
    DingTalk,
    /// WeCom (企业微信) group robot, markdown.
    WeCom,
    /// Feishu (飞书) custom bot, interactive card.
    Feishu,
}

impl ChatKind {
    /// The channel's stable name (a metrics label).
    pub fn as_str(self) -> &'static str {
        match self {
            ChatKind::Slack => "slack",
            ChatKind::DingTalk => "dingtalk",
            ChatKind::WeCom => "wecom",
            ChatKind::Feishu => "feishu",
        }
    }
}

/// Slack: a section's text is at most 3,000 characters, a header's 150.
pub const SLACK_SECTION_CHARS: usize = 3_000;
/// Slack header block limit (characters).
pub const SLACK_HEADER_CHARS: usize = 150;
/// DingTalk documents 20,000 bytes for a message; the margin covers the JSON around the text.
pub const DINGTALK_TEXT_BYTES: usize = 18_000;
/// WeCom: a markdown message's content is at most 4,096 bytes of UTF-8.
pub const WECOM_CONTENT_BYTES: usize = 4_096;
/// Feishu: a request body is at most 20 KB; the margin covers the card around the text.
pub const FEISHU_TEXT_BYTES: usize = 18_000;

/// What the on-call engineer reads, in one language, before any service's format.
#[derive(Debug, Clone, PartialEq)]
pub struct Parts {
    /// One line: state, pipeline, verdict.
    pub title: String,
    /// The diagnosis's status line.
    pub summary: String,
    /// Heading of the evidence list.
    pub evidence_heading: &'static str,
    /// The facts with their numbers.
    pub evidence: Vec<String>,
    /// Heading of the remediation list.
    pub todo_heading: &'static str,
    /// What to do, in order (empty on a resolution).
    pub todo: Vec<String>,
    /// Since when, and the status page when configured.
    pub footer: String,
}

/// The verdict in the field's own words.
pub fn verdict(cause: Cause, lang: Language) -> &'static str {
    match lang {
        Language::En => cause.spec().title_en,
        Language::Zh => cause.spec().title_zh,
    }
}

/// The page of `pipeline` on the doctor's status page at `base` (`[agent.alerts] status_url`):
/// `<base>/p/<name>`, resolved like a relative link, so a base of `https://host/status` (the JSON)
/// or `https://host/` both lead to `https://host/p/<name>`, and a proxy prefix is kept.
pub fn pipeline_link(base: &Url, pipeline: &str) -> Url {
    crate::agent::page::link(base, "p", pipeline)
}

/// The parts of `m` in `lang`; `link` is the doctor's status page, when configured (the message
/// links the pipeline's page on it).
pub fn parts(m: &AlertMessage, lang: Language, link: Option<&Url>) -> Parts {
    let page = link.map(|l| pipeline_link(l, &m.pipeline));
    let link = page.as_ref();
    let v = match (m.topic, lang) {
        (super::Topic::Pipeline, _) => verdict(m.cause, lang),
        (super::Topic::Savepoints, Language::En) => "periodic savepoints",
        (super::Topic::Savepoints, Language::Zh) => "定期保存点",
        (super::Topic::Fleet, Language::En) => "no fleet member watches it",
        (super::Topic::Fleet, Language::Zh) => "机群中无成员负责",
    };
    // The same facts in either language: the summary, the evidence and the steps (among them
    // what auto-remediation did, first, as reported).
    let render = |facts: &[crate::diagnose::Fact]| -> Vec<String> {
        facts.iter().map(|f| f.render(lang)).collect()
    };
    match lang {
        Language::En => Parts {
            title: match m.notice {
                Notice::Firing => format!("[{}] {}: {v}", m.severity.as_str(), m.pipeline),
                Notice::Renotify => {
                    format!("[{}] still: {}: {v}", m.severity.as_str(), m.pipeline)
                }
                Notice::Resolved => format!("[RESOLVED] {}: {v}", m.pipeline),
            },
            summary: m.summary.render(lang),
            evidence_heading: "Evidence",
            evidence: render(&m.evidence),
            todo_heading: "What to do",
            todo: render(&m.remediation),
            footer: {
                let mut f = format!("Since {}; at {}", m.since, m.at);
                if let Some(l) = link {
                    f.push_str(&format!("; status: {l}"));
                }
                f
            },
        },
        Language::Zh => Parts {
            title: match m.notice {
                Notice::Firing => format!("【{}】{}：{v}", severity_zh(m), m.pipeline),
                Notice::Renotify => format!("【{}·持续】{}：{v}", severity_zh(m), m.pipeline),
                Notice::Resolved => format!("【已恢复】{}：{v}", m.pipeline),
            },
            summary: m.summary.render(lang),
            evidence_heading: "证据",
            evidence: render(&m.evidence),
            todo_heading: "处理建议",
            todo: render(&m.remediation),
            footer: {
                let mut f = format!("开始于 {}；本次 {}", m.since, m.at);
                if let Some(l) = link {
                    f.push_str(&format!("；状态页：{l}"));
                }
                f
            },
        },
    }
}

fn severity_zh(m: &AlertMessage) -> &'static str {
    match m.severity {
        crate::diagnose::Severity::Critical => "严重",
        crate::diagnose::Severity::Warning => "警告",
        crate::diagnose::Severity::Ok => "正常",
        crate::diagnose::Severity::Unknown => "未知",
    }
}

/// `s` cut to at most `max` bytes at a character boundary, `…` marking a cut.
pub fn fit_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let ell = "…";
    let mut end = max.saturating_sub(ell.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ell}", &s[..end])
}

/// `s` cut to at most `max` characters, `…` marking a cut.
pub fn fit_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Markdown for DingTalk, WeCom and Feishu (bold headings, `-` lists).
fn markdown(p: &Parts, with_title: bool) -> String {
    let mut s = String::new();
    if with_title {
        s.push_str(&format!("### {}\n\n", p.title));
    }
    s.push_str(&p.summary);
    s.push_str("\n\n");
    if !p.evidence.is_empty() {
        s.push_str(&format!("**{}**\n", p.evidence_heading));
        for e in &p.evidence {
            s.push_str(&format!("- {e}\n"));
        }
        s.push('\n');
    }
    if !p.todo.is_empty() {
        s.push_str(&format!("**{}**\n", p.todo_heading));
        for (i, t) in p.todo.iter().enumerate() {
            s.push_str(&format!("{}. {t}\n", i + 1));
        }
        s.push('\n');
    }
    s.push_str(&p.footer);
    s
}

/// The request body for `kind` (before any signature). `keyword` is DingTalk's keyword rule:
/// the robot drops a message without it, so it leads the title.
pub fn render(
    kind: ChatKind,
    m: &AlertMessage,
    lang: Language,
    keyword: Option<&str>,
    link: Option<&Url>,
) -> serde_json::Value {
    let p = parts(m, lang, link);
    match kind {
        ChatKind::Slack => {
            let list = |items: &[String], numbered: bool| {
                let lines: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        if numbered {
                            format!("{}. {t}", i + 1)
                        } else {
                            format!("• {t}")
                        }
                    })
                    .collect();
                lines.join("\n")
            };
            let mut blocks = vec![
                serde_json::json!({"type": "header", "text": {"type": "plain_text",
                    "text": fit_chars(&p.title, SLACK_HEADER_CHARS)}}),
                serde_json::json!({"type": "section", "text": {"type": "mrkdwn",
                    "text": fit_chars(&p.summary, SLACK_SECTION_CHARS)}}),
            ];
            if !p.evidence.is_empty() {
                let t = format!("*{}*\n{}", p.evidence_heading, list(&p.evidence, false));
                blocks.push(
                    serde_json::json!({"type": "section", "text": {"type": "mrkdwn",
                    "text": fit_chars(&t, SLACK_SECTION_CHARS)}}),
                );
            }
            if !p.todo.is_empty() {
                let t = format!("*{}*\n{}", p.todo_heading, list(&p.todo, true));
                blocks.push(
                    serde_json::json!({"type": "section", "text": {"type": "mrkdwn",
                    "text": fit_chars(&t, SLACK_SECTION_CHARS)}}),
                );
            }
            blocks.push(
                serde_json::json!({"type": "context", "elements": [{"type": "mrkdwn",
                "text": fit_chars(&p.footer, SLACK_SECTION_CHARS)}]}),
            );
            // `text` is the notification's fallback (push notifications, screen readers).
            serde_json::json!({"text": fit_chars(&p.title, SLACK_SECTION_CHARS), "blocks": blocks})
        }
        ChatKind::DingTalk => {
            let title = match keyword {
                Some(k) if !p.title.contains(k) => format!("{k} {}", p.title),
                _ => p.title.clone(),
            };
            // The keyword survives the cut: it is in the title, at the start of the text.
            let text = fit_bytes(
                &markdown(
                    &Parts {
                        title: title.clone(),
                        ..p
                    },
                    true,
                ),
                DINGTALK_TEXT_BYTES,
            );
            debug_assert!(keyword.is_none_or(|k| text.contains(k)));
            serde_json::json!({"msgtype": "markdown",
                "markdown": {"title": fit_chars(&title, 64), "text": text}})
        }
        ChatKind::WeCom => serde_json::json!({"msgtype": "markdown",
            "markdown": {"content": fit_bytes(&markdown(&p, true), WECOM_CONTENT_BYTES)}}),
        ChatKind::Feishu => {
            let template = if m.notice == Notice::Resolved {
                "green"
            } else {
                "red"
            };
            serde_json::json!({"msg_type": "interactive", "card": {
                "header": {"title": {"tag": "plain_text", "content": fit_chars(&p.title, 100)},
                           "template": template},
                "elements": [{"tag": "markdown",
                              "content": fit_bytes(&markdown(&p, false), FEISHU_TEXT_BYTES)}]}})
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

/// DingTalk's signature: Base64 of HMAC-SHA256 keyed by the secret over
/// `"{timestamp_ms}\n{secret}"` (then URL-encoded into the query by the caller).
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac = match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length: this arm never runs.
        Err(_) => return String::new(),
    };
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Feishu's signature: Base64 of HMAC-SHA256 keyed by `"{timestamp_s}\n{secret}"` over an
/// empty message (Feishu's documented quirk: the string is the key, not the data).
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    let key = format!("{timestamp_s}\n{secret}");
    let mac = match HmacSha256::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length: this arm never runs.
        Err(_) => return String::new(),
    };
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A chat channel: one service, one webhook, one language.
#[derive(Debug, Clone)]
pub struct Chat {
    kind: ChatKind,
    url: Url,
    language: Language,
    secret: Option<Secret>,
    keyword: Option<String>,
    link: Option<Url>,
    client: reqwest::Client,
}

impl Chat {
    /// A channel to `url` of service `kind`. `secret` is DingTalk's or Feishu's signing secret,
    /// `keyword` DingTalk's keyword rule, `link` the doctor's status page.
    pub fn new(
        kind: ChatKind,
        url: &Url,
        language: Language,
        secret: Option<Secret>,
        keyword: Option<String>,
        link: Option<Url>,
        timeout: Duration,
    ) -> Chat {
        Chat {
            kind,
            url: url.clone(),
            language,
            secret,
            keyword,
            link,
            client: client(timeout),
        }
    }

    /// The webhook's address without its token (the query, or Slack's path, is the secret).
    fn shown_url(&self) -> Url {
        let mut u = super::shown(&self.url);
        u.set_query(None);
        u.set_path("/…");
        u
    }

    async fn post(&self, m: &AlertMessage) -> Result<(), AlertError> {
        let channel = self.kind.as_str();
        let mut url = self.url.clone();
        let mut body = render(
            self.kind,
            m,
            self.language,
            self.keyword.as_deref(),
            self.link.as_ref(),
        );
        // The services check the signature's timestamp against their own clock (within an
        // hour): the wall clock at send time, not the probe's.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        match (&self.secret, self.kind) {
            (Some(s), ChatKind::DingTalk) => {
                let ts = i64::try_from(now.as_millis()).unwrap_or(i64::MAX);
                url.query_pairs_mut()
                    .append_pair("timestamp", &ts.to_string())
                    .append_pair("sign", &dingtalk_sign(s.expose(), ts));
            }
            (Some(s), ChatKind::Feishu) => {
                let ts = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
                body["timestamp"] = ts.to_string().into();
                body["sign"] = feishu_sign(s.expose(), ts).into();
            }
            _ => {}
        }
        let resp = self
            .client
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(|e| AlertError::Request {
                channel,
                url: self.shown_url(),
                // reqwest's message would carry the URL, and with it the token.
                source: e.without_url(),
            })?;
        let status = resp.status();
        if !status.is_success() {
            return Err(AlertError::Status {
                channel,
                url: self.shown_url(),
                status: status.as_u16(),
            });
        }
        if self.kind == ChatKind::Slack {
            return Ok(());
        }
        // DingTalk, WeCom and Feishu answer HTTP 200 with an error code in the body.
        let text = resp.text().await.map_err(|e| AlertError::Request {
            channel,
            url: self.shown_url(),
            source: e.without_url(),
        })?;
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let code = v
            .get("errcode")
            .or_else(|| v.get("code"))
            .or_else(|| v.get("StatusCode"))
            .and_then(|c| c.as_i64())
            .unwrap_or(0);
        if code == 0 {
            Ok(())
        } else {
            let message = v
                .get("errmsg")
                .or_else(|| v.get("msg"))
                .and_then(|m| m.as_str())
                .unwrap_or_default();
            Err(AlertError::Rejected {
                channel,
                url: self.shown_url(),
                code,
                message: fit_chars(message, 200),
            })
        }
    }
}

impl Channel for Chat {
    fn name(&self) -> &'static str {
        self.kind.as_str()
    }

    fn send<'a>(&'a self, m: &'a AlertMessage) -> SendFuture<'a> {
        Box::pin(self.post(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::Severity;
    use crate::observation::Timestamp;

    fn msg(notice: Notice, evidence: usize) -> AlertMessage {
        AlertMessage {
            topic: Default::default(),
            condition: None,
            pipeline: "orders".into(),
            notice,
            cause: Cause::MissingRedo,
            severity: Severity::Critical,
            summary: crate::diagnose::Fact::RestartScnUncovered {
                scn: 1234567,
                threads: vec![1],
            },
            evidence: (0..evidence)
                .map(|i| crate::diagnose::Fact::RedoThreadOldest {
                    thread: i as u32,
                    scn: 2345678,
                    since: Timestamp::from_unix_millis(1_700_000_000_000),
                })
                .collect(),
            remediation: vec![crate::diagnose::Fact::RestoreArchivedLogs { scn: 1234567 }],
            since: Timestamp::from_unix_millis(1_700_000_000_000),
            at: Timestamp::from_unix_millis(1_700_000_060_000),
            ends_at: Timestamp::from_unix_millis(1_700_000_960_000),
            action: None,
        }
    }

    #[test]
    fn chinese_messages_use_the_fields_vocabulary() {
        let p = parts(&msg(Notice::Firing, 1), Language::Zh, None);
        assert!(
            p.title.contains("归档日志") && p.title.contains("SCN"),
            "{}",
            p.title
        );
        assert!(
            p.todo.iter().any(|t| t.contains("恢复归档日志")),
            "{:?}",
            p.todo
        );
        assert!(p.summary.contains("早于 redo 线程"), "{}", p.summary);
        assert_eq!(p.todo_heading, "处理建议");
        let r = parts(&msg(Notice::Resolved, 1), Language::Zh, None);
        assert!(r.title.contains("已恢复"), "{}", r.title);
    }

    #[test]
    fn every_channel_stays_within_its_size_limit() {
        let m = msg(Notice::Firing, 2_000);
        for lang in [Language::En, Language::Zh] {
            let s = render(ChatKind::Slack, &m, lang, None, None);
            for b in s["blocks"].as_array().unwrap() {
                let t = b["text"]["text"].as_str().unwrap_or_default();
                assert!(t.chars().count() <= SLACK_SECTION_CHARS);
            }
            let d = render(ChatKind::DingTalk, &m, lang, Some("告警"), None);
            let t = d["markdown"]["text"].as_str().unwrap();
            assert!(t.len() <= DINGTALK_TEXT_BYTES && t.contains("告警"));
            let w = render(ChatKind::WeCom, &m, lang, None, None);
            assert!(w["markdown"]["content"].as_str().unwrap().len() <= WECOM_CONTENT_BYTES);
            let f = render(ChatKind::Feishu, &m, lang, None, None);
            assert!(f.to_string().len() <= 20 * 1024);
        }
    }

    #[test]
    fn the_link_and_numbers_are_in_the_message() {
        let link: Url = "https://doctor.example/status".parse().unwrap();
        let w = render(
            ChatKind::WeCom,
            &msg(Notice::Firing, 1),
            Language::En,
            None,
            Some(&link),
        );
        let c = w["markdown"]["content"].as_str().unwrap();
        let page = pipeline_link(&link, &msg(Notice::Firing, 1).pipeline);
        assert!(
            c.contains(page.as_str())
                && page.as_str().starts_with("https://doctor.example/p/")
                && c.contains("1234567"),
            "{c}"
        );
    }

    #[test]
    fn the_pipeline_link_is_the_pipeline_page_under_the_status_url() {
        let at = |base: &str, name: &str| pipeline_link(&base.parse().unwrap(), name).to_string();
        assert_eq!(
            at("https://d.example/status", "orders"),
            "https://d.example/p/orders"
        );
        assert_eq!(
            at("https://d.example/", "orders"),
            "https://d.example/p/orders"
        );
        assert_eq!(
            at("https://d.example/doctor/", "a b"),
            "https://d.example/doctor/p/a%20b"
        );
    }

    #[test]
    fn fit_bytes_cuts_at_a_character_boundary() {
        let s = "归档日志".repeat(10);
        let f = fit_bytes(&s, 10);
        assert!(f.len() <= 10 && f.ends_with('…'));
    }

    #[test]
    fn signatures_match_the_documented_algorithms() {
        // Vectors from Python's hmac: HMAC-SHA256(key=secret, "ts\nsecret") for DingTalk,
        // HMAC-SHA256(key="ts\nsecret", "") for Feishu.
        assert_eq!(
            dingtalk_sign("SECabc", 1_700_000_000_000),
            "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM="
        );
        assert_eq!(
            feishu_sign("feishusecret", 1_700_000_000),
            "5Wc8F8b2vZlNjoVFpK6BAaovMobglP4Rm1FzmEq/rCU="
        );
    }
}
