-- Delivery retention deletes finished deliveries oldest first. Without this
-- index each chunk would scan the whole table, open work included; with it a
-- chunk reads exactly the rows it deletes. Partial, so claims and outcomes of
-- open deliveries never touch it: a delivery enters it once, when it ends.
CREATE INDEX deliveries_finished ON deliveries (updated_at)
  WHERE status IN ('succeeded', 'failed', 'cancelled');
