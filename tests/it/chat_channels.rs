//! The chat channels (Slack, DingTalk, WeCom, Feishu) against HTTP receivers on loopback that
//! check each request the way the service does: format, size limit, keyword, and the signature
//! recomputed from the shared secret; a failing receiver shows the retries with backoff.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use logminer_doctor::agent::alerts::chat::{Chat, ChatKind};
use logminer_doctor::agent::alerts::dedup::Notice;
use logminer_doctor::agent::alerts::{deliver, AlertError, AlertMessage, Channel};
use logminer_doctor::config::{Language, Secret, SecretSource};
use serde_json::{json, Value};
use sha2::Sha256;

const DING_SECRET: &str = "SEC-ding-0123456789";
const FEISHU_SECRET: &str = "feishu-secret-abcdef";
const TOKEN: &str = "tok-9f8e7d";

#[derive(Default)]
struct Rx {
    got: Mutex<Vec<(String, Value)>>,
    fail_first: AtomicU32,
}

type S = State<Arc<Rx>>;

fn hmac_b64(key: &[u8], data: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(data);
    base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn slack(State(rx): S, Json(b): Json<Value>) -> (axum::http::StatusCode, String) {
    if rx.fail_first.load(Ordering::SeqCst) > 0 {
        rx.fail_first.fetch_sub(1, Ordering::SeqCst);
        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "boom".into());
    }
    let blocks = b["blocks"].as_array();
    let ok = b["text"].is_string()
        && blocks.is_some_and(|bs| {
            bs.len() <= 50
                && bs[0]["type"] == "header"
                && bs[0]["text"]["text"].as_str().unwrap().chars().count() <= 150
                && bs.iter().all(|x| {
                    x["text"]["text"]
                        .as_str()
                        .is_none_or(|t| t.chars().count() <= 3000)
                })
        });
    rx.got.lock().unwrap().push(("slack".into(), b));
    if ok {
        (axum::http::StatusCode::OK, "ok".into())
    } else {
        (axum::http::StatusCode::BAD_REQUEST, "invalid_blocks".into())
    }
}

/// DingTalk: access_token in the query; with a secret, timestamp (ms, within an hour) and sign;
/// the keyword rule; errcode 0 on success, 310000 on a bad signature or missing keyword.
async fn dingtalk(
    State(rx): S,
    Query(q): Query<HashMap<String, String>>,
    Json(b): Json<Value>,
) -> Json<Value> {
    let text = b["markdown"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let signed = q
        .get("timestamp")
        .and_then(|t| t.parse::<i64>().ok())
        .is_some_and(|ts| {
            (now_ms() - ts).abs() < 3_600_000
                && q.get("sign").map(String::as_str)
                    == Some(&hmac_b64(
                        DING_SECRET.as_bytes(),
                        format!("{ts}\n{DING_SECRET}").as_bytes(),
                    ))
        });
    let ok = q.get("access_token").map(String::as_str) == Some(TOKEN)
        && b["msgtype"] == "markdown"
        && b["markdown"]["title"].is_string()
        && text.len() <= 20_000
        && text.contains("告警")
        && signed;
    rx.got.lock().unwrap().push(("dingtalk".into(), b));
    if ok {
        Json(json!({"errcode": 0, "errmsg": "ok"}))
    } else {
        Json(json!({"errcode": 310000, "errmsg": "sign not match"}))
    }
}

async fn wecom(
    State(rx): S,
    Query(q): Query<HashMap<String, String>>,
    Json(b): Json<Value>,
) -> Json<Value> {
    let ok = q.get("key").map(String::as_str) == Some(TOKEN)
        && b["msgtype"] == "markdown"
        && b["markdown"]["content"]
            .as_str()
            .is_some_and(|c| c.len() <= 4096);
    rx.got.lock().unwrap().push(("wecom".into(), b));
    Json(json!({"errcode": if ok { 0 } else { 40058 }, "errmsg": "ok"}))
}

/// Feishu: timestamp (s) and sign in the body, sign = HMAC keyed by "ts\nsecret" over nothing.
async fn feishu(State(rx): S, Json(b): Json<Value>) -> Json<Value> {
    let ts = b["timestamp"]
        .as_str()
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or(0);
    let ok = (now_ms() / 1000 - ts).abs() < 3600
        && b["sign"].as_str() == Some(&hmac_b64(format!("{ts}\n{FEISHU_SECRET}").as_bytes(), b""))
        && b["msg_type"] == "interactive"
        && b["card"]["elements"][0]["tag"] == "markdown"
        && b.to_string().len() <= 20 * 1024;
    rx.got.lock().unwrap().push(("feishu".into(), b));
    if ok {
        Json(json!({"code": 0, "msg": "success"}))
    } else {
        Json(
            json!({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}),
        )
    }
}

async fn receiver() -> (String, Arc<Rx>) {
    let rx = Arc::new(Rx::default());
    let app = Router::new()
        .route(&format!("/services/{TOKEN}"), post(slack))
        .route("/robot/send", post(dingtalk))
        .route("/cgi-bin/webhook/send", post(wecom))
        .route(&format!("/open-apis/bot/v2/hook/{TOKEN}"), post(feishu))
        .with_state(rx.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), rx)
}

