//! Our access tokens: forged, expired, confused or replayed after logout.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gateway::auth::tokens::TokenIssuer;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{
    JWT_SECRET, TestApp, monitor_body, provider_key_pem, spawn_app, spawn_app_with,
};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(user: Uuid) -> Value {
    json!({
        "iss": "lookout", "aud": "lookout-api", "sub": user.to_string(),
        "iat": now(), "exp": now() + 600, "jti": Uuid::new_v4().to_string(),
    })
}

fn header(kid: Option<&str>, typ: Option<&str>) -> Header {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    header.typ = typ.map(str::to_owned);
    header
}

fn sign_with(header: &Header, claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn sign(claims: &Value) -> String {
    sign_with(
        &header(Some("primary"), Some("at+jwt")),
        claims,
        JWT_SECRET.as_bytes(),
    )
}

/// Sends the token as Bearer on a read and on a write.
async fn assert_refused(app: &TestApp, token: &str, case: &str) {
    let before = app.snapshot().await;
    let read = app.bearer(token, Method::GET, "/api/v1/me", None).await;
    assert_eq!(read.status(), StatusCode::UNAUTHORIZED, "{case} (read)");
    let write = app
        .bearer(
            token,
            Method::POST,
            "/api/v1/monitors",
            Some(&monitor_body()),
        )
        .await;
    assert_eq!(write.status(), StatusCode::UNAUTHORIZED, "{case} (write)");
    assert_eq!(app.snapshot().await, before, "{case}: the database changed");
}

#[tokio::test]
async fn forged_expired_and_confused_access_tokens_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let browser = app.sign_in("alice@example.com").await;
    let user = app.user_id("alice@example.com").await;

    let mut expired = claims(user);
    expired["iat"] = json!(now() - 1200);
    expired["exp"] = json!(now() - 120);
    let mut not_yet_valid = claims(user);
    not_yet_valid["nbf"] = json!(now() + 600);
    let mut issued_in_future = claims(user);
    issued_in_future["iat"] = json!(now() + 3600);
    issued_in_future["exp"] = json!(now() + 3700);
    let mut wrong_issuer = claims(user);
    wrong_issuer["iss"] = json!(app.issuer);
    let mut wrong_audience = claims(user);
    wrong_audience["aud"] = json!("lookout-test");
    let mut too_long = claims(user);
    too_long["exp"] = json!(now() + 86_400);

    let valid = sign(&claims(user));
    let (head, rest) = valid.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let mut escalated = claims(user);
    escalated["sub"] = json!(Uuid::new_v4().to_string());
    let tampered = format!(
        "{head}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(escalated.to_string())
    );
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt","kid":"primary"}"#),
        URL_SAFE_NO_PAD.encode(claims(user).to_string())
    );
    // HS/RS confusion: an RS256 token from the identity provider's key, and
    // an HS256 token keyed with that provider's public material.
    let provider = dev_idp::signing::SigningKey::from_pem(&provider_key_pem()).unwrap();
    let rs256 = {
        let mut value = claims(user);
        value["typ"] = json!("at+jwt");
        provider.sign(&value).unwrap()
    };
    let public_jwks = serde_json::to_string(&provider.jwks()).unwrap();
    let hs_with_public_key = sign_with(
        &header(Some("primary"), Some("at+jwt")),
        &claims(user),
        public_jwks.as_bytes(),
    );
    let hs512 = {
        let mut header = header(Some("primary"), Some("at+jwt"));
        header.alg = Algorithm::HS512;
        sign_with(&header, &claims(user), JWT_SECRET.as_bytes())
    };

    let cases: Vec<(&str, String)> = vec![
        ("expired", sign(&expired)),
        ("not yet valid (nbf)", sign(&not_yet_valid)),
        ("issued in the future", sign(&issued_in_future)),
        (
            "wrong signature",
            sign_with(
                &header(Some("primary"), Some("at+jwt")),
                &claims(user),
                b"another-secret-entirely-000000",
            ),
        ),
        ("alg none", alg_none),
        ("RS256 signed by the identity provider", rs256),
        (
            "HS256 keyed with the provider's public key",
            hs_with_public_key,
        ),
        ("HS512", hs512),
        ("wrong issuer", sign(&wrong_issuer)),
        ("wrong audience", sign(&wrong_audience)),
        ("lifetime over 15 minutes", sign(&too_long)),
        ("tampered payload", tampered),
        (
            "unknown kid",
            sign_with(
                &header(Some("retired"), Some("at+jwt")),
                &claims(user),
                JWT_SECRET.as_bytes(),
            ),
        ),
        (
            "no kid",
            sign_with(
                &header(None, Some("at+jwt")),
                &claims(user),
                JWT_SECRET.as_bytes(),
            ),
        ),
        (
            "typ JWT",
            sign_with(
                &header(Some("primary"), Some("JWT")),
                &claims(user),
                JWT_SECRET.as_bytes(),
            ),
        ),
        (
            "no typ",
            sign_with(
                &header(Some("primary"), None),
                &claims(user),
                JWT_SECRET.as_bytes(),
            ),
        ),
        ("not a JWT", "not.a.jwt".to_owned()),
    ];
    for (case, token) in &cases {
        assert_refused(&app, token, case).await;
    }
    for claim in ["iss", "aud", "sub", "exp", "iat", "jti"] {
        let mut value = claims(user);
        value.as_object_mut().unwrap().remove(claim);
        assert_refused(&app, &sign(&value), &format!("missing {claim}")).await;
    }
    // The controls: the same construction with nothing wrong, and the
    // session's own token, are accepted.
    let ok = app.bearer(&valid, Method::GET, "/api/v1/me", None).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let ok = app
        .bearer(browser.access_token(), Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_token_of_the_previous_key_works_only_while_that_key_is_listed() {
    let previous = SecretString::from("the-previous-jwt-secret-still-accepted-71c2".to_owned());
    let listed = previous.clone();
    let app = spawn_app_with(move |config| {
        config.identity.jwt_key_id = "2026-06".to_owned();
        config.identity.jwt_previous_secrets = vec![("2026-01".to_owned(), listed)];
    })
    .await;
    app.sign_in("alice@example.com").await;
    let user = app.user_id("alice@example.com").await;
    let old = TokenIssuer::with_key_id("2026-01", &previous, "lookout")
        .issue(user, std::time::Duration::from_secs(300))
        .unwrap();
    let response = app.bearer(&old, Method::GET, "/api/v1/me", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A token claiming the current kid but signed with the old secret fails.
    let mislabelled = TokenIssuer::with_key_id("2026-06", &previous, "lookout")
        .issue(user, std::time::Duration::from_secs(300))
        .unwrap();
    assert_refused(&app, &mislabelled, "old secret under the current kid").await;
}

#[tokio::test]
async fn with_redis_unreachable_authenticated_routes_fail_closed_with_503() {
    let app = spawn_app_with(|config| {
        // Port 1 on loopback: nothing listens, connections are refused.
        config.redis_url = SecretString::from("redis://127.0.0.1:1".to_owned());
    })
    .await;
    let user = app
        .store
        .upsert_user_by_email("alice@example.com", "")
        .await
        .unwrap();
    let token = gateway::auth::tokens::issue_access_token(
        &SecretString::from(JWT_SECRET.to_owned()),
        user.id,
        std::time::Duration::from_secs(300),
    );
    let before = app.snapshot().await;
    for (method, path) in [
        (Method::GET, "/api/v1/me"),
        (Method::POST, "/api/v1/monitors"),
    ] {
        let response = app
            .bearer(&token, method.clone(), path, Some(&monitor_body()))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{method} {path}"
        );
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn two_authorization_headers_are_refused_with_400_even_when_both_are_valid() {
    let app = spawn_app().await;
    let alice = app.sign_in("alice@example.com").await;
    let bob = app.sign_in("bob@example.com").await;
    for path in ["/api/v1/me", "/auth/logout"] {
        let method = if path == "/auth/logout" {
            Method::POST
        } else {
            Method::GET
        };
        let response = app
            .client
            .request(method, app.url(path))
            .header("authorization", format!("Bearer {}", alice.access_token()))
            .header("authorization", format!("Bearer {}", bob.access_token()))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{path}");
    }
    // Neither was logged out by the refused logout.
    let me = app
        .bearer(alice.access_token(), Method::GET, "/api/v1/me", None)
        .await;
    assert_eq!(me.status(), StatusCode::OK);
}
