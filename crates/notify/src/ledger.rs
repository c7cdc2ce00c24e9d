//! The idempotency ledger in Redis: one key per delivery, `sending` while an
//! attempt holds it and `sent` once the provider accepted the message.
//!
//! Architecture Invariant: nothing is handed to a provider without first
//! winning `SET ... NX` on the key, so two concurrent attempts never both send.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::domain::IdempotencyKey;
use crate::error::ServiceError;

const SENDING: &str = "sending";
const SENT: &str = "sent";
/// Longer than any single attempt (SMTP and webhook timeouts are 10–30 s), so a
/// claim outlives its attempt; short enough that a crashed attempt frees the
/// key within minutes and the outbox retry can deliver.
const CLAIM_TTL: Duration = Duration::from_secs(300);
/// Outbox retries stop long before this, so duplicates are suppressed for
/// every retry that can still happen.
const SENT_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// The answer to "may I send under this key now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The caller holds the key and must either `mark_sent` or `release` it.
    Acquired,
    /// Delivered before; nothing may be sent.
    AlreadySent,
    /// Another attempt holds the key right now.
    InFlight,
}

#[derive(Clone)]
pub struct Ledger {
    redis: ConnectionManager,
    prefix: String,
}

impl Ledger {
    /// Connects eagerly so a wrong `REDIS_URL` fails at startup, not on the first alert.
    pub async fn connect(client: redis::Client) -> Result<Self, redis::RedisError> {
        let config = ConnectionManagerConfig::new()
            // A stuck Redis must turn into UNAVAILABLE quickly; the caller retries.
            .set_connection_timeout(Duration::from_secs(3))
            .set_response_timeout(Duration::from_secs(3))
            .set_number_of_retries(2);
        let redis = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self {
            redis,
            prefix: "notify:idem:".to_owned(),
        })
    }

    fn redis_key(&self, key: &IdempotencyKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }

    pub async fn claim(&self, key: &IdempotencyKey) -> Result<Claim, ServiceError> {
        let redis_key = self.redis_key(key);
        let mut redis = self.redis.clone();
        // Two rounds: the marker can expire between a failed SET NX and the GET.
        for _ in 0..2 {
            let acquired: Option<String> = redis::cmd("SET")
                .arg(&redis_key)
                .arg(SENDING)
                .arg("NX")
                .arg("EX")
                .arg(CLAIM_TTL.as_secs())
                .query_async(&mut redis)
                .await
                .map_err(ledger_unavailable)?;
            if acquired.is_some() {
                return Ok(Claim::Acquired);
            }
            let current: Option<String> = redis::cmd("GET")
                .arg(&redis_key)
                .query_async(&mut redis)
                .await
                .map_err(ledger_unavailable)?;
            match current.as_deref() {
                Some(SENT) => return Ok(Claim::AlreadySent),
                Some(_) => return Ok(Claim::InFlight),
                None => continue,
            }
        }
        Ok(Claim::InFlight)
    }

    /// Records a delivery the provider accepted.
    pub async fn mark_sent(&self, key: &IdempotencyKey) -> Result<(), ServiceError> {
        let mut redis = self.redis.clone();
        redis::cmd("SET")
            .arg(self.redis_key(key))
            .arg(SENT)
            .arg("EX")
            .arg(SENT_TTL.as_secs())
            .query_async::<()>(&mut redis)
            .await
            .map_err(ledger_unavailable)
    }

    /// Frees the key after a failed attempt so a retry can send. Only our own
    /// `sending` marker is removed: if the claim expired and another attempt
    /// has since delivered, its `sent` marker must survive.
    pub async fn release(&self, key: &IdempotencyKey) -> Result<(), ServiceError> {
        let script = redis::Script::new(
            r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        );
        let mut redis = self.redis.clone();
        script
            .key(self.redis_key(key))
            .arg(SENDING)
            .invoke_async::<i64>(&mut redis)
            .await
            .map(|_| ())
            .map_err(ledger_unavailable)
    }
}

fn ledger_unavailable(error: redis::RedisError) -> ServiceError {
    // Redis errors do not echo the connection URL, so they are safe to log.
    tracing::warn!(error = %error, "idempotency ledger unavailable");
    ServiceError::LedgerUnavailable
}
