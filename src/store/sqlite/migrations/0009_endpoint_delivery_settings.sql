-- Per-endpoint delivery settings for the ecosystem's formats: the CloudEvents
-- `source` of the events an endpoint receives (null: Herald's default) and
-- custom request headers (a JSON object, name → value).
ALTER TABLE endpoints ADD COLUMN ce_source TEXT;
ALTER TABLE endpoints ADD COLUMN custom_headers TEXT NOT NULL DEFAULT '{}';
