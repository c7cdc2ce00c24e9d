//! API keys for scripts: `Authorization: Bearer lk_…`. The key is shown
//! once, at creation; only its hash is kept.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::api_keys::{ApiKey, NewApiKey};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::secrets;
use crate::domain::{self, Problems};
use crate::error::ApiError;
use crate::extract::{Json, Path, SignedInUser};
use crate::state::AppState;

const MAX_NAME: usize = 100;
/// Keys are for automation that someone maintains; a year at most keeps
/// forgotten keys from living forever.
const MAX_LIFETIME_DAYS: i64 = 366;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyResponse {
    id: Uuid,
    name: String,
    /// The `lk_<prefix>` part, to recognise the key.
    prefix: String,
    /// `read` and/or `write`.
    scopes: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<ApiKey> for ApiKeyResponse {
    fn from(key: ApiKey) -> Self {
        Self {
            id: key.id,
            name: key.name,
            prefix: format!("lk_{}", key.prefix),
            scopes: key.scopes,
            expires_at: key.expires_at,
            last_used_at: key.last_used_at,
            created_at: key.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    item: ApiKeyResponse,
    /// The full key. Shown this once; store it now.
    key: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyList {
    items: Vec<ApiKeyResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    name: String,
    /// `["read"]` or `["read", "write"]` (`write` implies reading).
    scopes: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
}

/// The caller's keys (never the secrets).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = ApiKeyList), (status = 403, description = "Called with an API key")))]
async fn list(
    SignedInUser(user): SignedInUser,
    State(store): State<Store>,
) -> Result<Json<ApiKeyList>, ApiError> {
    let keys = store.list_api_keys(user.id).await?;
    Ok(Json(ApiKeyList {
        items: keys.into_iter().map(ApiKeyResponse::from).collect(),
    }))
}

/// Creates a key. Only a signed-in person may (not another key).
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "account", security(("bearer" = [])),
    request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey),
        (status = 403, description = "Called with an API key, or you have as many working keys as your quota allows (`limit_reached`, quota `api_keys`)")))]
async fn create(
    SignedInUser(user): SignedInUser,
    State(store): State<Store>,
    context: AuditContext,
    Json(request): Json<CreateApiKey>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    let mut problems = Problems::default();
    let name = problems.check("name", domain::name(&request.name, MAX_NAME));
    let scopes = problems.check("scopes", scopes(&request.scopes));
    let expires_at = problems.check("expires_at", expiry(request.expires_at));
    problems.finish()?;
    let name = name.unwrap_or_default();
    let scopes = scopes.unwrap_or_default();
    let generated = secrets::new_api_key();
    let key = store
        .create_api_key(&NewApiKey {
            user_id: user.id,
            name: &name,
            prefix: &generated.prefix,
            secret_hash: &generated.secret_hash,
            scopes: &scopes,
            expires_at: expires_at.flatten(),
        })
        .await?;
    audit::record(
        &store,
        &context,
        (&user).into(),
        "api_key.created",
        Some(&key.id.to_string()),
        json!({"scopes": key.scopes}),
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiKey {
            item: key.into(),
            key: generated.full,
        }),
    ))
}

fn scopes(requested: &[String]) -> Result<Vec<String>, String> {
    if requested.is_empty() {
        return Err("must name at least one of read, write".to_owned());
    }
    if let Some(unknown) = requested
        .iter()
        .find(|scope| !matches!(scope.as_str(), "read" | "write"))
    {
        return Err(format!("unknown scope {unknown:?}; use read or write"));
    }
    let mut scopes = vec!["read".to_owned()];
    if requested.iter().any(|scope| scope == "write") {
        scopes.push("write".to_owned());
    }
    Ok(scopes)
}

fn expiry(requested: Option<DateTime<Utc>>) -> Result<Option<DateTime<Utc>>, String> {
    match requested {
        None => Ok(None),
        Some(at) if at <= Utc::now() => Err("must be in the future".to_owned()),
        Some(at) if at > Utc::now() + chrono::Duration::days(MAX_LIFETIME_DAYS) => {
            Err("must be within a year".to_owned())
        }
        Some(at) => Ok(Some(at)),
    }
}

/// Revokes a key; it stops working on the next request.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "account", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Key id")),
    responses((status = 204, description = "Revoked"), (status = 403, description = "Called with an API key"), (status = 404, description = "Not one of your keys")))]
async fn revoke(
    SignedInUser(user): SignedInUser,
    State(store): State<Store>,
    context: AuditContext,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    if !store.revoke_api_key(user.id, id).await? {
        return Err(ApiError::NotFound);
    }
    audit::record(
        &store,
        &context,
        (&user).into(),
        "api_key.revoked",
        Some(&id.to_string()),
        json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
