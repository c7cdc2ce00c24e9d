//! The browser service: `browser.v1.Browser/Fetch` fetches one page safely and
//! returns its readable text.
//!
//! Module map, top-down:
//! - [`config`]: typed settings read once from the environment.
//! - [`startup`]: binds the listener, wires health and the internal-key interceptor.
//! - [`service`]: the gRPC edge; converts protobuf messages to and from [`domain`].
//! - [`domain`]: what a fetch request and its report are, independent of gRPC.
//! - [`fetcher`]: the HTTP fetch (redirects followed by hand, each hop checked).
//! - [`validators`]: conditional fetches (ETag, Last-Modified → 304 unchanged).
//! - [`seen_bodies`]: a byte-identical body is answered unchanged without a parse.
//! - [`classify`]: turns a response into an outcome (gone, bot wall, soft 404, error).
//! - [`decode`]: bytes to text by the declared or sniffed charset.
//! - [`extract`]: readable text from HTML, JSON and XML, and what the monitor's
//!   selector (`selection`: CSS, XPath, JSON pointer, JSONPath, jq) picks.
//! - [`render`]: one render in a fresh incognito context: wait, read, screenshot.
//! - [`steps`]: a monitor's browser steps (fill, click, press, ...) in a rendered page.
//! - [`chromium`]: the replica's one long-lived Chromium, restarted when it dies or hangs.
//! - [`egress`]: the proxy every Chromium request goes through, checked by netguard.
//! - [`pipeline`]: one fetch from request to report (download, render, extract).
//! - [`error`]: `ServiceError` → `tonic::Status`.
//!
//! Architecture Invariant: no socket is opened to an address that did not pass
//! `netguard`: reqwest resolves names only through `netguard::GuardedResolver`,
//! literal IPs and every redirect target are checked before the request, and
//! Chromium reaches the network only through the egress proxy, which checks
//! and pins every destination it is asked for.

pub mod chromium;
pub mod classify;
pub mod config;
pub mod decode;
pub mod domain;
pub mod egress;
pub mod error;
pub mod extract;
pub mod fetcher;
pub mod pipeline;
pub mod render;
pub mod seen_bodies;
pub mod service;
pub mod startup;
pub mod steps;
pub mod validators;
