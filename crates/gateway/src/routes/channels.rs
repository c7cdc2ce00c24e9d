//! Notification channels: email, signed webhooks, Slack, Discord, Telegram,
//! Microsoft Teams and ntfy, given as fields or as an Apprise-style URL.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use secret_box::SecretBox;
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::channels::{Channel, ChannelDestination, ChannelKind, ChannelPatch, NewChannel};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::CurrentUser;
use crate::domain::channel::ChannelInput;
use crate::domain::{
    self, Problems, Rules, apprise, channel, channel_confirmation, channel_secrets,
};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::notify_client::NotifyClient;
use crate::quotas::SendCounter;
use crate::state::AppState;

const MAX_CHANNEL_NAME: usize = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, remove))
        .routes(routes!(test))
        .routes(routes!(confirm))
}

/// A channel as listed. Its credential (signing secret, chat webhook URL,
/// bot token, access token) is never part of it.
#[derive(Serialize, ToSchema)]
pub struct ChannelResponse {
    id: Uuid,
    team_id: Uuid,
    #[schema(value_type = KindBody)]
    kind: &'static str,
    name: String,
    /// What may be shown of the destination: the email address, the webhook
    /// URL, a masked Slack/Discord/Teams webhook URL
    /// (`https://hooks.slack.com/services/…i7FQ`), the Telegram chat id or
    /// the ntfy topic URL.
    target: String,
    /// ntfy only: `{"priority": 1-5 or null, "tags": [...]}`; `{}` otherwise.
    #[schema(value_type = Object)]
    settings: serde_json::Value,
    enabled: bool,
    /// Set when Lookout disabled the channel: the receiver answered 410
    /// Gone, or deliveries kept dying.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    disabled_reason: Option<String>,
    created_at: DateTime<Utc>,
    /// `unknown` (nothing sent yet), `healthy` (the last attempt reached
    /// the receiver), `failing` (the last attempt failed, retries under
    /// way), `dead` (deliveries gave up since the last success) or
    /// `disabled`.
    #[schema(value_type = HealthBody)]
    health: &'static str,
    /// When an alert last reached the receiver.
    last_success_at: Option<DateTime<Utc>>,
    /// When a delivery attempt last failed, and what the receiver did.
    last_failure_at: Option<DateTime<Utc>>,
    last_failure: Option<String>,
    /// An email channel to someone else's address: off until its recipient
    /// confirms through the link Lookout sent there.
    awaiting_confirmation: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code, reason = "documents the values of `health`")]
pub enum HealthBody {
    Unknown,
    Healthy,
    Failing,
    Dead,
    Disabled,
    #[serde(rename = "awaiting_confirmation")]
    AwaitingConfirmation,
}

impl From<&Channel> for ChannelResponse {
    fn from(channel: &Channel) -> Self {
        Self {
            id: channel.id,
            team_id: channel.team_id,
            kind: channel.kind.as_str(),
            name: channel.name.clone(),
            target: channel.target.clone(),
            settings: channel.settings.clone(),
            enabled: channel.enabled,
            disabled_reason: channel.disabled_reason.clone(),
            created_at: channel.created_at,
            health: channel.health().as_str(),
            last_success_at: channel.last_success_at,
            last_failure_at: channel.last_failure_at,
            last_failure: channel.last_failure.clone(),
            awaiting_confirmation: channel.awaiting_confirmation,
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
    /// Channels awaiting confirmation only: whether the confirmation email
    /// went out (when not, `confirmation_problem` says why).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    confirmation_sent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    confirmation_problem: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ChannelList {
    items: Vec<ChannelResponse>,
}

#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum KindBody {
    Email,
    Webhook,
    Slack,
    Discord,
    Telegram,
    Teams,
    Ntfy,
}

/// A new channel, either as structured fields for its `kind` or as one
/// Apprise-style `apprise_url` (`slack://TokenA/TokenB/TokenC`,
/// `discord://WebhookID/WebhookToken`, `tgram://BotToken/ChatID`,
/// `msteams://Team/TokenA/TokenB/TokenC`, `ntfy://topic?priority=high`,
/// `json://host/path`, `mailto://name@example.com`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    /// Defaults to the caller's personal team.
    team_id: Option<Uuid>,
    /// Required unless `apprise_url` is given.
    kind: Option<KindBody>,
    name: String,
    /// An Apprise-style URL instead of `kind` and its fields.
    apprise_url: Option<String>,
    /// `email`: the address.
    address: Option<String>,
    /// `webhook`, `slack`, `discord`, `teams`: the webhook URL; `ntfy`: the
    /// topic URL (`https://ntfy.sh/my-alerts`).
    url: Option<String>,
    /// `telegram`: the bot token from @BotFather.
    bot_token: Option<String>,
    /// `telegram`: the numeric chat id or `@channelname`.
    chat_id: Option<String>,
    /// `ntfy`: an access token (`tk_…`) for a protected topic.
    access_token: Option<String>,
    /// `ntfy`: 1 (min) to 5 (max); the server's default (3) when absent.
    priority: Option<u8>,
    /// `ntfy`: tags, shown as emojis where ntfy knows them.
    tags: Option<Vec<String>>,
}

