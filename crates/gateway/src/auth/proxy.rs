//! Identity from a trusted reverse proxy (`AUTH_PROXY_MODE`), per request
//! and without cookies: the proxy authenticates every request, so the
//! gateway keeps no session of its own for it and signing out happens at
//! the proxy.
//!
//! - `header`: the proxy names the person in a header (`X-User-Email` by
//!   default, `AUTH_PROXY_EMAIL_HEADER`). Believed only when the request
//!   also carries `X-Proxy-Secret` equal to `AUTH_PROXY_SECRET` (compared in
//!   constant time) and its TCP peer is in `TRUSTED_PROXIES`; anything less
//!   is 401. The account is keyed by issuer [`HEADER_ISSUER`] and the email.
//! - `jwt`: the proxy signs an assertion (Cloudflare Access
//!   `Cf-Access-Jwt-Assertion`, Google IAP `x-goog-iap-jwt-assertion`;
//!   `AUTH_PROXY_JWT_HEADER`), verified against the issuer's key set
//!   (`AUTH_PROXY_JWKS_URL`, [`super::jwks`]), `AUTH_PROXY_AUDIENCE`,
//!   `AUTH_PROXY_ISSUER` and its expiry. The account is keyed by the
//!   assertion's `(iss, sub)`.
//!
//! Either way the email passes the same allow-lists as an OpenID sign-in
//! and the account comes from the same place
//! ([`store::Store::sign_in_account`]), so a person has the same account
//! and teams however they arrive. Accounts are remembered per replica for
//! [`ACCOUNT_TTL`] so a request costs no sign-in transaction.
//!
//! An explicit credential (`Authorization`, `X-API-Key`) wins over the
//! proxy's identity, so scripts behind the proxy keep using their keys.
//! Writes identified by the proxy pass the origin half of the CSRF check
//! ([`super::csrf::check_origin`]): the browser sends the proxy's
//! credential on its own, like a cookie, but there is no session to carry
//! a double-submit token.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName};
use jsonwebtoken::{Algorithm, Validation};
use mesh::config::{ConfigError, Environment, env_string};
use moka::sync::Cache;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use store::Store;
use store::users::ProviderIdentity;
use url::Url;
use uuid::Uuid;

use super::jwks::{Jwks, JwksError};
use super::{Auth, secrets};
use crate::audit::{self, Actor, AuditContext};
use crate::edge::client_ip::TrustedProxies;
use crate::error::{ApiError, AuthFailure};

/// The issuer of accounts a header names: there is no subject but the email.
pub const HEADER_ISSUER: &str = "proxy-header";
/// The header carrying the shared secret in `header` mode.
pub const SECRET_HEADER: &str = "x-proxy-secret";
const DEFAULT_EMAIL_HEADER: &str = "x-user-email";
/// Proxy credentials kept out of logs and traces whatever the mode.
pub const SENSITIVE_HEADERS: [&str; 3] = [
    SECRET_HEADER,
    "cf-access-jwt-assertion",
    "x-goog-iap-jwt-assertion",
];
const DEFAULT_JWT_HEADER: &str = SENSITIVE_HEADERS[1];
/// How long a replica trusts the account it found for an identity. A new
/// allow-list applies after a restart; a deleted account is refused by the
/// database on its next write at the latest.
const ACCOUNT_TTL: Duration = Duration::from_secs(60);
/// Skew tolerated between the proxy's clock and ours.
const LEEWAY_SECONDS: u64 = 30;
/// Algorithms Cloudflare Access (RS256) and Google IAP (ES256) sign with.
const ALGORITHMS: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];

/// `AUTH_PROXY_MODE` and what each mode needs.
#[derive(Debug, Clone)]
pub enum ProxySettings {
    Header {
        email_header: HeaderName,
        secret: SecretString,
    },
    Jwt {
        assertion_header: HeaderName,
        jwks_url: Url,
        audience: String,
        issuer: String,
    },
}

