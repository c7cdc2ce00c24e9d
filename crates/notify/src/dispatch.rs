//! At-most-once delivery per idempotency key: claim the key, send through the
//! channel's sender, then record the result (or free the key for a retry).

use crate::chat::ChatSender;
use crate::domain::{Channel, Delivery, Outcome};
use crate::email::EmailSender;
use crate::error::ServiceError;
use crate::ledger::{Claim, Ledger};
use crate::webhook::WebhookSender;

pub struct Dispatcher {
    pub ledger: Ledger,
    pub email: EmailSender,
    pub webhook: WebhookSender,
    pub chat: ChatSender,
}

impl Dispatcher {
    pub async fn deliver(&self, delivery: &Delivery) -> Result<Outcome, ServiceError> {
        let message_id = self.message_id(delivery);
        let marker = match self.ledger.claim(&delivery.key).await? {
            Claim::Acquired(marker) => marker,
            Claim::AlreadySent => return Ok(Outcome::Duplicate { message_id }),
            Claim::InFlight => return Err(ServiceError::DeliveryInProgress),
        };

        let send = self.send(delivery);
        tokio::pin!(send);
        let mut renewal = tokio::time::interval(self.ledger.renew_every());
        // The first tick is immediate; the claim was just taken.
        renewal.tick().await;
        let sent = loop {
            tokio::select! {
                sent = &mut send => break sent,
                _ = renewal.tick() => {
                    if let Err(error) = self.ledger.renew(&delivery.key, &marker).await {
                        // The claim may lapse and a retry may send too: the
                        // message carries the same id either way.
                        tracing::warn!(key = %delivery.key, error = %error, "could not renew a delivery's claim");
                    }
                }
            }
        };

        match sent {
            Ok(http_status) => {
                // The provider has the message: a ledger failure now must not turn
                // into an error, or the caller would retry and send it again. The
                // claim still guards retries until it expires.
                if let Err(error) = self.ledger.mark_sent(&delivery.key).await {
                    tracing::error!(key = %delivery.key, error = %error, "delivered but could not record it");
                }
                tracing::info!(key = %delivery.key, kind = delivery.content.label(), "alert delivered");
                Ok(Outcome::Sent {
                    message_id,
                    http_status,
                })
            }
            Err(error) => {
                if let Err(release_error) = self.ledger.release(&delivery.key, &marker).await {
                    // The claim expires on its own; the retry waits until then.
                    tracing::error!(key = %delivery.key, error = %release_error, "could not free the idempotency key");
                }
                Err(error.into())
            }
        }
    }

    async fn send(&self, delivery: &Delivery) -> Result<Option<u16>, crate::error::DeliveryError> {
        match &delivery.channel {
            Channel::Email(to) => self
                .email
                .send(
                    &delivery.key,
                    to,
                    &delivery.content,
                    delivery.unsubscribe_url.as_ref(),
                )
                .await
                .map(|_| None),
            Channel::Webhook(destination) => self
                .webhook
                .send(&delivery.key, destination, &delivery.content)
                .await
                .map(Some),
            chat => self.chat.send(chat, &delivery.content).await.map(Some),
        }
    }

    /// Stable per key, so DUPLICATE answers carry the id of the original.
    fn message_id(&self, delivery: &Delivery) -> String {
        match delivery.channel {
            Channel::Email(_) => self.email.message_id(&delivery.key),
            _ => delivery.key.to_string(),
        }
    }
}
