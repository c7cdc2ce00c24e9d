//! Whether a user-supplied URL may be fetched or posted to: parsed by
//! netguard (http/https only, no credentials) and its destination checked
//! against the deployment's policy, resolving names as the browser would.
//!
//! The browser and notify check again at connection time (DNS can change);
//! this check exists so that a user learns at creation time, in plain words.

use std::net::SocketAddr;
use std::time::Duration;

use netguard::{GuardError, Policy};
use url::Url;

/// Name resolution for validation must not hold a request for long.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

/// The parsed URL and the addresses its host resolves to, all acceptable.
pub async fn checked_destination(
    policy: &Policy,
    input: &str,
) -> Result<(Url, Vec<SocketAddr>), String> {
    let url = netguard::parse_url(input).map_err(|error| error.to_string())?;
    let addrs = tokio::time::timeout(RESOLVE_TIMEOUT, netguard::resolve_url(policy, &url))
        .await
        .map_err(|_| format!("resolving {} took too long", host_of(&url)))?
        .map_err(|error| describe(&url, &error))?;
    Ok((url, addrs))
}

fn host_of(url: &Url) -> &str {
    url.host_str().unwrap_or_default()
}

fn describe(url: &Url, error: &GuardError) -> String {
    match error {
        // The resolver's own message (errno text) says nothing useful to a user.
        GuardError::Resolve { .. } => format!("host {} could not be resolved", host_of(url)),
        other => other.to_string(),
    }
}
