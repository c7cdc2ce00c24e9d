//! Who may call which internal RPC.
//!
//! Every call carries `x-internal-api-key`. A server never holds a caller's
//! key: it holds the SHA-256 digests of the keys it accepts, each mapped to
//! a caller name (`INTERNAL_API_KEY_DIGESTS=gateway:<hex>,scheduler:<hex>`),
//! and a [`CallerPolicy`] naming the callers allowed on each of its RPCs.
//! An unknown key is `UNAUTHENTICATED`; a known caller on an RPC not meant
//! for it is `PERMISSION_DENIED`; an RPC missing from the policy is denied
//! to everyone.
//!
//! Keys rotate without downtime: a caller may have several digests at once.
//! Add the digest of the new key to each server's list, roll the servers,
//! switch the caller's `INTERNAL_API_KEY`, then remove the old digest.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tonic::codegen::Service;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::server::NamedService;
use tonic::service::Interceptor;
use tonic::{Request, Status};

use crate::config::{ConfigError, Environment, development_secret, env_string, required_secret};
use crate::context;

pub const INTERNAL_KEY_HEADER: &str = "x-internal-api-key";

/// The variable a server reads its accepted key digests from.
pub const DIGESTS_VAR: &str = "INTERNAL_API_KEY_DIGESTS";

/// The callers of the mesh. Servers accept no other name.
pub const GATEWAY: &str = "gateway";
pub const SCHEDULER: &str = "scheduler";
const CALLERS: &[&str] = &[GATEWAY, SCHEDULER];

/// The authenticated caller of an internal RPC, put into the request
/// extensions by [`Guarded`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub String);

struct KeyEntry {
    caller: String,
    digest: [u8; 32],
}

/// The digests of the keys a server accepts, by caller.
#[derive(Clone)]
pub struct InternalKeys {
    entries: Arc<Vec<KeyEntry>>,
}

impl std::fmt::Debug for InternalKeys {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let callers: Vec<&str> = self.entries.iter().map(|e| e.caller.as_str()).collect();
        formatter
            .debug_struct("InternalKeys")
            .field("callers", &callers)
            .finish()
    }
}

impl InternalKeys {
    /// Parses `caller:sha256hex,caller:sha256hex`. The same caller may
    /// appear twice (old and new key during a rotation).
    pub fn parse_digests(spec: &str) -> Result<Self, ConfigError> {
        let mut entries = Vec::new();
        for item in spec
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let (caller, digest) = item.split_once(':').ok_or_else(|| {
                ConfigError::invalid(
                    DIGESTS_VAR,
                    "each entry must be caller:sha256hex (e.g. gateway:…,scheduler:…)",
                )
            })?;
            let caller = caller.trim();
            if !CALLERS.contains(&caller) {
                return Err(ConfigError::invalid(
                    DIGESTS_VAR,
                    format!("unknown caller {caller:?} (expected one of {CALLERS:?})"),
                ));
            }
            let digest = parse_digest(digest.trim()).ok_or_else(|| {
                ConfigError::invalid(
                    DIGESTS_VAR,
                    format!("the digest for {caller} must be 64 hex digits (sha256sum of the key)"),
                )
            })?;
            entries.push(KeyEntry {
                caller: caller.to_owned(),
                digest,
            });
        }
        if entries.is_empty() {
            return Err(ConfigError::missing(DIGESTS_VAR));
        }
        Ok(Self {
            entries: Arc::new(entries),
        })
    }

    /// Accepts these `(caller, key)` pairs; tests and development build
    /// their key sets with it.
    pub fn from_keys<'a>(keys: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            entries: Arc::new(
                keys.into_iter()
                    .map(|(caller, key)| KeyEntry {
                        caller: caller.to_owned(),
                        digest: digest(key.as_bytes()),
                    })
                    .collect(),
            ),
        }
    }

    /// The development keys of every caller (see [`caller_key`]).
    pub fn development() -> Self {
        let keys: Vec<(&str, SecretString)> = CALLERS
            .iter()
            .map(|caller| (*caller, development_key(caller)))
            .collect();
        Self::from_keys(
            keys.iter()
                .map(|(caller, key)| (*caller, key.expose_secret())),
        )
    }

    /// `INTERNAL_API_KEY_DIGESTS`; in development, when unset, the digests
    /// of the callers' development keys. Production refuses the development
    /// keys' digests, and the raw-key list servers read before.
    pub fn from_env(environment: Environment) -> Result<Self, ConfigError> {
        if env_string("INTERNAL_API_KEYS").is_some() {
            return Err(ConfigError::invalid(
                "INTERNAL_API_KEYS",
                format!(
                    "servers no longer take callers' keys; set {DIGESTS_VAR}=caller:sha256hex,… \
                     (`make generate-keys` writes them) and remove INTERNAL_API_KEYS"
                ),
            ));
        }
        match env_string(DIGESTS_VAR) {
            Some(spec) => {
                let keys = Self::parse_digests(&spec)?;
                if environment.is_production() {
                    let development = Self::development();
                    let weak = keys.entries.iter().any(|entry| {
                        development
                            .entries
                            .iter()
                            .any(|known| known.digest == entry.digest)
                    });
                    if weak {
                        return Err(ConfigError::WeakSecret {
                            name: DIGESTS_VAR.to_owned(),
                            reason: "it accepts a development key".to_owned(),
                        });
                    }
                }
                Ok(keys)
            }
            None if environment.is_production() => Err(ConfigError::missing(DIGESTS_VAR)),
            None => Ok(Self::development()),
        }
    }

    /// The caller owning `presented`, comparing against every digest in
    /// constant time and without stopping at the first match.
    pub fn identify(&self, presented: &[u8]) -> Option<&str> {
        let presented = digest(presented);
        let mut found = None;
        for entry in self.entries.iter() {
            if bool::from(entry.digest.ct_eq(&presented)) && found.is_none() {
                found = Some(entry.caller.as_str());
            }
        }
        found
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn parse_digest(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut digest = [0u8; 32];
    for (index, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(index * 2..index * 2 + 2)?, 16).ok()?;
    }
    Some(digest)
}

