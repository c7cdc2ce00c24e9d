//! Server-side request forgery (SSRF) protection shared by every service that
//! connects to a user-supplied address (browser, notify webhooks, gateway previews).
//!
//! Module map:
//! - [`classify`]: which IP addresses are never a legitimate destination, and why.
//! - [`policy`]: the allow-list that opens ranges for development and tests.
//! - [`url_check`]: parsing user URLs (scheme, host, credentials, length).
//! - [`resolve`]: DNS resolution that refuses forbidden answers, and the
//!   [`GuardedResolver`] that makes reqwest connect only to checked addresses.
//! - [`settings`]: the deployment's one allow-list (`ALLOW_NETWORKS`), read
//!   alike by gateway, browser and notify, with the production confirmation.
//! - [`error`]: user-presentable errors.
//!
//! Architecture Invariant: a caller that connects to a user-supplied host
//! connects only to an address that went through [`Policy::check`]; with
//! reqwest that means `dns_resolver(GuardedResolver)` *and* [`check_url`] before
//! each request (reqwest does not send literal IP hosts through its resolver),
//! redirects followed by hand, and no proxy.

pub mod classify;
pub mod error;
pub mod policy;
pub mod resolve;
pub mod settings;
pub mod url_check;

pub use classify::{ForbiddenReason, classify};
pub use error::{GuardError, PolicyError, UrlError};
pub use policy::Policy;
pub use resolve::{GuardedResolver, check_literal_host, check_url, resolve_checked, resolve_url};
pub use settings::SettingsError;
pub use url_check::{MAX_URL_LENGTH, parse_url};
