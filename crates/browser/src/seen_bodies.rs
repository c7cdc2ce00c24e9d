//! The body each request last turned into text, so that a byte-identical page
//! is answered "unchanged" without being parsed again.
//!
//! Extraction is a pure function of the response's content type, its body
//! and the request's selectors, and it is most of a plain fetch's CPU (the
//! HTML parse, the text walk). Many sites serve the same bytes check after
//! check without `ETag` or `Last-Modified`; for them this is the conditional
//! request the site does not offer. It lives in memory only: a replica that
//! restarts, or a request that went to another replica, parses once and
//! remembers again, and a stale entry can only cost a parse, never a wrong
//! answer, since an entry is used only when both the body and the caller's
//! text match it.

use moka::sync::Cache;
use sha2::{Digest, Sha256};

/// SHA-256 of what extraction reads: the content type (it decides the
/// charset and the kind of document) and the raw body.
pub type BodyDigest = [u8; 32];

pub fn body_digest(content_type: &str, body: &[u8]) -> BodyDigest {
    let mut hasher = Sha256::new();
    hasher.update(content_type.as_bytes());
    // No content type holds a NUL, so the two parts cannot run together.
    hasher.update([0]);
    hasher.update(body);
    hasher.finalize().into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    body: BodyDigest,
    text_sha256: [u8; 32],
}

/// Up to a fixed number of requests (by `validators::request_key`: URL and
/// selectors); when full, moka evicts the entries used least (TinyLFU). None
/// when built with zero.
pub struct SeenBodies {
    cache: Option<Cache<String, Seen>>,
}

impl SeenBodies {
    pub fn new(max_entries: u64) -> Self {
        Self {
            cache: (max_entries > 0).then(|| Cache::new(max_entries)),
        }
    }

    /// Whether `body` is the body that last made the caller's text
    /// (`previous_text_sha256`, lowercase hex) for this request.
    pub fn unchanged(
        &self,
        request_key: &str,
        body: &BodyDigest,
        previous_text_sha256: &str,
    ) -> bool {
        let Some(cache) = &self.cache else {
            return false;
        };
        let mut previous = [0_u8; 32];
        if hex::decode_to_slice(previous_text_sha256, &mut previous).is_err() {
            return false;
        }
        cache.get(request_key)
            == Some(Seen {
                body: *body,
                text_sha256: previous,
            })
    }

    /// Remembers that `body` made the text hashing to `text_sha256` (hex).
    pub fn remember(&self, request_key: &str, body: BodyDigest, text_sha256: &str) {
        let Some(cache) = &self.cache else {
            return;
        };
        let mut text = [0_u8; 32];
        if hex::decode_to_slice(text_sha256, &mut text).is_ok() {
            cache.insert(
                request_key.to_owned(),
                Seen {
                    body,
                    text_sha256: text,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
    const OTHER_TEXT: &str = "6b86b273ff34fce19d6b804eff5a3f5747ada4ea2f1b1c4bf1e2e2d2c3e1f2a3";

    #[test]
    fn only_the_same_body_for_the_same_text_and_request_is_unchanged() {
        let seen = SeenBodies::new(100);
        let body = body_digest("text/html", b"<p>hello</p>");
        assert!(!seen.unchanged("key", &body, TEXT), "nothing seen yet");
        seen.remember("key", body, TEXT);
        assert!(seen.unchanged("key", &body, TEXT));
        assert!(
            !seen.unchanged("key", &body, OTHER_TEXT),
            "the caller holds another text"
        );
        assert!(
            !seen.unchanged("other key", &body, TEXT),
            "another URL or selector"
        );
        let changed = body_digest("text/html", b"<p>hello!</p>");
        assert!(!seen.unchanged("key", &changed, TEXT));
        assert!(!seen.unchanged("key", &body, "not hex"));
    }

    #[test]
    fn the_content_type_is_part_of_the_body() {
        let body = b"caf\xe9";
        assert_ne!(
            body_digest("text/plain; charset=ISO-8859-1", body),
            body_digest("text/plain", body),
            "another charset makes another text from the same bytes"
        );
    }

    #[test]
    fn zero_entries_remember_nothing() {
        let seen = SeenBodies::new(0);
        let body = body_digest("text/html", b"<p>hello</p>");
        seen.remember("key", body, TEXT);
        assert!(!seen.unchanged("key", &body, TEXT));
    }
}
