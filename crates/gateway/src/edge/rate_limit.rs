//! Rate limits: GCRA (the generic cell rate algorithm) per caller and route
//! class, kept in Redis so every gateway replica shares one count.
//!
//! One request costs one Redis round trip: a Lua script reads the caller's
//! theoretical arrival time, decides, writes it back with an expiry, and in
//! the same call checks the access token's denylist key. Redis' own clock
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

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::http::Method;
use secrecy::{ExposeSecret, SecretString};

use super::settings::{Quota, RateLimits};
use crate::auth::identities::generation_key;
use crate::auth::tokens::VerifiedToken;

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
    fn write_key(&self, class: RouteClass, key: &mut String) {
        use std::fmt::Write;
        // Writing into a String cannot fail.
        let _ = match self {
            Self::User(id) => write!(key, "lookout:rl:{}:u:{}", class.as_str(), id.simple()),
            Self::ApiKey(prefix) => write!(key, "lookout:rl:{}:k:{prefix}", class.as_str()),
            Self::Ip(ip) => write!(key, "lookout:rl:{}:ip:{ip}", class.as_str()),
        };
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

/// KEYS[1]: the caller's GCRA state for a class (theoretical arrival time,
/// ms). KEYS[2], KEYS[3] (with a verified access token): the token's
/// denylist key and the user's identity generation key (written with a
/// fresh value from the server clock when absent, see
/// `auth::identities`). ARGV[1]: emission interval (period / count) in ms;
/// ARGV[2]: period in ms.
/// Returns {revoked, allowed, remaining, reset_ms, retry_after_ms, generation}.
const SCRIPT: &str = r"
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then
  return {1, 0, 0, 0, 0, 0}
end
local clock = redis.call('TIME')
local generation = 0
if KEYS[3] then
  generation = redis.call('GET', KEYS[3])
  if not generation then
    generation = clock[1] .. string.format('%06d', tonumber(clock[2]))
    redis.call('SET', KEYS[3], generation, 'EX', 86400)
  end
end
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
-- The slack absorbs floating point error when the interval is fractional.
if allow_at > now + 0.001 then
  return {0, 0, 0, math.ceil(tat - now), math.ceil(allow_at - now), generation}
end
-- At least 1 ms: with a very high rate the increment is lost in the
-- precision of a double near the epoch, and PX 0 is an error.
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.max(1, math.ceil(new_tat - now)))
return {0, 1, math.floor((period - (new_tat - now)) / interval), math.ceil(new_tat - now), 0, generation}
";

/// The denylist key of an access token's `jti`, shared with logout.
pub fn denylist_key(jti: &str) -> String {
    format!("lookout:denylist:{jti}")
}

pub struct RateLimiter {
    limits: RateLimits,
    redis: Option<RedisLimiter>,
    local: LocalLimiter,
}

