//! The limits every replica shares: GCRA state in Redis, decided by one Lua
//! script per request, with the denylist check and the identity generation
//! read in the same call.
//!
//! Calls are batched by flat combining: a request that finds the queue empty
//! leads the next batch. It lets the other ready requests run first
//! (`yield_now`), and they queue their calls behind it; then it sends the
//! whole queue as one pipeline and hands each request its answer. One write
//! to Redis and one read back then serve many requests, where each call used
//! to be its own write; no extra task sits between a request and Redis.
//! Each request still gets its own script run: batching changes how calls
//! travel, not what Redis decides, so limits stay exact across replicas.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::sync::oneshot;

use super::{Decision, ceil_seconds};
use crate::auth::ephemeral::denylist_key;
use crate::auth::identities::generation_key;
use crate::auth::tokens::VerifiedToken;
use crate::edge::settings::Quota;

/// KEYS[1]: the caller's GCRA state for a class (theoretical arrival time,
/// ms). KEYS[2], KEYS[3] (with a verified access token): the token's
/// denylist key and the user's identity generation key (written with a
/// fresh value from the server clock when absent, see
/// `auth::identities`); the three are read with one `MGET`, which costs
/// Redis less than three calls. ARGV[1]: emission interval (period / count)
/// in ms; ARGV[2]: period in ms.
/// Returns {revoked, allowed, remaining, reset_ms, retry_after_ms, generation}.
const SCRIPT: &str = r"
local stored, generation
if KEYS[2] then
  local values = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3])
  if values[2] then
    return {1, 0, 0, 0, 0, 0}
  end
  stored, generation = values[1], values[3]
else
  stored = redis.call('GET', KEYS[1])
end
local clock = redis.call('TIME')
if not KEYS[3] then
  generation = 0
elseif not generation then
  generation = clock[1] .. string.format('%06d', tonumber(clock[2]))
  redis.call('SET', KEYS[3], generation, 'EX', 86400)
end
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(stored or now)
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

/// The script's answer: {revoked, allowed, remaining, reset_ms,
/// retry_after_ms, generation}.
type Reply = (i64, i64, i64, i64, i64, i64);

/// How often a replica in fallback tries Redis again.
const RECONNECT_EVERY: Duration = Duration::from_secs(1);

pub struct SharedLimiter {
    redis: Redis,
    queue: Queue,
}

impl SharedLimiter {
    pub fn new(client: redis::Client, timeout: Duration) -> Self {
        Self {
            redis: Redis {
                client,
                timeout,
                script: redis::Script::new(SCRIPT),
                connection: RwLock::new(None),
                // Optimistic until the first call says otherwise, so a
                // healthy start logs nothing.
                up: AtomicBool::new(true),
                connecting: tokio::sync::Mutex::new(()),
                last_attempt_ms: AtomicU64::new(0),
                started: Instant::now(),
            },
            queue: Queue::default(),
        }
    }

    pub fn is_up(&self) -> bool {
        self.redis.up.load(Ordering::Relaxed)
    }

    /// Redis' decision for one request, or `None` when Redis did not
    /// answer in time (the caller then decides in process).
    pub async fn check(
        &self,
        key: String,
        quota: Quota,
        token: Option<&VerifiedToken>,
    ) -> Option<Decision> {
        let (reply, answer) = oneshot::channel();
        let leads = self.queue.push(Call {
            key,
            token_keys: token
                .map(|token| (denylist_key(&token.jti), generation_key(token.user_id))),
            interval_ms: quota.period.as_secs_f64() * 1000.0 / f64::from(quota.count),
            period_ms: quota.period.as_millis() as u64,
            limit: quota.count,
            reply,
        });
        if leads {
            let mut turn = Leader {
                queue: &self.queue,
                took: false,
            };
            tokio::task::yield_now().await;
            let calls = turn.take();
            self.redis.send(calls).await;
        }
        // A dropped sender (no connection, an error, a leader cancelled
        // with its client) means no decision.
        answer.await.ok()
    }
}

/// The request leading a batch. If it is cancelled before it takes the
/// queue, the calls waiting behind it are dropped, so their requests decide
/// in process instead of waiting for a leader that will not come.
struct Leader<'a> {
    queue: &'a Queue,
    took: bool,
}

impl Leader<'_> {
    fn take(&mut self) -> Vec<Call> {
        self.took = true;
        self.queue.take()
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if !self.took {
            drop(self.queue.take());
        }
    }
}

/// One request's script call, waiting for its batch.
struct Call {
    key: String,
    /// The denylist and identity generation keys of a verified access token.
    token_keys: Option<(String, String)>,
    interval_ms: f64,
    period_ms: u64,
    limit: u32,
    reply: oneshot::Sender<Decision>,
}

impl Call {
    fn add_to(&self, pipeline: &mut redis::Pipeline, script_hash: &str) {
        let command = pipeline.cmd("EVALSHA").arg(script_hash);
        match &self.token_keys {
            Some((denylist, generation)) => {
                command.arg(3).arg(&self.key).arg(denylist).arg(generation)
            }
            None => command.arg(1).arg(&self.key),
        };
        command.arg(self.interval_ms).arg(self.period_ms);
    }

