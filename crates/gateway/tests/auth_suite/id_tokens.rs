//! ID tokens a genuine provider would never issue, served by a fake
//! provider whose discovery and JWKS are honest: each must be refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dev_idp::signing::SigningKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{FakeProvider, TestApp, query_value, spawn_app_with_fake, status_and_body};

/// Starts a sign-in at the gateway, lets the fake provider answer with the
/// token `forge` builds for the stored nonce, and calls the callback.
async fn callback_with(
    app: &TestApp,
    provider: &FakeProvider,
    forge: impl FnOnce(&FakeProvider, Value) -> String,
) -> StatusCode {
    let started = app.start_sign_in(None).await;
    let nonce = query_value(&started.authorize_url, "nonce").unwrap();
    let state = query_value(&started.authorize_url, "state").unwrap();
    provider.answer_with(forge(provider, provider.claims(&nonce)));
    let response = app
        .callback(&started.browser, &[("code", "any-code"), ("state", &state)])
        .await;
    status_and_body(response).await.0
}

fn unsigned(header: &str, claims: &Value) -> String {
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[tokio::test]
async fn forged_expired_and_misdirected_id_tokens_are_refused() {
    let provider = FakeProvider::start().await;
    let app = spawn_app_with_fake(&provider).await;
    let other_key = SigningKey::generate().unwrap();
    let now = chrono::Utc::now().timestamp();

    type Forge = Box<dyn FnOnce(&FakeProvider, Value) -> String>;
    let cases: Vec<(&str, StatusCode, Forge)> = vec![
        (
            "expired",
            StatusCode::UNAUTHORIZED,
            Box::new(move |p, mut c| {
                c["iat"] = json!(now - 900);
                c["exp"] = json!(now - 300);
                p.key.sign(&c).unwrap()
            }),
        ),
        (
            "issued in the future",
            StatusCode::UNAUTHORIZED,
            Box::new(move |p, mut c| {
                c["iat"] = json!(now + 3600);
                c["exp"] = json!(now + 4000);
                p.key.sign(&c).unwrap()
            }),
        ),
        (
            "issued long ago",
            StatusCode::UNAUTHORIZED,
            Box::new(move |p, mut c| {
                c["iat"] = json!(now - 3600);
                p.key.sign(&c).unwrap()
            }),
        ),
        (
            "wrong issuer",
            StatusCode::UNAUTHORIZED,
            Box::new(|p, mut c| {
                c["iss"] = json!("https://accounts.google.com");
                p.key.sign(&c).unwrap()
            }),
        ),
        (
            "wrong audience",
            StatusCode::UNAUTHORIZED,
            Box::new(|p, mut c| {
                c["aud"] = json!("someone-elses-client");
                p.key.sign(&c).unwrap()
            }),
        ),
        (
            "an extra untrusted audience",
            StatusCode::UNAUTHORIZED,
            Box::new(|p, mut c| {
                c["aud"] = json!([crate::support::CLIENT_ID, "someone-elses-client"]);
                p.key.sign(&c).unwrap()
            }),
        ),
        (
            "nonce missing",
            StatusCode::UNAUTHORIZED,
            Box::new(|p, mut c| {
                c.as_object_mut().unwrap().remove("nonce");
                p.key.sign(&c).unwrap()
            }),
        ),
        (
            "nonce mismatched",
            StatusCode::UNAUTHORIZED,
            Box::new(|p, mut c| {
                c["nonce"] = json!("another-nonce");
                p.key.sign(&c).unwrap()
            }),
        ),
        (
            "signed by another key under the provider's kid",
            StatusCode::UNAUTHORIZED,
            Box::new(move |p, c| {
                let forged = other_key.sign(&c).unwrap();
                let genuine = p.key.sign(&c).unwrap();
                // The provider's header and payload with the other key's signature.
                let (head_and_body, _) = genuine.rsplit_once('.').unwrap();
                let (_, signature) = forged.rsplit_once('.').unwrap();
                format!("{head_and_body}.{signature}")
            }),
        ),
        (
            "unknown kid",
            StatusCode::UNAUTHORIZED,
            Box::new(|_, c| SigningKey::generate().unwrap().sign(&c).unwrap()),
        ),
        (
            "alg none",
            StatusCode::UNAUTHORIZED,
            Box::new(|p, c| unsigned(&format!(r#"{{"alg":"none","kid":"{}"}}"#, p.key.kid()), &c)),
        ),
        (
            "HS256 keyed with the provider's public key",
            StatusCode::UNAUTHORIZED,
            Box::new(|p, c| {
                let mut header = Header::new(Algorithm::HS256);
                header.kid = Some(p.key.kid().to_owned());
                let public = serde_json::to_string(&p.key.jwks()).unwrap();
                jsonwebtoken::encode(&header, &c, &EncodingKey::from_secret(public.as_bytes()))
                    .unwrap()
            }),
        ),
        (
            "tampered payload",
            StatusCode::UNAUTHORIZED,
            Box::new(|p, c| {
                let genuine = p.key.sign(&c).unwrap();
                let mut parts: Vec<&str> = genuine.split('.').collect();
                let mut escalated = c.clone();
                escalated["email"] = json!("admin@example.com");
                let body = URL_SAFE_NO_PAD.encode(escalated.to_string());
                parts[1] = &body;
                parts.join(".")
            }),
        ),
        (
            "email_verified missing",
            StatusCode::FORBIDDEN,
            Box::new(|p, mut c| {
                c.as_object_mut().unwrap().remove("email_verified");
                p.key.sign(&c).unwrap()
            }),
        ),
        (
            "email_verified false",
            StatusCode::FORBIDDEN,
            Box::new(|p, mut c| {
                c["email_verified"] = json!(false);
                p.key.sign(&c).unwrap()
            }),
        ),
    ];
    for (case, status, forge) in cases {
        let before = app.snapshot().await;
        assert_eq!(
            callback_with(&app, &provider, forge).await,
            status,
            "{case}"
        );
        assert_eq!(app.snapshot().await, before, "{case}: the database changed");
    }
    // The control: a genuine token for the stored nonce signs in.
    let status = callback_with(&app, &provider, |p, c| p.key.sign(&c).unwrap()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}
