//! Notification channels of a team (email addresses and webhooks).
