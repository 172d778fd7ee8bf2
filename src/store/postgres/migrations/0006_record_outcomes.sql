-- Records a group of delivery outcomes in one round trip; see
-- postgres-delivery-outcomes.ts. Arrays are parallel, one element per outcome
-- in the group's order. Returns, per outcome found, its endpoint, whether the
-- status was applied (false when the lease had been lost) and whether this
-- outcome disabled the endpoint (at most one per endpoint). Disabling happens
-- in the same transaction as the outcome, so no claim can slip in between.
CREATE FUNCTION herald_record_outcomes(
  p_tenant text[], p_delivery text[], p_attempt text[], p_attempted_at timestamptz[],
  p_headers text[], p_response_status integer[], p_response_body text[], p_latency integer[],
  p_error text[], p_status text[], p_next timestamptz[], p_owner text[], p_now timestamptz[],
  p_disable text[])
RETURNS TABLE (outcome_ord integer, outcome_endpoint text, outcome_kind text,
               outcome_applied boolean, outcome_disabled boolean)
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
                         p_next, p_owner, p_now, p_disable)
      WITH ORDINALITY AS i(tenant_id, delivery_id, attempt_id, attempted_at, request_headers,
                           response_status, response_body, latency_ms, error, status,
                           next_attempt_at, owner, now, disable, ord)
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
    SELECT d.endpoint_id, i.ord, i.status, i.attempted_at, i.now, i.disable
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
           bool_or(o.status = 'failed') AS any_failed,
           (count(*) FILTER (WHERE o.status = 'failed' AND o.ord > coalesce(l.ord, 0)))::int AS failed,
           min(o.attempted_at) FILTER (WHERE o.status <> 'succeeded' AND o.ord > coalesce(l.ord, 0)) AS first_failure,
           (array_agg(o.disable ORDER BY o.ord) FILTER (WHERE o.disable IS NOT NULL))[1] AS asked,
           max(o.now) AS now,
           max(o.ord) AS last_ord
      FROM outcome o JOIN last_ok l ON l.endpoint_id = o.endpoint_id
     GROUP BY o.endpoint_id
  ), next AS (
    SELECT f.*, e.active,
           CASE WHEN f.any_success THEN f.failed ELSE e.consecutive_failures + f.failed END AS cf,
           CASE WHEN f.any_success THEN f.first_failure
                ELSE coalesce(e.failing_since, f.first_failure) END AS fs,
           e.disable_after_failures, e.disable_after_ms
      FROM fold f JOIN endpoints e ON e.id = f.endpoint_id
  ), decided AS (
    -- Why these outcomes disable the endpoint: a 410 Gone, N failed
    -- deliveries in a row, or failing for longer than the set duration.
    SELECT n.*,
           CASE WHEN NOT n.active THEN NULL
                WHEN n.asked IS NOT NULL THEN n.asked
                WHEN n.any_failed AND n.cf >= n.disable_after_failures THEN 'consecutive_failures'
                WHEN n.any_failure AND n.fs IS NOT NULL
                     AND n.now - n.fs >= n.disable_after_ms * interval '1 millisecond'
                  THEN 'failing_duration'
           END AS reason
      FROM next n
  ), health AS (
    UPDATE endpoints e SET
      consecutive_failures = x.cf,
      failing_since = x.fs,
      last_success_at = CASE WHEN x.any_success THEN x.now ELSE e.last_success_at END,
      last_failure_at = CASE WHEN x.any_failure THEN x.now ELSE e.last_failure_at END,
      active = e.active AND x.reason IS NULL,
      disabled_reason = coalesce(x.reason, e.disabled_reason),
      disabled_at = CASE WHEN x.reason IS NULL THEN e.disabled_at ELSE x.now END,
      updated_at = CASE WHEN x.reason IS NULL THEN e.updated_at ELSE x.now END
      FROM decided x WHERE e.id = x.endpoint_id
    RETURNING e.id
  )
  -- (Every data-modifying CTE above runs to completion, read or not.)
  SELECT d.ord::integer, d.endpoint_id, d.kind, d.id IN (SELECT m.id FROM moved m),
         EXISTS (SELECT 1 FROM decided x
                  WHERE x.endpoint_id = d.endpoint_id AND x.last_ord = d.ord AND x.reason IS NOT NULL)
    FROM d;
END
$$;
