//! Notification channels of a team: email, signed webhooks, Slack, Discord,
//! Telegram, Microsoft Teams and ntfy.
//!
//! API Boundary: [`Channel::secret`] is the only field that holds a
//! credential (see `0030_chat_channels.sql`). It is sealed at rest
//! ([`ChannelSecret`], `0100_sealed_channel_secrets.sql`): the gateway seals
//! it, and only the processes that send (the gateway for a test, the
//! scheduler for a delivery) open it. `target` is always safe to show.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use secret_box::{SecretBox, SecretBoxError};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::monitors::TEAM_REFERENCE;
use crate::pool::Store;
use crate::quotas::{self, Quota};

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

/// How a channel takes its alerts: each at once, or gathered into one
/// digest per period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ChannelDelivery {
    #[default]
    Instant,
    /// One digest at the end of every hour (in UTC).
    Hourly,
    /// One digest a day, when the clock in `time_zone` (an IANA name, checked
    /// by the caller) shows `at`.
    Daily {
        at: chrono::NaiveTime,
        time_zone: String,
    },
}

impl ChannelDelivery {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Instant => "instant",
            Self::Hourly => "hourly",
            Self::Daily { .. } => "daily",
        }
    }

    /// Whether alerts wait for a digest.
    pub fn is_digest(&self) -> bool {
        !matches!(self, Self::Instant)
    }

    /// `(delivery, digest_time, digest_time_zone)` column values.
    fn columns(&self) -> (&'static str, Option<chrono::NaiveTime>, Option<&str>) {
        match self {
            Self::Daily { at, time_zone } => ("daily", Some(*at), Some(time_zone.as_str())),
            other => (other.as_str(), None, None),
        }
    }

    pub(crate) fn from_columns(
        delivery: &str,
        at: Option<chrono::NaiveTime>,
        time_zone: Option<String>,
    ) -> Self {
        // The table's CHECK constraints make a daily row carry both.
        match (delivery, at, time_zone) {
            ("hourly", _, _) => Self::Hourly,
            ("daily", Some(at), Some(time_zone)) => Self::Daily { at, time_zone },
            _ => Self::Instant,
        }
    }
}

/// The `secret-box` purpose of channel credentials: a value sealed as
/// another kind of secret (a monitor header) does not open as one.
pub const CHANNEL_SECRET_PURPOSE: &str = "channel-secret";

/// A channel credential at rest.
#[derive(Clone, PartialEq, Eq)]
pub enum ChannelSecret {
    /// `secret-box` text, `<key id>:<ciphertext>` (`channels.sealed_secret`).
    Sealed(String),
    /// Stored in clear by an older version (`channels.secret`) until the
    /// gateway reseals it at start.
    Legacy(String),
}

impl std::fmt::Debug for ChannelSecret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sealed(_) => formatter.write_str("Sealed(<redacted>)"),
            Self::Legacy(_) => formatter.write_str("Legacy(<redacted>)"),
        }
    }
}

impl ChannelSecret {
    /// `plaintext` sealed by the current key of `secret_box`.
    pub fn seal(secret_box: &SecretBox, plaintext: &str) -> Result<Self, SecretBoxError> {
        Ok(Self::Sealed(
            secret_box.seal(CHANNEL_SECRET_PURPOSE, plaintext)?,
        ))
    }

    /// The credential in clear, for the process that sends with it.
    pub fn open(&self, secret_box: &SecretBox) -> Result<SecretString, SecretBoxError> {
        match self {
            Self::Sealed(sealed) => secret_box.open(CHANNEL_SECRET_PURPOSE, sealed),
            Self::Legacy(value) => Ok(SecretString::from(value.clone())),
        }
    }

    /// True when sealed by the key `key_id` (nothing left to reseal).
    pub fn is_sealed_by(&self, key_id: &str) -> bool {
        match self {
            Self::Sealed(sealed) => sealed.split_once(':').is_some_and(|(id, _)| id == key_id),
            Self::Legacy(_) => false,
        }
    }

    /// Reads the two columns: the sealed value wins over a clear one.
    pub(crate) fn from_columns(sealed: Option<String>, legacy: Option<String>) -> Option<Self> {
        sealed.map(Self::Sealed).or(legacy.map(Self::Legacy))
    }

