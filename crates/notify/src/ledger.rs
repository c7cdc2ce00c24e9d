//! The idempotency ledger in Redis: one key per delivery, `sending:<attempt>`
//! while an attempt holds it and `sent` once the provider accepted the message.
//!
//! Architecture Invariant: nothing is handed to a provider without first
//! winning `SET ... NX` on the key, so two concurrent attempts never both send.
//!
//! A claim is a short lease that the attempt renews while it runs
//! ([`Ledger::renew`]): a notify killed mid-send frees the key within one
//! lease, so the outbox's retry goes out seconds later instead of minutes.
//! Each attempt's marker is its own, so a late attempt can neither renew nor
//! free a key another attempt has taken since.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::domain::IdempotencyKey;
use crate::error::ServiceError;

const SENDING: &str = "sending:";
const SENT: &str = "sent";
/// Outbox retries stop long before this, so duplicates are suppressed for
/// every retry that can still happen.
const SENT_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// The answer to "may I send under this key now?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The caller holds the key under this marker, renews it while sending
    /// and then either `mark_sent`s or `release`s it.
    Acquired(Marker),
    /// Delivered before; nothing may be sent.
    AlreadySent,
    /// Another attempt holds the key right now.
    InFlight,
}

/// One attempt's hold on a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker(String);

#[derive(Clone)]
pub struct Ledger {
    redis: ConnectionManager,
    prefix: String,
    /// How long a claim lives unless renewed (`NOTIFY_CLAIM_TTL_MS`).
    claim_ttl: Duration,
}

impl Ledger {
    /// Connects eagerly so a wrong `REDIS_URL` fails at startup, not on the first alert.
    pub async fn connect(
        client: redis::Client,
        claim_ttl: Duration,
    ) -> Result<Self, redis::RedisError> {
        let config = ConnectionManagerConfig::new()
            // A stuck Redis must turn into UNAVAILABLE quickly; the caller retries.
            .set_connection_timeout(Duration::from_secs(3))
            .set_response_timeout(Duration::from_secs(3))
            .set_number_of_retries(2);
        let redis = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self {
            redis,
            prefix: "notify:idem:".to_owned(),
            claim_ttl,
        })
    }

    /// How often a running attempt renews its claim: three times a lease,
    /// so one slow Redis answer does not let it lapse.
    pub fn renew_every(&self) -> Duration {
        self.claim_ttl / 3
    }

    fn redis_key(&self, key: &IdempotencyKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }

    pub async fn claim(&self, key: &IdempotencyKey) -> Result<Claim, ServiceError> {
        let redis_key = self.redis_key(key);
        let mut redis = self.redis.clone();
        // Two rounds: the marker can expire between a failed SET NX and the GET.
        let marker = Marker(format!("{SENDING}{}", uuid::Uuid::new_v4().simple()));
        for _ in 0..2 {
            let acquired: Option<String> = redis::cmd("SET")
                .arg(&redis_key)
                .arg(&marker.0)
                .arg("NX")
                .arg("PX")
                .arg(ttl_millis(self.claim_ttl))
                .query_async(&mut redis)
                .await
                .map_err(ledger_unavailable)?;
            if acquired.is_some() {
                return Ok(Claim::Acquired(marker));
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

    /// Extends our claim by one lease while the attempt is still running.
    /// Only our own marker is extended.
    pub async fn renew(&self, key: &IdempotencyKey, marker: &Marker) -> Result<(), ServiceError> {
        let script = redis::Script::new(
            r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
        );
        let mut redis = self.redis.clone();
        script
            .key(self.redis_key(key))
            .arg(&marker.0)
            .arg(ttl_millis(self.claim_ttl))
            .invoke_async::<i64>(&mut redis)
            .await
            .map(|_| ())
            .map_err(ledger_unavailable)
    }

    /// Frees the key after a failed attempt so a retry can send. Only our own
    /// marker is removed: if the claim expired and another attempt has since
    /// claimed the key or delivered, its marker must survive.
    pub async fn release(&self, key: &IdempotencyKey, marker: &Marker) -> Result<(), ServiceError> {
        let script = redis::Script::new(
            r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        );
        let mut redis = self.redis.clone();
        script
            .key(self.redis_key(key))
            .arg(&marker.0)
            .invoke_async::<i64>(&mut redis)
            .await
            .map(|_| ())
            .map_err(ledger_unavailable)
    }
}

fn ttl_millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn ledger_unavailable(error: redis::RedisError) -> ServiceError {
    // Redis errors do not echo the connection URL, so they are safe to log.
    tracing::warn!(error = %error, "idempotency ledger unavailable");
    ServiceError::LedgerUnavailable
}
