//! The attack suite of sign-in and access control, by category, against
//! the real gateway on port 0 with a real OpenID provider over sockets,
//! real PostgreSQL and Redis. Every refused case asserts its status and
//! that nothing changed in the database.
#![allow(clippy::unwrap_used, reason = "tests may unwrap")]

mod access_tokens;
mod accounts;
mod admin;
mod api_keys;
#[path = "../common/harness.rs"]
mod harness;
mod hooks;
mod id_tokens;
mod providers;
mod proxy;
mod sessions;
mod sign_in;
mod support;
mod teams;
