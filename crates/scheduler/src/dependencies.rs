//! Whether the internal services the scheduler depends on are up.
//!
//! Our own outage is not the watched page failing: while browser or llm is
//! down the scheduler claims no monitor, and while notify is down it claims
//! no delivery, so nothing is charged to a monitor or a receiver for a fault
//! of the mesh. A watcher probes each service's `grpc.health.v1` endpoint;
//! a call that fails the way a dead service fails is confirmed by an
//! immediate probe ([`Dependencies::confirm_down`]), so the check that met
//! the outage is released instead of recorded.
//!
//! Every change of state is one log line naming the service, and the
//! `lookout_scheduler_dependency_up{service}` gauge says the same to
//! dashboards ([`crate::metrics`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mesh::health::HealthProbe;
use tokio::sync::watch;

use crate::metrics::METRICS;

/// Between two probes while everything is up: an outage is also noticed at
/// once by the call that meets it, so this only bounds how long claims go
/// on against a service that died while idle.
const PROBE_INTERVAL_UP: Duration = Duration::from_secs(1);
/// While a service is down, probe often so work resumes soon after it is back.
const PROBE_INTERVAL_DOWN: Duration = Duration::from_millis(250);
/// A health answer takes milliseconds; a service that needs longer is
/// treated as down for this round.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// An internal service the scheduler calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    Browser,
    Llm,
    Notify,
}

impl Dependency {
    pub const ALL: [Self; 3] = [Self::Browser, Self::Llm, Self::Notify];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Browser => "browser",
            Self::Llm => "llm",
            Self::Notify => "notify",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Browser => 0,
            Self::Llm => 1,
            Self::Notify => 2,
        }
    }
}

/// The last known health of browser, llm and notify.
pub struct Dependencies {
    probes: [HealthProbe; 3],
    /// Starts false: nothing is claimed before the first probe answered.
    up: [AtomicBool; 3],
    /// Whether the state was ever known, so the first answer is logged only
    /// when it is bad news.
    known: [AtomicBool; 3],
}

impl Dependencies {
    pub fn new(
        browser_url: &str,
        llm_url: &str,
        notify_url: &str,
        tls: Option<&mesh::tls::ClientTls>,
    ) -> Result<Self, String> {
        Ok(Self {
            probes: [
                HealthProbe::lazy(browser_url, PROBE_TIMEOUT, tls)?,
                HealthProbe::lazy(llm_url, PROBE_TIMEOUT, tls)?,
                HealthProbe::lazy(notify_url, PROBE_TIMEOUT, tls)?,
            ],
            up: Default::default(),
            known: Default::default(),
        })
    }

    pub fn is_up(&self, dependency: Dependency) -> bool {
        self.up[dependency.index()].load(Ordering::Acquire)
    }

    /// Checks need the browser and the judge.
    pub fn checks_can_run(&self) -> bool {
        self.is_up(Dependency::Browser) && self.is_up(Dependency::Llm)
    }

    /// The first service a check needs that is down, for log lines.
    pub fn first_down_for_checks(&self) -> Option<Dependency> {
        [Dependency::Browser, Dependency::Llm]
            .into_iter()
            .find(|dependency| !self.is_up(*dependency))
    }

    /// Probes `dependency` now, after one of its calls failed the way a
    /// dead service fails; true when it is indeed down (or not serving).
    pub async fn confirm_down(&self, dependency: Dependency) -> bool {
        let healthy = self.probes[dependency.index()].check().await;
        let down = healthy.is_err();
        self.record(dependency, healthy);
        down
    }

    /// Probes every service until `stop` turns true.
    pub async fn watch(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        loop {
            let answers = futures_join(&self.probes).await;
            for (dependency, answer) in Dependency::ALL.into_iter().zip(answers) {
                self.record(dependency, answer);
            }
            let pause = if Dependency::ALL.iter().all(|dep| self.is_up(*dep)) {
                PROBE_INTERVAL_UP
            } else {
                PROBE_INTERVAL_DOWN
            };
            tokio::select! {
                _ = stop.wait_for(|stopped| *stopped) => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    fn record(&self, dependency: Dependency, answer: Result<(), String>) {
        let index = dependency.index();
        let up = answer.is_ok();
        let was_up = self.up[index].swap(up, Ordering::AcqRel);
        let was_known = self.known[index].swap(true, Ordering::AcqRel);
        METRICS
            .dependency_up
            .with_label_values(&[dependency.as_str()])
            .set(i64::from(up));
        let service = dependency.as_str();
        match (was_known, was_up, up) {
            (_, true, false) | (false, _, false) => {
                let consequence = match dependency {
                    Dependency::Notify => "no deliveries are attempted until it is back",
                    Dependency::Browser | Dependency::Llm => {
                        "no checks are claimed until it is back; monitors are not charged"
                    }
                };
                tracing::warn!(
                    service,
                    error = %answer.err().unwrap_or_default(),
                    "the {service} service is down: {consequence}"
                );
            }
            (true, false, true) => {
                tracing::info!(service, "the {service} service is back");
            }
            _ => {}
        }
    }
}

/// The three probes at once: an outage of one must not delay the others.
async fn futures_join(probes: &[HealthProbe; 3]) -> [Result<(), String>; 3] {
    let (browser, llm, notify) =
        tokio::join!(probes[0].check(), probes[1].check(), probes[2].check());
    [browser, llm, notify]
}
