//! Signed one-click unsubscribe links of email channels (RFC 8058), under
//! the same key as rating links but in a domain of their own: the MAC
//! covers a label first, so no rating token verifies as an unsubscribe
//! token or the other way round.
//!
//! A token is `base64url(channel id ‖ address tag ‖ expiry) .
//! base64url(HMAC-SHA256)`. The address tag (8 bytes of the SHA-256 of the
//! lowercased address) binds the link to the address it was mailed to: once
//! the channel points elsewhere, an old email cannot turn it off.

use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{LinkError, RatingLinks, expiry_after, unexpired};

/// Long enough for the last alerts in an inbox; an expired link says to
/// sign in and turn the channel off there.
pub const UNSUBSCRIBE_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

const DOMAIN: &[u8] = b"lookout-unsubscribe-v1\0";
/// Channel id (16 bytes), address tag (8 bytes), expiry in Unix seconds (8 bytes).
const PAYLOAD_LEN: usize = 32;

/// A verified unsubscribe token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsubscribeToken {
    pub channel_id: Uuid,
    address_tag: [u8; 8],
}

impl UnsubscribeToken {
    /// Whether the link was mailed to `address`.
    pub fn is_for(&self, address: &str) -> bool {
        self.address_tag == address_tag(address)
    }
}

fn address_tag(address: &str) -> [u8; 8] {
    let digest = Sha256::digest(address.trim().to_lowercase().as_bytes());
    let mut tag = [0_u8; 8];
    tag.copy_from_slice(&digest[..8]);
    tag
}

impl RatingLinks {
    /// The token unsubscribing `address` from `channel_id`, valid until
    /// `issued_at + UNSUBSCRIBE_LIFETIME`.
    pub fn sign_unsubscribe(
        &self,
        channel_id: Uuid,
        address: &str,
        issued_at: SystemTime,
    ) -> String {
        let mut payload = Vec::with_capacity(PAYLOAD_LEN);
        payload.extend_from_slice(channel_id.as_bytes());
        payload.extend_from_slice(&address_tag(address));
        payload.extend_from_slice(&expiry_after(issued_at, UNSUBSCRIBE_LIFETIME));
        self.seal(DOMAIN, &payload)
    }

    /// Checks the signature (in constant time) and the expiry of `token` at `now`.
    pub fn verify_unsubscribe(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Result<UnsubscribeToken, LinkError> {
        let payload = self.open(DOMAIN, token, PAYLOAD_LEN)?;
        let channel_id = Uuid::from_slice(&payload[..16]).map_err(|_| LinkError::Malformed)?;
        let mut address_tag = [0_u8; 8];
        address_tag.copy_from_slice(&payload[16..24]);
        unexpired(&payload[24..], now)?;
        Ok(UnsubscribeToken {
            channel_id,
            address_tag,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use secrecy::SecretString;

    use super::*;
    use crate::Rating;

    fn links(key: &str) -> RatingLinks {
        RatingLinks::new(SecretString::from(key.to_owned()))
    }

    #[test]
    fn an_unsubscribe_token_names_its_channel_and_address() {
        let channel = Uuid::now_v7();
        let now = SystemTime::now();
        let token = links("k").sign_unsubscribe(channel, "Ada@Example.com", now);
        let verified = links("k").verify_unsubscribe(&token, now).unwrap();
        assert_eq!(verified.channel_id, channel);
        assert!(verified.is_for("ada@example.com"));
        assert!(!verified.is_for("eve@example.com"));
    }

    #[test]
    fn forged_expired_and_rating_tokens_are_refused() {
        let channel = Uuid::now_v7();
        let now = SystemTime::now();
        let token = links("k").sign_unsubscribe(channel, "ada@example.com", now);
        assert_eq!(
            links("other").verify_unsubscribe(&token, now),
            Err(LinkError::BadSignature)
        );
        let later = now + UNSUBSCRIBE_LIFETIME + Duration::from_secs(1);
        assert_eq!(
            links("k").verify_unsubscribe(&token, later),
            Err(LinkError::Expired)
        );
        let rating = links("k").sign(channel, Rating::Useful, now);
        assert_eq!(
            links("k").verify_unsubscribe(&rating, now),
            Err(LinkError::Malformed)
        );
        let (payload, signature) = token.split_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        bytes[0] ^= 1;
        let forged = format!("{}.{signature}", URL_SAFE_NO_PAD.encode(bytes));
        assert_eq!(
            links("k").verify_unsubscribe(&forged, now),
            Err(LinkError::BadSignature)
        );
    }
}
