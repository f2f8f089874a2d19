//! The agent's HTTP endpoints (axum), served on `[agent] listen`:
//!
//! - `GET /metrics`: the Prometheus exposition (OpenMetrics when asked for, else text 0.0.4).
//! - `GET /healthz`: 200 while the process runs (liveness).
//! - `GET /readyz`: 200 once every pipeline completed its first probe, 503 before, and while the
//!   history database cannot be written (readiness).
//! - `GET /status`: the latest diagnosis of every pipeline, as `diagnose --format json`.
//!
//! No secret is reachable from here: the state holds diagnoses and metrics only. Still, /status
//! shows connect strings, JobManager URLs, paths and job ids: with `[agent] token_env` or
//! `token_file` every endpoint but `/healthz` (which a liveness probe calls bare) requires
//! `Authorization: Bearer <token>`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::Shared;
use crate::config::Secret;

/// The router over the agent's shared state (tested without a socket); with `token`, every
/// route but `/healthz` requires it as a bearer token.
pub fn router(shared: Arc<Shared>, token: Option<Secret>) -> Router {
    let guarded = Router::new()
        .route("/metrics", get(metrics))
        .route("/readyz", get(readyz))
        .route("/status", get(status));
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
