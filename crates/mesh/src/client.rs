//! Channels to internal services.

use std::time::Duration;

use secrecy::SecretString;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use crate::config::ConfigError;
use crate::internal_auth::AttachInternalKey;

/// A channel that attaches the internal key, request id, trace context and a
/// deadline to every call.
pub type InternalChannel = InterceptedService<Channel, AttachInternalKey>;

/// Connecting is deferred to the first call, so services start in any order
/// and a peer that restarts is reconnected transparently.
pub fn connect_lazy(
    url: &str,
    key: &SecretString,
    deadline: Duration,
) -> Result<InternalChannel, ConfigError> {
    let endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|error| ConfigError::invalid(url, format!("not a valid service URL: {error}")))?
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
