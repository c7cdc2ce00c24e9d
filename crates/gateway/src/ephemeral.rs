//! The gateway's one Redis handle, built once at startup and shared by the
//! rate limiter (with the denylist, session revocations and identity
//! generations in its script), sign-in state, replay guards and `/ready`.
//!
//! It is a `redis::aio::ConnectionManager` (one multiplexed connection that
//! reconnects by itself), opened on first use so the gateway starts, and
//! `/health` answers, while Redis is down. Every call has a deadline.
//!
//! Errors are [`EphemeralError`]: callers answer 503, never carry on as if
//! the key were absent (a denylist that fails open is no denylist).
//!
//! Keys: `lookout:rl:…` (rate limits), `lookout:denylist:<jti>`,
//! `lookout:revoked-session:<session id>`, `lookout:identity:<user id>`,
//! `lookout:oauth:<state>`, `lookout:hook:<signature>`.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::SecretString;
use tokio::sync::OnceCell;

use crate::error::ApiError;

/// A request must not hang on a dead Redis: it answers 503 after this.
const REDIS_TIMEOUT: Duration = Duration::from_millis(1500);

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
pub struct Ephemeral(Arc<Inner>);

struct Inner {
    client: redis::Client,
    manager: OnceCell<ConnectionManager>,
}

impl std::fmt::Debug for Ephemeral {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Ephemeral")
    }
}

impl Ephemeral {
    /// `ca_file` (REDIS_CA_FILE) is the CA of a `rediss://` server.
    pub fn new(
        url: &SecretString,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, EphemeralError> {
        // The redis crate's errors never repeat the URL (it can hold the password).
        let client = mesh::redis::client(url, ca_file)
            .map_err(|error| EphemeralError(format!("REDIS_URL is unusable: {error}")))?;
        Ok(Self(Arc::new(Inner {
            client,
            manager: OnceCell::new(),
        })))
    }

    /// The shared connection, opened by the first caller. A failed attempt
    /// is not remembered: the next call tries again.
    async fn connection(&self) -> Result<ConnectionManager, redis::RedisError> {
        let manager = self
            .0
            .manager
            .get_or_try_init(|| {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(REDIS_TIMEOUT)
                    .set_response_timeout(REDIS_TIMEOUT)
                    // Callers have deadlines of their own; a command fails
                    // fast and the manager reconnects on the next one.
                    .set_number_of_retries(0);
                ConnectionManager::new_with_config(self.0.client.clone(), config)
            })
            .await?;
        Ok(manager.clone())
    }

    /// Runs `command`, or a script invocation through `run`, within `timeout`.
    pub async fn within<T, F, Fut>(&self, timeout: Duration, run: F) -> Result<T, EphemeralError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = Result<T, redis::RedisError>>,
    {
        let attempt = async { run(self.connection().await?).await };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(EphemeralError("timed out".to_owned())),
        }
    }

    async fn run<T: redis::FromRedisValue>(
        &self,
        command: &redis::Cmd,
    ) -> Result<T, EphemeralError> {
        self.within(REDIS_TIMEOUT, |mut connection| async move {
            command.query_async(&mut connection).await
        })
        .await
    }

    /// Sets `key` to `value` for `ttl`.
    pub async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), EphemeralError> {
        let seconds = ttl.as_secs().max(1);
        self.run(redis::cmd("SET").arg(key).arg(value).arg("EX").arg(seconds))
            .await
    }

    /// Sets `key` only if absent; true when this call set it.
    pub async fn set_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, EphemeralError> {
        let seconds = ttl.as_secs().max(1);
        let reply: Option<String> = self
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

    /// Reads and deletes `key` in one step, so a value is used at most once.
    pub async fn take(&self, key: &str) -> Result<Option<String>, EphemeralError> {
        self.run(redis::cmd("GETDEL").arg(key)).await
    }

    /// Deletes `keys`; deleting an absent key is not an error.
    pub async fn delete(&self, keys: &[String]) -> Result<(), EphemeralError> {
        if keys.is_empty() {
            return Ok(());
        }
        self.run(redis::cmd("DEL").arg(keys)).await
    }

    /// Whether any of `keys` exists (one `EXISTS`).
    pub async fn any_exists(&self, keys: &[String]) -> Result<bool, EphemeralError> {
        let count: i64 = self.run(redis::cmd("EXISTS").arg(keys)).await?;
        Ok(count > 0)
    }

    pub async fn exists(&self, key: &str) -> Result<bool, EphemeralError> {
        self.any_exists(&[key.to_owned()]).await
    }

    /// One round trip within `timeout`, for `/ready`.
    pub async fn ping_within(&self, timeout: Duration) -> Result<(), EphemeralError> {
        self.within(timeout, |mut connection| async move {
            redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
        })
        .await
        .map(|_| ())
    }

    /// One round trip and the server's version, for the admin health page.
    pub async fn ping(&self) -> Result<Option<String>, EphemeralError> {
        let info: String = self.run(redis::cmd("INFO").arg("server")).await?;
        Ok(info
            .lines()
            .find_map(|line| line.strip_prefix("redis_version:"))
            .map(|version| version.trim().to_owned()))
    }
}
