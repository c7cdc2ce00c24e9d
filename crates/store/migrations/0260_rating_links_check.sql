-- Deleting a check deletes the rating links used for it (ON DELETE
-- CASCADE), which looked for them with a scan of the whole table, once per
-- check: a pruning run that deletes n checks read n × the table. Measured
-- with `make bench-retention` at 100,000 monitors (200,000 checks pruned,
-- 10,000 links used): 0.49 ms of CPU per pruned check, against 0.13 at
-- 10,000 monitors, growing with the table.
CREATE INDEX rating_links_used_check ON rating_links_used (check_id);
