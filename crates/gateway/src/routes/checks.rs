//! A monitor's check history.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use blob_store::BlobStore;
use chrono::{DateTime, Utc};
use serde::Serialize;
use store::Store;
use store::checks::Check;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::routes::pagination::{self, PageQuery};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(screenshot))
}

#[derive(Serialize, ToSchema)]
pub struct CheckResponse {
    id: Uuid,
    monitor_id: Uuid,
    /// What started the check: `schedule`, `manual` or `hook`.
    reason: String,
    /// `ok` or the kind of failure; `render_quota` when the check did not run because its
    /// team spent its renders of the hour (not a failure of the page).
    status: String,
    http_status: Option<i32>,
    content_sha256: Option<String>,
    baseline: bool,
    changed: bool,
    triggered: bool,
    summary: Option<String>,
    /// Why the judge decided as it did.
    judge_reason: Option<String>,
    extracted_value: Option<String>,
    confidence: Option<f32>,
    judge: Option<String>,
    diff: Option<String>,
    error: Option<String>,
    fetch_ms: Option<i32>,
    judge_ms: Option<i32>,
    duration_ms: Option<i32>,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    /// How many scheduled checks in a row this entry stands for. A check whose outcome
    /// repeats the monitor's latest entry (the same page, status, HTTP status and error;
    /// nothing changed, judged, alerted or kept) is counted here instead of written again, so
    /// a page that stays the same for a day is one entry: "unchanged 288 times". The other
    /// fields are the first check's. 1 for a single check.
    repeats: i32,
    /// When the latest of those checks finished (`finished_at` for a single check).
    last_finished_at: DateTime<Utc>,
    // Verdicts.
    /// `state` or `event`, as the judge classified the condition.
    condition_kind: Option<String>,
    /// For a state condition: whether it held on this page.
    condition_holds: Option<bool>,
    /// The first check alerted because the state condition already held when monitoring
    /// started.
    first_alert: bool,
    /// The excerpt of the page the verdict quotes as its evidence.
    evidence_excerpt: Option<String>,
    /// `verified`, `unverified` (the evidence did not hold, so the check did not trigger) or
    /// `not_needed`.
    verification: Option<String>,
    /// Why the evidence did not hold.
    verification_problem: Option<String>,
    /// The verdict came from the verdict cache, without a model call.
    judge_cached: bool,
    prompt_tokens: Option<i32>,
    completion_tokens: Option<i32>,
    /// Why the change could not be judged: `model_unavailable`, `timeout`, `rate_limited`,
    /// `invalid_answer` or `over_budget` (not sent to the model). Also set on an alert sent without a verdict (`alert_anyway`).
    unjudged_reason: Option<String>,
    /// This check told the owner that judging fails.
    unjudged_notice: bool,
    /// `useful` or `noise` once someone rated this alert, else `null`.
    rating: Option<String>,
    /// The screenshot this check kept (see the monitor's `screenshot`), else `null`.
    screenshot_url: Option<String>,
    /// The screenshot of the latest earlier check that kept one: the "before" of this check's
    /// "after" when the page changed. `null` when there is none.
    previous_screenshot_url: Option<String>,
}

/// Where a check's screenshot is served.
fn screenshot_url(monitor_id: Uuid, check_id: Uuid) -> String {
    format!("/api/v1/monitors/{monitor_id}/checks/{check_id}/screenshot")
}

