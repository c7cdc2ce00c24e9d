//! Prometheus metrics of the scheduler, served on `SCHEDULER_METRICS_ADDR`
//! (default `127.0.0.1:9465`), a listener of its own that nothing public
//! routes to.
//!
//! - `lookout_scheduler_dependency_up{service}`: 1 while browser, llm or
//!   notify answers its health check, 0 while the scheduler holds back the
//!   work that needs it.
//! - `lookout_scheduler_deferred_total{service, work}`: checks (`work=check`)
//!   and deliveries (`work=delivery`) put back because that service was down
//!   when they ran; none of them counted against a monitor or a receiver.
//! - `lookout_scheduler_record_batch_checks`: how many finished checks each
//!   recording transaction wrote ([`crate::recorder`]); batches grow with
//!   load, one check each on a quiet scheduler.

use std::sync::LazyLock;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};
use tokio::net::TcpListener;

pub struct Metrics {
    registry: Registry,
    pub dependency_up: IntGaugeVec,
    pub deferred: IntCounterVec,
    pub record_batch_checks: Histogram,
}

/// Process-wide, like the tracing subscriber. Tests that run several
/// schedulers in one process share the figures.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new();
        // Names and labels are constants: registration fails only on a
        // duplicate, which the distinct names rule out.
        let dependency_up = IntGaugeVec::new(
            Opts::new(
                "lookout_scheduler_dependency_up",
                "1 while the internal service answers its health check",
            ),
            &["service"],
        )
        .expect("valid metric definition");
        let deferred = IntCounterVec::new(
            Opts::new(
                "lookout_scheduler_deferred_total",
                "Checks and deliveries put back because an internal service was down",
            ),
            &["service", "work"],
        )
        .expect("valid metric definition");
        let record_batch_checks = Histogram::with_opts(
            HistogramOpts::new(
                "lookout_scheduler_record_batch_checks",
                "Finished checks written by one recording transaction",
            )
            .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]),
        )
        .expect("valid metric definition");
        registry
            .register(Box::new(record_batch_checks.clone()))
            .expect("each metric is registered once");
        registry
            .register(Box::new(dependency_up.clone()))
            .expect("each metric is registered once");
        registry
            .register(Box::new(deferred.clone()))
            .expect("each metric is registered once");
        Self {
            registry,
            dependency_up,
            deferred,
            record_batch_checks,
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8_lossy(&buffer).into_owned())
    }
}

/// Serves `GET /metrics` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = Router::new().route("/metrics", get(metrics));
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn metrics() -> Response {
    match METRICS.render() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            )],
            text,
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(%error, "metrics could not be encoded");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
