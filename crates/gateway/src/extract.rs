//! Extractors whose rejections are [`ApiError`]s, so a malformed body, a bad
//! id or a wrong content type gets the same JSON error shape as everything
//! else.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body in, or a JSON body out.
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
            "expected a JSON body with Content-Type: application/json".to_owned(),
        ),
        JsonRejection::JsonSyntaxError(error) => {
            ApiError::BadRequest(format!("malformed JSON: {}", innermost(&error)))
        }
        // Unknown field, missing field, wrong type: serde's message names the
        // field and the position, which is what the client needs.
        JsonRejection::JsonDataError(error) => {
            ApiError::InvalidBody(format!("invalid request body: {}", innermost(&error)))
        }
        JsonRejection::BytesRejection(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge
        }
        other => ApiError::BadRequest(format!("unreadable request body: {}", other.body_text())),
    }
}

/// serde's own message, without axum's wrapping sentences.
fn innermost(error: &dyn std::error::Error) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Path parameters. A parameter that does not parse (e.g. not a UUID) names
/// no resource, so it answers 404 like a missing one.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(ApiError::NotFound),
            Err(other) => Err(ApiError::Internal(format!(
                "path extraction: {}",
                other.body_text()
            ))),
        }
    }
}

/// Query string parameters.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(error)) => Err(
                ApiError::BadRequest(format!("invalid query string: {}", innermost(&error))),
            ),
            Err(other) => Err(ApiError::BadRequest(other.body_text())),
        }
    }
}

/// The caller, when a signed-in person (session cookie or access token),
/// never a script's API key: account security (sessions, API keys) is
/// managed only this way, so a leaked key can neither revoke its owner's
/// sessions, mint, list or delete keys, nor read where its owner signs in.
pub struct SignedInUser(pub crate::auth::CurrentUser);

impl<S> FromRequestParts<S> for SignedInUser
where
    S: Send + Sync,
    crate::auth::CurrentUser: FromRequestParts<S, Rejection = ApiError>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = crate::auth::CurrentUser::from_request_parts(parts, state).await?;
        if user.is_signed_in() {
            Ok(Self(user))
        } else {
            Err(ApiError::Forbidden(
                "sessions and API keys are managed only by a signed-in user, not with an API key"
                    .to_owned(),
            ))
        }
    }
}
