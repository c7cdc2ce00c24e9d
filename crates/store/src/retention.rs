//! How long a team keeps its history, and the pruning that enforces it.
//!
//! A team keeps checks and snapshots for `retention_days` (365 by default)
//! and at most `retention_snapshots` snapshots per monitor (1,000 by
//! default); either may be unlimited (`NULL`). Members read their team's
//! setting, owners change it.
//!
//! [`Pruning`] deletes what falls outside it, in batches: each batch is one
//! short transaction over a few monitors that locks only the rows it
//! deletes (`FOR UPDATE SKIP LOCKED`), so checks being recorded never wait
//! for a whole run. One pruner runs at a time across every scheduler (a
//! session advisory lock on the pruner's own connection).
//!
//! Architecture Invariant: pruning never deletes
//! - a monitor's latest snapshot (the one seen last), which the scheduler
//!   compares the next page with (`Store::latest_snapshot_head`); the
//!   delete re-checks under its row locks that a newer snapshot exists;
//! - a check whose alert is still on its way: a `pending` or `held`
//!   delivery, or a `digested` one whose digest is pending (the digest is
//!   built from its members' checks).
//!
//! The counters of `monitor_usage` (checks, snapshots, snapshot bytes per
//! monitor) are kept by triggers in the same transactions, so usage
//! figures never scan the history.

use deadpool_postgres::{Object, Transaction};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::memberships::{MembershipRefusal, MembershipResult};
use crate::pool::Store;

/// A team's days unless an owner changes them (the column's default,
/// migration 190).
pub const DEFAULT_RETENTION_DAYS: i32 = 365;
/// A team's snapshots per monitor unless an owner changes them (the
/// column's default, migration 190).
pub const DEFAULT_RETENTION_SNAPSHOTS: i32 = 1000;

/// Identifies the pruner's advisory lock (arbitrary, distinct from the
/// migration lock): one pruner at a time across every replica.
const PRUNE_LOCK_ID: i64 = 0x004c_4f4f_4b50_524e;

/// Monitors looked at per step. Each of their batches is its own statement
/// and transaction; the step bounds how many index probes one batch makes.
const MONITORS_PER_STEP: i64 = 200;

/// A team's retention; `None` keeps without that limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// Checks and snapshots older than this many days are deleted.
    pub days: Option<i32>,
    /// Snapshots kept per monitor, newest first (by when they were seen last).
    pub snapshots: Option<i32>,
}

/// What a team keeps now, from the maintained counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryUsage {
    pub checks: i64,
    pub snapshots: i64,
    /// Uncompressed bytes of snapshot text.
    pub snapshot_text_bytes: i64,
}

/// A team's retention as one of its members sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRetention {
    pub team_id: Uuid,
    pub retention: Retention,
    pub kept: HistoryUsage,
    /// The caller is an owner and may change it.
    pub can_change: bool,
}

/// What one batch deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrunedBatch {
    pub checks: u64,
    pub snapshots: u64,
    /// Screenshot blob keys that the deleted checks referenced and no check
    /// references any more: the caller deletes them from the blob store.
    pub unreferenced_screenshots: Vec<String>,
}

const TEAM_RETENTION_QUERY: &str = "SELECT t.id, t.retention_days, t.retention_snapshots,
            (ms.role = 'owner') AS can_change,
            coalesce(sum(u.checks), 0)::bigint AS checks,
            coalesce(sum(u.snapshots), 0)::bigint AS snapshots,
            coalesce(sum(u.snapshot_text_bytes), 0)::bigint AS snapshot_text_bytes
       FROM teams t
       JOIN memberships ms ON ms.team_id = t.id AND ms.user_id = $2
       LEFT JOIN monitors m ON m.team_id = t.id
       LEFT JOIN monitor_usage u ON u.monitor_id = m.id
      WHERE t.id = $1
      GROUP BY t.id, ms.role";

impl TeamRetention {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        Self {
            team_id: row.get("id"),
            retention: Retention {
                days: row.get("retention_days"),
                snapshots: row.get("retention_snapshots"),
            },
            kept: HistoryUsage {
                checks: row.get("checks"),
                snapshots: row.get("snapshots"),
                snapshot_text_bytes: row.get("snapshot_text_bytes"),
            },
            can_change: row.get("can_change"),
        }
    }
}

