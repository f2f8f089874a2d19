//! The email channel against a real SMTP server on loopback: aiosmtpd (PyPI), installed by
//! tests/email/setup.sh, requiring authentication and recording each message it accepts.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use logminer_doctor::agent::alerts::dedup::Notice;
use logminer_doctor::agent::alerts::email::{mailbox, Email};
use logminer_doctor::agent::alerts::{deliver, AlertMessage, Channel};
use logminer_doctor::config::{EmailConfig, Language, Secret, SecretSource, SmtpTls};

pub const SMTP_PASSWORD: &str = "smtp-pw-5e6f7a";

/// aiosmtpd on a free port, killed (by pid) on drop.
pub struct Smtp {
    child: Child,
    pub port: u16,
    out: tempfile::TempDir,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_smtp() -> Smtp {
    start_smtp_with(&[])
}

/// A self-signed certificate for `localhost` and 127.0.0.1 (PEM certificate, PEM key), written
/// into `dir`: what a company's own mail relay often presents.
fn self_signed(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    let c =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert, key) = (dir.join("smtp.crt"), dir.join("smtp.key"));
    std::fs::write(&cert, c.cert.pem()).unwrap();
    std::fs::write(&key, c.key_pair.serialize_pem()).unwrap();
    (cert, key)
}

/// aiosmtpd with TLS: `mode` is "starttls" or "implicit".
fn start_smtp_tls(mode: &str, cert: &std::path::Path, key: &std::path::Path) -> Smtp {
    start_smtp_with(&[
        mode.to_string(),
        cert.display().to_string(),
        key.display().to_string(),
    ])
}

fn start_smtp_with(tls: &[String]) -> Smtp {
    let cache = std::env::var("LMD_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/logminer-doctor")
        });
    let python = cache.join("aiosmtpd-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run tests/email/setup.sh (aiosmtpd from PyPI)",
        python.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/email/server.py"
        ))
        .arg(port.to_string())
        .arg("alerts")
        .arg(SMTP_PASSWORD)
        .arg(out.path())
        .args(tls)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    Smtp { child, port, out }
}

fn config(port: u16, password: &str) -> EmailConfig {
    EmailConfig {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        username: Some("alerts".into()),
        password: Some(Secret::new(
            password.into(),
            SecretSource::Env("SMTP_PASSWORD".into()),
        )),
        from: mailbox("logminer-doctor <doctor@example.com>").unwrap(),
        to: vec![
            mailbox("oncall@example.com").unwrap(),
            mailbox("DBA team <dba@example.com>").unwrap(),
        ],
        language: Language::En,
        ca_file: None,
    }
}

fn message() -> AlertMessage {
    crate::support::alerts::missing_redo_alert(Notice::Firing)
}

pub fn received(smtp: &Smtp) -> Vec<serde_json::Value> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(smtp.out.path()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            v.push(serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap());
        }
    }
    v
}

#[tokio::test]
async fn an_alert_email_reaches_every_recipient_as_plain_text_and_html() {
    let smtp = start_smtp();
    let email = Email::new(
        &config(smtp.port, SMTP_PASSWORD),
        None,
        Duration::from_secs(5),
    );
    deliver(&email, &message(), 2, Duration::from_millis(50))
        .await
        .unwrap();
    let got = received(&smtp);
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m["authenticated"], true);
    assert_eq!(m["from"], "doctor@example.com");
    let mut to: Vec<&str> = m["to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    to.sort();
    assert_eq!(to, ["dba@example.com", "oncall@example.com"]);
    let data = m["data"].as_str().unwrap();
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(
        data.contains("text/plain") && data.contains("text/html"),
        "{data}"
    );
    assert!(data.contains("Subject: [CRITICAL] orders"), "{data}");
    assert!(data.contains("81234567"), "{data}");
    assert!(!data.contains(SMTP_PASSWORD));
}

#[tokio::test]
async fn a_wrong_smtp_password_fails_without_showing_it() {
    let smtp = start_smtp();
    // A long timeout: the refusal must come from the server's 535, not from the clock.
    let timeout = Duration::from_secs(30);
    let email = Email::new(&config(smtp.port, "wrong-pw-1a2b"), None, timeout);
    let started = tokio::time::Instant::now();
    let e = email.send(&message()).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took < timeout / 2,
        "the refusal took {took:?}: it waited for a timeout"
    );
    let chain = logminer_doctor::observation::error_chain(&e);
    assert!(
        chain.contains("535") || chain.to_lowercase().contains("authentication"),
        "{chain}"
    );
    let shown = format!(
        "{e} {e:?} {}",
        logminer_doctor::observation::error_chain(&e)
    );
    assert!(shown.contains("127.0.0.1"), "{shown}");
    assert!(!shown.contains("wrong-pw-1a2b"), "{shown}");
    assert!(received(&smtp).is_empty());
}

/// STARTTLS (required before AUTH) and implicit TLS against aiosmtpd with a self-signed
/// certificate the channel trusts through `ca_file`; without it the certificate is refused.
#[tokio::test]
async fn alerts_go_over_starttls_and_implicit_tls_with_a_private_ca() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(certs.path());
    for (mode, tls) in [
        ("starttls", SmtpTls::StartTls),
        ("implicit", SmtpTls::Implicit),
    ] {
        let smtp = start_smtp_tls(mode, &cert, &key);
        let mut c = config(smtp.port, SMTP_PASSWORD);
        c.host = "localhost".into();
        c.tls = tls;
        // Without the private CA the server's certificate is not trusted: refused, not sent.
        let untrusted = Email::new(&c, None, Duration::from_secs(10));
        let e = untrusted.send(&message()).await.unwrap_err();
        let chain = logminer_doctor::observation::error_chain(&e);
        assert!(
            chain.to_lowercase().contains("certificate")
                || chain.contains("tls")
                || chain.contains("TLS"),
            "{mode}: {chain}"
        );
        assert!(received(&smtp).is_empty(), "{mode}");
        c.ca_file = Some(cert.clone());
        let email = Email::new(&c, None, Duration::from_secs(10));
        deliver(&email, &message(), 1, Duration::from_millis(50))
            .await
            .unwrap_or_else(|e| {
                panic!("{mode}: {}", logminer_doctor::observation::error_chain(&e))
            });
        let got = received(&smtp);
        assert_eq!(got.len(), 1, "{mode}");
        assert_eq!(got[0]["tls"], mode);
        assert_eq!(got[0]["authenticated"], true, "{mode}");
        assert!(got[0]["data"].as_str().unwrap().contains("81234567"));
    }
}

/// A server that offers no STARTTLS while the config requires it: refused before any password
/// is sent.
#[tokio::test]
async fn starttls_is_required_never_optional() {
    let smtp = start_smtp();
    let mut c = config(smtp.port, SMTP_PASSWORD);
    c.tls = SmtpTls::StartTls;
    let email = Email::new(&c, None, Duration::from_secs(10));
    let e = email.send(&message()).await.unwrap_err();
    let chain = logminer_doctor::observation::error_chain(&e);
    assert!(chain.to_lowercase().contains("tls"), "{chain}");
    assert!(received(&smtp).is_empty());
}
