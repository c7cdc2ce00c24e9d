//! Sign-in and the browser session: `/auth/google/login`,
//! `/auth/google/callback`, `/auth/refresh`, `/auth/logout`.
//!
//! A refused sign-in answers a browser (which asked for HTML) with a
//! redirect to `/?error=<code>` that the UI explains, and anything else with
//! the API's JSON error and a precise status: 400 for a broken or replayed
//! flow (state), 401 when the provider's answer does not hold up (code,
//! ID token, nonce), 403 when the person may not sign in here (unverified
//! email, domain, allow-list, or an email that now belongs to another
//! person at the provider). Every refusal is audited with its reason.
//!
//! An account is found by the ID token's `(iss, sub)`, never by email
//! alone ([`store::Store::sign_in_account`]).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{ACCEPT, LOCATION};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::users::{ProviderIdentity, SignInAccount, SignInRefusal};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::{self, Actor, AuditContext};
use crate::auth::credentials::{self, Presented, Unreadable};
use crate::auth::oidc::{Identity, OidcError, Provider};
use crate::auth::redirect::safe_redirect;
use crate::auth::session::{self, Refreshed, SIGN_IN_ATTEMPT_TTL};
use crate::auth::{Admission, Auth, cookies, csrf, secrets};
use crate::error::{ApiError, AuthFailure};
use crate::extract::{Json, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(callback))
        .routes(routes!(refresh))
        .routes(routes!(logout))
}

fn attempt_key(state: &str) -> String {
    // Hashed so the Redis key space holds no usable state values.
    format!("lookout:oauth:{}", hex::encode(secrets::sha256(state)))
}

/// What is kept server-side between login and callback.
#[derive(Serialize, Deserialize)]
struct SignInAttempt {
    nonce: String,
    pkce_verifier: String,
    redirect_to: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// Where to go after signing in: a path on this site (e.g. `/#/monitors`).
    redirect_to: Option<String>,
}

fn provider(auth: &Auth) -> Result<&Provider, ApiError> {
    auth.oidc.as_ref().ok_or(ApiError::Unavailable {
        message: "sign-in is not configured on this server",
        detail: "GOOGLE_CLIENT_ID is not set".to_owned(),
    })
}

fn provider_unavailable(error: OidcError) -> ApiError {
    ApiError::Unavailable {
        message: "the identity provider is unavailable, try again later",
        detail: error.to_string(),
    }
}

/// Starts sign-in: redirects to the identity provider.
#[utoipa::path(get, path = "/auth/google/login", tag = "auth", params(LoginQuery),
    responses((status = 302, description = "Redirect to the identity provider"),
              (status = 400, description = "`redirect_to` is not a path on this site")))]
