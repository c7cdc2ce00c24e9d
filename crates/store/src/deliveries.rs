//! The notification outbox: pending deliveries, retries with backoff and the
//! dead-letter state.
