//! A monitor's recent checks in the few columns a chart needs: what each came to and the value
//! its verdict extracted. Read for one monitor (its chart) and for a page of the monitor list
//! (a strip and a sparkline per row, in one query for the whole page).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;
use crate::quotas::RENDER_QUOTA_STATUS;

/// What a check came to, as a strip of outcomes shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The page was read and nothing changed.
    Ok,
    /// The page changed and the change did not alert.
    Changed,
    /// The check alerted (also an alert sent anyway while the judge was unavailable).
    Alerted,
    /// The page could not be read or judged (any status but `ok` and `render_quota`).
    Failed,
    /// Not fetched: the team's renders of the hour were spent.
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Changed => "changed",
            Self::Alerted => "alerted",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    /// From the stored columns of a check: an alert wins, then the status, then the change.
    pub fn of(status: &str, changed: bool, triggered: bool) -> Self {
        if triggered {
            Self::Alerted
        } else if status == RENDER_QUOTA_STATUS {
            Self::Skipped
        } else if status != "ok" {
            Self::Failed
        } else if changed {
            Self::Changed
        } else {
            Self::Ok
        }
    }
}

/// One check as a point of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesCheck {
    pub check_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub outcome: Outcome,
    /// The value the verdict extracted, as the judge wrote it ("89.90", "In stock").
    pub extracted_value: Option<String>,
}

impl SeriesCheck {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        let status: String = row.get("status");
        Self {
            check_id: row.get("id"),
            started_at: row.get("started_at"),
            outcome: Outcome::of(&status, row.get("changed"), row.get("triggered")),
            extracted_value: row.get("extracted_value"),
        }
    }
}

/// A monitor's series: its condition (which says what the values are about)
/// and its latest checks, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorSeries {
    pub condition: String,
    pub checks: Vec<SeriesCheck>,
}

/// The latest `$3` checks of each monitor `m`, newest first: one walk of
/// `checks_monitor` (monitor, start descending) per monitor, stopped at the
/// limit, so a long history costs no more than a short one.
const LATEST_CHECKS: &str = "SELECT c.id, c.started_at, c.status, c.changed, c.triggered,
                                    c.extracted_value
                               FROM checks c WHERE c.monitor_id = m.id
                              ORDER BY c.started_at DESC, c.id DESC LIMIT $3";

/// The caller ($1) is a member of the monitor's team.
const VISIBLE: &str =
    "EXISTS (SELECT 1 FROM memberships ms WHERE ms.team_id = m.team_id AND ms.user_id = $1)";

impl Store {
    /// The monitor's condition and latest `limit` checks, oldest first;
    /// `None` when the monitor is not visible to the caller (as opposed to
    /// no checks yet).
    pub async fn check_series(
        &self,
        user_id: Uuid,
        monitor_id: Uuid,
        limit: i64,
    ) -> Result<Option<MonitorSeries>, StoreError> {
        let client = self.client().await?;
        // The monitor's row comes back once with null columns when it has
        // no checks, so one query answers both "visible?" and "which checks?".
        let rows = client
            .query(
                &format!(
                    "SELECT m.condition, c.* FROM monitors m
                       LEFT JOIN LATERAL ({LATEST_CHECKS}) c ON true
                      WHERE m.id = $2 AND {VISIBLE}
                      ORDER BY c.started_at, c.id"
                ),
                &[&user_id, &monitor_id, &limit],
            )
            .await
            .context("reading a monitor's check series")?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(MonitorSeries {
            condition: first.get("condition"),
            checks: rows
                .iter()
                .filter(|row| row.get::<_, Option<Uuid>>("id").is_some())
                .map(SeriesCheck::from_row)
                .collect(),
        }))
    }

    /// The latest `per_monitor` checks of each of `monitor_ids` the caller
    /// can see, oldest first, in one query for a whole page of the list.
    /// Monitors without checks (or not visible) are absent from the map.
    pub async fn recent_checks(
        &self,
        user_id: Uuid,
        monitor_ids: &[Uuid],
        per_monitor: i64,
    ) -> Result<HashMap<Uuid, Vec<SeriesCheck>>, StoreError> {
        if monitor_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "SELECT m.id AS monitor_id, c.* FROM monitors m
                  CROSS JOIN LATERAL ({LATEST_CHECKS}) c
                  WHERE m.id = ANY($2) AND {VISIBLE}
                  ORDER BY m.id, c.started_at, c.id"
            ))
            .await
            .context("preparing the recent checks of a page of monitors")?;
        let rows = client
            .query(&statement, &[&user_id, &monitor_ids, &per_monitor])
            .await
            .context("reading the recent checks of a page of monitors")?;
        let mut recent: HashMap<Uuid, Vec<SeriesCheck>> = HashMap::new();
        for row in &rows {
            recent
                .entry(row.get("monitor_id"))
                .or_default()
                .push(SeriesCheck::from_row(row));
        }
        Ok(recent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_wins_then_the_status_then_the_change() {
        assert_eq!(Outcome::of("ok", false, false), Outcome::Ok);
        assert_eq!(Outcome::of("ok", true, false), Outcome::Changed);
        assert_eq!(Outcome::of("ok", true, true), Outcome::Alerted);
        assert_eq!(
            Outcome::of("judge_unavailable", true, true),
            Outcome::Alerted
        );
        assert_eq!(
            Outcome::of("judge_unavailable", true, false),
            Outcome::Failed
        );
        assert_eq!(Outcome::of("timeout", false, false), Outcome::Failed);
        assert_eq!(Outcome::of("render_quota", false, false), Outcome::Skipped);
    }
}
