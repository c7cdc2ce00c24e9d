//! Members of a team: anyone in the team may list them, owners manage them.
//! Another team answers 404 (its existence is not revealed), a member
//! lacking the owner role 403.
//!
//! Nobody is added directly: an owner invites an email address and the
//! person accepts once signed in ([`crate::routes::invitations`]).

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::memberships::{Member, MembershipRefusal};
use store::teams::Role;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::memberships::Memberships;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(change_role, remove))
}

#[derive(Serialize, ToSchema)]
pub struct MemberResponse {
    user_id: Uuid,
    email: String,
    display_name: String,
    /// `owner` or `member`.
    #[schema(value_type = String)]
    role: &'static str,
    joined_at: DateTime<Utc>,
}

impl From<Member> for MemberResponse {
    fn from(member: Member) -> Self {
        Self {
            user_id: member.user_id,
            email: member.email,
            display_name: member.display_name,
            role: member.role.as_str(),
            joined_at: member.joined_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    items: Vec<MemberResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRole {
    role: String,
}

pub(crate) fn role(value: Option<&str>) -> Result<Role, ApiError> {
    match value {
        None | Some("member") => Ok(Role::Member),
        Some("owner") => Ok(Role::Owner),
        Some(_) => Err(ApiError::field("role", "must be owner or member")),
    }
}

pub(crate) fn refusal(refusal: MembershipRefusal) -> ApiError {
    match refusal {
        MembershipRefusal::NotMember | MembershipRefusal::NoSuchMember => ApiError::NotFound,
        MembershipRefusal::NotOwner => {
            ApiError::Forbidden("only the team's owners can manage its members".to_owned())
        }
        MembershipRefusal::NoSuchInvitation => ApiError::NotFound,
        MembershipRefusal::AlreadyMember => {
            ApiError::Conflict("this person is already a member of the team".to_owned())
        }
        MembershipRefusal::PersonalTeam => {
            ApiError::Conflict("a personal team cannot have other members".to_owned())
        }
        MembershipRefusal::LastOwner => ApiError::Conflict(
            "a team needs at least one owner; make someone else owner first".to_owned(),
        ),
    }
}

/// The team's members.
#[utoipa::path(get, path = "/api/v1/teams/{id}/members", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    responses((status = 200, body = MemberList), (status = 404, description = "Not a team of yours")))]
async fn list(
    user: CurrentUser,
    State(store): State<Store>,
    Path(id): Path<Uuid>,
) -> Result<Json<MemberList>, ApiError> {
    let members = store.list_members(user.id, id).await?.map_err(refusal)?;
    Ok(Json(MemberList {
        items: members.into_iter().map(MemberResponse::from).collect(),
    }))
}

/// Changes a member's role. Owners only; the last owner cannot step down.
#[utoipa::path(patch, path = "/api/v1/teams/{id}/members/{user_id}", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id"), ("user_id" = Uuid, Path, description = "Member's user id")),
    request_body = ChangeRole,
    responses((status = 200, body = MemberResponse), (status = 403, description = "Not an owner"),
              (status = 404, description = "Not a team of yours or not a member"), (status = 409, description = "Last owner")))]
async fn change_role(
    user: CurrentUser,
    State(store): State<Store>,
    State(memberships): State<Memberships>,
    context: AuditContext,
    Path((id, member_id)): Path<(Uuid, Uuid)>,
    Json(request): Json<ChangeRole>,
) -> Result<Json<MemberResponse>, ApiError> {
    let role = role(Some(&request.role))?;
    let member = memberships
        .change_member_role(user.id, id, member_id, role)
        .await?
        .map_err(refusal)?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "team.role_changed",
        Some(&id.to_string()),
        json!({"user_id": member_id, "role": role.as_str()}),
    )
    .await;
    Ok(Json(member.into()))
}

/// Removes a member (owners), or leaves the team (anyone, for themselves).
/// The last owner cannot leave.
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{user_id}", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id"), ("user_id" = Uuid, Path, description = "Member's user id")),
    responses((status = 204, description = "Removed"), (status = 403, description = "Not an owner"),
              (status = 404, description = "Not a team of yours or not a member"), (status = 409, description = "Last owner")))]
async fn remove(
    user: CurrentUser,
    State(store): State<Store>,
    State(memberships): State<Memberships>,
    context: AuditContext,
    Path((id, member_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    memberships
        .remove_member(user.id, id, member_id)
        .await?
        .map_err(refusal)?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "team.member_removed",
        Some(&id.to_string()),
        json!({"user_id": member_id}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
