//! Settings read once from the environment and validated.
//!
//! Each variable, its default and its meaning are documented once, in the
//! README's configuration reference (a test keeps the two in step).

use std::net::SocketAddr;

use mesh::config::{
    ConfigError, Environment, env_list, env_parse, env_string, listen_addr, required_secret,
};
use netguard::Policy;
use secrecy::SecretString;
use secret_box::SecretBox;
use url::Url;

use crate::edge::settings::EdgeSettings;

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/lookout";
const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
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
    /// How long the gateway serves on after the stop signal while `/ready`
    /// answers 503 (`SHUTDOWN_DRAIN_SECONDS`).
    pub shutdown_drain: std::time::Duration,
    pub addr: SocketAddr,
    /// May hold a password, hence secret.
    pub database_url: SecretString,
    pub database_max_connections: usize,
    /// Rate limits, denylist and sign-in state; every replica shares it.
    /// `rediss://` for TLS.
    pub redis_url: SecretString,
    /// REDIS_CA_FILE: the CA a `rediss://` server's certificate chains to.
    pub redis_ca_file: Option<std::path::PathBuf>,
    pub jwt_secret: SecretString,
    pub jwt_issuer: String,
    /// Presented to internal services as `x-internal-api-key`.
    pub internal_api_key: SecretString,
    /// Seals monitor header values at rest (`SECRETS_KEYS`).
    pub secret_box: SecretBox,
    /// Verifies the rating links the scheduler signs into alerts (`ALERT_RATING_KEY`).
    pub alert_rating_key: SecretString,
    pub browser_url: String,
    pub llm_url: String,
    pub notify_url: String,
    /// GRPC_TLS_CA_FILE: reach the internal services over TLS (`https://` URLs).
    pub peer_tls: Option<mesh::tls::ClientTls>,
    /// The destinations monitor and webhook URLs may point at: the same
    /// policy the browser applies at fetch time, so a monitor accepted here
    /// is not refused there for its address.
    pub destination_policy: Policy,
    /// Rate limits, CORS, trusted hosts and proxies, timeouts, metrics.
    pub edge: EdgeSettings,
    pub monitor_min_interval_seconds: u32,
    /// Per-team quota defaults and the hourly cap on test sends.
    pub quotas: crate::quotas::QuotaSettings,
    pub public_base_url: Url,
    /// Sign-in, sessions, API keys and admin settings.
    pub identity: IdentityConfig,
    /// Where check screenshots are kept (`BLOB_STORE_*`, the scheduler's values).
    pub blob_store: blob_store::BlobStoreConfig,
}

/// What sign-in and authorization need.
#[derive(Debug, Clone)]
pub struct IdentityConfig {
    /// `kid` of the current signing key (`JWT_SECRET`).
    pub jwt_key_id: String,
    /// Keys still accepted for verification during a rotation, by `kid`.
    pub jwt_previous_secrets: Vec<(String, SecretString)>,
    /// `None` when no client is configured (development only): sign-in
    /// then answers 503, nothing else changes.
    pub oidc: Option<OidcConfig>,
    /// Lower-case domains; empty allows any.
    pub allowed_email_domains: Vec<String>,
    /// Lower-case addresses allowed whatever their domain.
    pub allowed_emails: Vec<String>,
    /// Lower-case addresses of administrators.
    pub admin_emails: Vec<String>,
    /// Origins besides `PUBLIC_BASE_URL`'s allowed to send cookie-authenticated writes.
    pub extra_origins: Vec<String>,
    /// Absolute lifetime of a session: refreshing never extends it past this.
    pub session_lifetime: std::time::Duration,
    /// Identity asserted by a trusted reverse proxy (`AUTH_PROXY_MODE`); off when `None`.
    pub proxy: Option<crate::auth::proxy::ProxySettings>,
}

