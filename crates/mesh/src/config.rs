//! Reading configuration from the environment, once, at startup.
//!
//! Services build one typed `Config` from these helpers. In production a
//! missing, short or default-looking secret is refused with the variable's
//! name; in development a deterministic placeholder keeps `make dev`
//! zero-config while every process of the mesh still agrees on the value.

use std::fmt::Display;
use std::net::SocketAddr;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};

/// Minimum length of a production secret. 32 characters of random base64
/// carry well over 128 bits.
pub const MIN_SECRET_LEN: usize = 32;

/// Fragments that betray a placeholder copied from documentation.
const WEAK_SECRET_MARKERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "dev-only",
    "example",
    "default",
    "password",
    "secret",
    "insecure",
    "xxxxxxxx",
    "12345678",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name} is required but not set")]
    Missing { name: String },
    #[error("{name} is invalid: {reason}")]
    Invalid { name: String, reason: String },
    #[error("{name} is too weak for production: {reason}")]
    WeakSecret { name: String, reason: String },
}

impl ConfigError {
    pub fn invalid(name: &str, reason: impl Display) -> Self {
        Self::Invalid {
            name: name.to_owned(),
            reason: reason.to_string(),
        }
    }

    pub fn missing(name: &str) -> Self {
        Self::Missing {
            name: name.to_owned(),
        }
    }
}

/// Where a service runs. Production turns every development convenience off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

impl Environment {
    /// Reads `LOOKOUT_ENV` (`development`, the default, or `production`).
    pub fn from_env() -> Result<Self, ConfigError> {
        match env_string("LOOKOUT_ENV").as_deref() {
            None | Some("development") | Some("dev") => Ok(Self::Development),
            Some("production") | Some("prod") => Ok(Self::Production),
            Some(other) => Err(ConfigError::invalid(
                "LOOKOUT_ENV",
                format!("expected development or production, got {other:?}"),
            )),
        }
    }

    pub fn is_production(self) -> bool {
        self == Self::Production
    }
}

/// The variable's value, trimmed; unset and empty are the same.
pub fn env_string(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// Parses the variable, or returns `default` when it is unset.
pub fn env_parse<T>(name: &str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: Display,
{
    match env_string(name) {
        None => Ok(default),
        Some(raw) => raw
            .parse()
            .map_err(|error| ConfigError::invalid(name, error)),
    }
}

/// A socket address to listen on, e.g. `BROWSER_ADDR=0.0.0.0:50051`.
pub fn listen_addr(name: &str, default: &str) -> Result<SocketAddr, ConfigError> {
    let raw = env_string(name).unwrap_or_else(|| default.to_owned());
    raw.parse()
        .map_err(|error| ConfigError::invalid(name, format!("{error} (expected host:port)")))
}

/// A comma separated list; empty items are dropped.
pub fn env_list(name: &str) -> Vec<String> {
    env_string(name)
        .map(|raw| {
            raw.split(',')
                .map(|item| item.trim().to_owned())
                .filter(|item| !item.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// A secret that production requires to be present and strong.
///
/// In development a missing secret becomes a deterministic placeholder so
/// that separately started processes agree on it without configuration.
pub fn required_secret(name: &str, environment: Environment) -> Result<SecretString, ConfigError> {
    match env_string(name) {
        Some(value) => {
            if environment.is_production() {
                check_secret_strength(name, &value)?;
            }
            Ok(SecretString::from(value))
        }
        None if environment.is_production() => Err(ConfigError::missing(name)),
        None => Ok(development_secret(name)),
    }
}

/// The placeholder used for `name` in development. It is weak on purpose:
/// production refuses it.
pub fn development_secret(name: &str) -> SecretString {
    SecretString::from(format!(
        "dev-only-{}-not-for-production",
        name.to_ascii_lowercase().replace('_', "-")
    ))
}

/// Rejects short or placeholder-looking secrets.
pub fn check_secret_strength(name: &str, value: &str) -> Result<(), ConfigError> {
    if value.chars().count() < MIN_SECRET_LEN {
        return Err(ConfigError::WeakSecret {
            name: name.to_owned(),
            reason: format!("shorter than {MIN_SECRET_LEN} characters"),
        });
    }
    let lowered = value.to_ascii_lowercase();
    if let Some(marker) = WEAK_SECRET_MARKERS
        .iter()
        .find(|marker| lowered.contains(*marker))
    {
        return Err(ConfigError::WeakSecret {
            name: name.to_owned(),
            reason: format!("looks like a placeholder (contains {marker:?})"),
        });
    }
    let distinct: std::collections::HashSet<char> = value.chars().collect();
    if distinct.len() < 10 {
        return Err(ConfigError::WeakSecret {
            name: name.to_owned(),
            reason: "too few distinct characters".to_owned(),
        });
    }
    Ok(())
}

/// The keys sealing user secrets at rest (`SECRETS_KEYS`, see the
/// `secret-box` crate): required in production, a deterministic placeholder
/// in development.
pub fn secret_box(environment: Environment) -> Result<secret_box::SecretBox, ConfigError> {
    secret_box::SecretBox::from_env(environment.is_production()).map_err(|error| match error {
        secret_box::KeyringError::Missing => ConfigError::missing(secret_box::ENV_VAR),
        secret_box::KeyringError::Invalid(reason) => {
            ConfigError::invalid(secret_box::ENV_VAR, reason)
        }
    })
}

/// Convenience for checks on an already wrapped secret.
pub fn secret_is_strong(value: &SecretString) -> bool {
    check_secret_strength("secret", value.expose_secret()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_refused_with_the_variable_name() {
        let error = check_secret_strength("JWT_SECRET", "short").unwrap_err();
        assert_eq!(
            error.to_string(),
            "JWT_SECRET is too weak for production: shorter than 32 characters"
        );
    }

    #[test]
    fn placeholder_secrets_are_refused_even_when_long() {
        let placeholder = development_secret("JWT_SECRET");
        assert!(!secret_is_strong(&placeholder));
        assert!(check_secret_strength("X", "changeme-changeme-changeme-changeme").is_err());
    }

    #[test]
    fn random_looking_secrets_are_accepted() {
        assert!(check_secret_strength("X", "q8Vx1LzP0cR7mN2bT5yH3wK9sD4fG6jA").is_ok());
    }
}
