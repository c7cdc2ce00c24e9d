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
    /// BROWSER_CHROMIUM_NO_SANDBOX: runs Chromium without its sandbox. Only
    /// for containers that cannot give it the namespaces the sandbox needs
    /// (and for root, which Chromium refuses to sandbox); the egress proxy
    /// still confines its network either way.
    pub chromium_no_sandbox: bool,
    /// BROWSER_RENDER_CONCURRENCY: renders at once in this replica's Chromium.
    pub render_concurrency: usize,
    /// BROWSER_MAX_SCREENSHOT_BYTES: a larger screenshot is dropped.
    pub max_screenshot_bytes: usize,
    /// GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE: serve gRPC over TLS.
    /// How long the service serves on after the stop signal while
    /// reporting `NOT_SERVING` (`SHUTDOWN_DRAIN_SECONDS`).
    pub shutdown_drain: std::time::Duration,
    pub tls: Option<mesh::tls::ServerTls>,
    /// BROWSER_MAX_SCREENSHOT_HEIGHT: a screenshot shows the whole page down
    /// to this many CSS pixels (the width is the viewport's).
    pub max_screenshot_height: u32,
    /// BROWSER_SEEN_BODIES: how many requests (URL and selectors) this
    /// replica remembers the last body of, so a byte-identical page is
    /// answered unchanged without a parse; 0 turns it off.
    pub seen_bodies: u64,
}

impl Config {
    pub const DEFAULT_ADDR: &str = "127.0.0.1:50051";
    pub const DEFAULT_MAX_BODY_BYTES: usize = 5 * 1024 * 1024;
    pub const DEFAULT_TIMEOUT_MS: u64 = 15_000;
    pub const DEFAULT_CHROMIUM_PATH: &str = "/usr/bin/chromium";
    /// Each render is a renderer process of 50-150 MiB; two fit the ~1 GiB
    /// a replica is given next to the browser process itself.
    pub const DEFAULT_RENDER_CONCURRENCY: usize = 2;
    pub const DEFAULT_MAX_SCREENSHOT_BYTES: usize = 8 * 1024 * 1024;
    /// Four to five screens of a typical page: what a person scrolls through
    /// to compare, at a few MiB of PNG at most.
    pub const DEFAULT_MAX_SCREENSHOT_HEIGHT: u32 = 4096;
    /// About 600 bytes each as measured (a URL key, two digests and moka's
    /// bookkeeping): the replica grew by ~60 MiB with 100,000 requests.
    pub const DEFAULT_SEEN_BODIES: u64 = 100_000;

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
        let render_concurrency = env_parse(
            "BROWSER_RENDER_CONCURRENCY",
            Self::DEFAULT_RENDER_CONCURRENCY,
        )?;
        if render_concurrency == 0 {
            return Err(ConfigError::invalid(
                "BROWSER_RENDER_CONCURRENCY",
                "must be positive",
            ));
        }
        let max_screenshot_bytes = env_parse(
            "BROWSER_MAX_SCREENSHOT_BYTES",
            Self::DEFAULT_MAX_SCREENSHOT_BYTES,
        )?;
        check_response_fits(max_body_bytes, max_screenshot_bytes)?;
        let max_screenshot_height = env_parse(
            "BROWSER_MAX_SCREENSHOT_HEIGHT",
            Self::DEFAULT_MAX_SCREENSHOT_HEIGHT,
        )?;
        if !(1..=16_384).contains(&max_screenshot_height) {
            // Chromium's own limit for a captured surface.
            return Err(ConfigError::invalid(
                "BROWSER_MAX_SCREENSHOT_HEIGHT",
                "must be between 1 and 16384 pixels",
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
            chromium_no_sandbox: env_parse("BROWSER_CHROMIUM_NO_SANDBOX", false)?,
            render_concurrency,
            max_screenshot_bytes,
            shutdown_drain: mesh::shutdown::drain_from_env(environment)?,
            tls: mesh::tls::ServerTls::from_env()?,
            max_screenshot_height,
            seen_bodies: env_parse("BROWSER_SEEN_BODIES", Self::DEFAULT_SEEN_BODIES)?,
        })
    }
}
/// Room in a response for everything but the text and the screenshot (URL,
/// title, detail, framing).
const RESPONSE_HEADROOM_BYTES: usize = 1024 * 1024;

/// The text of a page is capped at the page size limit and the screenshot at
/// its own; together they must fit the message size callers accept, or the
/// largest allowed page would fail in transit instead of arriving.
pub fn check_response_fits(
    max_body_bytes: usize,
    max_screenshot_bytes: usize,
) -> Result<(), ConfigError> {
    let needed = max_body_bytes
        .saturating_add(max_screenshot_bytes)
        .saturating_add(RESPONSE_HEADROOM_BYTES);
    if needed > api_proto::BROWSER_MAX_RESPONSE_BYTES {
        return Err(ConfigError::invalid(
            "BROWSER_MAX_BODY_BYTES",
            format!(
                "with BROWSER_MAX_SCREENSHOT_BYTES it must leave 1 MiB of the {} bytes \
                 a fetch answer may have",
                api_proto::BROWSER_MAX_RESPONSE_BYTES
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests may unwrap.
    use super::*;

    #[test]
    fn a_page_limit_whose_answer_would_not_fit_a_message_is_refused() {
        assert!(check_response_fits(5 * 1024 * 1024, 8 * 1024 * 1024).is_ok());
        let error = check_response_fits(30 * 1024 * 1024, 8 * 1024 * 1024).unwrap_err();
        assert!(error.to_string().contains("BROWSER_MAX_BODY_BYTES"));
    }
}
