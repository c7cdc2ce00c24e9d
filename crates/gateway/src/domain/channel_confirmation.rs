//! The signed link that confirms an email channel: `secret-box` seals the
//! channel id, the address the link was sent to and an expiry, so the token
//! cannot be forged or moved to another channel or address, and it works
//! once — confirming turns `awaiting_confirmation` off, after which the same
//! link finds nothing to confirm.

use chrono::{DateTime, Duration, Utc};
use secrecy::ExposeSecret;
use secret_box::SecretBox;
use uuid::Uuid;

/// The `secret-box` purpose of confirmation tokens.
const PURPOSE: &str = "channel-confirmation";
/// Long enough for a recipient back from a week away.
const VALID_FOR: Duration = Duration::days(7);

/// What a valid token confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    pub channel_id: Uuid,
    pub address: String,
}

/// A token for `channel_id` at `address`, valid for a week from `now`.
pub fn token(
    secret_box: &SecretBox,
    channel_id: Uuid,
    address: &str,
    now: DateTime<Utc>,
) -> Result<String, secret_box::SecretBoxError> {
    let expires = (now + VALID_FOR).timestamp();
    secret_box.seal(PURPOSE, &format!("{channel_id} {expires} {address}"))
}

/// Why a token confirms nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not made by Lookout, or altered.
    Invalid,
    Expired,
}

pub fn open(
    secret_box: &SecretBox,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Confirmation, TokenProblem> {
    let opened = secret_box
        .open(PURPOSE, token.trim())
        .map_err(|_| TokenProblem::Invalid)?;
    let mut parts = opened.expose_secret().splitn(3, ' ');
    let (Some(id), Some(expires), Some(address)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenProblem::Invalid);
    };
    let channel_id = Uuid::parse_str(id).map_err(|_| TokenProblem::Invalid)?;
    let expires: i64 = expires.parse().map_err(|_| TokenProblem::Invalid)?;
    if now.timestamp() > expires {
        return Err(TokenProblem::Expired);
    }
    Ok(Confirmation {
        channel_id,
        address: address.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_to_its_channel_and_address_until_it_expires() {
        let secret_box = SecretBox::development();
        let id = Uuid::new_v4();
        let now = Utc::now();
        let token = token(&secret_box, id, "bob@example.com", now).unwrap();
        assert!(!token.contains("bob@example.com"));
        assert_eq!(
            open(&secret_box, &token, now),
            Ok(Confirmation {
                channel_id: id,
                address: "bob@example.com".to_owned()
            })
        );
        assert_eq!(
            open(&secret_box, &token, now + Duration::days(8)),
            Err(TokenProblem::Expired)
        );
        let mut forged = token.clone();
        forged.push('A');
        assert_eq!(open(&secret_box, &forged, now), Err(TokenProblem::Invalid));
        let other = SecretBox::parse(&format!("dev:{}", secret_box::generate_key())).unwrap();
        assert_eq!(open(&other, &token, now), Err(TokenProblem::Invalid));
    }
}
