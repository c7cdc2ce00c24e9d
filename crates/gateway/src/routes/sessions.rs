//! The caller's sign-in sessions: list and revoke.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use store::Store;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{Json, Path, SignedInUser};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(revoke))
}

#[derive(Serialize, ToSchema)]
pub struct SessionResponse {
    id: Uuid,
    created_at: DateTime<Utc>,
    last_used_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    user_agent: String,
    ip: Option<String>,
    /// The session this request was made with.
    current: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SessionList {
    items: Vec<SessionResponse>,
}

/// The caller's live sessions, newest first.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = SessionList), (status = 403, description = "Called with an API key")))]
async fn list(
    SignedInUser(user): SignedInUser,
    State(store): State<Store>,
) -> Result<Json<SessionList>, ApiError> {
    let current = user.session_id();
    let sessions = store.list_sessions(user.id).await?;
    Ok(Json(SessionList {
        items: sessions
            .into_iter()
            .map(|session| SessionResponse {
                current: Some(session.id) == current,
                id: session.id,
                created_at: session.created_at,
                last_used_at: session.last_used_at,
                expires_at: session.expires_at,
                user_agent: session.user_agent,
                ip: session.ip,
            })
            .collect(),
    }))
}

/// Revokes one of the caller's sessions: its refresh token and every access
/// token it issued stop working.
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "account", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses((status = 204, description = "Revoked"), (status = 403, description = "Called with an API key"), (status = 404, description = "Not one of your live sessions")))]
async fn revoke(
    SignedInUser(user): SignedInUser,
    State(store): State<Store>,
    State(auth): State<Arc<Auth>>,
    context: AuditContext,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    store
        .revoke_session(user.id, id, "revoked_by_user")
        .await?
        .ok_or(ApiError::NotFound)?;
    auth.revoke_session(id).await?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "session.revoked",
        Some(&id.to_string()),
        json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
