// The event log on SQLite: append under BEGIN IMMEDIATE, list by sequence.
import type { StatementSync } from 'node:sqlite';
import type { StoredEvent } from '../../domain/event.ts';
import { newEventId } from '../../domain/ids.ts';
import { buildEventListQuery } from '../event-query.ts';
import type { AppendedEvent, EventAppendParams, EventListParams } from '../store.ts';

type Stmt = (sql: string) => StatementSync;

interface EventDbRow {
  tenant_id: string;
  sequence: number;
  id: string;
  type: string;
  organization_id: string | null;
  data: string;
  created_at: number;
  log_level: number | null;
}

const SELECT =
  'SELECT tenant_id, sequence, id, type, organization_id, data, created_at, log_level FROM events';

function toStored(r: EventDbRow): StoredEvent {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    sequence: r.sequence,
    type: r.type,
    organizationId: r.organization_id,
    data: JSON.parse(r.data),
    createdAt: new Date(r.created_at),
    level: r.log_level,
  };
}

const COLUMNS_PER_ROW = 9;
/**
 * Rows per INSERT statement. Each statement run crosses from JS into SQLite
 * and back. Inserting 500 events took 2.7-3.2 ms of CPU row by row, 1.8-2.4
 * ms in statements of 100-125 rows, and 1.4-2.0 ms once those were OR FAIL
 * (micro-benchmark on the events schema; statements of all 500 rows were
 * slower again). Remainders use power-of-two sizes, so at most eight
 * statements are ever prepared.
 *
 * OR FAIL, because under the default ABORT a multi-row statement may have to
 * undo its own earlier rows, so SQLite keeps a statement journal of original
 * pages (a temp file past 64 KB, about 1 KB per row here). FAIL keeps none and
 * leaves a failed statement's earlier rows in place; the caller of
 * appendEvents rolls the whole append back on any error, which removes them.
 */
const MAX_ROWS_PER_INSERT = 128;
const insertSql: string[] = [];

function insertStatementSql(rows: number): string {
  insertSql[rows] ??=
    'INSERT OR FAIL INTO events (tenant_id, sequence, id, type, organization_id, idempotency_key, data, created_at, log_level) VALUES ' +
    new Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  return insertSql[rows];
}

type RowValues = (string | number | null)[];

/** `values` holds the rows' columns one row after another. */
function insertRows(stmt: Stmt, values: RowValues): void {
  const rowCount = values.length / COLUMNS_PER_ROW;
  let done = 0;
  while (done < rowCount) {
    let n = MAX_ROWS_PER_INSERT;
    while (n > rowCount - done) n >>= 1;
    stmt(insertStatementSql(n)).run(
      ...values.slice(done * COLUMNS_PER_ROW, (done + n) * COLUMNS_PER_ROW),
    );
    done += n;
  }
}

/** Earlier events of this tenant by idempotency key, in one query whatever the count. */
function priorByKey(stmt: Stmt, tenantId: string, p: EventAppendParams): Map<string, StoredEvent> {
  const keys = new Set<string>();
  for (const e of p.events) if (e.idempotencyKey !== null) keys.add(e.idempotencyKey);
  const found = new Map<string, StoredEvent>();
  if (keys.size === 0) return found;
  const rows = stmt(
    'SELECT tenant_id, sequence, id, type, organization_id, data, created_at, log_level, idempotency_key FROM events' +
      ' WHERE tenant_id = ? AND idempotency_key IN (SELECT value FROM json_each(?))',
  ).all(tenantId, JSON.stringify([...keys])) as unknown as (EventDbRow & {
    idempotency_key: string;
  })[];
  for (const r of rows) found.set(r.idempotency_key, toStored(r));
  return found;
}

/**
 * Must run inside a write transaction (it reads and advances the stream head).
 * If it throws, the caller must roll back to before it (the transaction or a
 * savepoint): a failed INSERT OR FAIL leaves its earlier rows behind.
 */
