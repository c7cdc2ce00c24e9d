//! The gRPC edge: generated request types in, validated domain types out.
//! Field names in errors are the proto paths the caller set.

use api_proto::notify::v1 as pb;
use chrono::{DateTime, Utc};

use crate::domain::{
    Alert, AlertKind, Channel, Content, Delivery, Digest, DigestPeriod, EmailAddress,
    IdempotencyKey, NtfyDestination, Outcome, RateLinks, SecretUrl, TelegramDestination,
    TelegramToken, WebhookDestination, WebhookSecret, telegram_chat_id,
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
        Some(pb::channel::Target::Slack(slack)) => {
            Channel::Slack(secret_url(&slack.webhook_url, "channel.slack.webhook_url")?)
        }
        Some(pb::channel::Target::Discord(discord)) => Channel::Discord(secret_url(
            &discord.webhook_url,
            "channel.discord.webhook_url",
        )?),
        Some(pb::channel::Target::Teams(teams)) => {
            Channel::Teams(secret_url(&teams.webhook_url, "channel.teams.webhook_url")?)
        }
        Some(pb::channel::Target::Telegram(telegram)) => Channel::Telegram(TelegramDestination {
            bot_token: TelegramToken::parse(&telegram.bot_token, "channel.telegram.bot_token")?,
            chat_id: telegram_chat_id(&telegram.chat_id, "channel.telegram.chat_id")?,
        }),
        Some(pb::channel::Target::Ntfy(ntfy)) => Channel::Ntfy(ntfy_destination(ntfy)?),
        None => {
            return Err(InvalidField::new(
                "channel",
                "must be an email, webhook, slack, discord, telegram, teams or ntfy target",
            ));
        }
    };
    let content = match (request.digest, request.alert) {
        (Some(digest), _) => Content::Digest(digest_from(digest)?),
        (None, Some(alert)) => Content::Alert(Box::new(alert_from(alert)?)),
        (None, None) => return Err(InvalidField::new("alert", "is required")),
    };
    let unsubscribe_url = match request.unsubscribe_url.as_str() {
        "" => None,
        raw => Some(
            url::Url::parse(raw)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    InvalidField::new("unsubscribe_url", "must be an absolute http(s) URL")
                })?,
        ),
    };
    Ok(Delivery {
        key,
        channel,
        content,
        unsubscribe_url,
    })
}

/// A digest's alerts are checked one by one, as if each came alone.
fn digest_from(digest: pb::Digest) -> Result<Digest, InvalidField> {
    let period = match digest.period.as_str() {
        "hourly" => DigestPeriod::Hourly,
        "daily" => DigestPeriod::Daily,
        _ => {
            return Err(InvalidField::new(
                "digest.period",
                "must be hourly or daily",
            ));
        }
    };
    let time = |ms: i64, field: &'static str| {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .filter(|_| ms > 0)
            .ok_or_else(|| InvalidField::new(field, "is out of range"))
    };
    let start = time(digest.period_start_unix_ms, "digest.period_start_unix_ms")?;
    let end = time(digest.period_end_unix_ms, "digest.period_end_unix_ms")?;
    if digest.alerts.is_empty() {
        return Err(InvalidField::new("digest.alerts", "must not be empty"));
    }
    if digest.alerts.len() > MAX_DIGEST_ALERTS {
        return Err(InvalidField::new(
            "digest.alerts",
            "must hold at most 1000 alerts",
        ));
    }
    Ok(Digest {
        period,
        start,
        end,
        alerts: digest
            .alerts
            .into_iter()
            .map(alert_from)
            .collect::<Result<_, _>>()?,
        link: digest.link,
        omitted: digest.omitted_alerts,
    })
}

/// A digest longer than this is a bug upstream, not an hour of alerts.
const MAX_DIGEST_ALERTS: usize = 1_000;

fn secret_url(raw: &str, field: &'static str) -> Result<SecretUrl, InvalidField> {
    netguard::parse_url(raw)
        .map(SecretUrl::new)
        // The parser's message never repeats the URL, which is the secret here.
        .map_err(|error| InvalidField::new(field, error.to_string()))
}

fn ntfy_destination(ntfy: pb::NtfyTarget) -> Result<NtfyDestination, InvalidField> {
    let topic_url = netguard::parse_url(&ntfy.topic_url)
        .map_err(|error| InvalidField::new("channel.ntfy.topic_url", error.to_string()))?;
    let has_topic = topic_url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .is_some_and(|topic| !topic.is_empty());
    if !has_topic {
        return Err(InvalidField::new(
            "channel.ntfy.topic_url",
            "must end in the topic, as in https://ntfy.sh/mytopic",
        ));
    }
    let priority = match ntfy.priority {
        0 => None,
        level @ 1..=5 => u8::try_from(level).ok(),
        _ => {
            return Err(InvalidField::new(
                "channel.ntfy.priority",
                "must be between 1 and 5",
            ));
        }
    };
    if ntfy.tags.len() > 10
        || ntfy
            .tags
            .iter()
            .any(|tag| tag.len() > 64 || tag.contains(','))
    {
        return Err(InvalidField::new(
            "channel.ntfy.tags",
            "at most 10 tags of at most 64 characters, without commas",
        ));
    }
    let access_token =
        (!ntfy.access_token.is_empty()).then(|| secrecy::SecretString::from(ntfy.access_token));
    Ok(NtfyDestination {
        topic_url,
        access_token,
        priority,
        tags: ntfy.tags,
    })
}

fn alert_from(alert: pb::Alert) -> Result<Alert, InvalidField> {
    let kind = match pb::AlertKind::try_from(alert.kind) {
        Ok(pb::AlertKind::Triggered) => AlertKind::Triggered,
        Ok(pb::AlertKind::Failing) => AlertKind::Failing,
        Ok(pb::AlertKind::Recovered) => AlertKind::Recovered,
        Ok(pb::AlertKind::Test) => AlertKind::Test,
        Ok(pb::AlertKind::ChannelDisabled) => AlertKind::ChannelDisabled,
        Ok(pb::AlertKind::ConfirmChannel) => AlertKind::ConfirmChannel,
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
    let rate_links = match (
        alert.rate_useful_url.as_str(),
        alert.rate_noise_url.as_str(),
    ) {
        ("", "") => None,
        (useful, noise) => Some(RateLinks {
            useful: http_url("alert.rate_useful_url", useful)?,
            noise: http_url("alert.rate_noise_url", noise)?,
        }),
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
        rate_links,
    })
}

/// A rating link is clicked from an email or a chat: only an absolute http(s) URL may become one.
fn http_url(field: &'static str, value: &str) -> Result<String, InvalidField> {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url.to_string()),
        _ => Err(InvalidField::new(field, "must be an absolute http(s) URL")),
    }
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
