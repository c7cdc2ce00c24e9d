//! The token endpoint: authenticate the client, redeem the code once, check
//! PKCE, mint the access token and the signed ID token.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::ExposeSecret as _;
use serde::Serialize;

use super::authorize::unix_now;
use super::form::{Params, decode_component};
use super::{AppState, Provider};
use crate::domain::{at_hash, constant_time_eq, pkce_matches, random_token};
use crate::error::{TokenError, TokenErrorCode};
use crate::store::{AccessGrant, AuthorizationGrant, RedeemError};

#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    id_token: String,
    scope: String,
}

/// OpenID Connect Core §2 and §3.1.3.6; optional claims are left out rather than null.
#[derive(Serialize)]
struct IdTokenClaims<'a> {
    iss: &'a str,
    sub: String,
    aud: &'a str,
    azp: &'a str,
    exp: u64,
    iat: u64,
    auth_time: u64,
    nonce: &'a str,
    at_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hd: Option<&'a str>,
}

pub async fn exchange_code(
    State(provider): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TokenError> {
    use TokenErrorCode::{InvalidGrant, InvalidRequest, UnsupportedGrantType};

    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(TokenError::new(
            InvalidRequest,
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let params = Params::parse(&body);
    if params.repeated.is_some() {
        return Err(TokenError::new(
            InvalidRequest,
            "a parameter was given more than once",
        ));
    }
    let client_id = authenticate_client(&provider, &headers, &params)?;

    match params.get("grant_type") {
        None => return Err(TokenError::new(InvalidRequest, "grant_type is required")),
        Some("authorization_code") => {}
        Some(_) => {
            return Err(TokenError::new(
                UnsupportedGrantType,
                "only the authorization_code grant is supported",
            ));
        }
    }
    let code = params
        .get("code")
        .ok_or_else(|| TokenError::new(InvalidRequest, "code is required"))?;
    let grant = provider.store.redeem_code(code).map_err(|error| {
        TokenError::new(
            InvalidGrant,
            match error {
                RedeemError::Unknown => "the authorization code is not valid",
                RedeemError::AlreadyUsed => "the authorization code was already used",
                RedeemError::Expired => "the authorization code has expired",
            },
        )
    })?;
    if grant.client_id != client_id {
        return Err(TokenError::new(
            InvalidGrant,
            "the code was issued to another client",
        ));
    }
    if params.get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return Err(TokenError::new(
            InvalidGrant,
            "redirect_uri does not match the authorization request",
        ));
    }
    let verifier = params
        .get("code_verifier")
        .ok_or_else(|| TokenError::new(InvalidRequest, "code_verifier is required"))?;
    if !pkce_matches(verifier, &grant.code_challenge) {
        return Err(TokenError::new(
            InvalidGrant,
            "the PKCE code_verifier does not match",
        ));
    }

    let response = issue_tokens(&provider, &grant)?;
    tracing::info!(client_id = %grant.client_id, "tokens issued");
    let mut response = Json(response).into_response();
    let headers = response.headers_mut();
    // RFC 6749 §5.1: token responses must not be cached.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// `client_secret_basic` or `client_secret_post`, never both (RFC 6749 §2.3).
/// Returns the authenticated client id.
fn authenticate_client(
    provider: &Provider,
    headers: &HeaderMap,
    params: &Params,
) -> Result<String, TokenError> {
    use TokenErrorCode::{InvalidClient, InvalidRequest};

    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "));
    let (client_id, secret) = match (basic, params.get("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(TokenError::new(
                InvalidRequest,
                "use one client authentication method, not several",
            ));
        }
        (Some(encoded), None) => {
            let (id, secret) = decode_basic(encoded)
                .ok_or_else(|| TokenError::new(InvalidClient, "malformed Basic credentials"))?;
            if params.get("client_id").is_some_and(|body_id| body_id != id) {
                return Err(TokenError::new(
                    InvalidRequest,
                    "client_id in the body differs from the authenticated client",
                ));
            }
            (id, secret)
        }
        (None, Some(secret)) => {
            let id = params
                .get("client_id")
                .ok_or_else(|| TokenError::new(InvalidClient, "client authentication failed"))?;
            (id.to_owned(), secret.to_owned())
        }
        (None, None) => {
            return Err(TokenError::new(
                InvalidClient,
                "client authentication failed",
            ));
        }
    };
    let registered = &provider.client;
    // Both compared, always, so the response time does not say which one was wrong.
    let id_matches = constant_time_eq(client_id.as_bytes(), registered.client_id.as_bytes());
    let secret_matches = constant_time_eq(
        secret.as_bytes(),
        registered.client_secret.expose_secret().as_bytes(),
    );
    if id_matches & secret_matches {
        Ok(client_id)
    } else {
        Err(TokenError::new(
            InvalidClient,
            "client authentication failed",
        ))
    }
}

fn decode_basic(encoded: &str) -> Option<(String, String)> {
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((decode_component(id)?, decode_component(secret)?))
}

fn issue_tokens(
    provider: &Provider,
    grant: &AuthorizationGrant,
) -> Result<TokenResponse, TokenError> {
    let server_error = |description| TokenError::new(TokenErrorCode::ServerError, description);
    let access_token = random_token();
    provider
        .store
        .insert_access_token(
            &access_token,
            AccessGrant {
                identity: grant.identity.clone(),
                scope: grant.scope.clone(),
            },
            provider.lifetimes.access_token,
        )
        .map_err(|_| server_error("too many outstanding tokens"))?;

    let now = unix_now();
    let identity = &grant.identity;
    let with_email = grant.scope.iter().any(|scope| scope == "email");
    let with_profile = grant.scope.iter().any(|scope| scope == "profile");
    let claims = IdTokenClaims {
        iss: &provider.issuer,
        sub: identity.subject(),
        aud: &grant.client_id,
        azp: &grant.client_id,
        exp: now + provider.lifetimes.id_token.as_secs(),
        iat: now,
        auth_time: grant.auth_time,
        nonce: &grant.nonce,
        at_hash: at_hash(&access_token),
        email: with_email.then(|| identity.email.as_str()),
        email_verified: identity.email_verified.filter(|_| with_email),
        name: identity.name.as_deref().filter(|_| with_profile),
        hd: identity.hosted_domain.as_deref(),
    };
    let id_token = provider.key.sign(&claims).map_err(|error| {
        tracing::error!(%error, "signing the ID token failed");
        server_error("the ID token could not be signed")
    })?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: provider.lifetimes.access_token.as_secs(),
        id_token,
        scope: grant.scope.join(" "),
    })
}