async fn login(
    State(auth): State<Arc<Auth>>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, ApiError> {
    let redirect_to = match query.redirect_to.as_deref() {
        None | Some("") => "/".to_owned(),
        Some(raw) => safe_redirect(raw).ok_or_else(|| {
            ApiError::BadRequest("redirect_to must be a path on this site".to_owned())
        })?,
    };
    let authorization = provider(&auth)?
        .authorize()
        .await
        .map_err(provider_unavailable)?;
    let attempt = SignInAttempt {
        nonce: authorization.nonce,
        pkce_verifier: authorization.pkce_verifier,
        redirect_to,
    };
    let value =
        serde_json::to_string(&attempt).map_err(|error| ApiError::Internal(error.to_string()))?;
    auth.ephemeral
        .set(
            &attempt_key(&authorization.state),
            &value,
            SIGN_IN_ATTEMPT_TTL,
        )
        .await?;
    let mut response = redirect(StatusCode::FOUND, authorization.url.as_str());
    auth.cookies.set_oauth_state(
        response.headers_mut(),
        &authorization.state,
        SIGN_IN_ATTEMPT_TTL,
    );
    Ok(response)
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// Set by the provider when the person cancelled or was refused.
    error: Option<String>,
    /// The issuer of this response (RFC 9207), from providers that add it.
    iss: Option<String>,
}

/// A refused sign-in: the status for API clients, the code for the UI and
/// the reason for the audit trail.
struct Refusal {
    error: ApiError,
    code: &'static str,
    reason: String,
}

impl Refusal {
    fn state(reason: &str) -> Self {
        Self {
            error: ApiError::BadRequest(
                "the sign-in attempt is missing, expired or was already used; start again"
                    .to_owned(),
            ),
            code: "invalid_state",
            reason: reason.to_owned(),
        }
    }

    fn provider(reason: String) -> Self {
        Self {
            error: ApiError::Unauthorized(AuthFailure::Invalid),
            code: "sign_in_failed",
            reason,
        }
    }

    /// The provider's person cannot have the account its email names.
    fn account(refusal: SignInRefusal) -> Self {
        let reason = match refusal {
            SignInRefusal::EmailBoundToAnotherSubject { user_id } => format!(
                "the email belongs to account {user_id}, bound to another subject at the provider"
            ),
            SignInRefusal::EmailHeldByAnotherAccount { user_id } => {
                format!("the provider changed this subject's email to one account {user_id} holds")
            }
        };
        Self {
            error: ApiError::Forbidden(
                "this sign-in does not match the account that uses its email address; ask an administrator"
                    .to_owned(),
            ),
            code: "account_conflict",
            reason,
        }
    }

    fn forbidden(reason: &str) -> Self {
        Self {
            error: ApiError::Forbidden("this account may not sign in here".to_owned()),
            code: "access_denied",
            reason: reason.to_owned(),
        }
    }
}

/// Finishes sign-in: checks the state, redeems the code, verifies the ID
/// token and starts a session.
#[utoipa::path(get, path = "/auth/google/callback", tag = "auth", params(CallbackQuery),
    responses((status = 303, description = "Signed in: session cookies set, redirect to `redirect_to`"),
              (status = 400, description = "State missing, mismatched, expired or reused"),
              (status = 401, description = "The provider's answer did not verify"),
              (status = 403, description = "Unverified email or a domain that may not sign in")))]
