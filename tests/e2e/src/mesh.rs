//! PostgreSQL, Redis, an SMTP sink, a local website and the five services,
//! started by `dev-mesh`: the same wiring as `make dev`, configured for tests
//! (exact environments, a short minimum interval, a fast scheduler).

use std::path::PathBuf;
use std::time::Duration;

use dev_mesh::{Infrastructure, Launch, MeshSettings};
use test_support::postgres::TestDatabase;
use test_support::smtp::SmtpSink;
use test_support::website::TestSite;

pub use dev_mesh::{InternalServices, random_key};

use crate::process::ServiceProcess;

/// How long a service may take to become healthy after a restart.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// How the suite runs every service: the test's own binaries, exactly the
/// environment given, webhooks and fetches allowed on loopback.
fn launch(log_dir: &std::path::Path, blob_dir: Option<&std::path::Path>) -> Launch {
    let bin_dir = test_support::process::workspace_binary("lookout-gateway")
        .parent()
        .expect("a binary has a folder")
        .to_path_buf();
    let mut env: Vec<(String, String)> = [
        ("LOG_FORMAT", "json"),
        ("ALLOW_NETWORKS", "127.0.0.0/8"),
        ("LLM_PROVIDER", "offline"),
        ("NOTIFICATION_EMAIL", "Lookout <alerts@lookout.test>"),
        ("MONITOR_MIN_INTERVAL_SECONDS", "1"),
        ("SCHEDULER_POLL_MS", "100"),
        ("SCHEDULER_HOST_DELAY_MS", "0"),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect();
    if let Some(blob_dir) = blob_dir {
        // The scheduler stores screenshots where the gateway serves them from.
        env.push(("BLOB_STORE_DIR".to_owned(), blob_dir.display().to_string()));
    }
    Launch {
        bin_dir,
        log_dir: log_dir.to_path_buf(),
        inherit_env: false,
        env,
    }
}

/// Starts browser, llm and notify accepting the keys of `callers`
/// (`(caller, key)`, several per caller during a rotation).
pub async fn start_internal_services(
    callers: &[(&str, &str)],
    smtp_url: &str,
    redis_url: &str,
    public_base_url: &str,
    log_dir: &std::path::Path,
) -> InternalServices {
    let infrastructure = Infrastructure {
        database_url: String::new(),
        redis_url: redis_url.to_owned(),
        smtp_url: smtp_url.to_owned(),
    };
    InternalServices::start(
        callers,
        &infrastructure,
        public_base_url,
        &launch(log_dir, None),
    )
    .await
    .unwrap_or_else(|error| panic!("the internal services did not start: {error}"))
}

/// Polls `grpc.health.v1` until the service answers serving.
pub async fn wait_for_grpc_health(url: &str, logs: &str) {
    let deadline = tokio::time::Instant::now() + STARTUP_TIMEOUT;
    loop {
        match mesh::health::probe(url, Duration::from_secs(2), None).await {
            Ok(()) => return,
            Err(error) if tokio::time::Instant::now() > deadline => {
                panic!("{url} did not become healthy: {error}\nlogs:\n{logs}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Everything, ready for a user.
pub struct Mesh {
    pub database: TestDatabase,
    pub redis_url: String,
    pub smtp: SmtpSink,
    pub site: TestSite,
    pub gateway_url: String,
    pub jwt_secret: String,
    pub internal: InternalServices,
    pub gateway: ServiceProcess,
    pub scheduler: ServiceProcess,
    pub scheduler_url: String,
    /// The scheduler's Prometheus endpoint, `…/metrics`.
    pub scheduler_metrics_url: String,
    pub log_dir: PathBuf,
}

impl Mesh {
    pub async fn start() -> Self {
        Self::start_with(&[], &[]).await
    }

    /// The mesh with further gateway and scheduler settings (`(variable,
    /// value)`, overriding the defaults), for tests of the services' own
    /// numbers such as the scheduler's lease. Each variable names its
    /// service, so every service may see them all.
    pub async fn start_with(
        gateway_settings: &[(&str, &str)],
        scheduler_settings: &[(&str, &str)],
    ) -> Self {
        let database = test_support::postgres::fresh_database().await;
        let redis_url = test_support::redis::url().await;
        let smtp = SmtpSink::start().await;
        let site = TestSite::start().await;
        let log_dir = test_support::process::temp_dir("lookout-e2e-logs");
        let blob_dir = test_support::process::temp_dir("lookout-e2e-blobs");
        let infrastructure = Infrastructure {
            database_url: database.url.clone(),
            redis_url: redis_url.clone(),
            smtp_url: smtp.url(),
        };
        let settings = MeshSettings {
            jwt_secret: random_key(),
            gateway_key: random_key(),
            scheduler_key: random_key(),
            gateway_addr: None,
            public_base_url: None,
            dev_idp: false,
        };
        let mut launch = launch(&log_dir, Some(&blob_dir));
        launch.env.extend(
            gateway_settings
                .iter()
                .chain(scheduler_settings)
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        );
        let mesh = dev_mesh::Mesh::start(&infrastructure, &settings, &launch)
            .await
            .unwrap_or_else(|error| panic!("the mesh did not start: {error}"));
        Self {
            database,
            redis_url,
            smtp,
            site,
            gateway_url: mesh.gateway_url,
            jwt_secret: settings.jwt_secret,
            internal: mesh.internal,
            gateway: mesh.gateway,
            scheduler: mesh.scheduler,
            scheduler_url: mesh.scheduler_url,
            scheduler_metrics_url: mesh.scheduler_metrics_url,
            log_dir,
        }
    }

    /// A development access token for `email`, minted by the gateway's own
    /// CLI against the same database and secret (the user is created on
    /// first use).
    pub async fn token_for(&self, email: &str) -> String {
        let output = tokio::process::Command::new(test_support::process::workspace_binary(
            "lookout-gateway",
        ))
        .args(["mint-token", "--email", email])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(
            self.gateway
                .env()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .output()
        .await
        .expect("lookout-gateway mint-token runs");
        assert!(
            output.status.success(),
            "mint-token failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// All logs, for assertion messages.
    pub fn logs(&self) -> String {
        [
            self.internal.logs(),
            logs_of_one(&self.gateway),
            logs_of_one(&self.scheduler),
        ]
        .join("\n")
    }
}

fn logs_of_one(process: &ServiceProcess) -> String {
    format!("--- {} ---\n{}", process.name, process.log())
}