impl From<Check> for CheckResponse {
    fn from(check: Check) -> Self {
        Self {
            id: check.id,
            monitor_id: check.monitor_id,
            reason: check.reason,
            status: check.status,
            http_status: check.http_status,
            content_sha256: check.content_sha256,
            baseline: check.baseline,
            changed: check.changed,
            triggered: check.triggered,
            summary: check.summary,
            judge_reason: check.reason_text,
            extracted_value: check.extracted_value,
            confidence: check.confidence,
            judge: check.judge,
            diff: check.diff,
            error: check.error,
            fetch_ms: check.fetch_ms,
            judge_ms: check.judge_ms,
            duration_ms: check.duration_ms,
            started_at: check.started_at,
            finished_at: check.finished_at,
            repeats: check.repeats,
            last_finished_at: check.last_finished_at,
            condition_kind: check.verdict.condition_kind,
            condition_holds: check.verdict.condition_holds,
            first_alert: check.verdict.first_alert,
            evidence_excerpt: check.verdict.evidence_excerpt,
            verification: check.verdict.verification,
            verification_problem: check.verdict.verification_problem,
            judge_cached: check.verdict.cached,
            prompt_tokens: check.verdict.prompt_tokens,
            completion_tokens: check.verdict.completion_tokens,
            unjudged_reason: check.verdict.unjudged_reason,
            rating: check.rating,
            unjudged_notice: check.verdict.unjudged_notice,
            screenshot_url: check
                .screenshot_sha256
                .is_some()
                .then(|| screenshot_url(check.monitor_id, check.id)),
            previous_screenshot_url: check
                .previous_screenshot_check_id
                .map(|previous| screenshot_url(check.monitor_id, previous)),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CheckList {
    items: Vec<CheckResponse>,
    next_cursor: Option<String>,
}

/// A monitor's checks, newest first.
#[utoipa::path(get, path = "/api/v1/monitors/{id}/checks", tag = "monitors", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id"), PageQuery),
    responses((status = 200, body = CheckList)))]
async fn list(
    user: CurrentUser,
    State(store): State<Store>,
    Path(monitor_id): Path<Uuid>,
    Query(query): Query<PageQuery>,
) -> Result<Json<CheckList>, ApiError> {
    let page = query.to_request()?;
    let page = store
        .list_checks(user.id, monitor_id, page)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(CheckList {
        items: page.items.into_iter().map(CheckResponse::from).collect(),
        next_cursor: page.next.map(pagination::encode),
    }))
}

/// One check of a monitor.
#[utoipa::path(get, path = "/api/v1/monitors/{id}/checks/{check_id}", tag = "monitors", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id"), ("check_id" = Uuid, Path, description = "Check id")),
    responses((status = 200, body = CheckResponse)))]
async fn show(
    user: CurrentUser,
    State(store): State<Store>,
    Path((monitor_id, check_id)): Path<(Uuid, Uuid)>,
) -> Result<Json<CheckResponse>, ApiError> {
    let check = store
        .get_check(user.id, monitor_id, check_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(check.into()))
}

/// The screenshot a check kept (PNG). Screenshots are content-addressed, so
/// one never changes: the browser keeps it for good (privately: it is a
/// team's page) and revalidates by its hash.
#[utoipa::path(get, path = "/api/v1/monitors/{id}/checks/{check_id}/screenshot", tag = "monitors",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id"), ("check_id" = Uuid, Path, description = "Check id")),
    responses(
        (status = 200, description = "The PNG", content_type = "image/png", body = Vec<u8>),
        (status = 304, description = "Unchanged since the `ETag` the client holds"),
        (status = 404, description = "No such check in the caller's teams, or the check kept no screenshot")))]
async fn screenshot(
    user: CurrentUser,
    State(store): State<Store>,
    State(blobs): State<BlobStore>,
    Path((monitor_id, check_id)): Path<(Uuid, Uuid)>,
    request_headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = store
        .get_check(user.id, monitor_id, check_id)
        .await?
        .and_then(|check| check.screenshot_sha256)
        .ok_or(ApiError::NotFound)?;
    let etag = format!("\"{key}\"");
    let cache = [
        (
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable".to_owned(),
        ),
        (header::ETAG, etag.clone()),
    ];
    let matches = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let png = blobs
        .get(&key)
        .await
        .map_err(|error| ApiError::Internal(format!("reading screenshot {key}: {error}")))?
        // Pruned by a monitor deletion that raced the check's recording.
        .ok_or(ApiError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "image/png".to_owned())], cache, png).into_response())
}

/// Deletes the screenshots a deletion of checks left unreferenced (the
/// store answers which). A failure leaves a blob nobody can reach: logged,
/// never the deletion's failure.
pub async fn prune_screenshots(blobs: &BlobStore, unreferenced: &[String]) {
    for key in unreferenced {
        if let Err(error) = blobs.delete(key).await {
            tracing::warn!(%error, "a screenshot no check references was not deleted");
        }
    }
}
