//! Notification channels of a team: email, signed webhooks, Slack, Discord,
//! Telegram, Microsoft Teams and ntfy.
//!
//! API Boundary: [`Channel::secret`] is the only field that holds a
//! credential (see `0030_chat_channels.sql`); encryption at rest applies to
//! it alone, and `target` is always safe to show.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::monitors::TEAM_REFERENCE;
use crate::pool::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Email,
    Webhook,
    Slack,
    Discord,
    Telegram,
    Teams,
    Ntfy,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 7] = [
        ChannelKind::Email,
        ChannelKind::Webhook,
        ChannelKind::Slack,
        ChannelKind::Discord,
        ChannelKind::Telegram,
        ChannelKind::Teams,
        ChannelKind::Ntfy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Slack => "slack",
            ChannelKind::Discord => "discord",
            ChannelKind::Telegram => "telegram",
            ChannelKind::Teams => "teams",
            ChannelKind::Ntfy => "ntfy",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    fn from_db(value: &str) -> Self {
        // The column's CHECK constraint allows only the values of `ALL`.
        Self::parse(value).unwrap_or(ChannelKind::Email)
    }
}

/// A channel as stored. `Debug` leaves the signing secret out.
#[derive(Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: Uuid,
    pub team_id: Uuid,
    pub kind: ChannelKind,
    pub name: String,
    /// What may be shown of the destination: email address, webhook URL,
    /// masked chat webhook URL, Telegram chat id or ntfy topic URL.
    pub target: String,
    /// The credential: webhook signing secret (`whsec_…`), the whole chat
    /// webhook URL, the Telegram bot token or the ntfy access token.
    pub secret: Option<String>,
    /// Non-secret per-kind settings (ntfy `priority` and `tags`).
    pub settings: serde_json::Value,
    pub enabled: bool,
    /// Why Lookout disabled the channel itself (the receiver said 410 Gone).
    pub disabled_reason: Option<String>,
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
            .field("settings", &self.settings)
            .field("enabled", &self.enabled)
            .field("disabled_reason", &self.disabled_reason)
            .finish_non_exhaustive()
    }
}

const CHANNEL_COLUMNS: &str = "c.id, c.team_id, c.kind, c.name, c.target, c.secret, c.settings, \
     c.enabled, c.disabled_reason, c.created_at";

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
            settings: row.get("settings"),
            enabled: row.get("enabled"),
            disabled_reason: row.get("disabled_reason"),
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
    pub settings: serde_json::Value,
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
                    "INSERT INTO channels AS c (id, team_id, kind, name, target, secret, settings)
                     SELECT $1, ms.team_id, $4, $5, $6, $7, $8
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
                    &channel.settings,
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

    /// Disables a channel whose receiver said it is gone (HTTP 410), with the
    /// reason its owners will see. Scoped by the delivery's team. Returns
    /// false when it was already disabled, so the owners are told once.
    pub async fn disable_gone_channel(
        &self,
        team_id: Uuid,
        channel_id: Uuid,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE channels SET enabled = false, disabled_reason = $3
                  WHERE id = $2 AND team_id = $1 AND enabled",
                &[&team_id, &channel_id, &reason],
            )
            .await
            .context("disabling a channel")?;
        Ok(changed == 1)
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
