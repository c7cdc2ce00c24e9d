//! A monitor's check history.

use axum::extract::State;
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
