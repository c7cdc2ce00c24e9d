//! The loop that claims due monitors and runs their checks.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::check::CheckRunner;

/// Settings of the claim loop.
#[derive(Debug, Clone, Copy)]
pub struct ClaimSettings {
    pub poll_interval: Duration,
    pub concurrency: usize,
    pub lease: Duration,
    pub shutdown_grace: Duration,
}

/// Claims at most as many monitors as there are free slots, every poll
/// interval, while browser and llm are up, until `stop` turns true; then
/// waits (bounded) for the checks in flight.
pub async fn run(
    runner: Arc<CheckRunner>,
    settings: ClaimSettings,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(settings.concurrency));
    let mut checks = JoinSet::new();
    loop {
        while checks.try_join_next().is_some() {}
        let free = slots.available_permits();
        let mut claimed_all_free_slots = false;
        // While browser or llm is down a check could only fail for our
        // reasons: nothing is claimed, so no monitor is charged for it.
        if free > 0 && runner.dependencies.checks_can_run() {
            let limit = i64::try_from(free).unwrap_or(i64::MAX);
            match runner.store.claim_due_monitors(limit, settings.lease).await {
                Ok(claims) => {
                    claimed_all_free_slots = claims.len() == free;
                    for claim in claims {
                        let Ok(slot) = slots.clone().try_acquire_owned() else {
                            // Cannot happen: we claimed at most the free
                            // slots and only this loop takes them. The lease
                            // returns the monitor to the pool if it did.
                            break;
                        };
                        let runner = runner.clone();
                        checks.spawn(async move {
                            runner.run(claim).await;
                            drop(slot);
                        });
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "could not claim due monitors");
                }
            }
        }
        // A full batch suggests more work is due: look again as soon as a
        // slot frees up instead of waiting for the next poll.
        let pause = if claimed_all_free_slots {
            Duration::from_millis(10).min(settings.poll_interval)
        } else {
            settings.poll_interval
        };
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => break,
            () = tokio::time::sleep(pause) => {}
        }
    }
    if !checks.is_empty() {
        tracing::info!(in_flight = checks.len(), "waiting for checks in flight");
    }
    let drained = tokio::time::timeout(settings.shutdown_grace, async {
        while checks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            abandoned = checks.len(),
            "checks still running at the end of the shutdown grace; their leases will expire"
        );
        checks.abort_all();
    }
}
