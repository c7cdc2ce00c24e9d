//! Rate limits: GCRA (the generic cell rate algorithm) per caller and route
//! class, kept in Redis so every gateway replica shares one count.
//!
//! One request costs one Redis round trip: one run of [`SCRIPT`] reads the
//! caller's theoretical arrival time, decides, writes it back with an
//! expiry, and, for a verified access token, checks the token's denylist
//! entry and its session's revocation and reads the user's identity
//! generation. Redis' own clock (`TIME`) is used so replicas with skewed
//! clocks agree.
//!
//! When Redis does not answer within `RATE_LIMIT_REDIS_TIMEOUT_MS`, a keyed
//! `governor` limiter with the same quotas answers in process: limits then
//! hold per replica instead of across replicas, which is looser but never
//! unlimited. The switch is logged once each way and `/ready` reports
//! `degraded`.
//!
//! Headers (draft-ietf-httpapi-ratelimit-headers, the widely deployed
//! three-header form): `RateLimit-Limit`, `RateLimit-Remaining`,
//! `RateLimit-Reset` (seconds until the quota is full again) on every
//! limited response, and `Retry-After` on 429.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::Method;
use governor::clock::Clock as _;
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, RateLimiter as Governor};
use ipnet::Ipv6Net;
use uuid::Uuid;

use super::settings::{Quota, RateLimits};
use crate::auth::tokens::VerifiedToken;
use crate::ephemeral::Ephemeral;

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
                "/api/v1/preview"
                    | "/api/v1/monitors/{id}/check"
                    | "/api/v1/channels/{id}/test"
                    | "/api/v1/teams/{id}/import"
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
    /// A user whose access token the edge verified, or the owner of an API
    /// key this replica has seen verified.
    User(Uuid),
    /// Everyone else, unverified credentials included, by client address:
    /// an IPv6 client by its /64, the block one subscriber usually holds.
    Ip(IpAddr),
}

impl Subject {
    /// The budget of a client address; IPv6 addresses share their /64.
    pub fn ip(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V6(v6) => Self::Ip(IpAddr::V6(
                Ipv6Net::new(v6, 64).map_or(v6, |network| network.network()),
            )),
            v4 => Self::Ip(v4),
        }
    }

    /// The Redis key of this subject's budget for `class`.
    fn key(&self, class: RouteClass) -> String {
        let class = class.as_str();
        match self {
            Self::User(id) => format!("lookout:rl:{class}:u:{}", id.simple()),
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
}

/// What one run of [`SCRIPT`] says about a request.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub decision: Decision,
    /// Redis decided, so the token's revocation was checked too.
    pub shared: bool,
    /// The access token presented, or its whole session, was revoked.
    pub token_revoked: bool,
    /// The token's user's identity generation; 0 when not asked or revoked.
    pub identity_generation: i64,
}

/// KEYS[1] is the caller's GCRA state (its theoretical arrival time, ms).
/// With a verified access token, KEYS[2] is the user's identity generation
/// key (written with a fresh value from the server clock when absent, see
/// `auth::identities`) and the rest are revocation keys: the token's
/// denylist entry and its session's. Every key is read by one `MGET`, which
/// costs Redis about half of the separate `EXISTS` and `GET`s it replaces.
/// ARGV: the emission interval (period / count, ms) and the period (ms).
/// The reply: allowed (0/1), remaining, reset (ms), retry after (ms),
/// revoked (0/1), generation.
const SCRIPT: &str = r"
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local values = redis.call('MGET', unpack(KEYS))
local generation = '0'
if #KEYS > 1 then
  for i = 3, #KEYS do
    if values[i] then
      return {0, 0, 0, 0, 1, '0'}
    end
  end
  generation = values[2]
  if not generation then
    generation = clock[1] .. string.format('%06d', tonumber(clock[2]))
    redis.call('SET', KEYS[2], generation, 'EX', 86400)
  end