fn message(notice: Notice) -> AlertMessage {
    crate::support::alerts::missing_redo_alert(notice)
}

fn secret(v: &str) -> Option<Secret> {
    Some(Secret::new(v.into(), SecretSource::Env("X".into())))
}

fn chat(kind: ChatKind, url: &str, lang: Language, s: Option<Secret>, kw: Option<&str>) -> Chat {
    Chat::new(
        kind,
        &url.parse().unwrap(),
        lang,
        s,
        kw.map(str::to_owned),
        Some("https://doctor.example/status".parse().unwrap()),
        Duration::from_secs(5),
    )
}

#[tokio::test]
async fn each_chat_service_accepts_the_format_and_signature_it_checks() {
    let (base, rx) = receiver().await;
    let channels = [
        chat(
            ChatKind::Slack,
            &format!("{base}/services/{TOKEN}"),
            Language::En,
            None,
            None,
        ),
        chat(
            ChatKind::DingTalk,
            &format!("{base}/robot/send?access_token={TOKEN}"),
            Language::Zh,
            secret(DING_SECRET),
            Some("告警"),
        ),
        chat(
            ChatKind::WeCom,
            &format!("{base}/cgi-bin/webhook/send?key={TOKEN}"),
            Language::Zh,
            None,
            None,
        ),
        chat(
            ChatKind::Feishu,
            &format!("{base}/open-apis/bot/v2/hook/{TOKEN}"),
            Language::En,
            secret(FEISHU_SECRET),
            None,
        ),
    ];
    for c in &channels {
        for notice in [Notice::Firing, Notice::Resolved] {
            c.send(&message(notice))
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", c.name()));
        }
    }
    let got = rx.got.lock().unwrap();
    assert_eq!(got.len(), 8);
    for (service, body) in got.iter() {
        let s = body.to_string();
        assert!(
            !s.contains(DING_SECRET) && !s.contains(FEISHU_SECRET),
            "{service}: {s}"
        );
        assert!(s.contains("orders"), "{service}: {s}");
    }
    let ding = &got[2].1["markdown"]["text"].as_str().unwrap();
    assert!(
        ding.contains("归档日志") && ding.contains("81234567"),
        "{ding}"
    );
    // The link leads to the pipeline's page on the status page (issue 17).
    assert!(ding.contains("https://doctor.example/p/orders"), "{ding}");
    assert!(got[3].1["markdown"]["text"]
        .as_str()
        .unwrap()
        .contains("已恢复"));
    let slack = got[0].1.to_string();
    assert!(
        slack.contains("What to do") && slack.contains("Evidence"),
        "{slack}"
    );
    assert!(got[1].1.to_string().contains("RESOLVED"));
    assert_eq!(got[7].1["card"]["header"]["template"], "green");
}

#[tokio::test]
async fn a_wrong_signing_secret_is_rejected_and_the_error_hides_the_token() {
    let (base, _rx) = receiver().await;
    let ding = chat(
        ChatKind::DingTalk,
        &format!("{base}/robot/send?access_token={TOKEN}"),
        Language::En,
        secret("SEC-wrong"),
        Some("告警"),
    );
    let e = ding.send(&message(Notice::Firing)).await.unwrap_err();
    assert!(
        matches!(e, AlertError::Rejected { code: 310000, .. }),
        "{e:?}"
    );
    let shown = format!("{e} {e:?}");
    assert!(
        !shown.contains(TOKEN) && !shown.contains("SEC-wrong"),
        "{shown}"
    );

    let feishu = chat(
        ChatKind::Feishu,
        &format!("{base}/open-apis/bot/v2/hook/{TOKEN}"),
        Language::Zh,
        secret("nope"),
        None,
    );
    let e = feishu.send(&message(Notice::Firing)).await.unwrap_err();
    assert!(
        matches!(e, AlertError::Rejected { code: 19021, .. }),
        "{e:?}"
    );
    assert!(!format!("{e} {e:?}").contains(TOKEN));
}

