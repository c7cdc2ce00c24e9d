//! Notification channels: email addresses and signed webhooks.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::channels::{Channel, ChannelKind, NewChannel};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::CurrentUser;
use crate::domain::{self, Problems, Rules, channel};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::notify_client::NotifyClient;
use crate::state::AppState;

const MAX_CHANNEL_NAME: usize = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(remove))
        .routes(routes!(test))
}

/// A channel as listed. The webhook signing secret is never part of it.
#[derive(Serialize, ToSchema)]
pub struct ChannelResponse {
    id: Uuid,
    team_id: Uuid,
    /// `email` or `webhook`.
    #[schema(value_type = String)]
    kind: &'static str,
    name: String,
    /// Email address or webhook URL.
    target: String,
    enabled: bool,
    created_at: DateTime<Utc>,
}

impl From<&Channel> for ChannelResponse {
    fn from(channel: &Channel) -> Self {
        Self {
            id: channel.id,
            team_id: channel.team_id,
            kind: channel.kind.as_str(),
            name: channel.name.clone(),
            target: channel.target.clone(),
            enabled: channel.enabled,
            created_at: channel.created_at,
        }
    }
}

/// The answer to a creation: the only time the signing secret is shown.
#[derive(Serialize, ToSchema)]
pub struct CreatedChannel {
    #[serde(flatten)]
    channel: ChannelResponse,
    /// Webhooks only: the Standard Webhooks secret, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    signing_secret: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ChannelList {
    items: Vec<ChannelResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KindBody {
    Email,
    Webhook,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    /// Defaults to the caller's personal team.
    team_id: Option<Uuid>,
    kind: KindBody,
    name: String,
    /// Required for `email`.
    address: Option<String>,
    /// Required for `webhook`.
    url: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this team's channels.
    team_id: Option<Uuid>,
}

/// Creates a channel; a webhook's signing secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/channels", tag = "channels", security(("bearer" = [])),
    request_body = CreateChannel,
    responses((status = 201, body = CreatedChannel)))]
async fn create(
    user: CurrentUser,
    State(store): State<Store>,
    State(rules): State<Arc<Rules>>,
    context: AuditContext,
    Json(request): Json<CreateChannel>,
) -> Result<(StatusCode, Json<CreatedChannel>), ApiError> {
    let mut problems = Problems::default();
    let name = problems.check("name", domain::name(&request.name, MAX_CHANNEL_NAME));
    let (kind, target) = match request.kind {
        KindBody::Email => {
            if request.url.is_some() {
                problems.check::<()>("url", Err("is only for webhook channels".to_owned()));
            }
            let address = request
                .address
                .as_deref()
                .ok_or_else(|| "is required".to_owned());
            let address = problems.check("address", address.and_then(channel::email_address));
            (ChannelKind::Email, address)
        }
        KindBody::Webhook => {
            if request.address.is_some() {
                problems.check::<()>("address", Err("is only for email channels".to_owned()));
            }
            let url = match request.url.as_deref() {
                Some(url) => channel::webhook_url(&rules, url).await,
                None => Err("is required".to_owned()),
            };
            (ChannelKind::Webhook, problems.check("url", url))
        }
    };
    problems.finish()?;
    let secret = (kind == ChannelKind::Webhook).then(channel::new_webhook_secret);
    let new = NewChannel {
        kind,
        // Both are present: `finish` returned early otherwise.
        name: name.unwrap_or_default(),
        target: target.unwrap_or_default(),
        secret: secret.clone(),
    };
    let created = store.create_channel(user.id, request.team_id, &new).await?;
    let target = created.id.to_string();
    audit::record(
        &store,
        &context,
        (&user).into(),
        "channel.created",
        Some(&target),
        json!({}),
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(CreatedChannel {
            channel: ChannelResponse::from(&created),
            signing_secret: secret,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/channels", tag = "channels", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ChannelList)))]
async fn list(
    user: CurrentUser,
    State(store): State<Store>,
    Query(query): Query<ListQuery>,
) -> Result<Json<ChannelList>, ApiError> {
    let channels = store.list_channels(user.id, query.team_id).await?;
    Ok(Json(ChannelList {
        items: channels.iter().map(ChannelResponse::from).collect(),
    }))
}

#[utoipa::path(delete, path = "/api/v1/channels/{id}", tag = "channels", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Channel id")),
    responses((status = 204, description = "Deleted")))]
async fn remove(
    user: CurrentUser,
    State(store): State<Store>,
    context: AuditContext,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    if store.delete_channel(user.id, id).await? {
        let action = "channel.deleted";
        audit::record(
            &store,
            &context,
            (&user).into(),
            action,
            Some(&id.to_string()),
            json!({}),
        )
        .await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Serialize, ToSchema)]
pub struct TestSent {
    /// Always `sent`.
    #[schema(value_type = String)]
    status: &'static str,
    message_id: String,
}

/// Sends a test message through notify, now, and reports whether it went out.
#[utoipa::path(post, path = "/api/v1/channels/{id}/test", tag = "channels", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Channel id")),
    responses((status = 200, body = TestSent)))]
async fn test(
    user: CurrentUser,
    State(store): State<Store>,
    State(notify): State<NotifyClient>,
    Path(id): Path<Uuid>,
) -> Result<Json<TestSent>, ApiError> {
    let channel = store
        .get_channel(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let delivered = notify.send_test(&channel).await?;
    Ok(Json(TestSent {
        status: "sent",
        message_id: delivered.message_id,
    }))
}
