//! Discord webhooks: `POST /api/webhooks/{id}/{token}` with one embed.
//! Discord answers `204`; errors are JSON `{"message", "code"}` (`10015
//! Unknown Webhook`, `50027 Invalid Webhook Token`) and rate limits are `429`
//! with `{"retry_after": seconds}` and a `Retry-After` header.

use serde_json::{Value, json};

use super::message::Message;
use crate::domain::SecretUrl;
use crate::error::DeliveryError;
use crate::outbound::{Outbound, seconds_to_duration};
use crate::text::fit;

const SERVICE: &str = "Discord";
/// Embed limits: title 256, description 4,096, field value 1,024, and 6,000
/// characters across the embed; these caps add up to under 6,000.
const MAX_TITLE: usize = 256;
const MAX_DESCRIPTION: usize = 2_500;
const MAX_FIELD_VALUE: usize = 1_024;

pub async fn send(
    outbound: &Outbound,
    url: &SecretUrl,
    message: &Message,
) -> Result<u16, DeliveryError> {
    let request = outbound.post(url.expose().clone()).json(&payload(message));
    match outbound.send(SERVICE, url.expose(), request).await? {
        Ok(response) => Ok(response.status().as_u16()),
        Err(refusal) => {
            let body = refusal.json();
            let reason = body
                .as_ref()
                .and_then(|body| body["message"].as_str())
                .map(str::to_owned);
            let retry_after = body
                .as_ref()
                .and_then(|body| body["retry_after"].as_f64())
                .and_then(seconds_to_duration);
            Err(refusal.classify(SERVICE, reason, retry_after))
        }
    }
}

pub fn payload(message: &Message) -> Value {
    let mut fields = Vec::new();
    if !message.diff.is_empty() {
        let fence = "```diff\n\n```".chars().count();
        let diff = fit(&message.diff.replace("```", "'''"), MAX_FIELD_VALUE - fence);
        fields.push(json!({"name": "Change", "value": format!("```diff\n{diff}\n```")}));
    }
    if let Some(diff_link) = &message.diff_link {
        // Masked links render in embed fields; a URL too long for a field is left out
        // rather than cut into a broken link.
        let value = format!("[See what changed]({diff_link})");
        if value.chars().count() <= MAX_FIELD_VALUE {
            fields.push(json!({"name": "Diff", "value": value}));
        }
    }
    if !message.page.is_empty() {
        fields.push(json!({"name": "Page", "value": fit(&message.page, MAX_FIELD_VALUE)}));
    }
    let mut embed = json!({
        "title": fit(&message.title, MAX_TITLE),
        "color": message.color(),
        "fields": fields,
    });
    let body = message.body();
    if !body.is_empty() {
        embed["description"] = json!(fit(&body, MAX_DESCRIPTION));
    }
    if let Some(link) = &message.link {
        embed["url"] = json!(link);
    }
    if let Some(at) = message.checked_at_rfc3339() {
        embed["timestamp"] = json!(at);
    }
    json!({
        "username": "Lookout",
        // Page text must never ping @everyone or a role.
        "allowed_mentions": {"parse": []},
        "embeds": [embed],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::message::fixtures::{base, huge_alert};

    fn chars(value: &Value) -> usize {
        value.as_str().map_or(0, |text| text.chars().count())
    }

    #[test]
    fn the_embed_stays_within_discords_limits_and_mentions_nobody() {
        let payload = payload(&Message::new(&huge_alert(), &base()));
        let embed = &payload["embeds"][0];
        let fields = embed["fields"].as_array().unwrap();
        let total = chars(&embed["title"])
            + chars(&embed["description"])
            + fields
                .iter()
                .map(|field| chars(&field["name"]) + chars(&field["value"]))
                .sum::<usize>();
        assert!(total <= 6_000, "{total}");
        assert!(chars(&embed["title"]) <= MAX_TITLE);
        for field in fields {
            assert!(chars(&field["value"]) <= MAX_FIELD_VALUE);
        }
        assert_eq!(payload["allowed_mentions"]["parse"], json!([]));
        assert_eq!(embed["url"], "https://lookout.test/monitors/m1/checks/c1");
        assert_eq!(embed["timestamp"], "2026-01-01T00:00:00.000Z");
        assert!(
            fields.iter().any(|field| field["value"]
                == "[See what changed](https://lookout.test/monitors/m1/checks/c1#diff)"),
            "{fields:?}"
        );
    }
}
