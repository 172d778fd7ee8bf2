// One group commit of an owner's outcomes on PostgreSQL: one transaction in
// one round trip (pipelinedTransaction), every part a multi-row statement
// over unnest()ed arrays. The first statement writes the rows:
//
//   live        the endpoints the group mentions, share-locked (FOR KEY SHARE)
//               so none is deleted before commit; rows of endpoints already
//               gone are dropped;
//   written     the delivery rows, upserted in id order (an update keeps the
//               row's created_at, positions and events);
//   attempted   the attempts;
//   mine        the group's endpoints this worker still owns, locked for
//               update in id order once the deliveries are written (its
//               one-time filter reads `written`).
//
// The second writes their progress, on exactly the rows `mine` locked (see
// rememberLocked in postgres-db.ts for why a statement of its own): the
// cursor, and health and disabling where the health epoch is still the one
// the owner folded from (an enable in between reset it), as compare-and-set
// writes.
//
// Locks are taken in the order every writer of deliveries uses
// (postgres-deliveries.ts): endpoint shared, delivery rows by id, endpoint for
// update by id; so two group commits (an old and a new owner), a commit and a
// heartbeat, or a commit and a manual retry cannot deadlock. The policy (what
// the cursor, health and statuses become) is the caller's; this persists it.
import type { Pool, QueryConfig, QueryResult } from 'pg';
import { newBulkId } from '../../domain/ids.ts';
import type {
  AttemptWrite,
  DeliveryCommitParams,
  DeliveryCommitResult,
  DeliveryWrite,
  EndpointProgress,
} from '../delivery-store.ts';
import { pgText } from './postgres-attempts.ts';
import { LOCKED_IDS, pipelinedTransaction, rememberLocked } from './postgres-db.ts';

// $1 worker, $2 now, $3 every endpoint id mentioned; deliveries $4..$18,
// attempts $19..$30, $31 the ids of the endpoints whose progress is written.
const WRITE = `
WITH live AS (
  SELECT id, tenant_id FROM endpoints WHERE id = ANY ($3::text[]) ORDER BY id FOR KEY SHARE
), written AS (
  INSERT INTO deliveries (id, tenant_id, endpoint_id, kind, first_sequence, last_sequence,
                          first_position, last_position, event_ids, payload, status,
                          attempt_count, next_attempt_at, order_key, created_at, updated_at)
  SELECT w.id, w.tenant_id, w.endpoint_id, w.kind, w.first_sequence, w.last_sequence,
         w.first_position, w.last_position,
         ARRAY(SELECT json_array_elements_text(w.event_ids::json)), w.payload::json, w.status,
         w.attempt_count, w.next_attempt_at, w.order_key, w.created_at, $2::timestamptz
    FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::int8[], $9::int8[],
                $10::int8[], $11::int8[], $12::text[], $13::text[], $14::text[], $15::int4[],
                $16::timestamptz[], $17::text[], $18::timestamptz[])
      AS w(id, tenant_id, endpoint_id, kind, first_sequence, last_sequence, first_position,
           last_position, event_ids, payload, status, attempt_count, next_attempt_at,
           order_key, created_at)
    JOIN live l ON l.id = w.endpoint_id AND l.tenant_id = w.tenant_id
   ORDER BY w.id
  ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempt_count = excluded.attempt_count,
     next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at
  RETURNING id
), attempted AS (
  INSERT INTO delivery_attempts (id, delivery_id, tenant_id, endpoint_id, kind, attempted_at,
                                 request_headers, response_status, response_body, latency_ms,
                                 error, succeeded)
  SELECT a.id, a.delivery_id, a.tenant_id, a.endpoint_id, a.kind, a.attempted_at,
         a.request_headers::json, a.response_status, a.response_body, a.latency_ms, a.error,
         a.succeeded
    FROM unnest($19::text[], $20::text[], $21::text[], $22::text[], $23::text[],
                $24::timestamptz[], $25::text[], $26::int4[], $27::text[], $28::int4[],
                $29::text[], $30::bool[]) WITH ORDINALITY
      AS a(id, delivery_id, tenant_id, endpoint_id, kind, attempted_at, request_headers,
           response_status, response_body, latency_ms, error, succeeded, ord)
    JOIN live l ON l.id = a.endpoint_id AND l.tenant_id = a.tenant_id
   WHERE a.delivery_id IN (SELECT id FROM written)
      OR EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)
   ORDER BY a.ord
), mine AS (
  SELECT id, active, health_epoch FROM endpoints
   WHERE id = ANY ($31::text[]) AND owner_id = $1 AND (SELECT count(*) FROM written) >= 0
   ORDER BY id FOR NO KEY UPDATE
)
SELECT ${rememberLocked('mine')} AS locked,
       (SELECT coalesce(json_agg(mine), '[]') FROM mine) AS before`;

// In SET every expression reads the row as it was.
const FRESH = 'u.health AND u.health_epoch = e.health_epoch';
const DISABLES = 'u.disable IS NOT NULL AND u.health_epoch = e.health_epoch AND e.active';
const keepUnless = (cond: string, col: string, value: string) =>
  `${col} = CASE WHEN ${cond} THEN ${value} ELSE e.${col} END`;

