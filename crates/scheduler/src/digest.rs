//! Digests: when a channel's period ends, its held alerts become one digest
//! delivery (built by the store in one transaction, see `store::digests`),
//! which the delivery worker then sends like any other.

use chrono::{DateTime, TimeDelta, Utc};
use store::channels::ChannelDelivery;
use store::deliveries::ClaimedDelivery;

use crate::delivery::{DeliveryWorker, Loaded};
use crate::peers::{Digest, Outgoing};

/// Alerts listed in one digest; the rest are counted. An hour with more
/// alerts than this is read in Lookout, not in a mailbox.
const MAX_DIGEST_ALERTS: usize = 200;

/// The end of the last complete period at `now`: the latest boundary at or
/// before it. `None` for instant delivery, or a time zone this system does
/// not know (the gateway accepted it, so its tzdata changed since).
pub fn period_end(delivery: &ChannelDelivery, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match delivery {
        ChannelDelivery::Instant => None,
        ChannelDelivery::Hourly => {
            let seconds = now.timestamp();
            DateTime::from_timestamp(seconds - seconds.rem_euclid(3600), 0)
        }
        ChannelDelivery::Daily { at, time_zone } => {
            let zone = jiff::tz::TimeZone::get(time_zone).ok()?;
            let now_stamp = jiff::Timestamp::from_second(now.timestamp()).ok()?;
            let today = now_stamp.to_zoned_datetime(zone.clone()).date();
            let today_boundary = local_boundary(today, *at, &zone)?;
            if today_boundary <= now {
                Some(today_boundary)
            } else {
                local_boundary(today.yesterday().ok()?, *at, &zone)
            }
        }
    }
}

/// The start of the period that ends at `end`.
pub fn period_start(delivery: &ChannelDelivery, end: DateTime<Utc>) -> DateTime<Utc> {
    let day_before = || -> Option<DateTime<Utc>> {
        let ChannelDelivery::Daily { at, time_zone } = delivery else {
            return None;
        };
        let zone = jiff::tz::TimeZone::get(time_zone).ok()?;
        let end_stamp = jiff::Timestamp::from_second(end.timestamp()).ok()?;
        let day = end_stamp
            .to_zoned_datetime(zone.clone())
            .date()
            .yesterday()
            .ok()?;
        local_boundary(day, *at, &zone)
    };
    match delivery {
        ChannelDelivery::Daily { .. } => day_before().unwrap_or(end - TimeDelta::days(1)),
        _ => end - TimeDelta::hours(1),
    }
}

/// `at` on `day` in `zone`. A time that a daylight-saving change skips is
/// read as the same time before the change (jiff's "compatible" rule), so
/// every day has exactly one boundary.
fn local_boundary(
    day: jiff::civil::Date,
    at: chrono::NaiveTime,
    zone: &jiff::tz::TimeZone,
) -> Option<DateTime<Utc>> {
    use chrono::Timelike as _;
    let hour = i8::try_from(at.hour()).ok()?;
    let minute = i8::try_from(at.minute()).ok()?;
    let local = day.at(hour, minute, 0, 0);
    let instant = local.to_zoned_datetime(zone.clone()).ok()?.timestamp();
    DateTime::from_timestamp(instant.as_second(), 0)
}

