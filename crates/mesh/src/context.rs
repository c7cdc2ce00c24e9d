//! Request id and W3C trace context, carried from the gateway through every
//! internal call so that one user action can be followed across the mesh.

use opentelemetry::propagation::{Extractor, Injector};
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tracing_opentelemetry::OpenTelemetrySpanExt;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `future` with `request_id` as the id propagated to internal calls.
pub async fn with_request_id<F: std::future::Future>(request_id: String, future: F) -> F::Output {
    REQUEST_ID.scope(request_id, future).await
}

/// The request id of the task, if one was set with [`with_request_id`].
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// The request id a caller sent, when it is well formed.
pub fn request_id(metadata: &MetadataMap) -> Option<String> {
    metadata
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_valid_request_id(value))
        .map(str::to_owned)
}

/// [`request_id`] on plain HTTP headers, for checks that run before tonic
/// turns them into metadata.
pub fn request_id_from_headers(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_valid_request_id(value))
}

/// Ids are echoed into logs and headers, so only a safe alphabet and a
/// bounded length are accepted.
pub fn is_valid_request_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b':'))
}

/// Writes the task's request id and the current span's trace context.
pub fn inject(metadata: &mut MetadataMap) {
    if let Some(id) = current_request_id()
        && let Ok(value) = MetadataValue::try_from(id.as_str())
    {
        metadata.insert(REQUEST_ID_HEADER, value);
    }
    let context = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut MetadataInjector(metadata));
    });
}

/// The remote trace context sent with an HTTP/gRPC request.
pub fn extract(headers: &http::HeaderMap) -> opentelemetry::Context {
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(headers))
    })
}

struct MetadataInjector<'a>(&'a mut MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            MetadataKey::from_bytes(key.as_bytes()),
            MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(key, value);
        }
    }
}

pub struct HeaderExtractor<'a>(pub &'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_with_unsafe_characters_are_ignored() {
        assert!(is_valid_request_id("3f2a-11:ab_c.d"));
        assert!(!is_valid_request_id(""));
        assert!(!is_valid_request_id("id with spaces"));
        assert!(!is_valid_request_id("line\nbreak"));
        assert!(!is_valid_request_id(&"a".repeat(129)));
    }

    #[tokio::test]
    async fn the_task_request_id_is_written_into_outgoing_metadata() {
        let mut metadata = MetadataMap::new();
        with_request_id("req-42".to_owned(), async {
            inject(&mut metadata);
        })
        .await;
        assert_eq!(request_id(&metadata).as_deref(), Some("req-42"));
    }
}
