//! Monitors: CRUD and "run now".

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use blob_store::BlobStore;
use chrono::{DateTime, Utc};
use secret_box::SecretBox;
use selection::{Family, Kind};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use store::Store;
use store::monitors::{
    COOKIE_PURPOSE, FailPolicy, FirstCheck, MonitorDefinition, MonitorFilter, MonitorPatch,
    MonitorWithChannels, Screenshot, StatusFilter,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::CurrentUser;
use crate::domain::{self, Problems, Rules, monitor, monitor_headers, render_options};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::routes::pagination::{self, PageQuery};
use crate::routes::series::{self, RecentChecks};
use crate::routes::tags;
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

/// A cookie set for the monitored page's host only (never sent to another
/// host). In responses `value` is the mask `••••••••`; sending the mask back
/// keeps the stored value.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CookieBody {
    name: String,
    #[schema(example = "••••••••")]
    value: String,
}

impl std::fmt::Debug for CookieBody {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("CookieBody")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// One browser step, run in order in the rendered page before it is read:
///
/// - `goto` `{value: URL}`: load another page.
/// - `fill` `{selector, value}`: type `value` into a field. The value is
///   stored encrypted and answered as the mask `••••••••`; sending the mask
///   back keeps the stored value of the fill step with the same selector.
/// - `click` `{selector}`: click an element (a navigation it starts is waited for).
/// - `press` `{value: key}`: press `Enter`, `Tab`, `Escape`, … in the focused element.
/// - `wait_for` `{selector}`: wait (up to 10 s) until an element matches.
/// - `wait` `{ms}`: wait up to 10,000 ms.
///
/// At most 20 steps. A step that fails ends the check with status
/// `step_failed` and the step's number in the error.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    #[schema(example = "fill")]
    action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    selector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ms: Option<u64>,
}

impl std::fmt::Debug for StepBody {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("StepBody")
            .field("action", &self.action)
            .field("selector", &self.selector)
            .finish_non_exhaustive()
    }
}

impl From<store::monitors::StoredStep> for StepBody {
    fn from(step: store::monitors::StoredStep) -> Self {
        Self {
            value: if step.secret.is_some() {
                Some(monitor_headers::MASK.to_owned())
            } else {
                step.text
            },
            action: step.action,
            selector: step.selector,
            ms: step.ms.map(u64::from),
        }
    }
}

pub(crate) fn step_inputs(steps: Vec<StepBody>) -> Vec<render_options::StepInput> {
    steps
        .into_iter()
        .map(|step| render_options::StepInput {
            action: step.action,
            selector: step.selector,
            value: step.value,
            ms: step.ms,
        })
        .collect()
}

pub(crate) fn cookie_pairs(cookies: Vec<CookieBody>) -> Vec<(String, String)> {
    cookies
        .into_iter()
        .map(|cookie| (cookie.name, cookie.value))
        .collect()
}

/// A masked secret with nothing stored to keep is the client's mistake
/// (422 on `field`); anything else is ours.
pub(crate) fn secret_error(field: &str, error: monitor_headers::HeaderSecretError) -> ApiError {
    match error {
        monitor_headers::HeaderSecretError::NothingToKeep(_) => {
            ApiError::field(field, error.to_string())
        }
        other => ApiError::Internal(other.to_string()),
    }
}

/// A tag as a monitor shows it (manage tags at `/api/v1/tags`).
#[derive(Serialize, ToSchema)]
pub struct TagRefBody {
    id: Uuid,
    name: String,
    /// `#rrggbb`.
    colour: String,
}

