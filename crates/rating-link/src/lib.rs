//! Signed links that rate one alert "useful" or "noise" without signing in.
//!
//! A link's token is `base64url(check id ‖ rating ‖ expiry) . base64url(HMAC-SHA256)`, keyed
//! with `ALERT_RATING_KEY`, which the scheduler (signing links into alerts) and the gateway
//! (verifying them) share. The token names exactly one check and one rating, so it can do
//! nothing else; it expires; and the gateway stores a digest of every token it accepted
//! ([`RatingToken::digest`]) so each link works once.
//!
//! The same key signs the one-click unsubscribe links of email channels ([`unsubscribe`]), in
//! a MAC domain of their own.
//!
//! Architecture Invariant: a token carries no user data and no secret; the key never leaves
//! the two services' configuration.

pub mod unsubscribe;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How long a rating link works: long enough for an alert read after a holiday.
pub const LINK_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// Check id (16 bytes), rating (1 byte), expiry in Unix seconds (8 bytes).
const PAYLOAD_LEN: usize = 25;

/// What a user says of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    Useful,
    Noise,
}

impl Rating {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Useful => "useful",
            Self::Noise => "noise",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "useful" => Some(Self::Useful),
            "noise" => Some(Self::Noise),
            _ => None,
        }
    }

    fn byte(self) -> u8 {
        match self {
            Self::Useful => 1,
            Self::Noise => 2,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Self::Useful),
            2 => Some(Self::Noise),
            _ => None,
        }
    }
}

/// Why a token was refused. The gateway answers all but `Expired` alike, so a forger learns
/// nothing from the difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the rating link is malformed")]
    Malformed,
    #[error("the rating link's signature does not match")]
    BadSignature,
    #[error("the rating link has expired")]
    Expired,
}

/// A verified token: which check, which rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatingToken {
    pub check_id: Uuid,
    pub rating: Rating,
    /// Unix seconds.
    pub expires_at: u64,
}

impl RatingToken {
    /// A digest of the token text, stored once the link is used so it works only once.
    pub fn digest(token: &str) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
    }
}

/// Signs and verifies rating tokens with one key.
#[derive(Clone)]
pub struct RatingLinks {
    key: SecretString,
}

impl std::fmt::Debug for RatingLinks {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("RatingLinks(..)")
    }
}

type HmacSha256 = Hmac<Sha256>;

impl RatingLinks {
    pub fn new(key: SecretString) -> Self {
        Self { key }
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        #[allow(clippy::expect_used)]
        HmacSha256::new_from_slice(self.key.expose_secret().as_bytes())
            .expect("HMAC accepts keys of any length")
    }

    /// `base64url(payload) . base64url(HMAC(domain ‖ payload))`: the shape of every token.
    /// Rating tokens have the empty domain; other kinds a label of their own, so no token of
    /// one kind verifies as another.
    fn seal(&self, domain: &[u8], payload: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(domain);
        mac.update(payload);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    /// The payload of a token sealed in `domain`, once its length is `len` and its signature
    /// holds (checked in constant time).
    fn open(&self, domain: &[u8], token: &str, len: usize) -> Result<Vec<u8>, LinkError> {
        let (payload, signature) = token.split_once('.').ok_or(LinkError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| LinkError::Malformed)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| LinkError::Malformed)?;
        if payload.len() != len {
            return Err(LinkError::Malformed);
        }
        let mut mac = self.mac();
        mac.update(domain);
        mac.update(&payload);
        mac.verify_slice(&signature)
            .map_err(|_| LinkError::BadSignature)?;
        Ok(payload)
    }

    /// The token rating `check_id` as `rating`, valid until `now + LINK_LIFETIME`.
    pub fn sign(&self, check_id: Uuid, rating: Rating, now: SystemTime) -> String {
        let mut payload = Vec::with_capacity(PAYLOAD_LEN);
        payload.extend_from_slice(check_id.as_bytes());
        payload.push(rating.byte());
        payload.extend_from_slice(&expiry_after(now, LINK_LIFETIME));
        self.seal(b"", &payload)
    }

    /// Checks the signature (in constant time) and the expiry of `token` at `now`.
    pub fn verify(&self, token: &str, now: SystemTime) -> Result<RatingToken, LinkError> {
        let payload = self.open(b"", token, PAYLOAD_LEN)?;
        let (id, rest) = payload.split_at(16);
        let check_id = Uuid::from_slice(id).map_err(|_| LinkError::Malformed)?;
        let rating = Rating::from_byte(rest[0]).ok_or(LinkError::Malformed)?;
        let expires_at = unexpired(&rest[1..], now)?;
        Ok(RatingToken {
            check_id,
            rating,
            expires_at,
        })
    }
}

/// `issued_at + lifetime` in Unix seconds, as the 8 big-endian bytes a payload ends with.
fn expiry_after(issued_at: SystemTime, lifetime: Duration) -> [u8; 8] {
    issued_at
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_add(lifetime)
        .as_secs()
        .to_be_bytes()
}

/// The expiry in `bytes` (as [`expiry_after`] wrote it), unless it has passed at `now`.
fn unexpired(bytes: &[u8], now: SystemTime) -> Result<u64, LinkError> {
    let expires_at = u64::from_be_bytes(bytes.try_into().map_err(|_| LinkError::Malformed)?);
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    if now >= expires_at {
        return Err(LinkError::Expired);
    }
    Ok(expires_at)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn links(key: &str) -> RatingLinks {
        RatingLinks::new(SecretString::from(key.to_owned()))
    }

    #[test]
    fn a_signed_token_verifies_to_its_check_and_rating() {
        let check = Uuid::now_v7();
        let now = SystemTime::now();
        let token = links("k1").sign(check, Rating::Noise, now);
        let verified = links("k1").verify(&token, now).unwrap();
        assert_eq!(verified.check_id, check);
        assert_eq!(verified.rating, Rating::Noise);
    }

    #[test]
    fn another_key_a_changed_rating_or_a_late_click_is_refused() {
        let check = Uuid::now_v7();
        let now = SystemTime::now();
        let token = links("k1").sign(check, Rating::Useful, now);
        assert_eq!(
            links("k2").verify(&token, now),
            Err(LinkError::BadSignature)
        );
        let (payload, signature) = token.split_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        bytes[16] = Rating::Noise.byte();
        let forged = format!("{}.{signature}", URL_SAFE_NO_PAD.encode(bytes));
        assert_eq!(
            links("k1").verify(&forged, now),
            Err(LinkError::BadSignature)
        );
        let later = now + LINK_LIFETIME + Duration::from_secs(1);
        assert_eq!(links("k1").verify(&token, later), Err(LinkError::Expired));
        assert_eq!(
            links("k1").verify("not-a-token", now),
            Err(LinkError::Malformed)
        );
    }
}
