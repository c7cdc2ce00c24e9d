//! Teams the caller belongs to. Members: [`crate::routes::team_members`].

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::Store;
use store::teams::MyTeam;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};

use crate::auth::CurrentUser;
use crate::domain::{self, Problems};
use crate::error::ApiError;
use crate::extract::Json;
use crate::memberships::Memberships;
use crate::state::AppState;

const MAX_TEAM_NAME: usize = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create))
}

#[derive(Serialize, ToSchema)]
pub struct TeamResponse {
    id: Uuid,
    name: String,
    personal: bool,
    /// `owner` or `member`.
    #[schema(value_type = String)]
    role: &'static str,
    created_at: DateTime<Utc>,
}

impl From<MyTeam> for TeamResponse {
    fn from(team: MyTeam) -> Self {
        Self {
            id: team.id,
            name: team.name,
            personal: team.personal,
            role: team.role.as_str(),
            created_at: team.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamList {
    items: Vec<TeamResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    name: String,
}

/// The teams the caller belongs to.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = TeamList)))]
async fn list(user: CurrentUser, State(store): State<Store>) -> Result<Json<TeamList>, ApiError> {
    let teams = store.list_teams_for_user(user.id).await?;
    Ok(Json(TeamList {
        items: teams.into_iter().map(TeamResponse::from).collect(),
    }))
}

/// Creates a team owned by the caller.
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    request_body = CreateTeam,
    responses((status = 201, body = TeamResponse)))]
async fn create(
    user: CurrentUser,
    State(store): State<Store>,
    State(memberships): State<Memberships>,
    context: AuditContext,
    Json(request): Json<CreateTeam>,
) -> Result<(StatusCode, Json<TeamResponse>), ApiError> {
    let mut problems = Problems::default();
    let name = problems.check("name", domain::name(&request.name, MAX_TEAM_NAME));
    problems.finish()?;
    let name = name.unwrap_or_default();
    let team = memberships.create_team(user.id, &name).await?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "team.created",
        Some(&team.id.to_string()),
        serde_json::json!({}),
    )
    .await;
    Ok((StatusCode::CREATED, Json(team.into())))
}
