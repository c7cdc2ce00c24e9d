//! The caller's own account.

use axum::extract::State;
use serde::Serialize;
use store::Store;
use store::teams::MyTeam;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::Json;
use crate::routes::teams::TeamResponse;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    id: Uuid,
    email: String,
    /// In `ADMIN_EMAILS`: may use `/api/v1/admin/…`.
    is_admin: bool,
    teams: Vec<TeamResponse>,
}

/// The caller's identity and teams.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = MeResponse)))]
async fn me(user: CurrentUser, State(store): State<Store>) -> Result<Json<MeResponse>, ApiError> {
    let teams = match &user.identity {
        Some(identity) => identity.teams.clone(),
        // No identity confirmed by Redis for this request: from the database.
        None => store.list_teams_for_user(user.id).await?,
    };
    Ok(Json(MeResponse::new(&user, &teams)))
}

impl MeResponse {
    fn new(user: &CurrentUser, teams: &[MyTeam]) -> Self {
        Self {
            id: user.id,
            email: user.email.clone(),
            is_admin: user.is_admin,
            teams: teams.iter().cloned().map(TeamResponse::from).collect(),
        }
    }
}
