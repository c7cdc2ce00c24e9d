//! Monitor definitions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An extra request header sent when fetching the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestHeader {
    pub name: String,
    pub value: String,
}

/// A monitor as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitor {
    pub id: Uuid,
    pub team_id: Uuid,
    pub created_by: Option<Uuid>,
    pub name: String,
    pub url: String,
    pub css_selector: Option<String>,
    pub json_pointer: Option<String>,
    pub condition: String,
    pub interval_seconds: i32,
    pub render: bool,
    pub headers: Vec<RequestHeader>,
    pub paused: bool,
    pub next_check_at: DateTime<Utc>,
    pub requested_reason: Option<String>,
    pub consecutive_failures: i32,
    pub last_checked_at: Option<DateTime<Utc>>,
    pub last_triggered_at: Option<DateTime<Utc>>,
    pub last_status: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The column list matching [`Monitor::from_row`]; prefix with an alias
/// where a query joins (`m.` is not needed for single-table queries).
pub const MONITOR_COLUMNS: &str = "id, team_id, created_by, name, url, css_selector, json_pointer, \
     condition, interval_seconds, render, headers, paused, next_check_at, requested_reason, consecutive_failures, \
     last_checked_at, last_triggered_at, last_status, created_at, updated_at";

impl Monitor {
    pub fn from_row(row: &tokio_postgres::Row) -> Self {
        let headers: serde_json::Value = row.get("headers");
        Self {
            id: row.get("id"),
            team_id: row.get("team_id"),
            created_by: row.get("created_by"),
            name: row.get("name"),
            url: row.get("url"),
            css_selector: row.get("css_selector"),
            json_pointer: row.get("json_pointer"),
            condition: row.get("condition"),
            interval_seconds: row.get("interval_seconds"),
            render: row.get("render"),
            // Written only by this crate from `Vec<RequestHeader>`, so a
            // value that does not parse means no headers rather than an error.
            headers: serde_json::from_value(headers).unwrap_or_default(),
            paused: row.get("paused"),
            next_check_at: row.get("next_check_at"),
            requested_reason: row.get("requested_reason"),
            consecutive_failures: row.get("consecutive_failures"),
            last_checked_at: row.get("last_checked_at"),
            last_triggered_at: row.get("last_triggered_at"),
            last_status: row.get("last_status"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        }
    }
}