end
local interval, period = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(values[1] or now)
if tat < now then tat = now end
local new_tat = tat + interval
-- The slack absorbs floating point error when the interval is fractional.
if new_tat - period > now + 0.001 then
  return {0, 0, math.ceil(tat - now), math.ceil(new_tat - period - now), 0, generation}
end
-- At least 1 ms: with a very high rate the increment is lost in the
-- precision of a double near the epoch, and PX 0 is an error.
local ttl = math.max(1, math.ceil(new_tat - now))
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', ttl)
local remaining = math.max(0, math.floor((period - (new_tat - now)) / interval))
return {1, remaining, ttl, 0, 0, generation}
";

type Reply = (i64, i64, i64, i64, i64, i64);

/// Spends up to ARGV[3] requests of the GCRA state in KEYS[1] at once (ARGV
/// 1 and 2 as in [`SCRIPT`]): as many as the budget holds now. The reply:
/// granted, and the milliseconds until one more would be allowed.
const SPEND_SCRIPT: &str = r"
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local interval, period, wanted = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
-- Each request moves the arrival time one interval on; the budget allows
-- it while that stays within one period of now (the slack as in SCRIPT).
local granted = math.floor((now + period - tat) / interval + 0.001)
if granted > wanted then granted = wanted end
if granted < 0 then granted = 0 end
if granted > 0 then
  tat = tat + granted * interval
  redis.call('SET', KEYS[1], tostring(tat), 'PX', math.max(1, math.ceil(tat - now)))
end
local retry = 0
if granted < wanted then retry = math.max(0, math.ceil(tat + interval - period - now)) end
return {granted, retry}
";

/// Route templates whose handler spends more of the caller's budget than
/// the edge's one request: the edge hands them an [`ExtraBudget`].
pub const SPENDS_MORE: &[&str] = &["/api/v1/monitors/bulk"];

/// The rate limiter, for a handler of [`SPENDS_MORE`] to spend the cost of
/// the work its request does.
#[derive(Clone)]
pub struct ExtraBudget(pub(super) std::sync::Arc<super::Edge>);

impl ExtraBudget {
    pub async fn spend_up_to(&self, class: RouteClass, subject: &Subject, wanted: u32) -> Spent {
        self.0.limiter.spend_up_to(class, subject, wanted).await
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ExtraBudget {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        // Fails closed: work that must be paid for is not done unpaid.
        parts.extensions.get::<Self>().cloned().ok_or_else(|| {
            crate::error::ApiError::Internal(
                "the edge gave this route no budget to spend (missing from SPENDS_MORE?)"
                    .to_owned(),
            )
        })
    }
}

/// What [`RateLimiter::spend_up_to`] could spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spent {
    pub granted: u32,
    /// Seconds until one more request would be allowed (0 when all were granted).
    pub retry_after_seconds: u64,
}

pub struct RateLimiter {
    limits: RateLimits,
    redis: Ephemeral,
    script: redis::Script,
    spend_script: redis::Script,
    timeout: Duration,
    /// Whether the last decision came from Redis; logged when it flips.
    shared: AtomicBool,
    local: LocalLimiters,
}

impl RateLimiter {
    pub fn new(limits: RateLimits, redis: Ephemeral, timeout: Duration) -> Self {
        Self {
            local: LocalLimiters::new(&limits),
            limits,
            redis,
            script: redis::Script::new(SCRIPT),
            spend_script: redis::Script::new(SPEND_SCRIPT),
            timeout,
            // Optimistic until the first call says otherwise, so a healthy
            // start logs nothing.
            shared: AtomicBool::new(true),
        }
    }

    /// True when limits are shared through Redis right now.
    pub fn is_shared(&self) -> bool {
        self.shared.load(Ordering::Relaxed)
    }

