//! Access tokens: short-lived HS256 JWTs we sign and verify ourselves.
//!
//! The algorithm is pinned (a token announcing any other, `none` included,
//! is refused), the header must say `typ: at+jwt` (RFC 9068, so an ID token
//! or any other JWT signed with a shared secret is not taken for an access
//! token) and name a `kid` we know: the current key (`JWT_SECRET_ID`) or one
//! of the previous ones still accepted during a rotation. Every claim we
//! rely on is required: jsonwebtoken checks `iss` and `aud` only when
//! present unless they are listed as required, and `iat`/`jti` are required
//! by the claims type itself.

use std::collections::HashMap;
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
/// The `typ` header of our access tokens (RFC 9068).
pub const TOKEN_TYPE: &str = "at+jwt";
/// The `kid` of `JWT_SECRET` when `JWT_SECRET_ID` is not set.
pub const DEFAULT_KEY_ID: &str = "primary";
/// Clock skew tolerated between replicas (and clients' clocks do not matter).
pub const LEEWAY_SECONDS: u64 = 30;
const ALGORITHM: Algorithm = Algorithm::HS256;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: u64,
    pub iat: u64,
    pub jti: String,
    /// The sign-in session the token was issued for; absent for tokens
    /// minted by the operator CLI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub user_id: Uuid,
    pub jti: String,
    pub expires_at: u64,
    pub session_id: Option<Uuid>,
}

/// A freshly signed token and what the session needs to remember of it.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub jti: String,
    pub expires_at: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token rejected: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("token header has no kid or an unknown one")]
    UnknownKey,
    #[error("token header typ is not at+jwt")]
    WrongType,
    #[error("token subject or session is not an id")]
    BadSubject,
    #[error("token lifetime exceeds the maximum")]
    TooLong,
    #[error("token issued in the future")]
    IssuedInFuture,
    #[error("token could not be signed: {0}")]
    Signing(jsonwebtoken::errors::Error),
}

/// Signs access tokens with the current key.
pub struct TokenIssuer {
    key_id: String,
    key: EncodingKey,
    issuer: String,
}

impl TokenIssuer {
    /// An issuer signing with `secret` under [`DEFAULT_KEY_ID`].
    pub fn new(secret: &SecretString, issuer: &str) -> Self {
        Self::with_key_id(DEFAULT_KEY_ID, secret, issuer)
    }

    pub fn with_key_id(key_id: &str, secret: &SecretString, issuer: &str) -> Self {
        Self {
            key_id: key_id.to_owned(),
            key: EncodingKey::from_secret(secret.expose_secret().as_bytes()),
            issuer: issuer.to_owned(),
        }
    }

    /// A token for `user_id` valid for `ttl`, capped at
    /// [`MAX_ACCESS_TOKEN_TTL`].
    pub fn issue(&self, user_id: Uuid, ttl: Duration) -> Result<String, TokenError> {
        Ok(self.issue_for_session(user_id, None, ttl)?.token)
    }

    pub fn issue_for_session(
        &self,
        user_id: Uuid,
        session_id: Option<Uuid>,
        ttl: Duration,
    ) -> Result<IssuedToken, TokenError> {
        let now = unix_now();
        let ttl = ttl.min(MAX_ACCESS_TOKEN_TTL).as_secs();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            sub: user_id.to_string(),
            exp: now + ttl,
            iat: now,
            jti: Uuid::new_v4().to_string(),
            sid: session_id.map(|id| id.to_string()),
        };
        let mut header = Header::new(ALGORITHM);
        header.typ = Some(TOKEN_TYPE.to_owned());
        header.kid = Some(self.key_id.clone());
        let token =
            jsonwebtoken::encode(&header, &claims, &self.key).map_err(TokenError::Signing)?;
        Ok(IssuedToken {
            token,
            jti: claims.jti,
            expires_at: claims.exp,
        })
    }
}

/// A token for `user_id` from the default issuer and key id, for tests and
/// the `mint-token` development command.
pub fn issue_access_token(secret: &SecretString, user_id: Uuid, ttl: Duration) -> String {
    TokenIssuer::new(secret, DEFAULT_ISSUER)
        .issue(user_id, ttl)
        // HMAC signing of a struct of strings and integers has no failure mode.
        .expect("HS256 signing of access claims cannot fail")
}

