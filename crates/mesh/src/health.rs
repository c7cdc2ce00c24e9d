//! `grpc.health.v1.Health`, served by every service without an internal key
//! so that orchestrators can probe it.

use std::time::Duration;

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::health_server::Health;

use crate::tls::ClientTls;

pub use tonic_health::pb::health_server::HealthServer;
pub use tonic_health::server::HealthReporter;

/// A reporter whose overall status ("") starts as serving.
pub fn service() -> (HealthReporter, HealthServer<impl Health>) {
    tonic_health::server::health_reporter()
}

/// Asks the service at `url` for its overall health. Used by the
/// `healthcheck` subcommands and by the gateway's readiness check.
pub async fn probe(url: &str, timeout: Duration, tls: Option<&ClientTls>) -> Result<(), String> {
    let endpoint = crate::client::endpoint(url, tls)
        .map_err(|error| error.to_string())?
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
    pub fn lazy(url: &str, timeout: Duration, tls: Option<&ClientTls>) -> Result<Self, String> {
        let channel = crate::client::endpoint(url, tls)
            .map_err(|error| error.to_string())?
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

/// Probes the service of this process's configuration on `addr`, as the
/// `healthcheck` subcommands do inside its container. With TLS on
/// (`GRPC_TLS_CERT_FILE`) it connects to `https://localhost` and checks the
/// certificate against `GRPC_TLS_CA_FILE`, so the certificate must also
/// name `localhost`.
pub async fn probe_local(addr: std::net::SocketAddr, timeout: Duration) -> Result<(), String> {
    let server_tls = crate::tls::ServerTls::from_env().map_err(|error| error.to_string())?;
    if server_tls.is_none() {
        return probe(&local_url(addr), timeout, None).await;
    }
    let client_tls = ClientTls::from_env()
        .map_err(|error| error.to_string())?
        .ok_or_else(|| {
            format!(
                "{} is needed to check this service's certificate",
                crate::tls::CA_FILE_VAR
            )
        })?;
    let url = format!("https://localhost:{}", addr.port());
    probe(&url, timeout, Some(&client_tls)).await
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
