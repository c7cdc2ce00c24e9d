//! The authorization endpoint: validate the request, show the sign-in form,
//! turn a submitted form into a one-time authorization code.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::form::Params;
use super::{AUTHORIZE_PATH, AppState, Provider};
use crate::domain::{
    Email, Identity, IdentityError, constant_time_eq, is_valid_s256_challenge, parse_hosted_domain,
    parse_name, random_token, token_key,
};
use crate::error::{AuthorizeError, AuthorizeErrorCode, found};
use crate::pages::{self, SignInPage};
use crate::store::{AuthorizationGrant, PendingAuthorization};

/// Binds a rendered form to the browser that asked for it, so another site
/// cannot submit a form it obtained itself in the victim's browser.
const BROWSER_COOKIE: &str = "lookout_dev_idp_browser";

/// Generous bounds that still keep stored state small.
const MAX_STATE_LEN: usize = 512;
const MAX_NONCE_LEN: usize = 512;

const SUPPORTED_SCOPES: &[&str] = &["openid", "email", "profile"];

pub async fn show_form(
    State(provider): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AuthorizeError> {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let mut pending = validate_request(&provider, &params)?;

    let (binding, new_cookie) = match cookie(&headers, BROWSER_COOKIE) {
        Some(existing) if existing.len() == 43 => (existing, false),
        _ => (random_token(), true),
    };
    pending.browser_binding = token_key(&binding);

    let csrf_token = random_token();
    provider
        .store
        .insert_form(&csrf_token, pending.clone(), provider.lifetimes.form)
        .map_err(|error| {
            redirect_error(
                &pending,
                AuthorizeErrorCode::TemporarilyUnavailable,
                error.to_string(),
            )
        })?;

    let mut response = render_form(
        &provider,
        &pending,
        &csrf_token,
        &FormValues {
            email: pending.login_hint.as_deref().unwrap_or_default(),
            name: "",
            hosted_domain: "",
        },
        None,
    );
    if new_cookie {
        let secure = if provider.issuer.starts_with("https://") {
            "; Secure"
        } else {
            ""
        };
        let value =
            format!("{BROWSER_COOKIE}={binding}; Path=/; HttpOnly; SameSite=Strict{secure}");
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// RFC 6749 §4.1.1 and OpenID Connect Core §3.1.2.1, plus what Lookout
/// insists on: `state`, `nonce` and S256 PKCE are all required.
fn validate_request(
    provider: &Provider,
    params: &Params,
) -> Result<PendingAuthorization, AuthorizeError> {
    let client_id = params.get("client_id").ok_or_else(|| {
        AuthorizeError::page("The request names no client (client_id is missing).")
    })?;
    if !constant_time_eq(client_id.as_bytes(), provider.client.client_id.as_bytes()) {
        return Err(AuthorizeError::page(
            "The client is not registered with this provider.",
        ));
    }
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| AuthorizeError::page("The request has no redirect_uri."))?;
    if !provider
        .client
        .redirect_uris
        .iter()
        .any(|registered| registered == redirect_uri)
    {
        return Err(AuthorizeError::page(
            "The redirect_uri is not registered for this client, so the sign-in result is not sent there.",
        ));
    }
    if matches!(
        params.repeated.as_deref(),
        Some("client_id" | "redirect_uri")
    ) {
        return Err(AuthorizeError::page(
            "A parameter was given more than once.",
        ));
    }

    let echo_state = params.get("state").map(str::to_owned);
    let fail = |code: AuthorizeErrorCode, description: &str| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        state: echo_state.clone(),
        code,
        description: description.to_owned(),
    };
    use AuthorizeErrorCode::{InvalidRequest, InvalidScope, UnsupportedResponseType};

    if let Some(name) = &params.repeated {
        return Err(fail(
            InvalidRequest,
            &format!("parameter {name} was given more than once"),
        ));
    }
    match params.get("response_type") {
        None => return Err(fail(InvalidRequest, "response_type is required")),
        Some("code") => {}
        Some(_) => {
            return Err(fail(
                UnsupportedResponseType,
                "only response_type=code is supported",
            ));
        }
    }
    if params
        .get("response_mode")
        .is_some_and(|mode| mode != "query")
    {
        return Err(fail(
            InvalidRequest,
            "only response_mode=query is supported",
        ));
    }
    if params.get("request").is_some() || params.get("request_uri").is_some() {
        return Err(fail(InvalidRequest, "request objects are not supported"));
    }
    let requested: Vec<&str> = params.get("scope").unwrap_or_default().split(' ').collect();
    if !requested.contains(&"openid") {
        return Err(fail(InvalidScope, "scope must include openid"));
    }
    // Unknown scopes are ignored, as OpenID Connect Core §3.1.2.1 asks.
    let scope: Vec<String> = SUPPORTED_SCOPES
        .iter()
        .filter(|supported| requested.contains(supported))
        .map(|supported| (*supported).to_owned())
        .collect();

    let state = params
        .get("state")
        .ok_or_else(|| fail(InvalidRequest, "state is required"))?;
    if state.len() > MAX_STATE_LEN {
        return Err(fail(InvalidRequest, "state is too long"));
    }
    let nonce = params
        .get("nonce")
        .ok_or_else(|| fail(InvalidRequest, "nonce is required"))?;
    if nonce.len() > MAX_NONCE_LEN {
        return Err(fail(InvalidRequest, "nonce is too long"));
    }
    let code_challenge = params.get("code_challenge").ok_or_else(|| {
        fail(
            InvalidRequest,
            "PKCE is required: code_challenge is missing",
        )
    })?;
    // RFC 7636 defaults a missing method to "plain", which is refused here.
    if params.get("code_challenge_method") != Some("S256") {
        return Err(fail(InvalidRequest, "code_challenge_method must be S256"));
    }
    if !is_valid_s256_challenge(code_challenge) {
        return Err(fail(
            InvalidRequest,
            "code_challenge is not a base64url SHA-256 digest",
        ));
    }

    Ok(PendingAuthorization {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        state: state.to_owned(),
        nonce: nonce.to_owned(),
        code_challenge: code_challenge.to_owned(),
        scope,
        login_hint: params
            .get("login_hint")
            .and_then(|hint| Email::parse(hint).ok())
            .map(|email| email.as_str().to_owned()),
        browser_binding: String::new(),
    })
}

pub async fn submit_form(
    State(provider): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AuthorizeError> {
    let params = Params::parse(&body);
    let csrf_token = params.get("csrf_token").unwrap_or_default();
    let pending = provider.store.peek_form(csrf_token).ok_or_else(|| {
        AuthorizeError::page("This sign-in form has expired or was already used.")
    })?;
    let binding = cookie(&headers, BROWSER_COOKIE).unwrap_or_default();
    if !constant_time_eq(
        token_key(&binding).as_bytes(),
        pending.browser_binding.as_bytes(),
    ) {
        return Err(AuthorizeError::Page {
            status: StatusCode::FORBIDDEN,
            message: "This sign-in form was not opened in this browser.".to_owned(),
        });
    }

    if params.get("decision") == Some("deny") {
        provider.store.take_form(csrf_token);
        return Err(redirect_error(
            &pending,
            AuthorizeErrorCode::AccessDenied,
            "the user cancelled the sign-in".to_owned(),
        ));
    }

    let values = FormValues {
        email: params.get("email").unwrap_or_default(),
        name: params.get("name").unwrap_or_default(),
        hosted_domain: params.get("hd").unwrap_or_default(),
    };
    let identity = match read_identity(&params, &values) {
        Ok(identity) => identity,
        Err(error) => {
            let page = render_form(
                &provider,
                &pending,
                csrf_token,
                &values,
                Some(&error.to_string()),
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };

    let pending = provider.store.take_form(csrf_token).ok_or_else(|| {
        AuthorizeError::page("This sign-in form has expired or was already used.")
    })?;
    let code = random_token();
    let grant = AuthorizationGrant {
        client_id: pending.client_id.clone(),
        redirect_uri: pending.redirect_uri.clone(),
        code_challenge: pending.code_challenge.clone(),
        nonce: pending.nonce.clone(),
        scope: pending.scope.clone(),
        identity,
        auth_time: unix_now(),
    };
    provider
        .store
        .insert_code(&code, grant, provider.lifetimes.code)
        .map_err(|error| {
            redirect_error(
                &pending,
                AuthorizeErrorCode::TemporarilyUnavailable,
                error.to_string(),
            )
        })?;

    let mut location = Url::parse(&pending.redirect_uri)
        .map_err(|_| AuthorizeError::page("The registered redirect URI is not a valid URL."))?;
    location
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &pending.state);
    tracing::info!(client_id = %pending.client_id, "authorization code issued");
    Ok(found(location.as_str()))
}

struct FormValues<'a> {
    email: &'a str,
    name: &'a str,
    hosted_domain: &'a str,
}

fn read_identity(params: &Params, values: &FormValues<'_>) -> Result<Identity, IdentityError> {
    let email_verified = if params.is_set("omit_email_verified") {
        None
    } else {
        // An unchecked checkbox is simply absent from the submission.
        Some(params.is_set("email_verified"))
    };
    Ok(Identity {
        email: Email::parse(values.email)?,
        email_verified,
        name: parse_name(values.name)?,
        hosted_domain: parse_hosted_domain(values.hosted_domain)?,
    })
}

fn render_form(
    provider: &Provider,
    pending: &PendingAuthorization,
    csrf_token: &str,
    values: &FormValues<'_>,
    error: Option<&str>,
) -> Response {
    let redirect_origin = Url::parse(&pending.redirect_uri)
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_else(|_| "'none'".to_owned());
    pages::sign_in(&SignInPage {
        action: &provider.endpoint(AUTHORIZE_PATH),
        client_id: &pending.client_id,
        csrf_token,
        email: values.email,
        name: values.name,
        hosted_domain: values.hosted_domain,
        error,
        redirect_origin: &redirect_origin,
    })
}

fn redirect_error(
    pending: &PendingAuthorization,
    code: AuthorizeErrorCode,
    description: String,
) -> AuthorizeError {
    AuthorizeError::Redirect {
        redirect_uri: pending.redirect_uri.clone(),
        state: Some(pending.state.clone()),
        code,
        description,
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default()
}
