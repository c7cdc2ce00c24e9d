//! The caller's own account.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Serialize;
use store::Store;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::Json;
use crate::routes::teams::TeamResponse;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/me", get(me))
}

#[derive(Serialize)]
struct MeResponse {
    id: Uuid,
    email: String,
    teams: Vec<TeamResponse>,
}

async fn me(user: CurrentUser, State(store): State<Store>) -> Result<Json<MeResponse>, ApiError> {
    let teams = store.list_teams_for_user(user.id).await?;
    Ok(Json(MeResponse {
        id: user.id,
        email: user.email,
        teams: teams.into_iter().map(TeamResponse::from).collect(),
    }))
}
