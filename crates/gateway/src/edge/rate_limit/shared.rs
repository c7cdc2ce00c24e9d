//! The limits every replica shares: GCRA state in Redis, decided by a Lua
//! script that also checks each access token's denylist entry and reads its
//! user's identity generation.
//!
//! Calls are batched by flat combining: a request that finds the queue empty
//! leads the next batch. It lets the other ready requests run first
//! (`yield_now`), and they queue their calls behind it; then it sends the
//! whole queue to Redis and hands each request its answer. The batch is one
//! pipeline (one write, one read back) of one script run per
//! [`CALLS_PER_RUN`] calls, which decides its calls in order. Each call used
//! to be its own write and its own script run, and those fixed costs on both
//! ends were most of what a request cost Redis. No extra task sits between a
//! request and Redis, and batching changes how calls travel, not what Redis
//! decides: every call spends its caller's budget in Redis, so limits stay
//! exact across replicas.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::sync::oneshot;

use super::{Decision, Emission};
use crate::auth::ephemeral::denylist_key;
use crate::auth::identities::generation_key;
use crate::auth::tokens::VerifiedToken;
use crate::edge::settings::Quota;

/// Decides a batch of calls in one run (one script call costs Redis more
/// than the GCRA arithmetic of many), in order, so two calls of one caller
/// in the same batch see each other's spending.
///
/// The run's calls come grouped by caller (same keys, same quota; see
/// [`by_caller`]): ARGV holds four values per group: its number of keys (1,
/// or 3 with a verified access token), its number of calls, the emission
/// interval (period / count, ms) and the period (ms). KEYS holds each
/// group's keys in order: its GCRA state (theoretical arrival time, ms),
/// then with a token the token's denylist key and the user's identity
/// generation key (written with a fresh value from the server clock when
/// absent, see `auth::identities`). Redis' own clock (`TIME`) is used so
/// replicas with skewed clocks agree.
///
/// Every `redis.call` crosses between Lua and Redis (arguments converted,
/// the reply written as RESP and parsed back), which costs more than the
/// arithmetic: so the run reads all its keys with one `MGET`, keeps the
/// states in a table as its calls spend them, and writes each changed
/// state once at the end. The script is atomic, so the last value of a
/// key is all anyone can observe.
///
/// A caller's calls in a run are spent in arrival order, so the first
/// ones are allowed until the budget runs out and the rest are refused:
/// the script only counts how many it allows. It returns Redis' clock, then
/// four numbers per group: revoked, generation, the theoretical arrival
/// time before the group's calls, and how many it allowed. [`Verdict`]
/// turns them into each call's decision with the same arithmetic on the
/// same doubles. A reply per call, or a table entry per call, made the
/// script cost Redis several times as much for a caller with many requests
/// in flight. The numbers are packed as little-endian doubles in one string:
/// they are exact (times and counts below 2^53, and the arrival time is a
/// double in the script too), and a multi-bulk reply costs both ends more
/// to write and to parse than the decisions.
const SCRIPT: &str = r"
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local values = redis.call('MGET', unpack(KEYS))
local tats, changed, generations = {}, {}, {}
local replies, n = {now}, 1
local k = 1
for a = 1, #ARGV, 4 do
  local state = KEYS[k]
  local tat = tats[state] or tonumber(values[k] or now)
  local revoked, generation_number = false, 0
  if ARGV[a] == '3' then
    revoked = values[k + 1]
    local generation_key = KEYS[k + 2]
    local generation = generations[generation_key] or values[k + 2]
    if not revoked and not generation then
      generation = clock[1] .. string.format('%06d', tonumber(clock[2]))
      redis.call('SET', generation_key, generation, 'EX', 86400)
    end
    if generation then
      generations[generation_key] = generation
      generation_number = tonumber(generation)
    end
    k = k + 3
  else
    k = k + 1
  end
  if tat < now then tat = now end
  local start, allowed = tat, 0
  if not revoked then
    local interval, period = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
    for call = 1, tonumber(ARGV[a + 1]) do
      local new_tat = tat + interval
      -- The slack absorbs floating point error when the interval is fractional.
      if new_tat - period > now + 0.001 then break end
      tat = new_tat
      allowed = allowed + 1
    end
    if allowed > 0 then changed[state] = true end
  end
  tats[state] = tat
  replies[n + 1], replies[n + 2] = revoked and 1 or 0, generation_number
  replies[n + 3], replies[n + 4] = start, allowed
  n = n + 4
