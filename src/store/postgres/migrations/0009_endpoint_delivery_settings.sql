-- Per-endpoint delivery settings for the ecosystem's formats: the CloudEvents
-- `source` of the events an endpoint receives (null: Herald's default).
ALTER TABLE endpoints ADD COLUMN ce_source text;
