//! Errors of the judge providers and of the gRPC service, and how they become `tonic::Status`.
//!
//! Architecture Invariant: no message built here contains an upstream response body, a page
//! text or a secret. Details needed to debug are logged where the error happens.

use tonic::Status;

/// Why a judge could not produce a verdict.
#[derive(Debug, thiserror::Error)]
pub enum JudgeError {
    /// The provider could not be reached, after all retries.
    #[error("the language model could not be reached: {0}")]
    Transport(String),
    /// The provider did not answer in time, after all retries.
    #[error("the language model did not answer in time")]
    Timeout,
    /// The provider answered with an HTTP error status, after all retries for retryable ones.
    #[error("the language model answered with HTTP status {0}")]
    UpstreamStatus(u16),
    /// The model's answer did not match the verdict schema, also after one retry.
    #[error("the language model's answer was not a valid verdict: {0}")]
    InvalidOutput(String),
}

/// Errors of the `llm.v1.Judge` service.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request was malformed; answered as INVALID_ARGUMENT naming the field.
    #[error("{field}: {message}")]
    InvalidArgument {
        field: &'static str,
        message: String,
    },
    /// The judge failed; answered as UNAVAILABLE so callers apply their "model unavailable" policy.
    #[error(transparent)]
    Judge(#[from] JudgeError),
}

impl From<ServiceError> for Status {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::InvalidArgument { .. } => Status::invalid_argument(error.to_string()),
            // The caller applies its "could not judge" policy and records why, so the kind of
            // failure travels as the status code; the details are logged here.
            ServiceError::Judge(JudgeError::Timeout) => {
                Status::deadline_exceeded("the language model did not answer in time")
            }
            ServiceError::Judge(JudgeError::UpstreamStatus(429)) => {
                Status::resource_exhausted("the language model is rate limited, try again later")
            }
            ServiceError::Judge(JudgeError::InvalidOutput(_)) => {
                Status::internal("the language model's answer was not a valid verdict")
            }
            ServiceError::Judge(_) => {
                Status::unavailable("the judge is unavailable, try again later")
            }
        }
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Bind(#[from] mesh::server::BindError),
    #[error("cannot build the judge: {0}")]
    Judge(#[from] JudgeError),
    #[error("cannot connect to Redis for the verdict cache (REDIS_URL): {0}")]
    Redis(#[source] redis::RedisError),
    #[error("the gRPC server failed: {0}")]
    Serve(#[from] tonic::transport::Error),
}
