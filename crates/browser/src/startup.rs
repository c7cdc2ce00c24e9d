//! Building and running the server. The listener is bound in `build` so a
//! test can ask for port 0 and read the real port before serving.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use api_proto::browser::v1::browser_server::BrowserServer;
use mesh::internal_auth::InternalAuth;
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::config::Config;
use crate::fetcher::{Fetcher, FetcherError};
use crate::pipeline::Pipeline;
use crate::render::{RenderError, RenderSettings, Renderer};
use crate::seen_bodies::SeenBodies;
use crate::service::{BrowserService, CALLERS};

/// Renders that may wait for a slot, per slot: enough to absorb a burst from
/// the scheduler, few enough that a waiting render still meets its deadline.
const RENDER_QUEUE_PER_SLOT: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Bind(#[from] mesh::server::BindError),
    #[error(transparent)]
    Fetcher(#[from] FetcherError),
    #[error(transparent)]
    Renderer(#[from] RenderError),
    #[error("gRPC server failed: {0}")]
    Serve(#[from] tonic::transport::Error),
}

pub struct Application {
    listener: TcpListener,
    port: u16,
    routes: Routes,
    /// Serving while we run; `NOT_SERVING` once the service starts to stop.
    health: mesh::health::HealthReporter,
    /// How long it serves on after that (`SHUTDOWN_DRAIN_SECONDS`).
    drain: std::time::Duration,
    tls: Option<mesh::tls::ServerTls>,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let (listener, port) = mesh::server::bind(config.addr).await?;

        let policy = Arc::new(config.policy.clone());
        let fetcher = Fetcher::new(Arc::clone(&policy), config.max_body_bytes)?;
        let renderer = if config.chromium_path.is_file() {
            let settings = RenderSettings {
                executable: config.chromium_path.clone(),
                sandbox: !config.chromium_no_sandbox,
                concurrency: config.render_concurrency,
                queue: config.render_concurrency * RENDER_QUEUE_PER_SLOT,
                max_dom_bytes: config.max_body_bytes,
                max_screenshot_bytes: config.max_screenshot_bytes,
                max_screenshot_height: config.max_screenshot_height,
            };
            Some(Renderer::start(settings, Arc::clone(&policy)).await?)
        } else {
            tracing::warn!(
                chromium = %config.chromium_path.display(),
                "chromium not found: render and screenshot requests will be refused"
            );
            None
        };
        if !policy.allowed_networks().is_empty() {
            tracing::warn!(
                networks = ?policy.allowed_networks(),
                "ALLOW_NETWORKS opens these networks to fetches"
            );
        }
        let pipeline = Arc::new(Pipeline::new(
            fetcher,
            renderer,
            config.max_body_bytes,
            SeenBodies::new(config.seen_bodies),
        ));
        let service = BrowserService::new(pipeline, config.default_timeout);

        let (health_reporter, health_service) = mesh::health::service();
        health_reporter
            .set_serving::<BrowserServer<BrowserService>>()
            .await;
        let auth = InternalAuth::new(config.internal_keys.clone(), CALLERS);
        let server = BrowserServer::new(service)
            .max_encoding_message_size(api_proto::BROWSER_MAX_RESPONSE_BYTES);
        let routes = Routes::new(health_service).add_service(auth.guard(server));
        Ok(Self {
            listener,
            port,
            routes,
            health: health_reporter,
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
    ) -> Result<(), StartupError> {
        tracing::info!(port = self.port, "lookout-browser listening");
        let shutdown = mesh::shutdown::drained_grpc(shutdown, self.drain, self.health);
        mesh::server::serve_grpc(self.listener, self.routes, self.tls.as_ref(), shutdown).await?;
        Ok(())
    }
}

/// `lookout-browser healthcheck`: exit 0 when the configured address serves.
pub async fn healthcheck(config: &Config) -> ExitCode {
    match mesh::health::probe_local(config.addr, Duration::from_secs(3)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lookout-browser healthcheck: {error}");
            ExitCode::FAILURE
        }
    }
}
