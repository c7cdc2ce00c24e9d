//! The gateway under test, for every suite: one configuration, one way to
//! start it (a real server on port 0, a fresh database, a real Redis), one
//! handle. Each suite includes this file with `#[path]` and adds what it
//! needs around it: fake internal services, an OpenID provider, users.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::time::Duration;

use gateway::config::Config;
use gateway::edge::settings::EdgeSettings;
use gateway::startup::Application;
use mesh::config::Environment;
use netguard::Policy;
use secrecy::SecretString;
use serde_json::{Value, json};
use store::Store;
use test_support::postgres::TestDatabase;
use tokio::sync::oneshot;

pub const JWT_SECRET: &str = "gateway-tests-jwt-secret-with-entropy-4f9a2c";
/// The key the gateway presents to its internal services.
pub const INTERNAL_KEY: &str = "gateway-tests-internal-key-7c1e9b";
pub const PUBLIC_BASE_URL: &str = "http://127.0.0.1:8080";
/// Signs and verifies the alert rating links in tests.
pub const ALERT_RATING_KEY: &str = "gateway-tests-alert-rating-key-5d2f8a1c9e7b";
/// Internal services on a closed port: suites that never reach them.
pub const NO_PEERS: &str = "http://127.0.0.1:9";

/// The test configuration; a suite or a test changes what it is about.
pub fn config(database_url: &str, redis_url: &str, peers: &str) -> Config {
    Config {
        environment: Environment::Development,
        shutdown_drain: std::time::Duration::ZERO,
        addr: "127.0.0.1:0".parse().unwrap(),
        database_url: SecretString::from(database_url.to_owned()),
        database_max_connections: 8,
        redis_url: SecretString::from(redis_url.to_owned()),
        redis_ca_file: None,
        jwt_secret: SecretString::from(JWT_SECRET.to_owned()),
        jwt_issuer: "lookout".to_owned(),
        internal_api_key: SecretString::from(INTERNAL_KEY.to_owned()),
        secret_box: secret_box::SecretBox::development(),
        browser_url: peers.to_owned(),
        llm_url: peers.to_owned(),
        notify_url: peers.to_owned(),
        peer_tls: None,
        destination_policy: Policy::strict(),
        edge: EdgeSettings::development(),
        monitor_min_interval_seconds: 10,
        quotas: Default::default(),
        alert_rating_key: SecretString::from(ALERT_RATING_KEY),
        public_base_url: PUBLIC_BASE_URL.parse().unwrap(),
        identity: Default::default(),
        blob_store: blob_store::BlobStoreConfig::local(test_support::process::temp_dir("blobs")),
    }
}

/// What a suite puts around the gateway.
pub struct Options {
    /// URL of the internal services (browser, llm and notify).
    pub peers: String,
    /// The test process's shared Redis instead of a server of the test's
    /// own. Per-address rate limits need their own: every test calls from
    /// 127.0.0.1.
    pub shared_redis: bool,
    /// Stopped with the gateway (e.g. an OpenID provider).
    pub stop_with_app: Vec<oneshot::Sender<()>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            peers: NO_PEERS.to_owned(),
            shared_redis: false,
            stop_with_app: Vec::new(),
        }
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub metrics_port: Option<u16>,
    /// Follows no redirects: tests assert them.
    pub client: reqwest::Client,
    pub database: TestDatabase,
    pub store: Store,
    pub redis_url: String,
    /// The gateway's blob store (screenshots), for arranging and asserting.
    pub blobs: blob_store::BlobStore,
    _stops: Vec<oneshot::Sender<()>>,
}

/// Starts the gateway with [`config`] changed by `customize`.
pub async fn spawn(options: Options, customize: impl FnOnce(&mut Config)) -> TestApp {
    let database = test_support::postgres::fresh_database().await;
    let redis_url = if options.shared_redis {
        test_support::redis::url().await
    } else {
        test_support::redis::throwaway_url().await
    };
    let mut config = config(&database.url, &redis_url, &options.peers);
    customize(&mut config);
    let blobs = blob_store::BlobStore::open(&config.blob_store).unwrap();
    let running = start(config).await;
    let mut stops = options.stop_with_app;
    stops.push(running.stop);
    TestApp {
        address: running.address,
        metrics_port: running.metrics_port,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
        store: Store::connect(&database.url, 2).unwrap(),
        database,
        redis_url,
        blobs,
        _stops: stops,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A direct connection to the test database, for arranging and
    /// asserting on rows.
    pub async fn database(&self) -> tokio_postgres::Client {
        self.database.client().await
    }
}

/// A gateway served in the test's runtime until its stop handle is dropped.
pub struct RunningGateway {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub metrics_port: Option<u16>,
    /// Dropping it stops the gateway.
    pub stop: oneshot::Sender<()>,
}

/// Builds (binds and migrates) a gateway from `config` and serves it in the
/// background: for a second replica on the same database and Redis.
pub async fn start(config: Config) -> RunningGateway {
    let app = Application::build(config)
        .await
        .expect("the gateway starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_port = app.metrics_port();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    RunningGateway {
        address,
        metrics_port,
        stop,
    }
}

/// A valid monitor body; tests change one field at a time.
pub fn monitor_body() -> Value {
    json!({
        "name": "Laptop price",
        // A public literal address: no DNS needed and allowed by the strict policy.
        "url": "https://93.184.215.14/laptop",
        "css_selector": ".price",
        "condition": "price drops below 1000 EUR",
        "interval_seconds": 300,
    })
}
