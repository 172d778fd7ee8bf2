-- Push delivery: webhook endpoints, their deliveries and every attempt.
-- Same tables as SQLite's 0002; times are timestamptz(3) like 0001. Several
-- worker processes share these tables: see postgres-delivery-claims.ts for
-- how leases, max_concurrency and ordering hold across all of them.
CREATE TABLE endpoints (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  url text NOT NULL,
  description text NOT NULL,
  active boolean NOT NULL,
  disabled_reason text,
  disabled_at timestamptz(3),
  event_types jsonb NOT NULL,
  organization_id text,
  authorization_header text,
  -- [{secret, expires_at (epoch ms or null)}], newest first.
  secrets jsonb NOT NULL,
  format text NOT NULL,
  content_type text,
  batch_size integer NOT NULL,
  batch_wait_ms integer NOT NULL,
  max_concurrency integer NOT NULL,
  rate_limit double precision,
  ordered boolean NOT NULL,
  ordered_key text NOT NULL,
  -- A preset name (JSON string) or delays in seconds (JSON array).
  retry jsonb NOT NULL,
  timeout_connect_ms integer NOT NULL,
  timeout_response_ms integer NOT NULL,
  disable_after_failures integer,
  disable_after_ms bigint,
  notify_url text,
  notify_success boolean NOT NULL,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  -- The last event sequence already fanned out into deliveries. Dispatch
  -- advances it with a compare-and-set UPDATE (which row-locks the endpoint)
  -- in the transaction that inserts the deliveries.
  dispatch_cursor bigint NOT NULL,
  consecutive_failures integer NOT NULL DEFAULT 0,
  failing_since timestamptz(3),
  last_success_at timestamptz(3),
  last_failure_at timestamptz(3)
);
CREATE INDEX endpoints_tenant ON endpoints (tenant_id, id);
CREATE INDEX endpoints_active ON endpoints (tenant_id, id) WHERE active;

CREATE TABLE deliveries (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  endpoint_id text NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  kind text NOT NULL,
  first_sequence bigint NOT NULL,
  last_sequence bigint NOT NULL,
  event_ids text[] NOT NULL,
  -- json, not jsonb: a test payload is sent with its keys in the order given.
  payload json,
  status text NOT NULL,
  attempt_count integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz(3),
  lease_owner text,
  lease_expires_at timestamptz(3),
  order_key text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL
);
-- Claiming reads only these partial indexes, so finished deliveries (the bulk
-- of the table) cost nothing: waiting work by due time, leases by expiry (for
-- in-flight counts and crash recovery), and the head of each order key.
CREATE INDEX deliveries_waiting ON deliveries (endpoint_id, next_attempt_at)
  WHERE status IN ('pending', 'retrying');
CREATE INDEX deliveries_waiting_due ON deliveries (next_attempt_at)
  WHERE status IN ('pending', 'retrying');
CREATE INDEX deliveries_leased ON deliveries (endpoint_id, order_key, lease_expires_at)
  WHERE status = 'in_flight';
CREATE INDEX deliveries_lease_due ON deliveries (lease_expires_at)
  WHERE status = 'in_flight';
CREATE INDEX deliveries_order ON deliveries (endpoint_id, order_key, first_sequence, id)
  WHERE status NOT IN ('succeeded', 'failed', 'cancelled');
CREATE INDEX deliveries_endpoint_id ON deliveries (endpoint_id, id);
CREATE INDEX deliveries_failed ON deliveries (endpoint_id, created_at)
  WHERE status = 'failed';

CREATE TABLE delivery_attempts (
  -- Insertion order breaks ties between attempts of the same millisecond.
  n bigint GENERATED ALWAYS AS IDENTITY,
  id text PRIMARY KEY,
  delivery_id text NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  tenant_id text NOT NULL,
  endpoint_id text NOT NULL,
  kind text NOT NULL,
  attempted_at timestamptz(3) NOT NULL,
  request_headers json NOT NULL,
  response_status integer,
  response_body text,
  latency_ms integer NOT NULL,
  error text,
  succeeded boolean NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempted_at, n);
CREATE INDEX delivery_attempts_endpoint ON delivery_attempts (endpoint_id, attempted_at);

-- Claims due deliveries of one endpoint for one worker; postgres-delivery-claims.ts
-- explains the scheme. A function, so that taking the endpoint's claim lock and
-- picking under it cost one round trip; VOLATILE, so each statement below runs
-- on a fresh snapshot taken after the lock was granted, which includes
-- everything earlier holders of the lock committed.
CREATE FUNCTION herald_claim_endpoint(
  p_endpoint text, p_now timestamptz, p_active boolean, p_ordered boolean,
  p_slots integer, p_cap integer, p_owner text, p_lease timestamptz, p_lock_class integer)
RETURNS SETOF deliveries LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_room integer;
BEGIN
  -- A claim lost in a database crash only makes its deliveries due again,
  -- which at-least-once delivery allows: no need to wait for the WAL flush.
  PERFORM set_config('synchronous_commit', 'off', true);
  PERFORM pg_advisory_xact_lock(p_lock_class, hashtext('claim:' || p_endpoint));
  SELECT least(p_slots, p_cap - count(*)) INTO v_room FROM deliveries
   WHERE endpoint_id = p_endpoint AND status = 'in_flight' AND lease_expires_at > p_now;
  IF v_room <= 0 THEN
    RETURN;
  END IF;
  IF p_ordered THEN
    -- Only the head (lowest sequence, non-final) of each order key, and only
    -- when no delivery of that key holds an unexpired lease.
    RETURN QUERY
    WITH heads AS (
      SELECT DISTINCT ON (order_key) id, order_key FROM deliveries
       WHERE endpoint_id = p_endpoint AND status NOT IN ('succeeded', 'failed', 'cancelled')
       ORDER BY order_key, first_sequence, id
    ), picked AS (
      SELECT d.id FROM heads h JOIN deliveries d ON d.id = h.id
       WHERE ((d.status IN ('pending', 'retrying') AND d.next_attempt_at <= p_now)
              OR (d.status = 'in_flight' AND d.lease_expires_at <= p_now))
         AND (p_active OR d.kind = 'test')
         AND NOT EXISTS (SELECT 1 FROM deliveries x
                          WHERE x.endpoint_id = p_endpoint AND x.order_key = h.order_key
                            AND x.status = 'in_flight' AND x.lease_expires_at > p_now)
       ORDER BY d.next_attempt_at, d.first_sequence
       LIMIT v_room
       FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE deliveries d SET status = 'in_flight', lease_owner = p_owner, lease_expires_at = p_lease,
           attempt_count = d.attempt_count + 1, updated_at = p_now
      FROM picked WHERE d.id = picked.id
    RETURNING d.*;
  ELSE
    RETURN QUERY
    WITH picked AS (
      SELECT d.id FROM deliveries d
       WHERE d.endpoint_id = p_endpoint
         AND ((d.status IN ('pending', 'retrying') AND d.next_attempt_at <= p_now)
              OR (d.status = 'in_flight' AND d.lease_expires_at <= p_now))
         AND (p_active OR d.kind = 'test')
       ORDER BY d.next_attempt_at, d.first_sequence
       LIMIT v_room
       FOR UPDATE SKIP LOCKED
    )
    UPDATE deliveries d SET status = 'in_flight', lease_owner = p_owner, lease_expires_at = p_lease,
           attempt_count = d.attempt_count + 1, updated_at = p_now
      FROM picked WHERE d.id = picked.id
    RETURNING d.*;
  END IF;
END
$$;
