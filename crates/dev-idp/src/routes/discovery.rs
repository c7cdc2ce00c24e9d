//! OpenID Connect Discovery 1.0 metadata and the JWK set.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{AUTHORIZE_PATH, AppState, JWKS_PATH, TOKEN_PATH, USERINFO_PATH};

#[derive(Serialize)]
struct ProviderMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    userinfo_endpoint: String,
    response_types_supported: [&'static str; 1],
    response_modes_supported: [&'static str; 1],
    grant_types_supported: [&'static str; 1],
    subject_types_supported: [&'static str; 1],
    id_token_signing_alg_values_supported: [&'static str; 1],
    scopes_supported: [&'static str; 3],
    token_endpoint_auth_methods_supported: [&'static str; 2],
    code_challenge_methods_supported: [&'static str; 1],
    claims_supported: &'static [&'static str],
}

pub const CLAIMS_SUPPORTED: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "azp",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "email",
    "email_verified",
    "name",
    "hd",
];

pub async fn configuration(State(provider): State<AppState>) -> Json<impl Serialize> {
    Json(ProviderMetadata {
        issuer: provider.issuer.clone(),
        authorization_endpoint: provider.endpoint(AUTHORIZE_PATH),
        token_endpoint: provider.endpoint(TOKEN_PATH),
        jwks_uri: provider.endpoint(JWKS_PATH),
        userinfo_endpoint: provider.endpoint(USERINFO_PATH),
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: ["authorization_code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        scopes_supported: ["openid", "email", "profile"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        code_challenge_methods_supported: ["S256"],
        claims_supported: CLAIMS_SUPPORTED,
    })
}

pub async fn jwks(State(provider): State<AppState>) -> Response {
    let mut response = Json(provider.key.jwks()).into_response();
    // Relying parties cache the set; a short lifetime keeps restarts (new key) painless.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response
}
