-- Digests: a channel may take its alerts one by one (`instant`) or as one
-- message per hour or per day, the day ending at a local time of day in an
-- IANA time zone.
ALTER TABLE channels
    ADD COLUMN delivery text NOT NULL DEFAULT 'instant'
        CHECK (delivery IN ('instant', 'hourly', 'daily')),
    ADD COLUMN digest_time time,
    ADD COLUMN digest_time_zone text,
    ADD CONSTRAINT channels_daily_digest_has_a_time
        CHECK (delivery <> 'daily' OR (digest_time IS NOT NULL AND digest_time_zone IS NOT NULL));

-- The outbox keeps digests crash-proof: an alert for a digest channel waits
-- as a `held` delivery; at the end of the period one `digest` delivery is
-- written and its members turn `digested`, pointing at it, in the same
-- transaction. The digest is then sent like any delivery (lease, retries,
-- dead letters) under an idempotency key naming the channel and the period,
-- so neither a crash nor a second replica loses or doubles it. A digest and
-- a notice belong to no single check.
ALTER TABLE deliveries ALTER COLUMN check_id DROP NOT NULL;
ALTER TABLE deliveries
    ADD COLUMN digest_id uuid REFERENCES deliveries (id) ON DELETE CASCADE,
    -- A digest's period ends here (exclusive); its members were queued before.
    ADD COLUMN period_end timestamptz,
    -- A notice to a team owner that Lookout turned `channel_id` off goes
    -- through the outbox too, written with the change that turned it off,
    -- so a crash cannot lose it: `recipient` is the owner's address.
    ADD COLUMN recipient text,
    DROP CONSTRAINT deliveries_status_check,
    ADD CONSTRAINT deliveries_status_check
        CHECK (status IN ('pending', 'sent', 'dead', 'held', 'digested')),
    DROP CONSTRAINT deliveries_kind_check,
    ADD CONSTRAINT deliveries_kind_check
        CHECK (kind IN ('triggered', 'failing', 'recovered', 'digest', 'channel_disabled')),
    ADD CONSTRAINT deliveries_only_alerts_have_a_check
        CHECK ((kind IN ('digest', 'channel_disabled')) = (check_id IS NULL)),
    ADD CONSTRAINT deliveries_notices_have_a_recipient
        CHECK ((kind = 'channel_disabled') = (recipient IS NOT NULL));
CREATE INDEX deliveries_held ON deliveries (channel_id, created_at) WHERE status = 'held';
CREATE INDEX deliveries_digest_members ON deliveries (digest_id) WHERE digest_id IS NOT NULL;
