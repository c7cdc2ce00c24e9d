//! Who is calling, and how they proved it.
//!
//! Four ways to present a credential end in the same [`CurrentUser`], so
//! handlers do not care which one was used ([`credentials`] reads them):
//! - `Authorization: Bearer <access JWT>` (API clients, the CLI);
//! - cookie `lookout_session` holding the same JWT (the browser), where
//!   writes must also pass the CSRF checks of [`csrf`];
//! - `Authorization: Bearer lk_…` or `X-API-Key: lk_…`, an API key with
//!   scopes `read`/`write`;
//! - with `AUTH_PROXY_MODE`, the identity a trusted reverse proxy asserts
//!   on each request ([`proxy`]), when no header credential is presented.
//!
//! Access tokens are checked against the denylist (one token, logged out
//! without a session) and the revoked sessions (logout, session revoke,
//! refresh-token reuse: every token of the session) in Redis. If the edge
//! layer already verified the token and checked both in its rate-limit
//! round trip, it says so with [`PreverifiedAccess`] and nothing is
//! repeated. Redis unreachable means 503: authentication fails closed.
//!
//! - [`credentials`]: the one parser of what a request presents.
//! - [`tokens`]: signing and verifying access JWTs (kid rotation, typ).
//! - [`identities`]: the callers' accounts and teams, cached per replica.
//! - [`key_verdicts`]: API keys recently verified or refused here.
//! - [`cookies`], [`csrf`]: the browser session's cookies and CSRF defence.
//! - [`proxy`], [`jwks`]: identity from a trusted reverse proxy, and the key set its assertions are checked with.
//! - [`oidc`]: sign-in with an OpenID Connect provider (Google by default).
//! - [`session`]: sessions, refresh rotation, logout.
//! - [`redirect`]: the only places sign-in may send a browser back to.
//! - [`secrets`]: random tokens, hashes, API key format.

pub mod cookies;
pub mod credentials;
pub mod csrf;
pub mod identities;
pub mod jwks;
pub mod key_verdicts;
pub mod oidc;
pub mod proxy;
pub mod redirect;
pub mod secrets;
pub mod session;
pub mod tokens;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use serde_json::json;
use store::Store;
use url::Url;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::config::Config;
use crate::ephemeral::{Ephemeral, EphemeralError};
use crate::error::{ApiError, AuthFailure};
use cookies::CookieJar;
use credentials::Presented;
use csrf::AllowedOrigins;
use identities::{Identity, IdentityCache};
use key_verdicts::KeyVerdicts;
use tokens::{
    LEEWAY_SECONDS, MAX_ACCESS_TOKEN_TTL, TokenIssuer, TokenVerifier, VerifiedToken, unix_now,
};

/// The Redis key that denylists one access token.
pub fn denylist_key(jti: &str) -> String {
    format!("lookout:denylist:{jti}")
}

/// The Redis key that revokes every access token of a session.
pub fn revoked_session_key(session_id: Uuid) -> String {
    format!("lookout:revoked-session:{session_id}")
}

