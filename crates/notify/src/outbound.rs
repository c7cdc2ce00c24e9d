//! The one HTTP client every HTTP channel (webhook, Slack, Discord, Telegram,
//! Teams, ntfy) posts through, and the one reading of a receiver's answer.
//!
//! Architecture Invariant: the client connects only to addresses checked by
//! `netguard` (literal IPs by [`netguard::check_url`], names by the
//! [`netguard::GuardedResolver`]), follows no redirect and uses no proxy.
//!
//! Architecture Invariant: no URL reaches a log line or an error text. Chat
//! webhook URLs and Telegram's Bot API path *are* the credential, and
//! reqwest's error `Display` includes the URL, so every transport error is
//! stripped with `without_url()` before anything prints it.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use netguard::{GuardError, GuardedResolver, Policy};
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::error::DeliveryError;

/// Standard Webhooks asks for a 15–30 s timeout; chat services answer in
/// well under a second, so 20 s only bounds a stuck receiver.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A receiver asking for more than a day is treated as asking for a day: the
/// outbox retry schedule ends about then anyway.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Error bodies are read only to quote the receiver's reason to the user.
const MAX_ERROR_BODY: usize = 4 * 1024;
const MAX_QUOTED_REASON: usize = 200;

pub struct Outbound {
    client: reqwest::Client,
    policy: Arc<Policy>,
}

/// A receiver's non-2xx answer, read once.
pub struct Refusal {
    pub status: reqwest::StatusCode,
    pub retry_after: Option<Duration>,
    pub body: String,
}

