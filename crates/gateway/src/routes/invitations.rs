//! Invitations to a team. An owner invites an email address
//! (`/api/v1/teams/{id}/invitations…`); the person behind it sees the
//! invitation once signed in and accepts or declines it
//! (`/api/v1/invitations…`).
//!
//! An invitation answers the same whether or not the address has an
//! account, so inviting cannot be used to find out who uses Lookout; and
//! nobody joins a team without their own action.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::invitations::{Invitation, ReceivedInvitation};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{Json, Path, SignedInUser};
use crate::memberships::Memberships;
use crate::routes::team_members::{refusal, role};
use crate::state::AppState;

/// Long enough for someone on holiday to find it, short enough that an
/// address that changed hands meanwhile rarely meets it.
const INVITATION_TTL: Duration = Duration::days(14);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_for_team, invite))
        .routes(routes!(revoke))
        .routes(routes!(list_received))
        .routes(routes!(accept))
        .routes(routes!(decline))
}

#[derive(Serialize, ToSchema)]
pub struct InvitationResponse {
    id: Uuid,
    team_id: Uuid,
    email: String,
    /// `owner` or `member`.
    #[schema(value_type = String)]
    role: &'static str,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl From<Invitation> for InvitationResponse {
    fn from(invitation: Invitation) -> Self {
        Self {
            id: invitation.id,
            team_id: invitation.team_id,
            email: invitation.email,
            role: invitation.role.as_str(),
            created_at: invitation.created_at,
            expires_at: invitation.expires_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvitationList {
    items: Vec<InvitationResponse>,
}

#[derive(Serialize, ToSchema)]
pub struct ReceivedInvitationResponse {
    id: Uuid,
    team_id: Uuid,
    team_name: String,
    /// The role the invitation offers: `owner` or `member`.
    #[schema(value_type = String)]
    role: &'static str,
    /// The inviting owner's email; empty when that account is gone.
    invited_by: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl From<ReceivedInvitation> for ReceivedInvitationResponse {
    fn from(invitation: ReceivedInvitation) -> Self {
        Self {
            id: invitation.id,
            team_id: invitation.team_id,
            team_name: invitation.team_name,
            role: invitation.role.as_str(),
            invited_by: invitation.invited_by,
            created_at: invitation.created_at,
            expires_at: invitation.expires_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReceivedInvitationList {
    items: Vec<ReceivedInvitationResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationInput {
    email: String,
    /// `owner` or `member` (default).
    role: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    team_id: Uuid,
    /// The role now held in the team.
    #[schema(value_type = String)]
    role: &'static str,
}

/// The team's open invitations. Owners only.
#[utoipa::path(get, path = "/api/v1/teams/{id}/invitations", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    responses((status = 200, body = InvitationList), (status = 403, description = "Not an owner"),
              (status = 404, description = "Not a team of yours")))]
async fn list_for_team(
    user: CurrentUser,
    State(store): State<Store>,
    Path(id): Path<Uuid>,
) -> Result<Json<InvitationList>, ApiError> {
    let invitations = store
        .list_invitations(user.id, id)
        .await?
        .map_err(refusal)?;
    Ok(Json(InvitationList {
        items: invitations
            .into_iter()
            .map(InvitationResponse::from)
            .collect(),
    }))
}

/// Invites an email address to the team, or renews its open invitation.
/// Owners only. The answer is the same whether or not the address has an
/// account; the person accepts after signing in.
#[utoipa::path(post, path = "/api/v1/teams/{id}/invitations", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    request_body = InvitationInput,
    responses((status = 201, body = InvitationResponse), (status = 403, description = "Not an owner"),
              (status = 404, description = "Not a team of yours"),
              (status = 409, description = "Already a member, or a personal team"),
              (status = 422, description = "Not an email address, or an unknown role")))]
async fn invite(
    user: CurrentUser,
    State(store): State<Store>,
    context: AuditContext,
    Path(id): Path<Uuid>,
    Json(request): Json<InvitationInput>,
) -> Result<(StatusCode, Json<InvitationResponse>), ApiError> {
    let role = role(request.role.as_deref())?;
    let email = request.email.trim().to_ascii_lowercase();
    if email.parse::<email_address::EmailAddress>().is_err() {
        return Err(ApiError::field("email", "is not a valid email address"));
    }
    let invitation = store
        .invite(user.id, id, &email, role, Utc::now() + INVITATION_TTL)
        .await?
        .map_err(refusal)?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "team.invitation_sent",
        Some(&id.to_string()),
        json!({"invitation_id": invitation.id, "email": invitation.email, "role": role.as_str()}),
    )
    .await;
    Ok((StatusCode::CREATED, Json(invitation.into())))
}

/// Withdraws an open invitation. Owners only.
#[utoipa::path(delete, path = "/api/v1/teams/{id}/invitations/{invitation_id}", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id"), ("invitation_id" = Uuid, Path, description = "Invitation id")),
    responses((status = 204, description = "Withdrawn"), (status = 403, description = "Not an owner"),
              (status = 404, description = "Not a team of yours, or no such open invitation")))]
async fn revoke(
    user: CurrentUser,
    State(store): State<Store>,
    context: AuditContext,
    Path((id, invitation_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    let invitation = store
        .revoke_invitation(user.id, id, invitation_id)
        .await?
        .map_err(refusal)?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "team.invitation_revoked",
        Some(&id.to_string()),
        json!({"invitation_id": invitation.id, "email": invitation.email}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// The open invitations addressed to the caller's email.
#[utoipa::path(get, path = "/api/v1/invitations", tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = ReceivedInvitationList)))]
async fn list_received(
    user: CurrentUser,
    State(store): State<Store>,
) -> Result<Json<ReceivedInvitationList>, ApiError> {
    let invitations = store.received_invitations(user.id).await?;
    Ok(Json(ReceivedInvitationList {
        items: invitations
            .into_iter()
            .map(ReceivedInvitationResponse::from)
            .collect(),
    }))
}

/// Accepts an invitation addressed to the caller: joins the team with the
/// role it offers. A signed-in person only, never an API key.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/accept", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Invitation id")),
    responses((status = 200, body = Accepted), (status = 403, description = "Called with an API key"),
              (status = 404, description = "No open invitation with this id for you")))]
async fn accept(
    SignedInUser(user): SignedInUser,
    State(store): State<Store>,
    State(memberships): State<Memberships>,
    context: AuditContext,
    Path(id): Path<Uuid>,
) -> Result<Json<Accepted>, ApiError> {
    let joined = memberships
        .accept_invitation(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "team.invitation_accepted",
        Some(&joined.team_id.to_string()),
        json!({"invitation_id": id, "role": joined.role.as_str()}),
    )
    .await;
    Ok(Json(Accepted {
        team_id: joined.team_id,
        role: joined.role.as_str(),
    }))
}

/// Declines an invitation addressed to the caller. A signed-in person
/// only, never an API key.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/decline", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Invitation id")),
    responses((status = 204, description = "Declined"), (status = 403, description = "Called with an API key"),
              (status = 404, description = "No open invitation with this id for you")))]
async fn decline(
    SignedInUser(user): SignedInUser,
    State(store): State<Store>,
    context: AuditContext,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let team_id = store
        .decline_invitation(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "team.invitation_declined",
        Some(&team_id.to_string()),
        json!({"invitation_id": id}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
