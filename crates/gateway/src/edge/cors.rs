//! CORS from `CORS_ORIGINS`. Same-origin needs none (nginx serves the UI
//! and the API from one origin); a UI on another origin is listed exactly,
//! and only then may browsers send credentials (cookies).

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::settings::CorsOrigins;

/// Headers a cross-origin script may read: the request id to quote in bug
/// reports and the rate limit state to back off.
const EXPOSED: [HeaderName; 6] = [
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("x-process-time"),
    HeaderName::from_static("ratelimit-limit"),
    HeaderName::from_static("ratelimit-remaining"),
    HeaderName::from_static("ratelimit-reset"),
    header::RETRY_AFTER,
];

/// `None` when no origin is configured: no CORS headers at all.
pub fn layer(origins: &CorsOrigins) -> Option<CorsLayer> {
    let base = CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("x-csrf-token"),
        ])
        .expose_headers(EXPOSED)
        // Browsers cap this anyway (Chrome at 2 h); 10 min keeps a changed
        // policy effective soon.
        .max_age(Duration::from_secs(600));
    match origins {
        CorsOrigins::None => None,
        CorsOrigins::Any => Some(base.allow_origin(AllowOrigin::any())),
        CorsOrigins::List(list) => {
            let values: Vec<HeaderValue> = list
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok())
                .collect();
            Some(
                base.allow_origin(AllowOrigin::list(values))
                    .allow_credentials(true),
            )
        }
    }
}
