//! Redis clients, over TLS when the URL says `rediss://`: a managed Redis
//! or one across a network that is not private. The server's certificate
//! is checked against `REDIS_CA_FILE` when set, else the system's roots.

use std::path::{Path, PathBuf};

use ::redis::{ErrorKind, RedisError};
use secrecy::{ExposeSecret, SecretString};

use crate::config::{ConfigError, env_string};

pub const CA_FILE_VAR: &str = "REDIS_CA_FILE";

/// `REDIS_CA_FILE`, checked to be readable now rather than at the first
/// connection.
pub fn ca_file_from_env() -> Result<Option<PathBuf>, ConfigError> {
    let Some(path) = env_string(CA_FILE_VAR).map(PathBuf::from) else {
        return Ok(None);
    };
    std::fs::metadata(&path).map_err(|error| {
        ConfigError::invalid(CA_FILE_VAR, format!("{}: {error}", path.display()))
    })?;
    Ok(Some(path))
}

/// A client for `url`; with `ca_file` the URL must be `rediss://`, so that a
/// CA meant to protect the connection never sits beside a plain-text one.
pub fn client(url: &SecretString, ca_file: Option<&Path>) -> Result<::redis::Client, RedisError> {
    let url = url.expose_secret();
    let Some(ca_file) = ca_file else {
        return ::redis::Client::open(url);
    };
    if !url.starts_with("rediss://") {
        return Err(RedisError::from((
            ErrorKind::InvalidClientConfig,
            "REDIS_CA_FILE is set, so REDIS_URL must start with rediss://",
        )));
    }
    let root_cert = std::fs::read(ca_file).map_err(|error| {
        RedisError::from((
            ErrorKind::InvalidClientConfig,
            "REDIS_CA_FILE cannot be read",
            format!("{}: {error}", ca_file.display()),
        ))
    })?;
    ::redis::Client::build_with_tls(
        url,
        ::redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(root_cert),
        },
    )
}
