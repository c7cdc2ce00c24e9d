//! Short-lived shared state: the access-token denylist, sign-in attempts
//! (state, nonce, PKCE verifier) and seen trigger signatures.
//!
//! Redis when `REDIS_URL` is set (always in production, where several
//! replicas must agree); an in-process map otherwise, so a development
//! gateway without Redis still signs in and logs out correctly.
//!
//! Errors are [`EphemeralError`]: callers answer 503, never carry on as if
//! the key were absent (a denylist that fails open is no denylist).
//!
//! Keys: `lookout:denylist:<jti>`, `lookout:oauth:<state>`,
//! `lookout:hook:<signature>`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use secrecy::{ExposeSecret, SecretString};

use crate::error::ApiError;

/// A request must not hang on a dead Redis: it answers 503 after this.
const REDIS_TIMEOUT: Duration = Duration::from_millis(1500);

pub fn denylist_key(jti: &str) -> String {
    ["lookout:denylist:", jti].concat()
}

#[derive(Debug, thiserror::Error)]
#[error("redis: {0}")]
pub struct EphemeralError(String);

impl From<EphemeralError> for ApiError {
    fn from(error: EphemeralError) -> Self {
        ApiError::Unavailable {
            message: "the session store is unavailable, try again later",
            detail: error.to_string(),
        }
    }
}

impl From<redis::RedisError> for EphemeralError {
    fn from(error: redis::RedisError) -> Self {
        Self(error.to_string())
    }
}

#[derive(Clone)]
pub enum Ephemeral {
    Redis(RedisStore),
    Memory(Arc<MemoryStore>),
}

impl std::fmt::Debug for Ephemeral {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Redis(_) => formatter.write_str("Ephemeral::Redis"),
            Self::Memory(_) => formatter.write_str("Ephemeral::Memory"),
        }
    }
}

impl Ephemeral {
    /// Redis at `url`, or process memory when there is none. Connects lazily:
    /// the gateway starts (and `/health` answers) while Redis is down.
    pub fn new(url: Option<&SecretString>) -> Result<Self, EphemeralError> {
        match url {
            Some(url) => Ok(Self::Redis(RedisStore {
                client: redis::Client::open(url.expose_secret())
                    .map_err(|_| EphemeralError("REDIS_URL is not a valid Redis URL".to_owned()))?,
                connection: Arc::new(tokio::sync::Mutex::new(None)),
            })),
            None => Ok(Self::Memory(Arc::new(MemoryStore::default()))),
        }
    }

    /// Sets `key` to `value` for `ttl`.
    pub async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), EphemeralError> {
        let seconds = ttl.as_secs().max(1);
        match self {
            Self::Redis(redis) => {
                redis
                    .run::<()>(redis::cmd("SET").arg(key).arg(value).arg("EX").arg(seconds))
                    .await
            }
            Self::Memory(memory) => {
                memory.insert(key, value, ttl, false);
                Ok(())
            }
        }
    }

    /// Sets `key` only if absent; true when this call set it.
    pub async fn set_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, EphemeralError> {
        let seconds = ttl.as_secs().max(1);
        match self {
            Self::Redis(redis) => {
                let reply: Option<String> = redis
                    .run(
                        redis::cmd("SET")
                            .arg(key)
                            .arg(value)
                            .arg("NX")
                            .arg("EX")
                            .arg(seconds),
                    )
                    .await?;
                Ok(reply.is_some())
            }
            Self::Memory(memory) => Ok(memory.insert(key, value, ttl, true)),
        }
    }

    /// Reads and deletes `key` in one step, so a value is used at most once.
    pub async fn take(&self, key: &str) -> Result<Option<String>, EphemeralError> {
        match self {
            Self::Redis(redis) => redis.run(redis::cmd("GETDEL").arg(key)).await,
            Self::Memory(memory) => Ok(memory.take(key)),
        }
    }

    /// Deletes `keys`; deleting an absent key is not an error.
    pub async fn delete(&self, keys: &[String]) -> Result<(), EphemeralError> {
        if keys.is_empty() {
            return Ok(());
        }
        match self {
            Self::Redis(redis) => redis.run::<()>(redis::cmd("DEL").arg(keys)).await,
            Self::Memory(memory) => {
                let mut entries = memory.lock();
                for key in keys {
                    entries.remove(key);
                }
                Ok(())
            }
        }
    }

    pub async fn exists(&self, key: &str) -> Result<bool, EphemeralError> {
        match self {
            Self::Redis(redis) => {
                let count: i64 = redis.run(redis::cmd("EXISTS").arg(key)).await?;
                Ok(count > 0)
            }
            Self::Memory(memory) => Ok(memory.get(key).is_some()),
        }
    }

    /// One round trip and the server's version, for the admin health page.
    pub async fn ping(&self) -> Result<Option<String>, EphemeralError> {
        match self {
            Self::Redis(redis) => {
                let info: String = redis.run(redis::cmd("INFO").arg("server")).await?;
                Ok(info
                    .lines()
                    .find_map(|line| line.strip_prefix("redis_version:"))
                    .map(|version| version.trim().to_owned()))
            }
            Self::Memory(_) => Ok(None),
        }
    }
}

#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    /// One multiplexed connection shared by all requests, opened on first
    /// use and dropped after an error so the next request reconnects.
    connection: Arc<tokio::sync::Mutex<Option<MultiplexedConnection>>>,
}

impl RedisStore {
    async fn connection(&self) -> Result<MultiplexedConnection, EphemeralError> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(REDIS_TIMEOUT)
            .set_response_timeout(REDIS_TIMEOUT);
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    async fn run<T: redis::FromRedisValue>(
        &self,
        command: &redis::Cmd,
    ) -> Result<T, EphemeralError> {
        let mut connection = self.connection().await?;
        match command.query_async::<T>(&mut connection).await {
            Ok(value) => Ok(value),
            Err(error) => {
                if !matches!(error.kind(), redis::ErrorKind::TypeError) {
                    *self.connection.lock().await = None;
                }
                Err(error.into())
            }
        }
    }
}

/// The development stand-in for Redis. Expired entries are swept on writes.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        // A panic while holding this lock leaves a consistent map (every
        // operation is a single insert or remove), so poisoning is ignored.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn insert(&self, key: &str, value: &str, ttl: Duration, only_if_absent: bool) -> bool {
        let now = Instant::now();
        let mut entries = self.lock();
        entries.retain(|_, (_, expires)| *expires > now);
        if only_if_absent && entries.contains_key(key) {
            return false;
        }
        entries.insert(key.to_owned(), (value.to_owned(), now + ttl));
        true
    }

    fn get(&self, key: &str) -> Option<String> {
        let entries = self.lock();
        entries
            .get(key)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(value, _)| value.clone())
    }

    fn take(&self, key: &str) -> Option<String> {
        let mut entries = self.lock();
        entries
            .remove(key)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(value, _)| value)
    }
}
