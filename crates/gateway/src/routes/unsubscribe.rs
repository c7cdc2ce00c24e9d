//! One-click unsubscribe from an email channel (RFC 8058). Every alert
//! email names `/api/v1/channels/unsubscribe/{token}` in its
//! `List-Unsubscribe` header with `List-Unsubscribe-Post:
//! List-Unsubscribe=One-Click`: the mail client's `POST` turns the channel
//! off without a session, and is audited. A `GET` (a person following the
//! link, or a mail scanner) changes nothing: it is sent to the UI's
//! confirmation page, whose button makes the same `POST`.

use std::time::SystemTime;

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use rating_link::{LinkError, RatingLinks};
use serde::Serialize;
use serde_json::json;
use store::Store;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::{self, AuditContext};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show, unsubscribe))
}

#[derive(Serialize, ToSchema)]
pub struct Unsubscribed {
    /// The channel's name and the address that no longer receives its alerts.
    name: String,
    address: String,
    /// False when the channel was already off.
    changed: bool,
}

/// Sends a person who follows the link to the UI's confirmation page
/// (`/unsubscribe/{token}`); nothing changes until they press its button.
#[utoipa::path(get, path = "/api/v1/channels/unsubscribe/{token}", tag = "channels",
    params(("token" = String, Path, description = "The token of the alert email's unsubscribe link")),
    responses((status = 303, description = "To the UI's confirmation page")))]
async fn show(Path(token): Path<String>) -> Response {
    let mut page = String::from("/unsubscribe/");
    // A token is base64url and a dot; anything else is not passed on.
    page.extend(
        token
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .take(200),
    );
    (StatusCode::SEE_OTHER, [(LOCATION, page)]).into_response()
}

/// Turns the email channel off, no session needed: the signed token of the
/// link proves the request comes from its recipient. The body (RFC 8058's
/// `List-Unsubscribe=One-Click`) is not needed. Works again on an already
/// unsubscribed channel; 403 for a forged or expired link, 410 when the
/// channel was deleted or no longer goes to the address the link was
/// mailed to.
#[utoipa::path(post, path = "/api/v1/channels/unsubscribe/{token}", tag = "channels",
    params(("token" = String, Path, description = "The token of the alert email's unsubscribe link")),
    responses((status = 200, body = Unsubscribed),
              (status = 403, description = "The link is forged or expired"),
              (status = 410, description = "The channel is gone or goes to another address now")))]
async fn unsubscribe(
    State(links): State<RatingLinks>,
    State(store): State<Store>,
    context: AuditContext,
    Path(token): Path<String>,
) -> Result<Json<Unsubscribed>, ApiError> {
    let verified = links
        .verify_unsubscribe(&token, SystemTime::now())
        .map_err(|error| match error {
            LinkError::Expired => ApiError::Forbidden(
                "this unsubscribe link has expired; sign in to Lookout and turn the channel off there"
                    .to_owned(),
            ),
            LinkError::Malformed | LinkError::BadSignature => {
                ApiError::Forbidden("this unsubscribe link is not valid".to_owned())
            }
        })?;
    let gone = || {
        ApiError::Gone(
            "this channel was deleted or sends to another address now; nothing to unsubscribe"
                .to_owned(),
        )
    };
    let channel = store
        .get_channel_for_unsubscribe(verified.channel_id)
        .await?
        .filter(|channel| verified.is_for(&channel.target))
        .ok_or_else(gone)?;
    let (channel, changed) = store
        .unsubscribe_channel(channel.id, &channel.target)
        .await?
        .ok_or_else(gone)?;
    if changed {
        audit::record(
            &store,
            &context,
            audit::Actor::Anonymous,
            "channel.unsubscribed",
            Some(&channel.id.to_string()),
            json!({"via": "list-unsubscribe"}),
        )
        .await;
    }
    Ok(Json(Unsubscribed {
        name: channel.name,
        address: channel.target,
        changed,
    }))
}
