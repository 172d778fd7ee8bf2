// Recording delivery outcomes on PostgreSQL, a group at a time (see
// postgres-outcome-group.ts): each attempt, each delivery's new status (only
// while the caller still holds the lease) and, once per endpoint, its health.
//
// Must run inside a transaction that has already locked the group's endpoint
// rows in id order. One statement records every attempt and status, so a
// group costs the same few round trips whatever its size; health is folded in
// memory and written once per endpoint instead of once per outcome.
import { newId } from '../../domain/ids.ts';
import type {
  DeliveryCompleteParams,
  DeliveryCompleteResult,
  DisabledReason,
  EndpointRow,
} from '../delivery-store.ts';
import { pgText } from './postgres-attempts.ts';
import {
  type EndpointDbRow,
  type Queryable,
  setEndpointActive,
  toEndpointRow,
} from './postgres-endpoints.ts';

// Parallel arrays, one element per outcome, in the group's order.
const RECORD = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[],
                       $6::int[], $7::text[], $8::int[], $9::text[], $10::text[],
                       $11::timestamptz[], $12::text[], $13::timestamptz[])
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
  -- Compare-and-set on the lease: a worker whose lease expired and was taken
  -- over by another must not overwrite the newer attempt's state.
  UPDATE deliveries x SET status = i.status, next_attempt_at = i.next_attempt_at,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = i.now
    FROM input i
   WHERE x.id = i.delivery_id AND x.tenant_id = i.tenant_id
     AND x.status = 'in_flight' AND x.lease_owner = i.owner
  RETURNING x.id
)
SELECT d.ord::int AS ord, d.endpoint_id, d.kind,
       EXISTS (SELECT 1 FROM moved m WHERE m.id = d.id) AS applied
  FROM d`;

// $1 endpoint, $2 any success, $3 'failed' outcomes after the last success,
// $4 first failed attempt after the last success, $5 now, $6 any failure.
const HEALTH = `
UPDATE endpoints e SET
  consecutive_failures = CASE WHEN $2 THEN $3 ELSE e.consecutive_failures + $3 END,
  failing_since = CASE WHEN $2 THEN $4::timestamptz ELSE coalesce(e.failing_since, $4) END,
  last_success_at = CASE WHEN $2 THEN $5 ELSE e.last_success_at END,
  last_failure_at = CASE WHEN $6 THEN $5 ELSE e.last_failure_at END
 WHERE e.id = $1
