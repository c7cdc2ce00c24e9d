//! Notification channels: email addresses and signed webhooks.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::Store;
use store::channels::{Channel, ChannelKind, NewChannel};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::domain::{self, Problems, Rules, channel};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::notify_client::NotifyClient;
use crate::state::AppState;

const MAX_CHANNEL_NAME: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/channels", get(list).post(create))
        .route("/channels/{id}", delete(remove))
        .route("/channels/{id}/test", post(test))
}

/// A channel as listed. The webhook signing secret is never part of it.
#[derive(Serialize)]
pub struct ChannelResponse {
    id: Uuid,
    team_id: Uuid,
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
#[derive(Serialize)]
struct CreatedChannel {
    #[serde(flatten)]
    channel: ChannelResponse,
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_secret: Option<String>,
}

#[derive(Serialize)]
struct ChannelList {
    items: Vec<ChannelResponse>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum KindBody {
    Email,
    Webhook,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateChannel {
    /// Defaults to the caller's personal team.
    team_id: Option<Uuid>,
    kind: KindBody,
    name: String,
    /// Required for `email`.
    address: Option<String>,
    /// Required for `webhook`.
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    team_id: Option<Uuid>,
}

async fn create(
    user: CurrentUser,
    State(store): State<Store>,
    State(rules): State<Arc<Rules>>,
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
    Ok((
        StatusCode::CREATED,
        Json(CreatedChannel {
            channel: ChannelResponse::from(&created),
            signing_secret: secret,
        }),
    ))
}

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

async fn remove(
    user: CurrentUser,
    State(store): State<Store>,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    if store.delete_channel(user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Serialize)]
struct TestSent {
    status: &'static str,
    message_id: String,
}

/// Sends a test message through notify, now, and reports whether it went out.
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