impl Default for IdentityConfig {
    /// Development defaults: no provider, no restrictions.
    fn default() -> Self {
        Self {
            jwt_key_id: crate::auth::tokens::DEFAULT_KEY_ID.to_owned(),
            jwt_previous_secrets: Vec::new(),
            oidc: None,
            allowed_email_domains: Vec::new(),
            allowed_emails: Vec::new(),
            admin_emails: Vec::new(),
            extra_origins: Vec::new(),
            session_lifetime: std::time::Duration::from_secs(DEFAULT_SESSION_DAYS * 86_400),
            proxy: None,
        }
    }
}

/// Our client registration at the OpenID provider.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_url: Url,
    /// How long discovered metadata and signing keys are trusted before
    /// they are fetched again: the longest a key the provider retired
    /// keeps being accepted.
    pub metadata_ttl: std::time::Duration,
    /// Treat an email as verified when the provider sends no
    /// `email_verified` at all (Microsoft Entra, some enterprise IdPs). An
    /// explicit `false` is refused regardless.
    pub assume_email_verified: bool,
}

const DEFAULT_OIDC_ISSUER: &str = "https://accounts.google.com";
/// Providers publish a new key well before signing with it and keep a
/// retired one published for a while; 15 minutes rides on that without
/// asking the provider on every sign-in.
const DEFAULT_OIDC_METADATA_TTL_SECONDS: u64 = 900;
/// A day: longer would trust a retired key for too long.
const MAX_OIDC_METADATA_TTL_SECONDS: u64 = 86_400;
const DEFAULT_SESSION_DAYS: u64 = 30;

