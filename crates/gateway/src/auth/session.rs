//! Browser sessions: created at sign-in, extended by refresh-token
//! rotation, ended by logout or revocation.
//!
//! A refresh token is 256 random bits, given to the browser in an HttpOnly
//! cookie scoped to `/auth` and stored only as its sha256. Each refresh
//! rotates it; presenting a rotated token again means two parties hold it,
//! so the whole session is revoked with every access token it issued.
//! The session also has an absolute lifetime that refreshing never extends.

use std::time::Duration;

use axum::http::HeaderMap;
use chrono::Utc;
use store::Store;
use store::sessions::{NewSession, Rotation};
use uuid::Uuid;

use crate::audit::AuditContext;
use crate::auth::tokens::{MAX_ACCESS_TOKEN_TTL, unix_now};
use crate::auth::{Auth, secrets};
use crate::error::ApiError;

/// The three secrets a browser holds for a session.
pub struct SessionTokens {
    pub session_id: Uuid,
    pub access_token: String,
    pub access_expires_at: u64,
    pub refresh_token: String,
    pub csrf_token: String,
}

impl SessionTokens {
    /// Sets the session cookies on a response.
    pub fn set_cookies(&self, auth: &Auth, headers: &mut HeaderMap) {
        auth.cookies.set_session(
            headers,
            &self.access_token,
            MAX_ACCESS_TOKEN_TTL,
            &self.refresh_token,
            &self.csrf_token,
            auth.session_lifetime,
        );
    }

    pub fn expires_in(&self) -> u64 {
        self.access_expires_at.saturating_sub(unix_now())
    }
}

/// The outcome of a refresh.
pub enum Refreshed {
    Rotated(SessionTokens),
    /// The token was already used: the session is revoked now.
    ReuseDetected {
        session_id: Uuid,
        user_id: Uuid,
    },
    Invalid,
}

fn chrono_from_unix(seconds: u64) -> chrono::DateTime<Utc> {
    chrono::DateTime::from_timestamp(i64::try_from(seconds).unwrap_or(i64::MAX), 0)
        .unwrap_or_else(Utc::now)
}

async fn issue_access(
    auth: &Auth,
    store: &Store,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<(String, u64), ApiError> {
    let issued = auth
        .issuer
        .issue_for_session(user_id, Some(session_id), MAX_ACCESS_TOKEN_TTL)
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    store
        .record_session_access_token(session_id, &issued.jti, chrono_from_unix(issued.expires_at))
        .await?;
    Ok((issued.token, issued.expires_at))
}

/// Starts a session for a user who just signed in.
pub async fn start(
    auth: &Auth,
    store: &Store,
    user_id: Uuid,
    context: &AuditContext,
) -> Result<SessionTokens, ApiError> {
    let refresh_token = secrets::random_hex(32);
    let lifetime = chrono::Duration::from_std(auth.session_lifetime)
        .unwrap_or_else(|_| chrono::Duration::days(30));
    let session = store
        .create_session(&NewSession {
            user_id,
            refresh_token_hash: &secrets::sha256(&refresh_token),
            expires_at: Utc::now() + lifetime,
            user_agent: context.user_agent.as_deref().unwrap_or_default(),
            ip: context.ip.as_deref(),
        })
        .await?;
    let (access_token, access_expires_at) = issue_access(auth, store, user_id, session.id).await?;
    Ok(SessionTokens {
        session_id: session.id,
        access_token,
        access_expires_at,
        refresh_token,
        csrf_token: secrets::random_hex(32),
    })
}

/// Exchanges a refresh token for a new one and a new access token.
pub async fn refresh(auth: &Auth, store: &Store, presented: &str) -> Result<Refreshed, ApiError> {
    let successor = secrets::random_hex(32);
    let rotation = store
        .rotate_refresh_token(&secrets::sha256(presented), &secrets::sha256(&successor))
        .await?;
    match rotation {
        Rotation::Rotated {
            session_id,
            user_id,
        } => {
            let (access_token, access_expires_at) =
                issue_access(auth, store, user_id, session_id).await?;
            Ok(Refreshed::Rotated(SessionTokens {
                session_id,
                access_token,
                access_expires_at,
                refresh_token: successor,
                csrf_token: secrets::random_hex(32),
            }))
        }
        Rotation::ReuseDetected {
            session_id,
            user_id,
            ..
        } => {
            auth.revoke_session(session_id).await?;
            Ok(Refreshed::ReuseDetected {
                session_id,
                user_id,
            })
        }
        Rotation::Invalid => Ok(Refreshed::Invalid),
    }
}

/// How long a sign-in attempt (state, nonce, PKCE verifier) stays usable.
pub const SIGN_IN_ATTEMPT_TTL: Duration = Duration::from_secs(10 * 60);