/// The hex SHA-256 of a key, as `INTERNAL_API_KEY_DIGESTS` lists it.
pub fn key_digest_hex(key: &str) -> String {
    digest(key.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The development placeholder key of `caller`: distinct per caller, so
/// servers tell the gateway from the scheduler without configuration.
fn development_key(caller: &str) -> SecretString {
    development_secret(&format!("{}_INTERNAL_API_KEY", caller.to_ascii_uppercase()))
}

/// The key `caller` presents, `INTERNAL_API_KEY`: required and strong in
/// production, the caller's development key otherwise.
pub fn caller_key(caller: &str, environment: Environment) -> Result<SecretString, ConfigError> {
    if environment.is_production() || env_string("INTERNAL_API_KEY").is_some() {
        required_secret("INTERNAL_API_KEY", environment)
    } else {
        Ok(development_key(caller))
    }
}

/// The callers allowed on each RPC of a server, by full method path
/// (`/package.Service/Method`). Anything not listed is denied.
#[derive(Debug, Clone, Copy)]
pub struct CallerPolicy {
    rules: &'static [(&'static str, &'static [&'static str])],
}

impl CallerPolicy {
    pub const fn new(rules: &'static [(&'static str, &'static [&'static str])]) -> Self {
        Self { rules }
    }

    pub fn allows(&self, path: &str, caller: &str) -> bool {
        self.rules
            .iter()
            .any(|(method, callers)| *method == path && callers.contains(&caller))
    }
}

/// A server's key digests and caller policy.
#[derive(Clone, Debug)]
pub struct InternalAuth {
    keys: InternalKeys,
    policy: CallerPolicy,
}

impl InternalAuth {
    pub fn new(keys: InternalKeys, policy: CallerPolicy) -> Self {
        Self { keys, policy }
    }

    /// `service` behind the key and policy checks.
    pub fn guard<S>(&self, service: S) -> Guarded<S> {
        Guarded {
            auth: self.clone(),
            inner: service,
        }
    }

    /// The caller of a call to `path` presenting these headers, or the
    /// status refusing it.
    pub fn check(&self, headers: &http::HeaderMap, path: &str) -> Result<Caller, Status> {
        let presented = headers.get(INTERNAL_KEY_HEADER);
        let Some(caller) = presented.and_then(|value| self.keys.identify(value.as_bytes())) else {
            // The presented value is never logged: it may be a real key
            // from another deployment or a typo of ours.
            let problem = match presented {
                None => "missing",
                Some(value) if value.is_empty() => "empty",
                Some(_) => "unknown",
            };
            tracing::warn!(
                key = problem,
                method = path,
                request_id = context::request_id_from_headers(headers).unwrap_or_default(),
                "rejected an internal call without a valid internal API key"
            );
            return Err(Status::unauthenticated(
                "missing or invalid internal credentials",
            ));
        };
        if !self.policy.allows(path, caller) {
            tracing::warn!(
                caller,
                method = path,
                request_id = context::request_id_from_headers(headers).unwrap_or_default(),
                "refused an internal call its caller may not make"
            );
            return Err(Status::permission_denied(format!(
                "{caller} may not call {path}"
            )));
        }
        Ok(Caller(caller.to_owned()))
    }
}

/// A tonic service that answers only the callers its policy allows. It
/// wraps the service (not the server) so health stays open, and it sees
/// the method path, which a tonic interceptor does not.
#[derive(Clone, Debug)]
pub struct Guarded<S> {
    auth: InternalAuth,
    inner: S,
}

impl<S: NamedService> NamedService for Guarded<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, B> Service<http::Request<B>> for Guarded<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        match self.auth.check(request.headers(), request.uri().path()) {
            Ok(caller) => {
                request.extensions_mut().insert(caller);
                Box::pin(self.inner.call(request))
            }
            Err(status) => Box::pin(std::future::ready(Ok(status.into_http()))),
        }
    }
}