impl ProxySettings {
    /// `None` unless `AUTH_PROXY_MODE` is `header` or `jwt`. `header` needs
    /// `TRUSTED_PROXIES` (`trusted_proxies` is whether any is listed).
    pub fn from_env(
        environment: Environment,
        trusted_proxies: bool,
    ) -> Result<Option<Self>, ConfigError> {
        let mode = env_string("AUTH_PROXY_MODE").unwrap_or_default();
        match mode.to_ascii_lowercase().as_str() {
            "" | "off" => Ok(None),
            "header" => {
                let secret = env_string("AUTH_PROXY_SECRET")
                    .ok_or_else(|| ConfigError::missing("AUTH_PROXY_SECRET"))?;
                // A weak secret is refused everywhere but development.
                if environment.is_production() {
                    mesh::config::check_secret_strength("AUTH_PROXY_SECRET", &secret)?;
                }
                if !trusted_proxies {
                    return Err(ConfigError::invalid(
                        "TRUSTED_PROXIES",
                        "AUTH_PROXY_MODE=header believes only the proxies listed here; list them",
                    ));
                }
                Ok(Some(Self::Header {
                    email_header: header_name("AUTH_PROXY_EMAIL_HEADER", DEFAULT_EMAIL_HEADER)?,
                    secret: SecretString::from(secret),
                }))
            }
            "jwt" => {
                let required =
                    |name: &str| env_string(name).ok_or_else(|| ConfigError::missing(name));
                let jwks_url = Url::parse(&required("AUTH_PROXY_JWKS_URL")?)
                    .map_err(|error| ConfigError::invalid("AUTH_PROXY_JWKS_URL", error))?;
                if environment.is_production() && jwks_url.scheme() != "https" {
                    return Err(ConfigError::invalid(
                        "AUTH_PROXY_JWKS_URL",
                        "must be https in production",
                    ));
                }
                Ok(Some(Self::Jwt {
                    assertion_header: header_name("AUTH_PROXY_JWT_HEADER", DEFAULT_JWT_HEADER)?,
                    jwks_url,
                    audience: required("AUTH_PROXY_AUDIENCE")?,
                    issuer: required("AUTH_PROXY_ISSUER")?,
                }))
            }
            _ => Err(ConfigError::invalid(
                "AUTH_PROXY_MODE",
                "expected off, header or jwt",
            )),
        }
    }
}

fn header_name(variable: &str, default: &str) -> Result<HeaderName, ConfigError> {
    let name = env_string(variable).unwrap_or_else(|| default.to_owned());
    HeaderName::try_from(name.to_ascii_lowercase())
        .map_err(|error| ConfigError::invalid(variable, error))
}

/// Who the proxy says is calling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProxyIdentity {
    pub issuer: String,
    pub subject: String,
    /// Lower case.
    pub email: String,
}

#[allow(
    clippy::large_enum_variant,
    reason = "one value per gateway, built at start: boxing buys nothing"
)]
enum Mode {
    Header {
        email_header: HeaderName,
        secret_digest: Vec<u8>,
        proxies: TrustedProxies,
    },
    Jwt {
        assertion_header: HeaderName,
        keys: Jwks,
        validation: Validation,
    },
}

/// The proxy identity of requests, and the accounts it maps to.
pub struct ProxyAuth {
    mode: Mode,
    accounts: Cache<ProxyIdentity, (Uuid, String)>,
}

#[derive(Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
    email: Option<String>,
}

impl ProxyAuth {
    pub fn new(settings: ProxySettings, proxies: TrustedProxies) -> Self {
        let mode = match settings {
            ProxySettings::Header {
                email_header,
                secret,
            } => Mode::Header {
                email_header,
                secret_digest: secrets::sha256(secret.expose_secret()),
                proxies,
            },
            ProxySettings::Jwt {
                assertion_header,
                jwks_url,
                audience,
                issuer,
            } => {
                let mut validation = Validation::new(Algorithm::RS256);
                validation.set_audience(&[audience]);
                validation.set_issuer(&[issuer]);
                validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
                validation.leeway = LEEWAY_SECONDS;
                Mode::Jwt {
                    assertion_header,
                    keys: Jwks::new(jwks_url),
                    validation,
                }
            }
        };
        Self {
            mode,
            accounts: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(ACCOUNT_TTL)
                .build(),
        }
    }

    /// The header this mode reads the identity from.
    pub fn asserting_header(&self) -> &HeaderName {
        match &self.mode {
            Mode::Header { email_header, .. } => email_header,
            Mode::Jwt {
                assertion_header, ..
            } => assertion_header,
        }
    }

    /// Whether the request carries what this mode reads (the email header
    /// or the assertion), true or not.
    pub fn is_asserted(&self, headers: &HeaderMap) -> bool {
        headers.contains_key(self.asserting_header())
    }

