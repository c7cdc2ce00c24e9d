//! The outbox as its users see it: deliveries listed by status (the dead
//! letters above all) and requeued, one or all, within the caller's teams.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::monitors::{Cursor, Page, PageRequest, split_cursor};
use crate::pool::Store;

/// The state of a delivery in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Sent,
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }

    fn from_db(value: &str) -> Self {
        // Listings ask for one of these three; `held` and `digested` rows
        // wait in, or went out with, a digest and are never listed.
        match value {
            "sent" => Self::Sent,
            "dead" => Self::Dead,
            _ => Self::Pending,
        }
    }
}

/// One delivery with what its list shows of its monitor and channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryListing {
    pub id: Uuid,
    pub team_id: Uuid,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// The receiver's last refusal in plain words (no credentials).
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// `triggered`, `failing`, `recovered` or `digest`.
    pub kind: String,
    /// The alert's check and monitor; `None` for a digest, which gathers
    /// `digest_alerts` alerts of any monitors.
    pub check_id: Option<Uuid>,
    pub monitor_id: Option<Uuid>,
    pub monitor_name: Option<String>,
    pub digest_alerts: i64,
    pub channel_id: Uuid,
    pub channel_name: String,
    pub channel_kind: String,
}

/// Which deliveries to list or requeue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryFilter {
    pub status: DeliveryStatus,
    pub team_id: Option<Uuid>,
    pub channel_id: Option<Uuid>,
}

/// Why one delivery was not requeued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequeueRefusal {
    /// Not visible to the caller.
    NotFound,
    /// Only dead deliveries are requeued; this one is pending or sent.
    NotDead,
    /// Its channel is off: turn it on first.
    ChannelDisabled,
}

const LISTING_COLUMNS: &str = "d.id, d.team_id, d.status, d.attempts, d.last_error, d.created_at, \
     d.next_attempt_at, d.sent_at, d.kind, d.check_id, m.id AS monitor_id, m.name AS monitor_name, \
     ch.id AS channel_id, ch.name AS channel_name, ch.kind AS channel_kind, \
     CASE WHEN d.kind = 'digest' \
          THEN (SELECT count(*) FROM deliveries x WHERE x.digest_id = d.id) ELSE 0 END AS digest_alerts";

/// The joins of every listing, and its scope: the caller ($1) is a member
/// of the delivery's team. A digest has no check; any other delivery
/// whose check is gone is not listed.
const LISTING_FROM: &str = "deliveries d
     JOIN channels ch ON ch.id = d.channel_id AND ch.team_id = d.team_id
     LEFT JOIN checks c ON c.id = d.check_id AND c.team_id = d.team_id
     LEFT JOIN monitors m ON m.id = c.monitor_id AND m.team_id = d.team_id
     WHERE (d.kind = 'digest' OR m.id IS NOT NULL) AND EXISTS (SELECT 1 FROM memberships ms WHERE ms.team_id = d.team_id AND ms.user_id = $1)";

impl DeliveryListing {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        let status: String = row.get("status");
        Self {
            id: row.get("id"),
            team_id: row.get("team_id"),
            status: DeliveryStatus::from_db(&status),
            attempts: row.get("attempts"),
            last_error: row.get("last_error"),
            created_at: row.get("created_at"),
            next_attempt_at: row.get("next_attempt_at"),
            sent_at: row.get("sent_at"),
            kind: row.get("kind"),
            check_id: row.get("check_id"),
            monitor_id: row.get("monitor_id"),
            monitor_name: row.get("monitor_name"),
            digest_alerts: row.get("digest_alerts"),
            channel_id: row.get("channel_id"),
            channel_name: row.get("channel_name"),
            channel_kind: row.get("channel_kind"),
        }
    }
}

impl Store {
    /// The caller's deliveries in `filter`, newest first.
    pub async fn list_deliveries(
        &self,
        user_id: Uuid,
        filter: DeliveryFilter,
        page: PageRequest,
    ) -> Result<Page<DeliveryListing>, StoreError> {
        let client = self.client().await?;
        let (after_at, after_id) = split_cursor(page.after);
        let rows = client
            .query(
                &format!(
                    "SELECT {LISTING_COLUMNS} FROM {LISTING_FROM}
                        AND d.status = $2
                        AND ($3::uuid IS NULL OR d.team_id = $3)
                        AND ($4::uuid IS NULL OR d.channel_id = $4)
                        AND ($5::timestamptz IS NULL OR (d.created_at, d.id) < ($5, $6))
                      ORDER BY d.created_at DESC, d.id DESC
                      LIMIT $7"
                ),
                &[
                    &user_id,
                    &filter.status.as_str(),
                    &filter.team_id,
                    &filter.channel_id,
                    &after_at,
                    &after_id,
                    &(page.limit + 1),
                ],
            )
            .await
            .context("listing deliveries")?;
        let items = rows.iter().map(DeliveryListing::from_row).collect();
        Ok(Page::from_overfetch(items, page.limit, |item| Cursor {
            at: item.created_at,
            id: item.id,
        }))
    }

    /// Puts one dead delivery back in the outbox, due now, with a fresh
    /// retry schedule.
    pub async fn requeue_delivery(
        &self,
        user_id: Uuid,
        delivery_id: Uuid,
    ) -> Result<Result<DeliveryListing, RequeueRefusal>, StoreError> {
        let client = self.client().await?;
        let requeued = client
            .execute(
                "UPDATE deliveries d SET status = 'pending', attempts = 0, next_attempt_at = now()
                   FROM channels ch
                  WHERE d.id = $2 AND d.status = 'dead'
                    AND ch.id = d.channel_id AND ch.team_id = d.team_id AND ch.enabled
                    AND EXISTS (SELECT 1 FROM memberships ms
                                 WHERE ms.team_id = d.team_id AND ms.user_id = $1)",
                &[&user_id, &delivery_id],
            )
            .await
            .context("requeuing a delivery")?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {LISTING_COLUMNS}, ch.enabled AS channel_enabled FROM {LISTING_FROM} AND d.id = $2"
                ),
                &[&user_id, &delivery_id],
            )
            .await
            .context("reading a requeued delivery")?;
        let Some(row) = row else {
            return Ok(Err(RequeueRefusal::NotFound));
        };
        if requeued == 1 {
            return Ok(Ok(DeliveryListing::from_row(&row)));
        }
        if !row.get::<_, bool>("channel_enabled") {
            return Ok(Err(RequeueRefusal::ChannelDisabled));
        }
        Ok(Err(RequeueRefusal::NotDead))
    }

    /// Requeues every dead delivery in `filter` whose channel is on;
    /// returns how many.
    pub async fn requeue_dead_deliveries(
        &self,
        user_id: Uuid,
        team_id: Option<Uuid>,
        channel_id: Option<Uuid>,
    ) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let requeued = client
            .execute(
                "UPDATE deliveries d SET status = 'pending', attempts = 0, next_attempt_at = now()
                   FROM channels ch
                  WHERE ch.id = d.channel_id AND ch.team_id = d.team_id AND ch.enabled
                    AND d.status = 'dead'
                    AND ($2::uuid IS NULL OR d.team_id = $2)
                    AND ($3::uuid IS NULL OR d.channel_id = $3)
                    AND EXISTS (SELECT 1 FROM memberships ms
                                 WHERE ms.team_id = d.team_id AND ms.user_id = $1)",
                &[&user_id, &team_id, &channel_id],
            )
            .await
            .context("requeuing dead deliveries")?;
        Ok(requeued)
    }
}
