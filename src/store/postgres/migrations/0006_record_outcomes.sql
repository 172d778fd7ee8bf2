-- Records a group of delivery outcomes in one round trip; see
-- postgres-delivery-outcomes.ts. Arrays are parallel, one element per outcome
-- in the group's order. Returns, per outcome found, its endpoint and whether
-- the status was applied (false when the lease had been lost).
CREATE FUNCTION herald_record_outcomes(
  p_tenant text[], p_delivery text[], p_attempt text[], p_attempted_at timestamptz[],
  p_headers text[], p_response_status integer[], p_response_body text[], p_latency integer[],
  p_error text[], p_status text[], p_next timestamptz[], p_owner text[], p_now timestamptz[])
RETURNS TABLE (outcome_ord integer, outcome_endpoint text, outcome_kind text, outcome_applied boolean)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  -- An outcome lost in a database crash leaves its delivery in flight with a
  -- lease that expires, so it is sent again: at-least-once allows that, and
  -- not waiting for the WAL flush keeps a group at one round trip's latency.
  PERFORM set_config('synchronous_commit', 'off', true);
  -- Endpoint rows first and in id order, so concurrent groups (other worker
  -- processes) cannot deadlock on each other's endpoints.
  PERFORM 1 FROM endpoints e
   WHERE e.id IN (SELECT x.endpoint_id FROM deliveries x WHERE x.id = ANY (p_delivery))
   ORDER BY e.id FOR UPDATE;
  RETURN QUERY
  WITH input AS (
    SELECT * FROM unnest(p_tenant, p_delivery, p_attempt, p_attempted_at, p_headers,
                         p_response_status, p_response_body, p_latency, p_error, p_status,
                         p_next, p_owner, p_now)
      WITH ORDINALITY AS i(tenant_id, delivery_id, attempt_id, attempted_at, request_headers,
                           response_status, response_body, latency_ms, error, status,
                           next_attempt_at, owner, now, ord)
  ), d AS (
    SELECT x.id, x.endpoint_id, x.kind, i.ord
      FROM input i JOIN deliveries x ON x.id = i.delivery_id AND x.tenant_id = i.tenant_id
  ), attempt AS (
    INSERT INTO delivery_attempts (id, delivery_id, tenant_id, endpoint_id, kind, attempted_at,
                                   request_headers, response_status, response_body, latency_ms,
                                   error, succeeded)
    SELECT i.attempt_id, d.id, i.tenant_id, d.endpoint_id, d.kind, i.attempted_at,
           i.request_headers::json, i.response_status, i.response_body, i.latency_ms, i.error,
           i.status = 'succeeded'
      FROM input i JOIN d ON d.ord = i.ord
     ORDER BY i.ord
  ), moved AS (
    -- Compare-and-set on the lease: a worker whose lease expired and was
    -- taken over by another must not overwrite the newer attempt's state.
    UPDATE deliveries x SET status = i.status, next_attempt_at = i.next_attempt_at,
           lease_owner = NULL, lease_expires_at = NULL, updated_at = i.now
      FROM input i
     WHERE x.id = i.delivery_id AND x.tenant_id = i.tenant_id
       AND x.status = 'in_flight' AND x.lease_owner = i.owner
    RETURNING x.id
  ), outcome AS (
    -- Applied event outcomes feed health; test deliveries never touch it.
    SELECT d.endpoint_id, i.ord, i.status, i.attempted_at, i.now
      FROM input i JOIN d ON d.ord = i.ord
     WHERE d.kind = 'event' AND d.id IN (SELECT m.id FROM moved m)
  ), last_ok AS (
    SELECT o.endpoint_id, max(o.ord) FILTER (WHERE o.status = 'succeeded') AS ord
      FROM outcome o GROUP BY o.endpoint_id
  ), fold AS (
    -- The outcomes applied one by one: a success resets the failure streak,
    -- so only what follows the group's last success counts towards it.
    SELECT o.endpoint_id,
           bool_or(o.status = 'succeeded') AS any_success,
           bool_or(o.status <> 'succeeded') AS any_failure,
           (count(*) FILTER (WHERE o.status = 'failed' AND o.ord > coalesce(l.ord, 0)))::int AS failed,
           min(o.attempted_at) FILTER (WHERE o.status <> 'succeeded' AND o.ord > coalesce(l.ord, 0)) AS first_failure,
           max(o.now) AS now
      FROM outcome o JOIN last_ok l ON l.endpoint_id = o.endpoint_id
     GROUP BY o.endpoint_id
  ), health AS (
    UPDATE endpoints e SET
      consecutive_failures = CASE WHEN f.any_success THEN f.failed
                                  ELSE e.consecutive_failures + f.failed END,
      failing_since = CASE WHEN f.any_success THEN f.first_failure
                           ELSE coalesce(e.failing_since, f.first_failure) END,
      last_success_at = CASE WHEN f.any_success THEN f.now ELSE e.last_success_at END,
      last_failure_at = CASE WHEN f.any_failure THEN f.now ELSE e.last_failure_at END
      FROM fold f WHERE e.id = f.endpoint_id
    RETURNING e.id
  )
  -- (Every data-modifying CTE above runs to completion, read or not.)
  SELECT d.ord::integer, d.endpoint_id, d.kind, d.id IN (SELECT m.id FROM moved m) FROM d;
END
$$;
