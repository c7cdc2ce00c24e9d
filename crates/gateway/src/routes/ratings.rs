//! Alert ratings: members rate an alert "useful" or "noise" in the UI or API, anyone holding
//! the signed link from an alert rates it without signing in, and the monitor page shows
//! precision over the last rated alerts. The scheduler gives a monitor's last rated alerts to
//! the model as labelled examples.
//!
//! The public link is two steps on purpose: `GET` shows what the link will do and a button,
//! `POST` records it. Mail scanners and link previews fetch every `GET` in a message; if that
//! recorded the rating, both links of an alert would be spent before its reader clicks.

use std::time::SystemTime;

use axum::extract::State;
use axum::http::header::ACCEPT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use rating_link::{LinkError, Rating, RatingLinks, RatingToken};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::ratings::{RatingRefusal, StoredRating};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// The monitor page's precision counts this many of the latest rated alerts.
pub const PRECISION_WINDOW: i64 = 30;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(rate))
        .routes(routes!(precision))
        .routes(routes!(show_link, use_link))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// `useful` or `noise`.
    rating: String,
}

#[derive(Serialize, ToSchema)]
pub struct RatingResponse {
    check_id: Uuid,
    monitor_id: Uuid,
    /// `useful` or `noise`.
    rating: String,
    rated_at: DateTime<Utc>,
}

impl From<StoredRating> for RatingResponse {
    fn from(stored: StoredRating) -> Self {
        Self {
            check_id: stored.check_id,
            monitor_id: stored.monitor_id,
            rating: stored.rating,
            rated_at: stored.rated_at,
        }
    }
}

fn refusal(refusal: RatingRefusal) -> ApiError {
    match refusal {
        RatingRefusal::NotFound => ApiError::NotFound,
        RatingRefusal::NotAnAlert => {
            ApiError::Conflict("only alerts can be rated; this check did not alert".to_owned())
        }
        RatingRefusal::LinkUsed => {
            ApiError::Conflict("this rating link was used already".to_owned())
        }
    }
}

/// Rates an alert `useful` or `noise`; a later rating replaces the earlier one. The monitor's
/// last rated alerts guide the model's next verdicts.
#[utoipa::path(post, path = "/api/v1/monitors/{id}/checks/{check_id}/rating", tag = "monitors",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id"), ("check_id" = Uuid, Path, description = "Check id")),
    request_body = RatingBody,
    responses((status = 200, body = RatingResponse), (status = 404, description = "No such check of yours"),
        (status = 409, description = "The check did not alert"), (status = 422, description = "Not useful or noise")))]
async fn rate(
    user: CurrentUser,
    State(store): State<Store>,
    context: AuditContext,
    Path((monitor_id, check_id)): Path<(Uuid, Uuid)>,
    Json(body): Json<RatingBody>,
) -> Result<Json<RatingResponse>, ApiError> {
    let rating = Rating::parse(&body.rating)
        .ok_or_else(|| ApiError::field("rating", "must be useful or noise"))?;
    let stored = store
        .rate_check(user.id, monitor_id, check_id, rating.as_str())
        .await?
        .map_err(refusal)?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "check.rated",
        Some(&check_id.to_string()),
        json!({ "rating": rating.as_str(), "via": "api" }),
    )
    .await;
    Ok(Json(stored.into()))
}

#[derive(Serialize, ToSchema)]
pub struct PrecisionResponse {
    /// How many of the latest rated alerts are counted (at most 30).
    window: i64,
    /// Rated alerts counted.
    rated: i64,
    useful: i64,
    noise: i64,
    /// `useful / rated`, from 0 to 1; `null` before any alert was rated.
    precision: Option<f64>,
}

/// How many of the monitor's last 30 rated alerts were useful.
#[utoipa::path(get, path = "/api/v1/monitors/{id}/precision", tag = "monitors", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id")),
    responses((status = 200, body = PrecisionResponse), (status = 404, description = "No such monitor of yours")))]
async fn precision(
    user: CurrentUser,
    State(store): State<Store>,
    Path(id): Path<Uuid>,
) -> Result<Json<PrecisionResponse>, ApiError> {
    let counted = store
        .monitor_precision(user.id, id, PRECISION_WINDOW)
        .await?
        .ok_or(ApiError::NotFound)?;
    #[allow(clippy::cast_precision_loss)] // At most 30 alerts.
    let precision = (counted.rated > 0).then(|| counted.useful as f64 / counted.rated as f64);
    Ok(Json(PrecisionResponse {
        window: PRECISION_WINDOW,
        rated: counted.rated,
        useful: counted.useful,
        noise: counted.rated - counted.useful,
        precision,
    }))
}

