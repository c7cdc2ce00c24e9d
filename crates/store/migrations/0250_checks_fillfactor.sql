-- Migration 200 kept a tenth of each `checks` page free so that extending a
-- run of unchanged checks would be a heap-only update on the same page. A
-- changed check's row (about 1 KB: its diff and verdict) is never extended,
-- yet paid that tenth too, about 110 bytes each. Measured with the checks
-- benchmark at 10,000 monitors, full pages extend runs as cheaply (0 bytes
-- and the same CPU per unchanged check) while a changed check adds ~120
-- bytes less: the updates that extend runs on a page prune each other's
-- dead versions, which makes the room they need. Applies to pages filled
-- from now on.
ALTER TABLE checks RESET (fillfactor);
