//! When to try a chat-completions call again and how long to wait first.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Timing of retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt, for timeouts, connection failures, 429 and 5xx.
    pub max_retries: u32,
    /// The first backoff; doubled on each retry, with jitter, when the server gives no Retry-After.
    pub initial_backoff: Duration,
    /// The longest Retry-After honoured. A provider asking for minutes means it is out of quota;
    /// waiting that long only holds the scheduler's check, so the call fails instead.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based), or `None` when the server asks for longer
    /// than the policy allows.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => {
                let base = self.initial_backoff.saturating_mul(1 << retry.min(10));
                let jitter = base.mul_f64(rand::random::<f64>() * 0.5);
                Some(base + jitter)
            }
        }
    }
}

/// Statuses that mean "try again later" rather than "this request is wrong".
pub fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
}

/// `Retry-After` in seconds. The HTTP-date form is rare from APIs and is treated as absent.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let seconds: f64 = raw.parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_honoured_up_to_the_bound() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(policy.delay(0, Some(Duration::from_secs(600))), None);
    }

    #[test]
    fn backoff_grows_with_each_retry() {
        let policy = RetryPolicy::default();
        let first = policy.delay(0, None).unwrap();
        let third = policy.delay(2, None).unwrap();
        assert!(first >= Duration::from_millis(250) && first <= Duration::from_millis(375));
        assert!(third >= Duration::from_millis(1_000));
    }
}