    /// `(sealed_secret, secret)` column values.
    fn columns(secret: Option<&Self>) -> (Option<&str>, Option<&str>) {
        match secret {
            Some(Self::Sealed(sealed)) => (Some(sealed), None),
            Some(Self::Legacy(value)) => (None, Some(value)),
            None => (None, None),
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
    /// What may be shown of the destination: email address, webhook URL,
    /// masked chat webhook URL, Telegram chat id or ntfy topic URL.
    pub target: String,
    /// The credential, sealed: webhook signing secret (`whsec_…`), the whole
    /// chat webhook URL, the Telegram bot token or the ntfy access token.
    pub secret: Option<ChannelSecret>,
    /// Non-secret per-kind settings (ntfy `priority` and `tags`).
    pub settings: serde_json::Value,
    pub enabled: bool,
    /// Why Lookout disabled the channel itself (the receiver said 410 Gone,
    /// or deliveries kept dying).
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When a delivery last reached the receiver.
    pub last_success_at: Option<DateTime<Utc>>,
    /// When a delivery attempt last failed, and the receiver's words.
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_failure: Option<String>,
    /// Deliveries that died in a row since the last success.
    pub dead_streak: i32,
    /// An email channel waiting, off, for its recipient to confirm.
    pub awaiting_confirmation: bool,
    pub delivery: ChannelDelivery,
}

/// How a channel's deliveries are going, as its page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelHealth {
    /// Nothing delivered or failed yet.
    Unknown,
    /// The last attempt reached the receiver.
    Healthy,
    /// The last attempt failed; retries are under way.
    Failing,
    /// Deliveries died since the last success.
    Dead,
    /// Turned off, by its owners or by Lookout.
    Disabled,
    /// Waiting for the recipient to confirm; nothing is sent before.
    AwaitingConfirmation,
}

impl ChannelHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Healthy => "healthy",
            Self::Failing => "failing",
            Self::Dead => "dead",
            Self::Disabled => "disabled",
            Self::AwaitingConfirmation => "awaiting_confirmation",
        }
    }
}

impl Channel {
    pub fn health(&self) -> ChannelHealth {
        if self.awaiting_confirmation {
            return ChannelHealth::AwaitingConfirmation;
        }
        if !self.enabled {
            return ChannelHealth::Disabled;
        }
        if self.dead_streak > 0 {
            return ChannelHealth::Dead;
        }
        match (self.last_success_at, self.last_failure_at) {
            (None, None) => ChannelHealth::Unknown,
            (Some(success), Some(failure)) if failure > success => ChannelHealth::Failing,
            (None, Some(_)) => ChannelHealth::Failing,
            _ => ChannelHealth::Healthy,
        }
    }
}

/// A channel Lookout turned off because its deliveries kept dying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisabledChannel {
    pub name: String,
    pub reason: String,
    /// How many of its team's owners a notice was queued for.
    pub owners_notified: u64,
}

/// What a delivery attempt did, for the channel's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome<'a> {
    Delivered,
    /// Failed; `dead` when it was the delivery's last attempt.
    Failed {
        error: &'a str,
        dead: bool,
    },
}

/// A change to a channel (`PATCH`); `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelPatch {
    pub name: Option<String>,
    /// Turning a channel on clears why it was off and its dead streak.
    pub enabled: Option<bool>,
    /// A new destination of the same kind, already validated and sealed.
    pub destination: Option<ChannelDestination>,
    /// With a new destination: whether it waits for its recipient to
    /// confirm (the channel is then off until they do).
    pub awaiting_confirmation: bool,
    /// Instant alerts or digests; alerts already waiting for a digest keep
    /// waiting for the next one of the new schedule (or go out at once).
    pub delivery: Option<ChannelDelivery>,
}

/// Where a channel delivers: what is shown, the sealed credential and the
/// per-kind settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDestination {
    pub target: String,
    pub secret: Option<ChannelSecret>,
    pub settings: serde_json::Value,
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
            .field("dead_streak", &self.dead_streak)
            .finish_non_exhaustive()
    }
}

