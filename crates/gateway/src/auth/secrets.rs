//! Random tokens and their hashes: refresh tokens, CSRF tokens, API keys
//! and trigger secrets.

use rand::RngCore as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// 32 random bytes as lowercase hex: 256 bits, no guessing.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

pub fn sha256(value: &str) -> Vec<u8> {
    Sha256::digest(value.as_bytes()).to_vec()
}

/// Compares two byte strings in time independent of where they differ.
pub fn equal(left: &[u8], right: &[u8]) -> bool {
    left.ct_eq(right).into()
}

/// API keys look like `lk_<16 hex prefix>_<64 hex secret>`.
pub const API_KEY_PREFIX_HEX: usize = 16;
pub const API_KEY_SECRET_HEX: usize = 64;

pub struct NewApiKey {
    pub full: String,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
}

pub fn new_api_key() -> NewApiKey {
    let prefix = random_hex(API_KEY_PREFIX_HEX / 2);
    let secret = random_hex(API_KEY_SECRET_HEX / 2);
    NewApiKey {
        full: format!("lk_{prefix}_{secret}"),
        secret_hash: sha256(&secret),
        prefix,
    }
}

/// Splits a presented key into prefix and secret, refusing anything not in
/// the exact shape we issue (so lookups never see arbitrary input).
pub fn parse_api_key(presented: &str) -> Option<(&str, &str)> {
    let rest = presented.strip_prefix("lk_")?;
    let (prefix, secret) = rest.split_once('_')?;
    let is_hex = |value: &str, length: usize| {
        value.len() == length
            && value
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    (is_hex(prefix, API_KEY_PREFIX_HEX) && is_hex(secret, API_KEY_SECRET_HEX))
        .then_some((prefix, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_parses_back_into_its_prefix_and_hashed_secret() {
        let key = new_api_key();
        let (prefix, secret) = parse_api_key(&key.full).unwrap();
        assert_eq!(prefix, key.prefix);
        assert!(equal(&sha256(secret), &key.secret_hash));
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in [
            "lk_",
            "lk_abc_def",
            "sk_0123456789abcdef_00",
            "lk_0123456789ABCDEF_x",
        ] {
            assert!(parse_api_key(bad).is_none(), "{bad}");
        }
    }
}
