//! Rules for user input: each function takes what a client sent for one
//! field and returns the value to store or a message for that field.
//! Route handlers compose them and answer 422 with every problem at once.
//!
//! - [`monitor`]: name, URL, selector, pointer, condition, interval, headers.
//! - [`channel`]: every channel kind's fields, what is secret and what is shown.
//! - [`apprise`]: Apprise-style channel URLs (`slack://`, `tgram://`, …).
//! - [`destination`]: the SSRF check shared by monitor and webhook URLs.
//! - [`monitor_headers`]: header values sealed at rest, masked in responses.
//! - [`channel_secrets`]: channel credentials sealed at rest, opened to send.
//! - [`channel_confirmation`]: the signed link a new email channel's recipient confirms with.
//! - [`render_options`]: wait, cookies and browser steps of a rendered monitor.

pub mod apprise;
pub mod channel;
pub mod channel_confirmation;
pub mod channel_secrets;
pub mod destination;
pub mod monitor;
pub mod monitor_headers;
pub mod render_options;
pub mod reseal;

use std::sync::Arc;

use mesh::config::Environment;
use netguard::Policy;

use crate::error::{ApiError, FieldError};

/// The deployment's validation settings.
#[derive(Debug, Clone)]
pub struct Rules {
    pub environment: Environment,
    /// The browser's destination policy (see `Config::destination_policy`).
    pub destination_policy: Arc<Policy>,
    pub min_interval_seconds: u32,
}

/// Collects field problems so a client learns about all of them at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// Keeps the value, or records the message under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// A display name: 1 to `max` characters after trimming, no control characters.
pub fn name(value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    let length = value.chars().count();
    if length == 0 || length > max {
        return Err(format!("must be between 1 and {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(value.to_owned())
}
