// Delivery rows on SQLite: mapping, the API's queued deliveries, listing and
// manual retries. The owner's writes after outcomes are in sqlite-delivery-commit.ts.
import type { StatementSync } from 'node:sqlite';
import type {
  DeliveryKind,
  DeliveryRow,
  DeliveryStatus,
  NewDelivery,
} from '../../domain/delivery.ts';
import { FINAL_SQL } from '../delivery-sql.ts';
import { upsertDeliveries } from './sqlite-delivery-commit.ts';

type Stmt = (sql: string) => StatementSync;

export interface DeliveryDbRow {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  kind: string;
  first_sequence: number;
  last_sequence: number;
  first_position: number | null;
  last_position: number | null;
  event_ids: string;
  payload: string | null;
  status: string;
  attempt_count: number;
  next_attempt_at: number | null;
  order_key: string;
  created_at: number;
  updated_at: number;
}

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

export function toDeliveryRow(r: DeliveryDbRow): DeliveryRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    endpointId: r.endpoint_id,
    kind: r.kind as DeliveryKind,
    firstSequence: r.first_sequence,
    lastSequence: r.last_sequence,
    firstPosition: r.first_position,
    lastPosition: r.last_position,
    eventIds: JSON.parse(r.event_ids),
    payload: r.payload === null ? null : JSON.parse(r.payload),
    status: r.status as DeliveryStatus,
    attemptCount: r.attempt_count,
    nextAttemptAt: date(r.next_attempt_at),
    orderKey: r.order_key,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export function bumpStateVersion(stmt: Stmt, tenantId: string, endpointId: string): void {
  stmt('UPDATE endpoints SET state_version = state_version + 1 WHERE tenant_id = ? AND id = ?').run(
    tenantId,
    endpointId,
  );
}

export function getDelivery(stmt: Stmt, tenantId: string, id: string): DeliveryRow | null {
  const r = stmt('SELECT * FROM deliveries WHERE tenant_id = ? AND id = ?').get(tenantId, id);
  return r ? toDeliveryRow(r as unknown as DeliveryDbRow) : null;
}

/** Queued by the API: pending and due now. Must run inside a write transaction. */
export function insertDeliveries(
  stmt: Stmt,
  tenantId: string,
  endpointId: string,
  deliveries: (NewDelivery & { id: string })[],
  now: number,
): void {
  upsertDeliveries(
    stmt,
    deliveries.map((d) => ({
      ...d,
      tenantId,
      endpointId,
      status: 'pending',
      attemptCount: 0,
      nextAttemptAt: new Date(now),
      createdAt: new Date(now),
    })),
    now,
  );
  if (deliveries.length > 0) bumpStateVersion(stmt, tenantId, endpointId);
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

export function listOpenDeliveries(
  stmt: Stmt,
  p: { tenantId: string; endpointId: string; limit: number },
): DeliveryRow[] {
  const rows = stmt(
    'SELECT * FROM deliveries INDEXED BY deliveries_open WHERE endpoint_id = ? AND tenant_id = ?' +
      " AND status IN ('pending', 'retrying') ORDER BY first_sequence, id LIMIT ?",
  ).all(p.endpointId, p.tenantId, p.limit);
  return (rows as unknown as DeliveryDbRow[]).map(toDeliveryRow);
}

export function countOpenDeliveries(stmt: Stmt, tenantId: string, endpointId: string): number {
  const r = stmt(
    'SELECT COUNT(*) AS n FROM deliveries INDEXED BY deliveries_open WHERE endpoint_id = ? AND tenant_id = ?' +
      " AND status IN ('pending', 'retrying') AND kind = 'event'",
  ).get(endpointId, tenantId) as { n: number };
  return r.n;
}

export function listCoveringDeliveries(
  stmt: Stmt,
  p: { tenantId: string; endpointId: string; fromSequence: number; toSequence: number },
): DeliveryRow[] {
  // A delivery spans at most a batch of the log, so its first sequence is not
  // far below the range; the bound keeps this an index range.
  const rows = stmt(
    'SELECT * FROM deliveries INDEXED BY deliveries_sequence WHERE endpoint_id = ? AND first_sequence >= ?' +
      " AND first_sequence <= ? AND last_sequence >= ? AND tenant_id = ? AND kind = 'event'" +
      ' AND first_position IS NOT NULL ORDER BY first_sequence',
  ).all(p.endpointId, p.fromSequence - 100_000, p.toSequence, p.fromSequence, p.tenantId);
  return (rows as unknown as DeliveryDbRow[]).map(toDeliveryRow);
}

export function retryDelivery(
  stmt: Stmt,
  p: { tenantId: string; id: string },
  now: number,
): DeliveryRow | null {
  // attempt_count restarts so the retry schedule applies afresh.
  const r = stmt(
    "UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = ?, updated_at = ?" +
      ` WHERE tenant_id = ? AND id = ? AND status IN ${FINAL_SQL} RETURNING endpoint_id`,
  ).get(now, now, p.tenantId, p.id) as { endpoint_id: string } | undefined;
  if (r) bumpStateVersion(stmt, p.tenantId, r.endpoint_id);
  return getDelivery(stmt, p.tenantId, p.id);
}

export function retryFailedDeliveries(
  stmt: Stmt,
  p: { tenantId: string; endpointId: string; since: Date; until: Date | null },
  now: number,
): number {
  const r = stmt(
    "UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = ?, updated_at = ?" +
      " WHERE tenant_id = ? AND endpoint_id = ? AND status = 'failed'" +
      " AND kind = 'event' AND created_at >= ? AND created_at < ?",
  ).run(
    now,
    now,
    p.tenantId,
    p.endpointId,
    p.since.getTime(),
    p.until?.getTime() ?? Number.MAX_SAFE_INTEGER,
  );
  const n = Number(r.changes);
  if (n > 0) bumpStateVersion(stmt, p.tenantId, p.endpointId);
  return n;
}
