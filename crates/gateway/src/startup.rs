//! Building the gateway from its configuration and running it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use mesh::config::ConfigError;
use secrecy::ExposeSecret;
use store::Store;
use tokio::net::TcpListener;

use crate::auth::tokens::TokenVerifier;
use crate::config::Config;
use crate::domain::Rules;
use crate::browser_client::BrowserClient;
use crate::notify_client::NotifyClient;
use crate::readiness::{InvalidRedisUrl, Readiness};
use crate::routes;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Redis(#[from] InvalidRedisUrl),
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
}

/// A bound, migrated, ready-to-run gateway.
pub struct Application {
    listener: TcpListener,
    port: u16,
    router: Router,
}

impl Application {
    /// Binds the listener first, so that `GATEWAY_ADDR=127.0.0.1:0` gives
    /// tests a free port, then applies pending migrations.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let listener =
            TcpListener::bind(config.addr)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: config.addr,
                    source,
                })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                addr: config.addr,
                source,
            })?
            .port();
        let store = Store::connect(
            config.database_url.expose_secret(),
            config.database_max_connections,
        )?;
        store.migrate().await?;
        let state = app_state(&config, store)?;
        tracing::info!(port, "lookout-gateway ready");
        Ok(Self {
            listener,
            port,
            router: routes::router(state),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(StartupError::Serve)
    }
}

fn app_state(config: &Config, store: Store) -> Result<AppState, StartupError> {
    let readiness = Readiness::new(
        store.clone(),
        config.redis_url.as_ref(),
        vec![
            ("browser", config.browser_url.clone()),
            ("llm", config.llm_url.clone()),
            ("notify", config.notify_url.clone()),
        ],
    )?;
    let notify = NotifyClient::new(
        &config.notify_url,
        &config.internal_api_key,
        config.public_base_url.clone(),
    )?;
    let browser = BrowserClient::new(&config.browser_url, &config.internal_api_key)?;
    Ok(AppState {
        store,
        tokens: Arc::new(TokenVerifier::new(&config.jwt_secret, &config.jwt_issuer)),
        rules: Arc::new(Rules {
            environment: config.environment,
            destination_policy: Arc::new(config.destination_policy.clone()),
            min_interval_seconds: config.monitor_min_interval_seconds,
        }),
        notify,
        browser,
        readiness: Arc::new(readiness),
    })
}
