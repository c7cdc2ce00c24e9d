//! API keys: `lk_<prefix>_<secret>`. The prefix is stored in clear to find
//! the row; the secret only as a sha256 hash, compared by the caller in
//! constant time.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A key found by prefix, with what is needed to check the secret, and its
/// owner's email (read in the same statement: a key's request needs both).
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub key: ApiKey,
    pub secret_hash: Vec<u8>,
    pub owner_email: String,
}

#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    pub user_id: Uuid,
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a [u8],
    pub scopes: &'a [String],
    pub expires_at: Option<DateTime<Utc>>,
}

/// How stale a key's recorded last use may be.
pub const KEY_USE_GRANULARITY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

const KEY_COLUMNS: &str =
    "id, user_id, name, prefix, scopes, expires_at, last_used_at, revoked_at, created_at";

impl ApiKey {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        Self {
            id: row.get("id"),
            user_id: row.get("user_id"),
            name: row.get("name"),
            prefix: row.get("prefix"),
            scopes: row.get("scopes"),
            expires_at: row.get("expires_at"),
            last_used_at: row.get("last_used_at"),
            revoked_at: row.get("revoked_at"),
            created_at: row.get("created_at"),
        }
    }
}

impl Store {
    /// [`StoreError::QuotaReached`] when the owner has the `api_keys`
    /// quota of their personal team in working keys.
    pub async fn create_api_key(&self, new: &NewApiKey<'_>) -> Result<ApiKey, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting API key creation")?;
        let personal_team = crate::quotas::member_team(&transaction, new.user_id, None)
            .await?
            .ok_or(StoreError::NotFound)?;
        crate::quotas::reserve(
            &transaction,
            personal_team,
            crate::quotas::Quota::ApiKeys,
            self.quota_defaults(),
        )
        .await?;
        let row = transaction
            .query_one(
                &format!(
                    "INSERT INTO api_keys (id, user_id, name, prefix, secret_hash, scopes, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {KEY_COLUMNS}"
                ),
                &[
                    &Uuid::now_v7(),
                    &new.user_id,
                    &new.name,
                    &new.prefix,
                    &new.secret_hash,
                    &new.scopes,
                    &new.expires_at,
                ],
            )
            .await
            .context("creating an API key")?;
        transaction
            .commit()
            .await
            .context("committing API key creation")?;
        Ok(ApiKey::from_row(&row))
    }

    /// `user_id`'s keys that are not revoked, newest first.
    pub async fn list_api_keys(&self, user_id: Uuid) -> Result<Vec<ApiKey>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {KEY_COLUMNS} FROM api_keys
                      WHERE user_id = $1 AND revoked_at IS NULL
                      ORDER BY created_at DESC, id DESC"
                ),
                &[&user_id],
            )
            .await
            .context("listing API keys")?;
        Ok(rows.iter().map(ApiKey::from_row).collect())
    }

    /// The key with this prefix, revoked or not: the caller decides.
    pub async fn find_api_key_by_prefix(
        &self,
        prefix: &str,
    ) -> Result<Option<StoredKey>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT k.*, u.email AS owner_email
                       FROM (SELECT {KEY_COLUMNS}, secret_hash FROM api_keys WHERE prefix = $1) k
                       JOIN users u ON u.id = k.user_id"
                ),
                &[&prefix],
            )
            .await
            .context("finding an API key")?;
        Ok(row.map(|row| StoredKey {
            key: ApiKey::from_row(&row),
            secret_hash: row.get("secret_hash"),
            owner_email: row.get("owner_email"),
        }))
    }

    /// Records use, at most once per [`KEY_USE_GRANULARITY`] so a busy
    /// script does not turn every read into a write. `key` is the row as
    /// just read: when its last use is recent, no statement is sent at all.
    pub async fn touch_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        if key
            .last_used_at
            .is_some_and(|at| at > Utc::now() - KEY_USE_GRANULARITY)
        {
            return Ok(());
        }
        let client = self.client().await?;
        client
            .execute(
                "UPDATE api_keys SET last_used_at = now()
                  WHERE id = $1
                    AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))",
                &[&key.id, &(KEY_USE_GRANULARITY.as_seconds_f64())],
            )
            .await
            .context("recording API key use")?;
        Ok(())
    }

    /// Revokes one of `user_id`'s keys; false when it is not theirs or
    /// already revoked.
    pub async fn revoke_api_key(&self, user_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE api_keys SET revoked_at = now()
                  WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL",
                &[&user_id, &id],
            )
            .await
            .context("revoking an API key")?;
        Ok(changed == 1)
    }
}
