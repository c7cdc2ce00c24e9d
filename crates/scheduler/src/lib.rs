//! The scheduler: runs every monitor's checks and delivers the alerts they
//! raise. It has no inbound API except `grpc.health.v1` and Prometheus `/metrics`.
//!
//! - [`config`]: settings read once from the environment.
//! - [`startup`]: binding the health endpoint, waiting for the schema, running
//!   the loops until shutdown.
//! - [`claim_loop`]: claims due monitors within the free concurrency slots,
//!   and the heartbeat that renews the leases of the checks in flight.
//! - [`check`]: one check: fetch → compare → judge → record (with the outbox).
//! - [`recorder`]: records finished checks in batches, one transaction each.
//! - [`delivery`]: the outbox worker: sends pending deliveries with retries.
//! - [`digest`]: digest periods, and turning held alerts into one digest per period.
//! - [`pruning`]: deletes history past each team's retention, in small batches.
//! - [`politeness`]: per-host concurrency and spacing between fetches.
//! - [`domain`]: check statuses, backoff and jitter, the short diff.
//! - [`peers`]: the gRPC clients of browser, llm and notify, behind domain types.
//! - [`dependencies`]: whether browser, llm and notify are up; nothing is
//!   claimed that needs a service that is down.
//! - [`metrics`]: Prometheus figures on `SCHEDULER_METRICS_ADDR`.
//! - [`error`]: startup errors.
//!
//! Architecture Invariant: a monitor is only checked under a lease taken in
//! PostgreSQL (`FOR UPDATE SKIP LOCKED`), short and renewed by a heartbeat,
//! and its check is recorded only while that lease is still its own, so any
//! number of replicas can run and a dead one's work is taken over within a
//! lease.
//! Architecture Invariant: a triggered check and its deliveries are committed
//! together; delivery happens afterwards from the outbox, so a crash between
//! the two never loses an alert and an idempotency key per (check, channel)
//! keeps a retry from sending it twice.

pub mod check;
pub mod claim_loop;
pub mod config;
pub mod delivery;
pub mod dependencies;
pub mod digest;
pub mod domain;
pub mod error;
pub mod metrics;
pub mod peers;
pub mod politeness;
pub mod pruning;
pub mod recorder;
pub mod startup;
