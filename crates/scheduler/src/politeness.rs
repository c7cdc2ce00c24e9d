//! Per-host politeness within this process: at most N fetches to one host at
//! once, and a minimum spacing between their starts, so many monitors of
//! one site do not look like an attack on it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Entries kept before idle hosts are forgotten.
const FORGET_IDLE_AFTER_HOSTS: usize = 1024;

struct HostState {
    slots: Arc<Semaphore>,
    /// Earliest moment the next fetch to this host may start.
    next_start: Instant,
}

/// Hands out the right to fetch from a host.
pub struct HostGate {
    per_host: usize,
    spacing: Duration,
    hosts: Mutex<HashMap<String, HostState>>,
}

/// Held for the duration of a fetch.
pub struct HostPermit {
    _slot: Option<OwnedSemaphorePermit>,
}

impl HostGate {
    pub fn new(per_host: usize, spacing: Duration) -> Self {
        Self {
            per_host: per_host.max(1),
            spacing,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a free slot on the host of `url`, then for its turn.
    pub async fn enter(&self, url: &str) -> HostPermit {
        let host = host_key(url);
        let slots = {
            let mut hosts = self.lock();
            self.forget_idle(&mut hosts);
            hosts
                .entry(host.clone())
                .or_insert_with(|| HostState {
                    slots: Arc::new(Semaphore::new(self.per_host)),
                    next_start: Instant::now(),
                })
                .slots
                .clone()
        };
        // The semaphore is never closed, so acquiring cannot fail; if it
        // ever did, fetching without the limit beats failing the check.
        let slot = slots.acquire_owned().await.ok();
        let start_at = {
            let mut hosts = self.lock();
            let now = Instant::now();
            match hosts.get_mut(&host) {
                Some(state) => {
                    let start_at = state.next_start.max(now);
                    state.next_start = start_at + self.spacing;
                    start_at
                }
                None => now,
            }
        };
        tokio::time::sleep_until(start_at).await;
        HostPermit { _slot: slot }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, HostState>> {
        // The map holds no invariant a panicking holder could break.
        self.hosts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn forget_idle(&self, hosts: &mut HashMap<String, HostState>) {
        if hosts.len() < FORGET_IDLE_AFTER_HOSTS {
            return;
        }
        let now = Instant::now();
        hosts.retain(|_, state| {
            state.slots.available_permits() < self.per_host || state.next_start > now
        });
    }
}

/// The host a URL points at; the whole URL when it does not parse (the
/// browser will refuse it anyway).
fn host_key(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|parsed| parsed.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_else(|| url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn fetches_to_one_host_are_spaced_and_limited() {
        let gate = Arc::new(HostGate::new(2, Duration::from_secs(1)));
        let started = Instant::now();
        let first = gate.enter("https://example.test/a").await;
        let second = gate.enter("https://EXAMPLE.test/b").await;
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(1),
            "the second start waits its turn"
        );

        let other = gate.enter("https://other.test/").await;
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(1),
            "other hosts do not wait"
        );
        drop(other);

        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.enter("https://example.test/c").await })
        };
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(
            !waiting.is_finished(),
            "a third concurrent fetch waits for a slot"
        );
        drop(first);
        let third = waiting.await.unwrap();
        drop((second, third));
    }
}
