//! `TRUSTED_HOSTS`: the names this deployment answers to. A request for
//! another host (DNS rebinding, a misrouted or spoofed `Host`) gets 400.

use axum::http::Request;

#[derive(Debug, Clone, Default)]
pub struct TrustedHosts(Vec<String>);

impl TrustedHosts {
    /// Lowercase names, `*.example.com` for any subdomain; empty allows all.
    pub fn new(hosts: Vec<String>) -> Self {
        Self(hosts)
    }

    pub fn allows<B>(&self, request: &Request<B>) -> bool {
        if self.0.is_empty() {
            return true;
        }
        // HTTP/2 carries the host in the URI, HTTP/1.1 in the header.
        let host = request.uri().host().map(str::to_owned).or_else(|| {
            request
                .headers()
                .get(axum::http::header::HOST)
                .and_then(|value| value.to_str().ok())
                .map(strip_port)
        });
        let Some(host) = host else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        self.0.iter().any(|allowed| matches(allowed, &host))
    }
}

fn strip_port(host: &str) -> String {
    if let Some(rest) = host.strip_prefix('[') {
        // [v6]:port
        return rest.split(']').next().unwrap_or(rest).to_owned();
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|byte| byte.is_ascii_digit()))
        .map_or(host, |(name, _)| name)
        .to_owned()
}

fn matches(allowed: &str, host: &str) -> bool {
    match allowed.strip_prefix("*.") {
        Some(parent) => host
            .strip_suffix(parent)
            .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
        None => allowed == host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(host: &str) -> Request<()> {
        Request::builder()
            .uri("/api/v1/me")
            .header("host", host)
            .body(())
            .unwrap()
    }

    #[test]
    fn listed_hosts_pass_with_or_without_a_port() {
        let hosts = TrustedHosts::new(vec!["lookout.example.com".to_owned()]);
        assert!(hosts.allows(&request("lookout.example.com")));
        assert!(hosts.allows(&request("LOOKOUT.example.com:443")));
        assert!(!hosts.allows(&request("evil.example")));
    }

    #[test]
    fn wildcards_cover_subdomains_only() {
        let hosts = TrustedHosts::new(vec!["*.example.com".to_owned()]);
        assert!(hosts.allows(&request("a.example.com")));
        assert!(!hosts.allows(&request("example.com")));
        assert!(!hosts.allows(&request("aexample.com")));
    }
}
