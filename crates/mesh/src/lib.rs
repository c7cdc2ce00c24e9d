//! Plumbing shared by every Lookout service. Nothing here knows about
//! monitors, users or pages: business logic lives in the service crates.
//!
//! - [`config`]: environment reading, the development/production switch and
//!   secret strength rules.
//! - [`internal_auth`]: the `x-internal-api-key` interceptors for servers and
//!   clients, with named callers and several keys at once for rotation.
//! - [`context`]: request id and W3C trace context carried across gRPC calls.
//! - [`redis`]: Redis clients, over TLS for `rediss://` URLs.
//! - [`client`]: lazily connected channels with deadlines and the key attached.
//! - [`server`]: serving tonic routes with tracing and graceful shutdown.
//! - [`tls`]: optional TLS for gRPC, certificates and CA from files.
//! - [`health`]: `grpc.health.v1` reporter and a client-side probe.
//! - [`telemetry`]: JSON logs and OpenTelemetry export.
//! - [`shutdown`]: the SIGTERM/SIGINT future.

pub mod client;
pub mod config;
pub mod context;
pub mod health;
pub mod internal_auth;
pub mod redis;
pub mod server;
pub mod shutdown;
pub mod telemetry;
pub mod tls;
