//! What a request presents as its credential, read once by one parser that
//! the edge (whose budget a request spends) and the auth extractor (who is
//! calling) share, so the two can never disagree.
//!
//! Precedence: `Authorization: Bearer …` (an access JWT, or an API key
//! `lk_…`), then `X-API-Key: lk_…`, then the session cookie. A request
//! with two `Authorization` headers, two `X-API-Key` headers, or an
//! `X-API-Key` that differs from its bearer value is ambiguous: 400, not
//! "the first one wins".

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use super::cookies;
use crate::error::{ApiError, AuthFailure};

/// The header an API key may come in instead of `Authorization: Bearer`.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The credential a request presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented<'a> {
    /// An access JWT from `Authorization: Bearer`, or from the session
    /// cookie (`via_cookie`: writes must then pass the CSRF checks).
    AccessToken { token: &'a str, via_cookie: bool },
    /// An API key, from `Authorization: Bearer` or `X-API-Key`.
    ApiKey(&'a str),
}

/// Why a request's credential cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Nothing presented at all.
    Missing,
    /// A header that is not `Bearer <token>`, or an empty token.
    Malformed,
    /// Two credentials that could each be meant.
    Ambiguous,
}

impl From<Unreadable> for ApiError {
    fn from(unreadable: Unreadable) -> Self {
        match unreadable {
            Unreadable::Missing => ApiError::Unauthorized(AuthFailure::Missing),
            Unreadable::Malformed => ApiError::Unauthorized(AuthFailure::Invalid),
            Unreadable::Ambiguous => ApiError::BadRequest(
                "send one credential: a single Authorization header, or X-API-Key alone or with the same key".to_owned(),
            ),
        }
    }
}

/// The one value of header `name`; `Ambiguous` when it is repeated.
fn single<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Unreadable> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Unreadable::Ambiguous);
    }
    let value = first.to_str().map_err(|_| Unreadable::Malformed)?.trim();
    Ok(Some(value))
}

pub fn presented(headers: &HeaderMap) -> Result<Presented<'_>, Unreadable> {
    let bearer = single(headers, AUTHORIZATION.as_str())?
        .map(|value| {
            let (scheme, token) = value.split_once(' ').ok_or(Unreadable::Malformed)?;
            let token = token.trim();
            if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
                return Err(Unreadable::Malformed);
            }
            Ok(token)
        })
        .transpose();
    let api_key = single(headers, API_KEY_HEADER)?;
    // Checked before a malformed Authorization is reported: two credentials
    // is the caller's mistake whatever either one holds.
    let bearer = match (bearer, api_key) {
        (Ok(Some(token)), Some(key)) if token != key => return Err(Unreadable::Ambiguous),
        (Err(_), Some(_)) => return Err(Unreadable::Ambiguous),
        (bearer, _) => bearer?,
    };
    if let Some(token) = bearer {
        return Ok(if token.starts_with("lk_") {
            Presented::ApiKey(token)
        } else {
            Presented::AccessToken {
                token,
                via_cookie: false,
            }
        });
    }
    if let Some(key) = api_key {
        return if key.starts_with("lk_") {
            Ok(Presented::ApiKey(key))
        } else {
            Err(Unreadable::Malformed)
        };
    }
    match cookies::get(headers, cookies::SESSION) {
        Some(token) => Ok(Presented::AccessToken {
            token,
            via_cookie: true,
        }),
        None => Err(Unreadable::Missing),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn a_bearer_token_is_an_access_token_unless_it_is_a_key() {
        assert_eq!(
            presented(&headers(&[("authorization", "Bearer a.b.c")])),
            Ok(Presented::AccessToken {
                token: "a.b.c",
                via_cookie: false
            })
        );
        assert_eq!(
            presented(&headers(&[("authorization", "bearer lk_x_y")])),
            Ok(Presented::ApiKey("lk_x_y"))
        );
    }

    #[test]
    fn an_x_api_key_header_is_a_key_and_equal_to_its_bearer_twin_is_fine() {
        assert_eq!(
            presented(&headers(&[("x-api-key", "lk_x_y")])),
            Ok(Presented::ApiKey("lk_x_y"))
        );
        assert_eq!(
            presented(&headers(&[
                ("x-api-key", "lk_x_y"),
                ("authorization", "Bearer lk_x_y")
            ])),
            Ok(Presented::ApiKey("lk_x_y"))
        );
        assert_eq!(
            presented(&headers(&[("x-api-key", "a.b.c")])),
            Err(Unreadable::Malformed)
        );
    }

    #[test]
    fn two_credentials_are_ambiguous() {
        for pairs in [
            &[
                ("authorization", "Bearer a.b.c"),
                ("authorization", "Bearer d.e.f"),
            ][..],
            &[("x-api-key", "lk_a_b"), ("x-api-key", "lk_a_b")],
            &[("x-api-key", "lk_a_b"), ("authorization", "Bearer lk_c_d")],
            &[("x-api-key", "lk_a_b"), ("authorization", "Bearer a.b.c")],
            &[("x-api-key", "lk_a_b"), ("authorization", "Basic Zm9v")],
        ] {
            assert_eq!(
                presented(&headers(pairs)),
                Err(Unreadable::Ambiguous),
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn the_cookie_counts_only_without_headers() {
        assert_eq!(
            presented(&headers(&[("cookie", "lookout_session=a.b.c")])),
            Ok(Presented::AccessToken {
                token: "a.b.c",
                via_cookie: true
            })
        );
        assert_eq!(presented(&HeaderMap::new()), Err(Unreadable::Missing));
        assert_eq!(
            presented(&headers(&[("authorization", "Token abc")])),
            Err(Unreadable::Malformed)
        );
    }
}
