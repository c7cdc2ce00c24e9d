//! Notification channels of a team (email addresses and webhooks).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::monitors::TEAM_REFERENCE;
use crate::pool::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Email,
    Webhook,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Webhook => "webhook",
        }
    }

    fn from_db(value: &str) -> Self {
        // The column's CHECK constraint allows only these two values.
        if value == "webhook" {
            ChannelKind::Webhook
        } else {
            ChannelKind::Email
        }
    }
}

/// A channel as stored. `Debug` leaves the signing secret out.
#[derive(Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: Uuid,
    pub team_id: Uuid,
    pub kind: ChannelKind,
    pub name: String,
    /// Email address or webhook URL.
    pub target: String,
    /// Webhook signing secret (`whsec_…`); `None` for email.
    pub secret: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Channel")
            .field("id", &self.id)
            .field("team_id", &self.team_id)
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("target", &self.target)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

const CHANNEL_COLUMNS: &str =
    "c.id, c.team_id, c.kind, c.name, c.target, c.secret, c.enabled, c.created_at";

/// The scope of every channel query: the caller ($1) is a member of the
/// channel's team.
const VISIBLE_TO_CALLER: &str =
    "EXISTS (SELECT 1 FROM memberships ms WHERE ms.team_id = c.team_id AND ms.user_id = $1)";

impl Channel {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        let kind: String = row.get("kind");
        Self {
            id: row.get("id"),
            team_id: row.get("team_id"),
            kind: ChannelKind::from_db(&kind),
            name: row.get("name"),
            target: row.get("target"),
            secret: row.get("secret"),
            enabled: row.get("enabled"),
            created_at: row.get("created_at"),
        }
    }
}

/// A channel to create, already validated by the caller.
#[derive(Clone, PartialEq, Eq)]
pub struct NewChannel {
    pub kind: ChannelKind,
    pub name: String,
    pub target: String,
    pub secret: Option<String>,
}

impl Store {
    /// Creates a channel in `team_id`, or in the caller's personal team when
    /// `None`; [`StoreError::MissingReference`] ([`TEAM_REFERENCE`]) when the
    /// caller is not a member of that team.
    pub async fn create_channel(
        &self,
        user_id: Uuid,
        team_id: Option<Uuid>,
        channel: &NewChannel,
    ) -> Result<Channel, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "INSERT INTO channels AS c (id, team_id, kind, name, target, secret)
                     SELECT $1, ms.team_id, $4, $5, $6, $7
                       FROM memberships ms JOIN teams t ON t.id = ms.team_id
                      WHERE ms.user_id = $2
                        AND (($3::uuid IS NULL AND t.personal) OR ms.team_id = $3)
                      ORDER BY t.created_at
                      LIMIT 1
                     RETURNING {CHANNEL_COLUMNS}"
                ),
                &[
                    &Uuid::now_v7(),
                    &user_id,
                    &team_id,
                    &channel.kind.as_str(),
                    &channel.name,
                    &channel.target,
                    &channel.secret,
                ],
            )
            .await
            .context("inserting a channel")?
            .ok_or_else(|| StoreError::MissingReference {
                constraint: TEAM_REFERENCE.to_owned(),
            })?;
        Ok(Channel::from_row(&row))
    }

    /// The caller's channels, newest first, optionally in one team only.
    /// A team has few channels, so there is no pagination.
    pub async fn list_channels(
        &self,
        user_id: Uuid,
        team_id: Option<Uuid>,
    ) -> Result<Vec<Channel>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {CHANNEL_COLUMNS} FROM channels c
                      WHERE {VISIBLE_TO_CALLER} AND ($2::uuid IS NULL OR c.team_id = $2)
                      ORDER BY c.created_at DESC, c.id DESC"
                ),
                &[&user_id, &team_id],
            )
            .await
            .context("listing channels")?;
        Ok(rows.iter().map(Channel::from_row).collect())
    }

    /// One of the caller's channels, secret included (for a test delivery).
    pub async fn get_channel(
        &self,
        user_id: Uuid,
        channel_id: Uuid,
    ) -> Result<Option<Channel>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {CHANNEL_COLUMNS} FROM channels c WHERE c.id = $2 AND {VISIBLE_TO_CALLER}"
                ),
                &[&user_id, &channel_id],
            )
            .await
            .context("reading a channel")?;
        Ok(row.as_ref().map(Channel::from_row))
    }

    /// Deletes the channel (and its links to monitors); false when it is not
    /// visible to the caller.
    pub async fn delete_channel(
        &self,
        user_id: Uuid,
        channel_id: Uuid,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let deleted = client
            .execute(
                &format!("DELETE FROM channels c WHERE c.id = $2 AND {VISIBLE_TO_CALLER}"),
                &[&user_id, &channel_id],
            )
            .await
            .context("deleting a channel")?;
        Ok(deleted == 1)
    }
}