const CHANNEL_COLUMNS: &str = "c.id, c.team_id, c.kind, c.name, c.target, c.secret, c.sealed_secret, c.settings, \
     c.enabled, c.disabled_reason, c.created_at, c.last_success_at, c.last_failure_at, \
     c.last_failure, c.dead_streak, c.awaiting_confirmation, c.delivery, c.digest_time, c.digest_time_zone";

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
            secret: ChannelSecret::from_columns(row.get("sealed_secret"), row.get("secret")),
            settings: row.get("settings"),
            enabled: row.get("enabled"),
            disabled_reason: row.get("disabled_reason"),
            created_at: row.get("created_at"),
            last_success_at: row.get("last_success_at"),
            last_failure_at: row.get("last_failure_at"),
            last_failure: row.get("last_failure"),
            dead_streak: row.get("dead_streak"),
            awaiting_confirmation: row.get("awaiting_confirmation"),
            delivery: ChannelDelivery::from_columns(
                row.get("delivery"),
                row.get("digest_time"),
                row.get("digest_time_zone"),
            ),
        }
    }
}

/// A channel to create, already validated by the caller.
#[derive(Clone, PartialEq, Eq)]
pub struct NewChannel {
    pub kind: ChannelKind,
    pub name: String,
    pub target: String,
    /// Sealed by the caller ([`ChannelSecret::seal`]).
    pub secret: Option<ChannelSecret>,
    pub settings: serde_json::Value,
    /// Created off, until its recipient confirms.
    pub awaiting_confirmation: bool,
    pub delivery: ChannelDelivery,
}

