//! The caller's account and teams, kept per replica so an authenticated read
//! costs no database round trip.
//!
//! Correctness across replicas comes from a *generation* per user kept in
//! Redis (`lookout:identity:{user}`), read in the same round trip as the rate
//! limit and the denylist: a cached entry is used only while its generation
//! is the one Redis reports. A change to a user's memberships deletes that
//! key after it is committed ([`crate::memberships`], the one path every
//! such change takes); the next request's script writes a fresh generation
//! (Redis' clock in microseconds), so every replica's entry stops matching
//! at once. An entry loaded by a request that read the generation before
//! the change can only be stored under the old generation, which no longer
//! matches.
//!
//! When Redis cannot report a generation (unreachable) the cache is not
//! consulted. Entries also expire after [`MAX_AGE`], which bounds staleness
//! if an invalidation itself failed.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use store::teams::MyTeam;
use store::users::User;
use store::{Store, StoreError};
use uuid::Uuid;

use crate::ephemeral::Ephemeral;

/// How long an entry is trusted even when its generation still matches.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Entries kept per replica (a few hundred bytes each, so the bound is
/// about memory, not hit rate).
const CAPACITY: u64 = 50_000;

/// The Redis key holding a user's generation.
pub fn generation_key(user_id: Uuid) -> String {
    format!("lookout:identity:{user_id}")
}

/// A user's account and the teams they belong to, as of one generation.
#[derive(Debug)]
pub struct Identity {
    pub user: User,
    pub teams: Vec<MyTeam>,
}

impl Identity {
    pub async fn load(store: &Store, user_id: Uuid) -> Result<Option<Self>, StoreError> {
        let Some(user) = store.find_user(user_id).await? else {
            return Ok(None);
        };
        let teams = store.list_teams_for_user(user_id).await?;
        Ok(Some(Self { user, teams }))
    }
}

pub struct IdentityCache {
    /// Each identity with the generation it was loaded at.
    entries: Cache<Uuid, (i64, Arc<Identity>)>,
    redis: Ephemeral,
}

impl std::fmt::Debug for IdentityCache {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("IdentityCache")
            .finish_non_exhaustive()
    }
}

impl IdentityCache {
    pub fn new(redis: Ephemeral) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(MAX_AGE)
                .build(),
            redis,
        }
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
        if let Some((cached, identity)) = self.entries.get(&user_id)
            && cached == generation
        {
            return Ok(Some(identity));
        }
        let Some(identity) = Identity::load(store, user_id).await?.map(Arc::new) else {
            return Ok(None);
        };
        self.entries
            .insert(user_id, (generation, Arc::clone(&identity)));
        Ok(Some(identity))
    }

    /// Forgets `user_ids` here and, through Redis, on every replica. Called
    /// by [`crate::memberships`] after a change has committed. A failure is
    /// logged, not returned: the change stands, and [`MAX_AGE`] bounds how
    /// long others may show the old state.
    pub(crate) async fn forget(&self, user_ids: &[Uuid]) {
        for user_id in user_ids {
            self.entries.invalidate(user_id);
        }
        let keys: Vec<String> = user_ids.iter().copied().map(generation_key).collect();
        if let Err(error) = self.redis.delete(&keys).await {
            tracing::warn!(
                %error,
                "could not invalidate cached identities; other replicas may show old teams for up to a minute"
            );
        }
    }
}
