//! Rate limits: GCRA (the generic cell rate algorithm) per caller and route
//! class, kept in Redis so every gateway replica shares one count.
//!
//! One request costs at most one Redis round trip, shared with the other
//! requests in flight ([`shared`]): a Lua script reads the caller's
//! theoretical arrival time, decides, writes it back with an expiry, and in
//! the same run checks the access token's denylist key. Redis' own clock
//! (`TIME`) is used so replicas with skewed clocks agree.
//!
//! When Redis does not answer within `RATE_LIMIT_REDIS_TIMEOUT_MS`, the same
//! algorithm runs in process ([`LocalLimiter`]): limits then hold per
//! replica instead of across replicas, which is looser but never unlimited.
//! The switch is logged once each way and `/ready` reports `degraded`.
//!
//! Headers (draft-ietf-httpapi-ratelimit-headers, the widely deployed
//! three-header form): `RateLimit-Limit`, `RateLimit-Remaining`,
//! `RateLimit-Reset` (seconds until the quota is full again) on every
//! limited response, and `Retry-After` on 429.

mod shared;

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::Method;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::settings::{Quota, RateLimits};
use crate::auth::tokens::VerifiedToken;
use shared::SharedLimiter;

/// What a route costs, which decides its quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteClass {
    /// `/auth/*`: sign-in, refresh, logout. Keyed by client IP.
    SignIn,
    /// Routes that fetch a page or send a message: preview, run-now,
    /// channel test.
    Expensive,
    Write,
    Read,
}

impl RouteClass {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Expensive => "expensive",
            Self::Write => "write",
            Self::Read => "read",
        }
    }

    /// The class of a request by its route template (`MatchedPath`).
    pub fn of(method: &Method, route: &str) -> Self {
        if route.starts_with("/auth/") {
            return Self::SignIn;
        }
        let expensive = method == Method::POST
            && matches!(
                route,
                "/api/v1/preview" | "/api/v1/monitors/{id}/check" | "/api/v1/channels/{id}/test"
            );
        if expensive {
            Self::Expensive
        } else if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            Self::Read
        } else {
            Self::Write
        }
    }

    fn quota(self, limits: &RateLimits) -> Quota {
        match self {
            Self::SignIn => limits.sign_in,
            Self::Expensive => limits.expensive,
            Self::Write => limits.write,
            Self::Read => limits.read,
        }
    }
}

/// Whose budget a request spends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A user whose access token the edge verified.
    User(uuid::Uuid),
    /// An API key, by its public prefix. The key is verified later; an
    /// invented prefix gains nothing, since its secret is unguessable, and
    /// guesses at a real key's secret share that key's budget.
    ApiKey(String),
    /// Everyone else, by client IP.
    Ip(std::net::IpAddr),
}

impl Subject {
    /// The Redis key (and the in-process limiter's key) of this subject's
    /// budget for `class`.
    fn key(&self, class: RouteClass) -> String {
        let class = class.as_str();
        // Concatenated, not `format!`ed: these are built on every request.
        match self {
            Self::User(id) => {
                let mut buffer = Uuid::encode_buffer();
                let id = id.simple().encode_lower(&mut buffer);
                ["lookout:rl:", class, ":u:", id].concat()
            }
            Self::ApiKey(prefix) => ["lookout:rl:", class, ":k:", prefix].concat(),
            Self::Ip(ip) => format!("lookout:rl:{class}:ip:{ip}"),
        }
    }
}

/// The limiter's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the quota is full again.
    pub reset_seconds: u64,
    /// Seconds until one more request would be allowed (0 when allowed).
    pub retry_after_seconds: u64,
    /// The access token presented is on the denylist (logged out).
    pub token_revoked: bool,
    /// The token's user's identity generation; 0 when not asked or revoked.
    pub identity_generation: i64,
}

pub struct RateLimiter {
    limits: RateLimits,
    redis: Option<SharedLimiter>,
    local: LocalLimiter,
}

impl RateLimiter {
    pub fn new(limits: RateLimits, redis_url: Option<&SecretString>, timeout: Duration) -> Self {
        let redis = redis_url.and_then(|url| match redis::Client::open(url.expose_secret()) {
            Ok(client) => Some(SharedLimiter::new(client, timeout)),
            Err(_) => {
                tracing::error!("REDIS_URL is not a valid Redis URL; rate limits are per replica");
                None
            }
        });
        Self {
            limits,
            redis,
            local: LocalLimiter::default(),
        }
    }

    /// True when limits are shared through Redis right now.
    pub fn is_shared(&self) -> bool {
        self.redis.as_ref().is_some_and(SharedLimiter::is_up)
    }

    /// Whether Redis is configured at all.
    pub fn has_redis(&self) -> bool {
        self.redis.is_some()
    }

    /// Spends one request of `subject`'s budget for `class`; given a
    /// verified access token, also checks its denylist entry and reads its
    /// user's identity generation in the same round trip.
    pub async fn check(
        &self,
        class: RouteClass,
        subject: &Subject,
        token: Option<&VerifiedToken>,
    ) -> Outcome {
        let quota = class.quota(&self.limits);
        if let Some(redis) = &self.redis
            && let Some(decision) = redis.check(subject.key(class), quota, token).await
        {
            return Outcome {
                decision,
                shared: true,
            };
        }
        // Rebuilt rather than cloned up front: the fallback is the rare path.
        Outcome {
            decision: self.local.check(subject.key(class), quota),
            shared: false,
        }
    }
}