/// Everything authentication needs, shared by handlers and extractors.
pub struct Auth {
    pub issuer: TokenIssuer,
    /// Shared with the edge layer, which verifies tokens before rate
    /// limiting.
    pub verifier: Arc<TokenVerifier>,
    /// The gateway's one Redis handle.
    pub ephemeral: Ephemeral,
    pub cookies: CookieJar,
    pub origins: AllowedOrigins,
    pub public_base_url: Url,
    pub admin_emails: Vec<String>,
    pub allowed_email_domains: Vec<String>,
    pub allowed_emails: Vec<String>,
    pub session_lifetime: Duration,
    /// `None` when no provider is configured (development without one).
    pub oidc: Option<oidc::Provider>,
    /// Internal services by name and URL, probed on the admin health page.
    pub internal_services: Vec<(&'static str, String)>,
    /// Callers' accounts and teams, valid while Redis reports their
    /// generation; changed only through [`crate::memberships`].
    pub identities: Arc<IdentityCache>,
    /// API keys recently verified or refused by this replica.
    pub api_keys: KeyVerdicts,
    /// `None` unless `AUTH_PROXY_MODE` is set.
    pub proxy: Option<proxy::ProxyAuth>,
}

impl Auth {
    pub fn from_config(config: &Config, redis: Ephemeral) -> Self {
        let identity = &config.identity;
        let mut keys = vec![(identity.jwt_key_id.clone(), config.jwt_secret.clone())];
        keys.extend(identity.jwt_previous_secrets.iter().cloned());
        Self {
            issuer: TokenIssuer::with_key_id(
                &identity.jwt_key_id,
                &config.jwt_secret,
                &config.jwt_issuer,
            ),
            verifier: Arc::new(TokenVerifier::with_keys(&keys, &config.jwt_issuer)),
            identities: Arc::new(IdentityCache::new(redis.clone())),
            ephemeral: redis,
            cookies: CookieJar {
                // Browsers drop Secure cookies on plain http, so local
                // development over http gets them without.
                secure: config.public_base_url.scheme() == "https"
                    || config.environment.is_production(),
            },
            origins: AllowedOrigins::new(&config.public_base_url, &identity.extra_origins),
            public_base_url: config.public_base_url.clone(),
            admin_emails: identity.admin_emails.clone(),
            allowed_email_domains: identity.allowed_email_domains.clone(),
            allowed_emails: identity.allowed_emails.clone(),
            session_lifetime: identity.session_lifetime,
            oidc: identity.oidc.clone().map(oidc::Provider::new),
            internal_services: vec![
                ("browser", config.browser_url.clone()),
                ("llm", config.llm_url.clone()),
                ("notify", config.notify_url.clone()),
            ],
            api_keys: KeyVerdicts::default(),
            proxy: identity.proxy.clone().map(|settings| {
                proxy::ProxyAuth::new(
                    settings,
                    crate::edge::client_ip::TrustedProxies::new(
                        config.edge.trusted_proxies.clone(),
                    ),
                )
            }),
        }
    }

    /// The lower-cased `email` when the allow-lists admit it, and how;
    /// otherwise why not. Every way in (OpenID sign-in, a trusted proxy)
    /// asks here.
    pub fn admit_email(&self, email: &str) -> Result<(String, Admission), &'static str> {
        let email = email.to_ascii_lowercase();
        if email.parse::<email_address::EmailAddress>().is_err() {
            return Err("email address is not valid");
        }
        if self.allowed_email_domains.is_empty() && self.allowed_emails.is_empty() {
            return Ok((email, Admission::Anyone));
        }
        if self.allowed_emails.contains(&email) {
            return Ok((email, Admission::ListedEmail));
        }
        let domain = email
            .rsplit_once('@')
            .map(|(_, domain)| domain)
            .unwrap_or_default();
        if !self
            .allowed_email_domains
            .iter()
            .any(|allowed| allowed == domain)
        {
            return Err("email domain not allowed");
        }
        Ok((email, Admission::Domain))
    }

    pub fn is_admin(&self, email: &str) -> bool {
        self.admin_emails
            .iter()
            .any(|admin| admin.eq_ignore_ascii_case(email))
    }

    /// Verifies an access token and checks that neither it nor its session
    /// was revoked (one `EXISTS`).
    pub async fn verify_access(&self, token: &str) -> Result<VerifiedToken, ApiError> {
        let verified = self.verifier.verify(token).map_err(|error| {
            tracing::info!(%error, "refused an access token");
            ApiError::Unauthorized(AuthFailure::Invalid)
        })?;
        let mut revocations = vec![denylist_key(&verified.jti)];
        revocations.extend(verified.session_id.map(revoked_session_key));
        if self.ephemeral.any_exists(&revocations).await? {
            tracing::info!("refused a logged-out access token");
            return Err(ApiError::Unauthorized(AuthFailure::Invalid));
        }
        Ok(verified)
    }

    /// Revokes every access token issued for `session_id`, older ones
    /// included. Tokens live at most [`MAX_ACCESS_TOKEN_TTL`] and the
    /// session issues no new one once revoked in the database, so the
    /// entry outlives every token it refuses.
    pub async fn revoke_session(&self, session_id: Uuid) -> Result<(), EphemeralError> {
        let ttl = MAX_ACCESS_TOKEN_TTL + Duration::from_secs(LEEWAY_SECONDS);
        self.ephemeral
            .set(&revoked_session_key(session_id), "1", ttl)
            .await
    }

