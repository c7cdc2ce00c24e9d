//! Sign-in with an OpenID Connect provider through the `openidconnect`
//! crate: authorization code flow with PKCE (S256), `state` and `nonce`.
//!
//! The provider is found by discovery from `OIDC_ISSUER_URL` (Google by
//! default) the first time someone signs in, so the gateway starts while the
//! provider is unreachable. The discovered metadata, JWKS included, is
//! cached; an ID token signed with a key we do not know triggers one fresh
//! discovery (the provider rotated its keys), at most once a minute so
//! forged tokens with random `kid`s cannot make us hammer the provider.
//!
//! What the ID token must satisfy (checked by the crate unless noted):
//! signature by a JWKS key with RS256, `iss` = the discovered issuer,
//! `aud` = our client id (and no untrusted extra audience), `exp` with 30 s
//! leeway, `iat` at most 30 s in the future and at most 10 minutes old
//! (ours), `nonce` equal to the one we stored (always required). Email
//! checks (`email_verified`, domains) are the caller's: see
//! [`crate::routes::auth`].

use std::time::{Duration, Instant};

use chrono::Utc;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse as _,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::config::OidcConfig;

/// Google's `hd` (hosted domain) claim: the Workspace domain of the account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HostedDomain {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hd: Option<String>,
}

impl AdditionalClaims for HostedDomain {}

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
/// Least time between two discoveries forced by an unknown `kid`.
const REFETCH_INTERVAL: Duration = Duration::from_secs(60);
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
    metadata: CoreProviderMetadata,
    fetched_at: Instant,
}

pub struct Provider {
    config: OidcConfig,
    http: openidconnect::reqwest::Client,
    discovered: RwLock<Option<Discovered>>,
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
            discovered: RwLock::new(None),
        }
    }

    /// Whether the provider is Google, whose `hd` claim proves a Workspace
    /// account (other providers do not send it).
    pub fn is_google(&self) -> bool {
        url::Url::parse(&self.config.issuer_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .is_some_and(|host| host == "accounts.google.com")
    }

    async fn metadata(&self, refresh: bool) -> Result<CoreProviderMetadata, OidcError> {
        {
            let cached = self.discovered.read().await;
            if let Some(discovered) = cached.as_ref()
                && (!refresh || discovered.fetched_at.elapsed() < REFETCH_INTERVAL)
            {
                return Ok(discovered.metadata.clone());
            }
        }
        let mut cached = self.discovered.write().await;
        // Another request may have discovered while this one waited.
        if let Some(discovered) = cached.as_ref()
            && (!refresh || discovered.fetched_at.elapsed() < REFETCH_INTERVAL)
        {
            return Ok(discovered.metadata.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer_url.clone())
            .map_err(|error| OidcError::Unavailable(format!("issuer URL: {error}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|error| OidcError::Unavailable(format!("discovery: {error}")))?;
        *cached = Some(Discovered {
            metadata: metadata.clone(),
            fetched_at: Instant::now(),
        });
        Ok(metadata)
    }

    fn client(&self, metadata: CoreProviderMetadata) -> Result<OidcClient, OidcError> {
        let redirect = RedirectUrl::new(self.config.redirect_url.to_string())
            .map_err(|error| OidcError::Unavailable(format!("redirect URL: {error}")))?;
        Ok(OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(redirect))
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

    /// Redeems `code` and verifies the ID token against `nonce`.
    pub async fn redeem(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Identity, OidcError> {
        let client = self.client(self.metadata(false).await?)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|error| OidcError::Unavailable(format!("token endpoint: {error}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|error| OidcError::Exchange(error.to_string()))?;
        let id_token = response.id_token().ok_or(OidcError::MissingIdToken)?;
        let nonce = Nonce::new(nonce.to_owned());
        match verify(&client, id_token, &nonce) {
            Err(VerifyError::UnknownKey) => {
                // The provider may have rotated its keys since discovery.
                let client = self.client(self.metadata(true).await?)?;
                verify(&client, id_token, &nonce).map_err(VerifyError::into_oidc)
            }
            other => other.map_err(VerifyError::into_oidc),
        }
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
            other => VerifyError::Other(other.to_string()),
        }
    })?;
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
