-- Delivery retention deletes finished deliveries oldest first. Without this
-- index each chunk would scan the whole table, open work included; with it a
-- chunk reads exactly the rows it deletes. Partial, so claims and outcomes of
-- open deliveries never touch it: a delivery enters it once, when it ends.
-- Migrations run in a transaction, so this is not CONCURRENTLY: the build
-- holds a SHARE lock on deliveries (fan-out, claims and outcomes wait, reads
-- do not) for as long as it takes to read the table once, which is longest
-- on the installations that never pruned and most need it. To avoid that
-- pause, create the index by hand first, with the same name and definition,
-- CONCURRENTLY; IF NOT EXISTS then makes this a no-op.
CREATE INDEX IF NOT EXISTS deliveries_finished ON deliveries (updated_at)
  WHERE status IN ('succeeded', 'failed', 'cancelled');
