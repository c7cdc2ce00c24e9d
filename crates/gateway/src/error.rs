//! [`ApiError`]: every failure a handler or extractor can answer with, each
//! variant documenting its HTTP status. The body is always
//! `{"error": {"code", "message", "request_id"}}`.
//!
//! Internal details (SQL errors, upstream messages) never reach the body:
//! they travel in a response extension ([`InternalDetail`]) that the
//! request middleware logs once, with the request id.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One invalid field of a request body or query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why a request was not authenticated; decides the `WWW-Authenticate` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No credentials at all: the client should authenticate.
    Missing,
    /// Credentials were presented and refused (bad, expired, unknown user).
    Invalid,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be read (malformed JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    /// 401 with `WWW-Authenticate: Bearer`.
    #[error("authentication required")]
    Unauthorized(AuthFailure),
    /// 403: authenticated, but not allowed (role, key scope, admin only,
    /// cross-site write). The message says which, never more.
    #[error("{0}")]
    Forbidden(String),
    /// 404: absent, or belonging to a team the caller is not in; the two are
    /// indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// 405.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 408: the request took longer than the configured timeout.
    #[error("the request took too long and was stopped")]
    RequestTimeout,
    /// 409: the write conflicts with existing data.
    #[error("{0}")]
    Conflict(String),
    /// 410: the thing a link pointed at is used up or expired (a
    /// single-use confirmation link).
    #[error("{0}")]
    Gone(String),
    /// 413.
    #[error("request body is too large")]
    PayloadTooLarge,
    /// 413 `payload_too_large` naming the limit passed (an archive's
    /// entries, a file inflated past its size).
    #[error("{0}")]
    TooLarge(String),
    /// 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429: over the rate limit of the route's class; `Retry-After` and
    /// `RateLimit-*` headers are set by the rate limiter.
    #[error("too many requests, retry in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    /// 429 `cap_reached` with `Retry-After`: a per-team cap on messages
    /// (channel tests, confirmations) is spent for now. The message names
    /// the cap.
    #[error("{message}")]
    CapReached {
        message: String,
        retry_after_seconds: u64,
    },
    /// 403 `limit_reached`: a per-team quota (monitors, channels, API
    /// keys, renders per hour) is used up. The body names the quota and its
    /// limit (`error.quota`, `error.limit`) besides the message.
    #[error("{message}")]
    LimitReached {
        quota: &'static str,
        limit: i64,
        message: String,
    },
    /// 422: the request was read but fields are invalid.
    #[error("{}", describe_fields(.0))]
    Validation(Vec<FieldError>),
    /// 422 for a body that does not match the expected shape (unknown field,
    /// wrong type, missing field), with serde's description.
    #[error("{0}")]
    InvalidBody(String),
    /// 502: an internal service answered with an error. `detail` is logged.
    #[error("{message}")]
    BadGateway {
        message: &'static str,
        detail: String,
    },
    /// 502 `receiver_failed`: notify worked, the channel's receiver (a
    /// webhook, a chat service, the mail server) did not take the message.
    /// The message says what the receiver did, in notify's words (written
    /// for users, without credentials); `detail` is logged.
    #[error("{message}")]
    ReceiverFailed { message: String, detail: String },
    /// 503: a dependency (database, internal service) is unavailable.
    /// `detail` is logged.
    #[error("{message}")]
    Unavailable {
        message: &'static str,
        detail: String,
    },
    /// 503 without a dependency at fault: this replica is at its concurrency
    /// limit and sheds the request instead of queueing it.
    #[error("the server is busy, retry shortly")]
    Overloaded,
    /// 503 `busy` with `Retry-After`: this replica runs as many of a heavy
    /// kind of request (imports) as it allows at once. The message says
    /// which.
    #[error("{message}")]
    Busy {
        message: String,
        retry_after_seconds: u64,
    },
    /// 500. `detail` is logged, the client sees a generic message.
    #[error("internal error")]
    Internal(String),
}

fn describe_fields(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|error| format!("{}: {}", error.field, error.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The internal detail of a failed request, for the log line only.
#[derive(Debug, Clone)]
pub struct InternalDetail(pub String);

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorContent<'a>,
}

#[derive(Serialize)]
struct ErrorContent<'a> {
    code: &'static str,
    message: String,
    request_id: Option<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fields: &'a [FieldError],
    /// The quota a 403 `limit_reached` names.
    #[serde(skip_serializing_if = "Option::is_none")]
    quota: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<i64>,
}

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::RateLimited { .. } | Self::CapReached { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::LimitReached { .. } => StatusCode::FORBIDDEN,
            Self::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            Self::PayloadTooLarge | Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) | Self::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadGateway { .. } | Self::ReceiverFailed { .. } => StatusCode::BAD_GATEWAY,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::RequestTimeout => "request_timeout",
            Self::Conflict(_) => "conflict",
            Self::Gone(_) => "gone",
            Self::RateLimited { .. } => "rate_limited",
            Self::CapReached { .. } => "cap_reached",
            Self::LimitReached { .. } => "limit_reached",
            Self::Overloaded => "overloaded",
            Self::PayloadTooLarge | Self::TooLarge(_) => "payload_too_large",
            Self::Busy { .. } => "busy",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Validation(_) | Self::InvalidBody(_) => "validation_failed",
            Self::BadGateway { .. } => "bad_gateway",
            Self::ReceiverFailed { .. } => "receiver_failed",
            Self::Unavailable { .. } => "service_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn internal_detail(&self) -> Option<&str> {
        match self {
            Self::BadGateway { detail, .. }
            | Self::ReceiverFailed { detail, .. }
            | Self::Unavailable { detail, .. }
            | Self::Internal(detail) => Some(detail),
            _ => None,
        }
    }

    /// The one place where an internal service's gRPC status becomes an
    /// HTTP answer. Upstream messages are logged, never returned: they may
    /// name internal hosts or echo secrets.
    pub fn from_upstream(service: &'static str, status: &tonic::Status) -> Self {
        use tonic::Code;
        let detail = format!("{service}: {:?}: {}", status.code(), status.message());
        match status.code() {
            Code::Unavailable
            | Code::DeadlineExceeded
            | Code::ResourceExhausted
            | Code::Cancelled => Self::Unavailable {
                message: upstream_unavailable_message(service),
                detail,
            },
            _ => Self::BadGateway {
                message: upstream_failed_message(service),
                detail,
            },
        }
    }
}

