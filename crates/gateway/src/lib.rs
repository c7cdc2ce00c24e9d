//! The gateway: the only service clients talk to. It authenticates callers,
//! validates input, reads and writes the store scoped to the caller, and
//! calls internal services (notify, health of browser/llm) over gRPC.
//!
//! Read top-down:
//! - [`config`]: one typed [`config::Config`], read from the environment once.
//! - [`startup`]: [`startup::Application`] binds, migrates, serves, shuts down.
//! - [`cli`]: the binary's subcommands (`migrate`, `mint-token`, `healthcheck`).
//! - [`state`]: what handlers share, split with `FromRef`.
//! - [`edge`]: rate limits, CORS, security headers, hosts, client IP, limits.
//! - [`ephemeral`]: the one Redis handle (rate limits, denylist, sign-in state).
//! - [`memberships`]: the one path of membership changes (and cache invalidation).
//! - [`metrics`]: Prometheus metrics on their own listener.
//! - [`request_context`]: request id, span and the one log line per request.
//! - [`routes`]: one module per API area, each with its own `router()`.
//! - [`auth`]: who is calling: access JWTs (header or session cookie), API keys, sign-in (OpenID Connect), sessions, CSRF.
//! - [`audit`]: the audit trail of security-relevant actions.
//! - [`domain`]: validation of user input into store values.
//! - [`transfer`]: import files (URL lists, changedetection.io, urlwatch, Lookout exports) read into candidates.
//! - [`extract`]: JSON, path and query extractors whose rejections are [`error::ApiError`]s.
//! - [`browser_client`]: the gRPC client of the browser service (previews).
//! - [`notify_client`]: the gRPC client of the notify service.
//! - [`quotas`]: per-team quotas (their defaults, the 403 naming one) and the hourly cap on test and confirmation sends.
//! - [`openapi`]: the OpenAPI document (`/api/openapi.json`) and `/docs`.
//! - [`webhook_docs`]: the outgoing webhooks in that document's `webhooks` section.
//! - [`readiness`]: the dependency checks behind `GET /ready`.
//! - [`error`]: [`error::ApiError`], the one error type of every handler.
//!
//! Architecture Invariant: handlers never build SQL and never see another
//! team's rows: every store call takes the caller's user id and the store
//! filters by membership in SQL.
//!
//! Architecture Invariant: internal error details (SQL, upstream messages,
//! addresses) are logged once by [`request_context`] and never returned.

pub mod audit;
pub mod auth;
pub mod browser_client;
pub mod cli;
pub mod config;
pub mod domain;
pub mod edge;
pub mod ephemeral;
pub mod error;
pub mod extract;
pub mod memberships;
pub mod metrics;
pub mod notify_client;
pub mod openapi;
pub mod quotas;
pub mod readiness;
pub mod request_context;
pub mod routes;
pub mod startup;
pub mod state;
pub mod transfer;
pub mod webhook_docs;
