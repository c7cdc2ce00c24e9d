//! Webhook delivery: a signed POST ([`signature`]) of a JSON event
//! ([`payload`]) to a destination that passed the SSRF policy.
//!
//! Architecture Invariant: the client connects only to addresses checked by
//! `netguard` (literal IPs by [`netguard::check_url`], names by the
//! [`netguard::GuardedResolver`]), follows no redirect and uses no proxy.

pub mod payload;
pub mod signature;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use netguard::{GuardError, GuardedResolver, Policy};

use crate::domain::{Alert, IdempotencyKey, WebhookDestination};
use crate::error::DeliveryError;

/// Receivers are expected to answer fast and process asynchronously
/// (Standard Webhooks recommends it); a slow one is retried later.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

pub struct WebhookSender {
    client: reqwest::Client,
    policy: Arc<Policy>,
}

impl WebhookSender {
    pub fn new(policy: Policy) -> Result<Self, reqwest::Error> {
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            // A redirect could point at an internal address after the check.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the name itself, bypassing the resolver's checks.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver::new(Arc::clone(&policy))))
            .timeout(WEBHOOK_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("Lookout-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, policy })
    }

    /// Posts the alert; returns the receiver's 2xx status.
    pub async fn send(
        &self,
        key: &IdempotencyKey,
        destination: &WebhookDestination,
        alert: &Alert,
    ) -> Result<u16, DeliveryError> {
        netguard::check_url(&self.policy, &destination.url)
            .await
            .map_err(guard_error)?;

        let now = Utc::now();
        let timestamp = now.timestamp();
        let body = payload::body(alert, now).map_err(|error| {
            DeliveryError::Internal(format!("could not encode the webhook: {error}"))
        })?;
        let signature = signature::sign(&destination.secret, key.as_str(), timestamp, &body);

        let host = destination.url.host_str().unwrap_or_default().to_owned();
        let response = self
            .client
            .post(destination.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signature::ID_HEADER, key.as_str())
            .header(signature::TIMESTAMP_HEADER, timestamp.to_string())
            .header(signature::SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|error| request_error(&error, &host))?;

        let status = response.status();
        if status.is_success() {
            return Ok(status.as_u16());
        }
        tracing::warn!(webhook_host = %host, status = status.as_u16(), "webhook receiver refused the delivery");
        let code = status.as_u16();
        if status.is_server_error() || code == 408 || code == 429 {
            Err(DeliveryError::Transient(format!(
                "the webhook receiver answered HTTP {code}"
            )))
        } else if status.is_redirection() {
            Err(DeliveryError::Permanent(format!(
                "the webhook receiver answered HTTP {code}; redirects are not followed"
            )))
        } else {
            Err(DeliveryError::Permanent(format!(
                "the webhook receiver answered HTTP {code}"
            )))
        }
    }
}

fn guard_error(error: GuardError) -> DeliveryError {
    if error.is_forbidden() {
        DeliveryError::Forbidden(format!("webhook {error}"))
    } else if matches!(error, GuardError::Url(_)) {
        DeliveryError::Permanent(format!("webhook {error}"))
    } else {
        // DNS failures are usually temporary.
        DeliveryError::Transient(format!("webhook {error}"))
    }
}

fn request_error(error: &reqwest::Error, host: &str) -> DeliveryError {
    // The guarded resolver's refusal surfaces as a connect error; find it.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(guard) = current.downcast_ref::<GuardError>()
            && guard.is_forbidden()
        {
            return DeliveryError::Forbidden(format!("webhook {guard}"));
        }
        source = current.source();
    }
    tracing::warn!(webhook_host = %host, error = %error, "webhook delivery failed");
    if error.is_timeout() {
        DeliveryError::Transient(format!(
            "the webhook receiver at {host} did not answer in time"
        ))
    } else {
        DeliveryError::Transient(format!("the webhook receiver at {host} is unreachable"))
    }
}
