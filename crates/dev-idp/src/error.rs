//! Error types and how each reaches the other side: an HTML page for a
//! person, a redirect for a relying party, RFC 6749 JSON for a token client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mesh::config::ConfigError;
use serde::Serialize;
use url::Url;

use crate::pages;
use crate::signing::SigningKeyError;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Bind(#[from] mesh::server::BindError),
    #[error("the signing key is unusable: {0}")]
    SigningKey(#[from] SigningKeyError),
    #[error("the key generation task failed: {0}")]
    KeyTask(#[from] tokio::task::JoinError),
    #[error("serving HTTP failed: {0}")]
    Serve(std::io::Error),
}

/// RFC 6749 §4.1.2.1 error codes used at the authorization endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizeErrorCode {
    InvalidRequest,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    TemporarilyUnavailable,
}

impl AuthorizeErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

#[derive(Debug)]
pub enum AuthorizeError {
    /// The client or redirect URI is not trusted, so the person is told here
    /// and nothing is sent to the redirect URI (RFC 6749 §4.1.2.1).
    Page { status: StatusCode, message: String },
    /// The redirect URI is registered: the relying party learns what went wrong.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        code: AuthorizeErrorCode,
        description: String,
    },
}

impl AuthorizeError {
    pub fn page(message: impl Into<String>) -> Self {
        Self::Page {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl IntoResponse for AuthorizeError {
    fn into_response(self) -> Response {
        match self {
            Self::Page { status, message } => {
                tracing::info!(%message, "authorization request refused");
                (status, pages::error_page(&message)).into_response()
            }
            Self::Redirect {
                redirect_uri,
                state,
                code,
                description,
            } => {
                tracing::info!(error = code.as_str(), %description, "authorization error sent to the client");
                let Ok(mut url) = Url::parse(&redirect_uri) else {
                    return (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        pages::error_page("The registered redirect URI is not a valid URL."),
                    )
                        .into_response();
                };
                {
                    let mut query = url.query_pairs_mut();
                    query.append_pair("error", code.as_str());
                    query.append_pair("error_description", &description);
                    if let Some(state) = &state {
                        query.append_pair("state", state);
                    }
                }
                found(url.as_str())
            }
        }
    }
}

/// OAuth redirects are 302 Found (RFC 6749 §4.1.2); axum's helper only offers 303/307/308.
pub fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = StatusCode::FOUND.into_response();
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => Redirect::to("/").into_response(),
    }
}

/// RFC 6749 §5.2 token endpoint errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
    ServerError,
}

#[derive(Debug)]
pub struct TokenError {
    pub code: TokenErrorCode,
    pub description: &'static str,
}

impl TokenError {
    pub fn new(code: TokenErrorCode, description: &'static str) -> Self {
        Self { code, description }
    }
}

#[derive(Serialize)]
struct OAuthErrorBody {
    error: &'static str,
    error_description: &'static str,
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let (status, error) = match self.code {
            TokenErrorCode::InvalidRequest => (StatusCode::BAD_REQUEST, "invalid_request"),
            TokenErrorCode::InvalidClient => (StatusCode::UNAUTHORIZED, "invalid_client"),
            TokenErrorCode::InvalidGrant => (StatusCode::BAD_REQUEST, "invalid_grant"),
            TokenErrorCode::UnsupportedGrantType => {
                (StatusCode::BAD_REQUEST, "unsupported_grant_type")
            }
            TokenErrorCode::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
        };
        tracing::info!(
            error,
            description = self.description,
            "token request refused"
        );
        let mut response = (
            status,
            Json(OAuthErrorBody {
                error,
                error_description: self.description,
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.code == TokenErrorCode::InvalidClient {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"lookout-dev-idp\""),
            );
        }
        response
    }
}
