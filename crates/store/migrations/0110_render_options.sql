-- Per-monitor render options: what a render waits for, cookies for the
-- page's host, and browser steps (a login, a consent wall). Cookie values
-- and fill values are sealed by the gateway (secret-box) like header values.
ALTER TABLE monitors
    ADD COLUMN wait_for text,
    ADD COLUMN cookies jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN steps jsonb NOT NULL DEFAULT '[]';