impl Outbound {
    pub fn new(policy: Policy) -> Result<Self, reqwest::Error> {
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            // A redirect could point at an internal address after the check.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the name itself, bypassing the resolver's checks.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver::new(Arc::clone(&policy))))
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("Lookout-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, policy })
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// A POST to `url`; nothing is sent until [`Outbound::send`].
    pub fn post(&self, url: url::Url) -> reqwest::RequestBuilder {
        self.client.post(url)
    }

    /// Checks the destination, sends, and returns the 2xx response or the
    /// receiver's refusal. `service` names the receiver in messages.
    pub async fn send(
        &self,
        service: &'static str,
        url: &url::Url,
        request: reqwest::RequestBuilder,
    ) -> Result<Result<reqwest::Response, Refusal>, DeliveryError> {
        netguard::check_url(&self.policy, url)
            .await
            .map_err(|error| guard_error(service, error))?;
        let host = url.host_str().unwrap_or_default();
        let response = request
            .send()
            .await
            .map_err(|error| transport_error(service, host, error))?;
        let status = response.status();
        if status.is_success() {
            return Ok(Ok(response));
        }
        let retry_after = retry_after(response.headers());
        let body = read_limited(response).await;
        tracing::warn!(
            service,
            receiver_host = %host,
            status = status.as_u16(),
            "the receiver refused the delivery"
        );
        Ok(Err(Refusal {
            status,
            retry_after,
            body,
        }))
    }
}

impl Refusal {
    /// The usual reading of an HTTP refusal: 410 is gone for good, 429/503
    /// and 5xx are worth retrying (after `Retry-After` when given), any other
    /// 4xx or a redirect will fail the same way again. `reason` is the
    /// service's own words for it, quoted to the user.
    pub fn classify(
        &self,
        service: &'static str,
        reason: Option<String>,
        retry_after: Option<Duration>,
    ) -> DeliveryError {
        let code = self.status.as_u16();
        let reason = reason
            .map(|reason| quoted(&reason))
            .filter(|reason| !reason.is_empty());
        let message = match &reason {
            Some(reason) => format!("{service} answered HTTP {code}: {reason}"),
            None => format!("{service} answered HTTP {code}"),
        };
        let retry_after = retry_after.or(self.retry_after);
        if code == 410 {
            return DeliveryError::Gone(format!("{message}; the endpoint no longer exists"));
        }
        if code == 429 || self.status.is_server_error() || code == 408 {
            return match retry_after {
                Some(after) => DeliveryError::RetryAfter { message, after },
                None => DeliveryError::Transient(message),
            };
        }
        if self.status.is_redirection() {
            return DeliveryError::Permanent(format!("{message}; redirects are not followed"));
        }
        DeliveryError::Permanent(message)
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// A receiver's reason on one line and short, so it fits `last_error`.
fn quoted(reason: &str) -> String {
    let line: String = reason
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    crate::text::truncate_chars(&line, MAX_QUOTED_REASON)
}

async fn read_limited(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= MAX_ERROR_BODY {
            body.truncate(MAX_ERROR_BODY);
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

/// `Retry-After` as seconds or as an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return seconds_to_duration(seconds);
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&Utc) - Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO).min(MAX_RETRY_AFTER))
}

/// Seconds as services put them in their bodies (Discord: 0.5, Telegram: 5).
pub fn seconds_to_duration(seconds: f64) -> Option<Duration> {
    (seconds.is_finite() && seconds >= 0.0)
        .then(|| Duration::from_secs_f64(seconds.min(MAX_RETRY_AFTER.as_secs_f64())))
}

fn guard_error(service: &'static str, error: GuardError) -> DeliveryError {
    if error.is_forbidden() {
        DeliveryError::Forbidden(format!("{service} {error}"))
    } else if matches!(error, GuardError::Url(_)) {
        DeliveryError::Permanent(format!("{service} {error}"))
    } else {
        // DNS failures are usually temporary.
        DeliveryError::Transient(format!("{service} {error}"))
    }
}

fn transport_error(service: &'static str, host: &str, error: reqwest::Error) -> DeliveryError {
    // The URL is the secret for chat webhooks and Telegram; drop it first.
    let error = error.without_url();
    // The guarded resolver's refusal surfaces as a connect error; find it.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(current) = source {
        if let Some(guard) = current.downcast_ref::<GuardError>()
            && guard.is_forbidden()
        {
            return DeliveryError::Forbidden(format!("{service} {guard}"));
        }
        source = current.source();
    }
    tracing::warn!(service, receiver_host = %host, error = %error, "delivery failed");
    if let Some(problem) = tls_problem(&error) {
        // Retrying helps once the receiver fixes its certificate.
        DeliveryError::Transient(format!(
            "{service} at {host} failed the TLS handshake ({problem})"
        ))
    } else if error.is_timeout() {
        DeliveryError::Transient(format!("{service} at {host} did not answer in time"))
    } else {
        DeliveryError::Transient(format!("{service} at {host} is unreachable"))
    }
}

/// What went wrong in TLS, in a few words, when that is why the connection
/// failed. reqwest exposes no typed TLS error, so the chain's texts (already
/// without the URL) are read.
fn tls_problem(error: &reqwest::Error) -> Option<&'static str> {
    let mut chain = String::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        chain.push_str(&current.to_string().to_ascii_lowercase());
        chain.push(' ');
        source = current.source();
    }
    if chain.contains("certificate") || chain.contains("unknownissuer") {
        Some("its certificate is not valid for this address or not trusted")
    } else if chain.contains("tls")
        || chain.contains("handshake")
        || chain.contains("corrupt message")
        || chain.contains("invalidcontenttype")
    {
        Some("it does not speak TLS on this port, or not a version Lookout accepts")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date_and_capped_at_a_day() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "30".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(30)));
        headers.insert(RETRY_AFTER, "999999999".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER));
        let in_a_minute = (Utc::now() + chrono::Duration::seconds(60)).to_rfc2822();
        headers.insert(RETRY_AFTER, in_a_minute.parse().unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    fn refusal(code: u16, retry_after: Option<Duration>) -> Refusal {
        Refusal {
            status: reqwest::StatusCode::from_u16(code).unwrap(),
            retry_after,
            body: String::new(),
        }
    }

    #[test]
    fn refusals_map_to_retry_dead_or_gone() {
        let wait = Some(Duration::from_secs(7));
        assert!(matches!(
            refusal(429, wait).classify("Slack", None, None),
            DeliveryError::RetryAfter { after, .. } if after == Duration::from_secs(7)
        ));
        assert!(matches!(
            refusal(503, None).classify("Slack", None, None),
            DeliveryError::Transient(_)
        ));
        assert!(matches!(
            refusal(410, None).classify("Slack", Some("channel_is_archived".into()), None),
            DeliveryError::Gone(message) if message.contains("channel_is_archived")
        ));
        assert!(matches!(
            refusal(404, None).classify("Slack", Some("no_service".into()), None),
            DeliveryError::Permanent(message) if message == "Slack answered HTTP 404: no_service"
        ));
        assert!(matches!(
            refusal(301, None).classify("Slack", None, None),
            DeliveryError::Permanent(_)
        ));
    }
}
