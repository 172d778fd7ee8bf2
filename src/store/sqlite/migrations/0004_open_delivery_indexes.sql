-- Claiming must cost the same with ten or ten million finished deliveries: it
-- reads only these partial indexes of open work (as the PostgreSQL schema
-- does), instead of scanning every delivery an endpoint ever had.
CREATE INDEX deliveries_waiting ON deliveries (endpoint_id, next_attempt_at, first_sequence)
  WHERE status IN ('pending', 'retrying');
CREATE INDEX deliveries_leased ON deliveries (endpoint_id, lease_expires_at)
  WHERE status = 'in_flight';
-- Superseded by the two above; every index is paid for on each status change.
DROP INDEX deliveries_due;
-- The fan-out window counts an endpoint's open event deliveries on every
-- refill; this makes the count an index-only range of at most the window.
CREATE INDEX deliveries_open_events ON deliveries (endpoint_id, tenant_id, kind, status)
  WHERE kind = 'event' AND status NOT IN ('succeeded', 'failed', 'cancelled');