impl Store {
    /// The team's retention and what it keeps; `None` when the caller is
    /// not a member (the team's existence is not revealed).
    pub async fn team_retention(
        &self,
        caller: Uuid,
        team_id: Uuid,
    ) -> Result<Option<TeamRetention>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(TEAM_RETENTION_QUERY, &[&team_id, &caller])
            .await
            .context("reading a team's retention")?;
        Ok(row.as_ref().map(TeamRetention::from_row))
    }

    /// Sets the team's retention; owners only. The next pruning run applies it.
    pub async fn set_team_retention(
        &self,
        caller: Uuid,
        team_id: Uuid,
        retention: Retention,
    ) -> MembershipResult<TeamRetention> {
        let client = self.client().await?;
        let updated = client
            .execute(
                "UPDATE teams t SET retention_days = $3, retention_snapshots = $4
                  WHERE t.id = $1 AND EXISTS (SELECT 1 FROM memberships ms
                      WHERE ms.team_id = t.id AND ms.user_id = $2 AND ms.role = 'owner')",
                &[&team_id, &caller, &retention.days, &retention.snapshots],
            )
            .await
            .context("setting a team's retention")?;
        let current = self.team_retention(caller, team_id).await?;
        Ok(match current {
            None => Err(MembershipRefusal::NotMember),
            Some(_) if updated == 0 => Err(MembershipRefusal::NotOwner),
            Some(current) => Ok(current),
        })
    }

    /// Starts a pruning run: `None` when another pruner holds the lock (a
    /// run is under way on another replica). `batch` bounds the rows one
    /// batch deletes.
    pub async fn begin_pruning(&self, batch: i64) -> Result<Option<Pruning>, StoreError> {
        let client = self.client().await?;
        let locked: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&PRUNE_LOCK_ID])
            .await
            .context("taking the pruning lock")?
            .get(0);
        if !locked {
            return Ok(None);
        }
        Ok(Some(Pruning {
            client: Some(client),
            batch: batch.max(1),
            after: None,
            step: Vec::new(),
            phase: Phase::Checks,
        }))
    }
}

/// One monitor of a pruning step with its team's retention.
#[derive(Debug, Clone, Copy)]
struct Kept {
    monitor_id: Uuid,
    retention: Retention,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Checks,
    Snapshots,
}

/// A pruning run holding the pruners' lock on its own connection. Call
/// [`Pruning::next_batch`] until it answers `None` (or as long as the
/// caller wants to go on), then [`Pruning::finish`]. Dropped without
/// `finish` (a cancelled run), it closes its connection instead of giving
/// it back to the pool, which releases the lock.
pub struct Pruning {
    client: Option<Object>,
    batch: i64,
    /// The last monitor of the previous step (monitors go by id).
    after: Option<Uuid>,
    /// The monitors of this step.
    step: Vec<Kept>,
    phase: Phase,
}

impl std::fmt::Debug for Pruning {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Pruning")
            .field("after", &self.after)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

impl Pruning {
    /// Deletes one batch; `None` when every monitor has been gone through.
    pub async fn next_batch(&mut self) -> Result<Option<PrunedBatch>, StoreError> {
        if self.step.is_empty() && !self.next_step().await? {
            return Ok(None);
        }
        let batch = self.batch;
        let step = std::mem::take(&mut self.step);
        let client = self.client.as_mut().ok_or(StoreError::NotFound)?;
        let transaction = client
            .transaction()
            .await
            .context("starting a pruning batch")?;
        let pruned = match self.phase {
            Phase::Checks => prune_checks(&transaction, &step, batch).await?,
            Phase::Snapshots => prune_snapshots(&transaction, &step, batch).await?,
        };
        transaction
            .commit()
            .await
            .context("committing a pruning batch")?;
        let deleted = pruned.checks + pruned.snapshots;
        // A full batch may have left more of this step behind; a short one
        // finished this phase of it. Deleting snapshots may have freed the
        // keyframes they were stored against, so that phase ends only with a
        // batch that deleted nothing.
        let more = match self.phase {
            Phase::Checks => i64::try_from(deleted).unwrap_or(i64::MAX) >= batch,
            Phase::Snapshots => deleted > 0,
        };
        if more {
            self.step = step;
        } else if self.phase == Phase::Checks {
            self.phase = Phase::Snapshots;
            self.step = step;
        } else {
            self.phase = Phase::Checks;
        }
        Ok(Some(pruned))
    }

