// Delivery rows on SQLite: mapping, fan-out inserts, listing and manual retries.
import type { StatementSync } from 'node:sqlite';
import { nextMonotonicUlid } from '../../domain/ids.ts';
import type { DeliveryRow, DeliveryStatus, NewDelivery } from '../delivery-store.ts';

type Stmt = (sql: string) => StatementSync;

export interface DeliveryDbRow {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  kind: string;
  first_sequence: number;
  last_sequence: number;
  event_ids: string;
  payload: string | null;
  status: string;
  attempt_count: number;
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  order_key: string;
  created_at: number;
  updated_at: number;
}

import { FINAL_SQL } from '../delivery-sql.ts';

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

export function toDeliveryRow(r: DeliveryDbRow): DeliveryRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    endpointId: r.endpoint_id,
    kind: r.kind as 'event' | 'test',
    firstSequence: r.first_sequence,
    lastSequence: r.last_sequence,
    eventIds: JSON.parse(r.event_ids),
    payload: r.payload === null ? null : JSON.parse(r.payload),
    status: r.status as DeliveryStatus,
    attemptCount: r.attempt_count,
    nextAttemptAt: date(r.next_attempt_at),
    leaseOwner: r.lease_owner,
    leaseExpiresAt: date(r.lease_expires_at),
    orderKey: r.order_key,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export function getDelivery(stmt: Stmt, tenantId: string, id: string): DeliveryRow | null {
  const r = stmt('SELECT * FROM deliveries WHERE tenant_id = ? AND id = ?').get(tenantId, id);
  return r ? toDeliveryRow(r as unknown as DeliveryDbRow) : null;
}

/** Ids are monotonic within one call, so a batch lists in sequence order. */
export function insertDeliveries(
  stmt: Stmt,
  tenantId: string,
  endpointId: string,
  deliveries: NewDelivery[],
  now: number,
): string[] {
  const insert = stmt(
    'INSERT INTO deliveries (id, tenant_id, endpoint_id, kind, first_sequence, last_sequence, event_ids,' +
      " payload, status, attempt_count, next_attempt_at, order_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)",
  );
  let ulid: string | null = null;
  const ids: string[] = [];
  for (const d of deliveries) {
    ulid = nextMonotonicUlid(now, ulid);
    const id = `dlv_${ulid}`;
    ids.push(id);
    insert.run(
      id,
      tenantId,
      endpointId,
      d.kind,
      d.firstSequence,
      d.lastSequence,
      JSON.stringify(d.eventIds),
      d.payload === null ? null : JSON.stringify(d.payload),
      now,
      d.orderKey,
      now,
      now,
    );
  }
  return ids;
}

/** Must run inside a write transaction: compare-and-set of the cursor plus inserts. */
export function dispatchEndpoint(
  stmt: Stmt,
  p: {
    tenantId: string;
    endpointId: string;
    fromCursor: number;
    toCursor: number;
    deliveries: NewDelivery[];
  },
  now: number,
): boolean {
  const r = stmt(
    'UPDATE endpoints SET dispatch_cursor = ? WHERE tenant_id = ? AND id = ? AND dispatch_cursor = ?',
  ).run(p.toCursor, p.tenantId, p.endpointId, p.fromCursor);
  if (Number(r.changes) === 0) return false;
  insertDeliveries(stmt, p.tenantId, p.endpointId, p.deliveries, now);
  return true;
}

export function listDeliveries(
  stmt: Stmt,
  p: {
    tenantId: string;
    endpointId: string;
    status: DeliveryStatus | null;
    after: string | null;
    limit: number;
  },
): DeliveryRow[] {
  const where = ['tenant_id = ?', 'endpoint_id = ?'];
  const args: (string | number)[] = [p.tenantId, p.endpointId];
  if (p.status !== null) {
    where.push('status = ?');
    args.push(p.status);
  }
  if (p.after !== null) {
    where.push('id < ?');
    args.push(p.after);
  }
  args.push(p.limit);
  const rows = stmt(
    `SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`,
  ).all(...args);
  return (rows as unknown as DeliveryDbRow[]).map(toDeliveryRow);
}

export function countOpenDeliveries(stmt: Stmt, tenantId: string, endpointId: string): number {
  const r = stmt(
    `SELECT COUNT(*) AS n FROM deliveries WHERE tenant_id = ? AND endpoint_id = ? AND kind = 'event' AND status NOT IN ${FINAL_SQL}`,
  ).get(tenantId, endpointId) as { n: number };
  return r.n;
}

export function retryDelivery(
  stmt: Stmt,
  p: { tenantId: string; id: string },
  now: number,
): DeliveryRow | null {
  // attempt_count restarts so the retry schedule applies afresh.
  stmt(
    "UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = ?, lease_owner = NULL," +
      ` lease_expires_at = NULL, updated_at = ? WHERE tenant_id = ? AND id = ? AND status IN ${FINAL_SQL}`,
  ).run(now, now, p.tenantId, p.id);
  return getDelivery(stmt, p.tenantId, p.id);
}

export function retryFailedDeliveries(
  stmt: Stmt,
  p: { tenantId: string; endpointId: string; since: Date; until: Date | null },
  now: number,
): number {
  const r = stmt(
    "UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = ?, lease_owner = NULL," +
      " lease_expires_at = NULL, updated_at = ? WHERE tenant_id = ? AND endpoint_id = ? AND status = 'failed'" +
      " AND kind = 'event' AND created_at >= ? AND created_at < ?",
  ).run(
    now,
    now,
    p.tenantId,
    p.endpointId,
    p.since.getTime(),
    p.until?.getTime() ?? Number.MAX_SAFE_INTEGER,
  );
  return Number(r.changes);
}
