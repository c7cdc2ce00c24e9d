//! `POST /api/v1/monitors/bulk`: one action on many monitors, chosen by id
//! or by the list's filter. Each monitor's change is whole or absent, and
//! the answer reports every monitor's outcome, so one monitor that cannot be
//! changed never hides what happened to the others.

use axum::extract::State;
use blob_store::BlobStore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::bulk::{BulkChange, BulkOutcome};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::CurrentUser;
use crate::edge::rate_limit::{ExtraBudget, RouteClass, Subject};
use crate::error::ApiError;
use crate::extract::Json;
use crate::routes::monitors::monitor_filter;
use crate::state::AppState;

/// The most monitors one request may change: a larger selection is split
/// by the client (by ids) or narrowed (by filter).
pub const MAX_BULK: usize = 500;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(bulk))
}

/// What a bulk request does to each monitor.
///
/// - `pause`, `resume`.
/// - `check_now`: as `POST /api/v1/monitors/{id}/check`, and charged like it:
///   one request of the caller's expensive rate limit per monitor. Monitors
///   past the budget answer `rate_limited`; a rendering monitor spends its
///   team's renders when the check runs, as any check.
/// - `add_tag`, `remove_tag`: with `tag_id`, a tag of the monitor's team.
/// - `attach_channel`, `detach_channel`: with `channel_id`, a channel of the
///   monitor's team.
/// - `delete`: the monitor with its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    Pause,
    Resume,
    CheckNow,
    AddTag,
    RemoveTag,
    AttachChannel,
    DetachChannel,
    Delete,
}

impl BulkAction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::CheckNow => "check_now",
            Self::AddTag => "add_tag",
            Self::RemoveTag => "remove_tag",
            Self::AttachChannel => "attach_channel",
            Self::DetachChannel => "detach_channel",
            Self::Delete => "delete",
        }
    }
}

/// The list's filter (`GET /api/v1/monitors`), as a body.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkFilter {
    team_id: Option<Uuid>,
    /// A tag id, or a tag name in any case.
    tag: Option<String>,
    /// `ok`, `failing`, `triggered`, `paused`, `judge_unavailable` or `pending`.
    status: Option<String>,
    /// Text in the name or URL, in any case.
    q: Option<String>,
}

/// Exactly one of `ids` and `filter`, at most 500 monitors.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    action: BulkAction,
    /// These monitors (once each, in this order).
    ids: Option<Vec<Uuid>>,
    /// Every monitor the list would show with this filter.
    filter: Option<BulkFilter>,
    /// For `add_tag` and `remove_tag`.
    tag_id: Option<Uuid>,
    /// For `attach_channel` and `detach_channel`.
    channel_id: Option<Uuid>,
}

/// Why one monitor was not changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkError {
    /// `not_found` (absent or another team's), `other_team` (the tag or
    /// channel belongs to another team than the monitor), `rate_limited`
    /// (`check_now` past the expensive budget).
    code: &'static str,
    message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    id: Uuid,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<BulkError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResponse {
    action: BulkAction,
    succeeded: usize,
    failed: usize,
    /// One per monitor, in the order of `ids` (by filter: newest first).
    results: Vec<BulkResult>,
}

fn done(id: Uuid) -> BulkResult {
    BulkResult {
        id,
        ok: true,
        error: None,
    }
}

fn failed(id: Uuid, code: &'static str, message: impl Into<String>) -> BulkResult {
    BulkResult {
        id,
        ok: false,
        error: Some(BulkError {
            code,
            message: message.into(),
        }),
    }
}

fn not_found(id: Uuid) -> BulkResult {
    failed(
        id,
        "not_found",
        "no such monitor in a team you are a member of",
    )
}

/// The monitors the request names: its ids, or what its filter matches.
async fn targets(
    store: &Store,
    user: &CurrentUser,
    request: &BulkRequest,
) -> Result<Vec<Uuid>, ApiError> {
    match (&request.ids, &request.filter) {
        (Some(ids), None) => {
            if ids.is_empty() {
                return Err(ApiError::field("ids", "must name at least one monitor"));
            }
            if ids.len() > MAX_BULK {
                return Err(ApiError::field(
                    "ids",
                    format!("must name at most {MAX_BULK} monitors per request"),
                ));
            }
            Ok(ids.clone())
        }
        (None, Some(filter)) => {
            let filter = monitor_filter(
                filter.team_id,
                filter.tag.as_deref(),
                filter.status.as_deref(),
                filter.q.as_deref(),
            )
            .map_err(|error| match error {
                // The list's field names, under `filter.`.
                ApiError::Validation(fields) => ApiError::Validation(
                    fields
                        .into_iter()
                        .map(|mut field| {
                            field.field = format!("filter.{}", field.field);
                            field
                        })
                        .collect(),
                ),
                other => other,
            })?;
            let limit = i64::try_from(MAX_BULK).unwrap_or(i64::MAX) + 1;
            let ids = store.matching_monitor_ids(user.id, &filter, limit).await?;
            if ids.len() > MAX_BULK {
                return Err(ApiError::field(
                    "filter",
                    format!(
                        "matches more than {MAX_BULK} monitors, the most one request may change; narrow it"
                    ),
                ));
            }
            Ok(ids)
        }
        _ => Err(ApiError::field(
            "ids",
            "send either `ids` or `filter`, not both or neither",
        )),
    }
}

