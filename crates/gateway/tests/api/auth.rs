use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{JWT_SECRET, TestApp, expect_error, expect_json, spawn_app};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(user: Uuid) -> Value {
    json!({
        "iss": "lookout",
        "aud": "lookout-api",
        "sub": user.to_string(),
        "iat": now(),
        "exp": now() + 600,
        "jti": Uuid::new_v4().to_string(),
    })
}

fn sign(claims: &Value, secret: &str) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("at+jwt".to_owned());
    header.kid = Some("primary".to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn me_with(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/api/v1/me"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

async fn assert_refused(app: &TestApp, authorization: Option<&str>, case: &str) {
    let response = me_with(app, authorization).await;
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().unwrap().to_owned());
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
    assert!(
        challenge
            .as_deref()
            .is_some_and(|value| value.starts_with("Bearer")),
        "{case}: {challenge:?}"
    );
    expect_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_valid_token_identifies_the_user_and_their_teams() {
    let app = spawn_app().await;
    let me = expect_json(app.get_me(&app.alice).await, StatusCode::OK).await;
    assert_eq!(me["id"], app.alice.id.to_string());
    assert_eq!(me["email"], "alice@example.com");
    assert_eq!(me["teams"][0]["personal"], true);
    assert_eq!(me["teams"][0]["role"], "owner");
}

#[tokio::test]
async fn requests_without_a_valid_token_get_401_with_a_bearer_challenge() {
    let app = spawn_app().await;
    let user = app.alice.id;

    let mut expired = claims(user);
    expired["iat"] = json!(now() - 1200);
    expired["exp"] = json!(now() - 120);
    let mut wrong_audience = claims(user);
    wrong_audience["aud"] = json!("another-api");
    let mut wrong_issuer = claims(user);
    wrong_issuer["iss"] = json!("someone-else");
    let mut too_long = claims(user);
    too_long["exp"] = json!(now() + 24 * 3600);
    let mut unknown_user = claims(user);
    unknown_user["sub"] = json!(Uuid::new_v4().to_string());
    let mut not_a_user_id = claims(user);
    not_a_user_id["sub"] = json!("alice");
    let mut future = claims(user);
    future["iat"] = json!(now() + 3600);
    future["exp"] = json!(now() + 3700);

    let missing = |name: &str| {
        let mut value = claims(user);
        value.as_object_mut().unwrap().remove(name);
        sign(&value, JWT_SECRET)
    };
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(user).to_string())
    );
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims(user),
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let valid = sign(&claims(user), JWT_SECRET);
    let (head, rest) = valid.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let mut tampered_claims = claims(user);
    tampered_claims["sub"] = json!(app.bob.id.to_string());
    let tampered = format!(
        "{head}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(tampered_claims.to_string())
    );

    let cases: Vec<(&str, Option<String>)> = vec![
        ("no header", None),
        ("empty bearer", Some("Bearer ".to_owned())),
        ("basic scheme", Some("Basic YWxpY2U6cHc=".to_owned())),
        ("garbage", Some("Bearer not.a.jwt".to_owned())),
        (
            "expired",
            Some(format!("Bearer {}", sign(&expired, JWT_SECRET))),
        ),
        (
            "wrong signature",
            Some(format!(
                "Bearer {}",
                sign(&claims(user), "another-secret-entirely-0000")
            )),
        ),
        (
            "wrong audience",
            Some(format!("Bearer {}", sign(&wrong_audience, JWT_SECRET))),
        ),
        (
            "wrong issuer",
            Some(format!("Bearer {}", sign(&wrong_issuer, JWT_SECRET))),
        ),
        (
            "lifetime too long",
            Some(format!("Bearer {}", sign(&too_long, JWT_SECRET))),
        ),
        (
            "issued in the future",
            Some(format!("Bearer {}", sign(&future, JWT_SECRET))),
        ),
        (
            "unknown user",
            Some(format!("Bearer {}", sign(&unknown_user, JWT_SECRET))),
        ),
        (
            "subject not a uuid",
            Some(format!("Bearer {}", sign(&not_a_user_id, JWT_SECRET))),
        ),
        ("alg none", Some(format!("Bearer {alg_none}"))),
        ("another HMAC algorithm", Some(format!("Bearer {hs512}"))),
        ("tampered payload", Some(format!("Bearer {tampered}"))),
    ];
    for (case, header) in &cases {
        assert_refused(&app, header.as_deref(), case).await;
    }
    for claim in ["iss", "aud", "sub", "exp", "iat", "jti"] {
        let header = format!("Bearer {}", missing(claim));
        assert_refused(&app, Some(&header), &format!("missing {claim}")).await;
    }
    // The control: the same construction with nothing wrong is accepted.
    let response = me_with(&app, Some(&format!("Bearer {valid}"))).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_api_route_requires_authentication() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let routes = [
        ("GET", "/api/v1/me".to_owned()),
        ("GET", "/api/v1/teams".to_owned()),
        ("POST", "/api/v1/teams".to_owned()),
        ("GET", "/api/v1/monitors".to_owned()),
        ("POST", "/api/v1/monitors".to_owned()),
        ("GET", format!("/api/v1/monitors/{id}")),
        ("PATCH", format!("/api/v1/monitors/{id}")),
        ("DELETE", format!("/api/v1/monitors/{id}")),
        ("POST", format!("/api/v1/monitors/{id}/check")),
        ("GET", format!("/api/v1/monitors/{id}/checks")),
        ("GET", format!("/api/v1/monitors/{id}/checks/{id}")),
        ("GET", "/api/v1/channels".to_owned()),
        ("POST", "/api/v1/channels".to_owned()),
        ("DELETE", format!("/api/v1/channels/{id}")),
        ("POST", format!("/api/v1/channels/{id}/test")),
    ];
    for (method, path) in routes {
        let response = app
            .client
            .request(method.parse().unwrap(), app.url(&path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
    }
}
