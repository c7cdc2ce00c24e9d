//! Who is on the other end: the socket peer, or the client a trusted proxy
//! names in `X-Forwarded-For`.
//!
//! Only proxies listed in `TRUSTED_PROXIES` are believed: anyone else could
//! write any address in the header and dodge per-IP rate limits or forge
//! audit entries. The header is read from the right (the address the
//! nearest proxy saw), skipping our own proxies; the first untrusted hop is
//! the client.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client's address, in request extensions for every request.
///
/// Audit entries, sign-in throttling and anything else that needs "who
/// called" reads it with `request.extensions().get::<ClientIp>()` (or the
/// `Extension<ClientIp>` extractor); it is already resolved through
/// `TRUSTED_PROXIES`, so never read `X-Forwarded-For` yourself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|network| network.contains(&ip))
    }

    pub fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer.ip());
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        // Several X-Forwarded-For headers are one list, in order.
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>().map(canonical) else {
                // A malformed hop ends what we can believe.
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }

    pub fn forwarded_https(&self, peer: SocketAddr, headers: &HeaderMap) -> bool {
        self.trusts(peer.ip())
            && headers
                .get("x-forwarded-proto")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.split(',').next())
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
    }
}

/// `::ffff:10.0.0.1` and `10.0.0.1` are one client.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", forwarded.parse().unwrap());
        headers
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()])
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let peer: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        assert_eq!(
            proxies().client_ip(peer, &headers("1.2.3.4")),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let peer: SocketAddr = "10.0.0.2:5000".parse().unwrap();
        assert_eq!(
            proxies().client_ip(peer, &headers("6.6.6.6, 198.51.100.7, 10.0.0.3")),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn a_mapped_ipv6_peer_is_matched_as_ipv4() {
        let peer: SocketAddr = "[::ffff:10.0.0.2]:5000".parse().unwrap();
        assert_eq!(
            proxies().client_ip(peer, &headers("198.51.100.7")),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
    }
}