impl Store {
    /// Creates a channel in `team_id`, or in the caller's personal team when
    /// `None`; [`StoreError::MissingReference`] ([`TEAM_REFERENCE`]) when the
    /// caller is not a member of that team.
    ///
    /// [`StoreError::QuotaReached`] when the team has its `channels`
    /// quota ([`crate::quotas`]).
    pub async fn create_channel(
        &self,
        user_id: Uuid,
        team_id: Option<Uuid>,
        channel: &NewChannel,
    ) -> Result<Channel, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting channel creation")?;
        let team_id = quotas::member_team(&transaction, user_id, team_id)
            .await?
            .ok_or_else(|| StoreError::MissingReference {
                constraint: TEAM_REFERENCE.to_owned(),
            })?;
        quotas::reserve(
            &transaction,
            team_id,
            Quota::Channels,
            self.quota_defaults(),
        )
        .await?;
        let (sealed_secret, legacy_secret) = ChannelSecret::columns(channel.secret.as_ref());
        let (delivery, digest_time, digest_time_zone) = channel.delivery.columns();
        let row = transaction
            .query_one(
                &format!(
                    "INSERT INTO channels AS c (id, team_id, kind, name, target, sealed_secret, secret, settings,
                                                enabled, awaiting_confirmation,
                                                delivery, digest_time, digest_time_zone)
                     VALUES ($1, $2, $3, $4, $5, $6, $8, $7, NOT $9, $9, $10, $11, $12)
                     RETURNING {CHANNEL_COLUMNS}"
                ),
                &[
                    &Uuid::now_v7(),
                    &team_id,
                    &channel.kind.as_str(),
                    &channel.name,
                    &channel.target,
                    &sealed_secret,
                    &channel.settings,
                    &legacy_secret,
                    &channel.awaiting_confirmation,
                    &delivery,
                    &digest_time,
                    &digest_time_zone,
                ],
            )
            .await
            .context("inserting a channel")?;
        transaction
            .commit()
            .await
            .context("committing channel creation")?;
        Ok(Channel::from_row(&row))
    }

    /// The channel `sql` answers (its columns being `CHANNEL_COLUMNS`), if any.
    async fn one_channel(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        doing: &'static str,
    ) -> Result<Option<Channel>, StoreError> {
        let client = self.client().await?;
        let row = client.query_opt(sql, params).await.context(doing)?;
        Ok(row.as_ref().map(Channel::from_row))
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
        self.one_channel(
            &format!(
                "SELECT {CHANNEL_COLUMNS} FROM channels c WHERE c.id = $2 AND {VISIBLE_TO_CALLER}"
            ),
            &[&user_id, &channel_id],
            "reading a channel",
        )
        .await
    }

    /// Disables a channel whose receiver said it is gone (HTTP 410), with the
    /// reason its owners will see, and queues one notice to each of its
    /// team's owners in the same transaction. Scoped by the delivery's team.
    /// Returns false when it was already disabled, so the owners are told
    /// once. `delivery_id` is the delivery the receiver refused.
    pub async fn disable_gone_channel(
        &self,
        team_id: Uuid,
        channel_id: Uuid,
        delivery_id: Uuid,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting to disable a channel")?;
        let changed = transaction
            .execute(
                "UPDATE channels SET enabled = false, disabled_reason = $3
                  WHERE id = $2 AND team_id = $1 AND enabled",
                &[&team_id, &channel_id, &reason],
            )
            .await
            .context("disabling a channel")?;
        if changed == 1 {
            queue_disabled_notices(&transaction, team_id, channel_id, delivery_id).await?;
        }
        transaction
            .commit()
            .await
            .context("committing a disabled channel")?;
        Ok(changed == 1)
    }

    /// Channels whose credential is in clear or sealed by another key than
    /// `current_key_id`, by id after `after`: the gateway reseals them at
    /// start. Not scoped by team: a maintenance pass over every row, never
    /// reachable from a request.
    pub async fn channel_secrets_to_reseal(
        &self,
        current_key_id: &str,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<(Uuid, ChannelSecret)>, StoreError> {
        let client = self.client().await?;
        let prefix = format!("{current_key_id}:");
        let rows = client
            .query(
                "SELECT id, sealed_secret, secret FROM channels
                  WHERE ($1::uuid IS NULL OR id > $1)
                    AND (secret IS NOT NULL
                         OR (sealed_secret IS NOT NULL AND NOT starts_with(sealed_secret, $2)))
                  ORDER BY id
                  LIMIT $3",
                &[&after, &prefix, &limit],
            )
            .await
            .context("listing channel secrets to reseal")?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let secret =
                    ChannelSecret::from_columns(row.get("sealed_secret"), row.get("secret"))?;
                Some((row.get("id"), secret))
            })
            .collect())
    }

    /// Stores `resealed` as the channel's credential (and empties the clear
    /// column) only if the credential is still `current`, so a reseal never
    /// overwrites an edit made meanwhile. False when it changed or is gone.
    pub async fn replace_channel_secret(
        &self,
        channel_id: Uuid,
        current: &ChannelSecret,
        resealed: &ChannelSecret,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let (current_sealed, current_legacy) = ChannelSecret::columns(Some(current));
        let (new_sealed, new_legacy) = ChannelSecret::columns(Some(resealed));
        let updated = client
            .execute(
                "UPDATE channels SET sealed_secret = $4, secret = $5
                  WHERE id = $1
                    AND sealed_secret IS NOT DISTINCT FROM $2
                    AND secret IS NOT DISTINCT FROM $3",
                &[
                    &channel_id,
                    &current_sealed,
                    &current_legacy,
                    &new_sealed,
                    &new_legacy,
                ],
            )
            .await
            .context("resealing a channel secret")?;
        Ok(updated == 1)
    }

    /// Changes one of the caller's channels; `None` when it is not visible to
    /// the caller. A new destination replaces target, credential and
    /// settings together; turning the channel on forgets why it was off.
    pub async fn update_channel(
        &self,
        user_id: Uuid,
        channel_id: Uuid,
        patch: &ChannelPatch,
    ) -> Result<Option<Channel>, StoreError> {
        let client = self.client().await?;
        let destination = patch.destination.as_ref();
        let (sealed_secret, legacy_secret) =
            ChannelSecret::columns(destination.and_then(|destination| destination.secret.as_ref()));
        let delivery = patch.delivery.as_ref().map(ChannelDelivery::columns);
        let row = client
            .query_opt(
                &format!(
                    "UPDATE channels AS c SET
                         name = COALESCE($3, c.name),
                         enabled = CASE WHEN $5 AND $10 THEN false ELSE COALESCE($4, c.enabled) END,
                         awaiting_confirmation = CASE WHEN $5 THEN $10 ELSE c.awaiting_confirmation END,
                         disabled_reason = CASE WHEN $4 THEN NULL ELSE c.disabled_reason END,
                         dead_streak = CASE WHEN $4 AND NOT c.enabled THEN 0 ELSE c.dead_streak END,
                         target = CASE WHEN $5 THEN $6 ELSE c.target END,
                         sealed_secret = CASE WHEN $5 THEN $7 ELSE c.sealed_secret END,
                         secret = CASE WHEN $5 THEN $8 ELSE c.secret END,
                         settings = CASE WHEN $5 THEN $9 ELSE c.settings END,
                         delivery = COALESCE($11, c.delivery),
                         digest_time = CASE WHEN $11 IS NULL THEN c.digest_time ELSE $12 END,
                         digest_time_zone = CASE WHEN $11 IS NULL THEN c.digest_time_zone ELSE $13 END
                      WHERE c.id = $2 AND {VISIBLE_TO_CALLER}
                      RETURNING {CHANNEL_COLUMNS}"
                ),
                &[
                    &user_id,
                    &channel_id,
                    &patch.name,
                    &patch.enabled,
                    &destination.is_some(),
                    &destination.map(|destination| destination.target.as_str()),
                    &sealed_secret,
                    &legacy_secret,
                    &destination.map(|destination| &destination.settings),
                    &patch.awaiting_confirmation,
                    &delivery.map(|(delivery, _, _)| delivery),
                    &delivery.and_then(|(_, at, _)| at),
                    &delivery.and_then(|(_, _, time_zone)| time_zone),
                ],
            )
            .await
            .context("updating a channel")?;
        Ok(row.as_ref().map(Channel::from_row))
    }

    /// Records what a delivery attempt did to the channel's health. After
    /// `disable_after` deliveries died in a row the channel is turned off
    /// and, in the same transaction, one notice per team owner is queued in
    /// the outbox; the answer is `Some` only for the attempt that turned it
    /// off. Scoped by the delivery's team. `delivery_id` is the attempt's
    /// delivery.
    pub async fn record_channel_attempt(
        &self,
        team_id: Uuid,
        channel_id: Uuid,
        delivery_id: Uuid,
        outcome: AttemptOutcome<'_>,
        disable_after: i32,
    ) -> Result<Option<DisabledChannel>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting to record a channel's delivery")?;
        let (error, dead, delivered) = match outcome {
            AttemptOutcome::Delivered => (None, false, true),
            AttemptOutcome::Failed { error, dead } => (Some(error), dead, false),
        };
        let reason = format!(
            "Lookout turned this channel off after {disable_after} alerts in a row could not be delivered"
        );
        let row = transaction
            .query_opt(
                "WITH before AS (
                     SELECT id, enabled FROM channels WHERE id = $2 AND team_id = $1 FOR UPDATE
                 )
                 UPDATE channels AS c SET
                     last_success_at = CASE WHEN $5 THEN now() ELSE c.last_success_at END,
                     last_failure_at = CASE WHEN $5 THEN c.last_failure_at ELSE now() END,
                     last_failure = COALESCE($3, c.last_failure),
                     dead_streak = CASE WHEN $5 THEN 0
                                        WHEN $4 THEN c.dead_streak + 1
                                        ELSE c.dead_streak END,
                     enabled = c.enabled AND NOT ($4 AND c.dead_streak + 1 >= $6),
                     disabled_reason = CASE WHEN c.enabled AND $4 AND c.dead_streak + 1 >= $6
                                            THEN $7 ELSE c.disabled_reason END
                   FROM before
                  WHERE c.id = before.id
                 RETURNING c.name, c.disabled_reason, before.enabled AND NOT c.enabled AS turned_off",
                &[
                    &team_id,
                    &channel_id,
                    &error,
                    &dead,
                    &delivered,
                    &disable_after,
                    &reason,
                ],
            )
            .await
            .context("recording a channel's delivery")?;
        let disabled = match row {
            Some(row) if row.get::<_, bool>("turned_off") => {
                let notified =
                    queue_disabled_notices(&transaction, team_id, channel_id, delivery_id).await?;
                Some(DisabledChannel {
                    name: row.get("name"),
                    reason: row
                        .get::<_, Option<String>>("disabled_reason")
                        .unwrap_or(reason),
                    owners_notified: notified,
                })
            }
            _ => None,
        };
        transaction
            .commit()
            .await
            .context("committing a channel's delivery")?;
        Ok(disabled)
    }

    /// Confirms an email channel waiting for its recipient, when it still
    /// goes to `address` (the link was sent there): it is turned on. `None`
    /// when there is no such channel waiting. Not scoped by team: the
    /// recipient proves the right with the signed link, not an account.
    pub async fn confirm_channel(
        &self,
        channel_id: Uuid,
        address: &str,
    ) -> Result<Option<Channel>, StoreError> {
        self.one_channel(
            &format!(
                "UPDATE channels AS c SET awaiting_confirmation = false, enabled = true
                  WHERE c.id = $1 AND c.kind = 'email' AND c.target = $2
                    AND c.awaiting_confirmation
                  RETURNING {CHANNEL_COLUMNS}"
            ),
            &[&channel_id, &address],
            "confirming a channel",
        )
        .await
    }

    /// An email channel by id alone, for its recipient's signed unsubscribe
    /// link (which proves the right; no account is involved).
    pub async fn get_channel_for_unsubscribe(
        &self,
        channel_id: Uuid,
    ) -> Result<Option<Channel>, StoreError> {
        self.one_channel(
            &format!(
                "SELECT {CHANNEL_COLUMNS} FROM channels c WHERE c.id = $1 AND c.kind = 'email'"
            ),
            &[&channel_id],
            "reading a channel to unsubscribe",
        )
        .await
    }

    /// Turns off an email channel whose recipient unsubscribed through the
    /// signed link of an alert, when it still goes to `address` (the link
    /// was mailed there). Answers the channel, already off or not, so a
    /// second click says the same; `None` when there is no such channel.
    /// Not scoped by team: the recipient proves the right with the link.
    pub async fn unsubscribe_channel(
        &self,
        channel_id: Uuid,
        address: &str,
    ) -> Result<Option<(Channel, bool)>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "WITH before AS (
                         SELECT id, enabled FROM channels
                          WHERE id = $1 AND kind = 'email' AND lower(target) = lower($2)
                          FOR UPDATE
                     )
                     UPDATE channels AS c SET enabled = false,
                            disabled_reason = CASE WHEN c.enabled THEN $3 ELSE c.disabled_reason END
                       FROM before
                      WHERE c.id = before.id
                     RETURNING {CHANNEL_COLUMNS}, before.enabled AS was_enabled"
                ),
                &[
                    &channel_id,
                    &address,
                    &"The recipient unsubscribed with the link in an alert email",
                ],
            )
            .await
            .context("unsubscribing a channel")?;
        Ok(row
            .as_ref()
            .map(|row| (Channel::from_row(row), row.get("was_enabled"))))
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

/// One `channel_disabled` delivery per owner of the team, to be sent by the
/// delivery worker like any alert. The key names the channel, the delivery
/// that turned it off and the owner, so the notice is queued once.
async fn queue_disabled_notices(
    transaction: &deadpool_postgres::Transaction<'_>,
    team_id: Uuid,
    channel_id: Uuid,
    delivery_id: Uuid,
) -> Result<u64, StoreError> {
    transaction
        .execute(
            "INSERT INTO deliveries (id, check_id, channel_id, team_id, idempotency_key, status,
                                     next_attempt_at, kind, recipient)
             SELECT gen_random_uuid(), NULL, $2::uuid, $1::uuid,
                    'channel-off:' || $2::uuid::text || ':' || $3::uuid::text || ':' || u.id::text,
                    'pending', now(), 'channel_disabled', u.email
               FROM memberships ms JOIN users u ON u.id = ms.user_id
              WHERE ms.team_id = $1 AND ms.role = 'owner'
             ON CONFLICT (idempotency_key) DO NOTHING",
            &[&team_id, &channel_id, &delivery_id],
        )
        .await
        .context("queueing notices of a disabled channel")
}
