//! Settings read once from the environment.

use std::net::SocketAddr;
use std::time::Duration;

use mesh::config::{ConfigError, Environment, env_list, env_parse, env_string, listen_addr};
use secrecy::SecretString;
use url::Url;

pub const DEFAULT_ADDR: &str = "127.0.0.1:8090";
pub const DEFAULT_CLIENT_ID: &str = "lookout-dev";
pub const DEFAULT_CLIENT_SECRET: &str = "lookout-dev-secret";
pub const DEFAULT_REDIRECT_URIS: &[&str] = &[
    "http://127.0.0.1:8080/auth/google/callback",
    "http://localhost:8080/auth/google/callback",
];

/// The one relying party this provider knows.
#[derive(Debug, Clone)]
pub struct ClientRegistration {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Exact-match allow-list: an authorization response is never sent anywhere else.
    pub redirect_uris: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Kept so `Application::build` can refuse production even when a caller
    /// builds the struct by hand instead of through `from_env`.
    pub environment: Environment,
    pub addr: SocketAddr,
    /// The issuer identifier, without a trailing slash. It must equal the URL
    /// relying parties discover from, byte for byte, so `None` means "the
    /// address actually bound", which is what tests on port 0 need. Routes are
    /// served at the root, so an issuer with a path needs a proxy that strips it.
    pub issuer: Option<String>,
    pub client: ClientRegistration,
    /// A PEM (PKCS#1 or PKCS#8) RSA key; `None` generates a fresh 2048-bit key
    /// at start, so tokens do not survive a restart.
    pub signing_key_pem: Option<SecretString>,
    /// Authorization codes are short-lived because they travel in URLs.
    pub code_lifetime: Duration,
    pub id_token_lifetime: Duration,
    pub access_token_lifetime: Duration,
    /// How long a rendered sign-in form stays usable.
    pub form_lifetime: Duration,
}

impl Config {
    /// The defaults `make dev` relies on; tests override single fields.
    pub fn development() -> Self {
        Self {
            environment: Environment::Development,
            addr: SocketAddr::from(([127, 0, 0, 1], 8090)),
            issuer: None,
            client: ClientRegistration {
                client_id: DEFAULT_CLIENT_ID.to_owned(),
                client_secret: SecretString::from(DEFAULT_CLIENT_SECRET),
                redirect_uris: DEFAULT_REDIRECT_URIS
                    .iter()
                    .map(|uri| (*uri).to_owned())
                    .collect(),
            },
            signing_key_pem: None,
            code_lifetime: Duration::from_secs(60),
            id_token_lifetime: Duration::from_secs(600),
            access_token_lifetime: Duration::from_secs(600),
            form_lifetime: Duration::from_secs(600),
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        let environment = Environment::from_env()?;
        refuse_production(environment)?;
        let defaults = Self::development();

        let issuer = env_string("DEV_IDP_ISSUER")
            .map(|raw| normalize_issuer(&raw))
            .transpose()?;
        let redirect_uris = match env_list("DEV_IDP_REDIRECT_URIS") {
            list if list.is_empty() => defaults.client.redirect_uris,
            list => list,
        };
        for uri in &redirect_uris {
            check_redirect_uri(uri)
                .map_err(|reason| ConfigError::invalid("DEV_IDP_REDIRECT_URIS", reason))?;
        }
        let client = ClientRegistration {
            client_id: env_string("DEV_IDP_CLIENT_ID").unwrap_or(defaults.client.client_id),
            client_secret: env_string("DEV_IDP_CLIENT_SECRET")
                .map(SecretString::from)
                .unwrap_or(defaults.client.client_secret),
            redirect_uris,
        };
        let code_lifetime = Duration::from_secs(env_parse(
            "DEV_IDP_CODE_LIFETIME_SECS",
            defaults.code_lifetime.as_secs(),
        )?);
        if code_lifetime.is_zero() {
            return Err(ConfigError::invalid(
                "DEV_IDP_CODE_LIFETIME_SECS",
                "must be at least 1",
            ));
        }

        Ok(Self {
            environment,
            addr: listen_addr("DEV_IDP_ADDR", DEFAULT_ADDR)?,
            issuer,
            client,
            signing_key_pem: env_string("DEV_IDP_SIGNING_KEY_PEM").map(SecretString::from),
            code_lifetime,
            ..defaults
        })
    }
}

/// This provider signs anyone in with any email and no password.
pub fn refuse_production(environment: Environment) -> Result<(), ConfigError> {
    if environment.is_production() {
        return Err(ConfigError::invalid(
            "LOOKOUT_ENV",
            "the development identity provider signs anyone in without a password and refuses \
             to run in production; configure a real OpenID Connect provider (Google) instead",
        ));
    }
    Ok(())
}

/// Issuers are compared as strings by relying parties, so one spelling is chosen: no trailing slash.
pub fn normalize_issuer(raw: &str) -> Result<String, ConfigError> {
    let url = Url::parse(raw).map_err(|error| ConfigError::invalid("DEV_IDP_ISSUER", error))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::invalid(
            "DEV_IDP_ISSUER",
            "expected an http or https URL",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::invalid(
            "DEV_IDP_ISSUER",
            "an issuer has no query or fragment",
        ));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let url = Url::parse(uri).map_err(|error| format!("{uri:?}: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{uri:?}: expected an http or https URL"));
    }
    if url.fragment().is_some() {
        return Err(format!("{uri:?}: a redirect URI has no fragment"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_is_refused_with_the_reason() {
        let error = refuse_production(Environment::Production).unwrap_err();
        assert!(error.to_string().contains("LOOKOUT_ENV"));
        assert!(error.to_string().contains("refuses to run in production"));
        assert!(refuse_production(Environment::Development).is_ok());
    }

    #[test]
    fn issuers_lose_their_trailing_slash_and_keep_their_path() {
        assert_eq!(
            normalize_issuer("http://localhost:8090/").unwrap(),
            "http://localhost:8090"
        );
        assert_eq!(
            normalize_issuer("http://idp.test/realm/").unwrap(),
            "http://idp.test/realm"
        );
        assert!(normalize_issuer("ftp://idp.test").is_err());
        assert!(normalize_issuer("http://idp.test/?x=1").is_err());
    }

    #[test]
    fn redirect_uris_with_fragments_are_refused() {
        assert!(check_redirect_uri("http://127.0.0.1:8080/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:8080/cb#x").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
    }
}