#[derive(Serialize, ToSchema)]
pub struct MonitorResponse {
    id: Uuid,
    team_id: Uuid,
    name: String,
    url: String,
    /// CSS selector applied to HTML; at most one of this and `xpath` is set.
    css_selector: Option<String>,
    /// RFC 6901 pointer applied to JSON; at most one of this, `json_path` and `jq_filter` is set.
    json_pointer: Option<String>,
    /// XPath 1.0 expression applied to HTML.
    xpath: Option<String>,
    /// JSONPath query (RFC 9535) applied to JSON.
    json_path: Option<String>,
    /// jq filter applied to JSON.
    jq_filter: Option<String>,
    condition: String,
    interval_seconds: i32,
    render: bool,
    headers: Vec<HeaderBody>,
    /// What a render waits for before reading the page: `null` for network
    /// idle, milliseconds (up to 10000), or a CSS selector.
    wait_for: Option<String>,
    /// Cookies for the page's host; values masked.
    cookies: Vec<CookieBody>,
    /// Browser steps; fill values masked.
    steps: Vec<StepBody>,
    paused: bool,
    channel_ids: Vec<Uuid>,
    /// The monitor's tags, by name.
    tags: Vec<TagRefBody>,
    /// True while a "run now" request waits for the scheduler.
    run_requested: bool,
    next_check_at: DateTime<Utc>,
    last_checked_at: Option<DateTime<Utc>>,
    last_status: Option<String>,
    last_triggered_at: Option<DateTime<Utc>>,
    consecutive_failures: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    // Verdicts.
    /// What the first check may do.
    first_check: FirstCheckBody,
    /// Whether the state condition held at the last judged check; `null` when unknown or the
    /// condition is an event.
    condition_holds: Option<bool>,
    /// What a check does when the model cannot judge a change.
    fail_policy: FailPolicyBody,
    /// Changes in a row the model could not judge.
    unjudged_streak: i32,
    // Failure alerts.
    /// Failed checks in a row (the page gone, blocked by a bot wall, the selector no longer
    /// matching, a timeout, DNS or TLS trouble) after which one "failing" alert names the cause;
    /// a "recovered" alert follows the next successful check. 0: no failing alerts.
    failure_alert_after: i32,
    /// The failing alert of the current run of failures went out.
    failing: bool,
    /// When a check keeps a screenshot of the rendered page.
    screenshot: ScreenshotBody,
}

/// When a check keeps a screenshot of the page, shown in its history and served at
/// `GET /api/v1/monitors/{id}/checks/{check_id}/screenshot`. Any value but `never` renders
/// the page in a browser.
///
/// - `never`: no screenshots (the default).
/// - `on_change`: the first check and each check whose text changed, so every change has a
///   before and an after.
/// - `every_check`: every successful check (identical images are stored once).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScreenshotBody {
    #[default]
    Never,
    OnChange,
    EveryCheck,
}

impl From<ScreenshotBody> for Screenshot {
    fn from(body: ScreenshotBody) -> Self {
        match body {
            ScreenshotBody::Never => Self::Never,
            ScreenshotBody::OnChange => Self::OnChange,
            ScreenshotBody::EveryCheck => Self::EveryCheck,
        }
    }
}

impl From<Screenshot> for ScreenshotBody {
    fn from(screenshot: Screenshot) -> Self {
        match screenshot {
            Screenshot::Never => Self::Never,
            Screenshot::OnChange => Self::OnChange,
            Screenshot::EveryCheck => Self::EveryCheck,
        }
    }
}

/// What a check does when the model cannot judge a change (down, timing out, invalid answers).
///
/// - `hold`: keep the change and judge it when the model answers again; the owner is told once
///   after a few unjudged changes in a row (`SCHEDULER_UNJUDGED_NOTICE_AFTER`).
/// - `alert_anyway`: send the alert with the diff, marked "not judged".
/// - `notify_unjudged`: hold, and tell the owner at the first unjudged change.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailPolicyBody {
    #[default]
    Hold,
    AlertAnyway,
    NotifyUnjudged,
}

impl From<FailPolicyBody> for FailPolicy {
    fn from(body: FailPolicyBody) -> Self {
        match body {
            FailPolicyBody::Hold => Self::Hold,
            FailPolicyBody::AlertAnyway => Self::AlertAnyway,
            FailPolicyBody::NotifyUnjudged => Self::NotifyUnjudged,
        }
    }
}

impl From<FailPolicy> for FailPolicyBody {
    fn from(policy: FailPolicy) -> Self {
        match policy {
            FailPolicy::Hold => Self::Hold,
            FailPolicy::AlertAnyway => Self::AlertAnyway,
            FailPolicy::NotifyUnjudged => Self::NotifyUnjudged,
        }
    }
}

/// What the first check of a monitor may do.
///
/// - `auto`: a state condition ("price below 100") that already holds alerts once, worded
///   "already true when monitoring started"; an event condition ("a new job posting") never
///   alerts on the first check.
/// - `alert`: alert when the condition holds on the first check, whatever its kind.
/// - `baseline`: the first check only records where the page stands.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FirstCheckBody {
    #[default]
    Auto,
    Alert,
    Baseline,
}

