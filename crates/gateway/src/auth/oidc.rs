//! Sign-in with an OpenID Connect provider through the `openidconnect`
//! crate: authorization code flow with PKCE (S256), `state` and `nonce`.
//!
//! The provider is found by discovery from `OIDC_ISSUER_URL` (Google by
//! default) the first time someone signs in, so the gateway starts while the
//! provider is unreachable. The discovered metadata, JWKS included, is kept
//! for `OIDC_METADATA_TTL_SECONDS` and then fetched again, so a signing key
//! the provider retired stops being trusted within that time. An ID token
//! signed with a key we do not know triggers a fresh discovery at once (the
//! provider rotated its keys); forged tokens with random `kid`s cannot make
//! us hammer the provider, because such refetches are capped per minute
//! (and an ID token only reaches us from the provider's token endpoint).
//!
//! What the ID token must satisfy (checked by the crate unless noted):
//! signature by a JWKS key with RS256, `iss` = the discovered issuer,
//! `aud` = our client id (and no untrusted extra audience), `azp`, when
//! present, = our client id (ours: the crate leaves it), `exp` with 30 s
//! leeway, `iat` at most 30 s in the future and at most 10 minutes old
//! (ours), `nonce` equal to the one we stored (always required). The
//! callback's `iss` parameter (RFC 9207) must name the issuer when present,
//! and must be present when the provider advertises it.
//!
//! A conformant provider may serve `email` and `email_verified` only from
//! its UserInfo endpoint; when the ID token lacks them they are read there
//! (the response must be about the same `sub`). The token endpoint gets
//! `client_secret_basic` unless discovery allows only `client_secret_post`.
//! Email checks (`email_verified`, domains) are the caller's: see
//! [`crate::routes::auth`].

use std::time::{Duration, Instant};

use chrono::Utc;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClaimName, CoreClaimType,
    CoreClientAuthMethod, CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthType, AuthorizationCode, Client, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenFields, IssuerUrl, Nonce, OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier,
    ProviderMetadata, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
    TokenResponse as _, UserInfoClaims,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use super::jwks::ForcedRefetches;
use crate::config::OidcConfig;

/// Google's `hd` (hosted domain) claim: the Workspace domain of the account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HostedDomain {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hd: Option<String>,
}

impl AdditionalClaims for HostedDomain {}

/// Discovery fields the crate does not model.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraMetadata {
    /// RFC 9207: the provider adds `iss` to its authorization responses.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    authorization_response_iss_parameter_supported: bool,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type IdFields = IdTokenFields<
    HostedDomain,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponse = StandardTokenResponse<IdFields, CoreTokenType>;
type OidcClient = Client<
    HostedDomain,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Skew tolerated between the provider's clock and ours.
const LEEWAY: chrono::Duration = chrono::Duration::seconds(30);
/// An ID token is used right after it is issued; an old one is a replay.
const MAX_ID_TOKEN_AGE: chrono::Duration = chrono::Duration::minutes(10);
/// Discovery and token requests to the provider.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be discovered or reached: 503.
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
    /// The code could not be redeemed (reused, expired, wrong verifier).
    #[error("code exchange refused: {0}")]
    Exchange(String),
    #[error("the token response has no ID token")]
    MissingIdToken,
    /// The ID token failed verification.
    #[error("ID token refused: {0}")]
    IdToken(String),
    /// The callback's `iss` (RFC 9207) is missing or names another issuer:
    /// the response may come from another provider (mix-up attack).
    #[error("authorization response issuer refused: {0}")]
    ResponseIssuer(String),
    /// The UserInfo endpoint did not answer usably.
    #[error("userinfo refused: {0}")]
    UserInfo(String),
}

/// An error with its causes, for logs and the audit trail: the crates'
/// top-level messages ("request failed") say nothing without them. None
/// of these carries a secret: request bodies are not part of the chain.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A sign-in started: where to send the browser and what to keep.
pub struct Authorization {
    pub url: url::Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// What a verified ID token says about the person.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub hosted_domain: Option<String>,
    pub name: Option<String>,
    pub issuer: String,
}

struct Discovered {
    metadata: Metadata,
    fetched_at: Instant,
}

#[derive(Default)]
struct Cache {
    discovered: Option<Discovered>,
    /// Discoveries forced by unknown keys.
    forced: ForcedRefetches,
}