impl CreateChannel {
    /// The fields given besides `name` and `team_id`, by name.
    fn given_fields(&self) -> Vec<&'static str> {
        [
            ("address", self.address.is_some()),
            ("url", self.url.is_some()),
            ("bot_token", self.bot_token.is_some()),
            ("chat_id", self.chat_id.is_some()),
            ("access_token", self.access_token.is_some()),
            ("priority", self.priority.is_some()),
            ("tags", self.tags.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, given)| given.then_some(field))
        .collect()
    }

    /// The structured input, or the field problems that prevent it.
    fn input(&self, problems: &mut Problems) -> Option<(ChannelInput, bool)> {
        if let Some(apprise_url) = &self.apprise_url {
            for field in self.given_fields() {
                problems.check::<()>(field, Err("is not used with apprise_url".to_owned()));
            }
            if self.kind.is_some() {
                problems.check::<()>("kind", Err("is not used with apprise_url".to_owned()));
            }
            return problems
                .check("apprise_url", apprise::parse(apprise_url))
                .map(|input| (input, true));
        }
        let Some(kind) = self.kind else {
            problems.check::<()>(
                "kind",
                Err("is required unless apprise_url is given".to_owned()),
            );
            return None;
        };
        let allowed: &[&str] = match kind {
            KindBody::Email => &["address"],
            KindBody::Webhook | KindBody::Slack | KindBody::Discord | KindBody::Teams => &["url"],
            KindBody::Telegram => &["bot_token", "chat_id"],
            KindBody::Ntfy => &["url", "access_token", "priority", "tags"],
        };
        for field in self.given_fields() {
            if !allowed.contains(&field) {
                problems.check::<()>(
                    field,
                    Err(format!("is not used by {} channels", kind_name(kind))),
                );
            }
        }
        let required = |value: &Option<String>, field: &'static str, problems: &mut Problems| {
            let value = value.clone().ok_or_else(|| "is required".to_owned());
            problems.check(field, value)
        };
        let input = match kind {
            KindBody::Email => ChannelInput::Email {
                address: required(&self.address, "address", problems)?,
            },
            KindBody::Webhook => ChannelInput::Webhook {
                url: required(&self.url, "url", problems)?,
            },
            KindBody::Slack => ChannelInput::Slack {
                url: required(&self.url, "url", problems)?,
            },
            KindBody::Discord => ChannelInput::Discord {
                url: required(&self.url, "url", problems)?,
            },
            KindBody::Teams => ChannelInput::Teams {
                url: required(&self.url, "url", problems)?,
            },
            KindBody::Telegram => {
                let bot_token = required(&self.bot_token, "bot_token", problems);
                let chat_id = required(&self.chat_id, "chat_id", problems);
                ChannelInput::Telegram {
                    bot_token: bot_token?,
                    chat_id: chat_id?,
                }
            }
            KindBody::Ntfy => ChannelInput::Ntfy {
                topic_url: required(&self.url, "url", problems)?,
                access_token: self.access_token.clone(),
                priority: self.priority,
                tags: self.tags.clone().unwrap_or_default(),
            },
        };
        Some((input, false))
    }
}

