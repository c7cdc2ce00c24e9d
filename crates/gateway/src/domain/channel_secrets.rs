//! Channel credentials sealed at rest (`secret-box`): sealed when a channel
//! is created or edited, opened only for a test send, and resealed at start
//! so rows written in clear by older versions, or under a retired key, end
//! up sealed by the current key.

use secrecy::{ExposeSecret, SecretString};
use secret_box::SecretBox;
use store::channels::ChannelSecret;
use uuid::Uuid;

use crate::domain::reseal::{ResealReport, Walk};

use crate::error::ApiError;

/// Seals a credential a user just gave us.
pub fn seal(secret_box: &SecretBox, plaintext: &str) -> Result<ChannelSecret, ApiError> {
    ChannelSecret::seal(secret_box, plaintext)
        .map_err(|error| ApiError::Internal(format!("cannot seal a channel secret: {error}")))
}

/// Opens a stored credential for a send. A value no key opens is the
/// operator's problem (a key missing from `SECRETS_KEYS`), never the user's.
pub fn open(
    secret_box: &SecretBox,
    secret: Option<&ChannelSecret>,
) -> Result<SecretString, ApiError> {
    match secret {
        None => Ok(SecretString::from(String::new())),
        Some(secret) => secret.open(secret_box).map_err(|error| {
            ApiError::Internal(format!(
                "cannot open a channel secret ({error}); is a key missing from SECRETS_KEYS?"
            ))
        }),
    }
}

/// Seals every stored channel credential that is in clear or sealed by
/// another key than the current one (see [`reseal`](crate::domain::reseal)).
/// Run at start after the migrations (this is the data half of
/// `0100_sealed_channel_secrets`).
pub async fn reseal_stored(
    store: &store::Store,
    secret_box: &SecretBox,
) -> Result<ResealReport, store::StoreError> {
    let key = secret_box.current_key_id();
    let mut report = ResealReport::default();
    crate::domain::reseal::reseal_all(
        Walk {
            what: "channel's secret",
            batch: async |after, limit| store.channel_secrets_to_reseal(key, after, limit).await,
            cursor: |(channel_id, _): &(Uuid, ChannelSecret)| *channel_id,
            reseal: |(channel_id, current): &(Uuid, ChannelSecret)| {
                reseal(secret_box, current).map(|resealed| (*channel_id, resealed))
            },
            replace: async |(channel_id, current): &(Uuid, ChannelSecret),
                            (_, resealed): &(Uuid, ChannelSecret)| {
                store
                    .replace_channel_secret(*channel_id, current, resealed)
                    .await
            },
        },
        &mut report,
    )
    .await?;
    Ok(report)
}

fn reseal(
    secret_box: &SecretBox,
    current: &ChannelSecret,
) -> Result<ChannelSecret, secret_box::SecretBoxError> {
    let plaintext = current.open(secret_box)?;
    ChannelSecret::seal(secret_box, plaintext.expose_secret())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring(id: &str) -> (SecretBox, String) {
        let spec = format!("{id}:{}", secret_box::generate_key());
        (SecretBox::parse(&spec).unwrap(), spec)
    }

    #[test]
    fn a_clear_value_is_sealed_and_an_old_key_moves_to_the_current_one() {
        let (old, old_spec) = keyring("k1");
        let legacy = ChannelSecret::Legacy("whsec_c2VjcmV0".to_owned());
        let sealed = reseal(&old, &legacy).unwrap();
        assert!(sealed.is_sealed_by("k1"));
        assert!(!format!("{sealed:?}").contains("whsec"));

        let rotated =
            SecretBox::parse(&format!("k2:{},{old_spec}", secret_box::generate_key())).unwrap();
        let moved = reseal(&rotated, &sealed).unwrap();
        assert!(moved.is_sealed_by("k2"));
        assert_eq!(
            moved.open(&rotated).unwrap().expose_secret(),
            "whsec_c2VjcmV0"
        );
        let (stranger, _) = keyring("k3");
        assert!(reseal(&stranger, &moved).is_err());
    }

    #[test]
    fn a_channel_secret_does_not_open_as_a_monitor_header() {
        let (secret_box, _) = keyring("k1");
        let ChannelSecret::Sealed(sealed) = seal(&secret_box, "token").unwrap() else {
            panic!("seal gives a sealed value");
        };
        assert!(
            secret_box
                .open(store::monitors::HEADER_PURPOSE, &sealed)
                .is_err()
        );
    }
}