    /// Denylists an access token until it would have expired anyway.
    pub async fn denylist(&self, jti: &str, expires_at: u64) -> Result<(), EphemeralError> {
        let remaining = (expires_at + LEEWAY_SECONDS).saturating_sub(unix_now());
        if remaining == 0 {
            return Ok(());
        }
        self.ephemeral
            .set(&denylist_key(jti), "1", Duration::from_secs(remaining))
            .await
    }
}

/// Why the allow-lists admit an email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// No allow-list is configured.
    Anyone,
    /// In `ALLOWED_EMAILS`.
    ListedEmail,
    /// Its domain is in `ALLOWED_EMAIL_DOMAINS` (a provider may have to
    /// vouch that the domain manages the account).
    Domain,
}

/// Put in request extensions by the edge layer when it has verified the
/// request's access token (signature, claims) and checked the denylist in
/// the same Redis round trip as the rate limit. [`CurrentUser`] then skips
/// both. It must describe the token this very request presented.
#[derive(Debug, Clone)]
pub struct PreverifiedAccess {
    pub claims: VerifiedToken,
    /// The caller's identity generation read in the same round trip (see
    /// [`identities`]); 0 when Redis did not report one.
    pub identity_generation: i64,
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An access token we signed, from the `Authorization` header or the
    /// session cookie. `jti` is what a logout denylists.
    AccessToken {
        jti: String,
        expires_at: u64,
        session_id: Option<Uuid>,
        via_cookie: bool,
    },
    /// An API key; `scopes` are `read` and/or `write`.
    ApiKey { id: Uuid, scopes: Vec<String> },
    /// The identity a trusted reverse proxy asserted for this request.
    Proxy,
}

/// The authenticated caller of a request. Taking it as a handler argument
/// is what makes a route authenticated.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub is_admin: bool,
    pub credential: Credential,
    /// The caller's account and teams when they came from the identity
    /// cache at a generation Redis confirmed for this request; handlers that
    /// show teams use them instead of asking the database again.
    pub identity: Option<Arc<Identity>>,
}

impl CurrentUser {
    /// A signed-in person (session or access token), not a script's key.
    pub fn is_signed_in(&self) -> bool {
        matches!(
            self.credential,
            Credential::AccessToken { .. } | Credential::Proxy
        )
    }

    pub fn session_id(&self) -> Option<Uuid> {
        match &self.credential {
            Credential::AccessToken { session_id, .. } => *session_id,
            Credential::ApiKey { .. } | Credential::Proxy => None,
        }
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
    Store: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Arc::<Auth>::from_ref(state);
        let store = Store::from_ref(state);
        // Taken, not cloned: one extraction per request reads it.
        let preverified = parts.extensions.remove::<PreverifiedAccess>();
        let presented = credentials::presented(&parts.headers);
        // A header credential is explicit and wins; the proxy's identity
        // comes before the session cookie and in place of "missing".
        let explicit = matches!(
            presented,
            Ok(Presented::ApiKey(_)
                | Presented::AccessToken {
                    via_cookie: false,
                    ..
                })
                | Err(credentials::Unreadable::Ambiguous | credentials::Unreadable::Malformed)
        );
        if !explicit
            && let Some(proxy) = &auth.proxy
            && proxy.is_asserted(&parts.headers)
        {
            return proxy_user(parts, &auth, &store, proxy).await;
        }
        let (token, via_cookie) = match presented? {
            Presented::ApiKey(key) => return api_key_user(parts, &auth, &store, key).await,
            Presented::AccessToken { token, via_cookie } => (token, via_cookie),
        };
        if via_cookie
            && let Err(failure) = csrf::check(&parts.method, &parts.headers, &auth.origins)
        {
            tracing::info!(reason = failure.as_str(), "refused a cross-site write");
            return Err(ApiError::Forbidden("cross-site request refused".to_owned()));
        }
        let (verified, generation) = match preverified {
            Some(preverified) => (preverified.claims, preverified.identity_generation),
            None => (auth.verify_access(token).await?, 0),
        };
        let credential = Credential::AccessToken {
            jti: verified.jti,
            expires_at: verified.expires_at,
            session_id: verified.session_id,
            via_cookie,
        };
        // A token can outlive its account; such a token authenticates nobody.
        let refused = || ApiError::Unauthorized(AuthFailure::Invalid);
        let identity = if generation == 0 {
            None
        } else {
            let identity = auth
                .identities
                .get_or_load(&store, verified.user_id, generation)
                .await?;
            Some(identity.ok_or_else(refused)?)
        };
        let (id, email) = match &identity {
            Some(identity) => (identity.user.id, identity.user.email.clone()),
            None => {
                let user = store
                    .find_user(verified.user_id)
                    .await?
                    .ok_or_else(refused)?;
                (user.id, user.email)
            }
        };
        Ok(Self {
            is_admin: auth.is_admin(&email),
            id,
            email,
            credential,
            identity,
        })
    }
}

