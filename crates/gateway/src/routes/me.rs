//! The caller's own account.

use axum::extract::State;
use serde::Serialize;
use store::Store;
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
        Some(identity) => identity
            .teams
            .iter()
            .cloned()
            .map(TeamResponse::from)
            .collect(),
        None => store
            .list_teams_for_user(user.id)
            .await?
            .into_iter()
            .map(TeamResponse::from)
            .collect(),
    };
    Ok(Json(MeResponse {
        id: user.id,
        is_admin: user.is_admin,
        email: user.email,
        teams,
    }))
}
