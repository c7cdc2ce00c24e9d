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
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::Response;
use mesh::context::{REQUEST_ID_HEADER, is_valid_request_id, with_request_id};
use tracing::Instrument;

use crate::error::InternalDetail;
use crate::metrics::METRICS;

/// What the edge reads off a request before serving it: its id, method and
/// route template.
pub struct RequestContext {
    request_id: String,
    method: Method,
    route: Option<MatchedPath>,
}

impl RequestContext {
    pub fn of(request: &Request) -> Self {
        let request_id = request
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|value| is_valid_request_id(value))
            .map(str::to_owned)
            .unwrap_or_else(new_request_id);
        Self {
            request_id,
            method: request.method().clone(),
            // The route template, not the raw path: ids in paths would make
            // every log line unique and may be sensitive.
            route: request.extensions().get::<MatchedPath>().cloned(),
        }
    }

    /// Awaits `handled` (the rest of the edge and the route) inside the
    /// request's context: the id, the span, the log line and the metrics.
    pub async fn serve(self, handled: impl Future<Output = Response>) -> Response {
        let Self {
            request_id,
            method,
            route,
        } = self;
        let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
        METRICS.in_flight.inc();
        let span = tracing::info_span!(
            "http",
            %method,
            route = %route,
            request_id = %request_id,
        );
        let started = Instant::now();
        let response_id = HeaderValue::from_str(&request_id);
        let mut response = with_request_id(request_id, handled)
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
        if let Ok(value) = response_id {
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
}

/// A random (version 4) UUID from the thread's CSPRNG: `Uuid::new_v4`
/// asks the kernel (a `getrandom` system call) every time.
fn new_request_id() -> String {
    let mut buffer = uuid::Uuid::encode_buffer();
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut buffer)
        .to_owned()
}

/// Seconds with microsecond precision, as `X-Process-Time` carries them
/// (integers put together: cheaper than `format!`, let alone of a float).
fn process_time(elapsed: Duration) -> HeaderValue {
    let micros = elapsed.as_micros();
    let mut seconds = itoa::Buffer::new();
    let mut fraction = itoa::Buffer::new();
    // One million added, then its leading 1 dropped: six digits, zero-padded.
    let fraction = &fraction.format(micros % 1_000_000 + 1_000_000)[1..];
    let text = [seconds.format(micros / 1_000_000), ".", fraction].concat();
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

    #[test]
    fn new_request_ids_are_distinct_valid_v4_uuids() {
        let (first, second) = (new_request_id(), new_request_id());
        assert_ne!(first, second);
        for id in [first, second] {
            let parsed = uuid::Uuid::parse_str(&id).unwrap();
            assert_eq!(parsed.get_version_num(), 4);
            assert_eq!(parsed.hyphenated().to_string(), id);
            assert!(is_valid_request_id(&id));
        }
    }
}
