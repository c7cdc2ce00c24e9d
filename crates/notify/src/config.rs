//! Settings read once from the environment and validated before anything starts.
//!
//! Each variable, its default and its meaning are documented once, in the
//! README's configuration reference (a test keeps the two in step).

use std::net::SocketAddr;
use std::time::Duration;

use lettre::message::Mailbox;
use mesh::config::{ConfigError, Environment, env_parse, env_string, listen_addr};
use mesh::internal_auth::InternalKeys;
use netguard::Policy;
use secrecy::SecretString;

use crate::domain::EmailAddress;
use crate::email::transport::{CA_FILE_VARIABLE, SmtpSettings};

pub const DEFAULT_ADDR: &str = "127.0.0.1:50053";
const DEFAULT_SMTP_URL: &str = "smtp://127.0.0.1:1025";
const DEFAULT_FROM: &str = "Lookout <alerts@lookout.local>";
const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
const DEFAULT_PUBLIC_BASE_URL: &str = "http://localhost:8080/";
const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org/";

#[derive(Debug)]
pub struct Config {
    pub environment: Environment,
    pub addr: SocketAddr,
    pub smtp: SmtpSettings,
    /// The `From` of every email; a display name is allowed here (operator input).
    pub from: Mailbox,
    /// May contain the Redis password; `rediss://` for TLS.
    pub redis_url: SecretString,
    /// REDIS_CA_FILE: the CA a `rediss://` server's certificate chains to.
    pub redis_ca_file: Option<std::path::PathBuf>,
    /// Private networks webhooks may reach anyway (tests, a docker network).
    pub webhook_policy: Policy,
    /// Resolves relative links to checks and the "manage channels" link.
    pub public_base_url: url::Url,
    /// Telegram's Bot API root; a self-hosted Bot API server (or a test's
    /// local one) replaces it. Still subject to the SSRF policy.
    pub telegram_api_url: url::Url,
    pub internal_keys: InternalKeys,
    /// A delivery's claim in the idempotency ledger lives this long unless
    /// the attempt renews it (a third of it at a time). A notify killed
    /// mid-send frees the key after at most this long, so the retry waits
    /// no longer; a repeat is possible only if the receiver had the message.
    pub claim_ttl: Duration,
    /// GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE: serve gRPC over TLS.
    /// How long the service serves on after the stop signal while
    /// reporting `NOT_SERVING` (`SHUTDOWN_DRAIN_SECONDS`).
    pub shutdown_drain: std::time::Duration,
    pub tls: Option<mesh::tls::ServerTls>,
}

/// Long enough that a Redis hiccup does not let a live claim lapse.
const MIN_CLAIM_TTL: Duration = Duration::from_millis(1500);

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let environment = Environment::from_env()?;
        Ok(Self {
            environment,
            addr: listen_addr("NOTIFY_ADDR", DEFAULT_ADDR)?,
            smtp: with_private_ca(
                SmtpSettings::parse(
                    production_required("SMTP_URL", DEFAULT_SMTP_URL, environment)?,
                    environment,
                )?,
                env_string(CA_FILE_VARIABLE).as_deref(),
            )?,
            from: parse_from(
                &env_string("NOTIFICATION_EMAIL").unwrap_or_else(|| DEFAULT_FROM.to_owned()),
            )?,
            redis_url: production_required("REDIS_URL", DEFAULT_REDIS_URL, environment)?,
            redis_ca_file: mesh::redis::ca_file_from_env()?,
            webhook_policy: Policy::from_env(environment.is_production())
                .map_err(|error| ConfigError::invalid(netguard::settings::ALLOW_NETWORKS, error))?,
            public_base_url: parse_base_url(
                &env_string("PUBLIC_BASE_URL")
                    .unwrap_or_else(|| DEFAULT_PUBLIC_BASE_URL.to_owned()),
            )?,
            telegram_api_url: parse_api_url(
                "TELEGRAM_API_URL",
                &env_string("TELEGRAM_API_URL")
                    .unwrap_or_else(|| DEFAULT_TELEGRAM_API_URL.to_owned()),
            )?,
            internal_keys: InternalKeys::from_env(environment)?,
            claim_ttl: claim_ttl(env_parse("NOTIFY_CLAIM_TTL_MS", 10_000)?)?,
            shutdown_drain: mesh::shutdown::drain_from_env(environment)?,
            tls: mesh::tls::ServerTls::from_env()?,
        })
    }
}

