//! A development OpenID Connect provider, so `make dev` and the tests run the
//! gateway's real sign-in code path (discovery, authorization code + PKCE,
//! RS256 ID tokens checked against a JWK set) without Google.
//!
//! Anyone can sign in as any email address, without a password: it refuses
//! to start with `LOOKOUT_ENV=production`.
//!
//! Environment: `DEV_IDP_ADDR` (127.0.0.1:8090), `DEV_IDP_ISSUER` (default
//! `http://<bound address>`; it must be the exact URL relying parties discover
//! from, and the browser must reach the same URL), `DEV_IDP_CLIENT_ID`
//! (lookout-dev), `DEV_IDP_CLIENT_SECRET` (lookout-dev-secret),
//! `DEV_IDP_REDIRECT_URIS` (comma list, exact match), `DEV_IDP_SIGNING_KEY_PEM`
//! (RSA PEM; a fresh key per start otherwise), `DEV_IDP_CODE_LIFETIME_SECS` (60).
//!
//! **Architecture Invariant:** an authorization response (code or error) is
//! only ever sent to a registered redirect URI; anything else is an HTML page.
//!
//! **API Boundary:** only standard OpenID Connect leaves this crate; the
//! gateway has no knowledge of it beyond an issuer URL and client credentials.
//!
//! - [`config`] — `Config::from_env()`: address, issuer, the one registered client.
//! - [`startup`] — `Application::build(config)` binds first; `port()`, `issuer()`, `run_until_stopped`.
//! - `routes` — discovery, JWKS, `/authorize` (form), `/token`, `/userinfo`.
//! - `pages` — the HTML sign-in form and error page.
//! - [`domain`] — identities (strict email), PKCE, token randomness.
//! - `store` — in-memory forms, codes and access tokens with expiry.
//! - [`signing`] — the RSA key, ID token signing, the JWK set.
//! - [`healthcheck`] — the `healthcheck` subcommand's probe.
//! - [`error`] — startup errors, authorization and token endpoint errors.
//! - [`scripted`] (feature `scripted-sign-in`) — a scripted browser for other crates' tests.

pub mod config;
pub mod domain;
pub mod error;
pub mod healthcheck;
mod pages;
mod routes;
#[cfg(feature = "scripted-sign-in")]
pub mod scripted;
pub mod signing;
pub mod startup;
mod store;

pub use config::Config;
pub use startup::Application;