    /// Spends one request of `subject`'s budget for `class`; given a
    /// verified access token, also checks its revocation and reads its
    /// user's identity generation in the same round trip.
    pub async fn check(
        &self,
        class: RouteClass,
        subject: &Subject,
        token: Option<&VerifiedToken>,
    ) -> Outcome {
        let quota = class.quota(&self.limits);
        let mut invocation = self.script.key(subject.key(class));
        if let Some(token) = token {
            invocation
                .key(crate::auth::identities::generation_key(token.user_id))
                .key(crate::auth::denylist_key(&token.jti));
            if let Some(session_id) = token.session_id {
                invocation.key(crate::auth::revoked_session_key(session_id));
            }
        }
        invocation
            .arg(quota.period.as_secs_f64() * 1000.0 / f64::from(quota.count))
            .arg(quota.period.as_millis() as u64);
        let reply = self
            .redis
            .within(self.timeout, |mut connection| async move {
                invocation.invoke_async::<Reply>(&mut connection).await
            })
            .await;
        match reply {
            Ok((allowed, remaining, reset_ms, retry_ms, revoked, generation)) => {
                self.mark_shared(true, None);
                Outcome {
                    decision: Decision {
                        allowed: allowed == 1,
                        limit: quota.count,
                        remaining: u32::try_from(remaining).unwrap_or(0),
                        reset_seconds: ceil_seconds(reset_ms),
                        retry_after_seconds: ceil_seconds(retry_ms),
                    },
                    shared: true,
                    token_revoked: revoked == 1,
                    identity_generation: generation,
                }
            }
            Err(error) => {
                self.mark_shared(false, Some(&error));
                Outcome {
                    decision: self.local.check(class, quota, subject),
                    shared: false,
                    token_revoked: false,
                    identity_generation: 0,
                }
            }
        }
    }

    /// Spends as many of `wanted` requests of `subject`'s budget for `class`
    /// as it holds now, for a handler whose one request does the work of
    /// many (a bulk "check now" costs one expensive request per monitor).
    /// Redis decides as for [`RateLimiter::check`]; without it, this
    /// replica's limiter does.
    pub async fn spend_up_to(&self, class: RouteClass, subject: &Subject, wanted: u32) -> Spent {
        if wanted == 0 {
            return Spent {
                granted: 0,
                retry_after_seconds: 0,
            };
        }
        let quota = class.quota(&self.limits);
        let mut invocation = self.spend_script.key(subject.key(class));
        invocation
            .arg(quota.period.as_secs_f64() * 1000.0 / f64::from(quota.count))
            .arg(quota.period.as_millis() as u64)
            .arg(wanted);
        let reply = self
            .redis
            .within(self.timeout, |mut connection| async move {
                invocation.invoke_async::<(i64, i64)>(&mut connection).await
            })
            .await;
        match reply {
            Ok((granted, retry_ms)) => {
                self.mark_shared(true, None);
                Spent {
                    granted: u32::try_from(granted).unwrap_or(0).min(wanted),
                    retry_after_seconds: ceil_seconds(retry_ms),
                }
            }
            Err(error) => {
                self.mark_shared(false, Some(&error));
                let mut granted = 0;
                let mut retry_after_seconds = 0;
                while granted < wanted {
                    let decision = self.local.check(class, quota, subject);
                    if !decision.allowed {
                        retry_after_seconds = decision.retry_after_seconds;
                        break;
                    }
                    granted += 1;
                }
                Spent {
                    granted,
                    retry_after_seconds,
                }
            }
        }
    }

    fn mark_shared(&self, shared: bool, error: Option<&dyn std::fmt::Display>) {
        let was = self.shared.swap(shared, Ordering::AcqRel);
        if was && !shared {
            let error = error.map(ToString::to_string).unwrap_or_default();
            tracing::warn!(
                %error,
                "Redis unreachable: rate limits fall back to this replica's in-process limiter"
            );
        } else if !was && shared {
            tracing::info!("Redis reachable again: rate limits are shared across replicas");
        }
    }
}

fn ceil_seconds(ms: i64) -> u64 {
    u64::try_from(ms.max(0)).unwrap_or(0).div_ceil(1000)
}