// $1 now, $2..$11 the progress columns; only the rows `mine` locked.
const PROGRESS = `
UPDATE endpoints e SET
  dispatch_cursor = coalesce(u.cursor_sequence, e.dispatch_cursor),
  cursor_position = coalesce(u.cursor_position, e.cursor_position),
  ${keepUnless(FRESH, 'consecutive_failures', 'u.consecutive_failures')},
  ${keepUnless(FRESH, 'failing_since', 'u.failing_since')},
  ${keepUnless(FRESH, 'last_success_at', 'u.last_success_at')},
  ${keepUnless(FRESH, 'last_failure_at', 'u.last_failure_at')},
  ${keepUnless(DISABLES, 'active', 'false')},
  ${keepUnless(DISABLES, 'disabled_reason', 'u.disable')},
  ${keepUnless(DISABLES, 'disabled_at', '$1::timestamptz')},
  ${keepUnless(DISABLES, 'updated_at', '$1::timestamptz')}
  FROM unnest($2::text[], $3::int8[], $4::int8[], $5::bool[], $6::int4[], $7::timestamptz[],
              $8::timestamptz[], $9::timestamptz[], $10::int8[], $11::text[])
    AS u(id, cursor_sequence, cursor_position, health, consecutive_failures, failing_since,
         last_success_at, last_failure_at, health_epoch, disable)
 WHERE e.id = u.id AND e.id = ANY (${LOCKED_IDS})
RETURNING e.id`;

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function deliveryColumns(ds: DeliveryWrite[]): unknown[] {
  const col = <T>(f: (d: DeliveryWrite) => T) => ds.map(f);
  return [
    col((d) => d.id),
    col((d) => d.tenantId),
    col((d) => d.endpointId),
    col((d) => d.kind),
    col((d) => d.firstSequence),
    col((d) => d.lastSequence),
    col((d) => d.firstPosition),
    col((d) => d.lastPosition),
    col((d) => JSON.stringify(d.eventIds)),
    col((d) => (d.payload === null ? null : JSON.stringify(d.payload))),
    col((d) => d.status),
    col((d) => d.attemptCount),
    col((d) => d.nextAttemptAt),
    col((d) => d.orderKey),
    col((d) => d.createdAt),
  ];
}

function endpointColumns(es: EndpointProgress[]): unknown[] {
  const col = <T>(f: (e: EndpointProgress) => T) => es.map(f);
  return [
    col((e) => e.id),
    col((e) => e.cursor?.sequence ?? null),
    col((e) => e.cursor?.position ?? null),
    col((e) => e.health !== null),
    col((e) => e.health?.consecutiveFailures ?? null),
    col((e) => e.health?.failingSince ?? null),
    col((e) => e.health?.lastSuccessAt ?? null),
    col((e) => e.health?.lastFailureAt ?? null),
    col((e) => e.healthEpoch),
    col((e) => e.disable),
  ];
}

// A group lost in a database crash leaves its endpoints' cursors where they
// were, so the owner that takes them over sends those messages again (under
// the same delivery ids): at-least-once allows that, and not waiting for the
// WAL flush keeps a group commit at one round trip's latency.
export async function commitDeliveries(
  pool: Pool,
  p: DeliveryCommitParams,
): Promise<DeliveryCommitResult> {
  const mentioned = new Set<string>();
  for (const d of p.deliveries) mentioned.add(d.endpointId);
  for (const a of p.attempts) mentioned.add(a.endpointId);
  for (const e of p.endpoints) mentioned.add(e.id);
  if (mentioned.size === 0) return { lost: [], disabled: [] };
  const progress = [...p.endpoints].sort(byId);
  const col = <T>(f: (a: AttemptWrite) => T) => p.attempts.map(f);
  const statements: QueryConfig[] = [
    {
      name: 'herald_commit_write',
      text: WRITE,
      values: [
        p.workerId,
        p.now,
        [...mentioned],
        ...deliveryColumns([...p.deliveries].sort(byId)),
        col(() => newBulkId('att')),
        col((a) => a.deliveryId),
        col((a) => a.tenantId),
        col((a) => a.endpointId),
        col((a) => a.kind),
        col((a) => a.attemptedAt),
        col((a) => JSON.stringify(a.requestHeaders)),
        col((a) => a.responseStatus),
        col((a) => pgText(a.responseBody)),
        col((a) => Math.round(a.latencyMs)),
        col((a) => pgText(a.error)),
        col((a) => a.succeeded),
        progress.map((e) => e.id),
      ],
    },
  ];
  if (progress.length > 0) {
    statements.push({
      name: 'herald_commit_progress',
      text: PROGRESS,
      values: [p.now, ...endpointColumns(progress)],
    });
  }
  const [written, updated] = await pipelinedTransaction(pool, statements, { asyncCommit: true });
  // The rows stayed locked from the first statement to the commit, so what it
  // read is what the second one wrote over.
  const rows = (
    written as QueryResult<{ before: { id: string; active: boolean; health_epoch: number }[] }>
  ).rows;
  const before = new Map((rows[0]?.before ?? []).map((r) => [r.id, r]));
  const owned = new Set((updated?.rows ?? []).map((r) => r.id as string));
  return {
    lost: p.endpoints.filter((e) => !owned.has(e.id)).map((e) => e.id),
    disabled: progress
      .filter((e) => {
        const row = before.get(e.id);
        return (
          owned.has(e.id) &&
          e.disable !== null &&
          row?.active === true &&
          row.health_epoch === e.healthEpoch
        );
      })
      .map((e) => e.id),
  };
}
