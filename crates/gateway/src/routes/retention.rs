//! A team's retention: how long its checks and snapshots are kept. Members
//! read it with what the team keeps now; owners change it (403 for other
//! members, 404 for another team). The scheduler's pruning job applies it
//! ([`store::retention`]).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::retention::{
    DEFAULT_RETENTION_DAYS, DEFAULT_RETENTION_SNAPSHOTS, Retention, TeamRetention,
};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::CurrentUser;
use crate::domain::Problems;
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// A hundred years: anything longer is a typo for "unlimited".
const MAX_DAYS: i64 = 36_500;
/// Far above what anyone reads back; a larger number is a typo.
const MAX_SNAPSHOTS: i64 = 1_000_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_retention, set_retention))
}

/// How long a team keeps its history; `null` (or absent) keeps it without that limit.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct RetentionBody {
    /// Checks and snapshots older than this many days are deleted (1 to 36500), or `null`.
    days: Option<i64>,
    /// Snapshots kept per monitor, the most recently seen first (1 to 1000000), or `null`.
    /// The latest snapshot of a monitor is always kept.
    snapshots: Option<i64>,
}

/// What the team keeps now (maintained counters, not a scan).
#[derive(Serialize, ToSchema)]
pub struct KeptHistory {
    checks: i64,
    /// One per distinct content and monitor.
    snapshots: i64,
    /// Uncompressed bytes of snapshot text.
    snapshot_text_bytes: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RetentionResponse {
    team_id: Uuid,
    /// Days kept, or `null` for no limit.
    days: Option<i32>,
    /// Snapshots kept per monitor, or `null` for no limit.
    snapshots: Option<i32>,
    /// The defaults of a new team.
    default_days: i32,
    default_snapshots: i32,
    kept: KeptHistory,
    /// The caller is an owner of the team and may change the retention.
    can_change: bool,
}

impl From<TeamRetention> for RetentionResponse {
    fn from(team: TeamRetention) -> Self {
        Self {
            team_id: team.team_id,
            days: team.retention.days,
            snapshots: team.retention.snapshots,
            default_days: DEFAULT_RETENTION_DAYS,
            default_snapshots: DEFAULT_RETENTION_SNAPSHOTS,
            kept: KeptHistory {
                checks: team.kept.checks,
                snapshots: team.kept.snapshots,
                snapshot_text_bytes: team.kept.snapshot_text_bytes,
            },
            can_change: team.can_change,
        }
    }
}

/// The team's retention and what it keeps now.
#[utoipa::path(get, path = "/api/v1/teams/{id}/retention", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    responses((status = 200, body = RetentionResponse), (status = 404, description = "Not a team of yours")))]
async fn get_retention(
    user: CurrentUser,
    State(store): State<Store>,
    Path(id): Path<Uuid>,
) -> Result<Json<RetentionResponse>, ApiError> {
    let retention = store
        .team_retention(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(retention.into()))
}

fn limit(value: Option<i64>, max: i64) -> Result<Option<i32>, String> {
    match value {
        None => Ok(None),
        Some(value) => i32::try_from(value)
            .ok()
            .filter(|value| (1..=max).contains(&i64::from(*value)))
            .map(Some)
            .ok_or_else(|| format!("must be between 1 and {max}, or null for no limit")),
    }
}

/// Sets the team's retention (owners). The scheduler's next pruning run deletes what falls
/// outside it; alerts still on their way and each monitor's latest snapshot are kept.
#[utoipa::path(put, path = "/api/v1/teams/{id}/retention", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    request_body = RetentionBody,
    responses((status = 200, body = RetentionResponse),
        (status = 403, description = "Not an owner of the team"),
        (status = 404, description = "Not a team of yours"),
        (status = 422, description = "A limit out of range")))]
async fn set_retention(
    user: CurrentUser,
    State(store): State<Store>,
    context: AuditContext,
    Path(id): Path<Uuid>,
    Json(body): Json<RetentionBody>,
) -> Result<Json<RetentionResponse>, ApiError> {
    let mut problems = Problems::default();
    let days = problems.check("days", limit(body.days, MAX_DAYS));
    let snapshots = problems.check("snapshots", limit(body.snapshots, MAX_SNAPSHOTS));
    problems.finish()?;
    let retention = Retention {
        days: days.flatten(),
        snapshots: snapshots.flatten(),
    };
    let changed = store
        .set_team_retention(user.id, id, retention)
        .await?
        .map_err(|refusal| match refusal {
            store::memberships::MembershipRefusal::NotOwner => ApiError::Forbidden(
                "only the team's owners can change how long its history is kept".to_owned(),
            ),
            _ => ApiError::NotFound,
        })?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "team.retention_set",
        Some(&id.to_string()),
        json!({ "days": retention.days, "snapshots": retention.snapshots }),
    )
    .await;
    Ok(Json(changed.into()))
}
