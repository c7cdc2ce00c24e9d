//! Whole-system figures for the admin page. Not scoped by team: the gateway
//! lets only admins call these.

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub users: i64,
    pub teams: i64,
    pub monitors: i64,
    pub checks: i64,
    pub deliveries: i64,
    pub database_bytes: i64,
    /// Stored snapshots: one per content and monitor.
    pub snapshots: i64,
    /// Text of stored snapshots, the part of the database that grows with use.
    pub snapshot_text_bytes: i64,
    /// The snapshots table on disk, indexes and TOAST included.
    pub snapshot_table_bytes: i64,
}

impl Store {
    /// The figures of the admin page. Checks and snapshots are summed from
    /// the per-monitor counters (`monitor_usage`, kept by triggers), one row
    /// per monitor, instead of scanning the history.
    pub async fn usage(&self) -> Result<Usage, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM users) AS users,
                        (SELECT count(*) FROM teams) AS teams,
                        (SELECT count(*) FROM monitors) AS monitors,
                        kept.checks, kept.snapshots, kept.snapshot_text_bytes,
                        (SELECT count(*) FROM deliveries) AS deliveries,
                        pg_database_size(current_database()) AS database_bytes,
                        pg_total_relation_size('snapshots') AS snapshot_table_bytes
                   FROM (SELECT coalesce(sum(checks), 0)::bigint AS checks,
                                coalesce(sum(snapshots), 0)::bigint AS snapshots,
                                coalesce(sum(snapshot_text_bytes), 0)::bigint AS snapshot_text_bytes
                           FROM monitor_usage) kept",
                &[],
            )
            .await
            .context("reading usage figures")?;
        Ok(Usage {
            users: row.get("users"),
            teams: row.get("teams"),
            monitors: row.get("monitors"),
            checks: row.get("checks"),
            deliveries: row.get("deliveries"),
            database_bytes: row.get("database_bytes"),
            snapshots: row.get("snapshots"),
            snapshot_text_bytes: row.get("snapshot_text_bytes"),
            snapshot_table_bytes: row.get("snapshot_table_bytes"),
        })
    }

    /// Checks whose change the model could not judge, per reason, for the metrics endpoint.
    pub async fn unjudged_checks_by_reason(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT unjudged_reason, count(*) FROM checks
                  WHERE unjudged_reason IS NOT NULL GROUP BY unjudged_reason",
                &[],
            )
            .await
            .context("counting unjudged checks")?;
        Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
    }

    /// PostgreSQL's version string, for the admin health page.
    pub async fn server_version(&self) -> Result<String, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one("SHOW server_version", &[])
            .await
            .context("reading the server version")?;
        Ok(row.get(0))
    }
}
