// The event log on PostgreSQL: append under the stream-head row lock, list by sequence.
import type { Pool, PoolClient } from 'pg';
import type { StoredEvent } from '../../domain/event.ts';
import { newEventId, parseEventId } from '../../domain/ids.ts';
import { StoreError } from '../errors.ts';
import { buildEventListQuery } from '../event-query.ts';
import type { AppendedEvent, EventAppendParams, EventListParams } from '../store.ts';
import { withTransaction } from './postgres-db.ts';
import { isMissingPartitionError } from './postgres-errors.ts';
import { DAY_MS, type EventPartitions } from './postgres-partitions.ts';

type Queryable = Pick<PoolClient, 'query'>;

export interface EventDbRow {
  tenant_id: string;
  sequence: string;
  id: string;
  type: string;
  organization_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  log_level: number | null;
}

export const COLUMNS =
  'tenant_id, sequence, id, type, organization_id, data, created_at, log_level';

export function toStored(r: EventDbRow): StoredEvent {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    sequence: Number(r.sequence),
    type: r.type,
    organizationId: r.organization_id,
    data: r.data,
    createdAt: r.created_at,
    level: r.log_level,
  };
}

const LOCK_HEAD =
  'SELECT last_sequence, last_event_id, last_created_at FROM streams WHERE tenant_id = $1 FOR UPDATE';

const FIND_BY_KEYS = `
SELECT k.key, e.tenant_id, e.sequence, e.id, e.type, e.organization_id, e.data, e.created_at, e.log_level
  FROM event_idempotency k
  JOIN events e ON e.tenant_id = k.tenant_id AND e.sequence = k.sequence
               AND e.created_at = k.created_at
 WHERE k.tenant_id = $1 AND k.key = ANY($2::text[])`;

// One statement writes the events, their keys and the new head.
const WRITE = `
WITH inserted AS (
  INSERT INTO events (tenant_id, sequence, id, type, organization_id, data, created_at, log_level)
  SELECT $1::text, u.sequence, u.id, u.type, u.organization_id, u.data::json, $7::timestamptz, u.log_level
    FROM unnest($2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $13::int2[])
      AS u(sequence, id, type, organization_id, data, log_level)
), keyed AS (
  INSERT INTO event_idempotency (tenant_id, key, event_id, sequence, created_at)
  SELECT $1::text, u.key, u.event_id, u.sequence, $7::timestamptz
    FROM unnest($8::text[], $9::text[], $10::int8[]) AS u(key, event_id, sequence)
  ON CONFLICT (tenant_id, key) DO UPDATE
    SET event_id = excluded.event_id, sequence = excluded.sequence, created_at = excluded.created_at
)
UPDATE streams SET last_sequence = $11::int8, last_event_id = $12::text,
       last_created_at = $7::timestamptz
 WHERE tenant_id = $1::text`;

class MissingPartition extends Error {
  readonly ms: number;
  constructor(ms: number) {
    super(`no events partition for ${new Date(ms).toISOString()}`);
    this.ms = ms;
  }
}

/** An append whose data is already serialized, so a bad payload fails alone, before any SQL. */
export interface PreparedAppend {
  params: EventAppendParams;
  data: string[];
}

export function prepareAppend(params: EventAppendParams): PreparedAppend {
  return { params, data: params.events.map((e) => e.dataJson ?? JSON.stringify(e.data)) };
}

export interface GroupResult {
  /** One result per append of the group, in order. */
  appended: AppendedEvent[][];
  /** The tenant's new head, or null when every event was a replay. */
  head: number | null;
}

/**
 * Appends a group of appends of one tenant in one transaction, in order, as
 * if they ran one after another. Ordering: the transaction locks the tenant's
 * stream-head row first and holds that lock until COMMIT, so transactions of
 * one tenant (from any process) run and commit strictly one after another, in
 * sequence order. A reader therefore never sees sequence N+1 without N, and
 * ids and created_at (max(now, previous)) grow with the sequence.
 */
