//! Settings read once from the environment and validated.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `GATEWAY_ADDR` | `127.0.0.1:8080` | HTTP listen address |
//! | `DATABASE_URL` | `postgres://postgres@127.0.0.1:5432/lookout` (development only) | PostgreSQL |
//! | `DATABASE_MAX_CONNECTIONS` | `16` | pool size |
//! | `REDIS_URL` | none (required in production) | Redis, checked by `/ready` |
//! | `JWT_SECRET` | development placeholder | HS256 key of access tokens |
//! | `JWT_ISSUER` | `lookout` | `iss` of access tokens |
//! | `INTERNAL_API_KEY` | development placeholder | key presented to internal services |
//! | `BROWSER_URL`, `LLM_URL`, `NOTIFY_URL` | `http://127.0.0.1:5005{1,2,3}` | internal services |
//! | `BROWSER_ALLOW_NETWORKS` | empty | CIDRs opened for monitor and webhook URLs (the browser's policy) |
//! | `MONITOR_MIN_INTERVAL_SECONDS` | `60` | shortest check interval a user may choose |
//! | `TRUSTED_PROXIES`, `TRUSTED_HOSTS`, `CORS_ORIGINS`, `RATE_LIMIT_*`, `REQUEST_TIMEOUT_SECONDS`, `MAX_CONCURRENT_REQUESTS`, `METRICS_ADDR`, `WEB_DIST_DIR` | see [`crate::edge::settings`] | the request edge |
//! | `PUBLIC_BASE_URL` | `http://127.0.0.1:8080` | links in messages |

use std::net::SocketAddr;

use mesh::config::{ConfigError, Environment, env_parse, env_string, listen_addr, required_secret};
use netguard::Policy;
use secrecy::SecretString;
use url::Url;

use crate::edge::settings::EdgeSettings;

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/lookout";
pub const DEFAULT_ISSUER: &str = "lookout";
/// Matches the pool's share of PostgreSQL's default 100 connections when a
/// few gateway and scheduler replicas run side by side.
const DEFAULT_MAX_CONNECTIONS: usize = 16;
const DEFAULT_MIN_INTERVAL_SECONDS: u32 = 60;

/// Everything the gateway needs to start. Fields are public so tests and the
/// end-to-end suite can build one directly.
#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub addr: SocketAddr,
    /// May hold a password, hence secret.
    pub database_url: SecretString,
    pub database_max_connections: usize,
    /// Optional in development; `/ready` pings it when set.
    pub redis_url: Option<SecretString>,
    pub jwt_secret: SecretString,
    pub jwt_issuer: String,
    /// Presented to internal services as `x-internal-api-key`.
    pub internal_api_key: SecretString,
    pub browser_url: String,
    pub llm_url: String,
    pub notify_url: String,
    /// The destinations monitor and webhook URLs may point at: the same
    /// policy the browser applies at fetch time, so a monitor accepted here
    /// is not refused there for its address.
    pub destination_policy: Policy,
    /// Rate limits, CORS, trusted hosts and proxies, timeouts, metrics.
    pub edge: EdgeSettings,
    pub monitor_min_interval_seconds: u32,
    pub public_base_url: Url,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let environment = Environment::from_env()?;
        let database_url = match env_string("DATABASE_URL") {
            Some(url) => SecretString::from(url),
            None if environment.is_production() => {
                return Err(ConfigError::missing("DATABASE_URL"));
            }
            None => SecretString::from(DEFAULT_DATABASE_URL.to_owned()),
        };
        let redis_url = env_string("REDIS_URL").map(SecretString::from);
        if redis_url.is_none() && environment.is_production() {
            return Err(ConfigError::missing("REDIS_URL"));
        }
        let destination_policy =
            Policy::from_allow_list(&env_string("BROWSER_ALLOW_NETWORKS").unwrap_or_default())
                .map_err(|error| ConfigError::invalid("BROWSER_ALLOW_NETWORKS", error))?;
        let public_base_url =
            env_string("PUBLIC_BASE_URL").unwrap_or_else(|| format!("http://{DEFAULT_ADDR}"));
        let public_base_url = Url::parse(&public_base_url)
            .map_err(|error| ConfigError::invalid("PUBLIC_BASE_URL", error))?;
        let database_max_connections =
            env_parse("DATABASE_MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS)?;
        if database_max_connections == 0 {
            return Err(ConfigError::invalid(
                "DATABASE_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }
        let monitor_min_interval_seconds =
            env_parse("MONITOR_MIN_INTERVAL_SECONDS", DEFAULT_MIN_INTERVAL_SECONDS)?;
        if monitor_min_interval_seconds == 0 {
            return Err(ConfigError::invalid(
                "MONITOR_MIN_INTERVAL_SECONDS",
                "must be at least 1",
            ));
        }
        Ok(Self {
            environment,
            addr: Self::addr_from_env()?,
            database_url,
            database_max_connections,
            redis_url,
            jwt_secret: required_secret("JWT_SECRET", environment)?,
            jwt_issuer: env_string("JWT_ISSUER").unwrap_or_else(|| DEFAULT_ISSUER.to_owned()),
            internal_api_key: required_secret("INTERNAL_API_KEY", environment)?,
            browser_url: service_url("BROWSER_URL", "http://127.0.0.1:50051")?,
            llm_url: service_url("LLM_URL", "http://127.0.0.1:50052")?,
            notify_url: service_url("NOTIFY_URL", "http://127.0.0.1:50053")?,
            destination_policy,
            edge: EdgeSettings::from_env(environment)?,
            monitor_min_interval_seconds,
            public_base_url,
        })
    }

    /// Only the listen address, for `healthcheck`: probing must not depend on
    /// the secrets being readable.
    pub fn addr_from_env() -> Result<SocketAddr, ConfigError> {
        listen_addr("GATEWAY_ADDR", DEFAULT_ADDR)
    }
}

fn service_url(name: &str, default: &str) -> Result<String, ConfigError> {
    let value = env_string(name).unwrap_or_else(|| default.to_owned());
    let url = Url::parse(&value).map_err(|error| ConfigError::invalid(name, error))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::invalid(
            name,
            "must be an http:// or https:// URL",
        ));
    }
    Ok(value)
}