impl IdentityConfig {
    /// `trusted_proxies`: whether `TRUSTED_PROXIES` lists any (the proxy's
    /// header mode needs them).
    pub fn from_env(
        environment: Environment,
        public_base_url: &Url,
        trusted_proxies: bool,
    ) -> Result<Self, ConfigError> {
        let jwt_key_id = env_string("JWT_SECRET_ID")
            .unwrap_or_else(|| crate::auth::tokens::DEFAULT_KEY_ID.to_owned());
        if !is_key_id(&jwt_key_id) {
            return Err(ConfigError::invalid(
                "JWT_SECRET_ID",
                "use 1 to 64 letters, digits, '-', '_' or '.'",
            ));
        }
        let mut jwt_previous_secrets = Vec::new();
        for entry in env_list("JWT_PREVIOUS_SECRETS") {
            let Some((kid, secret)) = entry.split_once(':') else {
                return Err(ConfigError::invalid(
                    "JWT_PREVIOUS_SECRETS",
                    "expected kid:secret entries separated by commas",
                ));
            };
            if !is_key_id(kid) || kid == jwt_key_id {
                return Err(ConfigError::invalid(
                    "JWT_PREVIOUS_SECRETS",
                    "each kid must be valid and differ from JWT_SECRET_ID",
                ));
            }
            if environment.is_production() {
                mesh::config::check_secret_strength("JWT_PREVIOUS_SECRETS", secret)?;
            }
            jwt_previous_secrets.push((kid.to_owned(), SecretString::from(secret.to_owned())));
        }
        let proxy = crate::auth::proxy::ProxySettings::from_env(environment, trusted_proxies)?;
        let oidc = match env_string("GOOGLE_CLIENT_ID") {
            Some(client_id) => {
                // Issued by the provider, not chosen by us: required, but
                // not held to our own strength rules (Google's start with
                // a fixed prefix that would look like a placeholder).
                let client_secret = env_string("GOOGLE_CLIENT_SECRET")
                    .map(SecretString::from)
                    .ok_or_else(|| ConfigError::missing("GOOGLE_CLIENT_SECRET"))?;
                let issuer_url =
                    env_string("OIDC_ISSUER_URL").unwrap_or_else(|| DEFAULT_OIDC_ISSUER.to_owned());
                let issuer = Url::parse(&issuer_url)
                    .map_err(|error| ConfigError::invalid("OIDC_ISSUER_URL", error))?;
                if environment.is_production() && issuer.scheme() != "https" {
                    return Err(ConfigError::invalid(
                        "OIDC_ISSUER_URL",
                        "must be https in production",
                    ));
                }
                let redirect_url = match env_string("OIDC_REDIRECT_URL") {
                    Some(url) => Url::parse(&url)
                        .map_err(|error| ConfigError::invalid("OIDC_REDIRECT_URL", error))?,
                    None => public_base_url
                        .join("/auth/google/callback")
                        .map_err(|error| ConfigError::invalid("PUBLIC_BASE_URL", error))?,
                };
                let ttl_seconds = env_parse(
                    "OIDC_METADATA_TTL_SECONDS",
                    DEFAULT_OIDC_METADATA_TTL_SECONDS,
                )?;
                if ttl_seconds > MAX_OIDC_METADATA_TTL_SECONDS {
                    return Err(ConfigError::invalid(
                        "OIDC_METADATA_TTL_SECONDS",
                        format!("must be at most {MAX_OIDC_METADATA_TTL_SECONDS}"),
                    ));
                }
                Some(OidcConfig {
                    issuer_url,
                    client_id,
                    client_secret,
                    redirect_url,
                    metadata_ttl: std::time::Duration::from_secs(ttl_seconds),
                    assume_email_verified: env_parse("OIDC_ASSUME_EMAIL_VERIFIED", false)?,
                })
            }
            // Behind an identity-aware proxy no sign-in of our own is needed.
            None if environment.is_production() && proxy.is_none() => {
                return Err(ConfigError::missing("GOOGLE_CLIENT_ID"));
            }
            None => None,
        };
        let session_days = env_parse("SESSION_LIFETIME_DAYS", DEFAULT_SESSION_DAYS)?;
        if !(1..=365).contains(&session_days) {
            return Err(ConfigError::invalid(
                "SESSION_LIFETIME_DAYS",
                "must be between 1 and 365",
            ));
        }
        Ok(Self {
            jwt_key_id,
            jwt_previous_secrets,
            oidc,
            allowed_email_domains: lower_list("ALLOWED_EMAIL_DOMAINS"),
            allowed_emails: lower_list("ALLOWED_EMAILS"),
            admin_emails: lower_list("ADMIN_EMAILS"),
            extra_origins: env_list("CORS_ORIGINS")
                .into_iter()
                .map(|origin| origin.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
            session_lifetime: std::time::Duration::from_secs(session_days * 86_400),
            proxy,
        })
    }
}

fn is_key_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn lower_list(name: &str) -> Vec<String> {
    env_list(name)
        .into_iter()
        .map(|value| value.trim().to_ascii_lowercase())
        .filter(|value| !value.is_empty())
        .collect()
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
        let redis_url = match env_string("REDIS_URL") {
            Some(url) => SecretString::from(url),
            None if environment.is_production() => return Err(ConfigError::missing("REDIS_URL")),
            None => SecretString::from(DEFAULT_REDIS_URL.to_owned()),
        };
        let destination_policy = Policy::from_env(environment.is_production())
            .map_err(|error| ConfigError::invalid(netguard::settings::ALLOW_NETWORKS, error))?;
        let explicit_base_url = env_string("PUBLIC_BASE_URL");
        let public_base_url = Url::parse(
            explicit_base_url
                .as_deref()
                .unwrap_or(&format!("http://{DEFAULT_ADDR}")),
        )
        .map_err(|error| ConfigError::invalid("PUBLIC_BASE_URL", error))?;
        let mut edge = EdgeSettings::from_env(environment)?;
        edge.trusted_hosts = trusted_hosts(
            std::mem::take(&mut edge.trusted_hosts),
            environment,
            explicit_base_url.is_some().then_some(&public_base_url),
        )?;
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
        // The mesh's own secrets are named before the sign-in settings: a
        // weak or missing one is the more urgent thing to fix.
        let jwt_secret = required_secret("JWT_SECRET", environment)?;
        let internal_api_key =
            mesh::internal_auth::caller_key(mesh::internal_auth::GATEWAY, environment)?;
        let secret_box = mesh::config::secret_box(environment)?;
        let alert_rating_key = required_secret("ALERT_RATING_KEY", environment)?;
        let identity = IdentityConfig::from_env(
            environment,
            &public_base_url,
            !edge.trusted_proxies.is_empty(),
        )?;
        Ok(Self {
            environment,
            shutdown_drain: mesh::shutdown::drain_from_env(environment)?,
            addr: Self::addr_from_env()?,
            database_url,
            database_max_connections,
            redis_url,
            redis_ca_file: mesh::redis::ca_file_from_env()?,
            jwt_secret,
            jwt_issuer: env_string("JWT_ISSUER").unwrap_or_else(|| DEFAULT_ISSUER.to_owned()),
            internal_api_key,
            secret_box,
            alert_rating_key,
            browser_url: service_url("BROWSER_URL", "http://127.0.0.1:50051")?,
            llm_url: service_url("LLM_URL", "http://127.0.0.1:50052")?,
            notify_url: service_url("NOTIFY_URL", "http://127.0.0.1:50053")?,
            peer_tls: mesh::tls::ClientTls::from_env()?,
            destination_policy,
            edge,
            monitor_min_interval_seconds,
            quotas: crate::quotas::QuotaSettings::from_env()?,
            identity,
            public_base_url,
            blob_store: blob_store::BlobStoreConfig::from_env(environment)?,
        })
    }

