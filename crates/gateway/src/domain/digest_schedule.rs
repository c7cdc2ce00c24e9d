//! A channel's delivery: each alert at once, or one digest an hour or a
//! day. A daily digest names a local time (`HH:MM`) and an IANA time zone,
//! both checked here so the scheduler never meets one it cannot place.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use store::channels::ChannelDelivery;
use utoipa::ToSchema;

use super::Problems;

#[derive(Deserialize, Serialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryBody {
    /// Every alert as it happens.
    Instant,
    /// One digest at the end of each hour (UTC), none when the hour had no alert.
    Hourly,
    /// One digest a day at `digest_at` in `time_zone`, none when the day had no alert.
    Daily,
}

/// The schedule the three fields describe, or `None` with the problems recorded.
pub fn schedule(
    problems: &mut Problems,
    delivery: DeliveryBody,
    digest_at: Option<&str>,
    time_zone: Option<&str>,
) -> Option<ChannelDelivery> {
    match delivery {
        DeliveryBody::Instant | DeliveryBody::Hourly => {
            let mut fine = true;
            for (field, given) in [("digest_at", digest_at), ("time_zone", time_zone)] {
                if given.is_some() {
                    problems.check::<()>(
                        field,
                        Err("is only used with delivery \"daily\"".to_owned()),
                    );
                    fine = false;
                }
            }
            fine.then_some(if delivery == DeliveryBody::Hourly {
                ChannelDelivery::Hourly
            } else {
                ChannelDelivery::Instant
            })
        }
        DeliveryBody::Daily => {
            let at = problems.check(
                "digest_at",
                digest_at
                    .ok_or_else(|| {
                        "is required with delivery \"daily\" (HH:MM, 24-hour)".to_owned()
                    })
                    .and_then(local_time),
            );
            let time_zone = problems.check(
                "time_zone",
                time_zone
                    .ok_or_else(|| {
                        "is required with delivery \"daily\" (an IANA name such as Europe/Berlin)"
                            .to_owned()
                    })
                    .and_then(iana_zone),
            );
            Some(ChannelDelivery::Daily {
                at: at?,
                time_zone: time_zone?,
            })
        }
    }
}

/// `HH:MM` on a 24-hour clock.
fn local_time(text: &str) -> Result<NaiveTime, String> {
    let text = text.trim();
    let well_formed = text.len() == 5 && text.as_bytes()[2] == b':';
    well_formed
        .then(|| NaiveTime::parse_from_str(text, "%H:%M").ok())
        .flatten()
        .ok_or_else(|| {
            format!("must be a time as HH:MM on a 24-hour clock, such as 08:30, not {text:?}")
        })
}

/// A zone of the IANA database, by its canonical spelling (`Europe/Berlin`).
fn iana_zone(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return Err("must be an IANA time zone such as Europe/Berlin".to_owned());
    }
    jiff::tz::TimeZone::get(text)
        .map(|_| text.to_owned())
        .map_err(|_| format!("{text:?} is not an IANA time zone; use a name such as Europe/Berlin or America/New_York"))
}

/// `(delivery, digest_at, time_zone)` as answered.
pub fn shown(delivery: &ChannelDelivery) -> (DeliveryBody, Option<String>, Option<String>) {
    match delivery {
        ChannelDelivery::Instant => (DeliveryBody::Instant, None, None),
        ChannelDelivery::Hourly => (DeliveryBody::Hourly, None, None),
        ChannelDelivery::Daily { at, time_zone } => (
            DeliveryBody::Daily,
            Some(at.format("%H:%M").to_string()),
            Some(time_zone.clone()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(delivery: DeliveryBody, at: Option<&str>, zone: Option<&str>) -> String {
        let mut problems = Problems::default();
        let schedule = schedule(&mut problems, delivery, at, zone);
        match problems.finish() {
            Ok(()) => format!("ok {schedule:?}"),
            Err(error) => format!("{error:?}"),
        }
    }

    #[test]
    fn a_daily_digest_needs_a_clock_time_and_a_known_zone() {
        assert!(
            errors(DeliveryBody::Daily, Some("08:30"), Some("Europe/Berlin"))
                .starts_with("ok Some(Daily")
        );
        assert!(errors(DeliveryBody::Daily, Some("8:30"), Some("Europe/Berlin")).contains("HH:MM"));
        assert!(
            errors(DeliveryBody::Daily, Some("24:00"), Some("Europe/Berlin")).contains("HH:MM")
        );
        assert!(
            errors(DeliveryBody::Daily, Some("08:30"), Some("Mars/Olympus"))
                .contains("not an IANA time zone")
        );
        let missing = errors(DeliveryBody::Daily, None, None);
        assert!(
            missing.contains("digest_at") && missing.contains("time_zone"),
            "{missing}"
        );
        assert!(
            errors(DeliveryBody::Hourly, Some("08:30"), None).contains("only used with delivery")
        );
        assert_eq!(errors(DeliveryBody::Hourly, None, None), "ok Some(Hourly)");
    }
}