async fn callback(
    State(auth): State<Arc<Auth>>,
    State(store): State<Store>,
    context: AuditContext,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, ApiError> {
    let wants_html = headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let outcome = sign_in(&auth, &store, &context, &headers, &query).await;
    let mut response = match outcome {
        Ok(response) => response,
        Err(SignInError::Refused(refusal)) => {
            tracing::info!(reason = %refusal.reason, "refused a sign-in");
            audit::record(
                &store,
                &context,
                Actor::Anonymous,
                "sign_in.refused",
                None,
                json!({"reason": refusal.reason}),
            )
            .await;
            if wants_html {
                redirect(StatusCode::SEE_OTHER, &format!("/?error={}", refusal.code))
            } else {
                refusal.error.into_response()
            }
        }
        Err(SignInError::Failed(error)) => error.into_response(),
    };
    auth.cookies.clear_oauth_state(response.headers_mut());
    Ok(response)
}

enum SignInError {
    Refused(Refusal),
    Failed(ApiError),
}

impl From<ApiError> for SignInError {
    fn from(error: ApiError) -> Self {
        Self::Failed(error)
    }
}

impl From<store::StoreError> for SignInError {
    fn from(error: store::StoreError) -> Self {
        Self::Failed(error.into())
    }
}

async fn sign_in(
    auth: &Auth,
    store: &Store,
    context: &AuditContext,
    headers: &HeaderMap,
    query: &CallbackQuery,
) -> Result<Response, SignInError> {
    let provider = provider(auth)?;
    // The state is checked before anything else, the code in particular.
    let Some(state) = query.state.as_deref().filter(|state| !state.is_empty()) else {
        return Err(SignInError::Refused(Refusal::state("state missing")));
    };
    let bound = cookies::get(headers, cookies::OAUTH_STATE).unwrap_or_default();
    if !secrets::equal(bound.as_bytes(), state.as_bytes()) {
        return Err(SignInError::Refused(Refusal::state(
            "state does not match this browser's sign-in",
        )));
    }
    let attempt = auth
        .ephemeral
        .take(&attempt_key(state))
        .await
        .map_err(ApiError::from)?;
    let Some(attempt) =
        attempt.and_then(|value| serde_json::from_str::<SignInAttempt>(&value).ok())
    else {
        return Err(SignInError::Refused(Refusal::state(
            "state expired or already used",
        )));
    };
    if let Some(error) = &query.error {
        return Err(SignInError::Refused(Refusal {
            error: ApiError::Unauthorized(AuthFailure::Invalid),
            code: "access_denied",
            reason: format!(
                "provider answered {}",
                error.chars().take(64).collect::<String>()
            ),
        }));
    }
    let Some(code) = query.code.as_deref().filter(|code| !code.is_empty()) else {
        return Err(SignInError::Refused(Refusal::provider(
            "code missing".to_owned(),
        )));
    };
    let identity = match provider
        .redeem(
            code,
            &attempt.pkce_verifier,
            &attempt.nonce,
            query.iss.as_deref(),
        )
        .await
    {
        Ok(identity) => identity,
        Err(error @ OidcError::Unavailable(_)) => {
            return Err(SignInError::Failed(provider_unavailable(error)));
        }
        Err(error) => return Err(SignInError::Refused(Refusal::provider(error.to_string()))),
    };
    let email = admissible_email(auth, provider, &identity)
        .map_err(|reason| SignInError::Refused(Refusal::forbidden(reason)))?;
    let name = identity.name.as_deref().unwrap_or_default();
    let account = store
        .sign_in_account(ProviderIdentity {
            issuer: &identity.issuer,
            subject: &identity.subject,
            email: &email,
            display_name: name,
        })
        .await?
        .map_err(|refusal| SignInError::Refused(Refusal::account(refusal)))?;
    if let SignInAccount::Linked(user) = &account {
        tracing::info!(user = %user.id, "bound an existing account to its provider subject");
    }
    let user = account.user();
    store.record_sign_in(user.id, name).await?;
    let tokens = session::start(auth, store, user.id, context).await?;
    audit::record(
        store,
        context,
        Actor::User {
            id: user.id,
            email: &user.email,
        },
        "sign_in",
        Some(&tokens.session_id.to_string()),
        json!({
            "issuer": identity.issuer,
            "linked_by_email": matches!(account, SignInAccount::Linked(_)),
        }),
    )
    .await;
    let mut response = redirect(StatusCode::SEE_OTHER, &attempt.redirect_to);
    tokens.set_cookies(auth, response.headers_mut());
    Ok(response)
}

/// The lower-cased email of a person allowed to sign in, or why not.
fn admissible_email(
    auth: &Auth,
    provider: &Provider,
    identity: &Identity,
) -> Result<String, &'static str> {
    match identity.email_verified {
        Some(true) => {}
        None if provider.assumes_email_verified() => {}
        None => return Err("email_verified missing (see OIDC_ASSUME_EMAIL_VERIFIED)"),
        Some(false) => return Err("email not verified"),
    }
    let email = identity
        .email
        .as_deref()
        .ok_or("no email in the ID token or from UserInfo")?;
    let (email, admission) = auth.admit_email(email)?;
    if admission != Admission::Domain {
        return Ok(email);
    }
    // A Google account with an address at an allowed domain is not
    // necessarily managed by that domain's Workspace; `hd` says it is.
    match identity
        .hosted_domain
        .as_deref()
        .map(str::to_ascii_lowercase)
    {
        Some(hd) if auth.allowed_email_domains.contains(&hd) => Ok(email),
        Some(_) => Err("hosted domain not allowed"),
        None if provider.is_google() => Err("hosted domain missing"),
        None => Ok(email),
    }
}

#[derive(Serialize, ToSchema)]
pub struct Refreshed200 {
    /// Seconds until the new access token (in the session cookie) expires.
    expires_in: u64,
}

fn with_cleared_cookies(auth: &Auth, mut response: Response) -> Response {
    auth.cookies.clear_session(response.headers_mut());
    response
}

/// Rotates the refresh token (cookie `lookout_refresh`) and renews the
/// session cookie. A token used twice revokes its session.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth",
    responses((status = 200, body = Refreshed200, description = "New session cookies set"),
              (status = 401, description = "No, unknown, revoked or reused refresh token"),
              (status = 403, description = "Cross-site request")))]
