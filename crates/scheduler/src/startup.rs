//! Building the scheduler from its configuration and running it.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use blob_store::BlobStore;
use mesh::config::ConfigError;
use secrecy::ExposeSecret;
use store::Store;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tonic::service::Routes;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::check::CheckRunner;
use crate::claim_loop::{self, ClaimSettings};
use crate::config::Config;
use crate::delivery::DeliveryWorker;
use crate::dependencies::Dependencies;
use crate::error::StartupError;
use crate::peers::Peers;
use crate::politeness::HostGate;
use crate::pruning::PruneJob;
use crate::recorder::Recorder;

/// How often the database is probed for the health endpoint.
const HEALTH_PROBE_INTERVAL: Duration = Duration::from_secs(2);

/// A bound, ready-to-run scheduler.
pub struct Application {
    listener: TcpListener,
    port: u16,
    metrics_listener: TcpListener,
    metrics_port: u16,
    config: Config,
    store: Store,
    peers: Peers,
    dependencies: Arc<Dependencies>,
    /// Where screenshots go; opened (a local folder created) at build.
    blobs: BlobStore,
}

impl Application {
    /// Binds the health listener first, so `SCHEDULER_ADDR=127.0.0.1:0`
    /// gives tests a free port. Neither the database nor the peers are
    /// contacted yet.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        config.validate()?;
        let (listener, port) = mesh::server::bind(config.addr).await?;
        let (metrics_listener, metrics_port) = mesh::server::bind(config.metrics_addr).await?;
        let store = Store::connect(
            config.database_url.expose_secret(),
            config.database_max_connections,
        )?
        .with_quota_defaults(config.quota_limits);
        let peers = Peers::connect(&config)?;
        let blobs = BlobStore::open(&config.blob_store)?;
        let dependencies = Arc::new(
            Dependencies::new(
                &config.browser_url,
                &config.llm_url,
                &config.notify_url,
                config.peer_tls.as_ref(),
            )
            .map_err(|error| ConfigError::invalid("BROWSER_URL / LLM_URL / NOTIFY_URL", error))?,
        );
        Ok(Self {
            listener,
            port,
            metrics_listener,
            metrics_port,
            config,
            store,
            peers,
            dependencies,
            blobs,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of `/metrics`.
    pub fn metrics_port(&self) -> u16 {
        self.metrics_port
    }

    /// Serves health, waits for the schema, then claims and delivers until
    /// `shutdown` resolves; in-flight checks get a bounded time to finish.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send) {
        let Self {
            listener,
            port,
            metrics_listener,
            metrics_port,
            config,
            store,
            peers,
            dependencies,
            blobs,
        } = self;
        let (stop_sender, stop) = watch::channel(false);
        let (reporter, health) = mesh::health::service();
        // Not serving until the database answers and has the schema.
        reporter
            .set_service_status("", ServingStatus::NotServing)
            .await;
        let server = {
            let mut stop = stop.clone();
            let tls = config.tls.clone();
            tokio::spawn(async move {
                mesh::server::serve_grpc(listener, Routes::new(health), tls.as_ref(), async move {
                    let _ = stop.wait_for(|stopped| *stopped).await;
                })
                .await
            })
        };
        let metrics = {
            let mut stop = stop.clone();
            tokio::spawn(crate::metrics::serve(metrics_listener, async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            }))
        };
        let probe = tokio::spawn(report_health(store.clone(), reporter, stop.clone()));
        tracing::info!(port, metrics_port, "lookout-scheduler started");

        let watcher = tokio::spawn(dependencies.clone().watch(stop.clone()));
        let work = tokio::spawn(work(
            config,
            store,
            peers,
            blobs,
            dependencies,
            stop.clone(),
        ));
        shutdown.await;
        tracing::info!("stopping: no new claims, finishing checks in flight");
        let _ = stop_sender.send(true);
        if let Err(error) = work.await {
            tracing::error!(%error, "scheduler loops ended abnormally");
        }
        let _ = probe.await;
        let _ = watcher.await;
        match metrics.await {
            Ok(Err(error)) => tracing::warn!(%error, "metrics server stopped with an error"),
            Err(error) => tracing::warn!(%error, "metrics server task failed"),
            Ok(Ok(())) => {}
        }
        match server.await {
            Ok(Err(error)) => tracing::warn!(%error, "health server stopped with an error"),
            Err(error) => tracing::warn!(%error, "health server task failed"),
            Ok(Ok(())) => {}
        }
        tracing::info!("lookout-scheduler stopped");
    }
}

