//! `GET /ready`: can this replica serve requests? Every dependency is checked
//! concurrently, each within its own short timeout, so a slow dependency
//! shows up as down instead of stalling the probe.
//!
//! `/ready` is public, so it must not amplify: the checks reuse the
//! gateway's own connections (the database pool, the shared Redis
//! connection, one lazily connected health channel per service), and a
//! report is reused for [`REPORT_TTL`]; callers arriving while a check runs
//! wait for it instead of starting another. nginx rate-limits it as well.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use store::Store;
use tokio::time::Instant;
use utoipa::ToSchema;

use crate::ephemeral::Ephemeral;

/// Kubernetes probes time out after a few seconds; each check stays below.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Probes come every few seconds; a report this fresh is as good as a new
/// one, and at most one check per period reaches the dependencies.
pub const REPORT_TTL: Duration = Duration::from_secs(2);

pub struct Readiness {
    store: Store,
    /// Set once at startup; reports whether rate limits are shared
    /// (Redis) or per replica (fallback).
    rate_limiter: std::sync::OnceLock<std::sync::Arc<crate::edge::Edge>>,
    /// The gateway's one Redis handle: `/ready` opens no connection of its own.
    redis: Ephemeral,
    /// Internal services by name, probed through grpc.health.v1.
    services: Vec<(&'static str, mesh::health::HealthProbe)>,
    /// The last report and when it was made; the lock also makes
    /// concurrent callers share one check.
    recent: tokio::sync::Mutex<Option<(Instant, Arc<ReadinessReport>)>>,
    /// Set when the gateway starts to stop; from then on it reports
    /// `draining` whatever its dependencies say.
    draining: std::sync::atomic::AtomicBool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DependencyStatus {
    /// `up`, `down` or `degraded`.
    #[schema(value_type = String)]
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadinessReport {
    /// `ready`, `degraded` (serving with per-replica rate limits),
    /// `not_ready`, or `draining` (stopping: still serving, but send new
    /// requests elsewhere).
    #[schema(value_type = String)]
    pub status: &'static str,
    #[schema(value_type = BTreeMap<String, DependencyStatus>)]
    pub dependencies: BTreeMap<&'static str, DependencyStatus>,
}

impl ReadinessReport {
    /// Ready or degraded: this replica can serve.
    pub fn is_ready(&self) -> bool {
        !matches!(self.status, "not_ready" | "draining")
    }
}

/// An internal service URL that cannot be probed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidServiceUrl(String);

impl Readiness {
    /// `redis` is the gateway's one shared Redis handle.
    pub fn new(
        store: Store,
        redis: Ephemeral,
        services: Vec<(&'static str, String)>,
        tls: Option<&mesh::tls::ClientTls>,
    ) -> Result<Self, InvalidServiceUrl> {
        let services = services
            .into_iter()
            .map(|(name, url)| {
                mesh::health::HealthProbe::lazy(&url, CHECK_TIMEOUT, tls)
                    .map(|probe| (name, probe))
                    .map_err(InvalidServiceUrl)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            store,
            rate_limiter: std::sync::OnceLock::new(),
            redis,
            services,
            recent: tokio::sync::Mutex::new(None),
            draining: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn watch_rate_limiter(&self, edge: std::sync::Arc<crate::edge::Edge>) {
        let _ = self.rate_limiter.set(edge);
    }

    /// From now on `/ready` answers 503 `draining`.
    pub fn start_draining(&self) {
        self.draining
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The report of a check made at most [`REPORT_TTL`] ago; `draining`,
    /// without asking anyone, once the gateway is stopping.
    pub async fn check(&self) -> Arc<ReadinessReport> {
        if self.draining.load(std::sync::atomic::Ordering::Relaxed) {
            return Arc::new(ReadinessReport {
                status: "draining",
                dependencies: BTreeMap::new(),
            });
        }
        let mut recent = self.recent.lock().await;
        if let Some((made_at, report)) = recent.as_ref()
            && made_at.elapsed() < REPORT_TTL
        {
            return Arc::clone(report);
        }
        let report = Arc::new(self.check_now().await);
        *recent = Some((Instant::now(), Arc::clone(&report)));
        report
    }

    async fn check_now(&self) -> ReadinessReport {
        let database = async {
            let result = tokio::time::timeout(CHECK_TIMEOUT, self.store.ping()).await;
            match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(error.to_string()),
                Err(_) => Err("timed out".to_owned()),
            }
        };
        let redis = async {
            self.redis
                .ping_within(CHECK_TIMEOUT)
                .await
                .map_err(|error| error.to_string())
        };
        let services =
            futures::future::join_all(self.services.iter().map(|(name, probe)| async move {
                let started = std::time::Instant::now();
                let result = probe.check().await;
                crate::metrics::METRICS.observe_internal_call(
                    name,
                    "grpc.health.v1.Health/Check",
                    result.is_ok(),
                    started.elapsed(),
                );
                (*name, result)
            }));
        let (database, redis, services) = tokio::join!(database, redis, services);
        let redis_down = redis.is_err();

        let mut dependencies = BTreeMap::new();
        dependencies.insert("database", status_of(database));
        dependencies.insert("redis", status_of(redis));
        for (name, result) in services {
            dependencies.insert(name, status_of(result));
        }
        if let Some(edge) = self.rate_limiter.get() {
            // Shared limits need Redis; without it each replica limits on
            // its own: still limited, hence degraded rather than down.
            let shared = edge.limiter.is_shared() && !redis_down;
            dependencies.insert(
                "rate_limiter",
                DependencyStatus {
                    status: if shared { "up" } else { "degraded" },
                    error: None,
                },
            );
        }
        // Redis alone being down degrades (limits per replica, no shared
        // denylist) but does not take every replica out of rotation.
        let down = dependencies
            .iter()
            .filter(|(_, dependency)| dependency.status == "down")
            .map(|(name, _)| *name)
            .collect::<Vec<_>>();
        let status = match down.as_slice() {
            [] if dependencies.values().all(|d| d.status == "up") => "ready",
            [] | ["redis"] => "degraded",
            _ => "not_ready",
        };
        ReadinessReport {
            status,
            dependencies,
        }
    }
}

/// Readiness is operator-facing but public: the error is logged, the
/// response only says up or down.
fn status_of(result: Result<(), String>) -> DependencyStatus {
    match result {
        Ok(()) => DependencyStatus {
            status: "up",
            error: None,
        },
        Err(error) => {
            tracing::warn!(%error, "readiness dependency down");
            DependencyStatus {
                status: "down",
                error: None,
            }
        }
    }
}
