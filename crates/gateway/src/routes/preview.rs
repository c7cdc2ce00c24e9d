//! `POST /api/v1/preview`: fetch and extract a page once, so a user sees
//! what a monitor would compare before creating it. Expensive (a fetch per
//! call), hence its own tight rate-limit class at the edge.

use std::sync::Arc;

use axum::extract::State;
use secret_box::SecretBox;
use selection::Kind;
use serde::{Deserialize, Serialize};
use store::Store;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::browser_client::{BrowserClient, PreviewRequest};
use crate::domain::render_options;
use crate::domain::{Problems, Rules, monitor, monitor_headers};
use crate::error::ApiError;
use crate::extract::Json;
use crate::routes::monitors::{
    CookieBody, HeaderBody, StepBody, cookie_pairs, header_error, header_pairs, secret_error,
    step_inputs,
};
use crate::state::AppState;

/// A preview shows enough text to judge a selector; the full text is what
/// checks compare, not what a form needs.
const MAX_PREVIEW_CHARS: usize = 20_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(preview))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PreviewBody {
    url: String,
    /// CSS selector for HTML pages; set it or `xpath`, not both.
    css_selector: Option<String>,
    /// RFC 6901 pointer for JSON; set one of it, `json_path` and `jq_filter`.
    json_pointer: Option<String>,
    /// XPath 1.0 expression for HTML pages.
    xpath: Option<String>,
    /// JSONPath query (RFC 9535) for JSON responses.
    json_path: Option<String>,
    /// jq filter for JSON responses.
    jq_filter: Option<String>,
    #[serde(default)]
    render: bool,
    /// A masked value (`••••••••`) stands for the stored value of the
    /// header with that name on `monitor_id`.
    #[serde(default)]
    headers: Vec<HeaderBody>,
    /// What the render waits for: empty for network idle, milliseconds or a CSS selector.
    wait_for: Option<String>,
    /// Cookies for the page's host; a masked value stands for the stored one.
    #[serde(default)]
    cookies: Vec<CookieBody>,
    /// Browser steps (imply rendering); a masked fill value stands for the stored one.
    #[serde(default)]
    steps: Vec<StepBody>,
    /// The monitor being edited, whose stored header values masked values
    /// stand for.
    monitor_id: Option<uuid::Uuid>,
    /// The team whose hourly renders a rendered preview spends: the
    /// monitor's with `monitor_id`, else this one, else your personal team.
    team_id: Option<uuid::Uuid>,
}

#[derive(Serialize, ToSchema)]
struct PreviewResponse {
    /// `ok`, or why no text could be extracted: `http_error`, `blocked`
    /// (a bot check or captcha, whatever the status), `page_gone`,
    /// `soft_not_found` (200, but the page says it does not exist),
    /// `selector_not_found`, `empty` (no readable text), `timeout`,
    /// `network_error`, `forbidden_destination`, `too_large`,
    /// `unsupported_content`, `step_failed` (a browser step could not be
    /// carried out; see `failed_step`).
    outcome: &'static str,
    /// With `step_failed`: the failing step's number, from 1.
    failed_step: Option<u32>,
    http_status: Option<u32>,
    final_url: String,
    content_type: String,
    title: String,
    /// The extracted text, cut to 20,000 characters.
    text: String,
    /// True when `text` was cut.
    truncated: bool,
    /// SHA-256 of the whole extracted text, as checks record it.
    text_sha256: String,
    fetch_ms: u32,
    /// Plain explanation when `outcome` is not `ok`.
    detail: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/preview", tag = "monitors", security(("bearer" = [])),
    request_body = PreviewBody,
    responses((status = 200, body = PreviewResponse),
        (status = 403, description = "A rendered preview when the team's renders of this hour are spent (`limit_reached`, quota `renders_per_hour`)")))]