/// The change a request asks for, with the tag or channel it needs.
fn change_of(request: &BulkRequest) -> Result<Option<BulkChange>, ApiError> {
    let tag = || {
        request
            .tag_id
            .ok_or_else(|| ApiError::field("tag_id", "is required for this action"))
    };
    let channel = || {
        request
            .channel_id
            .ok_or_else(|| ApiError::field("channel_id", "is required for this action"))
    };
    Ok(Some(match request.action {
        BulkAction::Pause => BulkChange::Pause,
        BulkAction::Resume => BulkChange::Resume,
        BulkAction::CheckNow => BulkChange::RunNow,
        BulkAction::AddTag => BulkChange::AddTag(tag()?),
        BulkAction::RemoveTag => BulkChange::RemoveTag(tag()?),
        BulkAction::AttachChannel => BulkChange::AttachChannel(channel()?),
        BulkAction::DetachChannel => BulkChange::DetachChannel(channel()?),
        BulkAction::Delete => return Ok(None),
    }))
}

/// Applies one action to up to 500 monitors, named by `ids` or matched by
/// `filter` (the list's filter). Always 200 once the request is valid:
/// `results` says, per monitor, whether it changed or why not.
#[utoipa::path(post, path = "/api/v1/monitors/bulk", tag = "monitors", security(("bearer" = [])),
    request_body = BulkRequest,
    responses((status = 200, body = BulkResponse),
        (status = 422, description = "Neither or both of `ids` and `filter`, more than 500 monitors, an invalid filter, or a missing or foreign `tag_id` / `channel_id`")))]
async fn bulk(
    user: CurrentUser,
    State(store): State<Store>,
    State(blobs): State<BlobStore>,
    budget: ExtraBudget,
    context: AuditContext,
    Json(request): Json<BulkRequest>,
) -> Result<Json<BulkResponse>, ApiError> {
    let change = change_of(&request)?;
    let ids = targets(&store, &user, &request).await?;
    let results = match change {
        None => delete_each(&store, &blobs, &user, &context, &ids).await?,
        Some(BulkChange::RunNow) => check_now(&store, &user, &budget, &ids).await?,
        Some(change) => store
            .bulk_change(user.id, &ids, change)
            .await?
            .into_iter()
            .map(|(id, outcome)| match outcome {
                BulkOutcome::Done => done(id),
                BulkOutcome::NotFound => not_found(id),
                BulkOutcome::OtherTeam => failed(
                    id,
                    "other_team",
                    "the tag or channel belongs to another team than this monitor",
                ),
            })
            .collect(),
    };
    let succeeded = results.iter().filter(|result| result.ok).count();
    let failed = results.len() - succeeded;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "monitor.bulk",
        None,
        json!({
            "action": request.action.as_str(),
            "by": if request.ids.is_some() { "ids" } else { "filter" },
            "tag_id": request.tag_id,
            "channel_id": request.channel_id,
            "succeeded": succeeded,
            "failed": failed,
        }),
    )
    .await;
    Ok(Json(BulkResponse {
        action: request.action,
        succeeded,
        failed,
        results,
    }))
}

/// "Check now" for each monitor the caller's expensive budget still pays
/// for, one request per monitor, in order; the rest answer `rate_limited`.
async fn check_now(
    store: &Store,
    user: &CurrentUser,
    budget: &ExtraBudget,
    ids: &[Uuid],
) -> Result<Vec<BulkResult>, ApiError> {
    let visible = store.visible_monitor_ids(user.id, ids).await?;
    let wanted = u32::try_from(visible.len()).unwrap_or(u32::MAX);
    let spent = budget
        .spend_up_to(RouteClass::Expensive, &Subject::User(user.id), wanted)
        .await;
    let paid = usize::try_from(spent.granted)
        .unwrap_or(usize::MAX)
        .min(visible.len());
    let (run, refused) = visible.split_at(paid);
    let refused: std::collections::HashSet<Uuid> = refused.iter().copied().collect();
    let outcomes: std::collections::HashMap<Uuid, BulkOutcome> = store
        .bulk_change(user.id, run, BulkChange::RunNow)
        .await?
        .into_iter()
        .collect();
    let mut seen = std::collections::HashSet::new();
    Ok(ids
        .iter()
        .filter(|id| seen.insert(**id))
        .map(|id| {
            if refused.contains(id) {
                failed(
                    *id,
                    "rate_limited",
                    format!(
                        "over the rate limit for checks now; retry in {} s",
                        spent.retry_after_seconds.max(1)
                    ),
                )
            } else if outcomes.get(id) == Some(&BulkOutcome::Done) {
                done(*id)
            } else {
                not_found(*id)
            }
        })
        .collect())
}

/// Deletes each monitor in its own transaction, as `DELETE
/// /api/v1/monitors/{id}` does (screenshots pruned, `monitor.deleted`
/// audited).
async fn delete_each(
    store: &Store,
    blobs: &BlobStore,
    user: &CurrentUser,
    context: &AuditContext,
    ids: &[Uuid],
) -> Result<Vec<BulkResult>, ApiError> {
    let mut seen = std::collections::HashSet::new();
    let mut results = Vec::with_capacity(ids.len());
    for id in ids.iter().filter(|id| seen.insert(**id)) {
        match store.delete_monitor(user.id, *id).await {
            Ok(Some(unreferenced)) => {
                crate::routes::checks::prune_screenshots(blobs, &unreferenced).await;
                audit::record(
                    store,
                    context,
                    user.into(),
                    "monitor.deleted",
                    Some(&id.to_string()),
                    json!({"bulk": true}),
                )
                .await;
                results.push(done(*id));
            }
            Ok(None) => results.push(not_found(*id)),
            // The others' outcomes still matter: this one reports the failure.
            Err(error) => {
                tracing::error!(%error, monitor = %id, "a bulk deletion failed");
                let error = ApiError::from(error);
                let message = match &error {
                    ApiError::Internal(_) => "an internal error occurred".to_owned(),
                    other => other.to_string(),
                };
                results.push(failed(*id, error.code(), message));
            }
        }
    }
    Ok(results)
}
