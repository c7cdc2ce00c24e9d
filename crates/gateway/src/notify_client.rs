//! The notify service as the gateway uses it: sending a test message to a
//! channel. Generated protobuf types stay in this module.

use std::sync::Arc;
use std::time::Duration;

use api_proto::notify::v1::notifier_client::NotifierClient;
use api_proto::notify::v1::{
    Alert, AlertKind, Channel as ProtoChannel, DiscordTarget, EmailTarget, NtfyTarget, SendRequest,
    SlackTarget, TeamsTarget, TelegramTarget, WebhookTarget, channel::Target,
};
use mesh::client::InternalChannel;
use mesh::config::ConfigError;
use secrecy::{ExposeSecret, SecretString};
use store::channels::{Channel, ChannelKind};
use url::Url;
use uuid::Uuid;

use crate::error::ApiError;

/// A test delivery includes an SMTP exchange or a webhook round trip; the
/// notify service bounds each of those itself, this only caps the total.
const DEADLINE: Duration = Duration::from_secs(20);

/// What notify reported for a delivered message.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub message_id: String,
}

/// Cheap to clone: axum clones the handlers' state for every request, and
/// a tonic client clone is several atomic operations and allocations.
#[derive(Clone)]
pub struct NotifyClient {
    client: Arc<NotifierClient<InternalChannel>>,
    public_base_url: Arc<Url>,
}

impl NotifyClient {
    /// Connects lazily: the gateway starts even when notify is not up yet.
    pub fn new(
        url: &str,
        key: &SecretString,
        public_base_url: Url,
        tls: Option<&mesh::tls::ClientTls>,
    ) -> Result<Self, ConfigError> {
        let channel = mesh::client::connect_lazy(url, key, DEADLINE, tls)?;
        Ok(Self {
            client: Arc::new(NotifierClient::new(channel)),
            public_base_url: Arc::new(public_base_url),
        })
    }

    /// Sends a test message. Each call has its own idempotency key: a user
    /// pressing "test" twice wants two messages.
    /// `secret` is the channel's credential, opened for this send only.
    pub async fn send_test(
        &self,
        channel: &Channel,
        secret: &SecretString,
    ) -> Result<Delivered, ApiError> {
        let request = SendRequest {
            idempotency_key: format!("test:{}:{}", channel.id, Uuid::new_v4()),
            channel: Some(ProtoChannel {
                target: Some(target(channel, secret.expose_secret())),
            }),
            alert: Some(self.sample_alert(channel)),
            ..SendRequest::default()
        };
        let response = NotifierClient::clone(&self.client)
            .send(request)
            .await
            .map_err(|status| ApiError::from_channel_test(&status))?;
        Ok(Delivered {
            message_id: response.into_inner().message_id,
        })
    }
}

impl NotifyClient {
    /// A test shows what a real alert looks like on this channel: a sample
    /// monitor, verdict, short diff and links, all marked as a test. The
    /// link opens the channels page the test was sent from.
    fn sample_alert(&self, channel: &Channel) -> Alert {
        let mut link = (*self.public_base_url).clone();
        link.set_path("/channels");
        link.set_query(Some(&format!("test={}", channel.id)));
        Alert {
            kind: AlertKind::Test.into(),
            monitor_id: "sample".to_owned(),
            monitor_name: format!("Sample monitor (test of the channel \"{}\")", channel.name),
            url: "https://shop.example/espresso-machine".to_owned(),
            condition: "the price drops below 100 EUR".to_owned(),
            summary: "Sample alert: the price dropped from 119 EUR to 89 EUR.".to_owned(),
            reason: "This is a test message from Lookout: if you can read it, the channel works. \
                     A real alert names your monitor, says what the judge saw and links to the check."
                .to_owned(),
            diff: "-Price: 119 EUR\n+Price: 89 EUR\n In stock: yes".to_owned(),
            check_id: "sample".to_owned(),
            link: link.to_string(),
            checked_at_unix_ms: chrono::Utc::now().timestamp_millis(),
            extracted_value: "89 EUR".to_owned(),
            ..Alert::default()
        }
    }

    /// The page a recipient confirms an email channel on.
    pub fn confirmation_link(&self, token: &str) -> String {
        let mut link = (*self.public_base_url).clone();
        link.set_path("/confirm-channel");
        link.query_pairs_mut().clear().append_pair("token", token);
        link.to_string()
    }

    /// Asks an email channel's recipient to confirm, and nothing else: the
    /// only message sent to an address before its recipient confirms.
    pub async fn send_confirmation(
        &self,
        channel: &Channel,
        asked_by: &str,
        token: &str,
    ) -> Result<Delivered, ApiError> {
        let request = SendRequest {
            idempotency_key: format!("confirm:{}:{}", channel.id, Uuid::new_v4()),
            channel: Some(ProtoChannel {
                target: Some(Target::Email(EmailTarget {
                    address: channel.target.clone(),
                })),
            }),
            alert: Some(Alert {
                kind: AlertKind::ConfirmChannel.into(),
                monitor_name: channel.name.clone(),
                summary: asked_by.to_owned(),
                link: self.confirmation_link(token),
                checked_at_unix_ms: chrono::Utc::now().timestamp_millis(),
                ..Alert::default()
            }),
            ..SendRequest::default()
        };
        let response = NotifierClient::clone(&self.client)
            .send(request)
            .await
            .map_err(|status| ApiError::from_channel_test(&status))?;
        Ok(Delivered {
            message_id: response.into_inner().message_id,
        })
    }
}

/// Where a stored channel delivers: what is shown (`target`) and the
/// credential (`secret`) put back together for notify.
fn target(channel: &Channel, secret: &str) -> Target {
    let secret = secret.to_owned();
    match channel.kind {
        ChannelKind::Email => Target::Email(EmailTarget {
            address: channel.target.clone(),
        }),
        ChannelKind::Webhook => Target::Webhook(WebhookTarget {
            url: channel.target.clone(),
            secret,
        }),
        ChannelKind::Slack => Target::Slack(SlackTarget {
            webhook_url: secret,
        }),
        ChannelKind::Discord => Target::Discord(DiscordTarget {
            webhook_url: secret,
        }),
        ChannelKind::Teams => Target::Teams(TeamsTarget {
            webhook_url: secret,
        }),
        ChannelKind::Telegram => Target::Telegram(TelegramTarget {
            bot_token: secret,
            chat_id: channel.target.clone(),
        }),
        ChannelKind::Ntfy => Target::Ntfy(NtfyTarget {
            topic_url: channel.target.clone(),
            access_token: secret,
            priority: channel.settings["priority"]
                .as_u64()
                .and_then(|level| u32::try_from(level).ok())
                .unwrap_or(0),
            tags: channel.settings["tags"]
                .as_array()
                .map(|tags| {
                    tags.iter()
                        .filter_map(|tag| tag.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        }),
    }
}
