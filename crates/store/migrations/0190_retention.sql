-- History that does not grow forever (issue 20).
--
-- Each team keeps its checks and snapshots for `retention_days` and at most
-- `retention_snapshots` snapshots per monitor; NULL keeps them without that
-- limit. The scheduler's pruning job (`store::retention::prune_history`)
-- deletes the rest in small batches.
ALTER TABLE teams
    ADD COLUMN retention_days integer DEFAULT 365
        CONSTRAINT teams_retention_days_positive CHECK (retention_days > 0),
    ADD COLUMN retention_snapshots integer DEFAULT 1000
        CONSTRAINT teams_retention_snapshots_positive CHECK (retention_snapshots > 0);

-- Writers of checks and snapshots wait until this migration commits, so
-- the counters below start from an exact count.
LOCK TABLE snapshots, checks IN SHARE ROW EXCLUSIVE MODE;

-- A content is stored once per monitor: a page that flaps between two
-- texts keeps two snapshots, and the one it comes back to is reused, its
-- `last_seen_at` moved forward. "The latest snapshot" is the one seen last.
ALTER TABLE snapshots ADD COLUMN last_seen_at timestamptz;

-- Existing copies of one content collapse into the newest copy (the one
-- whose validators are current); the checks that named an older copy name
-- the kept one.
CREATE TEMPORARY TABLE snapshot_copies ON COMMIT DROP AS
    SELECT id,
           first_value(id) OVER (PARTITION BY monitor_id, text_sha256
                                 ORDER BY created_at DESC, id DESC) AS kept_id
      FROM snapshots;
DELETE FROM snapshot_copies WHERE id = kept_id;
UPDATE checks c SET snapshot_id = copy.kept_id
  FROM snapshot_copies copy WHERE c.snapshot_id = copy.id;
DELETE FROM snapshots s USING snapshot_copies copy WHERE s.id = copy.id;

-- The kept copy is the newest, so its creation is when it was seen last.
UPDATE snapshots SET last_seen_at = created_at;
ALTER TABLE snapshots
    ALTER COLUMN last_seen_at SET NOT NULL,
    ALTER COLUMN last_seen_at SET DEFAULT now();

CREATE UNIQUE INDEX snapshots_monitor_content ON snapshots (monitor_id, text_sha256);
-- The latest snapshot (the scheduler's comparison) and the pruning order.
DROP INDEX snapshots_monitor;
CREATE INDEX snapshots_monitor_seen ON snapshots (monitor_id, last_seen_at DESC, id DESC);
-- Deleting a snapshot clears `checks.snapshot_id` (ON DELETE SET NULL):
-- without this index every deleted snapshot would scan the whole history.
CREATE INDEX checks_snapshot ON checks (snapshot_id) WHERE snapshot_id IS NOT NULL;

-- What each monitor keeps, maintained by the triggers below in the
-- transaction that inserts or deletes, so usage figures read these rows
-- instead of scanning the history. One row per monitor: the check that
-- changes it already holds its monitor's lock, so no new contention.
CREATE TABLE monitor_usage (
    monitor_id          uuid PRIMARY KEY REFERENCES monitors (id) ON DELETE CASCADE,
    checks              bigint NOT NULL DEFAULT 0,
    snapshots           bigint NOT NULL DEFAULT 0,
    -- Bytes of snapshot text (uncompressed, as `octet_length` counts).
    snapshot_text_bytes bigint NOT NULL DEFAULT 0
);

-- Statement-level triggers with transition tables: one counter update per
-- monitor and statement, whatever the number of rows. Rows are taken in
-- monitor order so two statements lock counters in the same order. A
-- deletion only updates (the monitor may be going away in the same
-- statement, and its counter row with it).
CREATE FUNCTION monitor_usage_snapshots_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO monitor_usage (monitor_id, snapshots, snapshot_text_bytes)
    SELECT monitor_id, count(*), sum(octet_length(text))
      FROM inserted GROUP BY monitor_id ORDER BY monitor_id
    ON CONFLICT (monitor_id) DO UPDATE
       SET snapshots = monitor_usage.snapshots + EXCLUDED.snapshots,
           snapshot_text_bytes = monitor_usage.snapshot_text_bytes + EXCLUDED.snapshot_text_bytes;
    RETURN NULL;
END;
$$;

CREATE FUNCTION monitor_usage_snapshots_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE monitor_usage u
       SET snapshots = u.snapshots - gone.snapshots,
           snapshot_text_bytes = u.snapshot_text_bytes - gone.bytes
      FROM (SELECT monitor_id, count(*) AS snapshots, sum(octet_length(text)) AS bytes
              FROM deleted GROUP BY monitor_id) gone
     WHERE u.monitor_id = gone.monitor_id;
    RETURN NULL;
END;
$$;

CREATE FUNCTION monitor_usage_checks_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO monitor_usage (monitor_id, checks)
    SELECT monitor_id, count(*) FROM inserted GROUP BY monitor_id ORDER BY monitor_id
    ON CONFLICT (monitor_id) DO UPDATE SET checks = monitor_usage.checks + EXCLUDED.checks;
    RETURN NULL;
END;
$$;

CREATE FUNCTION monitor_usage_checks_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE monitor_usage u SET checks = u.checks - gone.checks
      FROM (SELECT monitor_id, count(*) AS checks FROM deleted GROUP BY monitor_id) gone
     WHERE u.monitor_id = gone.monitor_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER snapshots_counted_in AFTER INSERT ON snapshots
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION monitor_usage_snapshots_inserted();
CREATE TRIGGER snapshots_counted_out AFTER DELETE ON snapshots
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION monitor_usage_snapshots_deleted();
CREATE TRIGGER checks_counted_in AFTER INSERT ON checks
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION monitor_usage_checks_inserted();
CREATE TRIGGER checks_counted_out AFTER DELETE ON checks
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION monitor_usage_checks_deleted();

INSERT INTO monitor_usage (monitor_id, checks, snapshots, snapshot_text_bytes)
SELECT m.id,
       (SELECT count(*) FROM checks c WHERE c.monitor_id = m.id),
       coalesce(s.snapshots, 0),
       coalesce(s.bytes, 0)
  FROM monitors m
  LEFT JOIN (SELECT monitor_id, count(*) AS snapshots, sum(octet_length(text)) AS bytes
               FROM snapshots GROUP BY monitor_id) s ON s.monitor_id = m.id;