async fn proxy_user(
    parts: &Parts,
    auth: &Auth,
    store: &Store,
    proxy: &proxy::ProxyAuth,
) -> Result<CurrentUser, ApiError> {
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0);
    let identity = proxy.identify(&parts.headers, peer).await?;
    if let Err(failure) = csrf::check_origin(&parts.method, &parts.headers, &auth.origins) {
        tracing::info!(reason = failure.as_str(), "refused a cross-site write");
        return Err(ApiError::Forbidden("cross-site request refused".to_owned()));
    }
    let context = AuditContext::from_parts(parts);
    let (id, email) = proxy.account(auth, store, &identity, &context).await?;
    Ok(CurrentUser {
        is_admin: auth.is_admin(&email),
        id,
        email,
        credential: Credential::Proxy,
        identity: None,
    })
}

/// A key with no stored row is compared against this, so the time taken
/// does not reveal whether a prefix exists.
const ABSENT_KEY_HASH: [u8; 32] = [0; 32];

async fn api_key_user(
    parts: &Parts,
    auth: &Auth,
    store: &Store,
    presented: &str,
) -> Result<CurrentUser, ApiError> {
    let refused = ApiError::Unauthorized(AuthFailure::Invalid);
    let Some((prefix, secret)) = secrets::parse_api_key(presented) else {
        return Err(refused);
    };
    if auth.api_keys.was_refused(presented) {
        tracing::info!("refused an unknown API key again");
        return Err(refused);
    }
    let stored = store.find_api_key_by_prefix(prefix).await?;
    let expected = stored
        .as_ref()
        .map_or(&ABSENT_KEY_HASH[..], |stored| &stored.secret_hash[..]);
    let matches = secrets::equal(&secrets::sha256(secret), expected);
    let Some(stored) = stored.filter(|_| matches) else {
        tracing::info!("refused an unknown API key");
        auth.api_keys.remember_refused(presented);
        return Err(refused);
    };
    let (key, email) = (stored.key, stored.owner_email);
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
        tracing::info!(key = %key.id, "refused a revoked or expired API key");
        auth.api_keys.remember_refused(presented);
        return Err(refused);
    }
    auth.api_keys.remember_verified(presented, key.user_id);
    let writes = !csrf::is_safe_method(&parts.method);
    if writes && !key.scopes.iter().any(|scope| scope == "write") {
        audit::record(
            store,
            &AuditContext::from_parts(parts),
            audit::Actor::User {
                id: key.user_id,
                email: &email,
            },
            "api_key.wrong_scope",
            Some(&key.id.to_string()),
            json!({"method": parts.method.as_str(), "path": parts.uri.path()}),
        )
        .await;
        return Err(ApiError::Forbidden(
            "this API key is read-only; use a key with the write scope".to_owned(),
        ));
    }
    store.touch_api_key(&key).await?;
    Ok(CurrentUser {
        is_admin: auth.is_admin(&email),
        id: key.user_id,
        email,
        credential: Credential::ApiKey {
            id: key.id,
            scopes: key.scopes,
        },
        identity: None,
    })
}

/// A caller in `ADMIN_EMAILS`; everyone else gets 403.
#[derive(Debug, Clone)]
pub struct AdminUser(pub CurrentUser);

impl<S> FromRequestParts<S> for AdminUser
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
    Store: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        if !user.is_admin {
            return Err(ApiError::Forbidden("administrators only".to_owned()));
        }
        Ok(Self(user))
    }
}
