//! Building the gateway from its configuration and running it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use mesh::config::ConfigError;
use secrecy::ExposeSecret;
use store::Store;
use tokio::net::TcpListener;

use crate::auth::Auth;
use crate::browser_client::BrowserClient;
use crate::config::Config;
use crate::domain::Rules;
use crate::edge::Edge;
use crate::ephemeral::{Ephemeral, EphemeralError};
use crate::memberships::Memberships;
use crate::notify_client::NotifyClient;
use crate::quotas::SendCounter;
use crate::readiness::Readiness;
use crate::routes;
use crate::state::{AppState, Shared};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Bind(#[from] mesh::server::BindError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Redis(#[from] EphemeralError),
    #[error(transparent)]
    Blobs(#[from] blob_store::BlobError),
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
}

/// A bound, migrated, ready-to-run gateway.
pub struct Application {
    listener: TcpListener,
    port: u16,
    /// Prometheus' listener, apart from the public one (see [`crate::metrics`]).
    metrics_listener: Option<TcpListener>,
    /// The metrics listener reads a few figures (unjudged checks) from PostgreSQL.
    store: Store,
    router: Router,
    /// Told when the gateway starts to stop, so `/ready` turns 503 first.
    readiness: Arc<Readiness>,
    /// How long it serves on after that (`SHUTDOWN_DRAIN_SECONDS`).
    drain: std::time::Duration,
}

impl Application {
    /// Binds the listener first, so that `GATEWAY_ADDR=127.0.0.1:0` gives
    /// tests a free port, then applies pending migrations.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let (listener, port) = mesh::server::bind(config.addr).await?;
        let metrics_listener = match config.edge.metrics_addr {
            Some(addr) => Some(mesh::server::bind(addr).await?.0),
            None => None,
        };
        let store = Store::connect(
            config.database_url.expose_secret(),
            config.database_max_connections,
        )?
        .with_quota_defaults(config.quotas.limits);
        store.migrate().await?;
        let key_id = config.secret_box.current_key_id();
        crate::domain::monitor_headers::reseal_stored(&store, &config.secret_box)
            .await?
            .log("monitor header, cookie and step values", key_id);
        crate::domain::channel_secrets::reseal_stored(&store, &config.secret_box)
            .await?
            .log("channel secrets", key_id);
        // The one Redis handle: rate limits, sign-in state, denylist, readiness.
        let redis = Ephemeral::new(&config.redis_url, config.redis_ca_file.as_deref())?;
        let state = app_state(&config, store.clone(), redis.clone())?;
        let edge = Arc::new(Edge::new(config.edge.clone(), redis, state.auth.clone()));
        state.readiness.watch_rate_limiter(edge.clone());
        tracing::info!(port, "lookout-gateway ready");
        Ok(Self {
            listener,
            port,
            metrics_listener,
            store,
            readiness: state.readiness.clone(),
            drain: config.shutdown_drain,
            router: routes::router(state, edge),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port, when `METRICS_ADDR` is not `off`.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
            .map(|addr| addr.port())
    }

    /// Serves until `shutdown` resolves; then `/ready` answers 503 while it
    /// serves on for the drain period, and finally it stops accepting and
    /// lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let readiness = self.readiness.clone();
        let shutdown = mesh::shutdown::drained(shutdown, self.drain, async move {
            readiness.start_draining();
        });
        let shutdown = futures::future::FutureExt::shared(Box::pin(shutdown));
        if let Some(listener) = self.metrics_listener {
            let stopped = shutdown.clone();
            let store = self.store.clone();
            tokio::spawn(async move {
                if let Err(error) = crate::metrics::serve(listener, store, stopped).await {
                    tracing::error!(%error, "metrics listener failed");
                }
            });
        }
        // The peer address feeds the client IP (see `edge::client_ip`).
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(StartupError::Serve)
    }
}

fn app_state(config: &Config, store: Store, redis: Ephemeral) -> Result<AppState, StartupError> {
    let auth = Arc::new(Auth::from_config(config, redis.clone()));
    let readiness = Readiness::new(
        store.clone(),
        redis.clone(),
        vec![
            ("browser", config.browser_url.clone()),
            ("llm", config.llm_url.clone()),
            ("notify", config.notify_url.clone()),
        ],
        config.peer_tls.as_ref(),
    )
    .map_err(|error| ConfigError::invalid("BROWSER_URL, LLM_URL or NOTIFY_URL", error))?;
    let notify = NotifyClient::new(
        &config.notify_url,
        &config.internal_api_key,
        config.public_base_url.clone(),
        config.peer_tls.as_ref(),
    )?;
    let browser = BrowserClient::new(
        &config.browser_url,
        &config.internal_api_key,
        config.peer_tls.as_ref(),
    )?;
    Ok(AppState::new(Shared {
        memberships: Memberships::new(store.clone(), auth.identities.clone()),
        store,
        auth,
        rules: Arc::new(Rules {
            environment: config.environment,
            destination_policy: Arc::new(config.destination_policy.clone()),
            min_interval_seconds: config.monitor_min_interval_seconds,
        }),
        notify,
        browser,
        readiness: Arc::new(readiness),
        secret_box: config.secret_box.clone(),
        send_counter: SendCounter::new(redis.clone(), config.quotas),
        rating_links: rating_link::RatingLinks::new(config.alert_rating_key.clone()),
        blobs: blob_store::BlobStore::open(&config.blob_store)?,
        imports: crate::routes::transfer::ImportSlots::default(),
    }))
}
