//! The audit trail: append-only. This module inserts and reads; no code
//! path updates or deletes an event.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::monitors::{Cursor, Page, PageRequest};
use crate::pool::Store;

/// One event to record.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEvent {
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub detail: serde_json::Value,
}

/// Which events an admin wants to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<Uuid>,
}

impl AuditEvent {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        Self {
            id: row.get("id"),
            at: row.get("at"),
            action: row.get("action"),
            actor_id: row.get("actor_id"),
            actor_email: row.get("actor_email"),
            target: row.get("target"),
            ip: row.get("ip"),
            user_agent: row.get("user_agent"),
            request_id: row.get("request_id"),
            detail: row.get("detail"),
        }
    }
}

impl Store {
    pub async fn record_audit_event(&self, event: &NewAuditEvent) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO audit_events
                     (id, action, actor_id, actor_email, target, ip, user_agent, request_id, detail)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &Uuid::now_v7(),
                    &event.action,
                    &event.actor_id,
                    &event.actor_email,
                    &event.target,
                    &event.ip,
                    &event.user_agent,
                    &event.request_id,
                    &event.detail,
                ],
            )
            .await
            .context("recording an audit event")?;
        Ok(())
    }

    /// Events newest first. Not scoped by team: only admins may call this,
    /// which the gateway checks before.
    pub async fn list_audit_events(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEvent>, StoreError> {
        let client = self.client().await?;
        let (after_at, after_id) = match page.after {
            Some(cursor) => (Some(cursor.at), Some(cursor.id)),
            None => (None, None),
        };
        let rows = client
            .query(
                "SELECT id, at, action, actor_id, actor_email, target, ip, user_agent, request_id, detail
                   FROM audit_events
                  WHERE ($1::text IS NULL OR action = $1)
                    AND ($2::uuid IS NULL OR actor_id = $2)
                    AND ($3::timestamptz IS NULL OR (at, id) < ($3, $4))
                  ORDER BY at DESC, id DESC
                  LIMIT $5",
                &[
                    &filter.action,
                    &filter.actor_id,
                    &after_at,
                    &after_id,
                    &(page.limit + 1),
                ],
            )
            .await
            .context("listing audit events")?;
        let items = rows.iter().map(AuditEvent::from_row).collect();
        Ok(Page::from_overfetch(
            items,
            page.limit,
            |event: &AuditEvent| Cursor {
                at: event.at,
                id: event.id,
            },
        ))
    }
}
