//! Cross-site request forgery defence for cookie-authenticated writes.
//!
//! Two independent checks, both required:
//! 1. the request's `Origin` (or, when a browser leaves it out, the origin
//!    of its `Referer`) is ours: `PUBLIC_BASE_URL`'s origin or one of
//!    `CORS_ORIGINS`;
//! 2. double submit: header `X-CSRF-Token` equals cookie `lookout_csrf`,
//!    compared in constant time. Another site can make the browser send our
//!    cookies but can neither read them nor set our headers.
//!
//! Bearer requests (API clients) carry no ambient credential and are not
//! checked.

use axum::http::header::{ORIGIN, REFERER};
use axum::http::{HeaderMap, Method};
use subtle::ConstantTimeEq;
use url::Url;

use crate::auth::cookies;

pub const HEADER: &str = "x-csrf-token";

/// Why a write was refused; logged, never returned in detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrfFailure {
    ForeignOrigin,
    MissingOrigin,
    TokenMismatch,
}

impl CsrfFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ForeignOrigin => "foreign_origin",
            Self::MissingOrigin => "missing_origin",
            Self::TokenMismatch => "token_mismatch",
        }
    }
}

/// The origins allowed to send cookie-authenticated writes.
#[derive(Debug, Clone)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    pub fn new(public_base_url: &Url, extra: &[String]) -> Self {
        let mut origins = vec![public_base_url.origin().ascii_serialization()];
        origins.extend(extra.iter().cloned());
        Self(origins)
    }

    fn allows(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        self.0
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(origin))
    }
}

pub fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Checks a cookie-authenticated request; safe methods always pass.
pub fn check(
    method: &Method,
    headers: &HeaderMap,
    allowed: &AllowedOrigins,
) -> Result<(), CsrfFailure> {
    check_origin(method, headers, allowed)?;
    if is_safe_method(method) {
        return Ok(());
    }
    let cookie = cookies::get(headers, cookies::CSRF).unwrap_or_default();
    let header = headers
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if cookie.is_empty() || !bool::from(cookie.as_bytes().ct_eq(header.as_bytes())) {
        return Err(CsrfFailure::TokenMismatch);
    }
    Ok(())
}

/// The first check alone: a write's origin is ours. For identities a
/// trusted proxy asserts, which have no session to carry a token.
pub fn check_origin(
    method: &Method,
    headers: &HeaderMap,
    allowed: &AllowedOrigins,
) -> Result<(), CsrfFailure> {
    if is_safe_method(method) {
        return Ok(());
    }
    let origin = match headers.get(ORIGIN).and_then(|value| value.to_str().ok()) {
        Some(origin) => Some(origin.to_owned()),
        None => headers
            .get(REFERER)
            .and_then(|value| value.to_str().ok())
            .and_then(|referer| Url::parse(referer).ok())
            .map(|url| url.origin().ascii_serialization()),
    };
    match origin {
        None => Err(CsrfFailure::MissingOrigin),
        // "null" is what sandboxed frames and some redirects send.
        Some(origin) if !allowed.allows(&origin) => Err(CsrfFailure::ForeignOrigin),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn allowed() -> AllowedOrigins {
        AllowedOrigins::new(&Url::parse("https://lookout.example/").unwrap(), &[])
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn a_same_origin_write_with_matching_tokens_passes() {
        let request = headers(&[
            ("origin", "https://lookout.example"),
            ("cookie", "lookout_csrf=abc"),
            ("x-csrf-token", "abc"),
        ]);
        assert_eq!(check(&Method::POST, &request, &allowed()), Ok(()));
    }

    #[test]
    fn writes_from_elsewhere_or_without_the_token_are_refused() {
        let foreign = headers(&[
            ("origin", "https://evil.example"),
            ("cookie", "lookout_csrf=abc"),
            ("x-csrf-token", "abc"),
        ]);
        assert_eq!(
            check(&Method::POST, &foreign, &allowed()),
            Err(CsrfFailure::ForeignOrigin)
        );
        let null = headers(&[("origin", "null")]);
        assert_eq!(
            check(&Method::DELETE, &null, &allowed()),
            Err(CsrfFailure::ForeignOrigin)
        );
        let no_origin = headers(&[("cookie", "lookout_csrf=abc"), ("x-csrf-token", "abc")]);
        assert_eq!(
            check(&Method::PATCH, &no_origin, &allowed()),
            Err(CsrfFailure::MissingOrigin)
        );
        let mismatch = headers(&[
            ("referer", "https://lookout.example/#/monitors"),
            ("cookie", "lookout_csrf=abc"),
            ("x-csrf-token", "abd"),
        ]);
        assert_eq!(
            check(&Method::POST, &mismatch, &allowed()),
            Err(CsrfFailure::TokenMismatch)
        );
        assert_eq!(check(&Method::GET, &foreign, &allowed()), Ok(()));
    }
}
