//! The agent's HTTP endpoints (axum), served on `[agent] listen`:
//!
//! - `GET /metrics`: the Prometheus exposition (OpenMetrics when asked for, else text 0.0.4).
//! - `GET /healthz`: 200 while the process runs (liveness).
//! - `GET /readyz`: 200 once every pipeline completed its first probe, 503 before (readiness).
//! - `GET /status`: the latest diagnosis of every pipeline, as `diagnose --format json`.
//!
//! No secret is reachable from here: the state holds diagnoses and metrics only.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::Shared;

/// The router over the agent's shared state (tested without a socket).
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/status", get(status))
        .with_state(shared)
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
