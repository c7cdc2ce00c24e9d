//! Slack incoming webhooks: a JSON POST with Block Kit `blocks` and a `text`
//! fallback for notifications. Slack answers `200 ok`, or an error code as
//! plain text (`invalid_payload`, `no_service`, `channel_is_archived` with
//! 410, …) and `429` with `Retry-After` when rate limited.

use serde_json::{Value, json};

use super::message::Message;
use crate::domain::SecretUrl;
use crate::error::DeliveryError;
use crate::outbound::Outbound;
use crate::text::fit;

const SERVICE: &str = "Slack";
/// Block Kit: a header's text is at most 150 characters, a section's 3,000.
const MAX_HEADER: usize = 150;
const MAX_SECTION: usize = 3_000;
/// Slack truncates `text` beyond 40,000 but asks for under 4,000; it is only
/// the notification line, so it stays short.
const MAX_FALLBACK: usize = 300;
const MAX_BUTTON_URL: usize = 3_000;

pub async fn send(
    outbound: &Outbound,
    url: &SecretUrl,
    message: &Message,
) -> Result<u16, DeliveryError> {
    let request = outbound.post(url.expose().clone()).json(&payload(message));
    match outbound.send(SERVICE, url.expose(), request).await? {
        Ok(response) => Ok(response.status().as_u16()),
        // Slack's reason is the plain-text body, e.g. "no_service".
        Err(refusal) => Err(refusal.classify(SERVICE, Some(refusal.body.clone()), None)),
    }
}

/// `&`, `<` and `>` are Slack's control characters in `mrkdwn` text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn payload(message: &Message) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": fit(&message.title, MAX_HEADER), "emoji": false},
    })];
    let body = message.body();
    if !body.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": fit(&escape(&body), MAX_SECTION)},
        }));
    }
    if !message.diff.is_empty() {
        // The fence takes 8 characters; the escaped diff gets the rest.
        let diff = fit(
            &escape(&message.diff.replace("```", "'''")),
            MAX_SECTION - 8,
        );
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!("```\n{diff}\n```")},
        }));
    }
    if !message.page.is_empty() {
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "plain_text", "text": fit(&format!("Page: {}", message.page), MAX_SECTION), "emoji": false}],
        }));
    }
    let buttons: Vec<Value> = [
        ("View this check", message.link.as_deref()),
        ("See what changed", message.diff_link.as_deref()),
    ]
    .into_iter()
    .filter_map(|(label, url)| {
        let url = url.filter(|url| url.len() <= MAX_BUTTON_URL)?;
        Some(json!({"type": "button", "text": {"type": "plain_text", "text": label}, "url": url}))
    })
    .collect();
    if !buttons.is_empty() {
        blocks.push(json!({"type": "actions", "elements": buttons}));
    }
    let fallback = if message.summary.is_empty() {
        message.title.clone()
    } else {
        format!("{}: {}", message.title, message.summary)
    };
    json!({"text": fit(&escape(&fallback), MAX_FALLBACK), "blocks": blocks})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::message::fixtures::{base, huge_alert};

    #[test]
    fn every_block_stays_within_block_kit_limits_and_text_is_escaped() {
        let payload = payload(&Message::new(&huge_alert(), &base()));
        let blocks = payload["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["type"], "header");
        assert!(blocks[0]["text"]["text"].as_str().unwrap().chars().count() <= MAX_HEADER);
        for block in &blocks[1..3] {
            let text = block["text"]["text"].as_str().unwrap();
            assert!(
                text.chars().count() <= MAX_SECTION,
                "{}",
                text.chars().count()
            );
            assert!(!text.contains('<'), "unescaped text: {text}");
        }
        assert!(
            blocks[2]["text"]["text"]
                .as_str()
                .unwrap()
                .starts_with("```\n")
        );
        let button = &blocks.last().unwrap()["elements"][0];
        assert_eq!(button["url"], "https://lookout.test/monitors/m1/checks/c1");
        assert!(payload["text"].as_str().unwrap().chars().count() <= MAX_FALLBACK);
    }
}
