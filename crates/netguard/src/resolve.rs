//! DNS resolution that only ever returns checked addresses.
//!
//! Refusing the whole answer when any address is forbidden (rather than
//! filtering) keeps a name that mixes a public and an internal address from
//! reaching the internal one through a client's fallback to the next address.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::error::GuardError;
use crate::policy::Policy;
use crate::url_check::check_parsed;

/// Resolves `host` and checks every answer against `policy`.
pub async fn resolve_checked(
    policy: &Policy,
    host: &str,
    port: u16,
) -> Result<Vec<SocketAddr>, GuardError> {
    // A bracketed or plain literal never needs DNS, and some resolvers would
    // answer for it without the checks below seeing the real address.
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>() {
        policy.check(ip)?;
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|source| GuardError::Resolve {
            host: host.to_owned(),
            source,
        })?
        .collect();
    if addrs.is_empty() {
        return Err(GuardError::NoAddresses {
            host: host.to_owned(),
        });
    }
    for addr in &addrs {
        if let Err(GuardError::Forbidden { addr, reason }) = policy.check(addr.ip()) {
            return Err(GuardError::ForbiddenByName {
                host: host.to_owned(),
                addr,
                reason,
            });
        }
    }
    Ok(addrs)
}

/// Checks a URL's destination, whether its host is a literal IP or a name,
/// and returns the addresses a client may connect to.
pub async fn resolve_url(policy: &Policy, url: &Url) -> Result<Vec<SocketAddr>, GuardError> {
    check_parsed(url)?;
    let port = url.port_or_known_default().unwrap_or(80);
    match url.host() {
        Some(Host::Ipv4(ip)) => {
            policy.check(IpAddr::V4(ip))?;
            Ok(vec![SocketAddr::new(IpAddr::V4(ip), port)])
        }
        Some(Host::Ipv6(ip)) => {
            policy.check(IpAddr::V6(ip))?;
            Ok(vec![SocketAddr::new(IpAddr::V6(ip), port)])
        }
        Some(Host::Domain(name)) => resolve_checked(policy, name, port).await,
        None => Err(crate::UrlError::MissingHost.into()),
    }
}

/// Checks a URL's destination before a request. Needed in addition to
/// [`GuardedResolver`] because reqwest connects to literal IP hosts directly.
pub async fn check_url(policy: &Policy, url: &Url) -> Result<(), GuardError> {
    resolve_url(policy, url).await.map(drop)
}

/// The part of [`check_url`] that needs no DNS: scheme, credentials and
/// literal IP hosts. A client whose resolver is a [`GuardedResolver`] needs only
/// this before each request, and so avoids resolving every name twice.
pub fn check_literal_host(policy: &Policy, url: &Url) -> Result<(), GuardError> {
    check_parsed(url)?;
    match url.host() {
        Some(Host::Ipv4(ip)) => policy.check(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => policy.check(IpAddr::V6(ip)),
        Some(Host::Domain(_)) => Ok(()),
        None => Err(crate::UrlError::MissingHost.into()),
    }
}

/// A reqwest resolver that applies the policy, so the connection goes to the
/// very address that was checked (no second lookup an attacker's DNS could
/// answer differently).
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    policy: Arc<Policy>,
}

impl GuardedResolver {
    pub fn new(policy: Arc<Policy>) -> Self {
        Self { policy }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0 tells reqwest to use the URL's port.
            let addrs = resolve_checked(&policy, &host, 0).await?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}
