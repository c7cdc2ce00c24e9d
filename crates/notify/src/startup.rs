//! Building the service from its `Config` (listener first, so tests can ask
//! for port 0) and running it until the shutdown future resolves.

use std::future::Future;
use std::sync::Arc;

use api_proto::notify::v1::notifier_server::NotifierServer;
use mesh::internal_auth::InternalAuth;
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic_health::server::HealthReporter;

use crate::chat::ChatSender;
use crate::config::Config;
use crate::dispatch::Dispatcher;
use crate::email::EmailSender;
use crate::ledger::Ledger;
use crate::outbound::Outbound;
use crate::service::NotifierService;
use crate::webhook::WebhookSender;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Bind(#[from] mesh::server::BindError),
    // Redis errors do not include the URL, so the password stays out of the message.
    #[error("cannot connect to Redis (REDIS_URL): {0}")]
    Redis(#[source] redis::RedisError),
    #[error(transparent)]
    Config(#[from] mesh::config::ConfigError),
    #[error("cannot build the webhook HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}

pub struct Application {
    listener: TcpListener,
    port: u16,
    routes: Routes,
    /// Serving while we run; `NOT_SERVING` once the service starts to stop.
    health: HealthReporter,
    /// How long it serves on after that (`SHUTDOWN_DRAIN_SECONDS`).
    drain: std::time::Duration,
    tls: Option<mesh::tls::ServerTls>,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let (listener, port) = mesh::server::bind(config.addr).await?;

        let redis = mesh::redis::client(&config.redis_url, config.redis_ca_file.as_deref())
            .map_err(StartupError::Redis)?;
        let outbound = Arc::new(
            Outbound::new(config.webhook_policy.clone()).map_err(StartupError::HttpClient)?,
        );
        let dispatcher = Dispatcher {
            ledger: Ledger::connect(redis, config.claim_ttl)
                .await
                .map_err(StartupError::Redis)?,
            email: EmailSender::new(
                &config.smtp,
                config.from.clone(),
                config.public_base_url.clone(),
            )?,
            webhook: WebhookSender::new(Arc::clone(&outbound)),
            chat: ChatSender::new(
                outbound,
                config.public_base_url.clone(),
                config.telegram_api_url.clone(),
            ),
        };
        tracing::info!(
            smtp_host = %config.smtp.host(),
            smtp_tls = ?config.smtp.tls(),
            allowed_webhook_networks = ?config.webhook_policy.allowed_networks(),
            "notify configured"
        );

        let (health, health_service) = mesh::health::service();
        let notifier = InternalAuth::new(config.internal_keys.clone(), crate::service::CALLERS)
            .guard(NotifierServer::new(NotifierService::new(Arc::new(
                dispatcher,
            ))));
        let routes = Routes::new(health_service).add_service(notifier);
        Ok(Self {
            listener,
            port,
            routes,
            health,
            drain: config.shutdown_drain,
            tls: config.tls,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), tonic::transport::Error> {
        let shutdown = mesh::shutdown::drained_grpc(shutdown, self.drain, self.health);
        mesh::server::serve_grpc(self.listener, self.routes, self.tls.as_ref(), shutdown).await
    }
}

/// `lookout-notify healthcheck`: probes our own grpc.health.v1 endpoint on
/// NOTIFY_ADDR (Docker healthchecks have no curl).
pub async fn healthcheck() -> std::process::ExitCode {
    let probe = async {
        let addr = mesh::config::listen_addr("NOTIFY_ADDR", crate::config::DEFAULT_ADDR)
            .map_err(|error| error.to_string())?;
        mesh::health::probe_local(addr, std::time::Duration::from_secs(2)).await
    };
    match probe.await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("unhealthy: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
