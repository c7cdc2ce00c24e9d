//! Conditional requests: a page's `ETag` and `Last-Modified` travel to the
//! caller as one opaque token, bound to the URL and selectors they were
//! served for, and come back with the next fetch of the same monitor. A 304
//! then answers "unchanged" without a body.
//!
//! The binding matters: a 304 says the *body* did not change, while the
//! caller compares extracted text. After a monitor's selector is edited, the
//! same body yields another text, so validators served for other selectors
//! are never sent.

use reqwest::header::{
    ETAG, HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use sha2::{Digest, Sha256};

/// A token longer than this is neither handed out nor accepted: real
/// validators are short, and the caller stores the token with every text.
const MAX_TOKEN_BYTES: usize = 1024;

/// The format's first line, so a later format can tell old tokens apart.
const VERSION: &str = "v1";

/// What a conditional request sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validators {
    /// Which request these validators belong to ([`request_key`]).
    key: String,
    etag: Option<HeaderValue>,
    last_modified: Option<HeaderValue>,
}

/// Binds validators to what makes the text: the URL and the selectors as
/// the caller sent them (never header or cookie values, which may be secrets).
pub fn request_key(url: &str, selectors: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(url.as_bytes());
    for selector in selectors {
        // A separator no URL or selector field can hold keeps the fields apart.
        hasher.update([0]);
        hasher.update(selector.as_bytes());
    }
    hex::encode(hasher.finalize())
}

impl Validators {
    /// The validators of a response, if it has any.
    pub fn from_response(key: &str, headers: &HeaderMap) -> Option<Self> {
        let validators = Self {
            key: key.to_owned(),
            etag: headers.get(ETAG).cloned(),
            last_modified: headers.get(LAST_MODIFIED).cloned(),
        };
        (validators.etag.is_some() || validators.last_modified.is_some()).then_some(validators)
    }

    /// The caller's token, when it was handed out for the request `key`
    /// names; anything else (another request, an older format, a damaged
    /// value) is no validator at all and the fetch is unconditional.
    pub fn from_token(token: &str, key: &str) -> Option<Self> {
        if token.len() > MAX_TOKEN_BYTES {
            return None;
        }
        let mut lines = token.split('\n');
        let (Some(VERSION), Some(token_key), Some(etag), Some(last_modified), None) = (
            lines.next(),
            lines.next(),
            lines.next(),
            lines.next(),
            lines.next(),
        ) else {
            return None;
        };
        if token_key != key {
            return None;
        }
        let header = |value: &str| -> Result<Option<HeaderValue>, ()> {
            if value.is_empty() {
                return Ok(None);
            }
            HeaderValue::from_str(value).map(Some).map_err(|_| ())
        };
        let validators = Self {
            key: key.to_owned(),
            etag: header(etag).ok()?,
            last_modified: header(last_modified).ok()?,
        };
        (validators.etag.is_some() || validators.last_modified.is_some()).then_some(validators)
    }

    /// The token handed to the caller; empty when it would be too long or
    /// a value is not text.
    pub fn to_token(&self) -> String {
        let text = |value: &Option<HeaderValue>| -> Option<String> {
            match value {
                None => Some(String::new()),
                Some(value) => value.to_str().ok().map(str::to_owned),
            }
        };
        let (Some(etag), Some(last_modified)) = (text(&self.etag), text(&self.last_modified))
        else {
            return String::new();
        };
        let token = format!("{VERSION}\n{}\n{etag}\n{last_modified}", self.key);
        if token.len() > MAX_TOKEN_BYTES {
            return String::new();
        }
        token
    }

    /// `If-None-Match` and `If-Modified-Since` for the request.
    pub fn conditional_headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(etag) = &self.etag {
            headers.insert(IF_NONE_MATCH, etag.clone());
        }
        if let Some(last_modified) = &self.last_modified {
            headers.insert(IF_MODIFIED_SINCE, last_modified.clone());
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_comes_back_only_for_the_request_it_was_handed_out_for() {
        let key = request_key("https://example.test/", &["h1", "", "", "", ""]);
        let mut headers = HeaderMap::new();
        headers.insert(ETAG, HeaderValue::from_static("\"abc\""));
        let validators = Validators::from_response(&key, &headers).unwrap();
        let token = validators.to_token();
        assert_eq!(Validators::from_token(&token, &key), Some(validators));

        let other_selector = request_key("https://example.test/", &["h2", "", "", "", ""]);
        assert_eq!(Validators::from_token(&token, &other_selector), None);
        assert_eq!(Validators::from_token("garbage", &key), None);
        assert_eq!(Validators::from_token(&"x".repeat(2000), &key), None);
        assert_eq!(Validators::from_response(&key, &HeaderMap::new()), None);
    }
}
