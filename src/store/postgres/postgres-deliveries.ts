// Delivery rows on PostgreSQL: mapping, the API's queued deliveries (replay,
// test, manual retries, each bumping the endpoint's state_version) and the
// reads. The owner's writes after outcomes are in postgres-delivery-commit.ts.
//
// Lock order, shared with postgres-delivery-commit.ts and deleteEndpoint: the
// endpoint row first, then delivery rows, then (for the version bump or the
// owner's progress) the endpoint row again, for update. Writers that take the
// endpoint with FOR KEY SHARE first never block each other there, and an
// endpoint delete, which locks it for update before its deliveries go, can
// never hold a delivery row one of them waits for.
import type { Pool, QueryResult } from 'pg';
import type {
  DeliveryKind,
  DeliveryRow,
  DeliveryStatus,
  NewDelivery,
} from '../../domain/delivery.ts';
import { FINAL_SQL } from '../delivery-sql.ts';
import { LOCKED_IDS, pipelinedTransaction, rememberLocked } from './postgres-db.ts';
import type { Queryable } from './postgres-endpoints.ts';

export interface DeliveryDbRow {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  kind: string;
  first_sequence: string;
  last_sequence: string;
  first_position: string | null;
  last_position: string | null;
  event_ids: string[];
  payload: object[] | null;
  status: string;
  attempt_count: number;
  next_attempt_at: Date | null;
  order_key: string;
  created_at: Date;
  updated_at: Date;
}

const int8 = (v: string | null) => (v === null ? null : Number(v));

