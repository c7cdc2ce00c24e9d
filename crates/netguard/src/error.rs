//! Errors whose `Display` text can be shown to the user as is: they name the
//! destination the user typed and the reason, and never anything internal.
//! In particular a refused *name* never shows what it resolved to: that
//! would map the deployment's internal DNS for whoever asks.

use std::net::IpAddr;

use crate::classify::ForbiddenReason;

/// A destination was refused or could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("destination {addr} {reason}")]
    Forbidden {
        addr: IpAddr,
        reason: ForbiddenReason,
    },
    /// `addr` and `reason` are for logs and tests, never for the message.
    #[error("destination {host} is not allowed")]
    ForbiddenByName {
        host: String,
        addr: IpAddr,
        reason: ForbiddenReason,
    },
    #[error("could not resolve host {host}: {source}")]
    Resolve {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("host {host} has no addresses")]
    NoAddresses { host: String },
    #[error(transparent)]
    Url(#[from] UrlError),
}

impl GuardError {
    /// True when the destination itself is refused, as opposed to DNS failing.
    pub fn is_forbidden(&self) -> bool {
        matches!(
            self,
            GuardError::Forbidden { .. } | GuardError::ForbiddenByName { .. }
        )
    }
}

/// Why a user-supplied URL is not acceptable before any network access.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("url is empty")]
    Empty,
    #[error("url is longer than {max} characters")]
    TooLong { max: usize },
    #[error("url is not valid: {0}")]
    Invalid(#[from] url::ParseError),
    #[error("url scheme must be http or https, not {0:?}")]
    UnsupportedScheme(String),
    #[error("url has no host")]
    MissingHost,
    #[error("url must not contain a user name or password")]
    Credentials,
}

/// An allow-list entry that is not a network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry:?} is not a network in CIDR notation (for example 127.0.0.1/32)")]
pub struct PolicyError {
    pub entry: String,
}
