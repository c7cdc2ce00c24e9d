//! The cookies of a browser session.
//!
//! - `lookout_session`: the access token. HttpOnly, `Path=/`, SameSite=Lax.
//! - `lookout_refresh`: the refresh token. HttpOnly, `Path=/auth` so it is
//!   only ever sent to the refresh and logout endpoints, SameSite=Strict.
//! - `lookout_csrf`: the double-submit token. Not HttpOnly: the UI reads it
//!   and echoes it in `X-CSRF-Token`.
//! - `lookout_oauth_state`: binds a sign-in attempt to the browser that
//!   started it (login CSRF), `Path=/auth/google`, 10 minutes.
//!
//! All are `Secure` unless the gateway is served over plain http (local
//! development), where browsers would drop them.

use std::time::Duration;

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};

pub const SESSION: &str = "lookout_session";
pub const REFRESH: &str = "lookout_refresh";
pub const CSRF: &str = "lookout_csrf";
pub const OAUTH_STATE: &str = "lookout_oauth_state";

const REFRESH_PATH: &str = "/auth";
const OAUTH_PATH: &str = "/auth/google";

/// The value of cookie `name` in the request, if sent once or more (the
/// first wins, as browsers send the most specific path first).
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// Builds `Set-Cookie` values with the gateway's attributes.
#[derive(Debug, Clone, Copy)]
pub struct CookieJar {
    pub secure: bool,
}

#[derive(Debug, Clone, Copy)]
enum SameSite {
    Lax,
    Strict,
}

impl CookieJar {
    fn build(
        &self,
        name: &str,
        value: &str,
        path: &str,
        max_age: Duration,
        http_only: bool,
        same_site: SameSite,
    ) -> Option<HeaderValue> {
        let mut cookie = format!(
            "{name}={value}; Path={path}; Max-Age={}; SameSite={}",
            max_age.as_secs(),
            match same_site {
                SameSite::Lax => "Lax",
                SameSite::Strict => "Strict",
            }
        );
        if http_only {
            cookie.push_str("; HttpOnly");
        }
        if self.secure {
            cookie.push_str("; Secure");
        }
        // Values are base64url, hex or JWTs: always valid header bytes.
        HeaderValue::from_str(&cookie).ok()
    }

    fn append(headers: &mut HeaderMap, value: Option<HeaderValue>) {
        if let Some(value) = value {
            headers.append(SET_COOKIE, value);
        }
    }

    /// The three cookies of a signed-in browser.
    pub fn set_session(
        &self,
        headers: &mut HeaderMap,
        access_token: &str,
        access_ttl: Duration,
        refresh_token: &str,
        csrf_token: &str,
        session_ttl: Duration,
    ) {
        Self::append(
            headers,
            self.build(SESSION, access_token, "/", access_ttl, true, SameSite::Lax),
        );
        Self::append(
            headers,
            self.build(
                REFRESH,
                refresh_token,
                REFRESH_PATH,
                session_ttl,
                true,
                SameSite::Strict,
            ),
        );
        Self::append(
            headers,
            self.build(CSRF, csrf_token, "/", session_ttl, false, SameSite::Lax),
        );
    }

    /// Expires every session cookie.
    pub fn clear_session(&self, headers: &mut HeaderMap) {
        let zero = Duration::ZERO;
        Self::append(
            headers,
            self.build(SESSION, "", "/", zero, true, SameSite::Lax),
        );
        Self::append(
            headers,
            self.build(REFRESH, "", REFRESH_PATH, zero, true, SameSite::Strict),
        );
        Self::append(
            headers,
            self.build(CSRF, "", "/", zero, false, SameSite::Lax),
        );
    }

    pub fn set_oauth_state(&self, headers: &mut HeaderMap, state: &str, ttl: Duration) {
        Self::append(
            headers,
            self.build(OAUTH_STATE, state, OAUTH_PATH, ttl, true, SameSite::Lax),
        );
    }

    pub fn clear_oauth_state(&self, headers: &mut HeaderMap) {
        Self::append(
            headers,
            self.build(
                OAUTH_STATE,
                "",
                OAUTH_PATH,
                Duration::ZERO,
                true,
                SameSite::Lax,
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others_and_empty_ones_are_absent() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; lookout_csrf=xyz; b="),
        );
        assert_eq!(get(&headers, CSRF), Some("xyz"));
        assert_eq!(get(&headers, "b"), None);
        assert_eq!(get(&headers, SESSION), None);
    }

    #[test]
    fn session_cookies_are_http_only_except_the_csrf_token() {
        let mut headers = HeaderMap::new();
        CookieJar { secure: true }.set_session(
            &mut headers,
            "jwt",
            Duration::from_secs(900),
            "refresh",
            "csrf",
            Duration::from_secs(86_400),
        );
        let cookies: Vec<_> = headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect();
        assert!(cookies[0].starts_with("lookout_session=jwt; Path=/;"));
        assert!(cookies[0].contains("HttpOnly") && cookies[0].contains("Secure"));
        assert!(cookies[1].contains("Path=/auth;") && cookies[1].contains("HttpOnly"));
        assert!(cookies[2].starts_with("lookout_csrf=csrf") && !cookies[2].contains("HttpOnly"));
    }
}