#[tokio::test]
async fn a_failing_chat_channel_is_retried_with_backoff() {
    let (base, rx) = receiver().await;
    rx.fail_first.store(2, Ordering::SeqCst);
    let slack = chat(
        ChatKind::Slack,
        &format!("{base}/services/{TOKEN}"),
        Language::En,
        None,
        None,
    );
    let attempts = deliver(
        &slack,
        &message(Notice::Firing),
        3,
        Duration::from_millis(10),
    )
    .await
    .unwrap();
    assert_eq!(attempts, 3);
    rx.fail_first.store(10, Ordering::SeqCst);
    let e = deliver(
        &slack,
        &message(Notice::Firing),
        1,
        Duration::from_millis(10),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, AlertError::Status { status: 500, .. }), "{e:?}");
    assert!(!format!("{e} {e:?}").contains(TOKEN));
}

/// Every channel `[agent]` can configure, built by `Deps::from_config` and driven by the agent
/// itself on a simulated pipeline (in real time, the simulation 60 times faster): each
/// receiver gets the incident's firing alert and its resolution, in its own format.
#[tokio::test]
async fn the_agent_alerts_every_configured_channel_and_resolves_them() {
    use logminer_doctor::config::{ChatConfig, EmailConfig, SmtpTls};
    let (base, rx) = receiver().await;
    let smtp = crate::email::start_smtp();
    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::agent::config(dir.path(), &["orders"], "");
    config.pipelines[0].interval = Duration::from_millis(500);
    let a = &mut config.agent.alerts;
    a.retries = 2;
    let chat_config =
        |url: String, language: Language, s: Option<Secret>, kw: Option<&str>| ChatConfig {
            url: url.parse().unwrap(),
            language,
            secret: s,
            keyword: kw.map(str::to_owned),
        };
    a.slack = Some(chat_config(
        format!("{base}/services/{TOKEN}"),
        Language::En,
        None,
        None,
    ));
    a.dingtalk = Some(chat_config(
        format!("{base}/robot/send?access_token={TOKEN}"),
        Language::Zh,
        secret(DING_SECRET),
        Some("告警"),
    ));
    a.wecom = Some(chat_config(
        format!("{base}/cgi-bin/webhook/send?key={TOKEN}"),
        Language::Zh,
        None,
        None,
    ));
    a.feishu = Some(chat_config(
        format!("{base}/open-apis/bot/v2/hook/{TOKEN}"),
        Language::En,
        secret(FEISHU_SECRET),
        None,
    ));
    a.email = Some(EmailConfig {
        host: "127.0.0.1".into(),
        port: smtp.port,
        tls: SmtpTls::None,
        username: Some("alerts".into()),
        password: secret(crate::email::SMTP_PASSWORD),
        from: logminer_doctor::config::mailbox("doctor@example.com").unwrap(),
        to: vec![logminer_doctor::config::mailbox("oncall@example.com").unwrap()],
        language: Language::En,
        ca_file: None,
    });
    let mut probe = crate::agent::SimProbe::new(dir.path(), &["orders"]);
    probe.speed = 60;
    let probe = Arc::new(probe);
    let channels = logminer_doctor::agent::Deps::from_config((), &config).channels;
    let names: Vec<&str> = channels.iter().map(|c| c.name()).collect();
    assert_eq!(names, ["slack", "dingtalk", "wecom", "feishu", "email"]);
    let running = crate::agent::start(config, probe.clone(), channels).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    probe.world("orders").checkpoints_fail = true;
    let seen = |rx: &Rx, service: &str, needle: &str| {
        rx.got
            .lock()
            .unwrap()
            .iter()
            .any(|(s, b)| s == service && b.to_string().contains(needle))
    };
    crate::support::wait_for(
        "a firing alert on every chat service",
        Duration::from_secs(60),
        Duration::from_millis(200),
        || async {
            ["slack", "dingtalk", "wecom", "feishu"]
                .iter()
                .all(|s| {
                    seen(&rx, s, "sink_stalled") || seen(&rx, s, "Sink") || seen(&rx, s, "下游")
                })
                .then_some(())
        },
    )
    .await;
    probe.world("orders").checkpoints_fail = false;
    crate::support::wait_for(
        "a resolution on every chat service and by email",
        Duration::from_secs(90),
        Duration::from_millis(200),
        || async {
            let chats = seen(&rx, "slack", "RESOLVED")
                && seen(&rx, "feishu", "RESOLVED")
                && seen(&rx, "dingtalk", "已恢复")
                && seen(&rx, "wecom", "已恢复");
            let mails = crate::email::received(&smtp);
            let mail = mails.iter().any(|m| {
                m["data"]
                    .as_str()
                    .unwrap_or("")
                    .contains("Subject: [RESOLVED]")
            }) && mails.iter().any(|m| {
                m["data"]
                    .as_str()
                    .unwrap_or("")
                    .contains("Subject: [CRITICAL]")
            });
            (chats && mail).then_some(())
        },
    )
    .await;
    // Every delivery passed the service's own checks (format, signature, keyword): none failed.
    let exposition = running.shared.metrics.encode_text();
    running.stop().await;
    for channel in ["slack", "dingtalk", "wecom", "feishu", "email"] {
        let failed =
            format!("logminer_doctor_alerts_total{{channel=\"{channel}\",outcome=\"failed\"}} 0");
        assert!(exposition.contains(&failed), "{channel}: {exposition}");
    }
    // No secret went out.
    for (service, body) in rx.got.lock().unwrap().iter() {
        let text = body.to_string();
        assert!(
            !text.contains(DING_SECRET) && !text.contains(FEISHU_SECRET),
            "{service}: {text}"
        );
    }
    for m in crate::email::received(&smtp) {
        assert!(!m["data"]
            .as_str()
            .unwrap()
            .contains(crate::email::SMTP_PASSWORD));
        assert_eq!(m["authenticated"], true);
    }
}

