//! Prometheus metrics, served on `METRICS_ADDR` (default `127.0.0.1:9464`),
//! a listener of its own that nginx never routes, so request counts and
//! route names are not public.
//!
//! - `lookout_http_requests_total{method, route, status}` and
//!   `lookout_http_request_duration_seconds{method, route, status}`: by
//!   route template (`/api/v1/monitors/{id}`), never by raw path.
//! - `lookout_http_requests_in_flight`.
//! - `lookout_internal_call_duration_seconds{service, method, outcome}`:
//!   the gateway's gRPC calls (notify sends, readiness probes).
//! - `lookout_rate_limit_rejections_total{class}` and
//!   `lookout_rate_limit_fallback` (1 while limits are per replica).
//! - `lookout_checks_unjudged{reason}`: stored checks whose change the model
//!   could not judge (`model_unavailable`, `timeout`, `rate_limited`,
//!   `invalid_answer`, `over_budget`), read from PostgreSQL at each scrape so every replica
//!   reports the same figure whichever scheduler ran the check.
//!
//! Checks and notifications are counted by the scheduler, which runs them;
//! the gateway only sees users asking for them.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder, proto::MetricFamily,
};
use store::Store;
use tokio::net::TcpListener;

/// Latency buckets from 1 ms to 10 s: API answers are milliseconds, a
/// request that waits on a slow dependency is seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub request_duration: HistogramVec,
    pub in_flight: IntGauge,
    pub internal_calls: HistogramVec,
    pub rate_limit_rejections: IntCounterVec,
    pub rate_limit_fallback: IntGauge,
}

/// Process-wide, like the tracing subscriber: every replica is one process,
/// and instrumented code (gRPC clients) need not carry a handle. Tests that
/// start several gateways in one process share the counters.
pub static METRICS: LazyLock<Arc<Metrics>> = LazyLock::new(|| Arc::new(Metrics::new()));

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new();
        // Names and label sets are constants: registration cannot fail
        // except on a duplicate, which the types here rule out.
        let requests = IntCounterVec::new(
            Opts::new("lookout_http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .expect("valid metric definition");
        let request_duration = HistogramVec::new(
            HistogramOpts::new(
                "lookout_http_request_duration_seconds",
                "Time from request to response headers",
            )
            .buckets(BUCKETS.to_vec()),
            &["method", "route", "status"],
        )
        .expect("valid metric definition");
        let in_flight = IntGauge::new(
            "lookout_http_requests_in_flight",
            "Requests being served now",
        )
        .expect("valid metric definition");
        let internal_calls = HistogramVec::new(
            HistogramOpts::new(
                "lookout_internal_call_duration_seconds",
                "gRPC calls from the gateway to internal services",
            )
            .buckets(BUCKETS.to_vec()),
            &["service", "method", "outcome"],
        )
        .expect("valid metric definition");
        let rate_limit_rejections = IntCounterVec::new(
            Opts::new(
                "lookout_rate_limit_rejections_total",
                "Requests refused with 429",
            ),
            &["class"],
        )
        .expect("valid metric definition");
        let rate_limit_fallback = IntGauge::new(
            "lookout_rate_limit_fallback",
            "1 while Redis is unreachable and limits are per replica",
        )
        .expect("valid metric definition");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(request_duration.clone()),
            Box::new(in_flight.clone()),
            Box::new(internal_calls.clone()),
            Box::new(rate_limit_rejections.clone()),
            Box::new(rate_limit_fallback.clone()),
        ] {
            registry
                .register(collector)
                .expect("each metric is registered once");
        }
        Self {
            registry,
            requests,
            request_duration,
            in_flight,
            internal_calls,
            rate_limit_rejections,
            rate_limit_fallback,
        }
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let status = status_label(status);
        let labels = [method, route, status];
        self.requests.with_label_values(&labels).inc();
        self.request_duration
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    pub fn observe_internal_call(&self, service: &str, method: &str, ok: bool, elapsed: Duration) {
        self.internal_calls
            .with_label_values(&[service, method, if ok { "ok" } else { "error" }])
            .observe(elapsed.as_secs_f64());
    }

    /// The text exposition of every metric, followed by `extra` families gathered for this
    /// scrape only.
    pub fn render(&self, extra: &[MetricFamily]) -> Result<String, prometheus::Error> {
        let mut families = self.registry.gather();
        families.extend_from_slice(extra);
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&families, &mut buffer)?;
        Ok(String::from_utf8_lossy(&buffer).into_owned())
    }
}

/// Static strings for the common statuses, so labelling allocates nothing.
fn status_label(status: u16) -> &'static str {
    match status {
        200 => "200",
        201 => "201",
        202 => "202",
        204 => "204",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        408 => "408",
        409 => "409",
        413 => "413",
        415 => "415",
        422 => "422",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        _ => "other",
    }
}

/// Serves `GET /metrics` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = Router::new()
        .route("/metrics", get(metrics))
        .with_state(store);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn metrics(State(store): State<Store>) -> Response {
    let extra = match unjudged_checks(&store).await {
        Ok(families) => families,
        // The other figures are still worth serving without this one.
        Err(error) => {
            tracing::warn!(%error, "unjudged checks could not be counted");
            Vec::new()
        }
    };
    match METRICS.render(&extra) {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            )],
            text,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "metrics could not be encoded");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `lookout_checks_unjudged{reason}` as stored now; built per scrape, so a reason whose checks
/// are gone disappears and concurrent scrapes do not share a value.
async fn unjudged_checks(
    store: &Store,
) -> Result<Vec<MetricFamily>, Box<dyn std::error::Error + Send + Sync>> {
    let gauge = IntGaugeVec::new(
        Opts::new(
            "lookout_checks_unjudged",
            "Stored checks whose change the model could not judge, by reason",
        ),
        &["reason"],
    )?;
    for (reason, count) in store.unjudged_checks_by_reason().await? {
        gauge.with_label_values(&[reason.as_str()]).set(count);
    }
    let registry = Registry::new();
    registry.register(Box::new(gauge))?;
    Ok(registry.gather())
}

/// The address a metrics listener is bound to, for logs.
pub fn describe(addr: Option<SocketAddr>) -> String {
    addr.map_or_else(|| "off".to_owned(), |addr| addr.to_string())
}
