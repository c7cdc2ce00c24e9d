//! Black-box tests of the gateway's edge: everything a request meets before
//! and after a handler (headers, limits, rate limits, errors, OpenAPI).

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

#[path = "../common/harness.rs"]
mod harness;
mod headers;
mod hosts_cors;
mod limits;
mod metrics;
mod openapi;
mod rate_limits;
mod support;
