//! Check history as users read it, scoped by team.
