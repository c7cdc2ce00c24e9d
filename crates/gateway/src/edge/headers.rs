//! The values of the security headers (set by the layers in
//! [`super::wrap`]).
//!
//! The same values nginx sets in production (`deploy/nginx/nginx.conf`
//! hides the gateway's copies), so the gateway alone, in development or
//! behind another proxy, is as strict.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// The UI and any other HTML we serve: our own scripts, styles and API only.
pub const HTML_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// Sent only when the client reached us over TLS, the only case where it
/// means anything.
pub const HSTS: &str = "max-age=63072000; includeSubDomains";
pub const REFERRER_POLICY: &str = "strict-origin-when-cross-origin";
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// [`HTML_CSP`] for HTML responses; nothing for others.
pub fn html_csp(response: &Response) -> Option<HeaderValue> {
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    html.then(|| HeaderValue::from_static(HTML_CSP))
}

/// API and auth responses are personal: `Cache-Control: no-store` unless the
/// handler set a (private) policy of its own.
pub fn is_private_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/auth" || path.starts_with("/auth/")
}
