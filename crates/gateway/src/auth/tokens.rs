//! Access tokens: short-lived HS256 JWTs we sign and verify ourselves.
//!
//! The algorithm is pinned (a token announcing any other, `none` included,
//! is refused), and every claim we rely on is required: jsonwebtoken checks
//! `iss` and `aud` only when present unless they are listed as required, and
//! `iat`/`jti` are required by the claims type itself.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::DEFAULT_ISSUER;

/// The `aud` of every access token: the REST API.
pub const AUDIENCE: &str = "lookout-api";
/// Longest lifetime of an access token; a stolen one is useful this long.
pub const MAX_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
/// Clock skew tolerated between replicas (and clients' clocks do not matter).
const LEEWAY_SECONDS: u64 = 30;
const ALGORITHM: Algorithm = Algorithm::HS256;

#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    iss: String,
    aud: String,
    sub: String,
    exp: u64,
    iat: u64,
    jti: String,
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub user_id: Uuid,
    pub jti: String,
    pub expires_at: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token rejected: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("token subject is not a user id")]
    BadSubject,
    #[error("token lifetime exceeds the maximum")]
    TooLong,
    #[error("token issued in the future")]
    IssuedInFuture,
    #[error("token could not be signed: {0}")]
    Signing(jsonwebtoken::errors::Error),
}

/// Signs access tokens.
pub struct TokenIssuer {
    key: EncodingKey,
    issuer: String,
}

impl TokenIssuer {
    pub fn new(secret: &SecretString, issuer: &str) -> Self {
        Self {
            key: EncodingKey::from_secret(secret.expose_secret().as_bytes()),
            issuer: issuer.to_owned(),
        }
    }

    /// A token for `user_id` valid for `ttl`, capped at
    /// [`MAX_ACCESS_TOKEN_TTL`].
    pub fn issue(&self, user_id: Uuid, ttl: Duration) -> Result<String, TokenError> {
        let now = unix_now();
        let ttl = ttl.min(MAX_ACCESS_TOKEN_TTL).as_secs();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            sub: user_id.to_string(),
            exp: now + ttl,
            iat: now,
            jti: Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.key)
            .map_err(TokenError::Signing)
    }
}

/// A token for `user_id` from the default issuer, for tests and the
/// `mint-token` development command.
pub fn issue_access_token(secret: &SecretString, user_id: Uuid, ttl: Duration) -> String {
    TokenIssuer::new(secret, DEFAULT_ISSUER)
        .issue(user_id, ttl)
        // HMAC signing of a struct of strings and integers has no failure mode.
        .expect("HS256 signing of access claims cannot fail")
}

/// Verifies access tokens.
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl TokenVerifier {
    pub fn new(secret: &SecretString, issuer: &str) -> Self {
        let mut validation = Validation::new(ALGORITHM);
        validation.algorithms = vec![ALGORITHM];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[AUDIENCE]);
        // jsonwebtoken enforces presence of exp/iss/aud/sub from this list and
        // skips names it does not know; iat and jti are listed for the reader
        // and enforced by `AccessClaims`, whose fields are not optional.
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp", "iat", "jti"]);
        validation.validate_exp = true;
        validation.leeway = LEEWAY_SECONDS;
        Self {
            key: DecodingKey::from_secret(secret.expose_secret().as_bytes()),
            validation,
        }
    }

    pub fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.key, &self.validation)?;
        let claims = data.claims;
        let now = unix_now();
        if claims.iat > now + LEEWAY_SECONDS {
            return Err(TokenError::IssuedInFuture);
        }
        // We never mint longer-lived tokens; one that claims to be is forged
        // or from a misconfigured issuer.
        if claims.exp.saturating_sub(claims.iat) > MAX_ACCESS_TOKEN_TTL.as_secs() + LEEWAY_SECONDS {
            return Err(TokenError::TooLong);
        }
        let user_id = Uuid::parse_str(&claims.sub).map_err(|_| TokenError::BadSubject)?;
        Ok(VerifiedToken {
            user_id,
            jti: claims.jti,
            expires_at: claims.exp,
        })
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretString {
        SecretString::from("a-test-secret-that-is-long-enough-1234".to_owned())
    }

    #[test]
    fn a_minted_token_verifies_and_names_its_user() {
        let user = Uuid::new_v4();
        let token = issue_access_token(&secret(), user, Duration::from_secs(60));
        let verified = TokenVerifier::new(&secret(), DEFAULT_ISSUER)
            .verify(&token)
            .unwrap();
        assert_eq!(verified.user_id, user);
    }

    #[test]
    fn another_issuer_is_refused() {
        let token = TokenIssuer::new(&secret(), "someone-else")
            .issue(Uuid::new_v4(), Duration::from_secs(60))
            .unwrap();
        assert!(
            TokenVerifier::new(&secret(), DEFAULT_ISSUER)
                .verify(&token)
                .is_err()
        );
    }

    #[test]
    fn minted_lifetimes_are_capped_at_fifteen_minutes() {
        let token = issue_access_token(&secret(), Uuid::new_v4(), Duration::from_secs(86_400));
        let verified = TokenVerifier::new(&secret(), DEFAULT_ISSUER)
            .verify(&token)
            .unwrap();
        assert!(verified.expires_at <= unix_now() + MAX_ACCESS_TOKEN_TTL.as_secs());
    }
}
