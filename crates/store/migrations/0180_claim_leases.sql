-- Short claims renewed by a heartbeat (issue 19). Each claim writes a fresh
-- token; the scheduler's heartbeat renews `next_check_at` only where its
-- token is still there, and a check is recorded only while it is, so a
-- claim that expired and was taken by another scheduler can never be
-- recorded twice. Recording (or giving the claim back) clears it.
ALTER TABLE monitors ADD COLUMN lease_token uuid;

-- The page's ETag and Last-Modified with the text they came from, as the
-- browser service hands them out (opaque, bound to the URL and selectors),
-- so the next check can ask the site "only if changed" (304 → unchanged).
ALTER TABLE snapshots ADD COLUMN validators text;
