-- Scoped API keys: a space-separated list of scopes (events:write,
-- events:read, endpoints:manage, admin). Keys made before scopes keep what
-- they could do: ordinary keys everything but key management, admin keys all.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'events:write events:read endpoints:manage';
UPDATE api_keys SET scopes = 'admin' WHERE admin = 1;
-- Every process polls for recent revocations to end streams and drop cached keys.
CREATE INDEX api_keys_revoked ON api_keys (revoked_at) WHERE revoked_at IS NOT NULL;
