//! Email over SMTP (lettre): STARTTLS, implicit TLS or (loopback only) plain; optional
//! authentication; several recipients; each alert as plain text and HTML alternatives.

use std::time::Duration;

use lettre::message::{header::ContentType, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::chat::{fit_bytes, parts, Parts};
use super::{AlertMessage, Channel, SendFuture};
use crate::config::{EmailConfig, SmtpTls};

/// A body part is cut at 100 KB: far below any server's message limit, far above an alert.
pub const EMAIL_PART_BYTES: usize = 100_000;

/// A failed email delivery.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The SMTP server at `host:port` could not be set up or refused the message.
    #[error("email via SMTP server {host}:{port} failed")]
    Smtp {
        /// The server.
        host: String,
        /// Its port.
        port: u16,
        /// lettre's error.
        #[source]
        source: lettre::transport::smtp::Error,
    },
    /// The SMTP transport could not be set up (TLS parameters for `host`).
    #[error("email via SMTP server {host}:{port}: cannot set up the transport: {message}")]
    Setup {
        /// The server.
        host: String,
        /// Its port.
        port: u16,
        /// lettre's error, as text (it is not `Clone`, and the channel keeps it).
        message: String,
    },
    /// The whole exchange took longer than the channel's timeout.
    #[error("email via SMTP server {host}:{port}: no answer within {timeout:?}")]
    Timeout {
        /// The server.
        host: String,
        /// Its port.
        port: u16,
        /// The limit.
        timeout: Duration,
    },
    /// The message could not be built (an address is invalid).
    #[error("email to {to}: the message could not be built")]
    Build {
        /// The recipients.
        to: String,
        /// lettre's error.
        #[source]
        source: lettre::error::Error,
    },
}

/// The plain-text body.
pub fn plain(p: &Parts) -> String {
    let mut s = format!("{}\n\n{}\n", p.title, p.summary);
    if !p.evidence.is_empty() {
        s.push_str(&format!("\n{}:\n", p.evidence_heading));
        for e in &p.evidence {
            s.push_str(&format!("  - {e}\n"));
        }
    }
    if !p.todo.is_empty() {
        s.push_str(&format!("\n{}:\n", p.todo_heading));
        for (i, t) in p.todo.iter().enumerate() {
            s.push_str(&format!("  {}. {t}\n", i + 1));
        }
    }
    s.push_str(&format!("\n{}\n", p.footer));
    fit_bytes(&s, EMAIL_PART_BYTES)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML body (every text escaped).
pub fn html(p: &Parts) -> String {
    let mut s = format!(
        "<html><body><h2>{}</h2><p>{}</p>",
        esc(&p.title),
        esc(&p.summary)
    );
    if !p.evidence.is_empty() {
        s.push_str(&format!("<h3>{}</h3><ul>", esc(p.evidence_heading)));
        for e in &p.evidence {
            s.push_str(&format!("<li>{}</li>", esc(e)));
        }
        s.push_str("</ul>");
    }
    if !p.todo.is_empty() {
        s.push_str(&format!("<h3>{}</h3><ol>", esc(p.todo_heading)));
        for t in &p.todo {
            s.push_str(&format!("<li>{}</li>", esc(t)));
        }
        s.push_str("</ol>");
    }
    s.push_str(&format!(
        "<p><small>{}</small></p></body></html>",
        esc(&p.footer)
    ));
    // A cut HTML part may lose its closing tags; mail clients render that.
    fit_bytes(&s, EMAIL_PART_BYTES)
}

/// The SMTP transport for `c`: TLS as configured, trusting the system's roots and `ca_file`'s.
fn transport(
    c: &EmailConfig,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls = |c: &EmailConfig| -> Result<TlsParameters, String> {
        let mut b = TlsParameters::builder(c.host.clone());
        if let Some(path) = &c.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read ca_file {}: {e}", path.display()))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| format!("ca_file {} is not a PEM certificate: {e}", path.display()))?;
            b = b.add_root_certificate(cert);
        }
        b.build().map_err(|e| e.to_string())
    };
    let b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host)
        .port(c.port)
        .timeout(Some(timeout));
    let b = match c.tls {
        // STARTTLS is required, never optional: a server that does not offer it is refused
        // rather than sent the password in clear.
        SmtpTls::StartTls => b.tls(Tls::Required(tls(c)?)),
        SmtpTls::Implicit => b.tls(Tls::Wrapper(tls(c)?)),
        SmtpTls::None => b.tls(Tls::None),
    };
    Ok(match (&c.username, &c.password) {
        (Some(u), Some(p)) => b
            .credentials(Credentials::new(u.clone(), p.expose().to_owned()))
            .build(),
        _ => b.build(),
    })
}

/// Email alerts through one SMTP server.
pub struct Email {
    config: EmailConfig,
    link: Option<url::Url>,
    timeout: Duration,
    transport: Result<AsyncSmtpTransport<Tokio1Executor>, String>,
}

impl Email {
    /// The channel for `config`; `link` is the doctor's status page.
    pub fn new(config: &EmailConfig, link: Option<url::Url>, timeout: Duration) -> Email {
        let c = config;
        let transport = transport(c, timeout);
        Email {
            config: config.clone(),
            link,
            timeout,
            transport,
        }
    }

    fn smtp_error(&self, source: lettre::transport::smtp::Error) -> super::AlertError {
        super::AlertError::Email(EmailError::Smtp {
            host: self.config.host.clone(),
            port: self.config.port,
            source,
        })
    }

    /// The message for `m` (public for tests: what the recipients receive).
    pub fn message(&self, m: &AlertMessage) -> Result<Message, EmailError> {
        let p = parts(m, self.config.language, self.link.as_ref());
        let to = self
            .config
            .to
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let build = |source| EmailError::Build {
            to: to.clone(),
            source,
        };
        let mut b = Message::builder()
            .from(self.config.from.clone())
            .subject(p.title.clone());
        for r in &self.config.to {
            b = b.to(r.clone());
        }
        b.multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(plain(&p)),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html(&p)),
                ),
        )
        .map_err(build)
    }

    async fn post(&self, m: &AlertMessage) -> Result<(), super::AlertError> {
        let transport = match &self.transport {
            Ok(t) => t,
            Err(message) => {
                return Err(super::AlertError::Email(EmailError::Setup {
                    host: self.config.host.clone(),
                    port: self.config.port,
                    message: message.clone(),
                }))
            }
        };
        let msg = self.message(m).map_err(super::AlertError::Email)?;
        // lettre's timeout bounds each socket operation, not the exchange: a server that
        // stalls mid-dialogue (seen after a failed AUTH) must not hold the delivery task.
        match tokio::time::timeout(self.timeout, transport.send(msg)).await {
            Ok(r) => r.map(|_| ()).map_err(|e| self.smtp_error(e)),
            Err(_) => Err(super::AlertError::Email(EmailError::Timeout {
                host: self.config.host.clone(),
                port: self.config.port,
                timeout: self.timeout,
            })),
        }
    }
}

impl Channel for Email {
    fn name(&self) -> &'static str {
        "email"
    }

    fn send<'a>(&'a self, m: &'a AlertMessage) -> SendFuture<'a> {
        Box::pin(self.post(m))
    }
}

pub use crate::config::mailbox;
