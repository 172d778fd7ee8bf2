-- Lookups by event id (the after= cursor, a delivery's events) also bound
-- created_at by the time the id encodes, so that other days' partitions are
-- pruned. With the old (tenant_id, id) index that bound was only a filter, and
-- on a partition without statistics (filled faster than autovacuum analyzes
-- it) the planner ANDed that index with events_created_at, reading the whole
-- day's created_at index: 20 ms per cursor at 1,000,000 events in a day.
-- With created_at in the index, the whole lookup is one index condition and
-- costs a few pages at any size, with or without statistics.
-- The build holds a SHARE lock (appends wait, reads do not); the old index is
-- dropped only after it, so DROP INDEX's exclusive lock is held briefly.
CREATE INDEX events_tenant_id_created_at ON events (tenant_id, id, created_at);
DROP INDEX events_tenant_id;
