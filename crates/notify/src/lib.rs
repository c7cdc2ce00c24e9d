//! `lookout-notify`: delivers alerts by email (SMTP) and by signed webhook,
//! at most once per idempotency key (`notify.v1.Notifier/Send`).
//!
//! - [`config`]: environment → typed `Config`, production checks.
//! - [`startup`]: `Application::build` / `port` / `run_until_stopped`.
//! - [`service`]: the gRPC service; [`convert`]: proto ↔ domain at the edge.
//! - [`dispatch`]: claim the key, send through the channel, record the result.
//! - [`ledger`]: the idempotency markers in Redis.
//! - [`email`]: rendering, headers and SMTP.
//! - [`webhook`]: signed JSON POSTs behind SSRF checks; [`webhook::signature::verify`]
//!   is the receiver-side check.
//! - [`domain`]: validated delivery types; [`error`]: errors → `tonic::Status`.
//!
//! Architecture Invariant: a provider only ever sees a delivery whose key was
//! claimed in Redis first; a failed send frees the key, a successful one
//! marks it `sent` for seven days.

pub mod config;
pub mod convert;
pub mod dispatch;
pub mod domain;
pub mod email;
pub mod error;
pub mod ledger;
pub mod service;
pub mod startup;
pub mod webhook;

pub use webhook::signature::verify;