pub struct Provider {
    config: OidcConfig,
    http: openidconnect::reqwest::Client,
    cache: RwLock<Cache>,
}

impl Provider {
    pub fn new(config: OidcConfig) -> Self {
        let http = openidconnect::reqwest::Client::builder()
            // OpenID clients must not follow redirects (SSRF), per the crate's docs.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            config,
            http,
            cache: RwLock::new(Cache::default()),
        }
    }

    /// Whether a missing `email_verified` counts as verified
    /// (`OIDC_ASSUME_EMAIL_VERIFIED`).
    pub fn assumes_email_verified(&self) -> bool {
        self.config.assume_email_verified
    }

    /// Whether the provider is Google, whose `hd` claim proves a Workspace
    /// account (other providers do not send it).
    pub fn is_google(&self) -> bool {
        url::Url::parse(&self.config.issuer_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .is_some_and(|host| host == "accounts.google.com")
    }

    /// The provider's metadata: cached while younger than the TTL, fetched
    /// again when `unknown_key` says an ID token named a key we lack (if
    /// the cap on such refetches allows; otherwise the cached one).
    async fn metadata(&self, unknown_key: bool) -> Result<Metadata, OidcError> {
        let fresh = |cache: &Cache| {
            cache.discovered.as_ref().and_then(|discovered| {
                (discovered.fetched_at.elapsed() < self.config.metadata_ttl)
                    .then(|| discovered.metadata.clone())
            })
        };
        if !unknown_key && let Some(metadata) = fresh(&*self.cache.read().await) {
            return Ok(metadata);
        }
        let mut cache = self.cache.write().await;
        if unknown_key {
            if !cache.forced.allow() {
                tracing::warn!(
                    "ID tokens keep naming unknown keys; not asking the provider again yet"
                );
                if let Some(metadata) = fresh(&cache) {
                    return Ok(metadata);
                }
            }
        } else if let Some(metadata) = fresh(&cache) {
            // Another request discovered while this one waited.
            return Ok(metadata);
        }
        let issuer = IssuerUrl::new(self.config.issuer_url.clone())
            .map_err(|error| OidcError::Unavailable(format!("issuer URL: {error}")))?;
        let metadata = Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|error| {
                OidcError::Unavailable(format!("discovery: {}", with_causes(&error)))
            })?;
        cache.discovered = Some(Discovered {
            metadata: metadata.clone(),
            fetched_at: Instant::now(),
        });
        Ok(metadata)
    }

    fn client(&self, metadata: Metadata) -> Result<OidcClient, OidcError> {
        let redirect = RedirectUrl::new(self.config.redirect_url.to_string())
            .map_err(|error| OidcError::Unavailable(format!("redirect URL: {error}")))?;
        // RFC 8414: no list means `client_secret_basic` only.
        let post_only = metadata
            .token_endpoint_auth_methods_supported()
            .is_some_and(|methods| {
                methods.contains(&CoreClientAuthMethod::ClientSecretPost)
                    && !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
            });
        Ok(OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(redirect)
        .set_auth_type(if post_only {
            AuthType::RequestBody
        } else {
            AuthType::BasicAuth
        }))
    }

    /// Starts a sign-in: the provider's authorization URL and the secrets
    /// to keep server-side until the callback.
    pub async fn authorize(&self) -> Result<Authorization, OidcError> {
        let client = self.client(self.metadata(false).await?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Authorization {
            url,
            state: state.secret().to_owned(),
            nonce: nonce.secret().to_owned(),
            pkce_verifier: verifier.secret().to_owned(),
        })
    }

    /// Checks the callback's `iss` parameter (RFC 9207), redeems `code`,
    /// verifies the ID token against `nonce` and completes the email claims
    /// from UserInfo when the ID token lacks them.
    pub async fn redeem(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
        response_issuer: Option<&str>,
    ) -> Result<Identity, OidcError> {
        let metadata = self.metadata(false).await?;
        match response_issuer {
            Some(iss) if iss != metadata.issuer().as_str() => {
                return Err(OidcError::ResponseIssuer(format!(
                    "the callback names issuer {:?}",
                    iss.chars().take(200).collect::<String>()
                )));
            }
            None if metadata
                .additional_metadata()
                .authorization_response_iss_parameter_supported =>
            {
                return Err(OidcError::ResponseIssuer(
                    "the provider advertises the iss parameter but the callback has none"
                        .to_owned(),
                ));
            }
            _ => {}
        }
        let client = self.client(metadata)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|error| OidcError::Unavailable(format!("token endpoint: {error}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|error| OidcError::Exchange(with_causes(&error)))?;
        let id_token = response.id_token().ok_or(OidcError::MissingIdToken)?;
        let nonce = Nonce::new(nonce.to_owned());
        let (client, mut identity) = match verify(&client, id_token, &nonce) {
            Err(VerifyError::UnknownKey) => {
                // The provider may have rotated its keys since discovery.
                let client = self.client(self.metadata(true).await?)?;
                let identity = verify(&client, id_token, &nonce).map_err(VerifyError::into_oidc)?;
                (client, identity)
            }
            other => (client, other.map_err(VerifyError::into_oidc)?),
        };
        if identity.email.is_none() || identity.email_verified.is_none() {
            self.complete_from_user_info(&client, response.access_token().clone(), &mut identity)
                .await?;
        }
        Ok(identity)
    }

    /// Fills the email claims the ID token lacked from the UserInfo
    /// endpoint, which must answer about the same subject. A provider
    /// without one leaves them missing (the caller refuses or, if
    /// configured, trusts the email).
    async fn complete_from_user_info(
        &self,
        client: &OidcClient,
        access_token: openidconnect::AccessToken,
        identity: &mut Identity,
    ) -> Result<(), OidcError> {
        let subject = openidconnect::SubjectIdentifier::new(identity.subject.clone());
        let Ok(request) = client.user_info(access_token, Some(subject)) else {
            return Ok(());
        };
        let claims: UserInfoClaims<HostedDomain, CoreGenderClaim> = request
            .request_async(&self.http)
            .await
            .map_err(|error| OidcError::UserInfo(with_causes(&error)))?;
        if identity.email.is_none() {
            identity.email = claims.email().map(|email| email.to_string());
            // A verification flag speaks about the email it came with.
            identity.email_verified = claims.email_verified();
        } else if identity.email_verified.is_none()
            && claims.email().map(|email| email.as_str()) == identity.email.as_deref()
        {
            identity.email_verified = claims.email_verified();
        }
        if identity.name.is_none() {
            identity.name = claims
                .name()
                .and_then(|name| name.get(None))
                .map(|name| name.to_string());
        }
        Ok(())
    }
}

enum VerifyError {
    UnknownKey,
    Other(String),
}

impl VerifyError {
    fn into_oidc(self) -> OidcError {
        match self {
            Self::UnknownKey => OidcError::IdToken("signed with an unknown key".to_owned()),
            Self::Other(message) => OidcError::IdToken(message),
        }
    }
}

fn verify(
    client: &OidcClient,
    id_token: &openidconnect::IdToken<
        HostedDomain,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    nonce: &Nonce,
) -> Result<Identity, VerifyError> {
    let verifier = client
        .id_token_verifier()
        // `exp` is compared with a clock 30 s behind: the leeway.
        .set_time_fn(|| Utc::now() - LEEWAY)
        .set_issue_time_verifier_fn(|iat| {
            let now = Utc::now();
            if iat > now + LEEWAY {
                Err("issued in the future".to_owned())
            } else if iat < now - MAX_ID_TOKEN_AGE {
                Err("issued too long ago".to_owned())
            } else {
                Ok(())
            }
        });
    let claims = id_token.claims(&verifier, nonce).map_err(|error| {
        use openidconnect::{ClaimsVerificationError, SignatureVerificationError};
        match error {
            ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            ) => VerifyError::UnknownKey,
            other => VerifyError::Other(with_causes(&other)),
        }
    })?;
    // OpenID Connect Core 3.1.3.7 (5): a token issued to another party
    // that merely lists us as an audience is not for us.
    if let Some(party) = claims.authorized_party()
        && party.as_str() != client.client_id().as_str()
    {
        return Err(VerifyError::Other(format!(
            "authorized party (azp) is {:?}, not our client id",
            party.as_str().chars().take(200).collect::<String>()
        )));
    }
    Ok(Identity {
        subject: claims.subject().to_string(),
        email: claims.email().map(|email| email.to_string()),
        email_verified: claims.email_verified(),
        hosted_domain: claims.additional_claims().hd.clone(),
        name: claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.to_string()),
        issuer: claims.issuer().to_string(),
    })
}
