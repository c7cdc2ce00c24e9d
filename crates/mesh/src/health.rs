//! `grpc.health.v1.Health`, served by every service without an internal key
//! so that orchestrators can probe it.

use std::time::Duration;

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::health_server::Health;
use tonic_health::server::HealthReporter;

pub use tonic_health::pb::health_server::HealthServer;

/// A reporter whose overall status ("") starts as serving.
pub fn service() -> (HealthReporter, HealthServer<impl Health>) {
    tonic_health::server::health_reporter()
}

/// Asks the service at `url` for its overall health. Used by the
/// `healthcheck` subcommands and by the gateway's readiness check.
pub async fn probe(url: &str, timeout: Duration) -> Result<(), String> {
    let endpoint = tonic::transport::Endpoint::from_shared(url.to_owned())
        .map_err(|error| format!("invalid URL {url}: {error}"))?
        .connect_timeout(timeout)
        .timeout(timeout);
    let channel = endpoint
        .connect()
        .await
        .map_err(|error| format!("cannot connect to {url}: {error}"))?;
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map_err(|status| format!("health check failed: {}", status.message()))?;
    match response.into_inner().status() {
        ServingStatus::Serving => Ok(()),
        other => Err(format!("not serving: {}", other.as_str_name())),
    }
}

/// A health client on one lazily connected channel, kept for the process's
/// lifetime: repeated probes (the gateway's `/ready`) reuse its HTTP/2
/// connection instead of dialling the service each time.
#[derive(Clone, Debug)]
pub struct HealthProbe {
    client: HealthClient<tonic::transport::Channel>,
}

impl HealthProbe {
    /// Connects on first use; each check is bounded by `timeout`.
    pub fn lazy(url: &str, timeout: Duration) -> Result<Self, String> {
        let channel = tonic::transport::Endpoint::from_shared(url.to_owned())
            .map_err(|error| format!("invalid URL {url}: {error}"))?
            .connect_timeout(timeout)
            .timeout(timeout)
            .connect_lazy();
        Ok(Self {
            client: HealthClient::new(channel),
        })
    }

    /// The service's overall health.
    pub async fn check(&self) -> Result<(), String> {
        let response = self
            .client
            .clone()
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .map_err(|status| format!("health check failed: {}", status.message()))?;
        match response.into_inner().status() {
            ServingStatus::Serving => Ok(()),
            other => Err(format!("not serving: {}", other.as_str_name())),
        }
    }
}

/// The URL to probe for a service listening on `addr`: a wildcard address
/// is probed on loopback.
pub fn local_url(addr: std::net::SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        match addr {
            std::net::SocketAddr::V4(_) => "127.0.0.1".to_owned(),
            std::net::SocketAddr::V6(_) => "[::1]".to_owned(),
        }
    } else {
        match addr {
            std::net::SocketAddr::V4(v4) => v4.ip().to_string(),
            std::net::SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
        }
    };
    format!("http://{host}:{}", addr.port())
}
