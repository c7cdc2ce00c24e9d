//! A JSON Web Key Set fetched from an issuer's URL and kept for a while,
//! for verifying assertions a trusted proxy signs ([`super::proxy`]).
//!
//! The set is fetched on first use (the gateway starts while the issuer is
//! unreachable), kept for [`KEYS_TTL`], and fetched again at once when an
//! assertion names a key it lacks (the issuer rotated), at most
//! [`ForcedRefetches::MAX`] times a minute, so forged `kid`s cannot make us
//! hammer the issuer.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::JwkSet;
use tokio::sync::RwLock;
use url::Url;

/// Issuers publish a new key before signing with it and keep a retired one
/// published for a while; ten minutes rides on that.
const KEYS_TTL: Duration = Duration::from_secs(600);
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// A key set is a few KiB; more is not a key set.
const MAX_KEYS_BYTES: usize = 256 * 1024;

/// Fetches forced by unknown keys, capped per window: a rotation needs
/// one, a burst of forged tokens gets no more. Shared with the OpenID
/// provider's discovery cache ([`super::oidc`]).
#[derive(Debug, Default)]
pub struct ForcedRefetches(VecDeque<Instant>);

impl ForcedRefetches {
    pub const MAX: usize = 5;
    pub const WINDOW: Duration = Duration::from_secs(60);

    /// Whether one more forced fetch is allowed now; counts it if so.
    pub fn allow(&mut self) -> bool {
        while self
            .0
            .front()
            .is_some_and(|at| at.elapsed() >= Self::WINDOW)
        {
            self.0.pop_front();
        }
        if self.0.len() >= Self::MAX {
            return false;
        }
        self.0.push_back(Instant::now());
        true
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// The issuer's key set could not be fetched or read: 503.
    #[error("the key set at the issuer is unavailable: {0}")]
    Unavailable(String),
}

#[derive(Default)]
struct State {
    keys: Option<(JwkSet, Instant)>,
    forced: ForcedRefetches,
}

pub struct Jwks {
    url: Url,
    http: openidconnect::reqwest::Client,
    state: RwLock<State>,
}

impl Jwks {
    pub fn new(url: Url) -> Self {
        let http = openidconnect::reqwest::Client::builder()
            // A key set URL that redirects is not followed (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(FETCH_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            url,
            http,
            state: RwLock::new(State::default()),
        }
    }

    /// The key `kid` names, from the cached set while it is fresh, else
    /// from a new fetch; `None` when the issuer does not publish it.
    pub async fn key(&self, kid: &str) -> Result<Option<DecodingKey>, JwksError> {
        let fresh = |state: &State| {
            state
                .keys
                .as_ref()
                .filter(|(_, fetched_at)| fetched_at.elapsed() < KEYS_TTL)
                .map(|(keys, _)| keys.clone())
        };
        let cached = fresh(&*self.state.read().await);
        if let Some(keys) = &cached
            && let Some(key) = find(keys, kid)
        {
            return Ok(Some(key));
        }
        let mut state = self.state.write().await;
        // Another request may have fetched while this one waited.
        if let Some(keys) = fresh(&state)
            && let Some(key) = find(&keys, kid)
        {
            return Ok(Some(key));
        }
        if fresh(&state).is_some() && !state.forced.allow() {
            tracing::warn!("assertions keep naming unknown keys; not asking the issuer again yet");
            return Ok(None);
        }
        let keys = self.fetch().await?;
        let key = find(&keys, kid);
        state.keys = Some((keys, Instant::now()));
        Ok(key)
    }

    async fn fetch(&self) -> Result<JwkSet, JwksError> {
        let unavailable = |error: &dyn std::fmt::Display| JwksError::Unavailable(error.to_string());
        let response = self
            .http
            .get(self.url.clone())
            .send()
            .await
            .map_err(|error| unavailable(&error.without_url()))?;
        if !response.status().is_success() {
            return Err(JwksError::Unavailable(format!(
                "answered HTTP {}",
                response.status().as_u16()
            )));
        }
        let body = response
            .bytes()
            .await
            .map_err(|error| unavailable(&error.without_url()))?;
        if body.len() > MAX_KEYS_BYTES {
            return Err(JwksError::Unavailable(
                "the key set is too large".to_owned(),
            ));
        }
        serde_json::from_slice(&body).map_err(|error| unavailable(&error))
    }
}

fn find(keys: &JwkSet, kid: &str) -> Option<DecodingKey> {
    let jwk = keys.find(kid)?;
    match DecodingKey::from_jwk(jwk) {
        Ok(key) => Some(key),
        Err(error) => {
            tracing::warn!(%error, kid, "the issuer publishes a key we cannot read");
            None
        }
    }
}