export function toDeliveryRow(r: DeliveryDbRow): DeliveryRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    endpointId: r.endpoint_id,
    kind: r.kind as DeliveryKind,
    firstSequence: Number(r.first_sequence),
    lastSequence: Number(r.last_sequence),
    firstPosition: int8(r.first_position),
    lastPosition: int8(r.last_position),
    eventIds: r.event_ids,
    payload: r.payload,
    status: r.status as DeliveryStatus,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at,
    orderKey: r.order_key,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function getDelivery(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<DeliveryRow | null> {
  const r = await q.query<DeliveryDbRow>(
    'SELECT * FROM deliveries WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  const row = r.rows[0];
  return row ? toDeliveryRow(row) : null;
}

/** The version bump of an API change that queued work for the endpoint's owner. */
const bump = (where: string) =>
  `UPDATE endpoints SET state_version = state_version + 1 WHERE ${where}`;

// One statement for the whole batch, and the version bump when it inserted
// anything. event_ids travel as JSON text because a SQL array of arrays must
// be rectangular. $1 tenant, $2 endpoint, $3 now, $4..$12 the columns.
const INSERT = `
WITH inserted AS (
  INSERT INTO deliveries (id, tenant_id, endpoint_id, kind, first_sequence, last_sequence,
                          first_position, last_position, event_ids, payload, status,
                          attempt_count, next_attempt_at, order_key, created_at, updated_at)
  SELECT u.id, $1::text, $2::text, u.kind, u.first_sequence, u.last_sequence,
         u.first_position, u.last_position,
         ARRAY(SELECT json_array_elements_text(u.event_ids::json)), u.payload::json,
         'pending', 0, $3::timestamptz, u.order_key, $3::timestamptz, $3::timestamptz
    FROM unnest($4::text[], $5::text[], $6::int8[], $7::int8[], $8::int8[], $9::int8[],
                $10::text[], $11::text[], $12::text[])
      AS u(id, kind, first_sequence, last_sequence, first_position, last_position,
           event_ids, payload, order_key)
  RETURNING *
), bumped AS (
  ${bump('tenant_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM inserted)')}
)
SELECT * FROM inserted`;

/** Returns the rows in the order given. */
export async function insertDeliveries(
  q: Queryable,
  tenantId: string,
  endpointId: string,
  deliveries: (NewDelivery & { id: string })[],
  now: Date,
): Promise<DeliveryRow[]> {
  if (deliveries.length === 0) return [];
  const r = await q.query<DeliveryDbRow>(INSERT, [
    tenantId,
    endpointId,
    now,
    deliveries.map((d) => d.id),
    deliveries.map((d) => d.kind),
    deliveries.map((d) => d.firstSequence),
    deliveries.map((d) => d.lastSequence),
    deliveries.map((d) => d.firstPosition),
    deliveries.map((d) => d.lastPosition),
    deliveries.map((d) => JSON.stringify(d.eventIds)),
    deliveries.map((d) => (d.payload === null ? null : JSON.stringify(d.payload))),
    deliveries.map((d) => d.orderKey),
  ]);
  const byId = new Map(r.rows.map((row) => [row.id, toDeliveryRow(row)]));
  return deliveries.map((d) => byId.get(d.id) as DeliveryRow);
}

export async function listDeliveries(
  q: Queryable,
  p: {
    tenantId: string;
    endpointId: string;
    status: DeliveryStatus | null;
    after: string | null;
    limit: number;
  },
): Promise<DeliveryRow[]> {
  const args: unknown[] = [p.tenantId, p.endpointId];
  const where = ['tenant_id = $1', 'endpoint_id = $2'];
  if (p.status !== null) {
    args.push(p.status);
    where.push(`status = $${args.length}`);
  }
  if (p.after !== null) {
    args.push(p.after);
    where.push(`id < $${args.length}`);
  }
  args.push(p.limit);
  const r = await q.query<DeliveryDbRow>(
    `SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${args.length}`,
    args,
  );
  return r.rows.map(toDeliveryRow);
}

/** The condition of the partial index deliveries_open. */
const OPEN = "status IN ('pending', 'retrying')";

export async function listOpenDeliveries(
  q: Queryable,
  p: { tenantId: string; endpointId: string; limit: number },
): Promise<DeliveryRow[]> {
  const r = await q.query<DeliveryDbRow>(
    `SELECT * FROM deliveries WHERE endpoint_id = $2 AND tenant_id = $1 AND ${OPEN}` +
      ' ORDER BY first_sequence, id LIMIT $3',
    [p.tenantId, p.endpointId, p.limit],
  );
  return r.rows.map(toDeliveryRow);
}

export async function countOpenDeliveries(
  q: Queryable,
  tenantId: string,
  endpointId: string,
): Promise<number> {
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deliveries WHERE endpoint_id = $2 AND tenant_id = $1 AND ${OPEN}` +
      " AND kind = 'event'",
    [tenantId, endpointId],
  );
  return r.rows[0]?.n ?? 0;
}

/**
 * How far below the range a covering delivery may start. A delivery spans one
 * batch of the log, so its first sequence is never far below; the bound keeps
 * the lookup a range of deliveries_sequence instead of the endpoint's whole
 * history. Same bound as SQLite's.
 */
const COVERING_SPAN = 100_000;

export async function listCoveringDeliveries(
  q: Queryable,
  p: { tenantId: string; endpointId: string; fromSequence: number; toSequence: number },
): Promise<DeliveryRow[]> {
  const r = await q.query<DeliveryDbRow>(
    'SELECT * FROM deliveries WHERE endpoint_id = $2 AND first_sequence >= $3 AND first_sequence <= $4' +
      " AND last_sequence >= $5 AND tenant_id = $1 AND kind = 'event' AND first_position IS NOT NULL" +
      ' ORDER BY first_sequence, id',
    [p.tenantId, p.endpointId, p.fromSequence - COVERING_SPAN, p.toSequence, p.fromSequence],
  );
  return r.rows.map(toDeliveryRow);
}

// attempt_count restarts so the retry schedule applies afresh.
const REQUEUE = "status = 'pending', attempt_count = 0, next_attempt_at = $1, updated_at = $1";

// The endpoint is share-locked before the delivery row (see the top of the
// file); a row that is not final is returned as it is.
const RETRY = `
WITH ep AS (
  SELECT id FROM endpoints
   WHERE id = (SELECT endpoint_id FROM deliveries WHERE tenant_id = $2 AND id = $3)
   FOR KEY SHARE
), moved AS (
  UPDATE deliveries SET ${REQUEUE}
   WHERE tenant_id = $2 AND id = $3 AND status IN ${FINAL_SQL}
     AND endpoint_id IN (SELECT id FROM ep)
  RETURNING *
), bumped AS (
  ${bump('id IN (SELECT endpoint_id FROM moved)')}
)
SELECT * FROM moved
UNION ALL
SELECT * FROM deliveries WHERE tenant_id = $2 AND id = $3 AND NOT EXISTS (SELECT 1 FROM moved)`;

export async function retryDelivery(
  q: Queryable,
  p: { tenantId: string; id: string },
  now: Date,
): Promise<DeliveryRow | null> {
  const r = await q.query<DeliveryDbRow>(RETRY, [now, p.tenantId, p.id]);
  const row = r.rows[0];
  return row ? toDeliveryRow(row) : null;
}

// Many rows at once: locked in id order, as a group commit upserts them,
// after the endpoint's share lock, then written (see rememberLocked in
// postgres-db.ts). $1 tenant, $2 endpoint, $3 since, $4 until.
const RETRY_FAILED_LOCK = `
WITH ep AS (
  SELECT id FROM endpoints WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE
), picked AS (
  SELECT id FROM deliveries
   WHERE endpoint_id IN (SELECT id FROM ep) AND tenant_id = $1 AND status = 'failed'
     AND kind = 'event' AND created_at >= $3 AND ($4::timestamptz IS NULL OR created_at < $4)
   ORDER BY id FOR NO KEY UPDATE
)
SELECT ${rememberLocked('picked')}`;

// $1 now, $2 tenant, $3 endpoint.
const RETRY_FAILED = `
WITH moved AS (
  UPDATE deliveries SET ${REQUEUE} WHERE id = ANY (${LOCKED_IDS}) RETURNING id
), bumped AS (
  ${bump('tenant_id = $2 AND id = $3 AND EXISTS (SELECT 1 FROM moved)')}
)
SELECT count(*)::int AS n FROM moved`;

export async function retryFailedDeliveries(
  pool: Pool,
  p: { tenantId: string; endpointId: string; since: Date; until: Date | null },
  now: Date,
): Promise<number> {
  const [, r] = await pipelinedTransaction(pool, [
    { text: RETRY_FAILED_LOCK, values: [p.tenantId, p.endpointId, p.since, p.until] },
    { text: RETRY_FAILED, values: [now, p.tenantId, p.endpointId] },
  ]);
  return (r as QueryResult<{ n: number }>).rows[0]?.n ?? 0;
}
