-- The claim indexes SQLite gains in its 0004 were in PostgreSQL's 0002. The
-- fan-out window counts an endpoint's open event deliveries on every refill;
-- with tenant, kind and status in the index the count reads no table rows.
CREATE INDEX deliveries_open_events ON deliveries (endpoint_id, tenant_id, kind, status)
  WHERE kind = 'event' AND status NOT IN ('succeeded', 'failed', 'cancelled');
