//! The one error type of the gRPC edge. Outcomes of a fetch (gone, blocked,
//! forbidden, ...) are not errors: they are answers. Errors are requests the
//! service cannot take.

use tonic::{Code, Status};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// INVALID_ARGUMENT, naming the field so the caller can point at it.
    #[error("{field}: {message}")]
    InvalidArgument {
        field: &'static str,
        message: String,
    },
    /// FAILED_PRECONDITION: this deployment has no Chromium.
    #[error("rendering is not available on this browser service")]
    RenderingUnavailable,
    /// RESOURCE_EXHAUSTED: every render slot is taken and the queue is full;
    /// the caller retries later instead of waiting here without bound.
    #[error("every renderer is busy; try again shortly")]
    RenderersBusy,
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidArgument {
            field,
            message: message.into(),
        }
    }
}

impl From<ServiceError> for Status {
    fn from(error: ServiceError) -> Self {
        let code = match error {
            ServiceError::InvalidArgument { .. } => Code::InvalidArgument,
            ServiceError::RenderingUnavailable => Code::FailedPrecondition,
            ServiceError::RenderersBusy => Code::ResourceExhausted,
        };
        Status::new(code, error.to_string())
    }
}