type Keyed = DefaultKeyedRateLimiter<Subject, StateInformationMiddleware>;

/// The fallback: one keyed `governor` limiter per route class.
struct LocalLimiters {
    sign_in: Keyed,
    expensive: Keyed,
    write: Keyed,
    read: Keyed,
}

/// Past this many callers in one class, callers whose budget is full again
/// are forgotten, which bounds memory during a long outage.
const FORGET_AT: usize = 10_000;

impl LocalLimiters {
    fn new(limits: &RateLimits) -> Self {
        let keyed = |quota: Quota| {
            Governor::keyed(governor_quota(quota)).with_middleware::<StateInformationMiddleware>()
        };
        Self {
            sign_in: keyed(limits.sign_in),
            expensive: keyed(limits.expensive),
            write: keyed(limits.write),
            read: keyed(limits.read),
        }
    }

    fn check(&self, class: RouteClass, quota: Quota, subject: &Subject) -> Decision {
        let limiter = match class {
            RouteClass::SignIn => &self.sign_in,
            RouteClass::Expensive => &self.expensive,
            RouteClass::Write => &self.write,
            RouteClass::Read => &self.read,
        };
        if limiter.len() > FORGET_AT {
            limiter.retain_recent();
        }
        let interval = quota.period / quota.count;
        match limiter.check_key(subject) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                Decision {
                    allowed: true,
                    limit: quota.count,
                    remaining,
                    reset_seconds: (interval * (quota.count - remaining)).as_secs().max(1),
                    retry_after_seconds: 0,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(limiter.clock().now());
                Decision {
                    allowed: false,
                    limit: quota.count,
                    remaining: 0,
                    reset_seconds: quota.period.as_secs(),
                    retry_after_seconds: wait.as_secs_f64().ceil() as u64,
                }
            }
        }
    }
}

/// The same GCRA as the script: one call per `period / count`, bursts up
/// to `count`.
fn governor_quota(quota: Quota) -> governor::Quota {
    let burst = NonZeroU32::new(quota.count).unwrap_or(NonZeroU32::MIN);
    governor::Quota::with_period(quota.period / burst.get())
        .unwrap_or_else(|| governor::Quota::per_second(burst))
        .allow_burst(burst)
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
        // A history export is a read: streamed in batches, it costs the
        // database what paging through the history costs.
        assert_eq!(
            RouteClass::of(&Method::GET, "/api/v1/monitors/{id}/checks/export"),
            RouteClass::Read
        );
    }

    #[test]
    fn ipv6_clients_share_the_budget_of_their_64() {
        let one = Subject::ip("2001:db8:1:2:aaaa::1".parse().unwrap());
        let neighbour = Subject::ip("2001:db8:1:2:bbbb::9".parse().unwrap());
        let elsewhere = Subject::ip("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(one, neighbour);
        assert_ne!(one, elsewhere);
        assert_eq!(
            Subject::ip("198.51.100.7".parse().unwrap()),
            Subject::Ip("198.51.100.7".parse().unwrap())
        );
    }

    #[test]
    fn the_local_limiter_allows_a_burst_of_the_quota_then_refuses() {
        let quota = Quota::per_minute(3);
        let limits = RateLimits {
            read: quota,
            ..RateLimits::default()
        };
        let limiter = LocalLimiters::new(&limits);
        let caller = Subject::ip("198.51.100.7".parse().unwrap());
        for remaining in [2, 1, 0] {
            let decision = limiter.check(RouteClass::Read, quota, &caller);
            assert!(decision.allowed);
            assert_eq!(decision.remaining, remaining);
        }
        let refused = limiter.check(RouteClass::Read, quota, &caller);
        assert!(!refused.allowed);
        assert!(
            (1..=20).contains(&refused.retry_after_seconds),
            "{refused:?}"
        );
        let other = Subject::ip("198.51.100.8".parse().unwrap());
        assert!(limiter.check(RouteClass::Read, quota, &other).allowed);
    }
}
