//! Settings read once from the environment and validated.
//!
//! Each variable, its default and its meaning are documented once, in the
//! README's configuration reference (a test keeps the two in step).

use std::net::SocketAddr;
use std::time::Duration;

use blob_store::BlobStoreConfig;
use mesh::config::{ConfigError, Environment, env_parse, env_string, listen_addr, required_secret};
use secrecy::SecretString;
use secret_box::SecretBox;

const DEFAULT_ADDR: &str = "127.0.0.1:50054";
const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9465";
/// The rating key of [`Config::for_tests`], so tests can verify the links they receive.
pub const TEST_ALERT_RATING_KEY: &str = "test-alert-rating-key-5d2f8a1c9e7b3604";
const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/lookout";
/// Checks in flight. A changed check holds up to ~6 copies of its page's
/// text (5 MB at most), so this is sized for a small install's memory
/// limit; fleets raise it (checks wait on pages, not on CPU).
const DEFAULT_CONCURRENCY: usize = 8;
/// Connections: the claim loop, the recorder, the lease heartbeat, the
/// delivery worker, pruning and the checks' short reads.
const DEFAULT_DATABASE_MAX_CONNECTIONS: usize = 16;

/// Everything the scheduler needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the health endpoint listens; port 0 picks a free port.
    pub addr: SocketAddr,
    pub environment: Environment,
    /// May hold a password, hence secret.
    pub database_url: SecretString,
    pub browser_url: String,
    pub llm_url: String,
    pub notify_url: String,
    /// Presented to every peer as `x-internal-api-key`.
    pub internal_api_key: SecretString,
    /// Opens monitor header values and channel secrets (`SECRETS_KEYS`,
    /// the gateway's keys).
    pub secret_box: SecretBox,
    /// Between two looks for due work when nothing wakes the loops earlier.
    pub poll_interval: Duration,
    /// Checks in flight in this process.
    pub concurrency: usize,
    /// The store's pool size. A check holds a connection only for each of
    /// its few short statements (its recording is batched on one), so this
    /// does not grow with `concurrency`.
    pub database_max_connections: usize,
    /// Fetches in flight against one host, so a big team does not hammer a site.
    pub host_concurrency: usize,
    /// Minimum time between two fetch starts to the same host.
    pub host_delay: Duration,
    /// How long a claim keeps other replicas away without a renewal: a
    /// crashed replica's checks are taken over within it. Short, since the
    /// heartbeat renews it while a check runs.
    pub lease: Duration,
    /// How often the leases of checks in flight are renewed (one statement
    /// per replica); at most a third of `lease`, so a late beat or one failed
    /// renewal never lets a running check's lease run out.
    pub lease_heartbeat: Duration,
    pub max_delivery_attempts: u32,
    /// First retry delay of a failed delivery; doubles with each attempt.
    pub delivery_retry_base: Duration,
    pub rpc_timeout: Duration,
    pub notify_timeout: Duration,
    /// Bounded wait for in-flight checks at shutdown; beyond it their
    /// leases expire and another replica runs them again.
    pub shutdown_grace: Duration,
    /// Base of the links back to a check in alerts, without trailing slash.
    pub public_base_url: String,
    /// Unjudged changes in a row after which the owner of a `hold` monitor is told once.
    pub unjudged_notice_after: u32,
    /// Dead deliveries in a row after which a channel is turned off and its
    /// team's owners are told once.
    pub channel_disable_after: u32,
    /// Where `/metrics` listens; port 0 picks a free port.
    pub metrics_addr: SocketAddr,
    /// A delivery's claim; renewed every third of it while the send runs,
    /// so it bounds how long a crashed replica delays its deliveries.
    pub delivery_lease: Duration,
    /// Signs the one-click rating links in alerts (`ALERT_RATING_KEY`, the gateway's value).
    pub alert_rating_key: SecretString,
    /// GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE: serve the health endpoint over TLS.
    pub tls: Option<mesh::tls::ServerTls>,
    /// GRPC_TLS_CA_FILE: reach browser, llm and notify over TLS (`https://` URLs).
    pub peer_tls: Option<mesh::tls::ClientTls>,
    /// Where screenshots are kept (`BLOB_STORE_*`, the gateway's values).
    pub blob_store: BlobStoreConfig,
    /// Per-team quota defaults, the gateway's values: the scheduler spends
    /// a team's renders per hour before each rendered check.
    pub quota_limits: store::quotas::QuotaLimits,
    /// Between two pruning runs (each team's retention); the first runs one
    /// interval after start. Replicas take turns: one run at a time.
    pub prune_interval: Duration,
    /// Rows one pruning batch deletes, each batch its own short transaction.
    pub prune_batch: i64,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let environment = Environment::from_env()?;
        let database_url = match env_string("DATABASE_URL") {
            Some(url) => url,
            None if environment.is_production() => {
                return Err(ConfigError::missing("DATABASE_URL"));
            }
            None => DEFAULT_DATABASE_URL.to_owned(),
        };
        let config = Self {
            addr: Self::addr_from_env()?,
            environment,
            database_url: SecretString::from(database_url),
            browser_url: service_url("BROWSER_URL", "http://127.0.0.1:50051")?,
            llm_url: service_url("LLM_URL", "http://127.0.0.1:50052")?,
            notify_url: service_url("NOTIFY_URL", "http://127.0.0.1:50053")?,
            internal_api_key: mesh::internal_auth::caller_key(
                mesh::internal_auth::SCHEDULER,
                environment,
            )?,
            secret_box: mesh::config::secret_box(environment)?,
            poll_interval: millis("SCHEDULER_POLL_MS", 1000)?,
            concurrency: env_parse("SCHEDULER_CONCURRENCY", DEFAULT_CONCURRENCY)?,
            database_max_connections: env_parse(
                "DATABASE_MAX_CONNECTIONS",
                DEFAULT_DATABASE_MAX_CONNECTIONS,
            )?,
            host_concurrency: env_parse("SCHEDULER_HOST_CONCURRENCY", 2)?,
            host_delay: Duration::from_millis(env_parse("SCHEDULER_HOST_DELAY_MS", 1000)?),
            lease: Duration::from_secs(env_parse("SCHEDULER_LEASE_SECS", 30)?),
            lease_heartbeat: millis("SCHEDULER_LEASE_HEARTBEAT_MS", 10_000)?,
            max_delivery_attempts: env_parse("SCHEDULER_MAX_DELIVERY_ATTEMPTS", 8)?,
            delivery_retry_base: millis("SCHEDULER_DELIVERY_RETRY_MS", 5000)?,
            rpc_timeout: millis("SCHEDULER_RPC_TIMEOUT_MS", 30_000)?,
            notify_timeout: millis("SCHEDULER_NOTIFY_TIMEOUT_MS", 15_000)?,
            shutdown_grace: millis("SCHEDULER_SHUTDOWN_GRACE_MS", 30_000)?,
            public_base_url: public_base_url()?,
            unjudged_notice_after: env_parse("SCHEDULER_UNJUDGED_NOTICE_AFTER", 3)?,
            channel_disable_after: env_parse("SCHEDULER_CHANNEL_DISABLE_AFTER", 5)?,
            metrics_addr: listen_addr("SCHEDULER_METRICS_ADDR", DEFAULT_METRICS_ADDR)?,
            delivery_lease: millis("SCHEDULER_DELIVERY_LEASE_MS", 10_000)?,
            alert_rating_key: required_secret("ALERT_RATING_KEY", environment)?,
            tls: mesh::tls::ServerTls::from_env()?,
            peer_tls: mesh::tls::ClientTls::from_env()?,
            blob_store: BlobStoreConfig::from_env(environment)?,
            quota_limits: store::quotas::QuotaLimits::from_settings(env_parse, |name| {
                ConfigError::invalid(name, "must be at least 1")
            })?,
            prune_interval: Duration::from_secs(env_parse("SCHEDULER_PRUNE_INTERVAL_SECS", 3600)?),
            prune_batch: env_parse("SCHEDULER_PRUNE_BATCH", 1000)?,
        };
        config.validate()?;
        Ok(config)
    }

    /// A development configuration for tests: listens on a free port, polls
    /// every 50 ms, does not space fetches to one host and retries failed
    /// deliveries after 10 ms.
    pub fn for_tests(
        database_url: &str,
        browser_url: &str,
        llm_url: &str,
        notify_url: &str,
        internal_api_key: &str,
    ) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            environment: Environment::Development,
            database_url: SecretString::from(database_url.to_owned()),
            browser_url: browser_url.to_owned(),
            llm_url: llm_url.to_owned(),
            notify_url: notify_url.to_owned(),
            internal_api_key: SecretString::from(internal_api_key.to_owned()),
            secret_box: SecretBox::development(),
            poll_interval: Duration::from_millis(50),
            concurrency: 8,
            database_max_connections: 8,
            host_concurrency: 2,
            host_delay: Duration::ZERO,
            lease: Duration::from_secs(30),
            lease_heartbeat: Duration::from_secs(10),
            max_delivery_attempts: 8,
            delivery_retry_base: Duration::from_millis(10),
            rpc_timeout: Duration::from_secs(10),
            notify_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(5),
            public_base_url: "http://127.0.0.1:8080".to_owned(),
            unjudged_notice_after: 3,
            channel_disable_after: 5,
            metrics_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            delivery_lease: Duration::from_secs(10),
            alert_rating_key: SecretString::from(TEST_ALERT_RATING_KEY),
            tls: None,
            peer_tls: None,
            blob_store: BlobStoreConfig::local(
                std::env::temp_dir().join(format!("lookout-blobs-{}", uuid::Uuid::new_v4())),
            ),
            quota_limits: Default::default(),
            prune_interval: Duration::from_secs(3600),
            prune_batch: 1000,
        }
    }

    /// Only the listen address, for the `healthcheck` subcommand.
    pub fn addr_from_env() -> Result<SocketAddr, ConfigError> {
        listen_addr("SCHEDULER_ADDR", DEFAULT_ADDR)
    }

    /// Checks the numbers make sense together; also run by
    /// `Application::build` for configurations built in code.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.poll_interval.is_zero() {
            return Err(ConfigError::invalid(
                "SCHEDULER_POLL_MS",
                "must be at least 1",
            ));
        }
        if !(1..=1024).contains(&self.concurrency) {
            return Err(ConfigError::invalid(
                "SCHEDULER_CONCURRENCY",
                "must be between 1 and 1024",
            ));
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError::invalid(
                "DATABASE_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }
        if !(1..=1000).contains(&self.unjudged_notice_after) {
            return Err(ConfigError::invalid(
                "SCHEDULER_UNJUDGED_NOTICE_AFTER",
                "must be between 1 and 1000",
            ));
        }
        if !(1..=1000).contains(&self.channel_disable_after) {
            return Err(ConfigError::invalid(
                "SCHEDULER_CHANNEL_DISABLE_AFTER",
                "must be between 1 and 1000",
            ));
        }
        if self.host_concurrency == 0 {
            return Err(ConfigError::invalid(
                "SCHEDULER_HOST_CONCURRENCY",
                "must be at least 1",
            ));
        }
        if self.max_delivery_attempts == 0 {
            return Err(ConfigError::invalid(
                "SCHEDULER_MAX_DELIVERY_ATTEMPTS",
                "must be at least 1",
            ));
        }
        if self.delivery_lease < Duration::from_millis(300) {
            return Err(ConfigError::invalid(
                "SCHEDULER_DELIVERY_LEASE_MS",
                "must be at least 300",
            ));
        }
        if self.lease < Duration::from_secs(3) {
            return Err(ConfigError::invalid(
                "SCHEDULER_LEASE_SECS",
                "must be at least 3",
            ));
        }
        if self.prune_interval.is_zero() {
            return Err(ConfigError::invalid(
                "SCHEDULER_PRUNE_INTERVAL_SECS",
                "must be at least 1",
            ));
        }
        if !(1..=100_000).contains(&self.prune_batch) {
            return Err(ConfigError::invalid(
                "SCHEDULER_PRUNE_BATCH",
                "must be between 1 and 100000",
            ));
        }
        if self.lease_heartbeat < Duration::from_millis(100)
            || self.lease_heartbeat * 3 > self.lease
        {
            return Err(ConfigError::invalid(
                "SCHEDULER_LEASE_HEARTBEAT_MS",
                "must be at least 100 and at most a third of SCHEDULER_LEASE_SECS",
            ));
        }
        Ok(())
    }
}