/// gRPC metadata notify sets when the destination failed, not notify
/// (`notify::error::FAILURE_ORIGIN_METADATA`).
const FAILURE_ORIGIN_METADATA: &str = "failure-origin";

impl ApiError {
    /// A channel test's failure: what the receiver did when notify says the
    /// receiver failed, else the usual reading of notify's status.
    pub fn from_channel_test(status: &tonic::Status) -> Self {
        let origin = status
            .metadata()
            .get(FAILURE_ORIGIN_METADATA)
            .and_then(|value| value.to_str().ok());
        let detail = format!("notify: {:?}: {}", status.code(), status.message());
        match origin {
            Some("receiver") => Self::ReceiverFailed {
                message: format!("the test message was not delivered: {}", status.message()),
                detail,
            },
            // Its words name the operator's mail server; the user gets the gist.
            Some("mail-server") => Self::ReceiverFailed {
                message: match status.code() {
                    tonic::Code::Unavailable => {
                        "the mail server did not take the test message now; try again later"
                    }
                    _ => "the mail server refused the test message",
                }
                .to_owned(),
                detail,
            },
            _ => Self::from_upstream("notify", status),
        }
    }
}

fn upstream_unavailable_message(service: &'static str) -> &'static str {
    match service {
        "notify" => "the notification service is unavailable, try again later",
        "browser" => "the page fetching service is unavailable, try again later",
        "llm" => "the judging service is unavailable, try again later",
        _ => "an internal service is unavailable, try again later",
    }
}

fn upstream_failed_message(service: &'static str) -> &'static str {
    match service {
        "notify" => "the notification could not be delivered",
        "browser" => "the page could not be fetched",
        "llm" => "the change could not be judged",
        _ => "an internal service failed",
    }
}

impl From<store::StoreError> for ApiError {
    fn from(error: store::StoreError) -> Self {
        use store::StoreError;
        match error {
            StoreError::Unavailable(detail) => Self::Unavailable {
                message: "the database is unavailable, try again later",
                detail,
            },
            StoreError::Conflict { constraint } => {
                tracing::debug!(%constraint, "write conflicted");
                Self::Conflict("the request conflicts with an existing resource".to_owned())
            }
            StoreError::MissingReference { constraint } => match constraint.as_str() {
                store::monitors::TEAM_REFERENCE => {
                    Self::field("team_id", "is not the id of a team you are a member of")
                }
                store::monitors::CHANNEL_REFERENCE => Self::field(
                    "channel_ids",
                    "every channel must exist and belong to the monitor's team",
                ),
                store::tags::TAG_REFERENCE => Self::field(
                    "tag_ids",
                    "every tag must exist and belong to the monitor's team",
                ),
                store::bulk::TAG_FIELD => {
                    Self::field("tag_id", "is not a tag of a team you are a member of")
                }
                store::bulk::CHANNEL_FIELD => Self::field(
                    "channel_id",
                    "is not a channel of a team you are a member of",
                ),
                _ => Self::Validation(vec![FieldError::new(
                    "body",
                    "refers to a resource that does not exist",
                )]),
            },
            StoreError::NotFound => Self::NotFound,
            StoreError::QuotaReached { quota, limit } => crate::quotas::reached(quota, limit),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let fields: &[FieldError] = match &self {
            Self::Validation(fields) => fields,
            _ => &[],
        };
        let message = match &self {
            // Statuses whose Display text is written for clients.
            Self::Internal(_) => "an internal error occurred".to_owned(),
            other => other.to_string(),
        };
        let (quota, limit) = match &self {
            Self::LimitReached { quota, limit, .. } => (Some(*quota), Some(*limit)),
            _ => (None, None),
        };
        let body = ErrorBody {
            error: ErrorContent {
                code: self.code(),
                message,
                // The handler runs inside the request's scope (see
                // `request_context`), so the id is known here.
                request_id: mesh::context::current_request_id(),
                fields,
                quota,
                limit,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Self::Unauthorized(failure) = &self {
            let challenge = match failure {
                AuthFailure::Missing => "Bearer",
                AuthFailure::Invalid => "Bearer error=\"invalid_token\"",
            };
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        if let Self::RateLimited {
            retry_after_seconds,
        }
        | Self::CapReached {
            retry_after_seconds,
            ..
        }
        | Self::Busy {
            retry_after_seconds,
            ..
        } = &self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_seconds));
        }
        if let Some(detail) = self.internal_detail() {
            response
                .extensions_mut()
                .insert(InternalDetail(detail.to_owned()));
        }
        response
    }
}
