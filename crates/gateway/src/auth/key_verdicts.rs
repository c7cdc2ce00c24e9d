//! What this replica recently learned about presented API keys, by the
//! sha256 of the whole key (never the key itself):
//!
//! - keys it verified, with their owner, so the edge charges their requests
//!   to the owner's budget (a user's keys share one budget with their
//!   sessions: issuing more keys buys no more requests), while an unverified
//!   key spends the client address's budget (inventing keys opens no fresh
//!   budget either);
//! - keys it refused (no such prefix, or the wrong secret), so a client
//!   repeating an invented key costs no database lookup for a while.
//!
//! Neither decides authentication: a verified key is still looked up (and
//! its revocation and expiry checked) on every request, and a refused key's
//! secret is 256 random bits that nobody can hold before it is issued.

use std::time::Duration;

use uuid::Uuid;

use moka::sync::Cache;
use sha2::{Digest, Sha256};

/// How long a verified key is charged to its owner without being seen verified again.
const VERIFIED_FOR: Duration = Duration::from_secs(10 * 60);
/// How long a refused key is refused without a lookup.
const REFUSED_FOR: Duration = Duration::from_secs(60);
/// Bounds memory whatever a client sends (about 100 bytes an entry).
const CAPACITY: u64 = 100_000;

type Digest32 = [u8; 32];

pub struct KeyVerdicts {
    /// Key digest → the key's owner.
    verified: Cache<Digest32, Uuid>,
    refused: Cache<Digest32, ()>,
}

impl Default for KeyVerdicts {
    fn default() -> Self {
        Self {
            verified: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(VERIFIED_FOR)
                .build(),
            refused: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(REFUSED_FOR)
                .build(),
        }
    }
}

fn digest(key: &str) -> Digest32 {
    Sha256::digest(key.as_bytes()).into()
}

impl KeyVerdicts {
    /// The owner of `key` if this replica verified it recently.
    pub fn verified_owner(&self, key: &str) -> Option<Uuid> {
        self.verified.get(&digest(key))
    }

    pub fn was_refused(&self, key: &str) -> bool {
        self.refused.contains_key(&digest(key))
    }

    pub fn remember_verified(&self, key: &str, owner: Uuid) {
        self.verified.insert(digest(key), owner);
    }

    pub fn remember_refused(&self, key: &str) {
        self.refused.insert(digest(key), ());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_are_per_whole_key() {
        let verdicts = KeyVerdicts::default();
        let key = format!("lk_{}_{}", "a".repeat(16), "b".repeat(64));
        let sibling = format!("lk_{}_{}", "a".repeat(16), "c".repeat(64));
        let owner = Uuid::new_v4();
        assert_eq!(verdicts.verified_owner(&key), None);
        verdicts.remember_verified(&key, owner);
        assert_eq!(verdicts.verified_owner(&key), Some(owner));
        assert_eq!(
            verdicts.verified_owner(&sibling),
            None,
            "same prefix, other secret"
        );
        verdicts.remember_refused(&sibling);
        assert!(verdicts.was_refused(&sibling));
        assert!(!verdicts.was_refused(&key));
    }
}