end
-- Effects are replicated, not the script, so the order of writes is free.
for state in pairs(changed) do
  local tat = tats[state]
  -- At least 1 ms: with a very high rate the increment is lost in the
  -- precision of a double near the epoch, and PX 0 is an error.
  redis.call('SET', state, tostring(tat), 'PX', math.max(1, math.ceil(tat - now)))
end
return struct.pack('<' .. string.rep('d', n), unpack(replies))
";

/// Calls per script run: a run blocks Redis while it lasts, so a large
/// batch is split into several runs (still one pipeline, one write).
const CALLS_PER_RUN: usize = 64;

/// Numbers in the script's answer per group: revoked, generation, the
/// theoretical arrival time before the group's calls, the calls allowed.
const VERDICT_LEN: usize = 4;

/// A run's packed reply as doubles: Redis' clock (ms), then
/// [`VERDICT_LEN`] numbers per group; `None` when it is not a whole number
/// of doubles or not one verdict per group.
fn unpack_run(run: &[u8], groups: usize) -> Option<(f64, Vec<Verdict>)> {
    let doubles = run.chunks_exact(8);
    if !doubles.remainder().is_empty() || doubles.len() != 1 + groups * VERDICT_LEN {
        return None;
    }
    let values: Vec<f64> = doubles
        .map(|bytes| {
            let mut double = [0; 8];
            double.copy_from_slice(bytes);
            f64::from_le_bytes(double)
        })
        .collect();
    let verdicts = values[1..]
        .chunks_exact(VERDICT_LEN)
        .map(|verdict| Verdict {
            revoked: verdict[0] == 1.0,
            // Integers below 2^53, so the conversions are exact.
            generation: verdict[1] as i64,
            tat: verdict[2],
            allowed: verdict[3] as usize,
        })
        .collect();
    Some((values[0], verdicts))
}

/// The script's answer for one caller's calls in a run.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Verdict {
    revoked: bool,
    generation: i64,
    /// The theoretical arrival time (ms) before the group's calls, at least
    /// the run's clock.
    tat: f64,
    /// How many of the group's calls, the first ones, were allowed.
    allowed: usize,
}

impl Verdict {
    /// Each call's decision, in arrival order: the first [`Self::allowed`]
    /// spend one emission interval each, the rest are refused. The doubles
    /// and operations are the script's, so the figures are those of the
    /// state Redis stored.
    fn decisions(&self, now: f64, quota: &Call, calls: usize) -> Vec<Decision> {
        if self.revoked {
            let revoked = Decision {
                allowed: false,
                limit: quota.limit,
                remaining: 0,
                reset_seconds: 0,
                retry_after_seconds: 0,
                token_revoked: true,
                identity_generation: 0,
            };
            return vec![revoked; calls];
        }
        let emission = Emission {
            now,
            interval: quota.interval_ms,
            period: quota.period_ms as f64,
            limit: quota.limit,
        };
        let mut tat = self.tat;
        (0..calls)
            .map(|position| {
                let decision = if position < self.allowed {
                    tat += emission.interval;
                    emission.allowed(tat)
                } else {
                    emission.refused(tat)
                };
                Decision {
                    identity_generation: self.generation,
                    ..decision
                }
            })
            .collect()
    }
}

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
    fn key_count(&self) -> usize {
        if self.token_keys.is_some() { 3 } else { 1 }
    }

    /// Same keys and same quota: the script spends such calls in turn from
    /// one entry.
    fn same_caller(&self, other: &Call) -> bool {
        self.key == other.key
            && self.token_keys == other.token_keys
            && self.interval_ms == other.interval_ms
            && self.period_ms == other.period_ms
    }

    fn add_keys(&self, command: &mut redis::Pipeline) {
        command.arg(&self.key);
        if let Some((denylist, generation)) = &self.token_keys {
            command.arg(denylist).arg(generation);
        }
    }

    fn add_args(&self, command: &mut redis::Pipeline, calls: usize) {
        command
            .arg(self.key_count())
            .arg(calls)
            .arg(self.interval_ms)
            .arg(self.period_ms);
    }
}

/// A run's calls grouped by caller ([`Call::same_caller`]), as indices
/// into `run`: groups in order of first appearance, each group's calls in
/// arrival order. A run holds at most [`CALLS_PER_RUN`] calls, and most of
/// a batch's calls come from few callers, so a scan of the groups is enough.
fn by_caller(run: &[Call]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (index, call) in run.iter().enumerate() {
        match groups
            .iter_mut()
            .find(|group| run[group[0]].same_caller(call))
        {
            Some(group) => group.push(index),
            None => groups.push(vec![index]),
        }
    }
    groups
}