fn millis(name: &str, default: u64) -> Result<Duration, ConfigError> {
    Ok(Duration::from_millis(env_parse(name, default)?))
}

fn service_url(name: &str, default: &str) -> Result<String, ConfigError> {
    let url = env_string(name).unwrap_or_else(|| default.to_owned());
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ConfigError::invalid(
            name,
            "must be an http:// or https:// URL",
        ));
    }
    Ok(url)
}

fn public_base_url() -> Result<String, ConfigError> {
    let raw = env_string("PUBLIC_BASE_URL").unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let parsed =
        url::Url::parse(&raw).map_err(|error| ConfigError::invalid("PUBLIC_BASE_URL", error))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ConfigError::invalid(
            "PUBLIC_BASE_URL",
            "must be an http or https URL",
        ));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::for_tests(
            "postgres://postgres@127.0.0.1:1/x",
            "http://127.0.0.1:1",
            "http://127.0.0.1:2",
            "http://127.0.0.1:3",
            "key",
        )
    }

    #[test]
    fn the_test_configuration_is_valid() {
        assert_eq!(config().validate(), Ok(()));
    }

    #[test]
    fn nonsensical_numbers_are_refused_with_the_variable_name() {
        let mut no_slots = config();
        no_slots.concurrency = 0;
        assert!(
            no_slots
                .validate()
                .unwrap_err()
                .to_string()
                .contains("SCHEDULER_CONCURRENCY")
        );

        let mut no_connections = config();
        no_connections.database_max_connections = 0;
        assert!(
            no_connections
                .validate()
                .unwrap_err()
                .to_string()
                .contains("DATABASE_MAX_CONNECTIONS")
        );

        let mut short_lease = config();
        short_lease.lease = Duration::from_secs(2);
        assert!(
            short_lease
                .validate()
                .unwrap_err()
                .to_string()
                .contains("SCHEDULER_LEASE_SECS")
        );

        let mut slow_heartbeat = config();
        slow_heartbeat.lease_heartbeat = Duration::from_secs(11);
        assert!(
            slow_heartbeat
                .validate()
                .unwrap_err()
                .to_string()
                .contains("SCHEDULER_LEASE_HEARTBEAT_MS")
        );
    }

    #[test]
    fn the_database_url_is_not_printed() {
        let mut config = config();
        config.database_url = SecretString::from("postgres://u:hunter2@db/lookout".to_owned());
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
