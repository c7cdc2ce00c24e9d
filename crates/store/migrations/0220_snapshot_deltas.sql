-- A snapshot whose page changed a little is stored as a delta: its
-- `text_zstd` is compressed with its monitor's keyframe (`base_id`, a
-- snapshot stored whole) as zstd's dictionary (see `src/snapshot_text.rs`).
-- A delta's base is always a keyframe, so a text is read back with at most
-- two decompressions. The reference has no ON DELETE action: retention
-- deletes a keyframe only once no snapshot is stored against it, and a
-- monitor's deletion takes its keyframes and deltas in the same statement.
ALTER TABLE snapshots
    ADD COLUMN base_id uuid REFERENCES snapshots (id),
    ADD CONSTRAINT snapshots_delta_compressed
        CHECK (base_id IS NULL OR (text_zstd IS NOT NULL AND base_id <> id));
-- Retention asks whether a snapshot is still some delta's base.
CREATE INDEX snapshots_base ON snapshots (base_id) WHERE base_id IS NOT NULL;
