-- Per-endpoint delivery settings for the ecosystem's formats: the CloudEvents
-- `source` of the events an endpoint receives (null: Herald's default) and
-- custom request headers (a JSON object, name → value).
ALTER TABLE endpoints ADD COLUMN ce_source text;
ALTER TABLE endpoints ADD COLUMN custom_headers jsonb NOT NULL DEFAULT '{}';
