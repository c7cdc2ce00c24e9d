//! The caller's account and teams, kept per replica so an authenticated read
//! costs no database round trip.
//!
//! Correctness across replicas comes from a *generation* per user kept in
//! Redis (`lookout:identity:{user}`), read in the same round trip as the rate
//! limit and the denylist: a cached entry is used only while its generation
//! is the one Redis reports. A change to a user's account or memberships
//! deletes that key after it is committed; the next request's script writes
//! a fresh generation (Redis' clock in microseconds), so every replica's
//! entry stops matching at once. An entry loaded by a request that read the
//! generation before the change can only be stored under the old
//! generation, which no longer matches.
//!
//! When Redis cannot report a generation (unreachable, or development
//! without it) the cache is not consulted. Entries also expire after
//! [`MAX_AGE`], which bounds staleness if an invalidation itself failed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use store::teams::MyTeam;
use store::users::User;
use store::{Store, StoreError};
use uuid::Uuid;

use super::ephemeral::Ephemeral;

/// How long an entry is trusted even when its generation still matches.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Entries kept per replica; past it the cache starts over (a few hundred
/// bytes each, so the bound is about memory, not hit rate).
const CAPACITY: usize = 50_000;

/// The Redis key holding a user's generation.
pub fn generation_key(user_id: Uuid) -> String {
    let mut buffer = Uuid::encode_buffer();
    [
        "lookout:identity:",
        user_id.hyphenated().encode_lower(&mut buffer),
    ]
    .concat()
}

/// A user's account and the teams they belong to, as of one generation.
#[derive(Debug)]
pub struct Identity {
    pub user: User,
    pub teams: Vec<MyTeam>,
    /// The `GET /api/v1/me` body, rendered on its first use. An identity
    /// never changes (a change loads a new one), and that read is the most
    /// frequent authenticated request: its JSON was a tenth of its cost.
    pub me_body: OnceLock<bytes::Bytes>,
}

impl Identity {
    pub async fn load(store: &Store, user_id: Uuid) -> Result<Option<Self>, StoreError> {
        let Some(user) = store.find_user(user_id).await? else {
            return Ok(None);
        };
        let teams = store.list_teams_for_user(user_id).await?;
        Ok(Some(Self {
            user,
            teams,
            me_body: OnceLock::new(),
        }))
    }
}

struct Entry {
    generation: i64,
    loaded_at: Instant,
    identity: Arc<Identity>,
}

#[derive(Default)]
pub struct IdentityCache {
    entries: Mutex<HashMap<Uuid, Entry>>,
}

impl std::fmt::Debug for IdentityCache {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("IdentityCache")
            .finish_non_exhaustive()
    }
}

impl IdentityCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Entry>> {
        // Every operation is a single get, insert or clear: a panic while
        // holding the lock cannot leave the map half-updated.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached identity of `user_id` if it was loaded at `generation`
    /// and is younger than [`MAX_AGE`].
    fn get(&self, user_id: Uuid, generation: i64) -> Option<Arc<Identity>> {
        let entries = self.lock();
        let entry = entries.get(&user_id)?;
        (entry.generation == generation && entry.loaded_at.elapsed() < MAX_AGE)
            .then(|| Arc::clone(&entry.identity))
    }

    /// The identity of `user_id` at `generation`, from this replica's cache
    /// or loaded (and cached) from the database; `None` when the account no
    /// longer exists.
    pub async fn get_or_load(
        &self,
        store: &Store,
        user_id: Uuid,
        generation: i64,
    ) -> Result<Option<Arc<Identity>>, StoreError> {
        if let Some(identity) = self.get(user_id, generation) {
            return Ok(Some(identity));
        }
        let Some(identity) = Identity::load(store, user_id).await?.map(Arc::new) else {
            return Ok(None);
        };
        self.insert(generation, Arc::clone(&identity));
        Ok(Some(identity))
    }

    fn insert(&self, generation: i64, identity: Arc<Identity>) {
        let mut entries = self.lock();
        if entries.len() >= CAPACITY && !entries.contains_key(&identity.user.id) {
            entries.clear();
        }
        entries.insert(
            identity.user.id,
            Entry {
                generation,
                loaded_at: Instant::now(),
                identity,
            },
        );
    }

    /// Forgets `user_ids` here and, through Redis, on every replica. Call
    /// after the change is committed. A failure is logged, not returned:
    /// the change stands, and [`MAX_AGE`] bounds how long others may show
    /// the old state.
    pub async fn invalidate(&self, ephemeral: &Ephemeral, user_ids: &[Uuid]) {
        {
            let mut entries = self.lock();
            for user_id in user_ids {
                entries.remove(user_id);
            }
        }
        let keys: Vec<String> = user_ids.iter().copied().map(generation_key).collect();
        if let Err(error) = ephemeral.delete(&keys).await {
            tracing::warn!(
                %error,
                "could not invalidate cached identities; other replicas may show old teams for up to a minute"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn identity(user_id: Uuid) -> Arc<Identity> {
        Arc::new(Identity {
            user: User {
                id: user_id,
                email: "ada@example.com".to_owned(),
                display_name: String::new(),
                created_at: Utc::now(),
                last_login_at: None,
            },
            teams: Vec::new(),
            me_body: OnceLock::new(),
        })
    }

    #[test]
    fn an_entry_is_served_only_at_the_generation_it_was_loaded_at() {
        let cache = IdentityCache::default();
        let user_id = Uuid::now_v7();
        cache.insert(7, identity(user_id));
        assert!(cache.get(user_id, 7).is_some());
        assert!(cache.get(user_id, 8).is_none());
        assert!(cache.get(Uuid::now_v7(), 7).is_none());
    }

    #[tokio::test]
    async fn invalidation_forgets_the_local_entry_and_deletes_the_generation() {
        let cache = IdentityCache::default();
        let ephemeral = Ephemeral::new(None).unwrap();
        let user_id = Uuid::now_v7();
        ephemeral
            .set(&generation_key(user_id), "7", Duration::from_secs(60))
            .await
            .unwrap();
        cache.insert(7, identity(user_id));
        cache.invalidate(&ephemeral, &[user_id]).await;
        assert!(cache.get(user_id, 7).is_none());
        assert!(!ephemeral.exists(&generation_key(user_id)).await.unwrap());
    }
}
