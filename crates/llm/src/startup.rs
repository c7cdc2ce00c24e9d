//! Building the service from its configuration and running it.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use mesh::health::HealthReporter;
use mesh::internal_auth::InternalKeys;
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::cache::CachedJudge;
use crate::config::{Config, ProviderConfig};
use crate::domain::Judge;
use crate::error::StartupError;
use crate::offline::OfflineJudge;
use crate::openai::OpenAiJudge;
use crate::service::JudgeService;

/// A bound, ready-to-run service.
pub struct Application {
    listener: TcpListener,
    port: u16,
    routes: Routes,
    /// Turned `NOT_SERVING` when the service starts to stop.
    health: HealthReporter,
    /// How long it serves on after that (`SHUTDOWN_DRAIN_SECONDS`).
    drain: Duration,
    tls: Option<mesh::tls::ServerTls>,
}

impl Application {
    /// Binds the listener first, so that `LLM_ADDR=127.0.0.1:0` gives tests a free port.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let (listener, port) = mesh::server::bind(config.addr).await?;
        let mut judge = judge_for(config.provider)?;
        if let Some(cache) = config.verdict_cache {
            judge = Arc::new(
                CachedJudge::connect(judge, cache)
                    .await
                    .map_err(StartupError::Redis)?,
            );
        }
        Ok(
            Self::with_judge(listener, port, judge, config.internal_keys)?
                .with_tls(config.tls)
                .with_drain(config.shutdown_drain),
        )
    }

    /// Serves any judge on a listener bound by [`mesh::server::bind`]; tests
    /// use it to substitute their own.
    pub fn with_judge(
        listener: TcpListener,
        port: u16,
        judge: Arc<dyn Judge>,
        keys: InternalKeys,
    ) -> Result<Self, StartupError> {
        tracing::info!(judge = %judge.name(), port, "lookout-llm ready");
        let (health, health_service) = mesh::health::service();
        let routes =
            Routes::new(health_service).add_service(JudgeService::new(judge).into_server(keys));
        Ok(Self {
            listener,
            port,
            routes,
            health,
            drain: Duration::ZERO,
            tls: None,
        })
    }

    /// Serves over TLS with this certificate (plain HTTP/2 with `None`).
    pub fn with_tls(self, tls: Option<mesh::tls::ServerTls>) -> Self {
        Self { tls, ..self }
    }

    /// Serves on for `drain` after the stop signal, reporting `NOT_SERVING`.
    pub fn with_drain(self, drain: Duration) -> Self {
        Self { drain, ..self }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` resolves, then lets in-flight evaluations finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), StartupError> {
        let shutdown = mesh::shutdown::drained_grpc(shutdown, self.drain, self.health);
        mesh::server::serve_grpc(self.listener, self.routes, self.tls.as_ref(), shutdown).await?;
        Ok(())
    }
}

fn judge_for(provider: ProviderConfig) -> Result<Arc<dyn Judge>, StartupError> {
    Ok(match provider {
        ProviderConfig::Offline => Arc::new(OfflineJudge),
        ProviderConfig::OpenAi(settings) => Arc::new(OpenAiJudge::new(settings)?),
    })
}

/// `lookout-llm healthcheck`: asks the running service for its health; exit 0 when serving.
pub async fn healthcheck() -> ExitCode {
    let addr = match Config::addr_from_env() {
        Ok(addr) => addr,
        Err(error) => {
            eprintln!("lookout-llm healthcheck: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Docker's healthcheck has its own timeout; this one only has to be shorter.
    match mesh::health::probe_local(addr, Duration::from_secs(3)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lookout-llm healthcheck: {error}");
            ExitCode::FAILURE
        }
    }
}
