//! The verdict cache: the same change under the same condition is judged by the model once,
//! across monitors and replicas.
//!
//! The key is a SHA-256 of (judge and model, normalised condition, whether this is a first check,
//! SHA-256 of the previous text, SHA-256 of the current text), so the texts never reach Redis.
//! A verdict is stored as JSON with a TTL. While one replica asks the model, the others wait for
//! its answer instead of asking too: the first to miss takes a short lock (`SET NX PX`), the rest
//! poll the cache until the verdict appears or the lock expires.
//!
//! Redis trouble never fails a check: a cache that cannot be read is a miss, logged once per call.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{ConditionKind, Evaluation, Judge, TokenUsage, Verdict, Verification};
use crate::error::JudgeError;
use crate::evidence::normalise;

/// How the cache is reached and how long verdicts live.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    pub redis_url: secrecy::SecretString,
    /// REDIS_CA_FILE: the CA a `rediss://` server's certificate chains to.
    pub redis_ca_file: Option<std::path::PathBuf>,
    pub ttl: Duration,
    /// Prepended to every key; tests sharing one Redis use their own.
    pub key_prefix: String,
    /// How long a replica waits for another replica's model call before asking itself; a
    /// little longer than one model call with its retries.
    pub wait_for_peer: Duration,
}

/// A judge that answers from the cache when it can and fills it when it cannot.
pub struct CachedJudge {
    inner: Arc<dyn Judge>,
    redis: ConnectionManager,
    settings: CacheSettings,
}

/// How often a waiting replica looks for the verdict another one is getting.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// A digest of the rated examples; empty input gives a fixed value.
fn examples_digest(evaluation: &Evaluation) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for example in &evaluation.rated_examples {
        for part in [
            example.rating.as_str(),
            &example.summary,
            &example.diff,
            &example.extracted_value,
        ] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
    }
    hasher.finalize().into()
}

impl CachedJudge {
    /// Connects eagerly so that a wrong `REDIS_URL` fails at startup.
    pub async fn connect(
        inner: Arc<dyn Judge>,
        settings: CacheSettings,
    ) -> Result<Self, redis::RedisError> {
        let client = mesh::redis::client(&settings.redis_url, settings.redis_ca_file.as_deref())?;
        let config = ConnectionManagerConfig::new()
            // A slow cache must cost less than the model call it saves.
            .set_connection_timeout(Duration::from_secs(2))
            .set_response_timeout(Duration::from_millis(500))
            .set_number_of_retries(1);
        let redis = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self {
            inner,
            redis,
            settings,
        })
    }

    fn key(&self, evaluation: &Evaluation) -> String {
        let mut hasher = Sha256::new();
        for part in [
            self.inner.name().as_bytes(),
            normalise(&evaluation.condition).as_bytes(),
            if evaluation.first_check {
                b"first"
            } else {
                b"later"
            },
            &Sha256::digest(evaluation.previous_text.as_bytes()),
            &Sha256::digest(evaluation.current_text.as_bytes()),
            // A new rating changes what the model is shown, so it must not hit an old verdict.
            &examples_digest(evaluation),
        ] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        format!(
            "{}{}",
            self.settings.key_prefix,
            hex::encode(hasher.finalize())
        )
    }

    async fn read(&self, key: &str) -> Option<Verdict> {
        let mut redis = self.redis.clone();
        match redis.get::<_, Option<String>>(key).await {
            Ok(Some(json)) => serde_json::from_str::<Stored>(&json)
                .ok()
                .map(Stored::into_verdict),
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(%error, "the verdict cache could not be read; judging without it");
                None
            }
        }
    }

    async fn write(&self, key: &str, verdict: &Verdict) {
        let Ok(json) = serde_json::to_string(&Stored::from(verdict)) else {
            return;
        };
        let mut redis = self.redis.clone();
        let ttl = self.settings.ttl.as_secs().max(1);
        if let Err(error) = redis.set_ex::<_, _, ()>(key, json, ttl).await {
            tracing::warn!(%error, "the verdict cache could not be written");
        }
    }

    /// Takes the right to ask the model for `key`; false when another replica holds it.
    async fn lock(&self, key: &str) -> bool {
        let mut redis = self.redis.clone();
        let millis = u64::try_from(self.settings.wait_for_peer.as_millis()).unwrap_or(u64::MAX);
        let taken: Result<Option<String>, _> = redis::cmd("SET")
            .arg(format!("{key}:lock"))
            .arg("1")
            .arg("NX")
            .arg("PX")
            .arg(millis.max(1))
            .query_async(&mut redis)
            .await;
        match taken {
            Ok(taken) => taken.is_some(),
            // Without Redis nobody can coordinate: ask the model.
            Err(_) => true,
        }
    }

    async fn unlock(&self, key: &str) {
        let mut redis = self.redis.clone();
        let _: Result<(), _> = redis.del(format!("{key}:lock")).await;
    }
}

#[tonic::async_trait]
impl Judge for CachedJudge {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn evaluate(&self, evaluation: &Evaluation) -> Result<Verdict, JudgeError> {
        let key = self.key(evaluation);
        if let Some(verdict) = self.read(&key).await {
            return Ok(verdict);
        }
        if !self.lock(&key).await {
            let deadline = tokio::time::Instant::now() + self.settings.wait_for_peer;
            while tokio::time::Instant::now() < deadline {
                tokio::time::sleep(POLL_INTERVAL).await;
                if let Some(verdict) = self.read(&key).await {
                    return Ok(verdict);
                }
            }
        }
        let result = self.inner.evaluate(evaluation).await;
        if let Ok(verdict) = &result {
            self.write(&key, verdict).await;
        }
        self.unlock(&key).await;
        result
    }
}

/// A verdict as stored in Redis. A hit costs no tokens, so none are stored.
#[derive(Serialize, Deserialize)]
struct Stored {
    triggered: bool,
    state: bool,
    holds: bool,
    evidence_excerpt: Option<String>,
    /// Why the evidence did not hold, for an unverified verdict.
    unverified: Option<String>,
    verified: bool,
    summary: String,
    reason: String,
    extracted_value: Option<String>,
    confidence: f32,
    judge: String,
}

impl From<&Verdict> for Stored {
    fn from(verdict: &Verdict) -> Self {
        Self {
            triggered: verdict.triggered,
            state: verdict.kind == ConditionKind::State,
            holds: verdict.holds,
            evidence_excerpt: verdict.evidence_excerpt.clone(),
            unverified: match &verdict.verification {
                Verification::Unverified(why) => Some(why.clone()),
                _ => None,
            },
            verified: verdict.verification == Verification::Verified,
            summary: verdict.summary.clone(),
            reason: verdict.reason.clone(),
            extracted_value: verdict.extracted_value.clone(),
            confidence: verdict.confidence,
            judge: verdict.judge.clone(),
        }
    }
}

impl Stored {
    fn into_verdict(self) -> Verdict {
        Verdict {
            triggered: self.triggered,
            kind: if self.state {
                ConditionKind::State
            } else {
                ConditionKind::Event
            },
            holds: self.holds,
            evidence_excerpt: self.evidence_excerpt,
            verification: match (self.unverified, self.verified) {
                (Some(why), _) => Verification::Unverified(why),
                (None, true) => Verification::Verified,
                (None, false) => Verification::NotNeeded,
            },
            cached: true,
            summary: self.summary,
            reason: self.reason,
            extracted_value: self.extracted_value,
            confidence: self.confidence,
            judge: self.judge,
            tokens: TokenUsage::default(),
        }
    }
}
