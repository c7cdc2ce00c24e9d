//! Encryption at rest for the secrets users hand to Lookout: monitor
//! headers today, later cookies, login-step values and channel tokens.
//!
//! A [`SecretBox`] holds one or more 256-bit keys, each with a short key id.
//! The first key seals; every key opens, so keys rotate without downtime:
//! put a new key first in `SECRETS_KEYS`, keep the old one after it until
//! every stored value has been resealed (see [`SecretBox::is_current`]),
//! then drop it.
//!
//! A sealed value is text, `<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`,
//! so it fits in any text or JSON column. The cipher is XChaCha20-Poly1305:
//! its 192-bit random nonces never need a counter, whatever the number of
//! processes sealing with the same key. Each value is bound to a *purpose*
//! (authenticated, not stored), so a value sealed as one kind of secret
//! cannot be replayed as another.
//!
//! **API Boundary:** plaintext goes in as `&str` and comes out as a
//! [`SecretString`]; nothing in this crate logs, and neither `Debug` nor an
//! error ever shows a key or a plaintext.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::SecretString;
use sha2::{Digest, Sha256};

/// The environment variable holding the keys: `kid:base64key,kid:base64key`,
/// the first one sealing.
pub const ENV_VAR: &str = "SECRETS_KEYS";

/// The key id of the development placeholder key; production refuses it.
pub const DEVELOPMENT_KEY_ID: &str = "dev";

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
const MAX_KEY_ID_CHARS: usize = 32;

/// Why `SECRETS_KEYS` cannot be used. Messages name the variable and never
/// show a key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyringError {
    #[error(
        "{ENV_VAR} is required but not set (kid:base64key, a 32-byte key; `make generate-keys` writes one)"
    )]
    Missing,
    #[error("{ENV_VAR} is invalid: {0}")]
    Invalid(String),
}

/// Why a value could not be sealed or opened. Never carries the value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretBoxError {
    #[error("the sealed value is malformed")]
    Malformed,
    #[error("the sealed value names key {0:?}, which is not in {ENV_VAR}")]
    UnknownKey(String),
    #[error("the sealed value does not authenticate with its key (tampered, or another purpose)")]
    Forged,
    #[error("the value could not be sealed")]
    Seal,
}

struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

/// The keys that seal and open user secrets. Cheap to clone.
#[derive(Clone)]
pub struct SecretBox {
    /// Never empty; the first key seals.
    keys: Arc<[Key]>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|key| key.id.as_str()).collect();
        formatter
            .debug_struct("SecretBox")
            .field("key_ids", &ids)
            .finish()
    }
}

