//! Who is calling.
//!
//! Today a caller presents `Authorization: Bearer <access JWT>`. Sessions
//! (cookies), API keys (`Bearer lk_…`) and the token denylist slot in here:
//! they all end in the same [`CurrentUser`], so handlers do not change.

pub mod tokens;

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use store::Store;
use uuid::Uuid;

use crate::error::{ApiError, AuthFailure};
use tokens::TokenVerifier;

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An access token we signed; `jti` is what a logout would denylist.
    AccessToken { jti: String },
}

/// The authenticated caller of a request. Taking it as a handler argument
/// is what makes a route authenticated.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub credential: Credential,
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    Arc<TokenVerifier>: FromRef<S>,
    Store: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        let verifier = Arc::<TokenVerifier>::from_ref(state);
        let verified = verifier.verify(token).map_err(|error| {
            tracing::info!(%error, "refused an access token");
            ApiError::Unauthorized(AuthFailure::Invalid)
        })?;
        let store = Store::from_ref(state);
        // A token can outlive its account; such a token authenticates nobody.
        let user = store
            .find_user(verified.user_id)
            .await?
            .ok_or(ApiError::Unauthorized(AuthFailure::Invalid))?;
        Ok(Self {
            id: user.id,
            email: user.email,
            credential: Credential::AccessToken { jti: verified.jti },
        })
    }
}

fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Err(ApiError::Unauthorized(AuthFailure::Missing));
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized(AuthFailure::Invalid))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(ApiError::Unauthorized(AuthFailure::Invalid))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::Unauthorized(AuthFailure::Invalid));
    }
    Ok(token)
}
