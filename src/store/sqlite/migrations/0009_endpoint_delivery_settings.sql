-- Delivery settings for the ecosystem's formats. Endpoints: the CloudEvents
-- `source` of the events they receive (null: Herald's default), custom
-- request headers (a JSON object, name → value) and a minimum log level
-- (Auth0's LOG_LEVEL, 0 debug … 4 critical; null: every event). Events: an
-- optional log level on the same scale.
ALTER TABLE endpoints ADD COLUMN ce_source TEXT;
ALTER TABLE endpoints ADD COLUMN custom_headers TEXT NOT NULL DEFAULT '{}';
ALTER TABLE endpoints ADD COLUMN min_log_level INTEGER;
ALTER TABLE events ADD COLUMN log_level INTEGER;
