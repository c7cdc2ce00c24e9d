-- A check whose outcome repeats the monitor's latest history entry (the same
-- page hash, status, HTTP status and error; nothing changed, judged, alerted
-- or kept) extends that entry instead of adding a row: one row then stands
-- for `repeats` checks in a row, from its `started_at` to `repeated_until`
-- (the end of the latest of them; NULL while the row is a single check).
-- An unchanged check thus writes no history row, no index entry and no
-- usage-counter update, and a monitor whose page never changes keeps one
-- row, not one per check.
ALTER TABLE checks
    ADD COLUMN repeats integer NOT NULL DEFAULT 1 CONSTRAINT checks_repeats_positive CHECK (repeats >= 1),
    ADD COLUMN repeated_until timestamptz;
-- Room on each page for the entry's new version: extending a run then is a
-- heap-only update on the same page (no index entry, and the versions it
-- leaves are pruned in place) instead of a new tuple elsewhere.
ALTER TABLE checks SET (fillfactor = 90);