/// An email channel to any address but the caller's own (verified at sign-in)
/// waits for its recipient.
fn needs_confirmation(user: &CurrentUser, kind: ChannelKind, target: &str) -> bool {
    kind == ChannelKind::Email && !target.eq_ignore_ascii_case(user.email.trim())
}

/// Sends the confirmation email, counted like a test send.
async fn ask_to_confirm(
    send_counter: &SendCounter,
    notify: &NotifyClient,
    secret_box: &SecretBox,
    user: &CurrentUser,
    channel: &Channel,
) -> Result<(), ApiError> {
    send_counter.spend(channel.team_id).await?;
    let token = channel_confirmation::token(secret_box, channel.id, &channel.target, Utc::now())
        .map_err(|error| ApiError::Internal(format!("cannot seal a confirmation: {error}")))?;
    notify
        .send_confirmation(channel, &user.email, &token)
        .await?;
    Ok(())
}

fn kind_name(kind: KindBody) -> &'static str {
    match kind {
        KindBody::Email => "email",
        KindBody::Webhook => "webhook",
        KindBody::Slack => "slack",
        KindBody::Discord => "discord",
        KindBody::Telegram => "telegram",
        KindBody::Teams => "teams",
        KindBody::Ntfy => "ntfy",
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this team's channels.
    team_id: Option<Uuid>,
}

/// Creates a channel; a webhook's signing secret is in this answer only.
/// Every URL is checked against the SSRF policy now and again at each send.
/// 403 `limit_reached` (quota `channels`) when the team has as many channels as its quota allows.
#[utoipa::path(post, path = "/api/v1/channels", tag = "channels", security(("bearer" = [])),
    request_body = CreateChannel,
    responses((status = 201, body = CreatedChannel),
              (status = 403, description = "The team has as many channels as it may have")))]
