//! Tags: a team's labels for its monitors (`/api/v1/tags…`). A name is
//! unique in its team whatever its case; a colour is `#rrggbb`. Which
//! monitors carry a tag is set on the monitor (`tag_ids`) or in bulk
//! (`POST /api/v1/monitors/bulk`); deleting a tag detaches it everywhere.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::tags::{Tag, TagPatch};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::CurrentUser;
use crate::domain::{self, Problems};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

/// The longest tag name, in characters.
pub const MAX_TAG_NAME: usize = 40;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, remove))
}

#[derive(Serialize, ToSchema)]
pub struct TagResponse {
    id: Uuid,
    team_id: Uuid,
    name: String,
    /// `#rrggbb`, lower case.
    #[schema(example = "#2f6fde")]
    colour: String,
    /// How many monitors carry the tag.
    monitor_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Tag> for TagResponse {
    fn from(tag: Tag) -> Self {
        Self {
            id: tag.id,
            team_id: tag.team_id,
            name: tag.name,
            colour: tag.colour,
            monitor_count: tag.monitor_count,
            created_at: tag.created_at,
            updated_at: tag.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TagList {
    /// By team, then name.
    items: Vec<TagResponse>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this team's tags.
    team_id: Option<Uuid>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTag {
    /// Defaults to the caller's personal team.
    team_id: Option<Uuid>,
    /// 1 to 40 characters, unique in the team whatever its case.
    name: String,
    /// `#rrggbb` (any case; stored in lower case).
    #[schema(example = "#2f6fde")]
    colour: String,
}

/// Absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTag {
    name: Option<String>,
    #[schema(example = "#2f6fde")]
    colour: Option<String>,
}

/// A colour as `#rrggbb` in lower case.
pub fn colour(value: &str) -> Result<String, String> {
    let value = value.trim();
    let hex = value.strip_prefix('#').unwrap_or_default();
    if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(format!("#{}", hex.to_ascii_lowercase()))
    } else {
        Err("must be a colour written #rrggbb, e.g. #2f6fde".to_owned())
    }
}

/// A taken name is the client's mistake, named as such.
fn name_conflict(error: store::StoreError) -> ApiError {
    match error {
        store::StoreError::Conflict { constraint } if constraint == store::tags::NAME_TAKEN => {
            ApiError::Conflict("the team already has a tag of that name".to_owned())
        }
        other => other.into(),
    }
}

/// The tags of the caller's teams.
#[utoipa::path(get, path = "/api/v1/tags", tag = "tags", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = TagList)))]
async fn list(
    user: CurrentUser,
    State(store): State<Store>,
    Query(query): Query<ListQuery>,
) -> Result<Json<TagList>, ApiError> {
    let tags = store.list_tags(user.id, query.team_id).await?;
    Ok(Json(TagList {
        items: tags.into_iter().map(TagResponse::from).collect(),
    }))
}

/// Creates a tag in the caller's personal team or in `team_id`.
#[utoipa::path(post, path = "/api/v1/tags", tag = "tags", security(("bearer" = [])),
    request_body = CreateTag,
    responses((status = 201, body = TagResponse),
        (status = 409, description = "The team already has a tag of that name (in any case)")))]
async fn create(
    user: CurrentUser,
    State(store): State<Store>,
    context: AuditContext,
    Json(request): Json<CreateTag>,
) -> Result<(StatusCode, Json<TagResponse>), ApiError> {
    let mut problems = Problems::default();
    let name = problems.check("name", domain::name(&request.name, MAX_TAG_NAME));
    let colour = problems.check("colour", colour(&request.colour));
    problems.finish()?;
    let (Some(name), Some(colour)) = (name, colour) else {
        return Err(ApiError::Internal("a checked tag lost its fields".into()));
    };
    let tag = store
        .create_tag(user.id, request.team_id, &name, &colour)
        .await
        .map_err(name_conflict)?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "tag.created",
        Some(&tag.id.to_string()),
        json!({"team_id": tag.team_id}),
    )
    .await;
    Ok((StatusCode::CREATED, Json(tag.into())))
}

/// Renames or recolours a tag.
#[utoipa::path(patch, path = "/api/v1/tags/{id}", tag = "tags", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Tag id")),
    request_body = UpdateTag,
    responses((status = 200, body = TagResponse),
        (status = 409, description = "The team already has a tag of that name (in any case)")))]
async fn update(
    user: CurrentUser,
    State(store): State<Store>,
    Path(id): Path<Uuid>,
    Json(request): Json<UpdateTag>,
) -> Result<Json<TagResponse>, ApiError> {
    let mut problems = Problems::default();
    let mut patch = TagPatch::default();
    if let Some(name) = &request.name {
        patch.name = problems.check("name", domain::name(name, MAX_TAG_NAME));
    }
    if let Some(value) = &request.colour {
        patch.colour = problems.check("colour", colour(value));
    }
    problems.finish()?;
    let tag = store
        .update_tag(user.id, id, &patch)
        .await
        .map_err(name_conflict)?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(tag.into()))
}

/// Deletes a tag and detaches it from every monitor; the monitors stay.
#[utoipa::path(delete, path = "/api/v1/tags/{id}", tag = "tags", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Tag id")),
    responses((status = 204, description = "Deleted")))]
async fn remove(
    user: CurrentUser,
    State(store): State<Store>,
    context: AuditContext,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    if !store.delete_tag(user.id, id).await? {
        return Err(ApiError::NotFound);
    }
    audit::record(
        &store,
        &context,
        (&user).into(),
        "tag.deleted",
        Some(&id.to_string()),
        json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_six_hex_digits_kept_in_lower_case() {
        assert_eq!(colour(" #2F6FDE ").as_deref(), Ok("#2f6fde"));
        for wrong in ["2f6fde", "#2f6fd", "#2f6fdeff", "#ggg000", "red", "", "#"] {
            assert!(colour(wrong).is_err(), "{wrong}");
        }
    }
}