    /// Releases the lock and gives the connection back.
    pub async fn finish(mut self) -> Result<(), StoreError> {
        if let Some(client) = self.client.take() {
            client
                .execute("SELECT pg_advisory_unlock($1)", &[&PRUNE_LOCK_ID])
                .await
                .context("releasing the pruning lock")?;
        }
        Ok(())
    }

    /// Loads the next monitors of teams with a retention; false when none is left.
    async fn next_step(&mut self) -> Result<bool, StoreError> {
        let client = self.client.as_ref().ok_or(StoreError::NotFound)?;
        let rows = client
            .query(
                "SELECT m.id, t.retention_days, t.retention_snapshots
                   FROM monitors m JOIN teams t ON t.id = m.team_id
                  WHERE ($1::uuid IS NULL OR m.id > $1)
                    AND (t.retention_days IS NOT NULL OR t.retention_snapshots IS NOT NULL)
                  ORDER BY m.id
                  LIMIT $2",
                &[&self.after, &MONITORS_PER_STEP],
            )
            .await
            .context("listing monitors to prune")?;
        self.step = rows
            .iter()
            .map(|row| Kept {
                monitor_id: row.get("id"),
                retention: Retention {
                    days: row.get("retention_days"),
                    snapshots: row.get("retention_snapshots"),
                },
            })
            .collect();
        self.phase = Phase::Checks;
        self.after = self.step.last().map(|kept| kept.monitor_id);
        Ok(!self.step.is_empty())
    }
}

impl Drop for Pruning {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            // Still holding the session lock: close the connection (which
            // releases it) rather than hand the lock to the pool's next user.
            drop(Object::take(client));
        }
    }
}

/// A check is kept while an alert of it is on its way.
const ALERT_ON_ITS_WAY: &str = "EXISTS (SELECT 1 FROM deliveries d WHERE d.check_id = c.id
       AND (d.status IN ('pending', 'held')
            OR (d.status = 'digested' AND EXISTS (SELECT 1 FROM deliveries g
                  WHERE g.id = d.digest_id AND g.status = 'pending'))))";

/// Deletes up to `batch` checks older than their team's days, oldest first.
async fn prune_checks(
    transaction: &Transaction<'_>,
    step: &[Kept],
    batch: i64,
) -> Result<PrunedBatch, StoreError> {
    let (monitors, days): (Vec<Uuid>, Vec<Option<i32>>) = step
        .iter()
        .filter(|kept| kept.retention.days.is_some())
        .map(|kept| (kept.monitor_id, kept.retention.days))
        .unzip();
    if monitors.is_empty() {
        return Ok(PrunedBatch::default());
    }
    // Candidates first, then only those nobody else holds (a rating or a
    // delivery being written); the deliveries of the locked ones are locked
    // too, so a requeue cannot make an alert pending between the look and
    // the delete, which looks again.
    let candidates: Vec<Uuid> = transaction
        .query(
            &format!(
                "SELECT old.id
                   FROM unnest($1::uuid[], $2::int[]) AS kept (monitor_id, days)
                   CROSS JOIN LATERAL (
                       SELECT c.id FROM checks c
                        WHERE c.monitor_id = kept.monitor_id
                          -- The start bounds the index walk; the latest check
                          -- decides: a run of repeated checks goes when it does.
                          AND c.started_at < now() - make_interval(days => kept.days)
                          AND COALESCE(c.repeated_until, c.started_at)
                              < now() - make_interval(days => kept.days)
                          AND NOT {ALERT_ON_ITS_WAY}
                        ORDER BY c.started_at
                        LIMIT $3) old
                  LIMIT $3"
            ),
            &[&monitors, &days, &batch],
        )
        .await
        .context("finding checks past their retention")?
        .iter()
        .map(|row| row.get(0))
        .collect();
    if candidates.is_empty() {
        return Ok(PrunedBatch::default());
    }
    let locked: Vec<Uuid> = transaction
        .query(
            "SELECT id FROM checks WHERE id = ANY($1) FOR UPDATE SKIP LOCKED",
            &[&candidates],
        )
        .await
        .context("locking checks to prune")?
        .iter()
        .map(|row| row.get(0))
        .collect();
    transaction
        .execute(
            "SELECT 1 FROM deliveries WHERE check_id = ANY($1) FOR SHARE",
            &[&locked],
        )
        .await
        .context("locking the deliveries of checks to prune")?;
    let rows = transaction
        .query(
            &format!(
                "DELETE FROM checks c WHERE c.id = ANY($1) AND NOT {ALERT_ON_ITS_WAY}
                 RETURNING c.screenshot_sha256"
            ),
            &[&locked],
        )
        .await
        .context("deleting checks past their retention")?;
    let checks = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    let mut screenshots: Vec<String> = rows
        .iter()
        .filter_map(|row| row.get::<_, Option<String>>(0))
        .collect();
    screenshots.sort_unstable();
    screenshots.dedup();
    let unreferenced_screenshots =
        crate::checks::unreferenced_screenshots(transaction, &screenshots).await?;
    Ok(PrunedBatch {
        checks,
        snapshots: 0,
        unreferenced_screenshots,
    })
}

