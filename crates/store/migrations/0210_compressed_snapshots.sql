-- Snapshot text is stored compressed by the store (zstd, in `text_zstd`,
-- with its length before compression in `text_bytes`) instead of as
-- `text`: a 20 KB page's text takes a few hundred bytes to a couple of
-- kilobytes instead of PostgreSQL's own TOAST compression of it, and a row
-- that small stays inline (no TOAST rows and index entries to write and
-- read). Rows written before keep their `text`; readers take whichever is
-- set. The check is NOT VALID: it holds for every new row, and every older
-- row has its `text`, so there is nothing to scan under the lock.
ALTER TABLE snapshots
    ALTER COLUMN text DROP NOT NULL,
    ADD COLUMN text_zstd bytea,
    ADD COLUMN text_bytes integer,
    ADD CONSTRAINT snapshots_text_once
        CHECK ((text IS NULL) <> (text_zstd IS NULL) AND (text_zstd IS NULL OR text_bytes >= 0))
        NOT VALID;
-- Already compressed: PostgreSQL compressing it again would only cost CPU.
ALTER TABLE snapshots ALTER COLUMN text_zstd SET STORAGE EXTERNAL;

-- The usage counters keep counting the text's bytes before compression,
-- as they did (migration 190).
CREATE OR REPLACE FUNCTION monitor_usage_snapshots_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO monitor_usage (monitor_id, snapshots, snapshot_text_bytes)
    SELECT monitor_id, count(*), sum(COALESCE(text_bytes, octet_length(text)))
      FROM inserted GROUP BY monitor_id ORDER BY monitor_id
    ON CONFLICT (monitor_id) DO UPDATE
       SET snapshots = monitor_usage.snapshots + EXCLUDED.snapshots,
           snapshot_text_bytes = monitor_usage.snapshot_text_bytes + EXCLUDED.snapshot_text_bytes;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION monitor_usage_snapshots_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE monitor_usage u
       SET snapshots = u.snapshots - gone.snapshots,
           snapshot_text_bytes = u.snapshot_text_bytes - gone.bytes
      FROM (SELECT monitor_id, count(*) AS snapshots,
                   sum(COALESCE(text_bytes, octet_length(text))) AS bytes
              FROM deleted GROUP BY monitor_id) gone
     WHERE u.monitor_id = gone.monitor_id;
    RETURN NULL;
END;
$$;
