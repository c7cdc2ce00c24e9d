//! The request's identity and its single log line.
//!
//! Every request gets an id: the caller's `X-Request-ID` when well formed
//! (a proxy in front may have set it), otherwise a new UUID. The id is
//! returned in the response, recorded on the request's span, and scoped
//! over the handler with `mesh::context::with_request_id`, so internal gRPC
//! calls carry it and error bodies include it.
//!
//! Every response also carries `X-Process-Time` (seconds, the gateway's own
//! time from request to response headers) and is counted in
//! [`crate::metrics`] by route template and status.

use std::future::Future;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use mesh::context::{REQUEST_ID_HEADER, is_valid_request_id, with_request_id};
use tracing::Instrument;

use crate::error::InternalDetail;
use crate::metrics::METRICS;

/// Serves `request` through `handle` (the rest of the edge and the route)
/// inside its context: the id, the span, the log line and the metrics.
/// Called by the edge's outermost layer ([`crate::edge`]), which is one
/// layer rather than two because each layer costs every request a boxed
/// service and future.
pub async fn in_context<F>(request: Request, handle: impl FnOnce(Request) -> F) -> Response
where
    F: Future<Output = Response>,
{
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_valid_request_id(value))
        .map(str::to_owned)
        .unwrap_or_else(new_request_id);
    // The route template, not the raw path: ids in paths would make every
    // log line unique and may be sensitive.
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let method = request.method().clone();
    METRICS.in_flight.inc();
    let span = tracing::info_span!(
        "http",
        %method,
        route = %route,
        request_id = %request_id,
    );
    let started = Instant::now();
    let mut response = with_request_id(request_id.clone(), handle(request))
        .instrument(span.clone())
        .await;
    let elapsed = started.elapsed();
    METRICS.in_flight.dec();
    let _entered = span.enter();
    let status = response.status();
    let elapsed_ms = elapsed.as_millis();
    METRICS.observe_request(method.as_str(), route, status.as_u16(), elapsed);
    match response.extensions_mut().remove::<InternalDetail>() {
        Some(InternalDetail(detail)) => {
            tracing::error!(status = status.as_u16(), elapsed_ms, error = %detail, "request failed");
        }
        None => tracing::info!(status = status.as_u16(), elapsed_ms, "request"),
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    response.headers_mut().insert(
        HeaderName::from_static("x-process-time"),
        process_time(elapsed),
    );
    response
}

/// A random (version 4) UUID from the thread's CSPRNG: `Uuid::new_v4`
/// asks the kernel (a `getrandom` system call) every time.
fn new_request_id() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// Seconds with microsecond precision, as `X-Process-Time` carries them
/// (integer formatting: cheaper than formatting a float to six places).
fn process_time(elapsed: Duration) -> HeaderValue {
    let micros = elapsed.as_micros();
    HeaderValue::try_from(format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000))
        .unwrap_or_else(|_| HeaderValue::from_static("0"))
}
