-- What the channels page shows of each channel's deliveries, kept by the
-- scheduler's delivery worker as it records each outcome, so the page never
-- aggregates the outbox.
ALTER TABLE channels
    ADD COLUMN last_success_at timestamptz,
    ADD COLUMN last_failure_at timestamptz,
    -- The receiver's last refusal in plain words (no credentials).
    ADD COLUMN last_failure text,
    -- Deliveries that died in a row since the last success: after a few,
    -- the channel is disabled and its team's owners are told once.
    ADD COLUMN dead_streak integer NOT NULL DEFAULT 0;

-- The dead-letter list of a team, newest first.
CREATE INDEX deliveries_dead ON deliveries (team_id, created_at DESC, id DESC) WHERE status = 'dead';
