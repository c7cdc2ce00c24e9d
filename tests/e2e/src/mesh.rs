//! PostgreSQL, Redis, an SMTP sink, a local website and the five services,
//! wired together the way `make dev` and docker compose wire them.

use std::path::PathBuf;
use std::time::Duration;

use test_support::postgres::TestDatabase;
use test_support::smtp::SmtpSink;
use test_support::website::TestSite;

use crate::process::ServiceProcess;

/// How long a service may take to become healthy on a loaded 2-core machine.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

pub fn random_key() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn loopback_addr() -> String {
    format!("127.0.0.1:{}", test_support::ports::free_port())
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

/// The internal services (browser, llm, notify) as processes.
pub struct InternalServices {
    pub browser_url: String,
    pub llm_url: String,
    pub notify_url: String,
    pub processes: Vec<ServiceProcess>,
}

impl InternalServices {
    /// Starts the three services accepting the keys of `callers`
    /// (`(caller, key)`, several per caller during a rotation), with
    /// webhooks and fetches allowed on loopback. Each service receives
    /// only the digests of the callers that may call it: llm only the
    /// scheduler's.
    pub async fn start(
        callers: &[(&str, &str)],
        smtp_url: &str,
        redis_url: &str,
        public_base_url: &str,
        log_dir: &std::path::Path,
    ) -> Self {
        let browser_addr = loopback_addr();
        let llm_addr = loopback_addr();
        let notify_addr = loopback_addr();
        let digests = |allowed: &[&str]| {
            callers
                .iter()
                .filter(|(caller, _)| allowed.contains(caller))
                .map(|(caller, key)| {
                    format!("{caller}:{}", mesh::internal_auth::key_digest_hex(key))
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let every_caller = digests(&["gateway", "scheduler"]);
        let scheduler_only = digests(&["scheduler"]);
        let common = [("LOOKOUT_ENV", "development"), ("LOG_FORMAT", "json")];
        let mut browser_env = pairs(&common);
        browser_env.push(("INTERNAL_API_KEY_DIGESTS".to_owned(), every_caller.clone()));
        browser_env.extend(pairs(&[
            ("BROWSER_ADDR", &browser_addr),
            ("ALLOW_NETWORKS", "127.0.0.0/8"),
            // Tests run as root in CI containers, where Chromium has no sandbox.
            ("BROWSER_CHROMIUM_NO_SANDBOX", "true"),
        ]));
        let mut llm_env = pairs(&common);
        if !scheduler_only.is_empty() {
            llm_env.push(("INTERNAL_API_KEY_DIGESTS".to_owned(), scheduler_only));
        }
        llm_env.extend(pairs(&[
            ("LLM_ADDR", &llm_addr),
            ("LLM_PROVIDER", "offline"),
        ]));
        let mut notify_env = pairs(&common);
        notify_env.push(("INTERNAL_API_KEY_DIGESTS".to_owned(), every_caller));
        notify_env.extend(pairs(&[
            ("NOTIFY_ADDR", &notify_addr),
            ("SMTP_URL", smtp_url),
            ("REDIS_URL", redis_url),
            ("ALLOW_NETWORKS", "127.0.0.0/8"),
            ("PUBLIC_BASE_URL", public_base_url),
            ("NOTIFICATION_EMAIL", "Lookout <alerts@lookout.test>"),
        ]));
        let processes = vec![
            ServiceProcess::start("lookout-browser", &browser_env, log_dir),
            ServiceProcess::start("lookout-llm", &llm_env, log_dir),
            ServiceProcess::start("lookout-notify", &notify_env, log_dir),
        ];
        let services = Self {
            browser_url: format!("http://{browser_addr}"),
            llm_url: format!("http://{llm_addr}"),
            notify_url: format!("http://{notify_addr}"),
            processes,
        };
        for url in [
            &services.browser_url,
            &services.llm_url,
            &services.notify_url,
        ] {
            wait_for_grpc_health(url, &services.logs()).await;
        }
        services
    }

    pub fn logs(&self) -> String {
        self.processes
            .iter()
            .map(|process| format!("--- {} ---\n{}", process.name, process.log()))
            .collect::<Vec<_>>()
            .join("\n")
    }
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
    gateway_env: Vec<(String, String)>,
}

impl Mesh {
    pub async fn start() -> Self {
        Self::start_with(&[], &[]).await
    }

    /// The mesh with further gateway and scheduler settings (`(variable,
    /// value)`, overriding the defaults below), for tests of the services'
    /// own numbers such as the scheduler's lease.
    pub async fn start_with(
        gateway_settings: &[(&str, &str)],
        scheduler_settings: &[(&str, &str)],
    ) -> Self {
        let database = test_support::postgres::fresh_database().await;
        let redis_url = test_support::redis::url().await;
        let smtp = SmtpSink::start().await;
        let site = TestSite::start().await;
        let log_dir = test_support::process::temp_dir("lookout-e2e-logs");
        // The scheduler stores screenshots where the gateway serves them from.
        let blob_dir = test_support::process::temp_dir("lookout-e2e-blobs");
        let blob_dir_text = blob_dir.display().to_string();

        let gateway_key = random_key();
        let scheduler_key = random_key();

        let gateway_addr = loopback_addr();
        let gateway_url = format!("http://{gateway_addr}");
        let internal = InternalServices::start(
            &[
                ("gateway", gateway_key.as_str()),
                ("scheduler", scheduler_key.as_str()),
            ],
            &smtp.url(),
            &redis_url,
            &gateway_url,
            &log_dir,
        )
        .await;

        let jwt_secret = random_key();
        let metrics_addr = loopback_addr();
        let gateway_env = pairs(&[
            ("LOOKOUT_ENV", "development"),
            ("METRICS_ADDR", &metrics_addr),
            ("LOG_FORMAT", "json"),
            ("GATEWAY_ADDR", &gateway_addr),
            ("DATABASE_URL", &database.url),
            ("REDIS_URL", &redis_url),
            ("JWT_SECRET", &jwt_secret),
            ("INTERNAL_API_KEY", &gateway_key),
            ("BROWSER_URL", &internal.browser_url),
            ("LLM_URL", &internal.llm_url),
            ("NOTIFY_URL", &internal.notify_url),
            ("ALLOW_NETWORKS", "127.0.0.0/8"),
            ("MONITOR_MIN_INTERVAL_SECONDS", "1"),
            ("PUBLIC_BASE_URL", &gateway_url),
            ("BLOB_STORE_DIR", &blob_dir_text),
        ]);
        let gateway_env = with_settings(gateway_env, gateway_settings);
        let mut gateway = ServiceProcess::start("lookout-gateway", &gateway_env, &log_dir);
        wait_for_http_health(&gateway_url, &mut gateway).await;

        let scheduler_addr = loopback_addr();
        let scheduler_metrics_addr = loopback_addr();
        let scheduler_env = pairs(&[
            ("SCHEDULER_METRICS_ADDR", &scheduler_metrics_addr),
            ("LOOKOUT_ENV", "development"),
            ("LOG_FORMAT", "json"),
            ("SCHEDULER_ADDR", &scheduler_addr),
            ("DATABASE_URL", &database.url),
            ("INTERNAL_API_KEY", &scheduler_key),
            ("BROWSER_URL", &internal.browser_url),
            ("LLM_URL", &internal.llm_url),
            ("NOTIFY_URL", &internal.notify_url),
            ("SCHEDULER_POLL_MS", "100"),
            ("SCHEDULER_HOST_DELAY_MS", "0"),
            ("PUBLIC_BASE_URL", &gateway_url),
            ("BLOB_STORE_DIR", &blob_dir_text),
        ]);
        let scheduler_env = with_settings(scheduler_env, scheduler_settings);
        let scheduler = ServiceProcess::start("lookout-scheduler", &scheduler_env, &log_dir);
        let scheduler_url = format!("http://{scheduler_addr}");
        wait_for_grpc_health(&scheduler_url, &scheduler.log()).await;

        Self {
            database,
            redis_url,
            smtp,
            site,
            gateway_url,
            jwt_secret,
            internal,
            gateway,
            scheduler,
            scheduler_url,
            scheduler_metrics_url: format!("http://{scheduler_metrics_addr}/metrics"),
            log_dir,
            gateway_env,
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
            self.gateway_env
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
        let mut logs = Vec::new();
        for process in self
            .internal
            .processes
            .iter()
            .chain([&self.gateway, &self.scheduler])
        {
            logs.push(format!("--- {} ---\n{}", process.name, process.log()));
        }
        logs.join("\n")
    }
}

/// `env` with `settings` replacing or adding variables.
fn with_settings(env: Vec<(String, String)>, settings: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = env
        .into_iter()
        .filter(|(name, _)| !settings.iter().any(|(set, _)| set == name))
        .collect();
    env.extend(pairs(settings));
    env
}

async fn wait_for_http_health(base_url: &str, process: &mut ServiceProcess) {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + STARTUP_TIMEOUT;
    loop {
        process.assert_running();
        if let Ok(response) = client
            .get(format!("{base_url}/health"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            && response.status().is_success()
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{base_url} did not become healthy:\n{}",
            process.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