async fn refresh(
    State(auth): State<Arc<Auth>>,
    State(store): State<Store>,
    context: AuditContext,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let refused = || {
        with_cleared_cookies(
            &auth,
            ApiError::Unauthorized(AuthFailure::Invalid).into_response(),
        )
    };
    // No refresh cookie, no ambient credential to forge: a signed-out page
    // load asking for a refresh is simply not signed in (401), whatever its
    // origin. The CSRF check guards only a request that carries the cookie.
    let Some(presented) = cookies::get(&headers, cookies::REFRESH) else {
        return Ok(refused());
    };
    if let Err(failure) = csrf::check(&Method::POST, &headers, &auth.origins) {
        tracing::info!(reason = failure.as_str(), "refused a cross-site refresh");
        return Err(ApiError::Forbidden("cross-site request refused".to_owned()));
    }
    match session::refresh(&auth, &store, presented).await? {
        Refreshed::Rotated(mut tokens) => {
            // The CSRF token stays for the session: requests the UI sent
            // before this refresh still carry it.
            if let Some(current) = cookies::get(&headers, cookies::CSRF) {
                current.clone_into(&mut tokens.csrf_token);
            }
            let mut response = Json(Refreshed200 {
                expires_in: tokens.expires_in(),
            })
            .into_response();
            tokens.set_cookies(&auth, response.headers_mut());
            Ok(response)
        }
        Refreshed::ReuseDetected {
            session_id,
            user_id,
        } => {
            tracing::warn!(session = %session_id, "refresh token reused: session revoked");
            let email = store
                .find_user(user_id)
                .await?
                .map(|user| user.email)
                .unwrap_or_default();
            audit::record(
                &store,
                &context,
                Actor::User {
                    id: user_id,
                    email: &email,
                },
                "session.refresh_reuse",
                Some(&session_id.to_string()),
                json!({}),
            )
            .await;
            Ok(refused())
        }
        Refreshed::Invalid => Ok(refused()),
    }
}

/// Signs out: revokes the session (refresh family) and every access token
/// it issued. Always clears the cookies.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"),
              (status = 403, description = "Cross-site request")))]
async fn logout(
    State(auth): State<Arc<Auth>>,
    State(store): State<Store>,
    context: AuditContext,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let presented = credentials::presented(&headers);
    if presented == Err(Unreadable::Ambiguous) {
        return Err(Unreadable::Ambiguous.into());
    }
    let from_header = matches!(
        presented,
        Ok(Presented::ApiKey(_)
            | Presented::AccessToken {
                via_cookie: false,
                ..
            })
    );
    // A browser's logout rides on cookies, so it is a forgeable write.
    if !from_header && let Err(failure) = csrf::check(&Method::POST, &headers, &auth.origins) {
        tracing::info!(reason = failure.as_str(), "refused a cross-site logout");
        return Err(ApiError::Forbidden("cross-site request refused".to_owned()));
    }
    let mut user = None;
    let mut sessions = Vec::new();
    if let Ok(Presented::AccessToken { token, .. }) = presented
        && let Ok(verified) = auth.verifier.verify(token)
    {
        // Tokens minted without a session (the operator CLI) are revoked
        // one by one; a session's tokens all at once below.
        if verified.session_id.is_none() {
            auth.denylist(&verified.jti, verified.expires_at).await?;
        }
        user = Some(verified.user_id);
        sessions.extend(verified.session_id.map(|id| (id, verified.user_id)));
    }
    if let Some(refresh) = cookies::get(&headers, cookies::REFRESH)
        && let Some(found) = store
            .session_of_refresh_token(&secrets::sha256(refresh))
            .await?
    {
        user = user.or(Some(found.1));
        sessions.push(found);
    }
    for (session_id, user_id) in sessions {
        store.revoke_session(user_id, session_id, "logout").await?;
        // Also when the session was revoked already: a stale cookie's
        // token must stop working whatever the database said.
        auth.revoke_session(session_id).await?;
    }
    if let Some(user_id) = user {
        let email = store
            .find_user(user_id)
            .await?
            .map(|user| user.email)
            .unwrap_or_default();
        audit::record(
            &store,
            &context,
            Actor::User {
                id: user_id,
                email: &email,
            },
            "sign_out",
            None,
            json!({}),
        )
        .await;
    }
    Ok(with_cleared_cookies(
        &auth,
        StatusCode::NO_CONTENT.into_response(),
    ))
}
