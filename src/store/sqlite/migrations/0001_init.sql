-- Tenants (environments) own keys and events.
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  hint TEXT NOT NULL,
  admin INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

-- One row per tenant: the head of its ordered log. Appends read and advance it
-- inside their write transaction, which is what makes sequences gap-free.
CREATE TABLE streams (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
  last_sequence INTEGER NOT NULL,
  last_event_id TEXT NOT NULL,
  last_created_at INTEGER NOT NULL
);

CREATE TABLE events (
  tenant_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  organization_id TEXT,
  idempotency_key TEXT,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (tenant_id, sequence)
);
CREATE UNIQUE INDEX events_tenant_id ON events (tenant_id, id);
CREATE UNIQUE INDEX events_tenant_idempotency ON events (tenant_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_tenant_type ON events (tenant_id, type, sequence);
CREATE INDEX events_tenant_org ON events (tenant_id, organization_id, sequence)
  WHERE organization_id IS NOT NULL;
CREATE INDEX events_created_at ON events (created_at);
