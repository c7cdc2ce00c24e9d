//! The notification outbox: pending deliveries, retries with backoff and the
//! dead-letter state.
//!
//! Rows are written by [`Store::record_check`](crate::pool::Store::record_check)
//! in the same transaction as the check; the delivery worker claims due rows
//! with a lease (pushing `next_attempt_at` forward) so that replicas never
//! send the same row at once and a crashed worker's rows come back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::channels::ChannelSecret;
use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

/// A pending delivery this replica holds a lease on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    pub id: Uuid,
    /// `None` for a digest, which gathers the alerts of many checks
    /// (see [`crate::digests`]).
    pub check_id: Option<Uuid>,
    pub channel_id: Uuid,
    pub team_id: Uuid,
    pub idempotency_key: String,
    /// Failed attempts so far.
    pub attempts: i32,
    /// `triggered`, `failing`, `recovered` or `digest`.
    pub kind: String,
}

/// Everything needed to send one delivery, read within the delivery's team.
#[derive(Debug, Clone)]
pub struct DeliveryPayload {
    pub channel: DeliveryChannel,
    pub check: DeliveredCheck,
    pub monitor: DeliveredMonitor,
}

/// A notice to a team owner that Lookout turned a channel off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelNoticePayload {
    /// The owner's address.
    pub recipient: String,
    /// When the channel was turned off: the notice's own time.
    pub queued_at: DateTime<Utc>,
    pub channel_name: String,
    pub reason: String,
}

/// Where to deliver. `secret` is the channel's credential, sealed (see
/// [`crate::channels::Channel::secret`]).
#[derive(Clone)]
pub struct DeliveryChannel {
    pub id: Uuid,
    pub kind: String,
    pub target: String,
    pub secret: Option<ChannelSecret>,
    pub settings: serde_json::Value,
    pub enabled: bool,
}

impl std::fmt::Debug for DeliveryChannel {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("DeliveryChannel")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// The parts of a check an alert shows.
#[derive(Debug, Clone)]
pub struct DeliveredCheck {
    pub id: Uuid,
    pub summary: Option<String>,
    pub reason_text: Option<String>,
    pub extracted_value: Option<String>,
    pub diff: Option<String>,
    pub finished_at: DateTime<Utc>,
    /// The check tells the owner that judging fails, rather than that the condition is met.
    pub unjudged_notice: bool,
    /// `ok` or why the page could not be checked (a failing alert's cause).
    pub status: String,
    pub http_status: Option<i32>,
    pub error: Option<String>,
    /// For a recovered alert: after what the monitor works again.
    pub recovered_note: Option<String>,
}

/// The parts of a monitor an alert shows.
#[derive(Debug, Clone)]
pub struct DeliveredMonitor {
    pub id: Uuid,
    pub name: String,
    pub url: String,
    pub condition: String,
}

/// The columns [`DeliveredCheck::from_row`] and [`DeliveredMonitor::from_row`]
/// read, from `checks c` and `monitors m`: one list for every query that
/// loads an alert to send (a single delivery, a digest's alerts).
macro_rules! delivered_columns {
    () => {
        concat!(
            "c.id AS check_id, c.summary, c.reason_text, c.extracted_value, ",
            crate::stored_diff::diff_columns!(),
            ", c.unjudged_notice, c.status, c.http_status, c.error, c.recovered_note, \
             c.finished_at, m.id AS monitor_id, m.name, m.url, m.condition"
        )
    };
}
pub(crate) use delivered_columns;

impl DeliveredCheck {
    /// From a row with the check's columns, its id as `check_id`.
    pub(crate) fn from_row(row: &tokio_postgres::Row) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.get("check_id"),
            summary: row.get("summary"),
            reason_text: row.get("reason_text"),
            extracted_value: row.get("extracted_value"),
            diff: crate::stored_diff::read(row)?,
            finished_at: row.get("finished_at"),
            unjudged_notice: row.get("unjudged_notice"),
            status: row.get("status"),
            http_status: row.get("http_status"),
            error: row.get("error"),
            recovered_note: row.get("recovered_note"),
        })
    }
}

