//! The edge suite's gateway: the shared harness with a Redis of its own
//! (per-address budgets), internal services never reached.

use std::time::Duration;

use gateway::auth::tokens::issue_access_token;
use gateway::config::Config;
use secrecy::SecretString;
use uuid::Uuid;

use crate::harness::{self, Options};
pub use crate::harness::{JWT_SECRET, TestApp};

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    harness::spawn(Options::default(), customize).await
}

impl TestApp {
    /// A user and a valid access token for them.
    pub async fn user(&self, email: &str) -> (Uuid, String) {
        let user = self.store.upsert_user_by_email(email, "").await.unwrap();
        let token = issue_access_token(
            &SecretString::from(JWT_SECRET.to_owned()),
            user.id,
            Duration::from_secs(600),
        );
        (user.id, token)
    }
}

/// A fresh user's token on `app`, and the user's id.
pub async fn token(app: &TestApp) -> String {
    let email = format!("{}@example.com", Uuid::new_v4().simple());
    app.user(&email).await.1
}

/// The `jti` claim of a JWT, read without verification (tests only).
pub fn jti_of(token: &str) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    claims["jti"].as_str().unwrap().to_owned()
}

/// Asserts the API's error shape and returns the body.
pub async fn expect_error(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status);
    assert!(
        response
            .headers()
            .get("content-type")
            .is_some_and(|value| value.to_str().unwrap().starts_with("application/json")),
        "errors are JSON"
    );
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["request_id"], request_id.as_str(), "{body}");
    body
}
