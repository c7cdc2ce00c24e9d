//! The HTTP surface. Each module owns one area and exposes `router()`;
//! this module assembles them and wraps them in the request layers.
//!
//! - [`health`] serves `/health`, `/ready` (public).
//! - [`me`] serves `/api/v1/me`.
//! - [`teams`] serves `/api/v1/teams`.
//! - [`monitors`] serves `/api/v1/monitors…` including run-now.
//! - [`checks`] serves `/api/v1/monitors/{id}/checks…`.
//! - [`channels`] serves `/api/v1/channels…` including test sends.
//! - [`preview`] serves `/api/v1/preview` (fetch and extract once).
//! - [`pagination`] serves cursors and limits shared by the list endpoints.

pub mod channels;
pub mod checks;
pub mod health;
pub mod me;
pub mod monitors;
pub mod pagination;
pub mod preview;
pub mod teams;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::openapi::{self, ApiDoc};
use crate::request_context::request_context;
use crate::state::AppState;

/// API bodies are small JSON documents; the largest legitimate one (a
/// monitor with 20 headers of 4 KiB) stays well below this.
const MAX_BODY_BYTES: usize = 128 * 1024;

/// The single list of routes: each module registers its handlers with
/// `utoipa_axum::routes!`, which adds the route and its documentation at
/// once (see [`crate::openapi`]). New areas add one `.merge(...)` line here.
pub fn api() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .merge(me::router())
        .merge(teams::router())
        .merge(monitors::router())
        .merge(checks::router())
        .merge(channels::router())
        .merge(preview::router());
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .nest("/api/v1", v1)
}

/// The documented routes and their OpenAPI document.
pub fn api_and_document() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, document) = api().split_for_parts();
    (router, openapi::finish(document))
}

pub fn router(state: AppState) -> Router {
    let (api, document) = api_and_document();
    // Serialising a document of derived types cannot fail; an empty one
    // keeps the gateway serving if it ever did.
    let document =
        openapi::DocumentJson::new(&document).unwrap_or_else(|_| openapi::DocumentJson::empty());
    api.merge(openapi::router(document))
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
