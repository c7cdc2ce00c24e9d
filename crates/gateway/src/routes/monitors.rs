//! Monitors: CRUD and "run now".

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use secret_box::SecretBox;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use store::Store;
use store::monitors::{MonitorDefinition, MonitorPatch, MonitorWithChannels};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::CurrentUser;
use crate::domain::{self, Problems, Rules, monitor, monitor_headers};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::routes::pagination::{self, PageQuery};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(run_now))
}

/// A request header of a monitor. In responses `value` is always the mask
/// `••••••••`: values may be cookies or tokens, stored encrypted and never
/// shown again. Sending the mask back keeps the stored value.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderBody {
    name: String,
    #[schema(example = "••••••••")]
    value: String,
}

impl std::fmt::Debug for HeaderBody {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("HeaderBody")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, ToSchema)]
pub struct MonitorResponse {
    id: Uuid,
    team_id: Uuid,
    name: String,
    url: String,
    css_selector: Option<String>,
    json_pointer: Option<String>,
    condition: String,
    interval_seconds: i32,
    render: bool,
    headers: Vec<HeaderBody>,
    paused: bool,
    channel_ids: Vec<Uuid>,
    /// True while a "run now" request waits for the scheduler.
    run_requested: bool,
    next_check_at: DateTime<Utc>,
    last_checked_at: Option<DateTime<Utc>>,
    last_status: Option<String>,
    last_triggered_at: Option<DateTime<Utc>>,
    consecutive_failures: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<MonitorWithChannels> for MonitorResponse {
    fn from(
        MonitorWithChannels {
            monitor,
            channel_ids,
        }: MonitorWithChannels,
    ) -> Self {
        Self {
            id: monitor.id,
            team_id: monitor.team_id,
            name: monitor.name,
            url: monitor.url,
            css_selector: monitor.css_selector,
            json_pointer: monitor.json_pointer,
            condition: monitor.condition,
            interval_seconds: monitor.interval_seconds,
            render: monitor.render,
            headers: monitor
                .headers
                .into_iter()
                .map(|header| HeaderBody {
                    name: header.name,
                    value: monitor_headers::MASK.to_owned(),
                })
                .collect(),
            paused: monitor.paused,
            channel_ids,
            run_requested: monitor.requested_reason.is_some(),
            next_check_at: monitor.next_check_at,
            last_checked_at: monitor.last_checked_at,
            last_status: monitor.last_status,
            last_triggered_at: monitor.last_triggered_at,
            consecutive_failures: monitor.consecutive_failures,
            created_at: monitor.created_at,
            updated_at: monitor.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MonitorList {
    items: Vec<MonitorResponse>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMonitor {
    /// Defaults to the caller's personal team.
    team_id: Option<Uuid>,
    name: String,
    url: String,
    css_selector: Option<String>,
    json_pointer: Option<String>,
    #[serde(default)]
    condition: String,
    interval_seconds: Option<i64>,
    #[serde(default)]
    render: bool,
    #[serde(default)]
    headers: Vec<HeaderBody>,
    #[serde(default)]
    paused: bool,
    #[serde(default)]
    channel_ids: Vec<Uuid>,
}

/// Absent fields stay as they are; `css_selector` and `json_pointer` can be
/// cleared with `null` or an empty string.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMonitor {
    name: Option<String>,
    url: Option<String>,
    /// `null` or `""` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    css_selector: Option<Option<String>>,
    /// `null` or `""` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    json_pointer: Option<Option<String>>,
    condition: Option<String>,
    interval_seconds: Option<i64>,
    render: Option<bool>,
    headers: Option<Vec<HeaderBody>>,
    paused: Option<bool>,
    channel_ids: Option<Vec<Uuid>>,
}

/// Distinguishes a field sent as `null` (`Some(None)`) from an absent one
/// (`None`, through `#[serde(default)]`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this team's monitors.
    team_id: Option<Uuid>,
    /// Page size, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

pub(crate) fn header_pairs(headers: Vec<HeaderBody>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|header| (header.name, header.value))
        .collect()
}

/// The submitted headers sealed for the store; a masked value keeps the
/// stored one of `existing`.
pub(crate) fn sealed_headers(
    secret_box: &SecretBox,
    submitted: Vec<monitor_headers::SubmittedHeader>,
    existing: &[store::monitors::RequestHeader],
) -> Result<Vec<store::monitors::RequestHeader>, ApiError> {
    monitor_headers::seal(secret_box, submitted, existing).map_err(header_error)
}

pub(crate) fn header_error(error: monitor_headers::HeaderSecretError) -> ApiError {
    match error {
        monitor_headers::HeaderSecretError::NothingToKeep(_) => {
            ApiError::field("headers", error.to_string())
        }
        other => ApiError::Internal(other.to_string()),
    }
}

/// Creates a monitor in the caller's personal team or in `team_id`.
#[utoipa::path(post, path = "/api/v1/monitors", tag = "monitors", security(("bearer" = [])),
    request_body = CreateMonitor,
    responses((status = 201, body = MonitorResponse)))]
async fn create(
    user: CurrentUser,
    State(store): State<Store>,
    State(rules): State<Arc<Rules>>,
    State(secret_box): State<SecretBox>,
    context: AuditContext,
    Json(request): Json<CreateMonitor>,
) -> Result<(StatusCode, Json<MonitorResponse>), ApiError> {
    let mut problems = Problems::default();
    let name = problems.check("name", domain::name(&request.name, monitor::MAX_NAME));
    let url = problems.check("url", monitor::url(&rules, &request.url).await);
    let css_selector = problems.check(
        "css_selector",
        monitor::css_selector(request.css_selector.as_deref()),
    );
    let json_pointer = problems.check(
        "json_pointer",
        monitor::json_pointer(request.json_pointer.as_deref()),
    );
    let condition = problems.check("condition", monitor::condition(&request.condition));
    let interval = request
        .interval_seconds
        .unwrap_or_else(|| monitor::default_interval_seconds(&rules));
    let interval_seconds = problems.check(
        "interval_seconds",
        monitor::interval_seconds(&rules, interval),
    );
    let headers = problems.check("headers", monitor::headers(header_pairs(request.headers)));
    problems.finish()?;
    let headers = sealed_headers(&secret_box, headers.unwrap_or_default(), &[])?;
    // Every value is present: `finish` returned early otherwise.
    let definition = MonitorDefinition {
        name: name.unwrap_or_default(),
        url: url.unwrap_or_default(),
        css_selector: css_selector.flatten(),
        json_pointer: json_pointer.flatten(),
        condition: condition.unwrap_or_default(),
        interval_seconds: interval_seconds.unwrap_or_default(),
        render: request.render,
        headers,
        paused: request.paused,
    };
    let created = store
        .create_monitor(user.id, request.team_id, &definition, &request.channel_ids)
        .await?;
    let target = created.monitor.id.to_string();
    audit::record(
        &store,
        &context,
        (&user).into(),
        "monitor.created",
        Some(&target),
        json!({}),
    )
    .await;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// The monitors of the caller's teams, newest first.
#[utoipa::path(get, path = "/api/v1/monitors", tag = "monitors", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = MonitorList)))]
async fn list(
    user: CurrentUser,
    State(store): State<Store>,
    Query(query): Query<ListQuery>,
) -> Result<Json<MonitorList>, ApiError> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    }
    .to_request()?;
    let page = store.list_monitors(user.id, query.team_id, page).await?;
    Ok(Json(MonitorList {
        items: page.items.into_iter().map(MonitorResponse::from).collect(),
        next_cursor: page.next.map(pagination::encode),
    }))
}