impl DeliveredMonitor {
    /// From a row with the monitor's columns, its id as `monitor_id`.
    pub(crate) fn from_row(row: &tokio_postgres::Row) -> Self {
        Self {
            id: row.get("monitor_id"),
            name: row.get("name"),
            url: row.get("url"),
            condition: row.get("condition"),
        }
    }
}

/// A delivery as stored, for tests and the admin pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub check_id: Uuid,
    pub channel_id: Uuid,
    pub team_id: Uuid,
    pub idempotency_key: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Claims up to `limit` pending deliveries whose time has come, leasing
    /// each for `lease`.
    pub async fn claim_due_deliveries(
        &self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let client = self.client().await?;
        let rows = client
            .query(
                "WITH due AS (
                     SELECT id FROM deliveries
                     WHERE status = 'pending' AND next_attempt_at <= now()
                     ORDER BY next_attempt_at
                     LIMIT $1
                     FOR UPDATE SKIP LOCKED
                 )
                 UPDATE deliveries AS d
                 SET next_attempt_at = now() + $2::double precision * interval '1 millisecond'
                 FROM due
                 WHERE d.id = due.id
                 RETURNING d.id, d.check_id, d.channel_id, d.team_id, d.idempotency_key, d.attempts,
                           d.kind",
                &[&limit, &millis(lease)],
            )
            .await
            .context("claiming due deliveries")?;
        Ok(rows
            .iter()
            .map(|row| ClaimedDelivery {
                id: row.get("id"),
                check_id: row.get("check_id"),
                channel_id: row.get("channel_id"),
                team_id: row.get("team_id"),
                idempotency_key: row.get("idempotency_key"),
                attempts: row.get("attempts"),
                kind: row.get("kind"),
            })
            .collect())
    }

    /// Extends the lease of deliveries this replica is still sending, so a
    /// short lease hides them from other replicas only while their sender
    /// lives: a replica killed mid-send gives them back one lease later.
    pub async fn renew_delivery_leases(
        &self,
        delivery_ids: &[Uuid],
        lease: Duration,
    ) -> Result<(), StoreError> {
        if delivery_ids.is_empty() {
            return Ok(());
        }
        let client = self.client().await?;
        client
            .execute(
                "UPDATE deliveries
                 SET next_attempt_at = now() + $2::double precision * interval '1 millisecond'
                 WHERE id = ANY($1) AND status = 'pending'",
                &[&delivery_ids, &millis(lease)],
            )
            .await
            .context("renewing delivery leases")?;
        Ok(())
    }

    /// Puts a delivery back without counting an attempt: the fault was ours
    /// (notify down, or another attempt still holding its key), not the
    /// receiver's.
    pub async fn defer_delivery(
        &self,
        delivery_id: Uuid,
        retry_in: Duration,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE deliveries
                 SET next_attempt_at = now() + $2::double precision * interval '1 millisecond'
                 WHERE id = $1 AND status = 'pending'",
                &[&delivery_id, &millis(retry_in)],
            )
            .await
            .context("deferring a delivery")?;
        Ok(())
    }

    /// The channel, check and monitor of a delivery, all read within the
    /// delivery's team. [`StoreError::NotFound`] when any of them is gone
    /// (a digest has no check of its own: see [`Store::digest_payload`]).
    pub async fn delivery_payload(
        &self,
        delivery: &ClaimedDelivery,
    ) -> Result<DeliveryPayload, StoreError> {
        let check_id = delivery.check_id.ok_or(StoreError::NotFound)?;
        let client = self.client().await?;
        let row = client
            .query_opt(
                concat!(
                    "SELECT ch.id AS channel_id, ch.kind, ch.target, ch.secret, ch.sealed_secret, \
                            ch.settings, ch.enabled, ",
                    delivered_columns!(),
                    " FROM channels ch, checks c JOIN monitors m ON m.id = c.monitor_id
                     WHERE ch.id = $1 AND ch.team_id = $3
                       AND c.id = $2 AND c.team_id = $3 AND m.team_id = $3"
                ),
                &[&delivery.channel_id, &check_id, &delivery.team_id],
            )
            .await
            .context("loading a delivery")?
            .ok_or(StoreError::NotFound)?;
        Ok(DeliveryPayload {
            channel: DeliveryChannel {
                id: row.get("channel_id"),
                kind: row.get("kind"),
                target: row.get("target"),
                secret: ChannelSecret::from_columns(row.get("sealed_secret"), row.get("secret")),
                settings: row.get("settings"),
                enabled: row.get("enabled"),
            },
            check: DeliveredCheck::from_row(&row)?,
            monitor: DeliveredMonitor::from_row(&row),
        })
    }

    /// A `channel_disabled` notice: to whom, and which channel Lookout
    /// turned off and why. [`StoreError::NotFound`] when the channel is gone.
    pub async fn notice_payload(
        &self,
        delivery: &ClaimedDelivery,
    ) -> Result<ChannelNoticePayload, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT d.recipient, d.created_at, ch.name, ch.disabled_reason
                   FROM deliveries d JOIN channels ch ON ch.id = d.channel_id AND ch.team_id = d.team_id
                  WHERE d.id = $1 AND d.team_id = $2 AND d.kind = 'channel_disabled'",
                &[&delivery.id, &delivery.team_id],
            )
            .await
            .context("loading a channel notice")?
            .ok_or(StoreError::NotFound)?;
        Ok(ChannelNoticePayload {
            recipient: row
                .get::<_, Option<String>>("recipient")
                .unwrap_or_default(),
            queued_at: row.get("created_at"),
            channel_name: row.get("name"),
            reason: row
                .get::<_, Option<String>>("disabled_reason")
                .unwrap_or_else(|| "its deliveries kept failing".to_owned()),
        })
    }

    /// Marks a delivery as sent (also when notify reports a duplicate).
    pub async fn mark_delivery_sent(&self, delivery_id: Uuid) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE deliveries SET status = 'sent', sent_at = now(), last_error = NULL
                 WHERE id = $1 AND status = 'pending'",
                &[&delivery_id],
            )
            .await
            .context("marking a delivery sent")?;
        Ok(())
    }

    /// Records a failed attempt: the delivery is retried after `retry_in`,
    /// or becomes `dead` when `give_up` is set. `error` is shown to users
    /// and must hold no secrets.
    pub async fn mark_delivery_failed(
        &self,
        delivery_id: Uuid,
        error: &str,
        retry_in: Duration,
        give_up: bool,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE deliveries SET
                     attempts = attempts + 1,
                     last_error = $2,
                     status = CASE WHEN $3 THEN 'dead' ELSE 'pending' END,
                     next_attempt_at = now() + $4::double precision * interval '1 millisecond'
                 WHERE id = $1 AND status = 'pending'",
                &[&delivery_id, &error, &give_up, &millis(retry_in)],
            )
            .await
            .context("recording a failed delivery")?;
        Ok(())
    }

    /// The deliveries of one check, scoped by team.
    pub async fn deliveries_of_check(
        &self,
        team_id: Uuid,
        check_id: Uuid,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, check_id, channel_id, team_id, idempotency_key, status, attempts,
                        next_attempt_at, last_error, sent_at
                 FROM deliveries WHERE check_id = $1 AND team_id = $2
                 ORDER BY created_at, id",
                &[&check_id, &team_id],
            )
            .await
            .context("listing deliveries")?;
        Ok(rows
            .iter()
            .map(|row| DeliveryRow {
                id: row.get("id"),
                check_id: row.get("check_id"),
                channel_id: row.get("channel_id"),
                team_id: row.get("team_id"),
                idempotency_key: row.get("idempotency_key"),
                status: row.get("status"),
                attempts: row.get("attempts"),
                next_attempt_at: row.get("next_attempt_at"),
                last_error: row.get("last_error"),
                sent_at: row.get("sent_at"),
            })
            .collect())
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
