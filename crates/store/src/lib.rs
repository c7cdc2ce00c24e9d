//! Lookout's PostgreSQL store: the connection pool, versioned migrations and
//! every query. Services call these functions with domain values; no SQL
//! lives outside this crate.
//!
//! Architecture Invariant: every query that reads or changes user data takes
//! the caller's team or user id and filters by it in SQL, so a missing check
//! in a handler cannot leak another team's rows.
//!
//! - [`pool`]: connecting and health; `tls` reads `sslmode` and `sslrootcert`.
//! - [`migrations`]: the embedded schema history, applied at start.
//! - [`error`]: [`StoreError`], with constraint violations kept apart.
//! - [`users`], [`teams`]: accounts, teams and memberships.
//! - [`monitors`]: monitor definitions, their scoped CRUD and filtered listing.
//! - [`tags`]: a team's tags and which monitors carry them.
//! - [`bulk`]: one change (pause, run now, tag, channel) applied to many monitors.
//! - [`channels`]: notification channels of a team.
//! - [`checks`]: check history as users read it.
//! - [`series`]: a monitor's recent outcomes and extracted values, for charts and the list.
//! - [`scheduling`]: claiming due monitors and recording check results.
//! - [`judging`]: the reads a changed page needs before the judge, in one round trip.
//! - `snapshot_text`: snapshot text compressed as it is stored and read back.
//! - `stored_diff`: a check's diff compressed as it is stored and read back.
//! - [`deliveries`]: the notification outbox.
//! - [`digests`]: alerts gathered into one message per hour or day, through the outbox.
//! - [`dead_letters`]: the outbox as users see it: listing and requeuing.
//! - [`sessions`]: sign-in sessions and rotating refresh tokens.
//! - [`api_keys`]: API keys, found by prefix, stored hashed.
//! - [`memberships`]: team members and roles, owner-only changes.
//! - [`invitations`]: invitations to a team, accepted by the invitee.
//! - [`hooks`]: trigger secrets of monitors and hook-requested runs.
//! - [`audit`]: the append-only audit trail.
//! - [`admin`]: whole-system usage figures for admins.
//! - [`budgets`]: per-team monthly model budgets and model use per monitor.
//! - [`quotas`]: per-team quotas (monitors, channels, API keys, renders per hour).
//! - [`ratings`]: alert ratings (useful / noise), precision and labelled examples.
//! - [`transfer`]: a team's export and the one-transaction batch import.
//! - [`retention`]: how long a team keeps its history, and the batched pruning.

pub mod admin;
pub mod api_keys;
pub mod audit;
pub mod budgets;
pub mod bulk;
pub mod channels;
pub mod checks;
pub mod dead_letters;
pub mod deliveries;
pub mod digests;
pub mod error;
pub mod hooks;
pub mod invitations;
pub mod judging;
pub mod memberships;
pub mod migrations;
pub mod monitors;
pub mod pool;
pub mod quotas;
pub mod ratings;
pub mod retention;
pub mod scheduling;
pub mod series;
pub mod sessions;
mod snapshot_text;
mod stored_diff;
pub mod tags;
pub mod teams;
mod tls;
pub mod transfer;
pub mod users;
mod zstd_contexts;

pub use error::StoreError;
pub use pool::Store;
