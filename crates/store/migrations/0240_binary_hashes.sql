-- A SHA-256 is 32 bytes: stored as 64 hex characters it took 65 in each
-- snapshot and check row and in every entry of snapshots_monitor_content,
-- about 150 of the ~2.2 KB a changed check added to the database. The store
-- still speaks hex to its callers: it decodes on the way in and encodes on
-- the way out, so nothing above it changes.
-- Both tables are rewritten (and their indexes rebuilt) under an exclusive
-- lock, once, during the upgrade's migration step: it takes time in
-- proportion to the history kept.
ALTER TABLE snapshots
    ALTER COLUMN text_sha256 TYPE bytea USING decode(text_sha256, 'hex'),
    ADD CONSTRAINT snapshots_text_sha256_length CHECK (octet_length(text_sha256) = 32);
ALTER TABLE checks
    ALTER COLUMN content_sha256 TYPE bytea USING decode(content_sha256, 'hex'),
    ADD CONSTRAINT checks_content_sha256_length CHECK (octet_length(content_sha256) = 32);
