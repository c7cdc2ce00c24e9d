//! Real components for tests, started on free loopback ports.
//!
//! - [`postgres`]: a fresh database per test on a shared server.
//! - [`redis`]: a Redis server shared by a test process.
//! - [`smtp`]: an SMTP sink that collects and parses the mail it receives,
//!   in plain text, with STARTTLS or with implicit TLS.
//! - [`tls`]: a throwaway CA and a `localhost` certificate, made with `openssl`.
//! - [`website`]: a local website whose pages a test changes at runtime.
//! - [`ports`]: free loopback ports for processes that cannot take port 0.
//! - [`process`]: starting system binaries that die with the test process.
//!
//! `make test` starts one PostgreSQL and one Redis for the whole run and
//! passes them in `LOOKOUT_TEST_DATABASE_URL` / `LOOKOUT_TEST_REDIS_URL`; a
//! plain `cargo test` starts its own throwaway servers from the system
//! binaries instead, so no test depends on services the machine happens to run.

pub mod ports;
pub mod postgres;
pub mod process;
pub mod redis;
pub mod smtp;
pub mod tls;
pub mod website;

/// The lowercase hex SHA-256 of `text`, as the browser reports a page's
/// hash: the store keeps hashes as 32 bytes and refuses anything else.
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}
