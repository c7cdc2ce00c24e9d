//! `lookout-notify`: delivers alerts by email (SMTP) and by signed webhook,
//! at most once per idempotency key (`notify.v1.Notifier/Send`).
//!
//! - [`config`]: environment → typed `Config`, production checks.
//! - [`startup`]: `Application::build` / `port` / `run_until_stopped`.
//! - [`service`]: the gRPC service; [`convert`]: proto ↔ domain at the edge.
//! - [`dispatch`]: claim the key, send through the channel, record the result.
//! - [`ledger`]: the idempotency markers in Redis.
//! - [`email`]: rendering, headers and SMTP.
//! - [`webhook`]: signed JSON POSTs; [`webhook::signature::verify`] is the
//!   receiver-side check.
//! - [`chat`]: Slack, Discord, Telegram, Teams and ntfy messages.
//! - [`outbound`]: the SSRF-guarded HTTP client and the reading of a
//!   receiver's refusal (retry, retry after, dead, gone).
//! - [`text`]: one-line titles and cuts within the receivers' limits.
//! - [`domain`]: validated delivery types; [`error`]: errors → `tonic::Status`.
//!
//! Architecture Invariant: a provider only ever sees a delivery whose key was
//! claimed in Redis first; a failed send frees the key, a successful one
//! marks it `sent` for seven days.

pub mod chat;
pub mod config;
pub mod convert;
pub mod dispatch;
pub mod domain;
pub mod email;
pub mod error;
pub mod ledger;
pub mod outbound;
pub mod service;
pub mod startup;
pub mod text;
pub mod webhook;

pub use webhook::signature::verify;