/// A decision and whether Redis made it (the denylist was checked only then).
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub decision: Decision,
    pub shared: bool,
}

pub(crate) fn ceil_seconds(ms: i64) -> u64 {
    u64::try_from(ms.max(0)).unwrap_or(0).div_ceil(1000)
}

/// A GCRA quota at one instant, in the milliseconds (doubles) both limiters
/// count in, and the figures of a decision from a theoretical arrival time
/// (TAT). The in-process limiter and the replay of the Redis script's
/// verdicts both use it, so the two answer alike.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Emission {
    pub now: f64,
    /// Period / count: what one call adds to the TAT.
    pub interval: f64,
    pub period: f64,
    pub limit: u32,
}

impl Emission {
    /// The figures of an allowed call that moved the TAT to `new_tat`.
    pub(crate) fn allowed(&self, new_tat: f64) -> Decision {
        Decision {
            allowed: true,
            limit: self.limit,
            remaining: ((self.period - (new_tat - self.now)) / self.interval)
                .floor()
                .max(0.0) as u32,
            // At least 1 ms, as the script stores it.
            reset_seconds: ceil_seconds((new_tat - self.now).ceil().max(1.0) as i64),
            retry_after_seconds: 0,
            token_revoked: false,
            identity_generation: 0,
        }
    }

    /// The figures of a refused call, the TAT staying at `tat`.
    pub(crate) fn refused(&self, tat: f64) -> Decision {
        let allow_at = tat + self.interval - self.period;
        Decision {
            allowed: false,
            limit: self.limit,
            remaining: 0,
            reset_seconds: ceil_seconds((tat - self.now).ceil() as i64),
            retry_after_seconds: ceil_seconds((allow_at - self.now).ceil() as i64),
            token_revoked: false,
            identity_generation: 0,
        }
    }
}

/// GCRA in process: the fallback when Redis is away. Sharded so that
/// concurrent requests rarely wait on one lock.
pub struct LocalLimiter {
    shards: Vec<Mutex<HashMap<String, f64>>>,
    hasher: RandomState,
    epoch: Instant,
}

const SHARDS: usize = 16;
/// Past this many callers in one shard, expired entries are swept.
const SWEEP_AT: usize = 4096;

impl Default for LocalLimiter {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
            epoch: Instant::now(),
        }
    }
}

impl LocalLimiter {
    pub fn check(&self, key: String, quota: Quota) -> Decision {
        let now = self.epoch.elapsed().as_secs_f64() * 1000.0;
        let interval = quota.period.as_secs_f64() * 1000.0 / f64::from(quota.count);
        let period = quota.period.as_secs_f64() * 1000.0;
        let shard = &self.shards[(self.hasher.hash_one(&key) as usize) % SHARDS];
        // A poisoned shard only means another request panicked mid-update;
        // the map is still a valid map.
        let mut map = shard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > SWEEP_AT {
            map.retain(|_, tat| *tat > now);
        }
        let emission = Emission {
            now,
            interval,
            period,
            limit: quota.count,
        };
        let tat = map.get(&key).copied().unwrap_or(now).max(now);
        let new_tat = tat + interval;
        // The slack absorbs floating point error: `now + p - p` may exceed `now`.
        if new_tat - period > now + 0.001 {
            return emission.refused(tat);
        }
        map.insert(key, new_tat);
        emission.allowed(new_tat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_route_template_and_method() {
        assert_eq!(
            RouteClass::of(&Method::GET, "/auth/google/login"),
            RouteClass::SignIn
        );
        assert_eq!(
            RouteClass::of(&Method::POST, "/api/v1/monitors/{id}/check"),
            RouteClass::Expensive
        );
        assert_eq!(
            RouteClass::of(&Method::POST, "/api/v1/channels/{id}/test"),
            RouteClass::Expensive
        );
        assert_eq!(
            RouteClass::of(&Method::POST, "/api/v1/preview"),
            RouteClass::Expensive
        );
        assert_eq!(
            RouteClass::of(&Method::PATCH, "/api/v1/monitors/{id}"),
            RouteClass::Write
        );
        assert_eq!(
            RouteClass::of(&Method::GET, "/api/v1/monitors"),
            RouteClass::Read
        );
    }

    #[test]
    fn the_local_limiter_allows_a_burst_of_the_quota_then_refuses() {
        let limiter = LocalLimiter::default();
        let quota = Quota::per_minute(3);
        for remaining in [2, 1, 0] {
            let decision = limiter.check("k".to_owned(), quota);
            assert!(decision.allowed);
            assert_eq!(decision.remaining, remaining);
        }
        let refused = limiter.check("k".to_owned(), quota);
        assert!(!refused.allowed);
        assert!(
            (1..=20).contains(&refused.retry_after_seconds),
            "{refused:?}"
        );
        assert!(limiter.check("other".to_owned(), quota).allowed);
    }
}
