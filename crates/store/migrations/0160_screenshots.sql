-- Screenshots of rendered pages. The image lives in the blob store under the
-- SHA-256 of its bytes (so identical renders share one blob); a check names
-- the blob it keeps. `screenshot` is when a monitor keeps one: never, on a
-- change (and the baseline, the "before" of the first change) or on every
-- check.
ALTER TABLE monitors
    ADD COLUMN screenshot text NOT NULL DEFAULT 'never'
        CHECK (screenshot IN ('never', 'on_change', 'every_check'));
ALTER TABLE checks
    ADD COLUMN screenshot_sha256 text CHECK (screenshot_sha256 ~ '^[0-9a-f]{64}$');
-- Pruning asks whether any check still references a blob.
CREATE INDEX checks_screenshot ON checks (screenshot_sha256) WHERE screenshot_sha256 IS NOT NULL;
