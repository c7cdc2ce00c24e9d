//! Signed triggers: a deploy pipeline (or any system) asks for a check now
//! without a user's credentials.
//!
//! `POST /api/v1/hooks/monitors/{id}/check` with
//! `X-Lookout-Timestamp: <unix seconds>` and
//! `X-Lookout-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`.
//! Timestamps more than 5 minutes away are refused, each signature is
//! accepted once (remembered 10 minutes in Redis, longer than the window),
//! and an unknown monitor, a monitor without a secret and a bad signature
//! all answer the same 401 after the same work.
//!
//! `POST /api/v1/monitors/{id}/trigger-secret` creates or rotates the secret
//! (shown once); the previous one stops working at once.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::json;
use sha2::Sha256;
use store::Store;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, Actor, AuditContext};
use crate::auth::tokens::unix_now;
use crate::auth::{Auth, CurrentUser, secrets};
use crate::error::{ApiError, AuthFailure};
use crate::extract::{Json, Path};
use crate::state::AppState;

pub const TIMESTAMP_HEADER: &str = "x-lookout-timestamp";
pub const SIGNATURE_HEADER: &str = "x-lookout-signature";
/// How far a trigger's clock may be from ours.
const MAX_SKEW_SECONDS: u64 = 5 * 60;
/// Longer than the accepted window on both sides, so a signature cannot be
/// replayed after it is forgotten.
const REPLAY_MEMORY: Duration = Duration::from_secs(10 * 60 + 30);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(trigger))
        .routes(routes!(rotate_secret))
}

#[derive(Serialize, ToSchema)]
pub struct TriggerSecret {
    /// The HMAC key. Shown this once.
    secret: String,
    /// Where to POST signed requests.
    url: String,
}

/// Creates or replaces the monitor's trigger secret.
#[utoipa::path(post, path = "/api/v1/monitors/{id}/trigger-secret", tag = "monitors", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id")),
    responses((status = 201, body = TriggerSecret), (status = 404, description = "Not a monitor of yours")))]
async fn rotate_secret(
    user: CurrentUser,
    State(store): State<Store>,
    State(auth): State<Arc<Auth>>,
    context: AuditContext,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, Json<TriggerSecret>), ApiError> {
    let secret = format!("lkhook_{}", secrets::random_hex(32));
    if !store.set_trigger_secret(user.id, id, &secret).await? {
        return Err(ApiError::NotFound);
    }
    audit::record(
        &store,
        &context,
        (&user).into(),
        "monitor.trigger_secret_rotated",
        Some(&id.to_string()),
        json!({}),
    )
    .await;
    let url = auth
        .public_base_url
        .join(&format!("/api/v1/hooks/monitors/{id}/check"))
        .map(|url| url.to_string())
        .unwrap_or_default();
    Ok((StatusCode::CREATED, Json(TriggerSecret { secret, url })))
}

#[derive(Serialize, ToSchema)]
pub struct Queued {
    status: &'static str,
}

/// Why a trigger was refused: audited, never told to the caller.
#[derive(Debug, Clone, Copy)]
enum HookRefusal {
    MissingHeaders,
    StaleTimestamp,
    BadSignature,
    Replayed,
}

impl HookRefusal {
    fn as_str(self) -> &'static str {
        match self {
            Self::MissingHeaders => "missing_headers",
            Self::StaleTimestamp => "stale_timestamp",
            Self::BadSignature => "bad_signature",
            Self::Replayed => "replayed",
        }
    }
}

/// Runs a check of the monitor now, on a signed request.
#[utoipa::path(post, path = "/api/v1/hooks/monitors/{id}/check", tag = "monitors",
    params(("id" = Uuid, Path, description = "Monitor id"),
           ("X-Lookout-Timestamp" = String, Header, description = "Unix seconds"),
           ("X-Lookout-Signature" = String, Header, description = "`sha256=` + hex HMAC-SHA256(secret, timestamp + \".\" + body)")),
    request_body(content = String, description = "Any body; it is covered by the signature"),
    responses((status = 202, body = Queued), (status = 401, description = "Missing, stale, wrong or replayed signature, or unknown monitor")))]
async fn trigger(
    State(store): State<Store>,
    State(auth): State<Arc<Auth>>,
    context: AuditContext,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Queued>), ApiError> {
    match verify(&store, &auth, id, &headers, &body).await? {
        Ok(()) => {
            store.request_hook_run(id).await?;
            Ok((StatusCode::ACCEPTED, Json(Queued { status: "queued" })))
        }
        Err(refusal) => {
            tracing::info!(reason = refusal.as_str(), "refused a trigger");
            audit::record(
                &store,
                &context,
                Actor::Anonymous,
                "hook.refused",
                Some(&id.to_string()),
                json!({"reason": refusal.as_str()}),
            )
            .await;
            Err(ApiError::Unauthorized(AuthFailure::Invalid))
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
}

/// Stands in for the secret of a monitor that has none, so that an unknown
/// monitor costs the same HMAC as a known one.
const ABSENT_SECRET: &str = "lkhook_absent-monitor-placeholder";

async fn verify(
    store: &Store,
    auth: &Auth,
    id: Uuid,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Result<(), HookRefusal>, ApiError> {
    let (Some(timestamp), Some(signature)) = (
        header(headers, TIMESTAMP_HEADER),
        header(headers, SIGNATURE_HEADER),
    ) else {
        return Ok(Err(HookRefusal::MissingHeaders));
    };
    let Ok(seconds) = timestamp.parse::<u64>() else {
        return Ok(Err(HookRefusal::StaleTimestamp));
    };
    if seconds.abs_diff(unix_now()) > MAX_SKEW_SECONDS {
        return Ok(Err(HookRefusal::StaleTimestamp));
    }
    let presented = signature
        .strip_prefix("sha256=")
        .and_then(|hex_value| hex::decode(hex_value).ok());
    let secret = store.trigger_secret(id).await?;
    let known = secret.is_some();
    let secret = secret.unwrap_or_else(|| ABSENT_SECRET.to_owned());
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return Ok(Err(HookRefusal::BadSignature));
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let Some(presented) = presented else {
        return Ok(Err(HookRefusal::BadSignature));
    };
    // `verify_slice` compares in constant time.
    if mac.verify_slice(&presented).is_err() || !known {
        return Ok(Err(HookRefusal::BadSignature));
    }
    let replay_key = format!("lookout:hook:{}", hex::encode(&presented));
    if !auth
        .ephemeral
        .set_if_absent(&replay_key, "1", REPLAY_MEMORY)
        .await?
    {
        return Ok(Err(HookRefusal::Replayed));
    }
    Ok(Ok(()))
}
