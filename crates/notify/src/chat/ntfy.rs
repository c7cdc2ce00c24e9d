//! ntfy: publishing as JSON, `POST` to the server's root with
//! `{topic, title, message, priority, tags, click, actions}`, and an access
//! token as `Authorization: Bearer`. Errors are JSON `{"code", "http",
//! "error"}` (`40101 unauthorized`, `42901 limit reached: too many requests`).

use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::message::Message;
use crate::domain::NtfyDestination;
use crate::error::DeliveryError;
use crate::outbound::Outbound;
use crate::text::{fit, fit_bytes};

const SERVICE: &str = "ntfy";
/// ntfy's default message-size-limit is 4 KiB; longer bodies turn into
/// attachments or are refused, depending on the server.
const MAX_MESSAGE_BYTES: usize = 4_000;
const MAX_TITLE: usize = 200;

pub async fn send(
    outbound: &Outbound,
    destination: &NtfyDestination,
    message: &Message,
) -> Result<u16, DeliveryError> {
    let (root, topic) = split_topic(&destination.topic_url)
        .ok_or_else(|| DeliveryError::Permanent("the ntfy topic URL has no topic".to_owned()))?;
    let mut request = outbound
        .post(root.clone())
        .json(&payload(&topic, destination, message));
    if let Some(token) = &destination.access_token {
        request = request.bearer_auth(token.expose_secret());
    }
    match outbound.send(SERVICE, &root, request).await? {
        Ok(response) => Ok(response.status().as_u16()),
        Err(refusal) => {
            let reason = refusal
                .json()
                .and_then(|body| body["error"].as_str().map(str::to_owned));
            Err(refusal.classify(SERVICE, reason, None))
        }
    }
}

/// `https://ntfy.sh/alerts` → (`https://ntfy.sh/`, `alerts`).
pub fn split_topic(topic_url: &url::Url) -> Option<(url::Url, String)> {
    let mut root = topic_url.clone();
    root.set_query(None);
    root.set_fragment(None);
    let topic = root.path_segments()?.next_back()?.to_owned();
    if topic.is_empty() {
        return None;
    }
    // The path ends with the topic exactly as it is encoded in the URL.
    let path = root.path().to_owned();
    root.set_path(path.strip_suffix(topic.as_str())?);
    Some((root, topic))
}

pub fn payload(topic: &str, destination: &NtfyDestination, message: &Message) -> Value {
    let mut text = message.body();
    if !message.diff.is_empty() {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&message.diff);
    }
    if text.is_empty() {
        text = message.title.clone();
    }
    let mut payload = json!({
        "topic": topic,
        "title": fit(&message.title, MAX_TITLE),
        "message": fit_bytes(&text, MAX_MESSAGE_BYTES),
    });
    if let Some(priority) = destination.priority {
        payload["priority"] = json!(priority);
    }
    if !destination.tags.is_empty() {
        payload["tags"] = json!(destination.tags);
    }
    if let Some(link) = &message.link {
        payload["click"] = json!(link);
    }
    let mut actions = Vec::new();
    if let Some(diff_link) = &message.diff_link {
        actions.push(json!({"action": "view", "label": "See what changed", "url": diff_link}));
    }
    if message.page.starts_with("http://") || message.page.starts_with("https://") {
        actions.push(json!({"action": "view", "label": "Open page", "url": message.page}));
    }
    if !actions.is_empty() {
        payload["actions"] = json!(actions);
    }
    payload
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::message::fixtures::{base, huge_alert};

    fn destination() -> NtfyDestination {
        NtfyDestination {
            topic_url: "https://ntfy.example/sub/alerts".parse().unwrap(),
            access_token: None,
            priority: Some(4),
            tags: vec!["warning".into()],
        }
    }

    #[test]
    fn the_topic_is_published_to_the_servers_root() {
        let (root, topic) = split_topic(&destination().topic_url).unwrap();
        assert_eq!(root.as_str(), "https://ntfy.example/sub/");
        assert_eq!(topic, "alerts");
        assert!(split_topic(&"https://ntfy.example/".parse().unwrap()).is_none());
        let (root, topic) = split_topic(&"https://ntfy.sh/alerts?x=1".parse().unwrap()).unwrap();
        assert_eq!(
            (root.as_str(), topic.as_str()),
            ("https://ntfy.sh/", "alerts")
        );
    }

    #[test]
    fn the_message_fits_ntfys_size_limit() {
        let payload = payload(
            "alerts",
            &destination(),
            &Message::new(&huge_alert(), &base()),
        );
        assert!(payload["message"].as_str().unwrap().len() <= MAX_MESSAGE_BYTES);
        assert_eq!(payload["priority"], 4);
        assert_eq!(payload["tags"], json!(["warning"]));
        assert_eq!(
            payload["click"],
            "https://lookout.test/monitors/m1/checks/c1"
        );
    }
}
