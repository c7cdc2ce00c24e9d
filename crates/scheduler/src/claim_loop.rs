//! The loop that claims due monitors and runs their checks, and the
//! heartbeat that keeps their short leases while they run.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use store::Store;
use store::scheduling::Lease;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::check::CheckRunner;

/// Settings of the claim loop.
#[derive(Debug, Clone, Copy)]
pub struct ClaimSettings {
    pub poll_interval: Duration,
    pub concurrency: usize,
    /// How long a claim (and each renewal) hides a monitor from other claims.
    pub lease: Duration,
    /// How often the leases of checks in flight are renewed; well under `lease`.
    pub heartbeat: Duration,
    pub shutdown_grace: Duration,
}

/// The leases of this process's checks in flight, renewed together by
/// [`heartbeat`]. A check holds its entry until it is recorded or given back.
#[derive(Debug, Default)]
pub struct HeldLeases(Mutex<HashSet<Lease>>);

impl HeldLeases {
    /// Holds `lease` until the returned guard drops.
    pub fn hold(self: &Arc<Self>, lease: Lease) -> HeldLease {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(lease);
        HeldLease {
            leases: Arc::clone(self),
            lease,
        }
    }

    pub fn held(&self) -> Vec<Lease> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .copied()
            .collect()
    }
}

/// One check's lease; dropping it stops its renewal.
#[derive(Debug)]
pub struct HeldLease {
    leases: Arc<HeldLeases>,
    lease: Lease,
}

impl Drop for HeldLease {
    fn drop(&mut self) {
        self.leases
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.lease);
    }
}

/// Renews every lease held in this process with one statement every
/// `heartbeat`, until dropped. A renewal that fails is retried at the next
/// beat; the lease is several beats long, so one failure loses nothing.
pub async fn heartbeat(store: Store, leases: Arc<HeldLeases>, lease: Duration, every: Duration) {
    let mut beat = tokio::time::interval(every);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate; the claims just set their leases.
    beat.tick().await;
    loop {
        beat.tick().await;
        let held = leases.held();
        if held.is_empty() {
            continue;
        }
        match store.renew_leases(&held, lease).await {
            Ok(renewed) => tracing::debug!(held = held.len(), renewed, "claim leases renewed"),
            Err(error) => tracing::warn!(%error, held = held.len(), "could not renew claim leases"),
        }
    }
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
    let leases = Arc::new(HeldLeases::default());
    // Lives as long as this loop, drain included: checks finishing after
    // the stop keep their leases too.
    let renewals = tokio::spawn(heartbeat(
        runner.store.clone(),
        Arc::clone(&leases),
        settings.lease,
        settings.heartbeat,
    ));
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
                        let held = leases.hold(Lease {
                            monitor_id: claim.monitor.id,
                            token: claim.lease_token,
                        });
                        checks.spawn(async move {
                            runner.run(claim).await;
                            drop(held);
                            drop(slot);
                        });
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "could not claim due monitors");
                }
            }
        }
        // A full batch suggests more work is due, and with every slot busy
        // we did not look at all: look again as soon as a slot frees up
        // instead of waiting for the next poll (which, with checks longer
        // than the short pause, held every slot's next check for a poll).
        let all_slots_busy = free == 0;
        let pause = if claimed_all_free_slots || all_slots_busy {
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
    renewals.abort();
}
