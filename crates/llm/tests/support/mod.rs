//! Shared test helpers: a fake OpenAI-compatible model server and a running judge service.

#![allow(dead_code)] // Each test binary uses a different subset.
#![allow(clippy::unwrap_used)] // Test helpers: a failed setup should fail the test loudly.

pub mod fake_model;
pub mod service;
