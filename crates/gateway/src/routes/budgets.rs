//! Monthly model budgets: members read their team's budget and this month's model use per
//! monitor; administrators list every team's and set them. A team over budget has its changes
//! held (or handled by each monitor's fail policy) by the scheduler, recorded as `over_budget`.

use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::budgets::{Limits, Spent, TeamBudgetRow, TeamUsage};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::{AdminUser, CurrentUser};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Far above any real month (a billion tokens costs thousands even on small models); a larger
/// number is a typo.
const MAX_MONTHLY_TOKENS: i64 = 1_000_000_000_000;
const MAX_MONTHLY_CALLS: i64 = 1_000_000_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(team_usage))
        .routes(routes!(list_budgets))
        .routes(routes!(set_budget))
}

/// Monthly limits; `null` is no limit of that kind.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct BudgetBody {
    /// Prompt and completion tokens per calendar month (UTC), or `null`.
    monthly_tokens: Option<i64>,
    /// Model calls per calendar month (UTC), or `null`.
    monthly_calls: Option<i64>,
}

impl From<Limits> for BudgetBody {
    fn from(limits: Limits) -> Self {
        Self {
            monthly_tokens: limits.monthly_tokens,
            monthly_calls: limits.monthly_calls,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SpentResponse {
    /// Prompt and completion tokens of model calls. Cached verdicts cost none.
    tokens: i64,
    /// Model calls (checks whose change reached the model).
    calls: i64,
}

impl From<Spent> for SpentResponse {
    fn from(spent: Spent) -> Self {
        Self {
            tokens: spent.tokens,
            calls: spent.calls,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MonitorUsageResponse {
    monitor_id: Uuid,
    /// `null` when the monitor was deleted this month; its use still counts.
    monitor_name: Option<String>,
    tokens: i64,
    calls: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TeamUsageResponse {
    team_id: Uuid,
    team_name: String,
    /// The first day of the month counted (UTC); use resets on the first of each month.
    month: NaiveDate,
    /// The team's budget, or `null` when it has none.
    budget: Option<BudgetBody>,
    budget_updated_at: Option<DateTime<Utc>>,
    used: SpentResponse,
    /// A limit is reached: changes are not sent to the model until next month or a higher
    /// budget, and each monitor's fail policy applies (reason `over_budget`).
    over_budget: bool,
    /// Monitors with model use this month, largest first.
    monitors: Vec<MonitorUsageResponse>,
}

impl From<TeamUsage> for TeamUsageResponse {
    fn from(usage: TeamUsage) -> Self {
        Self {
            team_id: usage.team_id,
            team_name: usage.team_name,
            month: usage.month,
            budget: (!usage.limits.is_unlimited()).then(|| usage.limits.into()),
            budget_updated_at: usage.budget_updated_at,
            over_budget: usage.limits.reached_by(usage.spent),
            used: usage.spent.into(),
            monitors: usage
                .monitors
                .into_iter()
                .map(|monitor| MonitorUsageResponse {
                    monitor_id: monitor.monitor_id,
                    monitor_name: monitor.monitor_name,
                    tokens: monitor.spent.tokens,
                    calls: monitor.spent.calls,
                })
                .collect(),
        }
    }
}

/// The team's monthly model budget and this month's model use, in total and per monitor.
#[utoipa::path(get, path = "/api/v1/teams/{id}/usage", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    responses((status = 200, body = TeamUsageResponse), (status = 404, description = "Not a team of yours")))]
async fn team_usage(
    user: CurrentUser,
    State(store): State<Store>,
    Path(id): Path<Uuid>,
) -> Result<Json<TeamUsageResponse>, ApiError> {
    let usage = store
        .team_usage(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(usage.into()))
}

#[derive(Serialize, ToSchema)]
pub struct TeamBudgetResponse {
    team_id: Uuid,
    team_name: String,
    personal: bool,
    /// `null` when the team has no budget.
    budget: Option<BudgetBody>,
    used: SpentResponse,
    over_budget: bool,
}

impl From<TeamBudgetRow> for TeamBudgetResponse {
    fn from(row: TeamBudgetRow) -> Self {
        Self {
            team_id: row.team_id,
            team_name: row.team_name,
            personal: row.personal,
            budget: (!row.limits.is_unlimited()).then(|| row.limits.into()),
            over_budget: row.limits.reached_by(row.spent),
            used: row.spent.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamBudgetList {
    items: Vec<TeamBudgetResponse>,
}

/// Every team's budget and this month's model use, largest use first.
#[utoipa::path(get, path = "/api/v1/admin/budgets", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = TeamBudgetList), (status = 403, description = "Not an administrator")))]
async fn list_budgets(
    AdminUser(_admin): AdminUser,
    State(store): State<Store>,
) -> Result<Json<TeamBudgetList>, ApiError> {
    let rows = store.list_team_budgets().await?;
    Ok(Json(TeamBudgetList {
        items: rows.into_iter().map(TeamBudgetResponse::from).collect(),
    }))
}

fn limit(field: &str, value: Option<i64>, max: i64) -> Result<Option<i64>, ApiError> {
    match value {
        Some(value) if !(1..=max).contains(&value) => Err(ApiError::field(
            field,
            format!("must be between 1 and {max}, or null for no limit"),
        )),
        other => Ok(other),
    }
}

/// Sets a team's monthly budget; both limits `null` removes it. Takes effect at the team's
/// next check.
#[utoipa::path(put, path = "/api/v1/admin/teams/{id}/budget", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    request_body = BudgetBody,
    responses((status = 200, body = BudgetBody), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such team"), (status = 422, description = "A limit out of range")))]
async fn set_budget(
    AdminUser(admin): AdminUser,
    State(store): State<Store>,
    context: AuditContext,
    Path(id): Path<Uuid>,
    Json(body): Json<BudgetBody>,
) -> Result<Json<BudgetBody>, ApiError> {
    let limits = Limits {
        monthly_tokens: limit("monthly_tokens", body.monthly_tokens, MAX_MONTHLY_TOKENS)?,
        monthly_calls: limit("monthly_calls", body.monthly_calls, MAX_MONTHLY_CALLS)?,
    };
    if !store.set_team_budget(id, limits, admin.id).await? {
        return Err(ApiError::NotFound);
    }
    audit::record(
        &store,
        &context,
        (&admin).into(),
        "team.budget_set",
        Some(&id.to_string()),
        json!({ "monthly_tokens": limits.monthly_tokens, "monthly_calls": limits.monthly_calls }),
    )
    .await;
    Ok(Json(body))
}
