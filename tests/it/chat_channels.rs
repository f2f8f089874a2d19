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
use logminer_doctor::diagnose::{Cause, Severity};
use logminer_doctor::observation::Timestamp;
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
    AlertMessage {
        pipeline: "orders".into(),
        notice,
        cause: Cause::MissingRedo,
        severity: Severity::Critical,
        summary: "orders: CRITICAL missing_redo".into(),
        evidence: vec![
            "restart SCN 81234567 is older than the oldest archived log (first SCN 81300000)"
                .into(),
        ],
        remediation: vec![
            "Restore the archived logs from backup, then restart from the savepoint".into(),
        ],
        since: Timestamp::from_unix_millis(1_700_000_000_000),
        at: Timestamp::from_unix_millis(1_700_000_060_000),
        ends_at: Timestamp::from_unix_millis(1_700_000_960_000),
        action: None,
    }
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
    assert!(ding.contains("https://doctor.example/status"), "{ding}");
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
