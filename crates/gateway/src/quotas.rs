//! Per-team quotas as the gateway applies them: the deployment's defaults
//! (one typed [`QuotaSettings`], read once), the 403 that names a quota,
//! and the hourly cap on messages sent on a person's request — channel
//! tests and recipient confirmations (`CHANNEL_TEST_SENDS_PER_HOUR`),
//! counted in Redis so every replica shares the count.
//!
//! Monitors, channels, API keys and renders are counted by the store in
//! the transaction of each creation ([`store::quotas`]), where an
//! administrator's override for a team applies.

use std::time::Duration;

use chrono::Utc;
use mesh::config::{ConfigError, env_parse};
use store::quotas::{Quota, QuotaLimits};
use uuid::Uuid;

use crate::ephemeral::Ephemeral;
use crate::error::ApiError;

const TEST_SENDS_PER_HOUR: &str = "CHANNEL_TEST_SENDS_PER_HOUR";

/// The deployment's quotas, from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaSettings {
    /// Defaults of the quotas an administrator may change per team.
    pub limits: QuotaLimits,
    /// Channel tests and confirmations a team may ask for per hour.
    pub test_sends_per_hour: u32,
}

impl Default for QuotaSettings {
    fn default() -> Self {
        Self {
            limits: QuotaLimits::default(),
            test_sends_per_hour: 20,
        }
    }
}

impl QuotaSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        let defaults = Self::default();
        Ok(Self {
            limits: QuotaLimits::from_settings(env_parse, |name| {
                ConfigError::invalid(name, "must be at least 1")
            })?,
            test_sends_per_hour: env_parse(TEST_SENDS_PER_HOUR, defaults.test_sends_per_hour)?,
        })
    }
}

/// The refusal of one more of `quota`: 403 `limit_reached` naming the
/// quota and its limit.
pub fn reached(quota: Quota, limit: i64) -> ApiError {
    let advice = match quota {
        Quota::RendersPerHour => "the count starts again at the top of the hour",
        Quota::ApiKeys => "revoke a key you no longer use first",
        Quota::Monitors | Quota::Channels => "delete one first",
    };
    ApiError::LimitReached {
        quota: quota.name(),
        limit,
        message: format!(
            "quota {} reached: the limit is {limit} {}; {advice}, or ask an administrator to raise it",
            quota.name(),
            quota.words()
        ),
    }
}

/// Counts the sends a team asked for in the current hour.
#[derive(Clone)]
pub struct SendCounter {
    redis: Ephemeral,
    per_hour: u32,
}

impl SendCounter {
    pub fn new(redis: Ephemeral, settings: QuotaSettings) -> Self {
        Self {
            redis,
            per_hour: settings.test_sends_per_hour,
        }
    }

    /// Spends one send of `team_id`'s hour, or answers 429 naming the cap
    /// and when the hour ends.
    pub async fn spend(&self, team_id: Uuid) -> Result<(), ApiError> {
        let now = Utc::now().timestamp();
        let hour = now / 3600;
        let key = format!("lookout:test-sends:{team_id}:{hour}");
        let count: u64 = self
            .redis
            .within(Duration::from_millis(1500), |mut connection| async move {
                let (count,): (u64,) = redis::pipe()
                    .atomic()
                    .cmd("INCR")
                    .arg(&key)
                    .cmd("EXPIRE")
                    .arg(&key)
                    .arg(3700)
                    .ignore()
                    .query_async(&mut connection)
                    .await?;
                Ok(count)
            })
            .await?;
        if count > u64::from(self.per_hour) {
            let retry_after_seconds = u64::try_from(3600 - now.rem_euclid(3600)).unwrap_or(3600);
            return Err(ApiError::CapReached {
                message: format!(
                    "this team has sent its {} test and confirmation messages of this hour; try again in {} min",
                    self.per_hour,
                    retry_after_seconds.div_ceil(60)
                ),
                retry_after_seconds,
            });
        }
        Ok(())
    }
}
