//! Teams and memberships.
