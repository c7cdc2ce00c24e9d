//! Channels to internal services.

use std::time::Duration;

use secrecy::SecretString;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use crate::config::ConfigError;
use crate::internal_auth::AttachInternalKey;
use crate::tls::ClientTls;

/// A channel that attaches the internal key, request id, trace context and a
/// deadline to every call.
pub type InternalChannel = InterceptedService<Channel, AttachInternalKey>;

/// Connecting is deferred to the first call, so services start in any order
/// and a peer that restarts is reconnected transparently. With `tls` the
/// URL must be `https://` and the peer must present a certificate for its
/// host that chains to the configured CA.
pub fn connect_lazy(
    url: &str,
    key: &SecretString,
    deadline: Duration,
    tls: Option<&ClientTls>,
) -> Result<InternalChannel, ConfigError> {
    let endpoint = endpoint(url, tls)?
        // A peer that does not accept a connection within this time is down;
        // failing fast lets the caller apply its own retry policy.
        .connect_timeout(Duration::from_secs(3))
        .timeout(deadline)
        .tcp_nodelay(true)
        // Keepalives detect peers that vanished without closing the socket.
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true);
    let channel = endpoint.connect_lazy();
    Ok(InterceptedService::new(
        channel,
        AttachInternalKey::new(key, deadline)?,
    ))
}

/// An endpoint for `url`, speaking TLS when `tls` is given.
pub fn endpoint(url: &str, tls: Option<&ClientTls>) -> Result<Endpoint, ConfigError> {
    crate::tls::check_scheme(url, tls)?;
    let endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|error| ConfigError::invalid(url, format!("not a valid service URL: {error}")))?;
    match tls {
        Some(tls) => endpoint.tls_config(tls.config()).map_err(|error| {
            ConfigError::invalid(crate::tls::CA_FILE_VAR, format!("not a usable CA: {error}"))
        }),
        None => Ok(endpoint),
    }
}