impl DeliveryWorker {
    /// Turns the held alerts of every channel whose period has ended into
    /// one digest delivery each. Safe to run on every replica at once: the
    /// store writes one digest per channel and period.
    pub(crate) async fn build_due_digests(&self, now: DateTime<Utc>) {
        let held = match self.store.channels_with_held_deliveries().await {
            Ok(held) => held,
            Err(error) => {
                tracing::warn!(%error, "could not look for due digests");
                return;
            }
        };
        for channel in held {
            if channel.delivery == ChannelDelivery::Instant {
                // Switched back to instant alerts: what waited goes out now.
                if let Err(error) = self
                    .store
                    .release_held_deliveries(channel.team_id, channel.channel_id)
                    .await
                {
                    tracing::warn!(channel_id = %channel.channel_id, %error, "could not release held alerts");
                }
                continue;
            }
            let Some(end) = period_end(&channel.delivery, now) else {
                tracing::error!(
                    channel_id = %channel.channel_id,
                    "the channel's digest time zone is unknown to this system; is tzdata installed?"
                );
                continue;
            };
            if channel.oldest >= end {
                continue;
            }
            match self
                .store
                .build_digest(channel.team_id, channel.channel_id, end)
                .await
            {
                Ok(Some(digest_id)) => tracing::info!(
                    channel_id = %channel.channel_id,
                    team_id = %channel.team_id,
                    %digest_id,
                    period_end = %end,
                    "digest built"
                ),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(channel_id = %channel.channel_id, %error, "could not build a digest")
                }
            }
        }
    }

    pub(crate) async fn load_digest(
        &self,
        delivery: &ClaimedDelivery,
    ) -> Result<Loaded, store::StoreError> {
        let payload = self
            .store
            .digest_payload(delivery.team_id, delivery.id)
            .await?;
        // Every member's monitor was deleted since: nothing is left to tell.
        if payload.items.is_empty() {
            return Err(store::StoreError::NotFound);
        }
        let total = payload.items.len();
        let alerts = payload
            .items
            .iter()
            .take(MAX_DIGEST_ALERTS)
            .map(|item| self.alert(&item.kind, &item.check, &item.monitor))
            .collect();
        let end = payload.period_end;
        Ok(Loaded {
            issued_at: end,
            outgoing: Outgoing::Digest(Digest {
                period: payload.delivery.as_str(),
                start: period_start(&payload.delivery, end),
                end,
                alerts,
                omitted: u32::try_from(total.saturating_sub(MAX_DIGEST_ALERTS)).unwrap_or(u32::MAX),
                link: format!("{}/monitors", self.public_base_url),
            }),
            channel: payload.channel,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn daily(time: &str, zone: &str) -> ChannelDelivery {
        ChannelDelivery::Daily {
            at: chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap(),
            time_zone: zone.to_owned(),
        }
    }

    #[test]
    fn an_hourly_period_ends_on_the_hour() {
        let end = period_end(&ChannelDelivery::Hourly, at("2026-03-01T10:59:59Z")).unwrap();
        assert_eq!(end, at("2026-03-01T10:00:00Z"));
        assert_eq!(
            period_start(&ChannelDelivery::Hourly, end),
            at("2026-03-01T09:00:00Z")
        );
        assert_eq!(
            period_end(&ChannelDelivery::Hourly, at("2026-03-01T11:00:00Z")).unwrap(),
            at("2026-03-01T11:00:00Z")
        );
        assert_eq!(
            period_end(&ChannelDelivery::Instant, at("2026-03-01T11:00:00Z")),
            None
        );
    }

    #[test]
    fn a_daily_period_ends_at_the_local_time_of_its_zone() {
        let berlin = daily("08:30", "Europe/Berlin");
        // 07:00 UTC is 08:00 in Berlin in winter: today's 08:30 is still ahead.
        assert_eq!(
            period_end(&berlin, at("2026-01-15T07:00:00Z")).unwrap(),
            at("2026-01-14T07:30:00Z")
        );
        assert_eq!(
            period_end(&berlin, at("2026-01-15T07:30:00Z")).unwrap(),
            at("2026-01-15T07:30:00Z")
        );
        // In summer Berlin is two hours ahead.
        assert_eq!(
            period_end(&berlin, at("2026-07-15T12:00:00Z")).unwrap(),
            at("2026-07-15T06:30:00Z")
        );
    }

    #[test]
    fn the_day_of_a_daylight_saving_change_is_23_hours_long() {
        let new_york = daily("09:00", "America/New_York");
        // Clocks went forward on 2026-03-08.
        let end = period_end(&new_york, at("2026-03-08T14:00:00Z")).unwrap();
        assert_eq!(end, at("2026-03-08T13:00:00Z"));
        assert_eq!(period_start(&new_york, end), at("2026-03-07T14:00:00Z"));
        // A skipped local time still yields one boundary that day.
        let skipped = daily("02:30", "America/New_York");
        assert!(period_end(&skipped, at("2026-03-08T12:00:00Z")).is_some());
        assert_eq!(
            period_end(&daily("09:00", "Mars/Olympus"), at("2026-03-08T12:00:00Z")),
            None
        );
    }
}
