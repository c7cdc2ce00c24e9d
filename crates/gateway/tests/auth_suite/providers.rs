//! Sign-in with any conformant OpenID provider, not only Google-shaped
//! ones: claims from UserInfo, `client_secret_post`, key rotation and
//! retirement, `azp`, the RFC 9207 `iss` parameter and providers that send
//! no `email_verified`.

use std::sync::Arc;
use std::time::Duration;

use dev_idp::signing::SigningKey;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    FakeProvider, TestApp, spawn_app_with_fake, spawn_app_with_fake_and, status_and_body,
};

fn without_email(claims: &mut Value) {
    let claims = claims.as_object_mut().unwrap();
    claims.remove("email");
    claims.remove("email_verified");
}

async fn signed_in_email(app: &TestApp) -> Vec<String> {
    app.database()
        .await
        .query("SELECT email FROM users ORDER BY created_at", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[tokio::test]
async fn email_claims_served_only_by_userinfo_are_read_from_it_for_the_same_subject() {
    let provider = FakeProvider::start().await;
    let app = spawn_app_with_fake(&provider).await;
    provider.userinfo_claims(json!({"email": "Lin@Example.com", "email_verified": true}));
    let response = app.fake_sign_in(&provider, without_email).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in_email(&app).await, vec!["lin@example.com"]);

    // UserInfo about another subject is not about this person.
    provider.userinfo_claims(
        json!({"sub": "someone-else", "email": "eve@example.com", "email_verified": true}),
    );
    let response = app.fake_sign_in(&provider, without_email).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // An unverified email from UserInfo is refused like one in the ID token.
    provider.userinfo_claims(
        json!({"sub": "fake-subject-1", "email": "lin@example.com", "email_verified": false}),
    );
    let response = app.fake_sign_in(&provider, without_email).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_token_endpoint_gets_client_secret_post_when_the_provider_allows_only_that() {
    let provider = FakeProvider::start().await;
    let app = spawn_app_with_fake(&provider).await;
    let response = app.fake_sign_in(&provider, |_| {}).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(*provider.token_auth.lock().unwrap(), vec!["basic"]);

    let provider = FakeProvider::start().await;
    provider.accept_only_client_secret_post();
    let app = spawn_app_with_fake(&provider).await;
    let response = app.fake_sign_in(&provider, |_| {}).await;
    let (status, body) = status_and_body(response).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(*provider.token_auth.lock().unwrap(), vec!["post"]);
}

#[tokio::test]
async fn a_rotated_key_is_trusted_at_once_and_a_retired_one_no_longer() {
    let provider = FakeProvider::start().await;
    let app = spawn_app_with_fake(&provider).await;
    let old = Arc::clone(&provider.key);
    let response = app.fake_sign_in(&provider, |_| {}).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // The provider rotates: the new key signs at once, the old is gone.
    let new = Arc::new(SigningKey::generate().unwrap());
    provider.publish(vec![Arc::clone(&new)]);
    let response = app.fake_sign_in_signed(&provider, &new, |_| {}, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = app.fake_sign_in_signed(&provider, &old, |_| {}, &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_key_the_provider_stopped_publishing_is_refused_once_the_cached_keys_expire() {
    let provider = FakeProvider::start().await;
    let new = Arc::new(SigningKey::generate().unwrap());
    provider.publish(vec![Arc::clone(&provider.key), Arc::clone(&new)]);
    // Expired at once: every sign-in sees the keys published now.
    let app = spawn_app_with_fake_and(&provider, |config| {
        config.identity.oidc.as_mut().unwrap().metadata_ttl = Duration::ZERO;
    })
    .await;
    let response = app.fake_sign_in(&provider, |_| {}).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    provider.publish(vec![Arc::clone(&new)]);
    let response = app.fake_sign_in(&provider, |_| {}).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_id_token_authorized_for_another_party_is_refused() {
    let provider = FakeProvider::start().await;
    let app = spawn_app_with_fake(&provider).await;
    let before = app.snapshot().await;
    let response = app
        .fake_sign_in(&provider, |claims| {
            claims["azp"] = json!("another-client");
        })
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.snapshot().await, before);
    let response = app
        .fake_sign_in(&provider, |claims| {
            claims["azp"] = json!(crate::support::CLIENT_ID);
        })
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_callbacks_iss_parameter_must_name_the_issuer_when_the_provider_sends_it() {
    let provider = FakeProvider::start().await;
    let app = spawn_app_with_fake(&provider).await;
    // Present but wrong: a response from another provider (mix-up).
    let response = app
        .fake_sign_in_signed(
            &provider,
            &provider.key,
            |_| {},
            &[("iss", "https://attacker.example")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let provider = FakeProvider::start().await;
    provider.discover_also(
        "authorization_response_iss_parameter_supported",
        json!(true),
    );
    let app = spawn_app_with_fake(&provider).await;
    let before = app.snapshot().await;
    let response = app.fake_sign_in(&provider, |_| {}).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.snapshot().await, before);
    // Nothing was redeemed: the code never left for the token endpoint.
    assert!(provider.token_auth.lock().unwrap().is_empty());
    let issuer = provider.issuer.clone();
    let response = app
        .fake_sign_in_signed(&provider, &provider.key, |_| {}, &[("iss", &issuer)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn emails_without_email_verified_are_trusted_only_when_configured() {
    let unstated = |claims: &mut Value| {
        claims.as_object_mut().unwrap().remove("email_verified");
    };
    let provider = FakeProvider::start().await;
    let app = spawn_app_with_fake(&provider).await;
    let response = app.fake_sign_in(&provider, unstated).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let app = spawn_app_with_fake_and(&provider, |config| {
        config.identity.oidc.as_mut().unwrap().assume_email_verified = true;
    })
    .await;
    let response = app.fake_sign_in(&provider, unstated).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // An explicit "not verified" is refused all the same.
    let response = app
        .fake_sign_in(&provider, |claims| {
            claims["email_verified"] = json!(false);
        })
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
