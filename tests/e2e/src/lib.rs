//! The whole Lookout mesh as separate processes, for end-to-end tests.
//!
//! - [`api`]: the gateway's REST API as a signed-in user calls it.
//! - [`process`]: starting a service binary with its environment, stopped on drop.
//! - [`mesh`]: PostgreSQL, Redis, an SMTP sink and all five services wired together.
//!
//! The binaries come from the same target directory as the test (`make test`
//! builds them first with `cargo build --workspace --bins`).

pub mod api;
pub mod mesh;
pub mod process;