impl SecretBox {
    /// Parses `kid:base64key,kid:base64key`; keys are 32 bytes in standard
    /// or URL-safe base64, key ids are letters, digits, `-` and `_`.
    pub fn parse(spec: &str) -> Result<Self, KeyringError> {
        let mut keys: Vec<Key> = Vec::new();
        for item in spec
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let (id, encoded) = item.split_once(':').ok_or_else(|| {
                KeyringError::Invalid("each entry must be kid:base64key".to_owned())
            })?;
            let id = id.trim();
            if id.is_empty()
                || id.len() > MAX_KEY_ID_CHARS
                || !id
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
            {
                return Err(KeyringError::Invalid(format!(
                    "key id {id:?} must be 1 to {MAX_KEY_ID_CHARS} letters, digits, '-' or '_'"
                )));
            }
            if keys.iter().any(|key| key.id == id) {
                return Err(KeyringError::Invalid(format!(
                    "key id {id:?} appears twice"
                )));
            }
            let bytes = decode_key(encoded.trim()).ok_or_else(|| {
                KeyringError::Invalid(format!("key {id:?} must be {KEY_BYTES} bytes in base64"))
            })?;
            keys.push(Key {
                id: id.to_owned(),
                cipher: XChaCha20Poly1305::new((&bytes).into()),
            });
        }
        if keys.is_empty() {
            return Err(KeyringError::Missing);
        }
        Ok(Self { keys: keys.into() })
    }

    /// The deterministic placeholder used in development, so separately
    /// started processes open each other's values without configuration.
    pub fn development() -> Self {
        let bytes: [u8; KEY_BYTES] =
            Sha256::digest(b"lookout development secrets key, not for production").into();
        Self {
            keys: vec![Key {
                id: DEVELOPMENT_KEY_ID.to_owned(),
                cipher: XChaCha20Poly1305::new((&bytes).into()),
            }]
            .into(),
        }
    }

    /// Reads [`ENV_VAR`]. Production requires it and refuses the
    /// development key id; development falls back to [`Self::development`].
    pub fn from_env(production: bool) -> Result<Self, KeyringError> {
        let spec = std::env::var(ENV_VAR).unwrap_or_default();
        Self::from_spec(spec.trim(), production)
    }

    /// [`Self::from_env`] on a given value (empty means unset).
    pub fn from_spec(spec: &str, production: bool) -> Result<Self, KeyringError> {
        if spec.is_empty() {
            return if production {
                Err(KeyringError::Missing)
            } else {
                Ok(Self::development())
            };
        }
        let secret_box = Self::parse(spec)?;
        if production
            && secret_box
                .keys
                .iter()
                .any(|key| key.id == DEVELOPMENT_KEY_ID)
        {
            return Err(KeyringError::Invalid(format!(
                "the key id {DEVELOPMENT_KEY_ID:?} is reserved for development"
            )));
        }
        Ok(secret_box)
    }

    /// The id of the key that seals.
    pub fn current_key_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Seals `plaintext` for `purpose` with the current key.
    pub fn seal(&self, purpose: &str, plaintext: &str) -> Result<String, SecretBoxError> {
        let key = &self.keys[0];
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = key
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| SecretBoxError::Seal)?;
        let mut sealed_bytes = Vec::with_capacity(NONCE_BYTES + ciphertext.len());
        sealed_bytes.extend_from_slice(&nonce);
        sealed_bytes.extend_from_slice(&ciphertext);
        let mut sealed = String::with_capacity(key.id.len() + 1 + sealed_bytes.len() * 4 / 3 + 4);
        sealed.push_str(&key.id);
        sealed.push(':');
        URL_SAFE_NO_PAD.encode_string(&sealed_bytes, &mut sealed);
        Ok(sealed)
    }

    /// Opens a value sealed for `purpose` by any key of this box.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<SecretString, SecretBoxError> {
        let (id, payload) = sealed.split_once(':').ok_or(SecretBoxError::Malformed)?;
        let key = self
            .keys
            .iter()
            .find(|key| key.id == id)
            .ok_or_else(|| SecretBoxError::UnknownKey(id.to_owned()))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| SecretBoxError::Malformed)?;
        if bytes.len() < NONCE_BYTES {
            return Err(SecretBoxError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let plaintext = key
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| SecretBoxError::Forged)?;
        String::from_utf8(plaintext)
            .map(SecretString::from)
            .map_err(|_| SecretBoxError::Malformed)
    }

    /// True when `sealed` was sealed by the current key; values for which it
    /// is false should be resealed so the older key can be retired.
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed
            .split_once(':')
            .is_some_and(|(id, _)| id == self.current_key_id())
    }
}

