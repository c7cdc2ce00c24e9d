//! Chat and push channels: Slack, Discord, Telegram, Microsoft Teams and ntfy.
//! Each module turns one [`message::Message`] into the exact request its
//! service documents, within that service's size limits, and reads the
//! service's own error shape; [`crate::outbound`] does the sending.

pub mod discord;
pub mod message;
pub mod ntfy;
pub mod slack;
pub mod teams;
pub mod telegram;

use std::sync::Arc;

use crate::domain::{Channel, Content};
use crate::error::DeliveryError;
use crate::outbound::Outbound;
use message::Message;

pub struct ChatSender {
    outbound: Arc<Outbound>,
    public_base_url: url::Url,
    /// Telegram's Bot API root (`https://api.telegram.org/`); configurable
    /// for a self-hosted Bot API server and for tests.
    telegram_api: url::Url,
}

impl ChatSender {
    pub fn new(outbound: Arc<Outbound>, public_base_url: url::Url, telegram_api: url::Url) -> Self {
        Self {
            outbound,
            public_base_url,
            telegram_api,
        }
    }

    /// Posts the alert or digest; returns the service's 2xx status. Email
    /// and signed webhooks have their own senders and are refused here.
    pub async fn send(&self, channel: &Channel, content: &Content) -> Result<u16, DeliveryError> {
        let message = match content {
            Content::Alert(alert) => Message::new(alert, &self.public_base_url),
            Content::Digest(digest) => Message::digest(digest, &self.public_base_url),
        };
        match channel {
            Channel::Slack(url) => slack::send(&self.outbound, url, &message).await,
            Channel::Discord(url) => discord::send(&self.outbound, url, &message).await,
            Channel::Teams(url) => teams::send(&self.outbound, url, &message).await,
            Channel::Telegram(destination) => {
                telegram::send(&self.outbound, &self.telegram_api, destination, &message).await
            }
            Channel::Ntfy(destination) => ntfy::send(&self.outbound, destination, &message).await,
            Channel::Email(_) | Channel::Webhook(_) => Err(DeliveryError::Internal(
                "email and webhooks are not chat channels".to_owned(),
            )),
        }
    }
}
