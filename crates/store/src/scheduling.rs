//! Claiming due monitors and recording the result of a check.