/// Chinese messages are Chinese throughout: the summary, every fact the decision table writes
/// for the common verdicts (numbers and ids unchanged) and every step.
#[test]
fn chinese_messages_translate_the_evidence_of_every_common_verdict() {
    use logminer_doctor::agent::alerts::chat::parts;
    use logminer_doctor::agent::alerts::dedup::Send;
    use logminer_doctor::diagnose::Bundle;
    use logminer_doctor::diagnose::{diagnose, DiagnoseOptions};
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let mut untranslated = vec![];
    for name in [
        "dead_connection",
        "real_feed_closed_dead_connection",
        "real_half_open_dead_connection",
        "logminer_stuck",
        "missing_redo",
        "sink_stalled",
        "job_not_running",
        "real_failed",
        "misconfigured",
        "resource_exhausted",
        "leader_problem",
        "oracle_unreachable",
        "falling_behind",
        "falling_behind_far_from_purge",
        // What pages on the real cluster: each fault of the realism suite, with and without the
        // database side.
        "realism_poller_socket_closed",
        "realism_poller_half_open",
        "realism_poller_duplicate",
        "realism_poller_original_cancelled",
        "realism_reader_socket_closed",
        "realism_reader_half_open",
        "realism_reader_idle",
    ] {
        let path = format!(
            "{}/tests/fixtures/observations/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let b: Bundle = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let p = &b.pipelines[0];
        let d = diagnose(&p.observations, &p.thresholds, &DiagnoseOptions::default());
        let send = Send {
            notice: Notice::Firing,
            cause: d.cause,
            since: d.observed_at,
        };
        let m = AlertMessage::new(&d, send, Duration::from_secs(3600))
            .with_action("restarted: job a3f5 from file:/sp/1");
        let zh = parts(&m, Language::Zh, None);
        assert!(!zh.evidence.is_empty(), "{name}");
        for (en, line) in d.evidence.iter().zip(&zh.evidence) {
            if !cjk(line) {
                untranslated.push(format!("{name}: {line}"));
            }
            // Every number of the fact survives the translation.
            for n in en
                .fact
                .en()
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| n.len() >= 3)
            {
                assert!(
                    line.contains(n),
                    "{name}: {n} lost in {line:?} (from {:?})",
                    en.fact.en()
                );
            }
        }
        assert!(
            zh.todo[0].starts_with("自动处置：restarted: job a3f5"),
            "{name}: {:?}",
            zh.todo
        );
        // The summary and every step are the same facts in Chinese, not English left over.
        for line in std::iter::once(&zh.summary).chain(&zh.todo) {
            if !cjk(line) {
                untranslated.push(format!("{name}: {line}"));
            }
        }
    }
    assert!(
        untranslated.is_empty(),
        "lines left in English:\n{}",
        untranslated.join("\n")
    );
}
