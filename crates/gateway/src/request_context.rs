//! The request's context and its single log line.
//!
//! Every request gets an id (tower-http's `SetRequestId`, see
//! [`crate::edge::wrap`]): the caller's `X-Request-ID` when well formed (a
//! proxy in front may have set it), otherwise a new UUID. [`serve`] records
//! it on the request's span and scopes it over the handler with
//! `mesh::context::with_request_id`, so internal gRPC calls carry it and
//! error bodies include it.
//!
//! Every response also carries `X-Process-Time` (seconds, the gateway's own
//! time from request to response headers) and is counted in
//! [`crate::metrics`] by route template and status.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use mesh::context::{REQUEST_ID_HEADER, is_valid_request_id, with_request_id};
use tracing::Instrument;

use crate::error::InternalDetail;
use crate::metrics::METRICS;

/// Removes a caller's `X-Request-ID` that is not well formed, so a fresh
/// one replaces it instead of reaching logs and upstream calls.
pub async fn drop_malformed_request_id(mut request: Request) -> Request {
    let malformed = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .is_some_and(|value| !value.to_str().is_ok_and(is_valid_request_id));
    if malformed {
        request.headers_mut().remove(REQUEST_ID_HEADER);
    }
    request
}

/// Serves the rest of the edge and the route inside the request's context:
/// the id, the span, the log line and the metrics.
pub async fn serve(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let method = request.method().clone();
    // The route template, not the raw path: ids in paths would make every
    // log line unique and may be sensitive.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    METRICS.in_flight.inc();
    let span = tracing::info_span!("http", %method, route = %route, request_id = %request_id);
    let started = Instant::now();
    let mut response = with_request_id(request_id, next.run(request))
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
    response.headers_mut().insert(
        HeaderName::from_static("x-process-time"),
        process_time(elapsed),
    );
    response
}

/// Seconds with microsecond precision, as `X-Process-Time` carries them.
fn process_time(elapsed: Duration) -> HeaderValue {
    let text = format!("{}.{:06}", elapsed.as_secs(), elapsed.subsec_micros());
    HeaderValue::try_from(text).unwrap_or_else(|_| HeaderValue::from_static("0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_time_is_seconds_with_six_zero_padded_decimals() {
        for (elapsed, expected) in [
            (Duration::ZERO, "0.000000"),
            (Duration::from_micros(42), "0.000042"),
            (Duration::from_nanos(1_999), "0.000001"),
            (Duration::from_micros(1_050_000), "1.050000"),
            (Duration::from_secs(31), "31.000000"),
        ] {
            assert_eq!(process_time(elapsed), expected, "{elapsed:?}");
        }
    }

    #[tokio::test]
    async fn a_malformed_request_id_is_dropped_and_a_good_one_kept() {
        let with_id = |id: &str| {
            Request::builder()
                .header(REQUEST_ID_HEADER, id)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let kept = drop_malformed_request_id(with_id("client-abc.123")).await;
        assert_eq!(kept.headers()[REQUEST_ID_HEADER], "client-abc.123");
        let dropped = drop_malformed_request_id(with_id("bad id with spaces")).await;
        assert!(!dropped.headers().contains_key(REQUEST_ID_HEADER));
    }
}
