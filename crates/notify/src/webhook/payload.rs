//! The JSON body of a webhook: `{type, timestamp, data}` as Standard Webhooks
//! suggests, with the alert under `data`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::domain::{Alert, AlertKind, Digest};
use crate::text::diff_link as link_to_diff;

/// The scheduler and the gateway send absolute links; a relative one has no
/// base to resolve against here and gets no diff link.
fn diff_link(link: &str, diff: &str) -> Option<String> {
    let base = url::Url::parse(link).ok()?;
    link_to_diff(&base, link, diff)
}

#[derive(Serialize)]
struct Event<'a> {
    r#type: &'static str,
    timestamp: String,
    data: Data<'a>,
}

#[derive(Serialize)]
struct Data<'a> {
    kind: &'static str,
    monitor_id: &'a str,
    monitor_name: &'a str,
    url: &'a str,
    condition: &'a str,
    summary: &'a str,
    reason: &'a str,
    diff: &'a str,
    extracted_value: &'a str,
    check_id: &'a str,
    link: &'a str,
    /// The check's page at its diff; empty when the alert has no diff.
    diff_link: String,
    checked_at: Option<String>,
    /// One-click rating links (`POST` them to rate the alert); absent when it cannot be rated.
    #[serde(skip_serializing_if = "Option::is_none")]
    rate: Option<Rate<'a>>,
}

#[derive(Serialize)]
struct Rate<'a> {
    useful_url: &'a str,
    noise_url: &'a str,
}

/// An `alert.digest` event: `data` holds the period and every alert of it,
/// each shaped like the `data` of a single alert's event.
#[derive(Serialize)]
struct DigestEvent<'a> {
    r#type: &'static str,
    timestamp: String,
    data: DigestData<'a>,
}

#[derive(Serialize)]
struct DigestData<'a> {
    period: &'static str,
    period_start: String,
    period_end: String,
    /// Every alert of the period, those left out of `alerts` included.
    total_alerts: usize,
    alerts: Vec<Data<'a>>,
    link: &'a str,
}

/// The digest as posted; its `timestamp` is the end of its period, so
/// retries post the same bytes.
pub fn digest_body(digest: &Digest) -> Result<Vec<u8>, serde_json::Error> {
    let event = DigestEvent {
        r#type: DIGEST_EVENT_TYPE,
        timestamp: digest.end.to_rfc3339_opts(SecondsFormat::Millis, true),
        data: DigestData {
            period: digest.period.as_str(),
            period_start: digest.start.to_rfc3339_opts(SecondsFormat::Millis, true),
            period_end: digest.end.to_rfc3339_opts(SecondsFormat::Millis, true),
            total_alerts: digest.total(),
            alerts: digest.alerts.iter().map(data).collect(),
            link: &digest.link,
        },
    };
    serde_json::to_vec(&event)
}

/// The Standard Webhooks `type` of a digest.
pub const DIGEST_EVENT_TYPE: &str = "alert.digest";

/// The event as posted; `occurred_at` is the event's own time (the check's),
/// so retries of one delivery post identical bytes.
pub fn body(alert: &Alert, occurred_at: DateTime<Utc>) -> Result<Vec<u8>, serde_json::Error> {
    let event = Event {
        r#type: alert.kind.event_type(),
        timestamp: occurred_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        data: data(alert),
    };
    serde_json::to_vec(&event)
}

fn data(alert: &Alert) -> Data<'_> {
    Data {
        kind: match alert.kind {
            AlertKind::Triggered => "triggered",
            AlertKind::Failing => "failing",
            AlertKind::Recovered => "recovered",
            AlertKind::Test => "test",
            AlertKind::ChannelDisabled => "channel_disabled",
            AlertKind::ConfirmChannel => "confirm_channel",
        },
        monitor_id: &alert.monitor_id,
        monitor_name: &alert.monitor_name,
        url: &alert.url,
        condition: &alert.condition,
        summary: &alert.summary,
        reason: &alert.reason,
        diff: &alert.diff,
        extracted_value: &alert.extracted_value,
        check_id: &alert.check_id,
        link: &alert.link,
        diff_link: diff_link(&alert.link, &alert.diff).unwrap_or_default(),
        checked_at: alert
            .checked_at
            .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true)),
        rate: alert.rate_links.as_ref().map(|links| Rate {
            useful_url: &links.useful,
            noise_url: &links.noise,
        }),
    }
}
