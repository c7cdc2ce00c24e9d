//! The allow-list: networks a deployment deliberately opens, typically the
//! loopback test site in tests or a docker network in development.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::classify::{classify, embedded_ipv4};
use crate::error::{GuardError, PolicyError};

/// What destinations are acceptable. The default refuses every non-public range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Networks opened on purpose. Cloud metadata addresses stay refused even
    /// when covered (see [`crate::ForbiddenReason::can_be_allow_listed`]).
    allow: Vec<IpNet>,
}

impl Policy {
    /// Refuse every non-public destination.
    pub fn strict() -> Self {
        Self::default()
    }

    pub fn with_allowed(allow: Vec<IpNet>) -> Self {
        Self { allow }
    }

    /// Parses a comma-separated CIDR list such as `ALLOW_NETWORKS`
    /// (`"127.0.0.1/32, 172.18.0.0/16"`). A bare address means that one host.
    pub fn from_allow_list(list: &str) -> Result<Self, PolicyError> {
        let mut allow = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let net = entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| PolicyError {
                    entry: entry.to_owned(),
                })?;
            allow.push(net);
        }
        Ok(Self { allow })
    }

    pub fn allowed_networks(&self) -> &[IpNet] {
        &self.allow
    }

    /// `Ok(())` when a connection to `addr` is acceptable.
    pub fn check(&self, addr: IpAddr) -> Result<(), GuardError> {
        match classify(addr) {
            Ok(()) => Ok(()),
            Err(reason) if reason.can_be_allow_listed() && self.is_allow_listed(addr) => Ok(()),
            Err(reason) => Err(GuardError::Forbidden { addr, reason }),
        }
    }

    fn is_allow_listed(&self, addr: IpAddr) -> bool {
        let covered = |ip: IpAddr| self.allow.iter().any(|net| net.contains(&ip));
        if covered(addr) {
            return true;
        }
        // Judge ::ffff:127.0.0.1 by the entry for 127.0.0.1, as the classifier
        // does: every embedded address must be public or covered.
        match addr {
            IpAddr::V6(v6) => {
                let embedded = embedded_ipv4(v6);
                !embedded.is_empty()
                    && embedded.into_iter().all(|v4| {
                        let v4 = IpAddr::V4(v4);
                        classify(v4).is_ok() || covered(v4)
                    })
            }
            IpAddr::V4(_) => false,
        }
    }
}
