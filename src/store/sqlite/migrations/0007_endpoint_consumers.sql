-- Endpoints become consumers of the log, each owned by one worker at a time.
-- A delivery row is now written when an attempt has an outcome (or when the
-- API queues one), so rows no longer carry leases, and the indexes that served
-- claims go. Work in flight under the old engine is kept: an in_flight row
-- becomes pending (due now) and is sent again by the endpoint's new owner;
-- dispatch_cursor keeps its meaning (everything up to it has a row or is done).
ALTER TABLE endpoints ADD COLUMN cursor_position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN owner_id TEXT;
ALTER TABLE endpoints ADD COLUMN owner_until INTEGER;
ALTER TABLE endpoints ADD COLUMN state_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN health_epoch INTEGER NOT NULL DEFAULT 0;
CREATE INDEX endpoints_owner ON endpoints (owner_id);
DROP INDEX endpoints_active;

CREATE TABLE delivery_workers (
  id TEXT PRIMARY KEY,
  alive_until INTEGER NOT NULL
);

UPDATE deliveries SET status = 'pending', next_attempt_at = updated_at WHERE status = 'in_flight';
UPDATE deliveries SET status = 'failed' WHERE status = 'cancelled';

DROP INDEX deliveries_order;
DROP INDEX deliveries_lease;
DROP INDEX deliveries_next;
DROP INDEX deliveries_open_tests;
DROP INDEX deliveries_waiting;
DROP INDEX deliveries_leased;
DROP INDEX deliveries_open_events;
ALTER TABLE deliveries DROP COLUMN lease_owner;
ALTER TABLE deliveries DROP COLUMN lease_expires_at;
ALTER TABLE deliveries ADD COLUMN first_position INTEGER;
ALTER TABLE deliveries ADD COLUMN last_position INTEGER;
-- An owner loads its endpoints' open records at takeover; replays look up the
-- original deliveries of a sequence range.
CREATE INDEX deliveries_open ON deliveries (endpoint_id, first_sequence)
  WHERE status IN ('pending', 'retrying');
CREATE INDEX deliveries_sequence ON deliveries (endpoint_id, first_sequence);
-- Retention's partial index, with the final statuses that exist now.
DROP INDEX deliveries_finished;
CREATE INDEX deliveries_finished ON deliveries (updated_at)
  WHERE status IN ('succeeded', 'failed');
