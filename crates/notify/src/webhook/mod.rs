//! Webhook delivery: a signed POST ([`signature`]) of a JSON event
//! ([`payload`]) through the guarded client of [`crate::outbound`].
//!
//! As Standard Webhooks recommends, the payload's `timestamp` is when the
//! event happened, so every retry posts the same bytes; only the
//! `webhook-timestamp` header (the attempt's time, for replay protection)
//! and with it the signature change between attempts.

pub mod payload;
pub mod signature;

use std::sync::Arc;

use chrono::Utc;

use crate::domain::{Content, IdempotencyKey, WebhookDestination};
use crate::error::DeliveryError;
use crate::outbound::Outbound;

const SERVICE: &str = "the webhook receiver";

pub struct WebhookSender {
    outbound: Arc<Outbound>,
}

impl WebhookSender {
    pub fn new(outbound: Arc<Outbound>) -> Self {
        Self { outbound }
    }

    /// Posts the alert or digest; returns the receiver's 2xx status.
    pub async fn send(
        &self,
        key: &IdempotencyKey,
        destination: &WebhookDestination,
        content: &Content,
    ) -> Result<u16, DeliveryError> {
        let now = Utc::now();
        let body = match content {
            Content::Alert(alert) => payload::body(alert, alert.checked_at.unwrap_or(now)),
            Content::Digest(digest) => payload::digest_body(digest),
        }
        .map_err(|error| {
            DeliveryError::Internal(format!("could not encode the webhook: {error}"))
        })?;
        let timestamp = now.timestamp();
        let signature = signature::sign(&destination.secret, key.as_str(), timestamp, &body);
        let request = self
            .outbound
            .post(destination.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signature::ID_HEADER, key.as_str())
            .header(signature::TIMESTAMP_HEADER, timestamp.to_string())
            .header(signature::SIGNATURE_HEADER, signature)
            .body(body);
        match self
            .outbound
            .send(SERVICE, &destination.url, request)
            .await?
        {
            Ok(response) => Ok(response.status().as_u16()),
            Err(refusal) => Err(refusal.classify(SERVICE, None, None)),
        }
    }
}
