//! Sign-in sessions and their rotating refresh tokens.
//!
//! Tokens are stored as sha256 hashes; the caller hashes. Rotation happens
//! in one transaction that locks the presented token's row, so of many
//! concurrent refreshes with one token exactly one rotates it and the others
//! see it rotated (and revoke the session as reuse).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

/// A session as its user sees it in the session list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
    pub ip: Option<String>,
}

impl Session {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        Self {
            id: row.get("id"),
            user_id: row.get("user_id"),
            created_at: row.get("created_at"),
            last_used_at: row.get("last_used_at"),
            expires_at: row.get("expires_at"),
            user_agent: row.get("user_agent"),
            ip: row.get("ip"),
        }
    }
}

/// Where a new session comes from, for the session list.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub user_id: Uuid,
    pub refresh_token_hash: &'a [u8],
    pub expires_at: DateTime<Utc>,
    pub user_agent: &'a str,
    pub ip: Option<&'a str>,
}

/// The outcome of presenting a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current: it is now rotated and its successor stored.
    Rotated { session_id: Uuid, user_id: Uuid },
    /// The token had already been rotated: the session is now revoked. The
    /// last access token of the session is returned so it can be denylisted.
    ReuseDetected {
        session_id: Uuid,
        user_id: Uuid,
        access_jti: Option<String>,
        access_expires_at: Option<DateTime<Utc>>,
    },
    /// Unknown token, or its session is revoked or expired.
    Invalid,
}

/// A revoked session's last access token, to denylist until it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedSession {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub access_jti: Option<String>,
    pub access_expires_at: Option<DateTime<Utc>>,
}

const SESSION_COLUMNS: &str = "id, user_id, created_at, last_used_at, expires_at, user_agent, ip";

impl Store {
    /// Creates a session with its first refresh token.
    pub async fn create_session(&self, new: &NewSession<'_>) -> Result<Session, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting session creation")?;
        let row = transaction
            .query_one(
                &format!(
                    "INSERT INTO sessions (id, user_id, expires_at, user_agent, ip)
                     VALUES ($1, $2, $3, $4, $5) RETURNING {SESSION_COLUMNS}"
                ),
                &[
                    &Uuid::now_v7(),
                    &new.user_id,
                    &new.expires_at,
                    &new.user_agent,
                    &new.ip,
                ],
            )
            .await
            .context("creating a session")?;
        let session = Session::from_row(&row);
        transaction
            .execute(
                "INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)",
                &[&new.refresh_token_hash, &session.id],
            )
            .await
            .context("storing a refresh token")?;
        transaction
            .commit()
            .await
            .context("committing session creation")?;
        Ok(session)
    }

    /// Exchanges `presented_hash` for `successor_hash`, or detects reuse.
    pub async fn rotate_refresh_token(
        &self,
        presented_hash: &[u8],
        successor_hash: &[u8],
    ) -> Result<Rotation, StoreError> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await.context("starting a refresh")?;
        // Locks the token row: concurrent refreshes with the same token queue
        // here and each sees the previous one's rotation.
        let row = transaction
            .query_opt(
                "SELECT rt.session_id, rt.rotated_at, s.user_id, s.revoked_at, s.expires_at,
                        s.access_jti, s.access_expires_at
                   FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
                  WHERE rt.token_hash = $1
                    FOR UPDATE OF rt, s",
                &[&presented_hash],
            )
            .await
            .context("reading a refresh token")?;
        let Some(row) = row else {
            return Ok(Rotation::Invalid);
        };
        let session_id: Uuid = row.get("session_id");
        let user_id: Uuid = row.get("user_id");
        let rotated_at: Option<DateTime<Utc>> = row.get("rotated_at");
        let revoked_at: Option<DateTime<Utc>> = row.get("revoked_at");
        let expires_at: DateTime<Utc> = row.get("expires_at");
        if revoked_at.is_some() || expires_at <= Utc::now() {
            return Ok(Rotation::Invalid);
        }
        if rotated_at.is_some() {
            transaction
                .execute(
                    "UPDATE sessions SET revoked_at = now(), revoked_reason = 'refresh_reuse'
                      WHERE id = $1",
                    &[&session_id],
                )
                .await
                .context("revoking a session after refresh reuse")?;
            transaction
                .commit()
                .await
                .context("committing a session revocation")?;
            return Ok(Rotation::ReuseDetected {
                session_id,
                user_id,
                access_jti: row.get("access_jti"),
                access_expires_at: row.get("access_expires_at"),
            });
        }
        transaction
            .execute(
                "UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1",
                &[&presented_hash],
            )
            .await
            .context("rotating a refresh token")?;
        transaction
            .execute(
                "INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)",
                &[&successor_hash, &session_id],
            )
            .await
            .context("storing the successor refresh token")?;
        transaction
            .execute(
                "UPDATE sessions SET last_used_at = now() WHERE id = $1",
                &[&session_id],
            )
            .await
            .context("touching a session")?;
        transaction.commit().await.context("committing a refresh")?;
        Ok(Rotation::Rotated {
            session_id,
            user_id,
        })
    }

    /// Remembers the access token issued last for a session, so revoking the
    /// session can denylist it.
    pub async fn record_session_access_token(
        &self,
        session_id: Uuid,
        jti: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE sessions SET access_jti = $2, access_expires_at = $3 WHERE id = $1",
                &[&session_id, &jti, &expires_at],
            )
            .await
            .context("recording a session's access token")?;
        Ok(())
    }

    /// The session a refresh token belongs to, whatever its state; `None`
    /// for an unknown token. Used by logout.
    pub async fn session_of_refresh_token(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<(Uuid, Uuid)>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT s.id, s.user_id FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
                  WHERE rt.token_hash = $1",
                &[&token_hash],
            )
            .await
            .context("finding a refresh token's session")?;
        Ok(row.map(|row| (row.get("id"), row.get("user_id"))))
    }

    /// Revokes one of `user_id`'s sessions. `None` when the session is not
    /// theirs, does not exist or is already revoked.
    pub async fn revoke_session(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        reason: &str,
    ) -> Result<Option<RevokedSession>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "UPDATE sessions SET revoked_at = now(), revoked_reason = $3
                  WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL
                  RETURNING id, user_id, access_jti, access_expires_at",
                &[&user_id, &session_id, &reason],
            )
            .await
            .context("revoking a session")?;
        Ok(row.map(|row| RevokedSession {
            session_id: row.get("id"),
            user_id: row.get("user_id"),
            access_jti: row.get("access_jti"),
            access_expires_at: row.get("access_expires_at"),
        }))
    }

    /// `user_id`'s live sessions, newest first.
    pub async fn list_sessions(&self, user_id: Uuid) -> Result<Vec<Session>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions
                      WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
                      ORDER BY created_at DESC, id DESC LIMIT 100"
                ),
                &[&user_id],
            )
            .await
            .context("listing sessions")?;
        Ok(rows.iter().map(Session::from_row).collect())
    }

    /// Marks a successful sign-in on the user's row.
    pub async fn record_sign_in(
        &self,
        user_id: Uuid,
        display_name: &str,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE users SET last_login_at = now(),
                        display_name = CASE WHEN $2 = '' THEN display_name ELSE $2 END
                  WHERE id = $1",
                &[&user_id, &display_name],
            )
            .await
            .context("recording a sign-in")?;
        Ok(())
    }
}
