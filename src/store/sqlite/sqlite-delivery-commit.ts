// One group commit of an owner's outcomes on SQLite: multi-row upserts of
// deliveries, multi-row inserts of attempts, and each endpoint's progress as
// compare-and-set writes (cursor while still owned; health and disabling while
// the health epoch is unchanged). Runs inside one write transaction.
import type { StatementSync } from 'node:sqlite';
import { newBulkId } from '../../domain/ids.ts';
import type {
  AttemptWrite,
  DeliveryCommitParams,
  DeliveryCommitResult,
  DeliveryWrite,
} from '../delivery-store.ts';

type Stmt = (sql: string) => StatementSync;
type Value = string | number | null;

/** Rows per multi-row statement: well under SQLite's bound-parameter limit. */
const CHUNK = 100;

const DELIVERY_COLS = [
  'id',
  'tenant_id',
  'endpoint_id',
  'kind',
  'first_sequence',
  'last_sequence',
  'first_position',
  'last_position',
  'event_ids',
  'payload',
  'status',
  'attempt_count',
  'next_attempt_at',
  'order_key',
  'created_at',
  'updated_at',
];
const ATTEMPT_COLS = [
  'id',
  'delivery_id',
  'tenant_id',
  'endpoint_id',
  'kind',
  'attempted_at',
  'request_headers',
  'response_status',
  'response_body',
  'latency_ms',
  'error',
  'succeeded',
];

function placeholders(cols: number, rows: number): string {
  const one = `(${new Array(cols).fill('?').join(', ')})`;
  return new Array(rows).fill(one).join(', ');
}

function deliveryValues(d: DeliveryWrite, now: number): Value[] {
  return [
    d.id,
    d.tenantId,
    d.endpointId,
    d.kind,
    d.firstSequence,
    d.lastSequence,
    d.firstPosition,
    d.lastPosition,
    JSON.stringify(d.eventIds),
    d.payload === null ? null : JSON.stringify(d.payload),
    d.status,
    d.attemptCount,
    d.nextAttemptAt?.getTime() ?? null,
    d.orderKey,
    d.createdAt.getTime(),
    now,
  ];
}

function attemptValues(a: AttemptWrite): Value[] {
  return [
    newBulkId('att'),
    a.deliveryId,
    a.tenantId,
    a.endpointId,
    a.kind,
    a.attemptedAt.getTime(),
    JSON.stringify(a.requestHeaders),
    a.responseStatus,
    a.responseBody,
    Math.round(a.latencyMs),
    a.error,
    a.succeeded ? 1 : 0,
  ];
}

function insertChunked<T>(
  stmt: Stmt,
  head: string,
  cols: string[],
  tail: string,
  rows: T[],
  values: (r: T) => Value[],
): void {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    stmt(
      `${head} (${cols.join(', ')}) VALUES ${placeholders(cols.length, part.length)}${tail}`,
    ).run(...part.flatMap(values));
  }
}

/**
 * Multi-row insert of delivery rows; a row that exists gets the new status,
 * attempt count and due time, and keeps what it carries and its created_at.
 */
export function upsertDeliveries(stmt: Stmt, rows: DeliveryWrite[], now: number): void {
  insertChunked(
    stmt,
    'INSERT INTO deliveries',
    DELIVERY_COLS,
    ' ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempt_count = excluded.attempt_count,' +
      ' next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at',
    rows,
    (d) => deliveryValues(d, now),
  );
}

export function commitDeliveries(stmt: Stmt, p: DeliveryCommitParams): DeliveryCommitResult {
  const now = p.now.getTime();
  const mentioned = new Set<string>();
  for (const d of p.deliveries) mentioned.add(d.endpointId);
  for (const a of p.attempts) mentioned.add(a.endpointId);
  for (const e of p.endpoints) mentioned.add(e.id);
  const existing = new Set(
    (
      stmt('SELECT id FROM endpoints WHERE id IN (SELECT value FROM json_each(?))').all(
        JSON.stringify([...mentioned]),
      ) as unknown as { id: string }[]
    ).map((r) => r.id),
  );
  upsertDeliveries(
    stmt,
    p.deliveries.filter((d) => existing.has(d.endpointId)),
    now,
  );
  insertChunked(
    stmt,
    'INSERT INTO delivery_attempts',
    ATTEMPT_COLS,
    '',
    p.attempts.filter((a) => existing.has(a.endpointId)),
    attemptValues,
  );

  const lost: string[] = [];
  const disabled: string[] = [];
  const cursor = stmt(
    'UPDATE endpoints SET dispatch_cursor = ?, cursor_position = ? WHERE id = ? AND owner_id = ?',
  );
  const owned = stmt('SELECT 1 FROM endpoints WHERE id = ? AND owner_id = ?');
  const health = stmt(
    'UPDATE endpoints SET consecutive_failures = ?, failing_since = ?, last_success_at = ?,' +
      ' last_failure_at = ? WHERE id = ? AND owner_id = ? AND health_epoch = ?',
  );
  const disable = stmt(
    'UPDATE endpoints SET active = 0, disabled_reason = ?, disabled_at = ?, updated_at = ?' +
      ' WHERE id = ? AND owner_id = ? AND health_epoch = ? AND active = 1',
  );
  for (const e of p.endpoints) {
    const isOwned = e.cursor
      ? Number(cursor.run(e.cursor.sequence, e.cursor.position, e.id, p.workerId).changes) > 0
      : owned.get(e.id, p.workerId) !== undefined;
    if (!isOwned) {
      lost.push(e.id);
      continue;
    }
    if (e.health) {
      const h = e.health;
      health.run(
        h.consecutiveFailures,
        h.failingSince?.getTime() ?? null,
        h.lastSuccessAt?.getTime() ?? null,
        h.lastFailureAt?.getTime() ?? null,
        e.id,
        p.workerId,
        e.healthEpoch,
      );
    }
    if (e.disable) {
      const r = disable.run(e.disable, now, now, e.id, p.workerId, e.healthEpoch);
      if (Number(r.changes) > 0) disabled.push(e.id);
    }
  }
  return { lost, disabled };
}