impl From<FirstCheckBody> for FirstCheck {
    fn from(body: FirstCheckBody) -> Self {
        match body {
            FirstCheckBody::Auto => Self::Auto,
            FirstCheckBody::Alert => Self::Alert,
            FirstCheckBody::Baseline => Self::Baseline,
        }
    }
}

impl From<FirstCheck> for FirstCheckBody {
    fn from(rule: FirstCheck) -> Self {
        match rule {
            FirstCheck::Auto => Self::Auto,
            FirstCheck::Alert => Self::Alert,
            FirstCheck::Baseline => Self::Baseline,
        }
    }
}

impl From<MonitorWithChannels> for MonitorResponse {
    fn from(
        MonitorWithChannels {
            monitor,
            channel_ids,
            tags,
        }: MonitorWithChannels,
    ) -> Self {
        Self {
            id: monitor.id,
            team_id: monitor.team_id,
            name: monitor.name,
            url: monitor.url,
            css_selector: monitor.css_selector,
            json_pointer: monitor.json_pointer,
            xpath: monitor.xpath,
            json_path: monitor.json_path,
            jq_filter: monitor.jq_filter,
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
            wait_for: monitor.wait_for,
            cookies: monitor
                .cookies
                .into_iter()
                .map(|cookie| CookieBody {
                    name: cookie.name,
                    value: monitor_headers::MASK.to_owned(),
                })
                .collect(),
            steps: monitor.steps.into_iter().map(StepBody::from).collect(),
            paused: monitor.paused,
            channel_ids,
            tags: tags
                .into_iter()
                .map(|tag| TagRefBody {
                    id: tag.id,
                    name: tag.name,
                    colour: tag.colour,
                })
                .collect(),
            run_requested: monitor.requested_reason.is_some(),
            next_check_at: monitor.next_check_at,
            last_checked_at: monitor.last_checked_at,
            last_status: monitor.last_status,
            last_triggered_at: monitor.last_triggered_at,
            consecutive_failures: monitor.consecutive_failures,
            created_at: monitor.created_at,
            updated_at: monitor.updated_at,
            first_check: monitor.first_check.into(),
            condition_holds: monitor.condition_holds,
            fail_policy: monitor.fail_policy.into(),
            unjudged_streak: monitor.unjudged_streak,
            failure_alert_after: monitor.failure_alert_after,
            failing: monitor.failing_alert_sent,
            screenshot: monitor.screenshot.into(),
        }
    }
}

/// A monitor as the list shows it: the monitor and its last checks.
#[derive(Serialize, ToSchema)]
pub struct MonitorListItem {
    #[serde(flatten)]
    monitor: MonitorResponse,
    /// The last 20 checks' outcomes and extracted numbers, oldest first.
    recent: RecentChecks,
}

