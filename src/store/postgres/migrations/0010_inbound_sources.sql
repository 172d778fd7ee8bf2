-- Inbound sources: third parties whose webhooks are received at
-- POST /inbound/{id} and written to the tenant's log. The id alone finds a
-- row (the inbound URL carries no API key); listing is per tenant, by id.
CREATE TABLE inbound_sources (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  scheme text NOT NULL,
  secret text NOT NULL,
  type_prefix text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL
);
CREATE INDEX inbound_sources_tenant ON inbound_sources (tenant_id, id);