async fn preview(
    user: CurrentUser,
    State(store): State<Store>,
    State(secret_box): State<SecretBox>,
    State(rules): State<Arc<Rules>>,
    State(browser): State<BrowserClient>,
    Json(body): Json<PreviewBody>,
) -> Result<Json<PreviewResponse>, ApiError> {
    let mut problems = Problems::default();
    let url = problems.check("url", monitor::url(&rules, &body.url).await);
    let [css_selector, xpath, json_pointer, json_path, jq_filter] = monitor::selectors(
        &mut problems,
        [
            (Kind::Css, Some(body.css_selector.as_deref())),
            (Kind::XPath, Some(body.xpath.as_deref())),
            (Kind::JsonPointer, Some(body.json_pointer.as_deref())),
            (Kind::JsonPath, Some(body.json_path.as_deref())),
            (Kind::Jq, Some(body.jq_filter.as_deref())),
        ],
    )
    .map(|(_, value)| value.flatten());
    let headers = problems.check("headers", monitor::headers(header_pairs(body.headers)));
    let wait_for = problems.check(
        "wait_for",
        render_options::wait_for(body.wait_for.as_deref()),
    );
    let cookies = problems.check(
        "cookies",
        render_options::cookies(cookie_pairs(body.cookies)),
    );
    let steps = render_options::steps(&rules, &mut problems, step_inputs(body.steps)).await;
    problems.finish()?;
    let existing = match body.monitor_id {
        Some(monitor_id) => Some(
            store
                .get_monitor(user.id, monitor_id)
                .await?
                .ok_or(ApiError::NotFound)?
                .monitor,
        ),
        None => None,
    };
    let (stored_headers, stored_cookies, stored_steps) = match &existing {
        Some(monitor) => (
            monitor.headers.as_slice(),
            monitor.cookies.as_slice(),
            monitor.steps.as_slice(),
        ),
        None => (&[][..], &[][..], &[][..]),
    };
    // Opened here because the gateway sends them: the preview's fetch.
    let headers =
        monitor_headers::open_submitted(&secret_box, headers.unwrap_or_default(), stored_headers)
            .map_err(header_error)?;
    let cookies = monitor_headers::open_submitted_for(
        &secret_box,
        store::monitors::COOKIE_PURPOSE,
        cookies.unwrap_or_default(),
        stored_cookies,
    )
    .map_err(|error| secret_error("cookies", error))?;
    let steps =
        render_options::open_submitted_steps(&secret_box, steps.unwrap_or_default(), stored_steps)
            .map_err(|error| secret_error("steps", error))?;
    let renders = body.render || !steps.is_empty();
    if renders {
        let team_id = match &existing {
            Some(monitor) => Some(monitor.team_id),
            None => store.caller_team(user.id, body.team_id).await?,
        };
        let team_id = team_id.ok_or_else(|| {
            ApiError::field("team_id", "is not the id of a team you are a member of")
        })?;
        store.spend_render(team_id).await?;
    }
    let fetched = browser
        .fetch(PreviewRequest {
            url: url.unwrap_or_default(),
            css_selector,
            json_pointer,
            xpath,
            json_path,
            jq_filter,
            headers,
            render: body.render,
            wait_for: wait_for.flatten(),
            cookies,
            steps,
        })
        .await?;
    let truncated = fetched.text.chars().count() > MAX_PREVIEW_CHARS;
    let text = if truncated {
        fetched.text.chars().take(MAX_PREVIEW_CHARS).collect()
    } else {
        fetched.text
    };
    Ok(Json(PreviewResponse {
        outcome: fetched.outcome,
        failed_step: fetched.failed_step,
        http_status: fetched.http_status,
        final_url: fetched.final_url,
        content_type: fetched.content_type,
        title: fetched.title,
        text,
        truncated,
        text_sha256: fetched.text_sha256,
        fetch_ms: fetched.fetch_ms,
        detail: (!fetched.detail.is_empty()).then_some(fetched.detail),
    }))
}