/// Client-side interceptor: attaches the caller's key, the request id, the
/// W3C trace context and a deadline to every call.
#[derive(Clone, Debug)]
pub struct AttachInternalKey {
    key: MetadataValue<Ascii>,
    deadline: std::time::Duration,
}

impl AttachInternalKey {
    pub fn new(key: &SecretString, deadline: std::time::Duration) -> Result<Self, ConfigError> {
        let mut key: MetadataValue<Ascii> = key
            .expose_secret()
            .parse()
            .map_err(|_| ConfigError::invalid("INTERNAL_API_KEY", "must be printable ASCII"))?;
        key.set_sensitive(true);
        Ok(Self { key, deadline })
    }
}

impl Interceptor for AttachInternalKey {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        request
            .metadata_mut()
            .insert(INTERNAL_KEY_HEADER, self.key.clone());
        if !request.metadata().contains_key("grpc-timeout") {
            request.set_timeout(self.deadline);
        }
        context::inject(request.metadata_mut());
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FETCH: &str = "/browser.v1.Browser/Fetch";
    const POLICY: CallerPolicy = CallerPolicy::new(&[(FETCH, &[GATEWAY])]);

    fn keys() -> InternalKeys {
        InternalKeys::from_keys([
            (GATEWAY, "key-one"),
            (SCHEDULER, "key-two"),
            (GATEWAY, "key-new"),
        ])
    }

    fn headers(key: Option<&str>) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        if let Some(key) = key {
            headers.insert(INTERNAL_KEY_HEADER, key.parse().unwrap());
        }
        headers
    }

    #[test]
    fn each_key_identifies_its_caller() {
        let keys = keys();
        assert_eq!(keys.identify(b"key-one"), Some(GATEWAY));
        assert_eq!(keys.identify(b"key-two"), Some(SCHEDULER));
        assert_eq!(keys.identify(b"key-new"), Some(GATEWAY));
        assert_eq!(keys.identify(b"key-on"), None);
        assert_eq!(keys.identify(b""), None);
    }

    #[test]
    fn digest_lists_identify_the_same_callers_as_the_keys_they_digest() {
        let spec = format!(
            "gateway:{}, scheduler:{}",
            key_digest_hex("key-one"),
            key_digest_hex("key-two").to_uppercase()
        );
        let keys = InternalKeys::parse_digests(&spec).unwrap();
        assert_eq!(keys.identify(b"key-one"), Some(GATEWAY));
        assert_eq!(keys.identify(b"key-two"), Some(SCHEDULER));
        assert_eq!(keys.identify(key_digest_hex("key-one").as_bytes()), None);
    }

    #[test]
    fn malformed_digest_lists_are_rejected() {
        let good = key_digest_hex("k");
        assert!(InternalKeys::parse_digests("no-caller-here").is_err());
        assert!(InternalKeys::parse_digests("gateway:").is_err());
        assert!(InternalKeys::parse_digests("gateway:abc").is_err());
        assert!(InternalKeys::parse_digests(&format!("browser:{good}")).is_err());
        assert!(InternalKeys::parse_digests(" , ").is_err());
    }

    #[test]
    fn development_keys_differ_per_caller() {
        let keys = InternalKeys::development();
        let gateway = development_key(GATEWAY);
        let scheduler = development_key(SCHEDULER);
        assert_ne!(gateway.expose_secret(), scheduler.expose_secret());
        assert_eq!(
            keys.identify(gateway.expose_secret().as_bytes()),
            Some(GATEWAY)
        );
        assert_eq!(
            keys.identify(scheduler.expose_secret().as_bytes()),
            Some(SCHEDULER)
        );
    }

    #[test]
    fn debug_output_names_callers_but_never_keys() {
        let printed = format!("{:?}", keys());
        assert!(printed.contains(GATEWAY));
        assert!(!printed.contains("key-one"));
    }

    #[test]
    fn calls_without_a_known_key_are_unauthenticated() {
        let auth = InternalAuth::new(keys(), POLICY);
        for presented in [None, Some(""), Some("wrong"), Some("key-one ")] {
            let status = auth.check(&headers(presented), FETCH).unwrap_err();
            assert_eq!(status.code(), tonic::Code::Unauthenticated);
            assert_eq!(status.message(), "missing or invalid internal credentials");
        }
    }

    #[test]
    fn a_known_caller_is_refused_where_the_policy_does_not_name_it() {
        let auth = InternalAuth::new(keys(), POLICY);
        assert_eq!(
            auth.check(&headers(Some("key-one")), FETCH).unwrap(),
            Caller(GATEWAY.to_owned())
        );
        let denied = auth.check(&headers(Some("key-two")), FETCH).unwrap_err();
        assert_eq!(denied.code(), tonic::Code::PermissionDenied);
        assert_eq!(
            denied.message(),
            "scheduler may not call /browser.v1.Browser/Fetch"
        );
        let unlisted = auth
            .check(&headers(Some("key-one")), "/browser.v1.Browser/Other")
            .unwrap_err();
        assert_eq!(unlisted.code(), tonic::Code::PermissionDenied);
    }
}
