-- PostgreSQL schema; same migration numbers and names as the SQLite one.
-- Times are timestamptz(3): the domain uses milliseconds, and rounding on
-- input keeps every stored time equal to the JavaScript Date it came from.

-- Tenants (environments) own keys and events.
CREATE TABLE tenants (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz(3) NOT NULL
);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  hash text NOT NULL UNIQUE,
  hint text NOT NULL,
  admin boolean NOT NULL DEFAULT false,
  created_at timestamptz(3) NOT NULL,
  revoked_at timestamptz(3)
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at, id);

-- One row per tenant: the head of its ordered log. An append locks this row
-- (SELECT ... FOR UPDATE) and holds the lock until commit, so appends of one
-- tenant commit one at a time, in sequence order, and sequences are gap-free.
-- The row is created (last_sequence 0) by the tenant's first append; the
-- foreign key is what makes an append for an unknown tenant fail.
CREATE TABLE streams (
  tenant_id text PRIMARY KEY REFERENCES tenants (id),
  last_sequence bigint NOT NULL DEFAULT 0,
  last_event_id text,
  last_created_at timestamptz(3)
);

-- The log, partitioned by day on created_at so retention can drop whole days.
-- Partitions (events_pYYYYMMDD, UTC days) are created on demand by the
-- append path; there is no default partition. Unique constraints on a
-- partitioned table must contain the partition key, so (tenant_id, sequence)
-- uniqueness comes from the stream-head lock, and the primary key below both
-- serves paging by sequence and gives each row an identity for retention.
-- data is json, not jsonb: json keeps the text verbatim, key order included.
CREATE TABLE events (
  tenant_id text NOT NULL,
  sequence bigint NOT NULL,
  id text NOT NULL,
  type text NOT NULL,
  organization_id text,
  data json NOT NULL,
  created_at timestamptz(3) NOT NULL,
  PRIMARY KEY (tenant_id, sequence, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX events_tenant_id ON events (tenant_id, id);
CREATE INDEX events_tenant_type ON events (tenant_id, type, sequence);
CREATE INDEX events_tenant_org ON events (tenant_id, organization_id, sequence)
  WHERE organization_id IS NOT NULL;
CREATE INDEX events_created_at ON events (created_at);

-- Idempotency keys live outside the partitioned table so that (tenant_id, key)
-- can be unique across all days. A row whose event retention has removed is
-- treated as absent, and retention deletes such rows in batches.
CREATE TABLE event_idempotency (
  tenant_id text NOT NULL,
  key text NOT NULL,
  event_id text NOT NULL,
  sequence bigint NOT NULL,
  created_at timestamptz(3) NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX event_idempotency_created_at ON event_idempotency (created_at);
