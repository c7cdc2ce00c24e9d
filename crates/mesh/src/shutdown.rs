//! The signal that stops a service, and the drain before it stops.

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (what `docker stop` and Kubernetes
/// send).
pub async fn signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("received SIGINT, shutting down"),
        () = terminate => tracing::info!("received SIGTERM, shutting down"),
    }
}

/// How long a stopping service keeps serving after it reported itself not
/// ready, so load balancers and Kubernetes endpoints move traffic away first.
pub const DRAIN_VAR: &str = "SHUTDOWN_DRAIN_SECONDS";

/// A drain longer than this would outlast any orchestrator's grace period.
const MAX_DRAIN_SECONDS: u64 = 120;

/// `SHUTDOWN_DRAIN_SECONDS`: 5 s in production, none in development (where
/// nothing routes around a stopping process and Ctrl-C should be quick).
pub fn drain_from_env(
    environment: crate::config::Environment,
) -> Result<std::time::Duration, crate::config::ConfigError> {
    let default = if environment.is_production() { 5 } else { 0 };
    let seconds: u64 = crate::config::env_parse(DRAIN_VAR, default)?;
    if seconds > MAX_DRAIN_SECONDS {
        return Err(crate::config::ConfigError::invalid(
            DRAIN_VAR,
            format!("at most {MAX_DRAIN_SECONDS} seconds"),
        ));
    }
    Ok(std::time::Duration::from_secs(seconds))
}

/// Resolves `drain` after `stop` does, having run `not_ready` in between:
/// the service reports itself not ready (readiness 503, gRPC health
/// `NOT_SERVING`) but goes on serving until load balancers stopped sending,
/// and only then stops accepting and finishes what is in flight.
pub async fn drained(
    stop: impl Future<Output = ()>,
    drain: std::time::Duration,
    not_ready: impl Future<Output = ()>,
) {
    stop.await;
    not_ready.await;
    if !drain.is_zero() {
        tracing::info!(
            seconds = drain.as_secs(),
            "reporting not ready; serving on while traffic moves away"
        );
        tokio::time::sleep(drain).await;
    }
}

/// [`drained`] for a gRPC service: its overall health turns `NOT_SERVING`.
pub async fn drained_grpc(
    stop: impl Future<Output = ()>,
    drain: std::time::Duration,
    health: tonic_health::server::HealthReporter,
) {
    drained(stop, drain, async move {
        health
            .set_service_status("", tonic_health::ServingStatus::NotServing)
            .await;
    })
    .await;
}
