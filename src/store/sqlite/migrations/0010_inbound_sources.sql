-- Inbound sources: third parties whose webhooks are received at
-- POST /inbound/{id} and written to the tenant's log. The id alone finds a
-- row (the inbound URL carries no API key); listing is per tenant, by id.
CREATE TABLE inbound_sources (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  scheme TEXT NOT NULL,
  secret TEXT NOT NULL,
  type_prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX inbound_sources_tenant ON inbound_sources (tenant_id, id);
