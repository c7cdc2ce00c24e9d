//! Black-box tests of the gateway: a real server on port 0, a fresh
//! database per test, a fake notify service over gRPC, reqwest as client.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod auth;
mod budgets;
mod channel_secrets;
mod channels;
mod check_export;
mod checks;
mod confirmation;
mod deliveries;
mod digests;
#[path = "../common/harness.rs"]
mod harness;
mod header_secrets;
mod health;
mod helpers;
mod isolation;
mod monitors;
mod organize;
mod quotas;
mod ratings;
mod render_options;
mod retention;
mod screenshots;
mod selectors;
mod series;
mod transfer;
mod unsubscribe;
mod validation;
