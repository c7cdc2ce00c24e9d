-- Failing and recovered alerts, and deliveries that say what they are.

-- After this many failed checks in a row (the page could not be fetched or
-- read) the monitor's channels get one "failing" alert naming the cause;
-- 0 turns failing alerts off. `failing_alert_sent` remembers that the alert
-- went out, so it is not repeated while the monitor keeps failing, and the
-- next successful check sends one "recovered" alert.
ALTER TABLE monitors
    ADD COLUMN failure_alert_after integer NOT NULL DEFAULT 3
        CHECK (failure_alert_after BETWEEN 0 AND 100),
    ADD COLUMN failing_alert_sent boolean NOT NULL DEFAULT false;

-- The check raised a failing alert (its summary names the cause) or a
-- recovered one (`recovered_note` says after what).
ALTER TABLE checks
    ADD COLUMN failure_alert text CHECK (failure_alert IN ('failing', 'recovered')),
    ADD COLUMN recovered_note text;

-- What a delivery tells: the condition was met, the monitor is failing
-- (checks fail, or its changes cannot be judged), or it recovered. One check
-- can be both met and recovered; the recovered delivery's idempotency key
-- ends in ':recovered'.
ALTER TABLE deliveries
    ADD COLUMN kind text NOT NULL DEFAULT 'triggered'
        CHECK (kind IN ('triggered', 'failing', 'recovered'));
