//! Per-team quotas: members read their team's quotas and use; administrators list every
//! team's and change them for one team. Creations beyond a quota answer 403 `limit_reached`
//! naming it ([`crate::quotas::reached`]).

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::quotas::{QuotaOverrides, QuotaUse, TeamQuotas};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::{AdminUser, CurrentUser};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Far above any team's need; a larger number is a typo.
const MAX_QUOTA: i64 = 1_000_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(team_quotas))
        .routes(routes!(list_quotas))
        .routes(routes!(set_quotas))
}

#[derive(Serialize, ToSchema)]
pub struct QuotaResponse {
    /// `monitors`, `channels`, `api_keys` (personal teams: its owner's keys) or
    /// `renders_per_hour` (Chromium renders of checks and previews this hour, UTC).
    name: &'static str,
    /// The team's limit: an administrator's override, else the deployment's default.
    limit: i64,
    /// Held now; for renders, spent in the current hour.
    used: i64,
    /// An administrator set this limit for the team.
    overridden: bool,
}

impl From<QuotaUse> for QuotaResponse {
    fn from(quota: QuotaUse) -> Self {
        Self {
            name: quota.quota.name(),
            limit: quota.limit,
            used: quota.used,
            overridden: quota.overridden,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamQuotasResponse {
    team_id: Uuid,
    team_name: String,
    personal: bool,
    quotas: Vec<QuotaResponse>,
    /// When an administrator last changed the team's quotas, if ever.
    updated_at: Option<DateTime<Utc>>,
}

impl From<TeamQuotas> for TeamQuotasResponse {
    fn from(team: TeamQuotas) -> Self {
        Self {
            team_id: team.team_id,
            team_name: team.team_name,
            personal: team.personal,
            quotas: team.quotas.into_iter().map(QuotaResponse::from).collect(),
            updated_at: team.updated_at,
        }
    }
}

/// The team's quotas and what it uses of each.
#[utoipa::path(get, path = "/api/v1/teams/{id}/quotas", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    responses((status = 200, body = TeamQuotasResponse), (status = 404, description = "Not a team of yours")))]
async fn team_quotas(
    user: CurrentUser,
    State(store): State<Store>,
    Path(id): Path<Uuid>,
) -> Result<Json<TeamQuotasResponse>, ApiError> {
    let quotas = store
        .team_quotas(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(quotas.into()))
}

#[derive(Serialize, ToSchema)]
pub struct TeamQuotasList {
    items: Vec<TeamQuotasResponse>,
}

/// Every team's quotas and use; teams with overrides first.
#[utoipa::path(get, path = "/api/v1/admin/quotas", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = TeamQuotasList), (status = 403, description = "Not an administrator")))]
async fn list_quotas(
    AdminUser(_admin): AdminUser,
    State(store): State<Store>,
) -> Result<Json<TeamQuotasList>, ApiError> {
    let teams = store.list_team_quotas().await?;
    Ok(Json(TeamQuotasList {
        items: teams.into_iter().map(TeamQuotasResponse::from).collect(),
    }))
}

/// A team's own limits; `null` keeps the deployment's default. Zero allows none.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct QuotaOverridesBody {
    monitors: Option<i64>,
    channels: Option<i64>,
    /// Counted for a personal team: its owner's working API keys.
    api_keys: Option<i64>,
    renders_per_hour: Option<i64>,
}

fn limit(field: &str, value: Option<i64>) -> Result<Option<i64>, ApiError> {
    match value {
        Some(value) if !(0..=MAX_QUOTA).contains(&value) => Err(ApiError::field(
            field,
            format!("must be between 0 and {MAX_QUOTA}, or null for the default"),
        )),
        other => Ok(other),
    }
}

/// Sets a team's quotas; all `null` returns it to the defaults. Existing monitors, channels
/// and keys above a lowered limit stay; only new ones are refused.
#[utoipa::path(put, path = "/api/v1/admin/teams/{id}/quotas", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    request_body = QuotaOverridesBody,
    responses((status = 200, body = QuotaOverridesBody), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such team"), (status = 422, description = "A limit out of range")))]
async fn set_quotas(
    AdminUser(admin): AdminUser,
    State(store): State<Store>,
    context: AuditContext,
    Path(id): Path<Uuid>,
    Json(body): Json<QuotaOverridesBody>,
) -> Result<Json<QuotaOverridesBody>, ApiError> {
    let overrides = QuotaOverrides {
        monitors: limit("monitors", body.monitors)?,
        channels: limit("channels", body.channels)?,
        api_keys: limit("api_keys", body.api_keys)?,
        renders_per_hour: limit("renders_per_hour", body.renders_per_hour)?,
    };
    if !store.set_team_quotas(id, overrides, admin.id).await? {
        return Err(ApiError::NotFound);
    }
    audit::record(
        &store,
        &context,
        (&admin).into(),
        "team.quotas_set",
        Some(&id.to_string()),
        json!({
            "monitors": overrides.monitors,
            "channels": overrides.channels,
            "api_keys": overrides.api_keys,
            "renders_per_hour": overrides.renders_per_hour,
        }),
    )
    .await;
    Ok(Json(body))
}
