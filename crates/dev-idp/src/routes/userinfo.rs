//! The UserInfo endpoint (OpenID Connect Core §5.3), reached with the access token.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::AppState;

#[derive(Serialize)]
struct UserInfo<'a> {
    sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hd: Option<&'a str>,
}

pub async fn userinfo(State(provider): State<AppState>, headers: HeaderMap) -> Response {
    let grant = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .and_then(|token| provider.store.access_grant(token.trim()));
    let Some(grant) = grant else {
        // RFC 6750 §3.
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        return response;
    };
    let identity = &grant.identity;
    let with_email = grant.scope.iter().any(|scope| scope == "email");
    let with_profile = grant.scope.iter().any(|scope| scope == "profile");
    let mut response = Json(UserInfo {
        sub: identity.subject(),
        email: with_email.then(|| identity.email.as_str()),
        email_verified: identity.email_verified.filter(|_| with_email),
        name: identity.name.as_deref().filter(|_| with_profile),
        hd: identity.hosted_domain.as_deref(),
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