/// Hands each call its decision from the script's replies, one per run;
/// `None`, with no call answered, when a reply does not match its run.
fn answer(calls: Vec<Call>, groups_by_run: &[Vec<Vec<usize>>], runs: &[Vec<u8>]) -> Option<()> {
    if runs.len() != groups_by_run.len() {
        return None;
    }
    let replies = runs
        .iter()
        .zip(groups_by_run)
        .map(|(run, groups)| unpack_run(run, groups.len()))
        .collect::<Option<Vec<_>>>()?;
    let mut calls: Vec<Option<Call>> = calls.into_iter().map(Some).collect();
    for (run_index, ((now, verdicts), groups)) in replies.iter().zip(groups_by_run).enumerate() {
        let offset = run_index * CALLS_PER_RUN;
        for (verdict, group) in verdicts.iter().zip(groups) {
            let Some(quota) = calls.get(offset + group[0]).and_then(Option::as_ref) else {
                continue;
            };
            let decisions = verdict.decisions(*now, quota, group.len());
            for (index, decision) in group.iter().zip(decisions) {
                if let Some(call) = calls.get_mut(offset + index).and_then(Option::take) {
                    // The request may have gone (client disconnected).
                    let _ = call.reply.send(decision);
                }
            }
        }
    }
    Some(())
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
        // Each run's calls grouped by caller: the script answers per group.
        let mut groups_by_run = Vec::new();
        for run in calls.chunks(CALLS_PER_RUN) {
            let groups = by_caller(run);
            let key_count: usize = groups.iter().map(|group| run[group[0]].key_count()).sum();
            let command = pipeline
                .cmd("EVALSHA")
                .arg(self.script.get_hash())
                .arg(key_count);
            for group in &groups {
                run[group[0]].add_keys(command);
            }
            for group in &groups {
                run[group[0]].add_args(command, group.len());
            }
            groups_by_run.push(groups);
        }
        // The connection's response timeout (see `connect`) bounds the wait.
        let mut result = pipeline.query_async::<Vec<Vec<u8>>>(&mut connection).await;
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
            Ok(runs) => match answer(calls, &groups_by_run, &runs) {
                Some(()) => self.mark(true, None),
                None => self.mark(false, Some("the script's reply has the wrong length")),
            },
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
            // `remaining` comes from Redis: an answer computed for the
            // other caller's larger quota would exceed this one's.
            assert!(decision.remaining < callers[caller].1.count, "{decision:?}");
            if decision.allowed {
                allowed[caller] += 1;
            }
        }
        assert_eq!(allowed, [20, 5]);
        assert!(limiter.is_up());
    }

    /// One batch larger than a script run, mixing callers with and without
    /// tokens (one and three keys each): every answer reaches its own call.
    #[tokio::test]
    async fn a_batch_split_into_several_runs_answers_every_call_in_order() {
        let limiter = limiter().await;
        let url = test_support::redis::url().await;
        let mut redis = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let revoked_jti = unique_key();
        let _: () = redis::cmd("SET")
            .arg(denylist_key(&revoked_jti))
            .arg(1)
            .arg("EX")
            .arg(60)
            .query_async(&mut redis)
            .await
            .unwrap();
        let user = uuid::Uuid::now_v7();
        let (key_a, key_b, key_c) = (unique_key(), unique_key(), unique_key());
        let mut calls = Vec::new();
        let mut answers = Vec::new();
        let mut call = |key: &str, count: u32, token_keys: Option<(String, String)>| {
            let (reply, answer) = oneshot::channel();
            calls.push(Call {
                key: key.to_owned(),
                token_keys,
                interval_ms: 60_000.0 / f64::from(count),
                period_ms: 60_000,
                limit: count,
                reply,
            });
            answers.push(answer);
        };
        for i in 0..150 {
            match i % 3 {
                0 => call(&key_a, 100, None),
                1 => call(&key_b, 10, None),
                _ => call(
                    &key_c,
                    20,
                    Some((denylist_key(&unique_key()), generation_key(user))),
                ),
            }
        }
        call(
            &unique_key(),
            20,
            Some((denylist_key(&revoked_jti), generation_key(user))),
        );
        assert!(calls.len() > 2 * CALLS_PER_RUN);
        limiter.redis.send(calls).await;

        let mut decisions = Vec::new();
        for answer in answers {
            decisions.push(answer.await.expect("every call is answered"));
        }
        let revoked = decisions.pop().unwrap();
        assert!(revoked.token_revoked);
        let allowed = |caller: usize| {
            decisions
                .iter()
                .skip(caller)
                .step_by(3)
                .filter(|decision| decision.allowed)
                .count()
        };
        assert_eq!([allowed(0), allowed(1), allowed(2)], [50, 10, 20]);
        // Within a caller, answers follow arrival order across groups and
        // runs: the first ten of B's calls spend its quota, one by one.
        let caller_b: Vec<(bool, u32)> = decisions
            .iter()
            .skip(1)
            .step_by(3)
            .map(|decision| (decision.allowed, decision.remaining))
            .collect();
        let expected: Vec<(bool, u32)> = (0..50)
            .map(|i| if i < 10 { (true, 9 - i) } else { (false, 0) })
            .collect();
        assert_eq!(caller_b, expected);
        // Each state was written back with its expiry.
        for key in [&key_a, &key_b, &key_c] {
            let ttl: i64 = redis::cmd("PTTL")
                .arg(key)
                .query_async(&mut redis)
                .await
                .unwrap();
            assert!((1..=60_000).contains(&ttl), "{key}: {ttl}");
        }
        let generations: Vec<i64> = decisions
            .iter()
            .skip(2)
            .step_by(3)
            .map(|decision| decision.identity_generation)
            .collect();
        assert!(generations[0] > 0);
        assert!(
            generations
                .iter()
                .all(|generation| *generation == generations[0])
        );
        assert!(decisions.iter().all(|decision| !decision.token_revoked));
    }

    fn packed(values: &[f64]) -> Vec<u8> {
        values
            .iter()
            .flat_map(|value| value.to_le_bytes())
            .collect()
    }

    #[test]
    fn packed_replies_unpack_to_exact_values_and_torn_ones_are_refused() {
        let now = 1_796_021_511_620.0;
        let generation = 1_796_021_511_620_182_i64;
        // A fractional arrival time: a quota of 7 per minute.
        let tat = now + 60_000.0 / 7.0 * 3.0;
        let run = packed(&[now, 0.0, generation as f64, tat, 2.0, 1.0, 0.0, now, 0.0]);
        let (clock, verdicts) = unpack_run(&run, 2).unwrap();
        assert_eq!(clock, now);
        assert_eq!(
            verdicts,
            [
                Verdict {
                    revoked: false,
                    generation,
                    tat,
                    allowed: 2
                },
                Verdict {
                    revoked: true,
                    generation: 0,
                    tat: now,
                    allowed: 0
                },
            ]
        );
        assert_eq!(unpack_run(&run, 1), None, "one verdict per group");
        assert_eq!(unpack_run(&run[..run.len() - 4], 2), None, "torn");
    }

    #[test]
    fn a_verdict_allows_its_first_calls_and_refuses_the_rest() {
        let now = 1_000_000.0;
        let (reply, _) = oneshot::channel();
        let quota = Call {
            key: "k".to_owned(),
            token_keys: None,
            interval_ms: 6_000.0,
            period_ms: 60_000,
            limit: 10,
            reply,
        };
        // Eight of ten spent: two calls fit, the third waits 6 s.
        let verdict = Verdict {
            revoked: false,
            generation: 7,
            tat: now + 48_000.0,
            allowed: 2,
        };
        let summary: Vec<_> = verdict
            .decisions(now, &quota, 3)
            .iter()
            .map(|decision| {
                (
                    decision.allowed,
                    decision.remaining,
                    decision.reset_seconds,
                    decision.retry_after_seconds,
                    decision.identity_generation,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (true, 1, 54, 0, 7),
                (true, 0, 60, 0, 7),
                (false, 0, 60, 6, 7)
            ]
        );
        let revoked = Verdict {
            revoked: true,
            generation: 0,
            tat: now,
            allowed: 0,
        };
        assert!(
            revoked
                .decisions(now, &quota, 2)
                .iter()
                .all(|decision| decision.token_revoked && !decision.allowed)
        );
    }

    #[test]
    fn calls_group_by_keys_and_quota_in_order_of_arrival() {
        let call = |key: &str, token: Option<&str>, count: u32| Call {
            key: key.to_owned(),
            token_keys: token.map(|jti| (denylist_key(jti), "generation".to_owned())),
            interval_ms: 60_000.0 / f64::from(count),
            period_ms: 60_000,
            limit: count,
            reply: oneshot::channel().0,
        };
        let run = [
            call("a", Some("t1"), 10),
            call("b", None, 10),
            call("a", Some("t1"), 10),
            // Same budget, another token: its own denylist key.
            call("a", Some("t2"), 10),
            call("b", None, 10),
            // Same key, another quota.
            call("b", None, 20),
            call("a", Some("t1"), 10),
        ];
        assert_eq!(
            by_caller(&run),
            vec![vec![0, 2, 6], vec![1, 4], vec![3], vec![5]]
        );
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