RETURNING e.*`;

interface Recorded {
  ord: number;
  endpoint_id: string;
  kind: string;
  applied: boolean;
}

/** An endpoint's health after a run of outcomes, as if applied one by one. */
interface HealthFold {
  anySuccess: boolean;
  anyFailure: boolean;
  /** 'failed' (given up) outcomes since the last success. */
  failedSinceSuccess: number;
  firstFailureSinceSuccess: Date | null;
  now: Date;
  /** Outcomes of this group, in order. */
  items: number[];
}

function fold(h: HealthFold | undefined, p: DeliveryCompleteParams, i: number): HealthFold {
  const f: HealthFold = h ?? {
    anySuccess: false,
    anyFailure: false,
    failedSinceSuccess: 0,
    firstFailureSinceSuccess: null,
    now: p.now,
    items: [],
  };
  f.items.push(i);
  if (p.now > f.now) f.now = p.now;
  if (p.status === 'succeeded') {
    f.anySuccess = true;
    f.failedSinceSuccess = 0;
    f.firstFailureSinceSuccess = null;
  } else {
    f.anyFailure = true;
    if (p.status === 'failed') f.failedSinceSuccess += 1;
    f.firstFailureSinceSuccess ??= p.attempt.attemptedAt;
  }
  return f;
}

/** Why this run of outcomes disables the endpoint, if it does. */
function disableReason(ep: EndpointRow, group: DeliveryCompleteParams[], h: HealthFold) {
  const outcomes = h.items.map((i) => group[i] as DeliveryCompleteParams);
  let reason: DisabledReason | null = outcomes.find((p) => p.disable !== null)?.disable ?? null;
  if (
    reason === null &&
    ep.disableAfterFailures !== null &&
    outcomes.some((p) => p.status === 'failed') &&
    ep.consecutiveFailures >= ep.disableAfterFailures
  ) {
    reason = 'consecutive_failures';
  }
  if (
    reason === null &&
    ep.disableAfterMs !== null &&
    h.anyFailure &&
    ep.failingSince !== null &&
    h.now.getTime() - ep.failingSince.getTime() >= ep.disableAfterMs
  ) {
    reason = 'failing_duration';
  }
  return reason;
}

export async function recordOutcomes(
  q: Queryable,
  group: DeliveryCompleteParams[],
): Promise<DeliveryCompleteResult[]> {
  const col = <T>(f: (p: DeliveryCompleteParams) => T) => group.map(f);
  const r = await q.query<Recorded>({
    name: 'herald_record_outcomes',
    text: RECORD,
    values: [
      col((p) => p.tenantId),
      col((p) => p.deliveryId),
      col(() => newId('att')),
      col((p) => p.attempt.attemptedAt),
      col((p) => JSON.stringify(p.attempt.requestHeaders)),
      col((p) => p.attempt.responseStatus),
      col((p) => pgText(p.attempt.responseBody)),
      col((p) => Math.round(p.attempt.latencyMs)),
      col((p) => pgText(p.attempt.error)),
      col((p) => p.status),
      col((p) => p.nextAttemptAt),
      col((p) => p.owner),
      col((p) => p.now),
    ],
  });
  const recorded = new Map(r.rows.map((row) => [row.ord - 1, row]));

  // Health: applied event outcomes only (test deliveries never touch it).
  const folds = new Map<string, HealthFold>();
  group.forEach((p, i) => {
    const row = recorded.get(i);
    if (row?.applied && row.kind === 'event') {
      folds.set(row.endpoint_id, fold(folds.get(row.endpoint_id), p, i));
    }
  });
  const endpoints = new Map<string, EndpointRow>();
  const disabledBy = new Map<number, true>();
  for (const [endpointId, h] of [...folds].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const hr = await q.query<EndpointDbRow>({
      name: 'herald_endpoint_health',
      text: HEALTH,
      values: [
        endpointId,
        h.anySuccess,
        h.failedSinceSuccess,
        h.firstFailureSinceSuccess,
        h.now,
        h.anyFailure,
      ],
    });
    const row = hr.rows[0];
    if (!row) continue;
    let ep = toEndpointRow(row);
    const reason = disableReason(ep, group, h);
    if (reason !== null && ep.active) {
      const off = await setEndpointActive(
        q,
        { tenantId: ep.tenantId, id: ep.id, active: false, reason },
        h.now,
      );
      if (off) {
        ep = off;
        // One outcome reports the change, so it is notified once.
        disabledBy.set(h.items.at(-1) as number, true);
      }
    }
    endpoints.set(endpointId, ep);
  }
  // Endpoints that no health update returned (test deliveries, lost leases).
  const missing = [...new Set(r.rows.map((row) => row.endpoint_id))].filter(
    (id) => !endpoints.has(id),
  );
  if (missing.length > 0) {
    const er = await q.query<EndpointDbRow>('SELECT * FROM endpoints WHERE id = ANY($1)', [
      missing,
    ]);
    for (const row of er.rows) endpoints.set(row.id, toEndpointRow(row));
  }

  return group.map((_, i) => {
    const row = recorded.get(i);
    // No row: the delivery does not exist (nothing was recorded).
    if (!row) return { applied: false, disabled: false, endpoint: null };
    return {
      applied: row.applied,
      disabled: disabledBy.has(i),
      endpoint: endpoints.get(row.endpoint_id) ?? null,
    };
  });
}
