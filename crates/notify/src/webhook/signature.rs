//! Standard Webhooks signatures: `v1,` + base64(HMAC-SHA256(key, id.timestamp.body)).
//! [`verify`] is public so receivers and tests check deliveries exactly the way
//! they are signed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::WebhookSecret;

pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// How far a receiver's clock may disagree with the timestamp; also the window
/// in which a captured request could be replayed, so receivers that need more
/// should remember the ids they saw for that long.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC hashes over-long keys and pads short ones, so no key length is invalid.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `webhook-signature` header value for one delivery.
pub fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret.key_bytes(), id, timestamp, body)
        .finalize()
        .into_bytes();
    format!("v1,{}", BASE64.encode(tag))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the signing secret is not a valid whsec_ secret")]
    InvalidSecret,
    #[error("header {0} is missing or not text")]
    MissingHeader(&'static str),
    #[error("webhook-timestamp is not a unix timestamp")]
    InvalidTimestamp,
    #[error("webhook-timestamp is outside the tolerated window")]
    TimestampOutOfTolerance,
    #[error("no signature matches")]
    SignatureMismatch,
}

/// Checks a received webhook: the timestamp is within `tolerance` of `now`
/// (either direction) and one of the space-separated `v1,` signatures matches.
/// `secret` is the `whsec_...` string the channel was configured with.
pub fn verify(
    secret: &str,
    headers: &http::HeaderMap,
    body: &[u8],
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let secret = WebhookSecret::parse(secret, "secret").map_err(|_| VerifyError::InvalidSecret)?;
    let header = |name: &'static str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .ok_or(VerifyError::MissingHeader(name))
    };
    let id = header(ID_HEADER)?;
    let timestamp: i64 = header(TIMESTAMP_HEADER)?
        .trim()
        .parse()
        .map_err(|_| VerifyError::InvalidTimestamp)?;
    let signatures = header(SIGNATURE_HEADER)?;

    let now = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| VerifyError::TimestampOutOfTolerance)?
        .as_secs();
    let now = i64::try_from(now).map_err(|_| VerifyError::TimestampOutOfTolerance)?;
    let tolerance = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if now.abs_diff(timestamp) > tolerance.unsigned_abs() {
        return Err(VerifyError::TimestampOutOfTolerance);
    }

    let expected = mac(secret.key_bytes(), id, timestamp, body);
    let matches = signatures
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|encoded| BASE64.decode(encoded).ok())
        // `verify_slice` compares in constant time.
        .any(|candidate| expected.clone().verify_slice(&candidate).is_ok());
    if matches {
        Ok(())
    } else {
        Err(VerifyError::SignatureMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn signed(id: &str, timestamp: i64, body: &[u8]) -> http::HeaderMap {
        let secret = WebhookSecret::parse(SECRET, "secret").unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert(ID_HEADER, id.parse().unwrap());
        headers.insert(TIMESTAMP_HEADER, timestamp.to_string().parse().unwrap());
        let signature = sign(&secret, id, timestamp, body);
        headers.insert(SIGNATURE_HEADER, signature.parse().unwrap());
        headers
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // Test vector from the Standard Webhooks specification's reference libraries.
        let secret = WebhookSecret::parse(SECRET, "secret").unwrap();
        let body = br#"{"test": 2432232314}"#;
        let signature = sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_fresh_correct_signature_verifies() {
        let headers = signed("msg_1", 1_000_000, b"{}");
        assert_eq!(
            verify(SECRET, &headers, b"{}", at(1_000_100), DEFAULT_TOLERANCE),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_or_wrong_secret_is_rejected() {
        let headers = signed("msg_1", 1_000_000, b"{}");
        let now = at(1_000_000);
        assert_eq!(
            verify(SECRET, &headers, b"{ }", now, DEFAULT_TOLERANCE),
            Err(VerifyError::SignatureMismatch)
        );
        let other = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY";
        assert_eq!(
            verify(other, &headers, b"{}", now, DEFAULT_TOLERANCE),
            Err(VerifyError::SignatureMismatch)
        );
    }

    #[test]
    fn timestamps_older_or_newer_than_the_tolerance_are_rejected() {
        let headers = signed("msg_1", 1_000_000, b"{}");
        for now in [at(1_000_000 + 301), at(1_000_000 - 301)] {
            assert_eq!(
                verify(SECRET, &headers, b"{}", now, DEFAULT_TOLERANCE),
                Err(VerifyError::TimestampOutOfTolerance)
            );
        }
    }

    #[test]
    fn missing_headers_are_named() {
        let mut headers = signed("msg_1", 1_000_000, b"{}");
        headers.remove(SIGNATURE_HEADER);
        assert_eq!(
            verify(SECRET, &headers, b"{}", at(1_000_000), DEFAULT_TOLERANCE),
            Err(VerifyError::MissingHeader(SIGNATURE_HEADER))
        );
    }
}