    /// Only the listen address, for `healthcheck`: probing must not depend on
    /// the secrets being readable.
    pub fn addr_from_env() -> Result<SocketAddr, ConfigError> {
        listen_addr("GATEWAY_ADDR", DEFAULT_ADDR)
    }
}

/// `TRUSTED_HOSTS` when set. In production it defaults to the host of
/// `PUBLIC_BASE_URL`, and with neither the gateway refuses to start: a
/// gateway answering any `Host` lets a look-alike name serve our pages and
/// poisons links built from the host. Development keeps "any host" so the
/// UI's dev server and tools can reach it under any name.
fn trusted_hosts(
    configured: Vec<String>,
    environment: Environment,
    public_base_url: Option<&Url>,
) -> Result<Vec<String>, ConfigError> {
    if !configured.is_empty() || !environment.is_production() {
        return Ok(configured);
    }
    match public_base_url.and_then(Url::host_str) {
        Some(host) => Ok(vec![host.to_ascii_lowercase()]),
        None => Err(ConfigError::invalid(
            "TRUSTED_HOSTS",
            "required in production: list the public host names, or set PUBLIC_BASE_URL \
             whose host it defaults to",
        )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_trusts_the_public_base_url_host_when_no_hosts_are_listed() {
        let base = Url::parse("https://Lookout.Example.com:8443/app").unwrap();
        assert_eq!(
            trusted_hosts(Vec::new(), Environment::Production, Some(&base)).unwrap(),
            ["lookout.example.com"]
        );
        assert_eq!(
            trusted_hosts(
                vec!["a.example".to_owned()],
                Environment::Production,
                Some(&base)
            )
            .unwrap(),
            ["a.example"],
            "a listed value wins"
        );
    }

    #[test]
    fn production_without_trusted_hosts_or_public_base_url_refuses_to_start() {
        let error = trusted_hosts(Vec::new(), Environment::Production, None).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("TRUSTED_HOSTS is invalid: required in production")
        );
    }

    #[test]
    fn development_accepts_any_host_unless_hosts_are_listed() {
        let base = Url::parse("http://127.0.0.1:8080").unwrap();
        assert!(
            trusted_hosts(Vec::new(), Environment::Development, Some(&base))
                .unwrap()
                .is_empty()
        );
    }
}