    /// The identity the request asserts, verified; 401 when it does not
    /// hold up (the reason is logged, never answered).
    pub async fn identify(
        &self,
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
    ) -> Result<ProxyIdentity, ApiError> {
        let refused = |reason: &str| {
            tracing::info!(reason, "refused a proxy identity");
            ApiError::Unauthorized(AuthFailure::Invalid)
        };
        match &self.mode {
            Mode::Header {
                email_header,
                secret_digest,
                proxies,
            } => {
                let peer: Option<IpAddr> = peer.map(|peer| peer.ip());
                if !peer.is_some_and(|ip| proxies.trusts(ip)) {
                    return Err(refused("the peer is not in TRUSTED_PROXIES"));
                }
                let Some(secret) = single(headers, SECRET_HEADER) else {
                    return Err(refused("no single X-Proxy-Secret"));
                };
                if !secrets::equal(&secrets::sha256(secret), secret_digest) {
                    return Err(refused("wrong X-Proxy-Secret"));
                }
                let email = single(headers, email_header.as_str())
                    .and_then(valid_email)
                    .ok_or_else(|| refused("the email header is not one valid address"))?;
                Ok(ProxyIdentity {
                    issuer: HEADER_ISSUER.to_owned(),
                    subject: email.clone(),
                    email,
                })
            }
            Mode::Jwt {
                assertion_header,
                keys,
                validation,
            } => {
                let token = single(headers, assertion_header.as_str())
                    .ok_or_else(|| refused("no single assertion header"))?;
                let header = jsonwebtoken::decode_header(token)
                    .map_err(|_| refused("malformed assertion"))?;
                if !ALGORITHMS.contains(&header.alg) {
                    return Err(refused("assertion algorithm not accepted"));
                }
                let kid = header.kid.ok_or_else(|| refused("assertion without kid"))?;
                let key = keys
                    .key(&kid)
                    .await
                    .map_err(|JwksError::Unavailable(detail)| ApiError::Unavailable {
                        message: "the sign-in proxy's keys are unavailable, try again later",
                        detail,
                    })?
                    .ok_or_else(|| refused("assertion signed with an unknown key"))?;
                let mut validation = validation.clone();
                validation.algorithms = vec![header.alg];
                let claims = jsonwebtoken::decode::<AssertionClaims>(token, &key, &validation)
                    .map_err(|error| {
                        tracing::info!(%error, "refused a proxy assertion");
                        ApiError::Unauthorized(AuthFailure::Invalid)
                    })?
                    .claims;
                let email = claims
                    .email
                    .as_deref()
                    .and_then(valid_email)
                    .ok_or_else(|| refused("assertion without a valid email"))?;
                Ok(ProxyIdentity {
                    issuer: claims.iss,
                    subject: claims.sub,
                    email,
                })
            }
        }
    }

    /// The account of `identity`: remembered, or found or created as an
    /// OpenID sign-in would (allow-lists, `(issuer, subject)`), then audited
    /// as a sign-in.
    pub async fn account(
        &self,
        auth: &Auth,
        store: &Store,
        identity: &ProxyIdentity,
        context: &AuditContext,
    ) -> Result<(Uuid, String), ApiError> {
        if let Some(account) = self.accounts.get(identity) {
            return Ok(account);
        }
        let forbidden = |reason: &str| {
            tracing::info!(reason, "refused a proxy identity's account");
            ApiError::Forbidden("this account may not use Lookout".to_owned())
        };
        auth.admit_email(&identity.email).map_err(forbidden)?;
        let account = store
            .sign_in_account(ProviderIdentity {
                issuer: &identity.issuer,
                subject: &identity.subject,
                email: &identity.email,
                display_name: "",
            })
            .await?
            .map_err(|_| forbidden("the email belongs to an account of another identity"))?;
        let user = account.user();
        store.record_sign_in(user.id, "").await?;
        audit::record(
            store,
            context,
            Actor::User {
                id: user.id,
                email: &user.email,
            },
            "sign_in",
            None,
            json!({ "issuer": identity.issuer, "via": "proxy" }),
        )
        .await;
        let account = (user.id, user.email.clone());
        self.accounts.insert(identity.clone(), account.clone());
        Ok(account)
    }
}

/// The one value of a header; `None` when absent, repeated or unreadable.
fn single<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

fn valid_email(value: &str) -> Option<String> {
    let email = value.to_ascii_lowercase();
    email
        .parse::<email_address::EmailAddress>()
        .is_ok()
        .then_some(email)
}