#[utoipa::path(get, path = "/api/v1/monitors/{id}", tag = "monitors", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id")),
    responses((status = 200, body = MonitorResponse)))]
async fn show(
    user: CurrentUser,
    State(store): State<Store>,
    Path(id): Path<Uuid>,
) -> Result<Json<MonitorResponse>, ApiError> {
    let monitor = store
        .get_monitor(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(monitor.into()))
}

/// Changes the fields sent; absent fields stay as they are.
#[utoipa::path(patch, path = "/api/v1/monitors/{id}", tag = "monitors", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id")),
    request_body = UpdateMonitor,
    responses((status = 200, body = MonitorResponse)))]
async fn update(
    user: CurrentUser,
    State(store): State<Store>,
    State(rules): State<Arc<Rules>>,
    State(secret_box): State<SecretBox>,
    Path(id): Path<Uuid>,
    Json(request): Json<UpdateMonitor>,
) -> Result<Json<MonitorResponse>, ApiError> {
    let mut problems = Problems::default();
    let mut patch = MonitorPatch::default();
    if let Some(name) = &request.name {
        patch.name = problems.check("name", domain::name(name, monitor::MAX_NAME));
    }
    if let Some(url) = &request.url {
        patch.url = problems.check("url", monitor::url(&rules, url).await);
    }
    if let Some(selector) = &request.css_selector {
        patch.css_selector =
            problems.check("css_selector", monitor::css_selector(selector.as_deref()));
    }
    if let Some(pointer) = &request.json_pointer {
        patch.json_pointer =
            problems.check("json_pointer", monitor::json_pointer(pointer.as_deref()));
    }
    if let Some(condition) = &request.condition {
        patch.condition = problems.check("condition", monitor::condition(condition));
    }
    if let Some(interval) = request.interval_seconds {
        patch.interval_seconds = problems.check(
            "interval_seconds",
            monitor::interval_seconds(&rules, interval),
        );
    }
    let headers = request
        .headers
        .map(|headers| problems.check("headers", monitor::headers(header_pairs(headers))));
    patch.render = request.render;
    patch.paused = request.paused;
    problems.finish()?;
    if let Some(submitted) = headers.flatten() {
        let keeps_a_value = submitted
            .iter()
            .any(|header| matches!(header.value, monitor_headers::Submitted::Keep));
        let existing = if keeps_a_value {
            store
                .get_monitor(user.id, id)
                .await?
                .ok_or(ApiError::NotFound)?
                .monitor
                .headers
        } else {
            Vec::new()
        };
        patch.headers = Some(sealed_headers(&secret_box, submitted, &existing)?);
    }
    let updated = store
        .update_monitor(user.id, id, &patch, request.channel_ids.as_deref())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(updated.into()))
}

#[utoipa::path(delete, path = "/api/v1/monitors/{id}", tag = "monitors", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id")),
    responses((status = 204, description = "Deleted")))]
async fn remove(
    user: CurrentUser,
    State(store): State<Store>,
    context: AuditContext,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    if store.delete_monitor(user.id, id).await? {
        let action = "monitor.deleted";
        audit::record(
            &store,
            &context,
            (&user).into(),
            action,
            Some(&id.to_string()),
            json!({}),
        )
        .await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Serialize, ToSchema)]
pub struct Queued {
    /// Always `queued`.
    #[schema(value_type = String)]
    status: &'static str,
}

/// Asks the scheduler to check the monitor now; the check shows up in the
/// monitor's history when it has run.
#[utoipa::path(post, path = "/api/v1/monitors/{id}/check", tag = "monitors", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id")),
    responses((status = 202, body = Queued)))]
async fn run_now(
    user: CurrentUser,
    State(store): State<Store>,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, Json<Queued>), ApiError> {
    if store.request_monitor_run(user.id, id).await? {
        Ok((StatusCode::ACCEPTED, Json(Queued { status: "queued" })))
    } else {
        Err(ApiError::NotFound)
    }
}
