//! Building the provider (listener bound first, key ready) and running it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::config::{Config, normalize_issuer, refuse_production};
use crate::error::StartupError;
use crate::routes::{self, Lifetimes, Provider};
use crate::signing::SigningKey;
use crate::store::Store;

pub struct Application {
    listener: TcpListener,
    port: u16,
    issuer: String,
    kid: String,
    router: Router,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        refuse_production(config.environment)?;
        let (listener, port) = mesh::server::bind(config.addr).await?;
        let local_addr = SocketAddr::new(config.addr.ip(), port);
        let issuer = match &config.issuer {
            Some(issuer) => normalize_issuer(issuer)?,
            None => default_issuer(local_addr),
        };
        let key = match &config.signing_key_pem {
            Some(pem) => SigningKey::from_pem(pem)?,
            // Key generation is CPU-bound for a moment; keep it off the runtime threads.
            None => tokio::task::spawn_blocking(SigningKey::generate).await??,
        };
        let kid = key.kid().to_owned();
        let provider = Provider {
            issuer: issuer.clone(),
            client: config.client,
            key,
            store: Store::default(),
            lifetimes: Lifetimes {
                form: config.form_lifetime,
                code: config.code_lifetime,
                id_token: config.id_token_lifetime,
                access_token: config.access_token_lifetime,
            },
        };
        Ok(Self {
            listener,
            port: local_addr.port(),
            issuer,
            kid,
            router: routes::router(Arc::new(provider)),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The issuer identifier relying parties must discover from, exactly.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `kid` of the signing key, for tests that forge tokens with another key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        tracing::info!(issuer = %self.issuer, kid = %self.kid, "development identity provider listening");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(StartupError::Serve)
    }
}

/// A wildcard bind address is not something a browser can visit; loopback is.
fn default_issuer(local_addr: SocketAddr) -> String {
    let host = match local_addr.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        std::net::IpAddr::V4(ip) => ip.to_string(),
    };
    format!("http://{host}:{}", local_addr.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_issuer_is_reachable_from_a_browser() {
        assert_eq!(
            default_issuer("0.0.0.0:8090".parse().unwrap()),
            "http://127.0.0.1:8090"
        );
        assert_eq!(
            default_issuer("[::1]:8090".parse().unwrap()),
            "http://[::1]:8090"
        );
    }
}
