//! The `x-internal-api-key` check between services.
//!
//! Each key maps to a caller name so a service knows who is calling, and
//! several keys are accepted at once so keys rotate without downtime: add the
//! new key to `INTERNAL_API_KEYS`, roll the services, switch the callers'
//! `INTERNAL_API_KEY`, then remove the old key.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::{Request, Status};

use crate::config::{ConfigError, Environment, check_secret_strength, env_string, required_secret};
use crate::context;

pub const INTERNAL_KEY_HEADER: &str = "x-internal-api-key";

/// The caller name used for the single-key form `INTERNAL_API_KEY`.
pub const DEFAULT_CALLER: &str = "internal";

/// The authenticated caller of an internal RPC, put into the request
/// extensions by [`RequireInternalKey`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub String);

struct KeyEntry {
    caller: String,
    /// Keys are compared through their digests so that the comparison takes
    /// the same time whatever the presented key's length.
    digest: [u8; 32],
}

/// The set of keys a server accepts.
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
    /// Parses `caller:key,caller:key`. The same caller may appear twice
    /// (old and new key during a rotation).
    pub fn parse(spec: &str) -> Result<Self, ConfigError> {
        let mut entries = Vec::new();
        for item in spec
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let (caller, key) = item.split_once(':').ok_or_else(|| {
                ConfigError::invalid(
                    "INTERNAL_API_KEYS",
                    "each entry must be caller:key (e.g. gateway:…,scheduler:…)",
                )
            })?;
            let caller = caller.trim();
            let key = key.trim();
            if caller.is_empty() || key.is_empty() {
                return Err(ConfigError::invalid(
                    "INTERNAL_API_KEYS",
                    "an entry has an empty caller name or key",
                ));
            }
            entries.push(KeyEntry {
                caller: caller.to_owned(),
                digest: digest(key.as_bytes()),
            });
        }
        if entries.is_empty() {
            return Err(ConfigError::missing("INTERNAL_API_KEYS"));
        }
        Ok(Self {
            entries: Arc::new(entries),
        })
    }

    /// One key shared by every caller, reported as [`DEFAULT_CALLER`].
    pub fn single(key: &SecretString) -> Self {
        Self {
            entries: Arc::new(vec![KeyEntry {
                caller: DEFAULT_CALLER.to_owned(),
                digest: digest(key.expose_secret().as_bytes()),
            }]),
        }
    }

    /// `INTERNAL_API_KEYS` when set, otherwise the single `INTERNAL_API_KEY`.
    /// Production checks the strength of every key.
    pub fn from_env(environment: Environment) -> Result<Self, ConfigError> {
        if let Some(spec) = env_string("INTERNAL_API_KEYS") {
            if environment.is_production() {
                for item in spec.split(',').filter(|item| !item.trim().is_empty()) {
                    let key = item
                        .split_once(':')
                        .map(|(_, key)| key.trim())
                        .unwrap_or("");
                    check_secret_strength("INTERNAL_API_KEYS", key)?;
                }
            }
            return Self::parse(&spec);
        }
        let key = required_secret("INTERNAL_API_KEY", environment)?;
        Ok(Self::single(&key))
    }

    /// The caller owning `presented`, comparing against every key in
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

/// Server-side interceptor: rejects calls without a valid key.
#[derive(Clone, Debug)]
pub struct RequireInternalKey {
    keys: InternalKeys,
}

impl RequireInternalKey {
    pub fn new(keys: InternalKeys) -> Self {
        Self { keys }
    }
}

impl Interceptor for RequireInternalKey {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let presented = request.metadata().get(INTERNAL_KEY_HEADER);
        let caller = presented.and_then(|value| self.keys.identify(value.as_bytes()));
        match caller {
            Some(caller) => {
                let caller = Caller(caller.to_owned());
                request.extensions_mut().insert(caller);
                Ok(request)
            }
            None => {
                // The presented value is never logged: it may be a real key
                // from another deployment or a typo of ours.
                let problem = match presented {
                    None => "missing",
                    Some(value) if value.is_empty() => "empty",
                    Some(_) => "unknown",
                };
                tracing::warn!(
                    key = problem,
                    request_id = context::request_id(request.metadata())
                        .as_deref()
                        .unwrap_or(""),
                    "rejected an internal call without a valid internal API key"
                );
                Err(Status::unauthenticated(
                    "missing or invalid internal credentials",
                ))
            }
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

    fn keys() -> InternalKeys {
        InternalKeys::parse("gateway:key-one, scheduler:key-two,gateway:key-new").unwrap()
    }

    #[test]
    fn each_key_identifies_its_caller() {
        let keys = keys();
        assert_eq!(keys.identify(b"key-one"), Some("gateway"));
        assert_eq!(keys.identify(b"key-two"), Some("scheduler"));
        assert_eq!(keys.identify(b"key-new"), Some("gateway"));
        assert_eq!(keys.identify(b"key-on"), None);
        assert_eq!(keys.identify(b""), None);
    }

    #[test]
    fn malformed_key_lists_are_rejected() {
        assert!(InternalKeys::parse("no-caller-here").is_err());
        assert!(InternalKeys::parse("gateway:").is_err());
        assert!(InternalKeys::parse(" , ").is_err());
    }

    #[test]
    fn debug_output_names_callers_but_never_keys() {
        let printed = format!("{:?}", keys());
        assert!(printed.contains("gateway"));
        assert!(!printed.contains("key-one"));
    }

    #[test]
    fn interceptor_rejects_missing_empty_and_wrong_keys() {
        let mut interceptor = RequireInternalKey::new(keys());
        assert_eq!(
            interceptor.call(Request::new(())).unwrap_err().code(),
            tonic::Code::Unauthenticated
        );
        for presented in ["", "wrong", "key-one "] {
            let mut request = Request::new(());
            request
                .metadata_mut()
                .insert(INTERNAL_KEY_HEADER, presented.parse().unwrap());
            let status = interceptor.call(request).unwrap_err();
            assert_eq!(status.code(), tonic::Code::Unauthenticated);
            assert_eq!(status.message(), "missing or invalid internal credentials");
        }
        let mut request = Request::new(());
        request
            .metadata_mut()
            .insert(INTERNAL_KEY_HEADER, "key-two".parse().unwrap());
        let accepted = interceptor.call(request).unwrap();
        assert_eq!(
            accepted.extensions().get::<Caller>(),
            Some(&Caller("scheduler".to_owned()))
        );
    }
}
