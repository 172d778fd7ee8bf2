-- Delivery settings for the ecosystem's formats (same change as SQLite's
-- 0009). Endpoints: the CloudEvents `source` of the events they receive
-- (null: Herald's default), custom request headers (a JSON object, name →
-- value) and a minimum log level (Auth0's LOG_LEVEL, 0 debug … 4 critical;
-- null: every event). Events: an optional log level on the same scale; a
-- nullable column without a default is added to every partition at once.
ALTER TABLE endpoints ADD COLUMN ce_source text;
ALTER TABLE endpoints ADD COLUMN custom_headers jsonb NOT NULL DEFAULT '{}';
ALTER TABLE endpoints ADD COLUMN min_log_level int2;
ALTER TABLE events ADD COLUMN log_level int2;