/// Deletes up to `batch` snapshots beyond their team's count or days, never
/// a monitor's latest, and never a keyframe a kept snapshot is stored
/// against (it goes in the next batch, once its deltas have gone).
async fn prune_snapshots(
    transaction: &Transaction<'_>,
    step: &[Kept],
    batch: i64,
) -> Result<PrunedBatch, StoreError> {
    let monitors: Vec<Uuid> = step.iter().map(|kept| kept.monitor_id).collect();
    let days: Vec<Option<i32>> = step.iter().map(|kept| kept.retention.days).collect();
    let counts: Vec<Option<i32>> = step.iter().map(|kept| kept.retention.snapshots).collect();
    // Place 1 is the latest snapshot: never a candidate. A NULL limit
    // compares as unknown, so it never selects.
    let candidates: Vec<Uuid> = transaction
        .query(
            "SELECT old.id
               FROM unnest($1::uuid[], $2::int[], $3::int[]) AS kept (monitor_id, days, snapshots)
               CROSS JOIN LATERAL (
                   SELECT ranked.id FROM (
                       SELECT s.id, s.last_seen_at,
                              row_number() OVER (ORDER BY s.last_seen_at DESC, s.id DESC) AS place
                         FROM snapshots s WHERE s.monitor_id = kept.monitor_id) ranked
                    WHERE ranked.place > 1
                      AND NOT EXISTS (SELECT 1 FROM snapshots delta WHERE delta.base_id = ranked.id)
                      AND (ranked.place > kept.snapshots
                           OR ranked.last_seen_at < now() - make_interval(days => kept.days))
                    ORDER BY ranked.place DESC
                    LIMIT $4) old
              LIMIT $4",
            &[&monitors, &days, &counts, &batch],
        )
        .await
        .context("finding snapshots past their retention")?
        .iter()
        .map(|row| row.get(0))
        .collect();
    if candidates.is_empty() {
        return Ok(PrunedBatch::default());
    }
    // A check coming back to a candidate's content waits for this lock (or
    // holds it, and the candidate is skipped). Once locked, the rows are
    // stable, and the delete (a new statement, so it sees every check
    // recorded before the lock) looks again that each has a newer snapshot
    // and is no delta's keyframe: a check may have made one the latest, or
    // stored a delta against it, after the candidates were read.
    let locked: Vec<Uuid> = transaction
        .query(
            "SELECT id FROM snapshots WHERE id = ANY($1) FOR UPDATE SKIP LOCKED",
            &[&candidates],
        )
        .await
        .context("locking snapshots to prune")?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let deleted = transaction
        .execute(
            "DELETE FROM snapshots s
              WHERE s.id = ANY($1)
                AND EXISTS (SELECT 1 FROM snapshots newer
                             WHERE newer.monitor_id = s.monitor_id
                               AND (newer.last_seen_at, newer.id) > (s.last_seen_at, s.id))
                AND NOT EXISTS (SELECT 1 FROM snapshots delta WHERE delta.base_id = s.id)",
            &[&locked],
        )
        .await
        .context("deleting snapshots past their retention")?;
    Ok(PrunedBatch {
        checks: 0,
        snapshots: deleted,
        unreferenced_screenshots: Vec::new(),
    })
}
