//! Telegram: the Bot API's `sendMessage`, `POST {api}/bot{token}/sendMessage`
//! with JSON `{chat_id, text, parse_mode: "HTML"}`. Every answer is JSON
//! `{"ok", "error_code", "description", "parameters": {"retry_after"}}`.
//!
//! The bot token is part of the URL path, so neither the URL nor reqwest's
//! errors (stripped in [`crate::outbound`]) are ever printed.

use serde_json::{Value, json};

use super::message::Message;
use crate::domain::TelegramDestination;
use crate::error::{DeliveryError, InvalidField};
use crate::outbound::{Outbound, seconds_to_duration};
use crate::text::fit;

const SERVICE: &str = "Telegram";
/// `sendMessage` takes 1–4,096 characters after entity parsing; the HTML
/// tags are counted too here, which only errs on the short side.
const MAX_TEXT: usize = 4_096;
const MAX_TITLE: usize = 256;
const MAX_BODY: usize = 1_500;

pub async fn send(
    outbound: &Outbound,
    api: &url::Url,
    destination: &TelegramDestination,
    message: &Message,
) -> Result<u16, DeliveryError> {
    let url = method_url(api, destination.bot_token.expose())
        .map_err(|error| DeliveryError::Permanent(error.to_string()))?;
    let request = outbound
        .post(url.clone())
        .json(&payload(&destination.chat_id, message));
    match outbound.send(SERVICE, &url, request).await? {
        Ok(response) => Ok(response.status().as_u16()),
        Err(refusal) => {
            let body = refusal.json();
            let reason = body
                .as_ref()
                .and_then(|body| body["description"].as_str())
                .map(str::to_owned);
            let retry_after = body
                .as_ref()
                .and_then(|body| body["parameters"]["retry_after"].as_f64())
                .and_then(seconds_to_duration);
            Err(refusal.classify(SERVICE, reason, retry_after))
        }
    }
}

/// `{api}/bot{token}/sendMessage`. The token's alphabet was checked when it
/// was parsed, so it cannot add path segments or a query.
fn method_url(api: &url::Url, token: &str) -> Result<url::Url, InvalidField> {
    let mut url = api.clone();
    url.path_segments_mut()
        .map_err(|()| InvalidField::new("TELEGRAM_API_URL", "cannot have a path"))?
        .pop_if_empty()
        .push(&format!("bot{token}"))
        .push("sendMessage");
    Ok(url)
}

/// Telegram's HTML mode needs only these three escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn text(message: &Message) -> String {
    let mut text = format!("<b>{}</b>", escape(&fit(&message.title, MAX_TITLE)));
    let body = message.body();
    if !body.is_empty() {
        text.push_str("\n\n");
        text.push_str(&escape(&fit(&body, MAX_BODY)));
    }
    let mut tail = String::new();
    if !message.page.is_empty() && message.page.len() < 1_000 {
        tail.push_str(&format!("\n\nPage: {}", escape(&message.page)));
    }
    if let Some(link) = &message.link {
        tail.push_str(&format!(
            "\n\n<a href=\"{}\">View this check</a>",
            escape(link).replace('"', "&quot;")
        ));
    }
    if let Some(diff_link) = &message.diff_link {
        tail.push_str(&format!(
            " · <a href=\"{}\">See what changed</a>",
            escape(diff_link).replace('"', "&quot;")
        ));
    }
    if !message.diff.is_empty() {
        // Whatever room is left goes to the diff; the escaped text is what counts.
        let room = MAX_TEXT
            .saturating_sub(text.chars().count() + tail.chars().count() + "\n\n<pre></pre>".len());
        let mut diff = escape(&message.diff);
        if diff.chars().count() > room {
            let mut cut = fit(&message.diff, room.saturating_sub(1));
            // Escaping grows the text; shrink until it fits.
            while escape(&cut).chars().count() > room && !cut.is_empty() {
                let keep = cut
                    .chars()
                    .count()
                    .saturating_sub(cut.chars().count() / 10 + 1);
                cut = fit(&cut, keep);
            }
            diff = escape(&cut);
        }
        if !diff.is_empty() {
            text.push_str(&format!("\n\n<pre>{diff}</pre>"));
        }
    }
    text.push_str(&tail);
    text
}

pub fn payload(chat_id: &str, message: &Message) -> Value {
    json!({
        "chat_id": chat_id,
        "text": text(message),
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": true},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::message::fixtures::{base, huge_alert};

    #[test]
    fn the_text_fits_in_one_message_and_escapes_html() {
        let text = text(&Message::new(&huge_alert(), &base()));
        assert!(text.chars().count() <= MAX_TEXT, "{}", text.chars().count());
        assert!(!text.contains("<script>"));
        assert!(text.contains("<pre>"));
        assert!(text.ends_with(
            "<a href=\"https://lookout.test/monitors/m1/checks/c1\">View this check</a> · \
             <a href=\"https://lookout.test/monitors/m1/checks/c1#diff\">See what changed</a>"
        ));
    }

    #[test]
    fn the_method_url_puts_the_token_in_one_path_segment() {
        let api: url::Url = "https://api.telegram.org/".parse().unwrap();
        assert_eq!(
            method_url(&api, "123:ABC").unwrap().as_str(),
            "https://api.telegram.org/bot123:ABC/sendMessage"
        );
    }
}
