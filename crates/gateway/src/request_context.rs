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

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use mesh::context::{REQUEST_ID_HEADER, is_valid_request_id, with_request_id};
use tracing::Instrument;

use crate::error::InternalDetail;
use crate::metrics::METRICS;

pub async fn request_context(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_valid_request_id(value))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    // The route template, not the raw path: ids in paths would make every
    // log line unique and may be sensitive.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().clone();
    METRICS.in_flight.inc();
    let span = tracing::info_span!(
        "http",
        %method,
        route = %route,
        request_id = %request_id,
    );
    let started = Instant::now();
    let mut response = with_request_id(request_id.clone(), next.run(request))
        .instrument(span.clone())
        .await;
    let elapsed = started.elapsed();
    METRICS.in_flight.dec();
    let _entered = span.enter();
    let status = response.status();
    let elapsed_ms = elapsed.as_millis();
    METRICS.observe_request(method.as_str(), &route, status.as_u16(), elapsed);
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
    if let Ok(value) = HeaderValue::from_str(&format!("{:.6}", elapsed.as_secs_f64())) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-process-time"), value);
    }
    response
}
