//! The HTTP surface. Each module owns one area and exposes `router()`;
//! this module assembles them and wraps them in the request layers.
//!
//! - [`health`] serves `/health`, `/ready` (public).
//! - [`me`] serves `/api/v1/me`.
//! - [`teams`] serves `/api/v1/teams`.
//! - [`monitors`] serves `/api/v1/monitors…` including run-now.
//! - [`checks`] serves `/api/v1/monitors/{id}/checks…`.
//! - [`channels`] serves `/api/v1/channels…` including test sends.
//! - [`pagination`] serves cursors and limits shared by the list endpoints.

pub mod channels;
pub mod checks;
pub mod health;
pub mod me;
pub mod monitors;
pub mod pagination;
pub mod teams;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;

use crate::error::ApiError;
use crate::request_context::request_context;
use crate::state::AppState;

/// API bodies are small JSON documents; the largest legitimate one (a
/// monitor with 20 headers of 4 KiB) stays well below this.
const MAX_BODY_BYTES: usize = 128 * 1024;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(me::router())
        .merge(teams::router())
        .merge(monitors::router())
        .merge(checks::router())
        .merge(channels::router());
    Router::new()
        .merge(health::router())
        .nest("/api/v1", api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Outermost, so that every response, rejections and fallbacks
        // included, carries the request id and is logged once.
        .layer(middleware::from_fn(request_context))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
