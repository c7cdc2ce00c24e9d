//! A gateway on port 0 with a fresh database, and helpers to call it.

use std::time::Duration;

use gateway::auth::tokens::issue_access_token;
use gateway::config::Config;
use gateway::edge::settings::EdgeSettings;
use mesh::config::Environment;
use netguard::Policy;
use secrecy::SecretString;
use store::Store;
use test_support::postgres::TestDatabase;
use tokio::sync::oneshot;
use uuid::Uuid;

pub const JWT_SECRET: &str = "edge-test-jwt-secret-with-enough-entropy-77";

pub struct TestApp {
    pub address: String,
    pub metrics_port: Option<u16>,
    pub client: reqwest::Client,
    pub store: Store,
    pub _database: TestDatabase,
    _shutdown: oneshot::Sender<()>,
}

/// A configuration whose internal services are a closed port: edge tests
/// never reach them.
pub fn config(database_url: &str, redis_url: &str) -> Config {
    let nowhere = "http://127.0.0.1:9".to_owned();
    Config {
        environment: Environment::Development,
        addr: "127.0.0.1:0".parse().unwrap(),
        database_url: SecretString::from(database_url.to_owned()),
        database_max_connections: 4,
        redis_url: SecretString::from(redis_url.to_owned()),
        jwt_secret: SecretString::from(JWT_SECRET.to_owned()),
        jwt_issuer: "lookout".to_owned(),
        internal_api_key: SecretString::from("edge-internal-key-123456".to_owned()),
        secret_box: secret_box::SecretBox::development(),
        browser_url: nowhere.clone(),
        llm_url: nowhere.clone(),
        notify_url: nowhere,
        destination_policy: Policy::strict(),
        edge: EdgeSettings::development(),
        monitor_min_interval_seconds: 10,
        alert_rating_key: SecretString::from("test-alert-rating-key-5d2f8a1c9e7b3604"),
        public_base_url: "http://127.0.0.1:8080".parse().unwrap(),
        identity: Default::default(),
    }
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    let database = test_support::postgres::fresh_database().await;
    // A Redis of its own: per-address budgets (every test calls from
    // 127.0.0.1) must not be shared with other tests.
    let redis = test_support::redis::throwaway_url().await;
    let mut config = config(&database.url, &redis);
    customize(&mut config);
    let running = crate::running::start(config).await;
    let store = Store::connect(&database.url, 2).unwrap();
    TestApp {
        address: running.address,
        metrics_port: running.metrics_port,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        store,
        _database: database,
        _shutdown: running.stop,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

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
