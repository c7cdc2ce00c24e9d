//! One error type for the service, mapped to `tonic::Status` in one place.
//! Messages are written for the caller; infrastructure details (SMTP replies,
//! Redis errors) are logged where they happen and never carry credentials.

use std::time::Duration;

use tonic::{Code, Status};

/// gRPC metadata on an UNAVAILABLE answer: how long the receiver asked us
/// to wait, in milliseconds.
pub const RETRY_AFTER_METADATA: &str = "retry-after-ms";

/// gRPC metadata on an error that happened at the destination rather than in
/// notify: `receiver` (an HTTP receiver refused or could not be reached; the
/// message names what it did and may be shown to the user) or `mail-server`
/// (the operator's SMTP server; its message names an internal host). Its
/// absence means notify itself failed.
pub const FAILURE_ORIGIN_METADATA: &str = "failure-origin";

/// Where a delivery failed, for [`FAILURE_ORIGIN_METADATA`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureOrigin {
    Receiver,
    MailServer,
}

impl FailureOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Receiver => "receiver",
            Self::MailServer => "mail-server",
        }
    }
}

impl ServiceError {
    /// True when the destination failed (not notify, not the request).
    pub fn is_at_destination(&self) -> bool {
        matches!(
            self,
            Self::Delivery(
                DeliveryError::Transient(_)
                    | DeliveryError::RetryAfter { .. }
                    | DeliveryError::Permanent(_)
                    | DeliveryError::Gone(_)
                    | DeliveryError::Forbidden(_)
            )
        )
    }
}

/// gRPC metadata on an UNAVAILABLE answer that is notify's own doing, not
/// the receiver's: `ledger` (Redis unreachable) or `in-flight` (another
/// attempt holds the key). The scheduler does not count such an answer as
/// a failed attempt of the delivery.
pub const UNAVAILABLE_CAUSE: &str = "lookout-unavailable";

/// A request field that failed validation; the field name is part of the answer
/// so the gateway can point the user at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct InvalidField {
    pub field: &'static str,
    pub reason: String,
}

impl InvalidField {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// Why a provider (SMTP server, webhook receiver) did not take the message.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Worth retrying later: connection refused, timeout, 4xx SMTP reply, 5xx HTTP.
    #[error("{0}")]
    Transient(String),
    /// The receiver asked us to wait (HTTP 429 or 503 with `Retry-After`,
    /// Telegram's `retry_after`): retry, but not before this long.
    #[error("{message}")]
    RetryAfter { message: String, after: Duration },
    /// Retrying the same message will fail the same way: 5xx SMTP reply, 4xx HTTP.
    #[error("{0}")]
    Permanent(String),
    /// The receiver says the endpoint is gone for good (HTTP 410): the
    /// channel should be disabled rather than retried.
    #[error("{0}")]
    Gone(String),
    /// The destination is not one Lookout may connect to (SSRF protection).
    #[error("{0}")]
    Forbidden(String),
    /// A bug or misconfiguration on our side (the message could not be built).
    #[error("{0}")]
    Internal(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// → INVALID_ARGUMENT, names the field.
    #[error(transparent)]
    InvalidArgument(#[from] InvalidField),
    /// → UNAVAILABLE: another attempt holds the key right now; the caller retries
    /// and then gets SENT's twin, DUPLICATE, or sends itself if that attempt failed.
    #[error("delivery in progress, retry later")]
    DeliveryInProgress,
    /// → UNAVAILABLE: the idempotency ledger cannot be reached, so sending now
    /// could send twice.
    #[error("idempotency store unavailable, retry later")]
    LedgerUnavailable,
    /// → UNAVAILABLE, NOT_FOUND, FAILED_PRECONDITION, PERMISSION_DENIED or INTERNAL by kind.
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
}

impl From<ServiceError> for Status {
    fn from(error: ServiceError) -> Self {
        let code = match &error {
            ServiceError::InvalidArgument(_) => Code::InvalidArgument,
            ServiceError::DeliveryInProgress | ServiceError::LedgerUnavailable => Code::Unavailable,
            ServiceError::Delivery(
                DeliveryError::Transient(_) | DeliveryError::RetryAfter { .. },
            ) => Code::Unavailable,
            ServiceError::Delivery(DeliveryError::Permanent(_)) => Code::FailedPrecondition,
            ServiceError::Delivery(DeliveryError::Gone(_)) => Code::NotFound,
            ServiceError::Delivery(DeliveryError::Forbidden(_)) => Code::PermissionDenied,
            ServiceError::Delivery(DeliveryError::Internal(_)) => Code::Internal,
        };
        let mut status = Status::new(code, error.to_string());
        let cause = match &error {
            ServiceError::DeliveryInProgress => Some("in-flight"),
            ServiceError::LedgerUnavailable => Some("ledger"),
            _ => None,
        };
        if let Some(cause) = cause {
            status.metadata_mut().insert(
                UNAVAILABLE_CAUSE,
                tonic::metadata::MetadataValue::from_static(cause),
            );
        }
        if let ServiceError::Delivery(DeliveryError::RetryAfter { after, .. }) = &error {
            let millis = u64::try_from(after.as_millis()).unwrap_or(u64::MAX);
            status
                .metadata_mut()
                .insert(RETRY_AFTER_METADATA, millis.into());
        }
        status
    }
}