/// Verifies a link's token; expired links are told apart because the reader can do something
/// about it (rate in the UI), forged ones are not.
fn verified(links: &RatingLinks, token: &str) -> Result<RatingToken, ApiError> {
    links
        .verify(token, SystemTime::now())
        .map_err(|error| match error {
            LinkError::Expired => ApiError::Forbidden(
                "this rating link has expired; rate the alert in Lookout instead".to_owned(),
            ),
            LinkError::Malformed | LinkError::BadSignature => {
                ApiError::Forbidden("this rating link is not valid".to_owned())
            }
        })
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Lookout</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    );
    (status, Html(html)).into_response()
}

fn error_page(error: &ApiError) -> Response {
    let message = match error {
        ApiError::Forbidden(message) | ApiError::Conflict(message) => message.clone(),
        ApiError::NotFound => "this alert no longer exists".to_owned(),
        _ => "the rating could not be recorded; try again later".to_owned(),
    };
    page(
        error.status(),
        "Rating not recorded",
        &format!("<p>{}</p>", html_escape(&message)),
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page behind an alert's rating link: what the link does, and the button that does it.
/// Nothing is recorded until the button is pressed (see the module's note on mail scanners).
#[utoipa::path(get, path = "/api/v1/ratings/{token}", tag = "monitors",
    params(("token" = String, Path, description = "The token of the rating link in the alert")),
    responses((status = 200, description = "An HTML page with the button that records the rating", content_type = "text/html"),
        (status = 403, description = "The link is forged or expired")))]
async fn show_link(State(links): State<RatingLinks>, Path(token): Path<String>) -> Response {
    let verified = match verified(&links, &token) {
        Ok(verified) => verified,
        Err(error) => return error_page(&error),
    };
    let (label, meaning) = match verified.rating {
        Rating::Useful => ("Useful", "it told you something you wanted to know"),
        Rating::Noise => ("Noise", "it should not have been sent"),
    };
    page(
        StatusCode::OK,
        "Rate this alert",
        &format!(
            "<p>Mark this alert as <strong>{label}</strong>: {meaning}. Lookout shows the model \
             your last rated alerts of this monitor, so its next verdicts follow your taste.</p>\
             <form method=\"post\"><button type=\"submit\">Mark as {label}</button></form>"
        ),
    )
}

/// Records the rating a signed link carries, without signing in. Each link works once and
/// expires 30 days after the alert. Answers an HTML page to browsers (`Accept: text/html`),
/// JSON otherwise.
#[utoipa::path(post, path = "/api/v1/ratings/{token}", tag = "monitors",
    params(("token" = String, Path, description = "The token of the rating link in the alert")),
    responses((status = 200, body = RatingResponse), (status = 403, description = "The link is forged or expired"),
        (status = 404, description = "The alert no longer exists"), (status = 409, description = "The link was used already")))]
async fn use_link(
    State(links): State<RatingLinks>,
    State(store): State<Store>,
    context: AuditContext,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let html = wants_html(&headers);
    let outcome = async {
        let verified = verified(&links, &token)?;
        let stored = store
            .rate_check_by_link(
                verified.check_id,
                verified.rating.as_str(),
                &RatingToken::digest(&token),
            )
            .await?
            .map_err(refusal)?;
        Ok::<_, ApiError>(stored)
    }
    .await;
    let stored = match outcome {
        Ok(stored) => stored,
        Err(error) if html => return Ok(error_page(&error)),
        Err(error) => return Err(error),
    };
    audit::record(
        &store,
        &context,
        audit::Actor::Anonymous,
        "check.rated",
        Some(&stored.check_id.to_string()),
        json!({ "rating": stored.rating, "via": "link" }),
    )
    .await;
    if html {
        return Ok(page(
            StatusCode::OK,
            "Thank you",
            &format!(
                "<p>The alert of <strong>{}</strong> is marked as <strong>{}</strong>.</p>",
                html_escape(&stored.monitor_name),
                stored.rating
            ),
        ));
    }
    Ok(Json(RatingResponse::from(stored)).into_response())
}
