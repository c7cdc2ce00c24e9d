-- A check's diff is stored compressed by the store (zstd, in `diff_zstd`),
-- as snapshot text is since migration 210: PostgreSQL's own compression of
-- a diff of a few kilobytes keeps about a quarter of it, zstd about a sixth.
-- Rows written before keep their `diff`; readers take whichever is set. The
-- check is NOT VALID: it holds for every new row and nothing is scanned.
ALTER TABLE checks
    ADD COLUMN diff_zstd bytea,
    ADD CONSTRAINT checks_diff_once CHECK (diff IS NULL OR diff_zstd IS NULL) NOT VALID;
-- Already compressed: PostgreSQL compressing it again would only cost CPU.
ALTER TABLE checks ALTER COLUMN diff_zstd SET STORAGE EXTERNAL;