    fn answer(self, reply: Reply) {
        let (revoked, allowed, remaining, reset_ms, retry_ms, generation) = reply;
        // The request may have gone (client disconnected): nothing to do.
        let _ = self.reply.send(Decision {
            allowed: allowed == 1,
            limit: self.limit,
            remaining: u32::try_from(remaining.max(0)).unwrap_or(u32::MAX),
            reset_seconds: ceil_seconds(reset_ms),
            retry_after_seconds: ceil_seconds(retry_ms),
            token_revoked: revoked == 1,
            identity_generation: generation,
        });
    }
}

#[derive(Default)]
struct Queue {
    calls: Mutex<Vec<Call>>,
}

impl Queue {
    /// Queues a call; true when it is the first since the last batch was
    /// taken, which makes its request the next batch's leader.
    fn push(&self, call: Call) -> bool {
        let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        calls.push(call);
        calls.len() == 1
    }

    fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The connection to Redis and its health.
struct Redis {
    client: redis::Client,
    timeout: Duration,
    script: redis::Script,
    connection: RwLock<Option<MultiplexedConnection>>,
    up: AtomicBool,
    /// One connection attempt at a time, at most once per [`RECONNECT_EVERY`].
    connecting: tokio::sync::Mutex<()>,
    last_attempt_ms: AtomicU64,
    started: Instant,
}

impl Redis {
    /// Runs a batch and answers each call; on any failure the calls are
    /// dropped unanswered and their requests decide in process.
    async fn send(&self, calls: Vec<Call>) {
        let connection = match self.connection() {
            Some(connection) => Some(connection),
            None => self.connect().await,
        };
        let Some(mut connection) = connection else {
            return;
        };
        let mut pipeline = redis::pipe();
        for call in &calls {
            call.add_to(&mut pipeline, self.script.get_hash());
        }
        // The connection's response timeout (see `connect`) bounds the wait.
        let mut result = pipeline.query_async::<Vec<Reply>>(&mut connection).await;
        if let Err(error) = &result
            && error.kind() == redis::ErrorKind::NoScriptError
        {
            // A new or restarted Redis: load the script and send again.
            result = match self.script.load_async(&mut connection).await {
                Ok(_) => pipeline.query_async(&mut connection).await,
                Err(error) => Err(error),
            };
        }
        match result {
            Ok(replies) if replies.len() == calls.len() => {
                self.mark(true, None);
                for (call, reply) in calls.into_iter().zip(replies) {
                    call.answer(reply);
                }
            }
            Ok(_) => self.mark(false, Some("the pipeline's reply has the wrong length")),
            Err(error) if error.is_timeout() => self.mark(false, Some("timed out")),
            Err(error) => {
                self.drop_connection();
                self.mark(false, Some(&error.to_string()));
            }
        }
    }

    fn connection(&self) -> Option<MultiplexedConnection> {
        self.connection
            .read()
            .ok()
            .and_then(|connection| connection.clone())
    }

    /// Connects at most once per [`RECONNECT_EVERY`]. Batches that find no
    /// connection wait for an attempt in progress and use its connection;
    /// after a failed attempt they are decided in process until the next.
    async fn connect(&self) -> Option<MultiplexedConnection> {
        let _turn = self.connecting.lock().await;
        if let Some(connection) = self.connection() {
            return Some(connection);
        }
        let now_ms = self.started.elapsed().as_millis() as u64;
        let last = self.last_attempt_ms.load(Ordering::Relaxed);
        if last != 0 && now_ms.saturating_sub(last) < RECONNECT_EVERY.as_millis() as u64 {
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

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use super::*;

    async fn limiter() -> SharedLimiter {
        let url = test_support::redis::url().await;
        let client = redis::Client::open(url.as_str()).unwrap();
        SharedLimiter::new(client, Duration::from_secs(2))
    }

    fn unique_key() -> String {
        format!("lookout:rl:test:{}", uuid::Uuid::now_v7().simple())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_calls_batched_together_spend_exact_budgets() {
        let limiter = Arc::new(limiter().await);
        // Two callers with different quotas, interleaved: an answer handed
        // to the wrong call would show in their counts.
        let callers = [
            (unique_key(), Quota::per_minute(20)),
            (unique_key(), Quota::per_minute(5)),
        ];
        let calls = (0..80).map(|i| {
            let limiter = limiter.clone();
            let (key, quota) = callers[i % 2].clone();
            tokio::spawn(async move { (i % 2, limiter.check(key, quota, None).await) })
        });
        let mut allowed = [0, 0];
        for call in futures::future::join_all(calls).await {
            let (caller, decision) = call.unwrap();
            let decision = decision.expect("Redis decided");
            assert_eq!(decision.limit, callers[caller].1.count);
            if decision.allowed {
                allowed[caller] += 1;
            }
        }
        assert_eq!(allowed, [20, 5]);
        assert!(limiter.is_up());
    }

    #[tokio::test]
    async fn a_leader_cancelled_before_sending_does_not_strand_the_next_caller() {
        let limiter = limiter().await;
        let quota = Quota::per_minute(100);
        {
            // Polled once, the first caller queues its call, leads, and
            // yields; then its client goes away.
            let mut leader = pin!(limiter.check(unique_key(), quota, None));
            let mut context = Context::from_waker(std::task::Waker::noop());
            assert!(matches!(leader.as_mut().poll(&mut context), Poll::Pending));
        }
        let next = tokio::time::timeout(
            Duration::from_secs(5),
            limiter.check(unique_key(), quota, None),
        )
        .await
        .expect("the next caller leads its own batch");
        assert!(next.expect("Redis decided").allowed);
    }
}