fn claim_ttl(millis: u64) -> Result<Duration, ConfigError> {
    let ttl = Duration::from_millis(millis);
    if ttl < MIN_CLAIM_TTL || ttl > Duration::from_secs(600) {
        return Err(ConfigError::invalid(
            "NOTIFY_CLAIM_TTL_MS",
            "must be between 1500 and 600000",
        ));
    }
    Ok(ttl)
}

/// A connection URL that has a development default but must be configured in
/// production. Wrapped as a secret because it may hold a password.
fn production_required(
    name: &str,
    default: &str,
    environment: Environment,
) -> Result<SecretString, ConfigError> {
    match env_string(name) {
        Some(value) => Ok(SecretString::from(value)),
        None if environment.is_production() => Err(ConfigError::missing(name)),
        None => Ok(SecretString::from(default.to_owned())),
    }
}

/// Adds the certificates of `SMTP_CA_FILE`, when set, to the SMTP trust roots.
pub fn with_private_ca(
    smtp: SmtpSettings,
    ca_file: Option<&str>,
) -> Result<SmtpSettings, ConfigError> {
    let Some(path) = ca_file else {
        return Ok(smtp);
    };
    // The path is configuration, not a secret, and tells the operator which file.
    let pem = std::fs::read(path).map_err(|error| {
        ConfigError::invalid(CA_FILE_VARIABLE, format!("cannot read {path}: {error}"))
    })?;
    smtp.with_private_ca(&pem)
}

pub fn parse_from(raw: &str) -> Result<Mailbox, ConfigError> {
    let name = "NOTIFICATION_EMAIL";
    if raw.chars().any(char::is_control) {
        return Err(ConfigError::invalid(name, "must be one line"));
    }
    let mailbox: Mailbox = raw.parse().map_err(|_| {
        ConfigError::invalid(
            name,
            "expected an address such as Lookout <alerts@example.com>",
        )
    })?;
    // The address part gets the same strict check as recipients.
    EmailAddress::parse(mailbox.email.as_ref(), "NOTIFICATION_EMAIL")
        .map_err(|error| ConfigError::invalid(name, error.reason))?;
    Ok(mailbox)
}

/// An http(s) API root without credentials, query or fragment.
pub fn parse_api_url(name: &str, raw: &str) -> Result<url::Url, ConfigError> {
    let url = netguard::parse_url(raw).map_err(|error| ConfigError::invalid(name, error))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::invalid(
            name,
            "must not have a query or fragment",
        ));
    }
    Ok(url)
}

fn parse_base_url(raw: &str) -> Result<url::Url, ConfigError> {
    let name = "PUBLIC_BASE_URL";
    let mut url = url::Url::parse(raw).map_err(|error| ConfigError::invalid(name, error))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::invalid(name, "must be an http(s) URL"));
    }
    // `Url::join` replaces the last path segment unless the path ends in '/'.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sender_may_have_a_display_name_but_not_a_second_line() {
        assert!(parse_from("Lookout <alerts@lookout.local>").is_ok());
        assert!(parse_from("alerts@example.com").is_ok());
        assert!(parse_from("Lookout <alerts@example.com>\r\nBcc: x@example.com").is_err());
        assert!(parse_from("not an address").is_err());
    }

    fn smtps() -> SmtpSettings {
        SmtpSettings::parse(
            SecretString::from("smtps://user:hunter2@mail.example.com".to_owned()),
            Environment::Production,
        )
        .unwrap()
    }

    #[test]
    fn a_missing_ca_file_is_refused_by_variable_and_path_without_the_password() {
        let message = with_private_ca(smtps(), Some("/nonexistent/lookout-ca.pem"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("SMTP_CA_FILE"), "{message}");
        assert!(message.contains("/nonexistent/lookout-ca.pem"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn a_ca_file_without_a_usable_certificate_is_refused() {
        let garbage_inside =
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
        for pem in ["", "just some text\n", garbage_inside] {
            let message = smtps()
                .with_private_ca(pem.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(message.contains("SMTP_CA_FILE"), "{pem:?}: {message}");
        }
    }

    #[test]
    fn no_ca_file_leaves_the_settings_alone() {
        assert!(with_private_ca(smtps(), None).is_ok());
    }

    #[test]
    fn the_base_url_always_ends_in_a_slash() {
        let url = parse_base_url("https://lookout.example.com/app").unwrap();
        assert_eq!(
            url.join("channels").unwrap().as_str(),
            "https://lookout.example.com/app/channels"
        );
    }
}