export function appendEvents(stmt: Stmt, p: EventAppendParams, now: number): AppendedEvent[] {
  const head = stmt(
    'SELECT last_sequence, last_event_id, last_created_at FROM streams WHERE tenant_id = ?',
  ).get(p.tenantId) as
    | { last_sequence: number; last_event_id: string; last_created_at: number }
    | undefined;
  let sequence = head?.last_sequence ?? 0;
  let lastId = head?.last_event_id ?? null;
  // created_at never goes backwards within a stream, so time ranges and
  // retention agree with sequence order even if the wall clock steps back.
  const createdAt = Math.max(now, head?.last_created_at ?? 0);
  // Every event of one append has the same created_at; one Date serves them all.
  const createdAtDate = new Date(createdAt);
  // Holds earlier events and, as the loop goes, this append's own first use of a key.
  const byKey = priorByKey(stmt, p.tenantId, p);
  const values: RowValues = [];
  const out: AppendedEvent[] = [];
  for (const e of p.events) {
    if (e.idempotencyKey !== null) {
      const seen = byKey.get(e.idempotencyKey);
      if (seen) {
        out.push({ event: seen, replayed: true });
        continue;
      }
    }
    sequence += 1;
    lastId = newEventId(createdAt, lastId);
    values.push(
      p.tenantId,
      sequence,
      lastId,
      e.type,
      e.organizationId,
      e.idempotencyKey,
      e.dataJson ?? JSON.stringify(e.data),
      createdAt,
      e.level ?? null,
    );
    const stored: StoredEvent = {
      id: lastId,
      tenantId: p.tenantId,
      sequence,
      type: e.type,
      organizationId: e.organizationId,
      data: e.data,
      createdAt: createdAtDate,
      level: e.level ?? null,
    };
    if (e.idempotencyKey !== null) byKey.set(e.idempotencyKey, stored);
    out.push({ event: stored, replayed: false });
  }
  if (values.length === 0) return out;
  insertRows(stmt, values);
  stmt(
    'INSERT INTO streams (tenant_id, last_sequence, last_event_id, last_created_at) VALUES (?, ?, ?, ?)' +
      ' ON CONFLICT (tenant_id) DO UPDATE SET last_sequence = excluded.last_sequence,' +
      ' last_event_id = excluded.last_event_id, last_created_at = excluded.last_created_at',
  ).run(p.tenantId, sequence, lastId, createdAt);
  return out;
}

export function getEventById(stmt: Stmt, tenantId: string, id: string): StoredEvent | null {
  const r = stmt(`${SELECT} WHERE tenant_id = ? AND id = ?`).get(tenantId, id);
  return r ? toStored(r as unknown as EventDbRow) : null;
}

export function listEvents(stmt: Stmt, p: EventListParams): StoredEvent[] {
  const q = buildEventListQuery(
    p,
    () => '?',
    (d) => d.getTime(),
  );
  return (stmt(q.sql).all(...(q.args as (string | number)[])) as unknown as EventDbRow[]).map(
    toStored,
  );
}

export function listEventsByIds(stmt: Stmt, tenantId: string, ids: string[]): StoredEvent[] {
  if (ids.length === 0) return [];
  // One statement for any number of ids, and no ORDER BY: with one, SQLite
  // walks the tenant's whole (tenant_id, sequence) index to avoid a sort
  // instead of probing (tenant_id, id) once per id. Sorted here instead.
  const rows = stmt(`${SELECT} WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))`).all(
    tenantId,
    JSON.stringify(ids),
  ) as unknown as EventDbRow[];
  return rows.map(toStored).sort((a, b) => a.sequence - b.sequence);
}

export function eventHead(stmt: Stmt, tenantId: string): number {
  const r = stmt('SELECT last_sequence FROM streams WHERE tenant_id = ?').get(tenantId) as
    | { last_sequence: number }
    | undefined;
  return r?.last_sequence ?? 0;
}
