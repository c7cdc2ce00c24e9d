//! Settings read once from the environment and validated.
//!
//! Each variable, its default and its meaning are documented once, in the
//! README's configuration reference (a test keeps the two in step).
//!
//! In production (`LOOKOUT_ENV=production`) the `openai` provider requires a strong
//! `OPENAI_API_KEY` unless the base URL is a local endpoint: a loopback or private address, or a
//! host name without dots (a compose or Kubernetes service such as `ollama`), or one ending in
//! `.local`, `.internal` or `.localhost`. Local servers such as Ollama need no key.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use mesh::config::{
    ConfigError, Environment, check_secret_strength, env_parse, env_string, listen_addr,
};
use mesh::internal_auth::InternalKeys;
use secrecy::{ExposeSecret, SecretString};
use url::{Host, Url};

use crate::cache::CacheSettings;
use crate::openai::{DEFAULT_MAX_INPUT_TOKENS, OpenAiSettings, RetryPolicy};

const DEFAULT_ADDR: &str = "127.0.0.1:50052";
const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const DEFAULT_MODEL: &str = "gpt-4o-mini";
const DEFAULT_TIMEOUT_MS: u64 = 20_000;
/// Below the scheduler's default 30 s deadline for llm calls, so the scheduler hears a clear
/// "timeout" from the llm service instead of cutting the call itself.
const DEFAULT_DEADLINE_MS: u64 = 25_000;
/// Longer than any sensible model answer; beyond this the scheduler's own deadline fires first.
const MAX_TIMEOUT_MS: u64 = 300_000;
const MAX_RETRIES_LIMIT: u32 = 10;
/// A week: pages that flip back and forth (A/B tests, rotating stock) repeat within days.
const DEFAULT_CACHE_TTL_SECS: u64 = 7 * 24 * 3600;
const MAX_CACHE_TTL_SECS: u64 = 90 * 24 * 3600;
const CACHE_KEY_PREFIX: &str = "llm:verdict:v1:";
/// Below this the instructions alone do not fit; above it no common model accepts the prompt.
const MIN_INPUT_TOKENS: u32 = 1_500;
const MAX_INPUT_TOKENS: u32 = 200_000;

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub environment: Environment,
    pub provider: ProviderConfig,
    /// Which callers may call, by key.
    pub internal_keys: InternalKeys,
    /// The verdict cache in Redis, for the model judge; `None` sends every change to the model.
    pub verdict_cache: Option<CacheSettings>,
    /// GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE: serve gRPC over TLS.
    /// How long the service serves on after the stop signal while
    /// reporting `NOT_SERVING` (`SHUTDOWN_DRAIN_SECONDS`).
    pub shutdown_drain: std::time::Duration,
    pub tls: Option<mesh::tls::ServerTls>,
}

/// Which judge decides.
#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "one value, built once at startup; boxing it would only add noise to every constructor"
)]
pub enum ProviderConfig {
    /// Rules read from the condition; no network. The zero-config default.
    Offline,
    /// An OpenAI-compatible chat-completions endpoint.
    OpenAi(OpenAiSettings),
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let environment = Environment::from_env()?;
        let provider = ProviderConfig::from_env(environment)?;
        let verdict_cache = cache_from_env(&provider)?;
        Ok(Self {
            addr: listen_addr("LLM_ADDR", DEFAULT_ADDR)?,
            environment,
            provider,
            internal_keys: InternalKeys::from_env(environment)?,
            verdict_cache,
            shutdown_drain: mesh::shutdown::drain_from_env(environment)?,
            tls: mesh::tls::ServerTls::from_env()?,
        })
    }

    /// Only the listen address, for the `healthcheck` subcommand: probing must not depend on the
    /// secrets being readable.
    pub fn addr_from_env() -> Result<SocketAddr, ConfigError> {
        listen_addr("LLM_ADDR", DEFAULT_ADDR)
    }
}