async fn work(
    config: Config,
    store: Store,
    peers: Peers,
    blobs: BlobStore,
    dependencies: Arc<Dependencies>,
    stop: watch::Receiver<bool>,
) {
    if !wait_for_schema(&store, stop.clone()).await {
        return;
    }
    let deliveries_due = Arc::new(Notify::new());
    let pruning = PruneJob {
        store: store.clone(),
        blobs: blobs.clone(),
        interval: config.prune_interval,
        batch: config.prune_batch,
    };
    let runner = Arc::new(CheckRunner {
        store: store.clone(),
        secret_box: config.secret_box.clone(),
        peers: peers.clone(),
        blobs,
        recorder: Recorder::start(store.clone(), config.concurrency),
        hosts: HostGate::new(config.host_concurrency, config.host_delay),
        deliveries_due: deliveries_due.clone(),
        unjudged_notice_after: config.unjudged_notice_after,
        dependencies: dependencies.clone(),
    });
    let worker = Arc::new(DeliveryWorker {
        store,
        peers,
        max_attempts: config.max_delivery_attempts,
        retry_base: config.delivery_retry_base,
        lease: config.delivery_lease,
        poll_interval: config.poll_interval,
        public_base_url: config.public_base_url.clone(),
        secret_box: config.secret_box.clone(),
        channel_disable_after: i32::try_from(config.channel_disable_after).unwrap_or(i32::MAX),
        rating_links: rating_link::RatingLinks::new(config.alert_rating_key.clone()),
        wake: deliveries_due,
        dependencies,
    });
    let settings = ClaimSettings {
        poll_interval: config.poll_interval,
        concurrency: config.concurrency,
        lease: config.lease,
        heartbeat: config.lease_heartbeat,
        shutdown_grace: config.shutdown_grace,
    };
    tracing::info!(
        concurrency = config.concurrency,
        host_concurrency = config.host_concurrency,
        poll_ms = u64::try_from(config.poll_interval.as_millis()).unwrap_or(u64::MAX),
        "claiming due monitors"
    );
    tokio::join!(
        claim_loop::run(runner, settings, stop.clone()),
        worker.run(stop.clone()),
        pruning.run(stop),
    );
}

/// The gateway applies migrations; the scheduler waits for them rather
/// than racing it. Returns false when stopped first.
async fn wait_for_schema(store: &Store, mut stop: watch::Receiver<bool>) -> bool {
    let mut announced = false;
    loop {
        match store.schema_ready().await {
            Ok(true) => return true,
            Ok(false) if !announced => {
                tracing::info!(
                    "waiting for the database schema; the gateway applies migrations at start"
                );
                announced = true;
            }
            Err(error) if !announced => {
                tracing::warn!(%error, "waiting for the database");
                announced = true;
            }
            _ => {}
        }
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return false,
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// Reports NOT_SERVING while the database is unreachable or has no schema.
async fn report_health(store: Store, reporter: HealthReporter, mut stop: watch::Receiver<bool>) {
    let mut last = None;
    loop {
        let healthy = matches!(store.schema_ready().await, Ok(true));
        if last != Some(healthy) {
            let status = if healthy {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            reporter.set_service_status("", status).await;
            if last.is_some() {
                tracing::info!(healthy, "database health changed");
            }
            last = Some(healthy);
        }
        let pause = if healthy {
            HEALTH_PROBE_INTERVAL
        } else {
            Duration::from_millis(250)
        };
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// `lookout-scheduler healthcheck`: asks the running scheduler for its
/// health; exit 0 when serving.
pub async fn healthcheck() -> ExitCode {
    let addr = match Config::addr_from_env() {
        Ok(addr) => addr,
        Err(error) => {
            eprintln!("lookout-scheduler healthcheck: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Docker's healthcheck has its own timeout; this one only has to be shorter.
    match mesh::health::probe_local(addr, Duration::from_secs(3)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lookout-scheduler healthcheck: {error}");
            ExitCode::FAILURE
        }
    }
}
