//! Settings, read once from the environment and validated.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use mesh::config::{ConfigError, Environment, env_parse, env_string, listen_addr};
use mesh::internal_auth::InternalKeys;
use netguard::Policy;

#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    /// BROWSER_ADDR.
    pub addr: SocketAddr,
    /// Digests of the keys of the services allowed to call (INTERNAL_API_KEY_DIGESTS).
    pub internal_keys: InternalKeys,
    /// ALLOW_NETWORKS: ranges opened on purpose (tests, local development);
    /// the deployment's one policy (`netguard::settings`).
    pub policy: Policy,
    /// BROWSER_MAX_BODY_BYTES: bodies past this are TOO_LARGE, never held in memory.
    pub max_body_bytes: usize,
    /// BROWSER_TIMEOUT_MS: deadline of a fetch whose request does not set one.
    pub default_timeout: Duration,
    /// CHROMIUM_PATH: rendering is offered only when this file exists.
    pub chromium_path: PathBuf,
}

impl Config {
    pub const DEFAULT_ADDR: &str = "127.0.0.1:50051";
    pub const DEFAULT_MAX_BODY_BYTES: usize = 5 * 1024 * 1024;
    pub const DEFAULT_TIMEOUT_MS: u64 = 15_000;
    pub const DEFAULT_CHROMIUM_PATH: &str = "/usr/bin/chromium";

    pub fn from_env() -> Result<Self, ConfigError> {
        let environment = Environment::from_env()?;
        let policy = Policy::from_env(environment.is_production())
            .map_err(|error| ConfigError::invalid(netguard::settings::ALLOW_NETWORKS, error))?;
        let max_body_bytes = env_parse("BROWSER_MAX_BODY_BYTES", Self::DEFAULT_MAX_BODY_BYTES)?;
        if max_body_bytes == 0 {
            return Err(ConfigError::invalid(
                "BROWSER_MAX_BODY_BYTES",
                "must be positive",
            ));
        }
        let timeout_ms = env_parse("BROWSER_TIMEOUT_MS", Self::DEFAULT_TIMEOUT_MS)?;
        if timeout_ms == 0 {
            return Err(ConfigError::invalid(
                "BROWSER_TIMEOUT_MS",
                "must be positive",
            ));
        }
        Ok(Self {
            environment,
            addr: listen_addr("BROWSER_ADDR", Self::DEFAULT_ADDR)?,
            internal_keys: InternalKeys::from_env(environment)?,
            policy,
            max_body_bytes,
            default_timeout: Duration::from_millis(timeout_ms),
            chromium_path: env_string("CHROMIUM_PATH")
                .unwrap_or_else(|| Self::DEFAULT_CHROMIUM_PATH.to_owned())
                .into(),
        })
    }
}
