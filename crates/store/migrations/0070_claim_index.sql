-- One partial index whose predicate is exactly the claim's: the scheduler
-- walks it in next_check_at order and stops after LIMIT rows. With the two
-- indexes it replaces, the claim's OR across them defeated an ordered walk,
-- so every claim sorted every due row, and a backlog made claims slower.
CREATE INDEX monitors_claimable ON monitors (next_check_at)
    WHERE NOT paused OR requested_reason IS NOT NULL;
DROP INDEX monitors_due;
DROP INDEX monitors_requested;
