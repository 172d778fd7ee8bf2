// Delivery rows on PostgreSQL: mapping, fan-out inserts (with the dispatch
// cursor), listing and manual retries. Claiming is in postgres-delivery-claims.ts.
import { nextMonotonicUlid } from '../../domain/ids.ts';
import type { DeliveryRow, DeliveryStatus, NewDelivery } from '../delivery-store.ts';
import type { Queryable } from './postgres-endpoints.ts';

export interface DeliveryDbRow {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  kind: string;
  first_sequence: string;
  last_sequence: string;
  event_ids: string[];
  payload: object[] | null;
  status: string;
  attempt_count: number;
  next_attempt_at: Date | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  order_key: string;
  created_at: Date;
  updated_at: Date;
}

import { FINAL_SQL } from '../delivery-sql.ts';

export function toDeliveryRow(r: DeliveryDbRow): DeliveryRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    endpointId: r.endpoint_id,
    kind: r.kind as 'event' | 'test',
    firstSequence: Number(r.first_sequence),
    lastSequence: Number(r.last_sequence),
    eventIds: r.event_ids,
    payload: r.payload,
    status: r.status as DeliveryStatus,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
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

// One statement for the whole batch. event_ids travel as JSON text because a
// SQL array of arrays must be rectangular. $1 tenant, $2 endpoint, $3 now,
// $4..$10 the columns; {source} is what gates the insert.
const insertSql = (source: string) => `
INSERT INTO deliveries (id, tenant_id, endpoint_id, kind, first_sequence, last_sequence, event_ids,
                        payload, status, attempt_count, next_attempt_at, order_key, created_at, updated_at)
SELECT u.id, $1::text, $2::text, u.kind, u.first_sequence, u.last_sequence,
       ARRAY(SELECT json_array_elements_text(u.event_ids::json)), u.payload::json,
       'pending', 0, $3::timestamptz, u.order_key, $3::timestamptz, $3::timestamptz
  FROM unnest($4::text[], $5::text[], $6::int8[], $7::int8[], $8::text[], $9::text[], $10::text[])
    AS u(id, kind, first_sequence, last_sequence, event_ids, payload, order_key)${source}
RETURNING *`;

const INSERT = insertSql('');

// Fan-out in one statement: the compare-and-set UPDATE row-locks the
// endpoint until commit, so a second dispatcher of the same endpoint (any
// process) waits, then re-reads the moved cursor, matches nothing, and its
// insert (joined to the empty `moved`) creates no duplicate deliveries. The
// deliveries commit with the cursor or not at all. $11 to, $12 from.
const DISPATCH = `
WITH moved AS (
  UPDATE endpoints SET dispatch_cursor = $11
   WHERE tenant_id = $1 AND id = $2 AND dispatch_cursor = $12
  RETURNING id
), inserted AS (${insertSql(', moved')})
SELECT count(*)::int AS moved FROM moved`;

function columns(tenantId: string, endpointId: string, deliveries: NewDelivery[], now: Date) {
  let ulid: string | null = null;
  // Ids are monotonic within one call, so a batch lists in sequence order.
  const ids = deliveries.map(() => {
    ulid = nextMonotonicUlid(now.getTime(), ulid);
    return `dlv_${ulid}`;
  });
  return [
    tenantId,
    endpointId,
    now,
    ids,
    deliveries.map((d) => d.kind),
    deliveries.map((d) => d.firstSequence),
    deliveries.map((d) => d.lastSequence),
    deliveries.map((d) => JSON.stringify(d.eventIds)),
    deliveries.map((d) => (d.payload === null ? null : JSON.stringify(d.payload))),
    deliveries.map((d) => d.orderKey),
  ];
}

export async function insertDeliveries(
  q: Queryable,
  tenantId: string,
  endpointId: string,
  deliveries: NewDelivery[],
  now: Date,
): Promise<DeliveryRow[]> {
  if (deliveries.length === 0) return [];
  const r = await q.query<DeliveryDbRow>(INSERT, columns(tenantId, endpointId, deliveries, now));
  return r.rows.map(toDeliveryRow).sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Advances the cursor from `fromCursor` and inserts the deliveries, or does nothing. */
export async function dispatchEndpoint(
  q: Queryable,
  p: {
    tenantId: string;
    endpointId: string;
    fromCursor: number;
    toCursor: number;
    deliveries: NewDelivery[];
  },
  now: Date,
): Promise<boolean> {
  const r = await q.query<{ moved: number }>(DISPATCH, [
    ...columns(p.tenantId, p.endpointId, p.deliveries, now),
    p.toCursor,
    p.fromCursor,
  ]);
  return (r.rows[0]?.moved ?? 0) > 0;
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

export async function countOpenDeliveries(
  q: Queryable,
  tenantId: string,
  endpointId: string,
): Promise<number> {
  const r = await q.query<{ n: string }>(
    `SELECT count(*) AS n FROM deliveries WHERE endpoint_id = $2 AND tenant_id = $1 AND kind = 'event' AND status NOT IN ${FINAL_SQL}`,
    [tenantId, endpointId],
  );
  return Number(r.rows[0]?.n ?? 0);
}

// attempt_count restarts so the retry schedule applies afresh.
const REQUEUE =
  "status = 'pending', attempt_count = 0, next_attempt_at = $1, lease_owner = NULL," +
  ' lease_expires_at = NULL, updated_at = $1';

export async function retryDelivery(
  q: Queryable,
  p: { tenantId: string; id: string },
  now: Date,
): Promise<DeliveryRow | null> {
  const r = await q.query<DeliveryDbRow>(
    `UPDATE deliveries SET ${REQUEUE} WHERE tenant_id = $2 AND id = $3 AND status IN ${FINAL_SQL} RETURNING *`,
    [now, p.tenantId, p.id],
  );
  const row = r.rows[0];
  return row ? toDeliveryRow(row) : getDelivery(q, p.tenantId, p.id);
}

export async function retryFailedDeliveries(
  q: Queryable,
  p: { tenantId: string; endpointId: string; since: Date; until: Date | null },
  now: Date,
): Promise<number> {
  const r = await q.query(
    `UPDATE deliveries SET ${REQUEUE} WHERE endpoint_id = $3 AND tenant_id = $2 AND status = 'failed'` +
      " AND kind = 'event' AND created_at >= $4 AND ($5::timestamptz IS NULL OR created_at < $5)",
    [now, p.tenantId, p.endpointId, p.since, p.until],
  );
  return r.rowCount ?? 0;
}
