//! A gateway on port 0 with a fresh database, and helpers to call it.

use std::time::Duration;

use gateway::auth::tokens::issue_access_token;
use gateway::config::Config;
use gateway::edge::settings::EdgeSettings;
use gateway::startup::Application;
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
    pub client: reqwest::Client,
    pub store: Store,
    pub _database: TestDatabase,
    _shutdown: oneshot::Sender<()>,
}

/// A configuration whose internal services are a closed port: edge tests
/// never reach them.
pub fn config(database_url: &str) -> Config {
    let nowhere = "http://127.0.0.1:9".to_owned();
    Config {
        environment: Environment::Development,
        addr: "127.0.0.1:0".parse().unwrap(),
        database_url: SecretString::from(database_url.to_owned()),
        database_max_connections: 4,
        redis_url: None,
        jwt_secret: SecretString::from(JWT_SECRET.to_owned()),
        jwt_issuer: "lookout".to_owned(),
        internal_api_key: SecretString::from("edge-internal-key-123456".to_owned()),
        browser_url: nowhere.clone(),
        llm_url: nowhere.clone(),
        notify_url: nowhere,
        destination_policy: Policy::strict(),
        edge: EdgeSettings::development(),
        monitor_min_interval_seconds: 10,
        public_base_url: "http://127.0.0.1:8080".parse().unwrap(),
    }
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    let database = test_support::postgres::fresh_database().await;
    let mut config = config(&database.url);
    customize(&mut config);
    let app = Application::build(config)
        .await
        .expect("the gateway starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (shutdown, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let store = Store::connect(&database.url, 2).unwrap();
    TestApp {
        address,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        store,
        _database: database,
        _shutdown: shutdown,
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
