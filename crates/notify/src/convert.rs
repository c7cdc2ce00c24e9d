//! The gRPC edge: generated request types in, validated domain types out.
//! Field names in errors are the proto paths the caller set.

use api_proto::notify::v1 as pb;
use chrono::{DateTime, Utc};

use crate::domain::{
    Alert, AlertKind, Channel, Delivery, EmailAddress, IdempotencyKey, Outcome, WebhookDestination,
    WebhookSecret,
};
use crate::error::InvalidField;

pub fn delivery(request: pb::SendRequest) -> Result<Delivery, InvalidField> {
    let key = IdempotencyKey::parse(&request.idempotency_key)?;
    let channel = match request.channel.and_then(|channel| channel.target) {
        Some(pb::channel::Target::Email(email)) => Channel::Email(EmailAddress::parse(
            &email.address,
            "channel.email.address",
        )?),
        Some(pb::channel::Target::Webhook(webhook)) => Channel::Webhook(WebhookDestination {
            url: netguard::parse_url(&webhook.url)
                .map_err(|error| InvalidField::new("channel.webhook.url", error.to_string()))?,
            secret: WebhookSecret::parse(&webhook.secret, "channel.webhook.secret")?,
        }),
        None => {
            return Err(InvalidField::new(
                "channel",
                "must be an email or a webhook",
            ));
        }
    };
    let alert = request
        .alert
        .ok_or_else(|| InvalidField::new("alert", "is required"))?;
    Ok(Delivery {
        key,
        channel,
        alert: alert_from(alert)?,
    })
}

fn alert_from(alert: pb::Alert) -> Result<Alert, InvalidField> {
    let kind = match pb::AlertKind::try_from(alert.kind) {
        Ok(pb::AlertKind::Triggered) => AlertKind::Triggered,
        Ok(pb::AlertKind::Failing) => AlertKind::Failing,
        Ok(pb::AlertKind::Recovered) => AlertKind::Recovered,
        Ok(pb::AlertKind::Test) => AlertKind::Test,
        Ok(pb::AlertKind::Unspecified) | Err(_) => {
            return Err(InvalidField::new(
                "alert.kind",
                "must be triggered, failing, recovered or test",
            ));
        }
    };
    let checked_at = match alert.checked_at_unix_ms {
        0 => None,
        ms => Some(
            DateTime::<Utc>::from_timestamp_millis(ms)
                .ok_or_else(|| InvalidField::new("alert.checked_at_unix_ms", "is out of range"))?,
        ),
    };
    Ok(Alert {
        kind,
        monitor_id: alert.monitor_id,
        monitor_name: alert.monitor_name,
        url: alert.url,
        condition: alert.condition,
        summary: alert.summary,
        reason: alert.reason,
        diff: alert.diff,
        check_id: alert.check_id,
        link: alert.link,
        checked_at,
        extracted_value: alert.extracted_value,
    })
}

pub fn response(outcome: Outcome) -> pb::SendResponse {
    match outcome {
        Outcome::Sent {
            message_id,
            http_status,
        } => pb::SendResponse {
            status: pb::DeliveryStatus::Sent.into(),
            message_id,
            http_status: http_status.map(u32::from).unwrap_or(0),
        },
        Outcome::Duplicate { message_id } => pb::SendResponse {
            status: pb::DeliveryStatus::Duplicate.into(),
            message_id,
            http_status: 0,
        },
    }
}