impl ProviderConfig {
    fn from_env(environment: Environment) -> Result<Self, ConfigError> {
        let api_key = env_string("OPENAI_API_KEY").map(SecretString::from);
        let base_url = env_string("LLM_BASE_URL");
        let provider = env_string("LLM_PROVIDER").map(|name| name.to_ascii_lowercase());
        let use_openai = match provider.as_deref() {
            Some("offline") => false,
            Some("openai") => true,
            Some(other) => {
                return Err(ConfigError::invalid(
                    "LLM_PROVIDER",
                    format!("expected offline or openai, got {other:?}"),
                ));
            }
            None => base_url.is_some() || api_key.is_some(),
        };
        if !use_openai {
            return Ok(Self::Offline);
        }
        let base_url = parse_base_url(base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let local = is_local_endpoint(&base_url);
        if environment.is_production() && !local {
            match &api_key {
                None => {
                    return Err(ConfigError::invalid(
                        "OPENAI_API_KEY",
                        "required in production when LLM_BASE_URL is not a local endpoint",
                    ));
                }
                Some(key) => check_secret_strength("OPENAI_API_KEY", key.expose_secret())?,
            }
        }
        let timeout_ms = env_parse("LLM_TIMEOUT_MS", DEFAULT_TIMEOUT_MS)?;
        if timeout_ms == 0 || timeout_ms > MAX_TIMEOUT_MS {
            return Err(ConfigError::invalid(
                "LLM_TIMEOUT_MS",
                format!("must be between 1 and {MAX_TIMEOUT_MS}"),
            ));
        }
        let deadline_ms = env_parse("LLM_DEADLINE_MS", DEFAULT_DEADLINE_MS)?;
        if deadline_ms == 0 || deadline_ms > MAX_TIMEOUT_MS {
            return Err(ConfigError::invalid(
                "LLM_DEADLINE_MS",
                format!("must be between 1 and {MAX_TIMEOUT_MS}"),
            ));
        }
        let max_retries = env_parse("LLM_MAX_RETRIES", RetryPolicy::default().max_retries)?;
        if max_retries > MAX_RETRIES_LIMIT {
            return Err(ConfigError::invalid(
                "LLM_MAX_RETRIES",
                format!("must be at most {MAX_RETRIES_LIMIT}"),
            ));
        }
        let max_input_tokens = env_parse("LLM_MAX_INPUT_TOKENS", DEFAULT_MAX_INPUT_TOKENS)?;
        if !(MIN_INPUT_TOKENS..=MAX_INPUT_TOKENS).contains(&max_input_tokens) {
            return Err(ConfigError::invalid(
                "LLM_MAX_INPUT_TOKENS",
                format!("must be between {MIN_INPUT_TOKENS} and {MAX_INPUT_TOKENS}"),
            ));
        }
        Ok(Self::OpenAi(OpenAiSettings {
            max_input_tokens,
            base_url,
            model: env_string("LLM_MODEL").unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
            api_key,
            timeout: Duration::from_millis(timeout_ms),
            deadline: Duration::from_millis(deadline_ms),
            retry: RetryPolicy {
                max_retries,
                ..RetryPolicy::default()
            },
        }))
    }
}

/// The offline judge costs nothing, so only the model judge is cached.
fn cache_from_env(provider: &ProviderConfig) -> Result<Option<CacheSettings>, ConfigError> {
    let ProviderConfig::OpenAi(settings) = provider else {
        return Ok(None);
    };
    let ttl_secs = env_parse("LLM_CACHE_TTL_SECS", DEFAULT_CACHE_TTL_SECS)?;
    if ttl_secs > MAX_CACHE_TTL_SECS {
        return Err(ConfigError::invalid(
            "LLM_CACHE_TTL_SECS",
            format!("must be at most {MAX_CACHE_TTL_SECS} (90 days)"),
        ));
    }
    let Some(redis_url) = env_string("REDIS_URL") else {
        return Ok(None);
    };
    if ttl_secs == 0 {
        return Ok(None);
    }
    if !redis_url.starts_with("redis://") && !redis_url.starts_with("rediss://") {
        return Err(ConfigError::invalid(
            "REDIS_URL",
            "must start with redis:// or rediss://",
        ));
    }
    Ok(Some(CacheSettings {
        redis_url: SecretString::from(redis_url),
        redis_ca_file: mesh::redis::ca_file_from_env()?,
        ttl: Duration::from_secs(ttl_secs),
        key_prefix: CACHE_KEY_PREFIX.to_owned(),
        // A little longer than the peer's own model call may take.
        wait_for_peer: settings.deadline + Duration::from_secs(1),
    }))
}

fn parse_base_url(raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|error| ConfigError::invalid("LLM_BASE_URL", error))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::invalid(
            "LLM_BASE_URL",
            "must be an http or https URL",
        ));
    }
    // Credentials in the URL would end up in logs and error messages; the key has its own variable.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::invalid(
            "LLM_BASE_URL",
            "must not contain credentials; put the key in OPENAI_API_KEY",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::invalid(
            "LLM_BASE_URL",
            "must not have a query or fragment",
        ));
    }
    Ok(url)
}

/// Whether the endpoint runs inside the deployment's own network, where a model server such as
/// Ollama needs no key.
pub fn is_local_endpoint(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => is_private_ip(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_private_ip(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            !name.contains('.')
                || [".local", ".internal", ".localhost"]
                    .iter()
                    .any(|suffix| name.ends_with(suffix))
        }
        None => false,
    }
}

fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.is_unique_local() || v6.is_unicast_link_local(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_endpoints_are_recognised() {
        for local in [
            "http://localhost:11434/v1",
            "http://127.0.0.1:8000/v1",
            "http://ollama:11434/v1",
            "http://10.0.0.5/v1",
            "http://[::1]:8080/v1",
            "http://vllm.default.svc.cluster.local/v1",
        ] {
            assert!(is_local_endpoint(&Url::parse(local).unwrap()), "{local}");
        }
        for remote in ["https://api.openai.com/v1", "http://8.8.8.8/v1"] {
            assert!(!is_local_endpoint(&Url::parse(remote).unwrap()), "{remote}");
        }
    }

    #[test]
    fn base_urls_with_credentials_are_refused() {
        assert!(parse_base_url("https://user:pw@api.example.com/v1").is_err());
        assert!(parse_base_url("ftp://api.example.com").is_err());
        assert!(parse_base_url("https://api.example.com/v1").is_ok());
    }
}