impl RateLimiter {
    pub fn new(limits: RateLimits, redis_url: Option<&SecretString>, timeout: Duration) -> Self {
        let redis = redis_url.and_then(|url| match redis::Client::open(url.expose_secret()) {
            Ok(client) => Some(RedisLimiter::new(client, timeout)),
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
        self.redis.as_ref().is_some_and(RedisLimiter::is_up)
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
        let mut key = String::with_capacity(64);
        subject.write_key(class, &mut key);
        if let Some(redis) = &self.redis
            && let Some(decision) = redis.check(&key, quota, token).await
        {
            return Outcome {
                decision,
                shared: true,
            };
        }
        Outcome {
            decision: self.local.check(key, quota),
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

struct RedisLimiter {
    client: redis::Client,
    timeout: Duration,
    script: redis::Script,
    connection: RwLock<Option<redis::aio::MultiplexedConnection>>,
    up: AtomicBool,
    /// One reconnection at a time, at most once per [`RECONNECT_EVERY`].
    reconnecting: Arc<AtomicBool>,
    last_attempt_ms: AtomicU64,
    started: Instant,
}

/// How often a replica in fallback tries Redis again.
const RECONNECT_EVERY: Duration = Duration::from_secs(1);

impl RedisLimiter {
    fn new(client: redis::Client, timeout: Duration) -> Self {
        Self {
            client,
            timeout,
            script: redis::Script::new(SCRIPT),
            connection: RwLock::new(None),
            // Optimistic until the first call says otherwise, so a healthy
            // start logs nothing.
            up: AtomicBool::new(true),
            reconnecting: Arc::new(AtomicBool::new(false)),
            last_attempt_ms: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    fn connection(&self) -> Option<redis::aio::MultiplexedConnection> {
        self.connection
            .read()
            .ok()
            .and_then(|connection| connection.clone())
    }

    async fn check(
        &self,
        key: &str,
        quota: Quota,
        token: Option<&VerifiedToken>,
    ) -> Option<Decision> {
        let mut connection = match self.connection() {
            Some(connection) => connection,
            None => self.connect().await?,
        };
        let interval_ms = quota.period.as_secs_f64() * 1000.0 / f64::from(quota.count);
        let period_ms = quota.period.as_millis() as u64;
        let mut invocation = self.script.key(key);
        if let Some(token) = token {
            invocation
                .key(denylist_key(&token.jti))
                .key(generation_key(token.user_id));
        }
        invocation.arg(interval_ms).arg(period_ms);
        let reply = tokio::time::timeout(
            self.timeout,
            invocation.invoke_async::<(i64, i64, i64, i64, i64, i64)>(&mut connection),
        )
        .await;
        match reply {
            Ok(Ok((revoked, allowed, remaining, reset_ms, retry_ms, generation))) => {
                self.mark(true, None);
                Some(Decision {
                    allowed: allowed == 1,
                    limit: quota.count,
                    remaining: u32::try_from(remaining.max(0)).unwrap_or(u32::MAX),
                    reset_seconds: ceil_seconds(reset_ms),
                    retry_after_seconds: ceil_seconds(retry_ms),
                    token_revoked: revoked == 1,
                    identity_generation: generation,
                })
            }
            Ok(Err(error)) => {
                self.drop_connection();
                self.mark(false, Some(&error.to_string()));
                None
            }
            Err(_) => {
                self.mark(false, Some("timed out"));
                None
            }
        }
    }

    /// Connects in the background, at most once per [`RECONNECT_EVERY`];
    /// the request that finds no connection uses the local limiter.
    async fn connect(&self) -> Option<redis::aio::MultiplexedConnection> {
        let now_ms = self.started.elapsed().as_millis() as u64;
        let last = self.last_attempt_ms.load(Ordering::Relaxed);
        if last != 0 && now_ms.saturating_sub(last) < RECONNECT_EVERY.as_millis() as u64 {
            return None;
        }
        if self.reconnecting.swap(true, Ordering::AcqRel) {
            return None;
        }
        self.last_attempt_ms.store(now_ms.max(1), Ordering::Relaxed);
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout);
        let result = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await;
        self.reconnecting.store(false, Ordering::Release);
        match result {
            Ok(connection) => {
                if let Ok(mut slot) = self.connection.write() {
                    *slot = Some(connection.clone());
                }
                Some(connection)
            }
            Err(error) => {
                self.mark(false, Some(&error.to_string()));
                None
            }
        }
    }

    fn drop_connection(&self) {
        if let Ok(mut slot) = self.connection.write() {
            *slot = None;
        }
    }

    fn mark(&self, up: bool, error: Option<&str>) {
        let was_up = self.up.swap(up, Ordering::AcqRel);
        if was_up && !up {
            tracing::warn!(
                error = error.unwrap_or(""),
                "Redis unreachable: rate limits fall back to this replica's in-process limiter"
            );
        } else if !was_up && up {
            tracing::info!("Redis reachable again: rate limits are shared across replicas");
        }
    }
}

fn ceil_seconds(ms: i64) -> u64 {
    u64::try_from(ms.max(0)).unwrap_or(0).div_ceil(1000)
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
        let tat = map.get(&key).copied().unwrap_or(now).max(now);
        let new_tat = tat + interval;
        let allow_at = new_tat - period;
        // The slack absorbs floating point error: `now + p - p` may exceed `now`.
        if allow_at > now + 0.001 {
            return Decision {
                allowed: false,
                limit: quota.count,
                remaining: 0,
                reset_seconds: ceil_seconds((tat - now).ceil() as i64),
                retry_after_seconds: ceil_seconds((allow_at - now).ceil() as i64),
                token_revoked: false,
                identity_generation: 0,
            };
        }
        map.insert(key, new_tat);
        Decision {
            allowed: true,
            limit: quota.count,
            remaining: ((period - (new_tat - now)) / interval).floor().max(0.0) as u32,
            reset_seconds: ceil_seconds((new_tat - now).ceil() as i64),
            retry_after_seconds: 0,
            token_revoked: false,
            identity_generation: 0,
        }
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