fn decode_key(encoded: &str) -> Option<[u8; KEY_BYTES]> {
    let bytes = STANDARD
        .decode(encoded)
        .or_else(|_| URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')))
        .ok()?;
    bytes.try_into().ok()
}

/// A fresh random key in the `SECRETS_KEYS` encoding, for tests and tools.
pub fn generate_key() -> String {
    STANDARD.encode(XChaCha20Poly1305::generate_key(&mut OsRng))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    const PURPOSE: &str = "monitor-header";

    fn keyring(spec_ids: &[&str]) -> (SecretBox, String) {
        let spec = spec_ids
            .iter()
            .map(|id| format!("{id}:{}", generate_key()))
            .collect::<Vec<_>>()
            .join(",");
        (SecretBox::parse(&spec).unwrap(), spec)
    }

    #[test]
    fn a_sealed_value_opens_to_the_plaintext_and_does_not_contain_it() {
        let (secret_box, _) = keyring(&["k1"]);
        let sealed = secret_box.seal(PURPOSE, "Bearer top-secret").unwrap();
        assert!(sealed.starts_with("k1:"));
        assert!(!sealed.contains("top-secret"));
        let opened = secret_box.open(PURPOSE, &sealed).unwrap();
        assert_eq!(opened.expose_secret(), "Bearer top-secret");
    }

    #[test]
    fn sealing_twice_gives_different_texts() {
        let (secret_box, _) = keyring(&["k1"]);
        assert_ne!(
            secret_box.seal(PURPOSE, "same").unwrap(),
            secret_box.seal(PURPOSE, "same").unwrap()
        );
    }

    #[test]
    fn a_value_sealed_for_one_purpose_does_not_open_for_another() {
        let (secret_box, _) = keyring(&["k1"]);
        let sealed = secret_box.seal(PURPOSE, "cookie").unwrap();
        assert_eq!(
            secret_box.open("channel-token", &sealed).unwrap_err(),
            SecretBoxError::Forged
        );
    }

    #[test]
    fn a_tampered_value_is_refused() {
        let (secret_box, _) = keyring(&["k1"]);
        let sealed = secret_box.seal(PURPOSE, "cookie").unwrap();
        let mut tampered = sealed.into_bytes();
        // A character in the middle carries only payload bits; the last one may
        // carry padding bits, whose change is malformed base64 rather than forgery.
        let middle = tampered.len() / 2;
        tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(
            secret_box.open(PURPOSE, &tampered).unwrap_err(),
            SecretBoxError::Forged
        );
        assert_eq!(
            secret_box.open(PURPOSE, "no separator").unwrap_err(),
            SecretBoxError::Malformed
        );
    }

    #[test]
    fn after_a_rotation_old_values_open_and_new_values_use_the_new_key() {
        let (old_box, old_spec) = keyring(&["old"]);
        let old_sealed = old_box.seal(PURPOSE, "v1").unwrap();
        let new_spec = format!("new:{},{old_spec}", generate_key());
        let rotated = SecretBox::parse(&new_spec).unwrap();
        assert_eq!(rotated.current_key_id(), "new");
        assert_eq!(
            rotated.open(PURPOSE, &old_sealed).unwrap().expose_secret(),
            "v1"
        );
        assert!(!rotated.is_current(&old_sealed));
        let new_sealed = rotated.seal(PURPOSE, "v2").unwrap();
        assert!(rotated.is_current(&new_sealed));
        assert_eq!(
            old_box.open(PURPOSE, &new_sealed).unwrap_err(),
            SecretBoxError::UnknownKey("new".to_owned())
        );
    }

    #[test]
    fn production_refuses_a_missing_or_development_key_and_names_the_variable() {
        let missing = SecretBox::from_spec("", true).unwrap_err();
        assert!(missing.to_string().starts_with("SECRETS_KEYS is required"));
        let development = format!("dev:{}", generate_key());
        let refused = SecretBox::from_spec(&development, true).unwrap_err();
        assert!(refused.to_string().contains("SECRETS_KEYS"));
        assert_eq!(
            SecretBox::from_spec("", false).unwrap().current_key_id(),
            DEVELOPMENT_KEY_ID
        );
    }

    #[test]
    fn malformed_key_lists_are_refused_without_echoing_the_key() {
        for spec in [
            "no-colon",
            "k1:c2hvcnQ=",
            "bad id:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            " , ",
        ] {
            let error = SecretBox::parse(spec).unwrap_err();
            assert!(!error.to_string().contains("c2hvcnQ"), "{error}");
        }
        let key = generate_key();
        assert!(SecretBox::parse(&format!("k1:{key},k1:{key}")).is_err());
    }

    #[test]
    fn debug_output_shows_key_ids_but_never_keys() {
        let key = generate_key();
        let secret_box = SecretBox::parse(&format!("k1:{key}")).unwrap();
        let printed = format!("{secret_box:?}");
        assert!(printed.contains("k1"));
        assert!(!printed.contains(&key));
    }
}
