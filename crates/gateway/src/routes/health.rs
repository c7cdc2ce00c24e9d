//! Liveness and readiness, public and unauthenticated.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::json;

use crate::extract::Json;
use crate::readiness::{Readiness, ReadinessReport};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
}

/// The process is up and serving HTTP; says nothing about dependencies, so
/// an orchestrator does not restart the gateway when the database blips.
async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn ready(State(readiness): State<Arc<Readiness>>) -> (StatusCode, Json<ReadinessReport>) {
    let report = readiness.check().await;
    let status = if report.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}