async fn create(
    user: CurrentUser,
    State(store): State<Store>,
    State(rules): State<Arc<Rules>>,
    State(app): State<AppState>,
    context: AuditContext,
    Json(request): Json<CreateChannel>,
) -> Result<(StatusCode, Json<CreatedChannel>), ApiError> {
    let (secret_box, send_counter, notify) = (&app.secret_box, &app.send_counter, &app.notify);
    let mut problems = Problems::default();
    let name = problems.check("name", domain::name(&request.name, MAX_CHANNEL_NAME));
    let valid = match request.input(&mut problems) {
        Some((input, from_apprise)) => match channel::validate(&rules, input).await {
            Ok(valid) => Some(valid),
            Err((field, message)) => {
                // An Apprise URL's problems belong to the one field the user typed.
                let field = if from_apprise { "apprise_url" } else { field };
                problems.check::<()>(field, Err(message));
                None
            }
        },
        None => None,
    };
    problems.finish()?;
    let (Some(name), Some(valid)) = (name, valid) else {
        return Err(ApiError::Internal(
            "a checked channel lost its fields".into(),
        ));
    };
    // Only a webhook's secret is the user's to keep; the others they gave us.
    let signing_secret = (valid.kind == ChannelKind::Webhook)
        .then(|| valid.secret.clone())
        .flatten();
    let secret = valid
        .secret
        .as_deref()
        .map(|plaintext| channel_secrets::seal(secret_box, plaintext))
        .transpose()?;
    let awaiting_confirmation = needs_confirmation(&user, valid.kind, &valid.target);
    let new = NewChannel {
        kind: valid.kind,
        name,
        target: valid.target,
        secret,
        settings: valid.settings,
        awaiting_confirmation,
    };
    let created = store.create_channel(user.id, request.team_id, &new).await?;
    let target = created.id.to_string();
    audit::record(
        &store,
        &context,
        (&user).into(),
        "channel.created",
        Some(&target),
        json!({"kind": created.kind.as_str()}),
    )
    .await;
    let (confirmation_sent, confirmation_problem) = if awaiting_confirmation {
        match ask_to_confirm(send_counter, notify, secret_box, &user, &created).await {
            Ok(()) => (Some(true), None),
            Err(error) => (Some(false), Some(error.to_string())),
        }
    } else {
        (None, None)
    };
    Ok((
        StatusCode::CREATED,
        Json(CreatedChannel {
            channel: ChannelResponse::from(&created),
            signing_secret,
            confirmation_sent,
            confirmation_problem,
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

/// A change to a channel. Any destination field replaces the destination
/// as a whole (with the same rules as at creation, for the channel's own
/// kind: give every field the kind needs); a webhook keeps its signing
/// secret. `enabled: true` turns a channel Lookout turned off back on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChannel {
    name: Option<String>,
    enabled: Option<bool>,
    address: Option<String>,
    url: Option<String>,
    bot_token: Option<String>,
    chat_id: Option<String>,
    access_token: Option<String>,
    priority: Option<u8>,
    tags: Option<Vec<String>>,
}

impl UpdateChannel {
    /// The destination fields as a creation of `kind`, when any is given.
    fn as_creation(&self, kind: KindBody) -> Option<CreateChannel> {
        let creation = CreateChannel {
            team_id: None,
            kind: Some(kind),
            name: String::new(),
            apprise_url: None,
            address: self.address.clone(),
            url: self.url.clone(),
            bot_token: self.bot_token.clone(),
            chat_id: self.chat_id.clone(),
            access_token: self.access_token.clone(),
            priority: self.priority,
            tags: self.tags.clone(),
        };
        (!creation.given_fields().is_empty()).then_some(creation)
    }
}

fn kind_body(kind: ChannelKind) -> KindBody {
    match kind {
        ChannelKind::Email => KindBody::Email,
        ChannelKind::Webhook => KindBody::Webhook,
        ChannelKind::Slack => KindBody::Slack,
        ChannelKind::Discord => KindBody::Discord,
        ChannelKind::Telegram => KindBody::Telegram,
        ChannelKind::Teams => KindBody::Teams,
        ChannelKind::Ntfy => KindBody::Ntfy,
    }
}

/// Renames, re-points, turns off or turns on a channel.
#[utoipa::path(patch, path = "/api/v1/channels/{id}", tag = "channels", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Channel id")),
    request_body = UpdateChannel,
    responses((status = 200, body = ChannelResponse)))]
async fn update(
    user: CurrentUser,
    State(store): State<Store>,
    State(rules): State<Arc<Rules>>,
    State(app): State<AppState>,
    context: AuditContext,
    Path(id): Path<Uuid>,
    Json(request): Json<UpdateChannel>,
) -> Result<Json<ChannelResponse>, ApiError> {
    let (secret_box, send_counter, notify) = (&app.secret_box, &app.send_counter, &app.notify);
    let existing = store
        .get_channel(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut problems = Problems::default();
    let name = request
        .name
        .as_deref()
        .and_then(|name| problems.check("name", domain::name(name, MAX_CHANNEL_NAME)));
    let destination = match request.as_creation(kind_body(existing.kind)) {
        None => None,
        Some(creation) => match creation.input(&mut problems) {
            None => None,
            Some((input, _)) => match channel::validate(&rules, input).await {
                Ok(valid) => Some(valid),
                Err((field, message)) => {
                    problems.check::<()>(field, Err(message));
                    None
                }
            },
        },
    };
    problems.finish()?;
    let destination = match destination {
        None => None,
        Some(valid) => {
            // A webhook's receivers verify with the secret they were given.
            let secret = if valid.kind == ChannelKind::Webhook {
                existing.secret.clone()
            } else {
                valid
                    .secret
                    .as_deref()
                    .map(|plaintext| channel_secrets::seal(secret_box, plaintext))
                    .transpose()?
            };
            Some(ChannelDestination {
                target: valid.target,
                secret,
                settings: valid.settings,
            })
        }
    };
    let awaiting_confirmation = destination
        .as_ref()
        .is_some_and(|destination| needs_confirmation(&user, existing.kind, &destination.target));
    let still_awaiting = existing.awaiting_confirmation && destination.is_none();
    if request.enabled == Some(true) && (awaiting_confirmation || still_awaiting) {
        return Err(ApiError::Conflict(
            "the recipient has not confirmed this address yet; it turns on when they do".to_owned(),
        ));
    }
    let patch = ChannelPatch {
        name,
        enabled: request.enabled,
        destination,
        awaiting_confirmation,
    };
    let updated = store
        .update_channel(user.id, id, &patch)
        .await?
        .ok_or(ApiError::NotFound)?;
    if awaiting_confirmation {
        // The channel is saved and off; the owner can ask again by saving the address again.
        ask_to_confirm(send_counter, notify, secret_box, &user, &updated).await?;
    }
    let action = match (existing.enabled, updated.enabled) {
        (false, true) => "channel.enabled",
        (true, false) => "channel.disabled",
        _ => "channel.updated",
    };
    audit::record(
        &store,
        &context,
        (&user).into(),
        action,
        Some(&id.to_string()),
        json!({"kind": updated.kind.as_str(), "destination_changed": patch.destination.is_some()}),
    )
    .await;
    Ok(Json(ChannelResponse::from(&updated)))
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

/// Sends a test message through notify, now, and reports whether it went
/// out; when the receiver failed, 502 `receiver_failed` says what it did.
/// A team may send `CHANNEL_TEST_SENDS_PER_HOUR` tests and confirmations
/// an hour (429 `cap_reached` with `Retry-After`).
#[utoipa::path(post, path = "/api/v1/channels/{id}/test", tag = "channels", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Channel id")),
    responses((status = 200, body = TestSent),
              (status = 429, description = "The team's hourly test sends are spent"),
              (status = 502, description = "The receiver did not take the message; the message says what it did")))]
async fn test(
    user: CurrentUser,
    State(store): State<Store>,
    State(notify): State<NotifyClient>,
    State(secret_box): State<SecretBox>,
    State(send_counter): State<SendCounter>,
    Path(id): Path<Uuid>,
) -> Result<Json<TestSent>, ApiError> {
    let channel = store
        .get_channel(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if channel.awaiting_confirmation {
        return Err(ApiError::Conflict(
            "the recipient has not confirmed this address yet; nothing is sent to it before"
                .to_owned(),
        ));
    }
    send_counter.spend(channel.team_id).await?;
    let secret = channel_secrets::open(&secret_box, channel.secret.as_ref())?;
    let delivered = notify.send_test(&channel, &secret).await?;
    Ok(Json(TestSent {
        status: "sent",
        message_id: delivered.message_id,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmChannel {
    /// The `token` of the link in the confirmation email.
    token: String,
}

#[derive(Serialize, ToSchema)]
pub struct Confirmed {
    /// The channel's name and the address that now receives its alerts.
    name: String,
    address: String,
}

/// The recipient of a new email channel confirms it with the signed link
/// Lookout emailed them; no account needed. The link works once: 410 when
/// it was used, expired, or the channel changed since.
#[utoipa::path(post, path = "/api/v1/channels/confirm", tag = "channels",
    request_body = ConfirmChannel,
    responses((status = 200, body = Confirmed),
              (status = 400, description = "Not a confirmation link of this Lookout"),
              (status = 410, description = "Used, expired, or the channel changed")))]
async fn confirm(
    State(store): State<Store>,
    State(secret_box): State<SecretBox>,
    context: AuditContext,
    Json(request): Json<ConfirmChannel>,
) -> Result<Json<Confirmed>, ApiError> {
    let confirmation = channel_confirmation::open(&secret_box, &request.token, Utc::now())
        .map_err(|problem| match problem {
            channel_confirmation::TokenProblem::Invalid => {
                ApiError::BadRequest("this is not a confirmation link of this Lookout".to_owned())
            }
            channel_confirmation::TokenProblem::Expired => {
                ApiError::Gone("this confirmation link has expired; ask for a new one".to_owned())
            }
        })?;
    let confirmed = store
        .confirm_channel(confirmation.channel_id, &confirmation.address)
        .await?
        .ok_or_else(|| {
            ApiError::Gone(
                "this link was already used, or the channel changed or was deleted".to_owned(),
            )
        })?;
    audit::record(
        &store,
        &context,
        audit::Actor::Anonymous,
        "channel.confirmed",
        Some(&confirmed.id.to_string()),
        json!({}),
    )
    .await;
    Ok(Json(Confirmed {
        name: confirmed.name,
        address: confirmed.target,
    }))
}
