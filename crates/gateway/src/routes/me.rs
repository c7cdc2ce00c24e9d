//! The caller's own account.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
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
async fn me(user: CurrentUser, State(store): State<Store>) -> Result<Response, ApiError> {
    let Some(identity) = &user.identity else {
        // No identity confirmed by Redis for this request: from the database.
        let teams = store.list_teams_for_user(user.id).await?;
        return Ok(Json(MeResponse::new(&user, &teams)).into_response());
    };
    let body = match identity.me_body.get() {
        Some(body) => body.clone(),
        None => {
            let rendered = serde_json::to_vec(&MeResponse::new(&user, &identity.teams))
                .map_err(|error| ApiError::Internal(format!("rendering /me: {error}")))?;
            identity.me_body.get_or_init(|| rendered.into()).clone()
        }
    };
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
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
