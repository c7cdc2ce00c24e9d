//! The pruning job: every `SCHEDULER_PRUNE_INTERVAL_SECS` it deletes the
//! checks and snapshots that fall outside their team's retention
//! ([`store::retention`]), in batches of `SCHEDULER_PRUNE_BATCH` rows, each
//! its own short transaction, and the screenshots no check references any
//! more. One replica prunes at a time (the store's advisory lock); the
//! others skip their turn. Shutdown stops a run between two batches.

use std::time::Duration;

use blob_store::BlobStore;
use store::{Store, StoreError};
use tokio::sync::watch;

/// Runs pruning on a schedule until the scheduler stops.
#[derive(Debug, Clone)]
pub struct PruneJob {
    pub store: Store,
    /// Screenshots the deleted checks leave unreferenced are deleted here.
    pub blobs: BlobStore,
    pub interval: Duration,
    /// Rows one batch deletes.
    pub batch: i64,
}

/// What one run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneTotals {
    pub batches: u64,
    pub checks: u64,
    pub snapshots: u64,
    pub screenshots: u64,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneRun {
    /// Another replica was pruning: nothing done.
    Skipped,
    /// Went through every monitor.
    Finished(PruneTotals),
    /// Stopped between two batches because the scheduler is stopping.
    Stopped(PruneTotals),
}

impl PruneJob {
    /// One run every `interval`, the first one interval after start, until `stop`.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = stop.wait_for(|stopped| *stopped) => return,
                () = tokio::time::sleep(self.interval) => {}
            }
            match self.run_once(&stop).await {
                Ok(PruneRun::Skipped) => {
                    tracing::debug!("another scheduler is pruning; skipped this turn");
                }
                Ok(PruneRun::Finished(totals) | PruneRun::Stopped(totals)) => {
                    tracing::info!(
                        batches = totals.batches,
                        checks = totals.checks,
                        snapshots = totals.snapshots,
                        screenshots = totals.screenshots,
                        "pruned history past each team's retention"
                    );
                }
                Err(error) => {
                    tracing::warn!(%error, "pruning stopped early; the next run goes on");
                }
            }
        }
    }

    /// One pruning run, batch after batch, while `stop` is not set.
    pub async fn run_once(&self, stop: &watch::Receiver<bool>) -> Result<PruneRun, StoreError> {
        let Some(mut pruning) = self.store.begin_pruning(self.batch).await? else {
            return Ok(PruneRun::Skipped);
        };
        let mut totals = PruneTotals::default();
        let finished = loop {
            if *stop.borrow() {
                break false;
            }
            let Some(batch) = pruning.next_batch().await? else {
                break true;
            };
            totals.batches += 1;
            totals.checks += batch.checks;
            totals.snapshots += batch.snapshots;
            for key in &batch.unreferenced_screenshots {
                match self.blobs.delete(key).await {
                    Ok(()) => totals.screenshots += 1,
                    // A blob nobody can reach any more: logged, never the run's failure.
                    Err(error) => {
                        tracing::warn!(%error, "a screenshot no check references was not deleted");
                    }
                }
            }
        };
        pruning.finish().await?;
        Ok(if finished {
            PruneRun::Finished(totals)
        } else {
            PruneRun::Stopped(totals)
        })
    }
}