async function appendGroupInTransaction(
  c: PoolClient,
  tenantId: string,
  group: PreparedAppend[],
  now: () => number,
  partitions: EventPartitions,
): Promise<GroupResult> {
  let head = await c.query(LOCK_HEAD, [tenantId]);
  if (head.rows.length === 0) {
    // First append of this tenant; the foreign key rejects unknown tenants here.
    await c.query('INSERT INTO streams (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING', [tenantId]);
    head = await c.query(LOCK_HEAD, [tenantId]);
  }
  const row = head.rows[0] as {
    last_sequence: string;
    last_event_id: string | null;
    last_created_at: Date | null;
  };
  let sequence = Number(row.last_sequence);
  let lastId = row.last_event_id;
  const createdAt = Math.max(now(), row.last_created_at?.getTime() ?? 0);

  const events = group.flatMap((g) => g.params.events);
  const keys = [...new Set(events.map((e) => e.idempotencyKey).filter((k) => k !== null))];
  const byKey = new Map<string, StoredEvent>();
  if (keys.length > 0) {
    const prior = await c.query(FIND_BY_KEYS, [tenantId, keys]);
    for (const r of prior.rows) byKey.set(r.key, toStored(r));
  }

  const appended: AppendedEvent[][] = [];
  const rows: { event: StoredEvent; key: string | null; data: string }[] = [];
  for (const g of group) {
    const out: AppendedEvent[] = [];
    g.params.events.forEach((e, i) => {
      const seen = e.idempotencyKey === null ? undefined : byKey.get(e.idempotencyKey);
      if (seen) {
        out.push({ event: seen, replayed: true });
        return;
      }
      sequence += 1;
      lastId = newEventId(createdAt, lastId);
      const event: StoredEvent = {
        id: lastId,
        tenantId,
        sequence,
        type: e.type,
        organizationId: e.organizationId,
        data: e.data,
        createdAt: new Date(createdAt),
        level: e.level ?? null,
      };
      if (e.idempotencyKey !== null) byKey.set(e.idempotencyKey, event);
      rows.push({ event, key: e.idempotencyKey, data: g.data[i] as string });
      out.push({ event, replayed: false });
    });
    appended.push(out);
  }
  if (rows.length === 0) return { appended, head: null };
  if (!partitions.has(createdAt)) throw new MissingPartition(createdAt);

  const keyed = rows.filter((r) => r.key !== null);
  await c.query(WRITE, [
    tenantId,
    rows.map((r) => r.event.sequence),
    rows.map((r) => r.event.id),
    rows.map((r) => r.event.type),
    rows.map((r) => r.event.organizationId),
    rows.map((r) => r.data),
    new Date(createdAt),
    keyed.map((r) => r.key),
    keyed.map((r) => r.event.id),
    keyed.map((r) => r.event.sequence),
    sequence,
    lastId,
    rows.map((r) => r.event.level),
  ]);
  return { appended, head: sequence };
}

const MAX_ATTEMPTS = 4;

/**
 * Ensures the day's partition, then appends. The day is only known once the
 * head is locked (created_at may run ahead of the clock), so a missing
 * partition rolls the transaction back, is created outside it, and the
 * append runs again; so does an insert into a partition dropped behind this
 * process's cache.
 */
export async function appendGroup(
  pool: Pool,
  partitions: EventPartitions,
  tenantId: string,
  group: PreparedAppend[],
  now: () => number,
): Promise<GroupResult> {
  for (let attempt = 1; ; attempt++) {
    await partitions.ensureForAppend(now());
    try {
      return await withTransaction(pool, (c) =>
        appendGroupInTransaction(c, tenantId, group, now, partitions),
      );
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS) {
        if (err instanceof MissingPartition) throw new StoreError(err.message, { cause: err });
        throw err;
      }
      if (err instanceof MissingPartition) await partitions.ensure(err.ms);
      else if (isMissingPartitionError(err)) partitions.forget();
      else throw err;
    }
  }
}

/**
 * The created_at window that holds the events of these ids, or null when none
 * parses. An event id encodes its created_at (ids are minted from it), so
 * bounding created_at by it lets PostgreSQL skip all other days' partitions.
 */
export function idTimeWindow(ids: string[]): [Date, Date] | null {
  const times = ids.flatMap((id) => parseEventId(id)?.ms ?? []);
  if (times.length === 0) return null;
  return [new Date(Math.min(...times) - DAY_MS), new Date(Math.max(...times) + DAY_MS)];
}

/** The lookup of one event by id, or null for a malformed id (which matches nothing). */
export function eventByIdQuery(
  tenantId: string,
  id: string,
): { text: string; values: unknown[] } | null {
  // The window is part of the events_tenant_id_created_at index (migration
  // 0003), so within a partition the lookup stays one index probe.
  const window = idTimeWindow([id]);
  if (!window) return null;
  return {
    text: `SELECT ${COLUMNS} FROM events WHERE tenant_id = $1 AND id = $2 AND created_at >= $3 AND created_at < $4`,
    values: [tenantId, id, ...window],
  };
}

export async function getEventById(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<StoredEvent | null> {
  const query = eventByIdQuery(tenantId, id);
  if (!query) return null;
  const r = await q.query<EventDbRow>(query.text, query.values);
  const row = r.rows[0];
  return row ? toStored(row) : null;
}

export async function listEvents(q: Queryable, p: EventListParams): Promise<StoredEvent[]> {
  const built = buildEventListQuery(
    p,
    (i) => `$${i}`,
    (d) => d,
  );
  const r = await q.query<EventDbRow>(built.sql, built.args);
  return r.rows.map(toStored);
}
