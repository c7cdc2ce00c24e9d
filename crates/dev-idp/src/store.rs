//! In-memory protocol state: rendered sign-in forms, authorization codes,
//! access tokens. Everything expires; nothing survives a restart, which is
//! what a development provider wants.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::domain::{Identity, token_key};

/// Enough for any test suite; keeps a request flood from growing memory without bound.
const MAX_ENTRIES: usize = 10_000;

/// A validated `GET /authorize` request, waiting for the person to submit the form.
#[derive(Debug, Clone)]
pub struct PendingAuthorization {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub nonce: String,
    pub code_challenge: String,
    pub scope: Vec<String>,
    pub login_hint: Option<String>,
    /// Hash of the browser cookie the form was rendered for.
    pub browser_binding: String,
}

/// What an authorization code stands for.
#[derive(Debug, Clone)]
pub struct AuthorizationGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub nonce: String,
    pub scope: Vec<String>,
    pub identity: Identity,
    /// Unix seconds, for the `auth_time` claim.
    pub auth_time: u64,
}

/// What an access token stands for at `/userinfo`.
#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub identity: Identity,
    pub scope: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("too many outstanding requests; try again later")]
    Full,
}

/// Why a code could not be redeemed. Deliberately coarse: the token endpoint
/// answers `invalid_grant` for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedeemError {
    Unknown,
    AlreadyUsed,
    Expired,
}

#[derive(Debug)]
struct Expiring<T> {
    value: T,
    expires_at: Instant,
}

impl<T> Expiring<T> {
    /// Expired at the deadline itself, so a zero lifetime is expired on arrival.
    fn is_expired(&self, now: Instant) -> bool {
        now >= self.expires_at
    }
}

#[derive(Debug)]
struct CodeEntry {
    grant: AuthorizationGrant,
    used: bool,
}

#[derive(Debug, Default)]
pub struct Store {
    forms: Mutex<HashMap<String, Expiring<PendingAuthorization>>>,
    codes: Mutex<HashMap<String, Expiring<CodeEntry>>>,
    access_tokens: Mutex<HashMap<String, Expiring<AccessGrant>>>,
}

/// A panic while holding a lock leaves plain data behind, still consistent
/// for these maps, so poisoning is ignored rather than turned into a panic.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn insert<T>(
    map: &Mutex<HashMap<String, Expiring<T>>>,
    token: &str,
    value: T,
    lifetime: Duration,
) -> Result<(), StoreError> {
    let now = Instant::now();
    let mut map = lock(map);
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, entry| !entry.is_expired(now));
    }
    if map.len() >= MAX_ENTRIES {
        return Err(StoreError::Full);
    }
    map.insert(
        token_key(token),
        Expiring {
            value,
            expires_at: now + lifetime,
        },
    );
    Ok(())
}

impl Store {
    pub fn insert_form(
        &self,
        token: &str,
        pending: PendingAuthorization,
        lifetime: Duration,
    ) -> Result<(), StoreError> {
        insert(&self.forms, token, pending, lifetime)
    }

    /// Looks at a form without consuming it, so a typo in the email can be corrected.
    pub fn peek_form(&self, token: &str) -> Option<PendingAuthorization> {
        let forms = lock(&self.forms);
        forms
            .get(&token_key(token))
            .filter(|entry| !entry.is_expired(Instant::now()))
            .map(|entry| entry.value.clone())
    }

    /// Consumes a form: each rendered form yields at most one code.
    pub fn take_form(&self, token: &str) -> Option<PendingAuthorization> {
        let mut forms = lock(&self.forms);
        forms
            .remove(&token_key(token))
            .filter(|entry| !entry.is_expired(Instant::now()))
            .map(|entry| entry.value)
    }

    pub fn insert_code(
        &self,
        code: &str,
        grant: AuthorizationGrant,
        lifetime: Duration,
    ) -> Result<(), StoreError> {
        let entry = CodeEntry { grant, used: false };
        insert(&self.codes, code, entry, lifetime)
    }

    /// Marks the code used on the first presentation, whatever happens next:
    /// a code that reached the wrong hands must not get a second try. A used
    /// code stays in the map until it expires so reuse is recognised as such.
    pub fn redeem_code(&self, code: &str) -> Result<AuthorizationGrant, RedeemError> {
        let now = Instant::now();
        let mut codes = lock(&self.codes);
        let entry = codes
            .get_mut(&token_key(code))
            .ok_or(RedeemError::Unknown)?;
        if entry.value.used {
            return Err(RedeemError::AlreadyUsed);
        }
        entry.value.used = true;
        if entry.is_expired(now) {
            return Err(RedeemError::Expired);
        }
        Ok(entry.value.grant.clone())
    }

    pub fn insert_access_token(
        &self,
        token: &str,
        grant: AccessGrant,
        lifetime: Duration,
    ) -> Result<(), StoreError> {
        insert(&self.access_tokens, token, grant, lifetime)
    }

    pub fn access_grant(&self, token: &str) -> Option<AccessGrant> {
        let tokens = lock(&self.access_tokens);
        tokens
            .get(&token_key(token))
            .filter(|entry| !entry.is_expired(Instant::now()))
            .map(|entry| entry.value.clone())
    }
}
