//! The agent's HTTP endpoints (axum), served on `[agent] listen`:
//!
//! - `GET /metrics`: the Prometheus exposition (OpenMetrics when asked for, else text 0.0.4).
//! - `GET /healthz`: 200 while the process runs (liveness).
//! - `GET /readyz`: 200 once every pipeline completed its first probe (in a fleet: while the
//!   member is in the fleet), 503 before, and while the history database cannot be written
//!   (readiness).
//! - `GET /status`: the latest diagnosis of every pipeline, as `diagnose --format json`.
//! - `GET /`: the status page (every pipeline's verdict, since when, summary, small plots).
//! - `GET /p/<name>?range=1h|6h|24h|retention`: a pipeline's page (plots, verdict bands,
//!   evidence, what to do, silences, incidents, savepoints).
//! - `GET /incidents/<id>`: an incident's report (`report <id> --format html`).
//!
//! No secret is reachable from here: the state holds diagnoses and metrics only. Still, /status
//! shows connect strings, JobManager URLs, paths and job ids: with `[agent] token_env` or
//! `token_file` every endpoint but `/healthz` (which a liveness probe calls bare) requires
//! `Authorization: Bearer <token>`.

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::page::{PageError, Pages, Range};
use super::postmortem::Report;
use super::Shared;
use crate::config::Secret;
use crate::observation::Timestamp;

/// The router over the agent's shared state (tested without a socket); with `token`, every
/// route but `/healthz` requires it as a bearer token.
pub fn router(shared: Arc<Shared>, token: Option<Secret>) -> Router {
    let guarded = Router::new()
        .route("/metrics", get(metrics))
        .route("/readyz", get(readyz))
        .route("/status", get(status))
        .route("/", get(overview))
        .route("/p/{name}", get(pipeline_page))
        .route("/incidents/{id}", get(incident_page));
    let guarded = match token {
        Some(t) => guarded.layer(middleware::from_fn_with_state(Arc::new(t), require_token)),
        None => guarded,
    };
    Router::new()
        .route("/healthz", get(healthz))
        .merge(guarded)
        .with_state(shared)
}

/// 401 unless the request carries `Authorization: Bearer <token>`.
async fn require_token(State(token): State<Arc<Secret>>, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if same(given.as_bytes(), token.expose().as_bytes()) {
        next.run(req).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a bearer token is required ([agent] token_env / token_file)\n",
        )
            .into_response()
    }
}

/// Equality in time independent of where the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// OpenMetrics for clients that ask for it (Prometheus does), the classic text format for the
/// others.
async fn metrics(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let openmetrics = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/openmetrics-text"));
    if openmetrics {
        (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            s.metrics.encode(),
        )
            .into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            s.metrics.encode_text(),
        )
            .into_response()
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(s): State<Arc<Shared>>) -> Response {
    if let Some(why) = s.history_failing() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: the history cannot be written ({why})\n"),
        )
            .into_response();
    }
    if let Some(why) = s.fleet_trouble() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: not in the fleet ({why})\n"),
        )
            .into_response();
    }
    if s.is_ready() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the first probe of every pipeline has not completed\n",
        )
            .into_response()
    }
}

async fn status(State(s): State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::report::json_all(&s.latest()),
    )
        .into_response()
}

/// An HTML answer.
fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// A plain-text error answer.
fn plain(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text + "\n",
    )
        .into_response()
}

fn page_error(e: &PageError) -> Response {
    plain(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "the status page cannot read the history: {}",
            crate::observation::error_chain(e)
        ),
    )
}

fn pages(s: &Shared) -> Result<&Pages, Box<Response>> {
    s.pages().ok_or_else(|| {
        Box::new(plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "the status page is not available: the agent has not started".into(),
        ))
    })
}

async fn overview(State(s): State<Arc<Shared>>) -> Response {
    let p = match pages(&s) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match p.overview(&s.latest()).await {
        Ok(body) => html(body),
        Err(e) => page_error(&e),
    }
}

/// `?range=`.
#[derive(Debug, serde::Deserialize)]
struct RangeQuery {
    range: Option<String>,
}

async fn pipeline_page(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Response {
    let p = match pages(&s) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let range = match q.range.as_deref() {
        None => Range::SixHours,
        Some(r) => match Range::parse(r) {
            Some(r) => r,
            None => {
                return plain(
                    StatusCode::BAD_REQUEST,
                    format!("unknown range {r:?}: expected 1h, 6h, 24h or retention"),
                )
            }
        },
    };
    let latest = s.latest().into_iter().find(|d| d.pipeline == name);
    match p.pipeline(&name, range, latest.as_ref()).await {
        Ok(Some(body)) => html(body),
        Ok(None) => plain(
            StatusCode::NOT_FOUND,
            format!("no pipeline named {name:?} is configured"),
        ),
        Err(e) => page_error(&e),
    }
}

async fn incident_page(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let p = match pages(&s) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match p.report(&id).await {
        Ok(Some(r)) => html(r.html(p.lang)),
        Ok(None) => plain(
            StatusCode::NOT_FOUND,
            format!("no incident {id:?} in the history"),
        ),
        Err(e) => page_error(&e),
    }
}

impl Pages {
    /// The report of incident `id`, when the history holds it.
    pub async fn report(&self, id: &str) -> Result<Option<Report>, PageError> {
        let Some(h) = self.history.as_ref() else {
            return Err(PageError::NoHistory);
        };
        let now = (self.now)();
        // Only the pipelines the id can belong to (`<pipeline>-<time>`).
        for p in self
            .pipelines
            .iter()
            .filter(|p| id.starts_with(&format!("{}-", p.name)))
        {
            let found = super::incidents::load(
                h,
                std::slice::from_ref(&p.name),
                Timestamp::from_unix_millis(0),
            )
            .await?;
            if let Some(i) = found.into_iter().find(|i| i.id == id) {
                return Ok(Some(Report::load(h, i, p.stall_window, now).await?));
            }
        }
        Ok(None)
    }
}
