//! The HTTP surface. Each module owns one area and exposes `router()`;
//! this module assembles them and wraps them in the request layers.
//!
//! - [`health`] serves `/health`, `/ready` (public).
//! - [`me`] serves `/api/v1/me`.
//! - [`teams`] serves `/api/v1/teams`.
//! - [`monitors`] serves `/api/v1/monitors…` including run-now and the filtered list.
//! - [`bulk`] serves `/api/v1/monitors/bulk`: one action on many monitors.
//! - [`tags`] serves `/api/v1/tags…`: a team's tags.
//! - [`checks`] serves `/api/v1/monitors/{id}/checks…`.
//! - [`series`] serves `/api/v1/monitors/{id}/series`: outcomes and extracted values for charts.
//! - [`check_export`] serves `/api/v1/monitors/{id}/checks/export`: the history as a CSV or JSON file.
//! - [`transfer`] serves `/api/v1/teams/{id}/export` and `/api/v1/teams/{id}/import`: moving monitors out and in.
//! - [`channels`] serves `/api/v1/channels…` including test sends.
//! - [`unsubscribe`] serves `/api/v1/channels/unsubscribe/{token}`: one-click unsubscribe (RFC 8058).
//! - [`deliveries`] serves `/api/v1/deliveries…`: dead letters and requeuing.
//! - [`preview`] serves `/api/v1/preview` (fetch and extract once).
//! - [`auth`] serves `/auth/google/login`, `/auth/google/callback`, `/auth/refresh`, `/auth/logout`.
//! - [`sessions`], [`api_keys`] serve `/api/v1/sessions…`, `/api/v1/api-keys…`.
//! - [`team_members`] serves `/api/v1/teams/{id}/members…`.
//! - [`invitations`] serves `/api/v1/teams/{id}/invitations…` and `/api/v1/invitations…`.
//! - [`retention`] serves `/api/v1/teams/{id}/retention`: how long a team keeps its history.
//! - [`quotas`] serves `/api/v1/teams/{id}/quotas` and the administrators' quota settings.
//! - [`admin`] serves `/api/v1/admin/…` (administrators only).
//! - [`hooks`] serves signed triggers and their secrets.
//! - [`pagination`] serves cursors and limits shared by the list endpoints.

pub mod admin;
pub mod api_keys;
pub mod auth;
pub mod budgets;
pub mod bulk;
pub mod channels;
pub mod check_export;
pub mod checks;
pub mod deliveries;
pub mod health;
pub mod hooks;
pub mod invitations;
pub mod me;
pub mod monitors;
pub mod pagination;
pub mod preview;
pub mod quotas;
pub mod ratings;
pub mod retention;
pub mod series;
pub mod sessions;
pub mod tags;
pub mod team_members;
pub mod teams;
pub mod transfer;
pub mod unsubscribe;

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::Method;
use axum::response::IntoResponse;
use tower::ServiceExt;
use tower::service_fn;
use tower_http::services::{ServeDir, ServeFile};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::edge::{self, Edge, headers};
use crate::error::ApiError;
use crate::openapi::{self, ApiDoc};
use crate::state::AppState;

/// The single list of routes: each module registers its handlers with
/// `utoipa_axum::routes!`, which adds the route and its documentation at
/// once (see [`crate::openapi`]). New areas add one `.merge(...)` line here.
pub fn api() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .merge(me::router())
        .merge(teams::router())
        // A monitor may carry 20 headers of 4 KiB; the rest needs a few KiB.
        .merge(monitors::router().layer(DefaultBodyLimit::max(128 * 1024)))
        .merge(bulk::router())
        .merge(tags::router())
        .merge(checks::router())
        .merge(check_export::router())
        .merge(series::router())
        // Its own body limit (16 MiB, `transfer::MAX_IMPORT_BYTES`).
        .merge(transfer::router())
        .merge(channels::router())
        .merge(unsubscribe::router())
        .merge(deliveries::router())
        .merge(preview::router())
        .merge(sessions::router())
        .merge(api_keys::router())
        .merge(team_members::router())
        .merge(invitations::router())
        .merge(admin::router())
        .merge(budgets::router())
        .merge(quotas::router())
        .merge(retention::router())
        .merge(ratings::router())
        .merge(hooks::router());
    // Merged, not nested: the v1 modules' paths carry the `/api/v1` prefix
    // themselves, because a nested router rewrites every request's URI.
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(auth::router().layer(DefaultBodyLimit::max(16 * 1024)))
        .merge(v1)
}

/// The documented routes and their OpenAPI document.
pub fn api_and_document() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, document) = api().split_for_parts();
    (
        router,
        crate::webhook_docs::document(openapi::finish(document)),
    )
}

pub fn router(state: AppState, edge: Arc<Edge>) -> Router {
    let (api, document) = api_and_document();
    // Serialising a document of derived types cannot fail; an empty one
    // keeps the gateway serving if it ever did.
    let document =
        openapi::DocumentJson::new(&document).unwrap_or_else(|_| openapi::DocumentJson::empty());
    let router = api.merge(openapi::router(document));
    let router = match &edge.settings.web_dist_dir {
        Some(dir) => router.fallback_service(web_ui(dir)),
        None => router.fallback(not_found),
    };
    let router = router.method_not_allowed_fallback(method_not_allowed);
    // The edge wraps every route and both fallbacks, so that every response,
    // rejections included, carries the request id and is logged once.
    edge::wrap(router, edge).with_state(state)
}

/// The built UI for every path outside `/api` and `/auth`, with
/// `index.html` for client-side routes; API paths still get JSON 404s.
fn web_ui(dir: &Path) -> axum::routing::MethodRouter {
    let files = ServeDir::new(dir)
        .fallback(ServeFile::new(dir.join("index.html")))
        .append_index_html_on_directories(true);
    axum::routing::any_service(service_fn(move |request: Request| {
        let files = files.clone();
        async move {
            let path = request.uri().path();
            if headers::is_private_path(path)
                || !matches!(*request.method(), Method::GET | Method::HEAD)
            {
                return Ok::<_, Infallible>(ApiError::NotFound.into_response());
            }
            Ok(match files.oneshot(request).await {
                Ok(response) => response.into_response(),
                Err(never) => match never {},
            })
        }
    }))
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
