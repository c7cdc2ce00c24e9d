//! Microsoft Teams: a workflow (Power Automate "Send webhook alerts to a
//! channel") or a legacy incoming webhook, posted a `message` whose one
//! attachment is an Adaptive Card. Workflows answer `202 Accepted`; errors
//! are JSON `{"error": {"code", "message"}}`; `429` comes with `Retry-After`.

use serde_json::{Value, json};

use super::message::Message;
use crate::domain::SecretUrl;
use crate::error::DeliveryError;
use crate::outbound::Outbound;
use crate::text::fit_bytes;

const SERVICE: &str = "Teams";
/// Teams refuses messages over about 28 KB; these caps keep the card under
/// 16 KB whatever the text.
const MAX_TITLE_BYTES: usize = 500;
const MAX_BODY_BYTES: usize = 4_000;
const MAX_DIFF_BYTES: usize = 8_000;
const MAX_FACT_BYTES: usize = 1_000;

pub async fn send(
    outbound: &Outbound,
    url: &SecretUrl,
    message: &Message,
) -> Result<u16, DeliveryError> {
    let request = outbound.post(url.expose().clone()).json(&payload(message));
    match outbound.send(SERVICE, url.expose(), request).await? {
        Ok(response) => Ok(response.status().as_u16()),
        Err(refusal) => {
            let reason = refusal
                .json()
                .and_then(|body| body["error"]["message"].as_str().map(str::to_owned));
            Err(refusal.classify(SERVICE, reason, None))
        }
    }
}

pub fn card(message: &Message) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock",
        "text": fit_bytes(&message.title, MAX_TITLE_BYTES),
        "weight": "Bolder",
        "size": "Medium",
        "wrap": true,
    })];
    let text = message.body();
    if !text.is_empty() {
        body.push(
            json!({"type": "TextBlock", "text": fit_bytes(&text, MAX_BODY_BYTES), "wrap": true}),
        );
    }
    if !message.diff.is_empty() {
        body.push(json!({
            "type": "TextBlock",
            "text": fit_bytes(&message.diff, MAX_DIFF_BYTES),
            "fontType": "Monospace",
            "wrap": true,
        }));
    }
    let mut facts = vec![
        json!({"title": "Monitor", "value": fit_bytes(&message.monitor_name, MAX_FACT_BYTES)}),
    ];
    if !message.page.is_empty() {
        facts.push(json!({"title": "Page", "value": fit_bytes(&message.page, MAX_FACT_BYTES)}));
    }
    if !message.extracted_value.is_empty() {
        facts.push(
            json!({"title": "Value", "value": fit_bytes(&message.extracted_value, MAX_FACT_BYTES)}),
        );
    }
    body.push(json!({"type": "FactSet", "facts": facts}));
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    let actions: Vec<Value> = [
        ("View this check", &message.link),
        ("See what changed", &message.diff_link),
    ]
    .into_iter()
    .filter_map(|(title, url)| {
        url.as_ref()
            .map(|url| json!({"type": "Action.OpenUrl", "title": title, "url": url}))
    })
    .collect();
    if !actions.is_empty() {
        card["actions"] = json!(actions);
    }
    card
}

pub fn payload(message: &Message) -> Value {
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card(message),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::message::fixtures::{base, huge_alert};

    #[test]
    fn the_card_stays_well_under_the_teams_message_size() {
        let payload = payload(&Message::new(&huge_alert(), &base()));
        let size = serde_json::to_vec(&payload).unwrap().len();
        assert!(size < 20_000, "{size} bytes");
        let card = &payload["attachments"][0]["content"];
        assert_eq!(card["type"], "AdaptiveCard");
        assert_eq!(
            card["actions"][0]["url"],
            "https://lookout.test/monitors/m1/checks/c1"
        );
    }
}
