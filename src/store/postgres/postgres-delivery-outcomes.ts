// Recording a delivery's outcome on PostgreSQL: the attempt, the new status
// (only while the caller still holds the lease) and the endpoint's health.
//
// One statement does all three, atomically and in one round trip. Its lock
// order is delivery row, then endpoint row (the health update reads the
// moved delivery, so it runs after it), the same as every other path that
// takes both: endpoint deletion deletes the deliveries first for that reason.
// Disabling an endpoint that crossed a threshold is a rare second statement.
import type { Pool } from 'pg';
import { newId } from '../../domain/ids.ts';
import type {
  DeliveryCompleteParams,
  DeliveryCompleteResult,
  DisabledReason,
} from '../delivery-store.ts';
import { pgText } from './postgres-attempts.ts';
import { type EndpointDbRow, setEndpointActive, toEndpointRow } from './postgres-endpoints.ts';

// $1 tenant, $2 delivery, $3 attempt id, $4 attempted_at, $5 request headers,
// $6 response status, $7 response body, $8 latency, $9 error, $10 status,
// $11 next_attempt_at, $12 now, $13 lease owner.
const COMPLETE = `
WITH d AS (
  SELECT id, tenant_id, endpoint_id, kind FROM deliveries WHERE tenant_id = $1 AND id = $2
), attempt AS (
  INSERT INTO delivery_attempts (id, delivery_id, tenant_id, endpoint_id, kind, attempted_at,
                                 request_headers, response_status, response_body, latency_ms,
                                 error, succeeded)
  SELECT $3, d.id, d.tenant_id, d.endpoint_id, d.kind, $4, $5::json, $6, $7, $8, $9,
         $10 = 'succeeded'
    FROM d
), moved AS (
  -- Compare-and-set on the lease: a worker whose lease expired and was taken
  -- over by another must not overwrite the newer attempt's state.
  UPDATE deliveries x SET status = $10, next_attempt_at = $11, lease_owner = NULL,
         lease_expires_at = NULL, updated_at = $12
   WHERE x.id = $2 AND x.tenant_id = $1 AND x.status = 'in_flight' AND x.lease_owner = $13
  RETURNING x.endpoint_id, x.kind
), health AS (
  -- Test deliveries never touch health. 'retrying' is a failed attempt that
  -- will be tried again; 'failed' (given up) also extends the failure streak.
  UPDATE endpoints e SET
    consecutive_failures = CASE WHEN $10 = 'succeeded' THEN 0
                                WHEN $10 = 'failed' THEN e.consecutive_failures + 1
                                ELSE e.consecutive_failures END,
    failing_since = CASE WHEN $10 = 'succeeded' THEN NULL ELSE coalesce(e.failing_since, $4) END,
    last_success_at = CASE WHEN $10 = 'succeeded' THEN $12 ELSE e.last_success_at END,
    last_failure_at = CASE WHEN $10 = 'succeeded' THEN e.last_failure_at ELSE $12 END
    FROM moved WHERE e.id = moved.endpoint_id AND moved.kind = 'event'
  RETURNING e.*
)
SELECT h.*, true AS applied FROM health h
UNION ALL
SELECT e.*, EXISTS (SELECT 1 FROM moved) AS applied
  FROM d JOIN endpoints e ON e.id = d.endpoint_id
 WHERE NOT EXISTS (SELECT 1 FROM health)`;

export async function completeDelivery(
  pool: Pool,
  p: DeliveryCompleteParams,
): Promise<DeliveryCompleteResult> {
  const a = p.attempt;
  const r = await pool.query<EndpointDbRow & { applied: boolean }>({
    name: 'herald_complete_delivery',
    text: COMPLETE,
    values: [
      p.tenantId,
      p.deliveryId,
      newId('att'),
      a.attemptedAt,
      JSON.stringify(a.requestHeaders),
      a.responseStatus,
      pgText(a.responseBody),
      Math.round(a.latencyMs),
      pgText(a.error),
      p.status,
      p.nextAttemptAt,
      p.now,
      p.owner,
    ],
  });
  const row = r.rows[0];
  // No row: the delivery does not exist (nothing was recorded).
  if (!row) return { applied: false, disabled: false, endpoint: null };
  const ep = toEndpointRow(row);
  if (!row.applied) return { applied: false, disabled: false, endpoint: ep };
  let reason: DisabledReason | null = p.disable;
  if (reason === null && p.status === 'failed' && ep.disableAfterFailures !== null) {
    if (ep.consecutiveFailures >= ep.disableAfterFailures) reason = 'consecutive_failures';
  }
  if (reason === null && p.status !== 'succeeded' && ep.disableAfterMs !== null) {
    if (ep.failingSince && p.now.getTime() - ep.failingSince.getTime() >= ep.disableAfterMs) {
      reason = 'failing_duration';
    }
  }
  if (reason === null || !ep.active) return { applied: true, disabled: false, endpoint: ep };
  const disabled = await setEndpointActive(
    pool,
    { tenantId: ep.tenantId, id: ep.id, active: false, reason },
    p.now,
  );
  return { applied: true, disabled: true, endpoint: disabled };
}
