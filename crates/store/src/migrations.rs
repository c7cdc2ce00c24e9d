//! Versioned migrations embedded in the binary and applied at start.
//!
//! Kept to a few lines instead of a migration framework: the whole history
//! is a list of SQL files, each applied once in its own transaction under a
//! transaction-scoped advisory lock, so replicas starting together apply
//! each migration exactly once.

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

/// Arbitrary constant identifying Lookout's migration lock.
const MIGRATION_LOCK_ID: i64 = 0x004c_4f4f_4b4f_5554;

const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "initial", include_str!("../migrations/0001_initial.sql")),
    (
        2,
        "identity",
        include_str!("../migrations/0002_identity.sql"),
    ),
    (
        20,
        "verdicts",
        include_str!("../migrations/0020_verdicts.sql"),
    ),
    (
        30,
        "chat_channels",
        include_str!("../migrations/0030_chat_channels.sql"),
    ),
    (
        50,
        "selector_kinds",
        include_str!("../migrations/0050_selector_kinds.sql"),
    ),
    (
        70,
        "claim_index",
        include_str!("../migrations/0070_claim_index.sql"),
    ),
    (
        80,
        "team_budgets",
        include_str!("../migrations/0080_team_budgets.sql"),
    ),
    (
        81,
        "alert_ratings",
        include_str!("../migrations/0081_alert_ratings.sql"),
    ),
    (
        90,
        "failure_alerts",
        include_str!("../migrations/0090_failure_alerts.sql"),
    ),
    (
        100,
        "sealed_channel_secrets",
        include_str!("../migrations/0100_sealed_channel_secrets.sql"),
    ),
    (
        101,
        "channel_health",
        include_str!("../migrations/0101_channel_health.sql"),
    ),
    (
        102,
        "channel_confirmation",
        include_str!("../migrations/0102_channel_confirmation.sql"),
    ),
    (
        110,
        "render_options",
        include_str!("../migrations/0110_render_options.sql"),
    ),
    (
        120,
        "provider_identities",
        include_str!("../migrations/0120_provider_identities.sql"),
    ),
    (
        130,
        "digests",
        include_str!("../migrations/0130_digests.sql"),
    ),
    (
        140,
        "team_quotas",
        include_str!("../migrations/0140_team_quotas.sql"),
    ),
    (
        160,
        "screenshots",
        include_str!("../migrations/0160_screenshots.sql"),
    ),
    (170, "tags", include_str!("../migrations/0170_tags.sql")),
    (
        180,
        "claim_leases",
        include_str!("../migrations/0180_claim_leases.sql"),
    ),
    (
        190,
        "retention",
        include_str!("../migrations/0190_retention.sql"),
    ),
    (
        200,
        "check_runs",
        include_str!("../migrations/0200_check_runs.sql"),
    ),
    (
        210,
        "compressed_snapshots",
        include_str!("../migrations/0210_compressed_snapshots.sql"),
    ),
    (
        220,
        "snapshot_deltas",
        include_str!("../migrations/0220_snapshot_deltas.sql"),
    ),
    (
        230,
        "compressed_diffs",
        include_str!("../migrations/0230_compressed_diffs.sql"),
    ),
    (
        240,
        "binary_hashes",
        include_str!("../migrations/0240_binary_hashes.sql"),
    ),
    (
        250,
        "checks_fillfactor",
        include_str!("../migrations/0250_checks_fillfactor.sql"),
    ),
    (
        260,
        "rating_links_check",
        include_str!("../migrations/0260_rating_links_check.sql"),
    ),
];

/// The newest schema version this build knows; a service that only reads
/// the schema waits for it (`Store::schema_ready`).
pub fn latest_version() -> i32 {
    MIGRATIONS.last().map_or(0, |(version, _, _)| *version)
}

impl Store {
    /// Applies every migration not yet recorded in `schema_migrations`.
    /// Returns the versions it applied.
    pub async fn migrate(&self) -> Result<Vec<i32>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await.context("starting a migration")?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_ID])
            .await
            .context("taking the migration lock")?;
        transaction
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version    integer PRIMARY KEY,
                     name       text NOT NULL,
                     applied_at timestamptz NOT NULL DEFAULT now()
                 )",
            )
            .await
            .context("creating schema_migrations")?;
        transaction
            .commit()
            .await
            .context("committing schema_migrations")?;
        let mut applied = Vec::new();
        for (version, name, sql) in MIGRATIONS {
            let transaction = client.transaction().await.context("starting a migration")?;
            transaction
                .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_ID])
                .await
                .context("taking the migration lock")?;
            let done = transaction
                .query_opt(
                    "SELECT 1 FROM schema_migrations WHERE version = $1",
                    &[version],
                )
                .await
                .context("reading schema_migrations")?
                .is_some();
            if done {
                continue;
            }
            transaction
                .batch_execute(sql)
                .await
                .map_err(|source| StoreError::Migration {
                    version: *version,
                    source,
                })?;
            transaction
                .execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    &[version, name],
                )
                .await
                .context("recording a migration")?;
            transaction
                .commit()
                .await
                .context("committing a migration")?;
            tracing::info!(version, name, "applied migration");
            applied.push(*version);
        }
        Ok(applied)
    }
}
