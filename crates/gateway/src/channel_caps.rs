//! Caps that keep Lookout from being used to message strangers: channels
//! per team (`CHANNELS_PER_TEAM_MAX`) and messages sent on a person's
//! request — channel tests and recipient confirmations — per team and hour
//! (`CHANNEL_TEST_SENDS_PER_HOUR`), counted in Redis so every replica
//! shares the count.

use std::time::Duration;

use chrono::Utc;
use uuid::Uuid;

use crate::ephemeral::Ephemeral;
use crate::error::ApiError;

/// The deployment's caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelCaps {
    pub channels_per_team: u32,
    pub test_sends_per_hour: u32,
}

impl Default for ChannelCaps {
    fn default() -> Self {
        Self {
            channels_per_team: 50,
            test_sends_per_hour: 20,
        }
    }
}

/// Counts the sends a team asked for in the current hour.
#[derive(Clone)]
pub struct SendCounter {
    redis: Ephemeral,
    per_hour: u32,
}

impl SendCounter {
    pub fn new(redis: Ephemeral, caps: ChannelCaps) -> Self {
        Self {
            redis,
            per_hour: caps.test_sends_per_hour,
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
