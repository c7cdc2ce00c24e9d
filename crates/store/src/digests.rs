//! Digests in the outbox. An alert for a channel that takes digests waits
//! as a `held` delivery. When its period has ended, [`Store::build_digest`]
//! writes one `digest` delivery and turns the held rows `digested`
//! (pointing at it) in one transaction, under an idempotency key naming
//! the channel and the period's end: a crash before the commit leaves the
//! rows held for the next attempt, a crash after leaves a pending digest
//! the delivery worker sends like any delivery, and a second replica's
//! attempt finds the key taken. Nothing is built for a period without
//! alerts.
//!
//! System-scoped (see ARCHITECTURE.md): these queries serve the scheduler,
//! which acts for every team; each still filters by the row's team.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::channels::{ChannelDelivery, ChannelSecret};
use crate::deliveries::{DeliveredCheck, DeliveredMonitor, DeliveryChannel, delivered_columns};
use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

/// A channel with alerts waiting for a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldChannel {
    pub channel_id: Uuid,
    pub team_id: Uuid,
    pub delivery: ChannelDelivery,
    /// When the oldest waiting alert was queued.
    pub oldest: DateTime<Utc>,
}

/// One alert of a digest.
#[derive(Debug, Clone)]
pub struct DigestItem {
    /// `triggered`, `failing` or `recovered`.
    pub kind: String,
    pub check: DeliveredCheck,
    pub monitor: DeliveredMonitor,
}

/// Everything needed to send a digest, read within its team.
#[derive(Debug, Clone)]
pub struct DigestPayload {
    pub channel: DeliveryChannel,
    pub delivery: ChannelDelivery,
    /// The end of the digest's period (exclusive).
    pub period_end: DateTime<Utc>,
    /// Oldest first.
    pub items: Vec<DigestItem>,
}

impl Store {
    /// Channels with held alerts, and what their schedule is. An `instant`
    /// channel shows up when it was switched from digests with alerts still
    /// waiting: they are released by [`Store::release_held_deliveries`].
    pub async fn channels_with_held_deliveries(&self) -> Result<Vec<HeldChannel>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT c.id, c.team_id, c.delivery, c.digest_time, c.digest_time_zone,
                        held.oldest
                   FROM (SELECT channel_id, team_id, min(created_at) AS oldest
                           FROM deliveries WHERE status = 'held'
                          GROUP BY channel_id, team_id) held
                   JOIN channels c ON c.id = held.channel_id AND c.team_id = held.team_id",
                &[],
            )
            .await
            .context("listing channels with held deliveries")?;
        Ok(rows
            .iter()
            .map(|row| HeldChannel {
                channel_id: row.get("id"),
                team_id: row.get("team_id"),
                delivery: ChannelDelivery::from_columns(
                    row.get("delivery"),
                    row.get("digest_time"),
                    row.get("digest_time_zone"),
                ),
                oldest: row.get("oldest"),
            })
            .collect())
    }

    /// Sends a channel's held alerts one by one: it takes instant alerts now.
    pub async fn release_held_deliveries(
        &self,
        team_id: Uuid,
        channel_id: Uuid,
    ) -> Result<u64, StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE deliveries SET status = 'pending', next_attempt_at = now()
                  WHERE channel_id = $1 AND team_id = $2 AND status = 'held'",
                &[&channel_id, &team_id],
            )
            .await
            .context("releasing held deliveries")
    }

    /// Gathers the channel's alerts held before `period_end` into one
    /// pending digest delivery; its id, or `None` when there was nothing to
    /// gather or this period's digest already exists (alerts committed after
    /// it was built then wait for the next period).
    pub async fn build_digest(
        &self,
        team_id: Uuid,
        channel_id: Uuid,
        period_end: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting to build a digest")?;
        let digest_id = Uuid::now_v7();
        let key = format!("digest:{channel_id}:{}", period_end.timestamp());
        let inserted = transaction
            .execute(
                "INSERT INTO deliveries (id, check_id, channel_id, team_id, idempotency_key,
                     status, next_attempt_at, kind, period_end)
                 SELECT $1, NULL, c.id, c.team_id, $4, 'pending', now(), 'digest', $5
                   FROM channels c WHERE c.id = $2 AND c.team_id = $3
                 ON CONFLICT (idempotency_key) DO NOTHING",
                &[&digest_id, &channel_id, &team_id, &key, &period_end],
            )
            .await
            .context("writing a digest")?;
        if inserted == 0 {
            return Ok(None);
        }
        let members = transaction
            .execute(
                "UPDATE deliveries SET status = 'digested', digest_id = $1
                  WHERE channel_id = $2 AND team_id = $3 AND status = 'held' AND created_at < $4",
                &[&digest_id, &channel_id, &team_id, &period_end],
            )
            .await
            .context("gathering a digest's alerts")?;
        if members == 0 {
            // Never an empty digest: dropping the transaction rolls it back.
            return Ok(None);
        }
        transaction.commit().await.context("committing a digest")?;
        Ok(Some(digest_id))
    }

    /// The channel and every alert of a digest, all read within the
    /// digest's team. [`StoreError::NotFound`] when the channel is gone.
    /// Alerts whose check or monitor was deleted since are left out.
    pub async fn digest_payload(
        &self,
        team_id: Uuid,
        digest_id: Uuid,
    ) -> Result<DigestPayload, StoreError> {
        let client = self.client().await?;
        let head = client
            .query_opt(
                "SELECT ch.id, ch.kind, ch.target, ch.secret, ch.sealed_secret, ch.settings, ch.enabled,
                        ch.delivery, ch.digest_time, ch.digest_time_zone, d.period_end
                   FROM deliveries d JOIN channels ch ON ch.id = d.channel_id AND ch.team_id = d.team_id
                  WHERE d.id = $1 AND d.team_id = $2 AND d.kind = 'digest'",
                &[&digest_id, &team_id],
            )
            .await
            .context("loading a digest")?
            .ok_or(StoreError::NotFound)?;
        let rows = client
            .query(
                concat!(
                    "SELECT d.kind, ",
                    delivered_columns!(),
                    " FROM deliveries d
                       JOIN checks c ON c.id = d.check_id AND c.team_id = d.team_id
                       JOIN monitors m ON m.id = c.monitor_id AND m.team_id = d.team_id
                      WHERE d.digest_id = $1 AND d.team_id = $2
                      ORDER BY d.created_at, d.id"
                ),
                &[&digest_id, &team_id],
            )
            .await
            .context("loading a digest's alerts")?;
        Ok(DigestPayload {
            channel: DeliveryChannel {
                id: head.get("id"),
                kind: head.get("kind"),
                target: head.get("target"),
                secret: ChannelSecret::from_columns(head.get("sealed_secret"), head.get("secret")),
                settings: head.get("settings"),
                enabled: head.get("enabled"),
            },
            delivery: ChannelDelivery::from_columns(
                head.get("delivery"),
                head.get("digest_time"),
                head.get("digest_time_zone"),
            ),
            period_end: head
                .get::<_, Option<DateTime<Utc>>>("period_end")
                .unwrap_or_else(Utc::now),
            items: rows
                .iter()
                .map(|row| {
                    Ok(DigestItem {
                        kind: row.get("kind"),
                        check: DeliveredCheck::from_row(row)?,
                        monitor: DeliveredMonitor::from_row(row),
                    })
                })
                .collect::<Result<_, StoreError>>()?,
        })
    }
}
