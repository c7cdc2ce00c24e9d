//! Liveness and readiness, public and unauthenticated.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::Json;
use crate::readiness::{Readiness, ReadinessReport};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
}

#[derive(Serialize, ToSchema)]
pub struct Liveness {
    /// Always `ok`.
    #[schema(value_type = String)]
    status: &'static str,
}

/// The process is up and serving HTTP; says nothing about dependencies, so
/// an orchestrator does not restart the gateway when the database blips.
#[utoipa::path(get, path = "/health", tag = "ops", responses((status = 200, body = Liveness)))]
async fn health() -> Json<Liveness> {
    Json(Liveness { status: "ok" })
}

/// Whether this replica can serve: database, Redis, internal services and
/// the rate limiter. 503 with the same body when something is down.
#[utoipa::path(get, path = "/ready", tag = "ops", responses(
    (status = 200, body = ReadinessReport),
    (status = 503, body = ReadinessReport)))]
async fn ready(State(readiness): State<Arc<Readiness>>) -> (StatusCode, Json<ReadinessReport>) {
    let report = readiness.check().await;
    let status = if report.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(ReadinessReport::clone(&report)))
}