#[derive(Serialize, ToSchema)]
pub struct MonitorList {
    items: Vec<MonitorListItem>,
    /// Pass it as `cursor` (with the same filter) for the next page; `null` on the last.
    next_cursor: Option<String>,
    /// How many monitors match the filter, over every page.
    total: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMonitor {
    /// Defaults to the caller's personal team.
    team_id: Option<Uuid>,
    name: String,
    url: String,
    /// CSS selector for HTML pages; set it or `xpath`, not both.
    css_selector: Option<String>,
    /// RFC 6901 pointer for JSON responses; set one of it, `json_path` and `jq_filter`.
    json_pointer: Option<String>,
    /// XPath 1.0 expression for HTML pages, e.g. `//span[@class='price']`.
    xpath: Option<String>,
    /// JSONPath query (RFC 9535) for JSON responses, e.g. `$.items[?@.stock > 0].name`.
    json_path: Option<String>,
    /// jq filter for JSON responses, e.g. `[.items[] | .price] | min`.
    jq_filter: Option<String>,
    #[serde(default)]
    condition: String,
    interval_seconds: Option<i64>,
    #[serde(default)]
    render: bool,
    #[serde(default)]
    headers: Vec<HeaderBody>,
    /// What a render waits for: empty for network idle, milliseconds (up to
    /// 10000) or a CSS selector.
    wait_for: Option<String>,
    /// Cookies for the page's host only.
    #[serde(default)]
    cookies: Vec<CookieBody>,
    /// Browser steps (rendered monitors), at most 20.
    #[serde(default)]
    steps: Vec<StepBody>,
    #[serde(default)]
    paused: bool,
    #[serde(default)]
    channel_ids: Vec<Uuid>,
    /// Tags of the monitor's team.
    #[serde(default)]
    tag_ids: Vec<Uuid>,
    // Verdicts.
    /// Defaults to `auto`.
    #[serde(default)]
    first_check: FirstCheckBody,
    /// Defaults to `hold`.
    #[serde(default)]
    fail_policy: FailPolicyBody,
    // Failure alerts.
    /// Failed checks in a row before one "failing" alert: 1 to 100, 0 for never. Defaults to 3.
    #[schema(minimum = 0, maximum = 100)]
    failure_alert_after: Option<i64>,
    /// Defaults to `never`.
    #[serde(default)]
    screenshot: ScreenshotBody,
}

/// Absent fields stay as they are; selectors can be cleared with `null` or
/// an empty string. Setting one selector clears the others of its family
/// (`css_selector` and `xpath` for HTML; `json_pointer`, `json_path` and
/// `jq_filter` for JSON), so switching kinds is one field.
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
    /// `null` or `""` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    xpath: Option<Option<String>>,
    /// `null` or `""` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    json_path: Option<Option<String>>,
    /// `null` or `""` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    jq_filter: Option<Option<String>>,
    condition: Option<String>,
    interval_seconds: Option<i64>,
    render: Option<bool>,
    headers: Option<Vec<HeaderBody>>,
    /// `null` or `""`: network idle.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    wait_for: Option<Option<String>>,
    /// Replaces every cookie; a masked value keeps the stored one.
    cookies: Option<Vec<CookieBody>>,
    /// Replaces every step; a masked fill value keeps the stored one.
    steps: Option<Vec<StepBody>>,
    paused: Option<bool>,
    channel_ids: Option<Vec<Uuid>>,
    /// Replaces every tag; tags of the monitor's team only.
    tag_ids: Option<Vec<Uuid>>,
    // Verdicts.
    first_check: Option<FirstCheckBody>,
    fail_policy: Option<FailPolicyBody>,
    // Failure alerts.
    /// Failed checks in a row before one "failing" alert: 1 to 100, 0 for never.
    #[schema(minimum = 0, maximum = 100)]
    failure_alert_after: Option<i64>,
    screenshot: Option<ScreenshotBody>,
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
    /// Only monitors with this tag: its id, or its name in any case (in
    /// each of the caller's teams).
    tag: Option<String>,
    /// Only monitors in this state: `ok`, `failing`, `triggered` (alerted
    /// in the last 24 hours), `paused`, `judge_unavailable` or `pending`
    /// (never checked). See the README for each definition.
    status: Option<String>,
    /// Only monitors whose name or URL contains this text, in any case
    /// (taken literally: `%` and `_` are not wildcards); up to 200 characters.
    q: Option<String>,
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
    responses((status = 201, body = MonitorResponse),
        (status = 403, description = "The team has as many monitors as its quota allows (`limit_reached`, quota `monitors`)")))]
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
    let [css_selector, xpath, json_pointer, json_path, jq_filter] = monitor::selectors(
        &mut problems,
        [
            (Kind::Css, Some(request.css_selector.as_deref())),
            (Kind::XPath, Some(request.xpath.as_deref())),
            (Kind::JsonPointer, Some(request.json_pointer.as_deref())),
            (Kind::JsonPath, Some(request.json_path.as_deref())),
            (Kind::Jq, Some(request.jq_filter.as_deref())),
        ],
    )
    .map(|(_, value)| value.flatten());
    let condition = problems.check("condition", monitor::condition(&request.condition));
    let interval = request
        .interval_seconds
        .unwrap_or_else(|| monitor::default_interval_seconds(&rules));
    let interval_seconds = problems.check(
        "interval_seconds",
        monitor::interval_seconds(&rules, interval),
    );
    let headers = problems.check("headers", monitor::headers(header_pairs(request.headers)));
    let wait_for = problems.check(
        "wait_for",
        render_options::wait_for(request.wait_for.as_deref()),
    );
    let cookies = problems.check(
        "cookies",
        render_options::cookies(cookie_pairs(request.cookies)),
    );
    let steps = render_options::steps(&rules, &mut problems, step_inputs(request.steps)).await;
    let failure_alert_after = problems.check(
        "failure_alert_after",
        monitor::failure_alert_after(
            request
                .failure_alert_after
                .unwrap_or(monitor::DEFAULT_FAILURE_ALERT_AFTER),
        ),
    );
    problems.finish()?;
    let headers = sealed_headers(&secret_box, headers.unwrap_or_default(), &[])?;
    let cookies = monitor_headers::seal_for(
        &secret_box,
        COOKIE_PURPOSE,
        cookies.unwrap_or_default(),
        &[],
    )
    .map_err(|error| secret_error("cookies", error))?;
    let steps = render_options::seal_steps(&secret_box, steps.unwrap_or_default(), &[])
        .map_err(|error| secret_error("steps", error))?;
    // Every value is present: `finish` returned early otherwise.
    let definition = MonitorDefinition {
        name: name.unwrap_or_default(),
        url: url.unwrap_or_default(),
        css_selector,
        json_pointer,
        xpath,
        json_path,
        jq_filter,
        condition: condition.unwrap_or_default(),
        interval_seconds: interval_seconds.unwrap_or_default(),
        render: request.render,
        headers,
        wait_for: wait_for.flatten(),
        cookies,
        steps,
        paused: request.paused,
        first_check: request.first_check.into(),
        fail_policy: request.fail_policy.into(),
        screenshot: request.screenshot.into(),
        failure_alert_after: failure_alert_after.unwrap_or_default(),
        tag_ids: request.tag_ids,
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

/// The longest search text, in characters.
pub const MAX_SEARCH: usize = 200;

/// The filter of a list or a bulk action, checked: 422 names each field
/// that is not valid.
pub(crate) fn monitor_filter(
    team_id: Option<Uuid>,
    tag: Option<&str>,
    status: Option<&str>,
    q: Option<&str>,
) -> Result<MonitorFilter, ApiError> {
    let mut problems = Problems::default();
    let mut filter = MonitorFilter {
        team_id,
        ..MonitorFilter::default()
    };
    if let Some(tag) = tag.map(str::trim).filter(|tag| !tag.is_empty()) {
        match Uuid::parse_str(tag) {
            Ok(id) => filter.tag_id = Some(id),
            Err(_) => {
                filter.tag_name = problems.check("tag", domain::name(tag, tags::MAX_TAG_NAME));
            }
        }
    }
    if let Some(status) = status.filter(|status| !status.is_empty()) {
        filter.status = problems.check(
            "status",
            StatusFilter::parse(status).ok_or_else(|| {
                let known: Vec<&str> = StatusFilter::ALL.map(StatusFilter::as_str).to_vec();
                format!("must be one of {}", known.join(", "))
            }),
        );
    }
    if let Some(text) = q.map(str::trim).filter(|text| !text.is_empty()) {
        filter.text = problems.check(
            "q",
            if text.chars().count() > MAX_SEARCH {
                Err(format!("must be at most {MAX_SEARCH} characters"))
            } else if text.chars().any(char::is_control) {
                Err("must not contain control characters".to_owned())
            } else {
                Ok(text.to_owned())
            },
        );
    }
    problems.finish()?;
    Ok(filter)
}

/// The monitors of the caller's teams, newest first, optionally filtered by
/// team, tag, status and text. Pages follow `(created_at, id)`, so paging
/// with `next_cursor` never skips or repeats a monitor. Each item carries
/// `recent`: its last 20 checks' outcomes and extracted numbers (see
/// `GET /api/v1/monitors/{id}/series`).
#[utoipa::path(get, path = "/api/v1/monitors", tag = "monitors", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = MonitorList),
        (status = 422, description = "A filter value is not valid (`tag`, `status`, `q`, `limit`, `cursor`)")))]
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
    let filter = monitor_filter(
        query.team_id,
        query.tag.as_deref(),
        query.status.as_deref(),
        query.q.as_deref(),
    )?;
    // The page's recent checks are one query for the whole page, read
    // once its ids are known; the count runs beside both.
    let listed = async {
        let page = store.list_monitors(user.id, &filter, page).await?;
        let ids: Vec<Uuid> = page.items.iter().map(|item| item.monitor.id).collect();
        let recent = store
            .recent_checks(user.id, &ids, series::RECENT_PER_MONITOR)
            .await?;
        Ok::<_, store::StoreError>((page, recent))
    };
    let ((page, mut recent), total) =
        tokio::try_join!(listed, store.count_monitors(user.id, &filter))?;
    Ok(Json(MonitorList {
        items: page
            .items
            .into_iter()
            .map(|item| {
                let checks = recent.remove(&item.monitor.id).unwrap_or_default();
                MonitorListItem {
                    recent: series::recent_checks(&item.monitor.condition, checks),
                    monitor: MonitorResponse::from(item),
                }
            })
            .collect(),
        next_cursor: page.next.map(pagination::encode),
        total,
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
    // A function, not a closure: the borrow's lifetime must follow the field's.
    fn sent(field: &Option<Option<String>>) -> Option<Option<&str>> {
        field.as_ref().map(Option::as_deref)
    }
    let mut selectors = monitor::selectors(
        &mut problems,
        [
            (Kind::Css, sent(&request.css_selector)),
            (Kind::XPath, sent(&request.xpath)),
            (Kind::JsonPointer, sent(&request.json_pointer)),
            (Kind::JsonPath, sent(&request.json_path)),
            (Kind::Jq, sent(&request.jq_filter)),
        ],
    );
    // A selector set for one family replaces whichever kind held it before.
    let chosen: Vec<Family> = selectors
        .iter()
        .filter(|(_, value)| matches!(value, Some(Some(_))))
        .map(|(kind, _)| kind.family())
        .collect();
    for (kind, value) in &mut selectors {
        if value.is_none() && chosen.contains(&kind.family()) {
            *value = Some(None);
        }
    }
    [
        patch.css_selector,
        patch.xpath,
        patch.json_pointer,
        patch.json_path,
        patch.jq_filter,
    ] = selectors.map(|(_, value)| value);
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
    if let Some(wait_for) = &request.wait_for {
        patch.wait_for = problems.check("wait_for", render_options::wait_for(wait_for.as_deref()));
    }
    let cookies = request
        .cookies
        .map(|cookies| problems.check("cookies", render_options::cookies(cookie_pairs(cookies))));
    let steps = match request.steps {
        Some(steps) => Some(render_options::steps(&rules, &mut problems, step_inputs(steps)).await),
        None => None,
    };
    patch.render = request.render;
    patch.paused = request.paused;
    patch.first_check = request.first_check.map(FirstCheck::from);
    patch.fail_policy = request.fail_policy.map(FailPolicy::from);
    patch.screenshot = request.screenshot.map(Screenshot::from);
    patch.tag_ids = request.tag_ids;
    if let Some(count) = request.failure_alert_after {
        patch.failure_alert_after =
            problems.check("failure_alert_after", monitor::failure_alert_after(count));
    }
    problems.finish()?;
    let headers = headers.flatten();
    let cookies = cookies.flatten();
    let steps = steps.flatten();
    let keeps =
        |value: &monitor_headers::Submitted| matches!(value, monitor_headers::Submitted::Keep);
    let keeps_a_value = headers.iter().flatten().any(|header| keeps(&header.value))
        || cookies.iter().flatten().any(|cookie| keeps(&cookie.value))
        || steps
            .iter()
            .flatten()
            .any(|step| step.fill.as_ref().is_some_and(keeps));
    // Read only when a masked value must be kept.
    let existing = if keeps_a_value {
        Some(
            store
                .get_monitor(user.id, id)
                .await?
                .ok_or(ApiError::NotFound)?
                .monitor,
        )
    } else {
        None
    };
    if let Some(submitted) = headers {
        let stored = existing
            .as_ref()
            .map(|m| m.headers.as_slice())
            .unwrap_or_default();
        patch.headers = Some(sealed_headers(&secret_box, submitted, stored)?);
    }
    if let Some(submitted) = cookies {
        let stored = existing
            .as_ref()
            .map(|m| m.cookies.as_slice())
            .unwrap_or_default();
        patch.cookies = Some(
            monitor_headers::seal_for(&secret_box, COOKIE_PURPOSE, submitted, stored)
                .map_err(|error| secret_error("cookies", error))?,
        );
    }
    if let Some(submitted) = steps {
        let stored = existing
            .as_ref()
            .map(|m| m.steps.as_slice())
            .unwrap_or_default();
        patch.steps = Some(
            render_options::seal_steps(&secret_box, submitted, stored)
                .map_err(|error| secret_error("steps", error))?,
        );
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
    State(blobs): State<BlobStore>,
    context: AuditContext,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    if let Some(unreferenced) = store.delete_monitor(user.id, id).await? {
        crate::routes::checks::prune_screenshots(&blobs, &unreferenced).await;
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