/// Verifies access tokens against every accepted key.
pub struct TokenVerifier {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
}

impl TokenVerifier {
    /// A verifier accepting only `secret` under [`DEFAULT_KEY_ID`].
    pub fn new(secret: &SecretString, issuer: &str) -> Self {
        Self::with_keys(&[(DEFAULT_KEY_ID.to_owned(), secret.clone())], issuer)
    }

    /// A verifier accepting each `(kid, secret)`: the current key first, then
    /// the previous ones kept during a rotation.
    pub fn with_keys(keys: &[(String, SecretString)], issuer: &str) -> Self {
        let mut validation = Validation::new(ALGORITHM);
        validation.algorithms = vec![ALGORITHM];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[AUDIENCE]);
        // jsonwebtoken enforces presence of exp/iss/aud/sub from this list and
        // skips names it does not know; iat and jti are listed for the reader
        // and enforced by `AccessClaims`, whose fields are not optional.
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp", "iat", "jti"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        let keys = keys
            .iter()
            .map(|(kid, secret)| {
                (
                    kid.clone(),
                    DecodingKey::from_secret(secret.expose_secret().as_bytes()),
                )
            })
            .collect();
        Self { keys, validation }
    }

    /// The token's claims if it is valid now (an HMAC and a few claim
    /// checks: microseconds, so nothing is remembered between requests).
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        self.verify_signature_and_claims(token, unix_now())
    }

    fn verify_signature_and_claims(
        &self,
        token: &str,
        now: u64,
    ) -> Result<VerifiedToken, TokenError> {
        // Reading the header only picks the key; the signature is checked
        // by `decode` below with the algorithm pinned.
        let header = jsonwebtoken::decode_header(token)?;
        if header.typ.as_deref() != Some(TOKEN_TYPE) {
            return Err(TokenError::WrongType);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.get(kid))
            .ok_or(TokenError::UnknownKey)?;
        let data = jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation)?;
        let claims = data.claims;
        if claims.iat > now + LEEWAY_SECONDS {
            return Err(TokenError::IssuedInFuture);
        }
        // We never mint longer-lived tokens; one that claims to be is forged
        // or from a misconfigured issuer.
        if claims.exp.saturating_sub(claims.iat) > MAX_ACCESS_TOKEN_TTL.as_secs() + LEEWAY_SECONDS {
            return Err(TokenError::TooLong);
        }
        let user_id = Uuid::parse_str(&claims.sub).map_err(|_| TokenError::BadSubject)?;
        let session_id = claims
            .sid
            .as_deref()
            .map(Uuid::parse_str)
            .transpose()
            .map_err(|_| TokenError::BadSubject)?;
        Ok(VerifiedToken {
            user_id,
            jti: claims.jti,
            expires_at: claims.exp,
            session_id,
        })
    }
}

pub fn unix_now() -> u64 {
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

    #[test]
    fn tokens_signed_with_a_previous_key_verify_during_a_rotation() {
        let old = SecretString::from("the-previous-secret-still-accepted-5678".to_owned());
        let token = TokenIssuer::with_key_id("2025", &old, DEFAULT_ISSUER)
            .issue(Uuid::new_v4(), Duration::from_secs(60))
            .unwrap();
        let keys = [
            ("2026".to_owned(), secret()),
            ("2025".to_owned(), old.clone()),
        ];
        assert!(
            TokenVerifier::with_keys(&keys, DEFAULT_ISSUER)
                .verify(&token)
                .is_ok()
        );
        // Once the previous key is dropped, its tokens stop working.
        assert!(
            TokenVerifier::with_keys(&keys[..1], DEFAULT_ISSUER)
                .verify(&token)
                .is_err()
        );
    }

    #[test]
    fn a_tampered_copy_of_a_valid_token_is_refused() {
        let verifier = TokenVerifier::new(&secret(), DEFAULT_ISSUER);
        let token = issue_access_token(&secret(), Uuid::new_v4(), Duration::from_secs(60));
        assert!(verifier.verify(&token).is_ok());
        // A character inside the signature, not its last one (whose low
        // bits are padding).
        let mut tampered = token.clone().into_bytes();
        let inside = tampered.len() - 5;
        tampered[inside] = if tampered[inside] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(verifier.verify(&tampered).is_err());
        assert!(verifier.verify(&token).is_ok());
    }
}
