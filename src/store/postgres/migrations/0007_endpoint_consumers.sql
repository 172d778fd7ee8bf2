-- Endpoints become consumers of the log, each owned by one worker at a time
-- (same change as SQLite's 0007). A delivery row is now written when an
-- attempt has an outcome (or when the API queues one), so rows no longer
-- carry leases, and the indexes and functions that served claims and lease
-- outcomes go: no delivery rule lives in SQL any more. Work in flight under
-- the old engine is kept: an in_flight row becomes pending (due now) and is
-- sent again by the endpoint's new owner; dispatch_cursor keeps its meaning
-- (everything up to it has a row or is done).
ALTER TABLE endpoints
  ADD COLUMN cursor_position bigint NOT NULL DEFAULT 0,
  ADD COLUMN owner_id text,
  ADD COLUMN owner_until timestamptz(3),
  ADD COLUMN state_version bigint NOT NULL DEFAULT 0,
  ADD COLUMN health_epoch bigint NOT NULL DEFAULT 0;
-- A worker's heartbeat and release find its endpoints by owner.
CREATE INDEX endpoints_owner ON endpoints (owner_id);
DROP INDEX endpoints_active;

-- Workers alive (until alive_until); rows of long-gone workers are removed by
-- the heartbeats of the others.
CREATE TABLE delivery_workers (
  id text PRIMARY KEY,
  alive_until timestamptz(3) NOT NULL
);

UPDATE deliveries SET status = 'pending', next_attempt_at = updated_at WHERE status = 'in_flight';
UPDATE deliveries SET status = 'failed' WHERE status = 'cancelled';

DROP INDEX deliveries_waiting;
DROP INDEX deliveries_waiting_due;
DROP INDEX deliveries_leased;
DROP INDEX deliveries_lease_due;
DROP INDEX deliveries_order;
DROP INDEX deliveries_open_events;
ALTER TABLE deliveries
  DROP COLUMN lease_owner,
  DROP COLUMN lease_expires_at,
  ADD COLUMN first_position bigint,
  ADD COLUMN last_position bigint;
-- An owner loads its endpoints' open records at takeover; replays look up the
-- original deliveries of a sequence range. deliveries_endpoint_id (listing),
-- deliveries_failed (bulk retry) and deliveries_finished (retention) stay;
-- the last still matches every final status, as 'cancelled' is gone.
CREATE INDEX deliveries_open ON deliveries (endpoint_id, first_sequence)
  WHERE status IN ('pending', 'retrying');
CREATE INDEX deliveries_sequence ON deliveries (endpoint_id, first_sequence);

DROP FUNCTION herald_claim_endpoint(text, timestamptz, boolean, boolean, integer, integer, text,
                                    timestamptz, integer);
DROP FUNCTION herald_record_outcomes(text[], text[], text[], timestamptz[], text[], integer[],
                                     text[], integer[], text[], text[], timestamptz[], text[],
                                     timestamptz[], text[]);
