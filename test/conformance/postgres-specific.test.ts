// PostgreSQL-only behaviour: several stores (processes) on one schema,
// LISTEN/NOTIFY, concurrent migrations, daily partitions, retention and the
// plans that keep its chunks bounded.
import { Client } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/domain/event.ts';
import { ENDPOINT_DEFAULTS } from '../../src/services/delivery/endpoint-config.ts';
import { RetryableStoreError } from '../../src/store/errors.ts';
import { DELETE_FINISHED } from '../../src/store/postgres/postgres-delivery-retention.ts';
import { translatePostgresError } from '../../src/store/postgres/postgres-errors.ts';
import { eventsByIdsQuery } from '../../src/store/postgres/postgres-event-lookups.ts';
import { eventByIdQuery } from '../../src/store/postgres/postgres-events.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { EventListParams } from '../../src/store/store.ts';
import {
  newTestSchemaName,
  postgresTestsEnabled,
  postgresUrl,
  schemaQuery,
  TestPostgresStore,
} from '../fixtures/postgres.ts';

const DAY = 86_400_000;
// Far from today, so these days' partitions never exist beforehand.
const DAY_X = Date.UTC(2031, 0, 10);

function ev(type: string, extra: Partial<NewEvent> = {}): NewEvent {
  return { type, data: {}, organizationId: null, idempotencyKey: null, ...extra };
}

const listAll: Omit<EventListParams, 'tenantId'> = {
  afterSequence: null,
  order: 'asc',
  limit: 100,
  types: null,
  organizationId: null,
  rangeStart: null,
  rangeEnd: null,
};

async function waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Rows returned and pages read (shared buffers hit or read) by one run of a query. */
async function explained(
  schema: string,
  query: { text: string; values: unknown[] },
): Promise<{ rows: number; pages: number }> {
  const [row] = await sql<{ 'QUERY PLAN': [{ Plan: Record<string, number> }] }>(
    schema,
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query.text}`,
    query.values,
  );
  const plan = row?.['QUERY PLAN'][0].Plan ?? {};
  return {
    rows: plan['Actual Rows'] ?? 0,
    pages: (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0),
  };
}

const sql = schemaQuery;

describe('PostgreSQL error translation', () => {
  it('maps transient SQLSTATEs and lost connections to RetryableStoreError only', () => {
    const pgError = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ['40001', '40P01', '55P03', '57P01', '08006']) {
      expect(translatePostgresError(pgError(code))).toBeInstanceOf(RetryableStoreError);
    }
    expect(translatePostgresError(new Error('Connection terminated unexpectedly'))).toBeInstanceOf(
      RetryableStoreError,
    );
    const fk = pgError('23503');
    expect(translatePostgresError(fk)).toBe(fk);
  });

  it('reports an unreachable server as retryable and still closes cleanly', async () => {
    const store = new PostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    store.onCommit(() => {});
    await expect(store.ping()).rejects.toBeInstanceOf(RetryableStoreError);
    await store.close();
  });
});

if (await postgresTestsEnabled()) {
  describe('PostgresStore specifics', () => {
    const open: TestPostgresStore[] = [];
    /** The first store on a schema drops it on close; later ones only disconnect. */
    async function store(schema?: string, now?: () => number): Promise<TestPostgresStore> {
      const s = new TestPostgresStore({
        ...(schema ? { schema, dropOnClose: false } : {}),
        ...(now ? { now } : {}),
      });
      open.unshift(s);
      await s.migrate();
      return s;
    }
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    it('delivers a commit to a listener on another store of the same schema only', async () => {
      const a = await store();
      const b = await store(a.schema);
      const elsewhere = await store();
      const tenant = await a.tenantEnsure({ name: 'default' });
      const seen: [string, number][] = [];
      const seenElsewhere: [string, number][] = [];
      b.onCommit((t, s) => seen.push([t, s]));
      elsewhere.onCommit((t, s) => seenElsewhere.push([t, s]));
      await Promise.all([b.whenListening(), elsewhere.whenListening()]);

      await a.eventAppend({ tenantId: tenant.id, events: [ev('a.b'), ev('a.b')] });
      await waitUntil(() => seen.length > 0, 2000);
      expect(seen).toEqual([[tenant.id, 2]]);
      await new Promise((r) => setTimeout(r, 200));
      expect(seenElsewhere).toEqual([]);
    });

    it('reconnects the listener and reports heads that moved while it was away', async () => {
      const a = await store();
      const b = await store(a.schema);
      const tenant = await a.tenantEnsure({ name: 'default' });
      const seen: number[] = [];
      b.onCommit((_t, s) => seen.push(s));
      await b.whenListening();
      const killed = await sql(
        a.schema,
        'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1',
        [`herald-listener:${a.schema}`],
      );
      expect(killed).toEqual([{ killed: true }]);
      await a.eventAppend({ tenantId: tenant.id, events: [ev('a.b')] });
      await waitUntil(() => seen.includes(1));
      await b.whenListening();
      await a.eventAppend({ tenantId: tenant.id, events: [ev('a.b')] });
      await waitUntil(() => seen.includes(2));
      expect(seen).toEqual([1, 2]);
    });

    it('fails only the bad appends of a group that shares a transaction', async () => {
      const s = await store();
      const tenant = await s.tenantEnsure({ name: 'default' });
      const append = (type: string, data: Record<string, unknown> = {}) =>
        s.eventAppend({ tenantId: tenant.id, events: [{ ...ev(type), data }] });
      // The first append runs alone; the rest queue behind it and form one group.
      const results = await Promise.allSettled([
        append('a.b'),
        append('a.b'),
        append('bad\u0000type'),
        append('a.b', { n: 1n }),
        append('a.b'),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'rejected',
        'fulfilled',
      ]);
      const listed = await s.eventList({ ...listAll, tenantId: tenant.id });
      expect(listed.map((e) => e.sequence)).toEqual([1, 2, 3]);
    });

    it('applies migrations once when two stores migrate a fresh schema together', async () => {
      const schema = newTestSchemaName();
      const a = new TestPostgresStore({ schema });
      const b = new TestPostgresStore({ schema, dropOnClose: false });
      open.push(b, a);
      const [sa, sb] = await Promise.all([a.migrate(), b.migrate()]);
      expect(sa).toEqual(sb);
      expect(sa.pending).toEqual([]);
      const rows = await sql(schema, 'SELECT version FROM herald_migrations');
      expect(rows).toHaveLength(sa.applied.length);
    });

    it('refuses a database migrated by a newer Herald', async () => {
      const a = await store();
      await sql(
        a.schema,
        "INSERT INTO herald_migrations (version, name, applied_at) VALUES ('9999', 'future', now())",
      );
      await expect(a.migrate()).rejects.toThrow(/9999.*upgrade Herald/);
    });

    it('creates a new day partition once under concurrent appends from several stores', async () => {
      const clock = () => DAY_X + 12 * 3600_000;
      const first = await store(undefined, clock);
      const stores = [
        first,
        ...(await Promise.all([1, 2, 3].map(() => store(first.schema, clock)))),
      ];
      const tenants = await Promise.all(
        [0, 1, 2, 3].map((i) => first.tenantEnsure({ name: `t${i}` })),
      );
      await Promise.all(
        stores.flatMap((s, i) =>
          [0, 1, 2].map(() =>
            s.eventAppend({ tenantId: tenants[i]?.id as string, events: [ev('a.b')] }),
          ),
        ),
      );
      for (const t of tenants) {
        const events = await first.eventList({ ...listAll, tenantId: t.id });
        expect(events.map((e) => e.sequence)).toEqual([1, 2, 3]);
        expect(events[0]?.createdAt.getTime()).toBe(clock());
      }
      const parts = await sql<{ name: string }>(
        first.schema,
        "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY 1",
      );
      // The day itself and the next one, created ahead.
      expect(parts.map((p) => p.name)).toEqual(['events_p20310110', 'events_p20310111']);
    });

    it('drops whole past days, counting their rows, and deletes at most limit rows of the rest', async () => {
      let clock = DAY_X + 12 * 3600_000;
      const s = await store(undefined, () => clock);
      const tenant = await s.tenantEnsure({ name: 'default' });
      await s.eventAppend({ tenantId: tenant.id, events: [1, 2, 3, 4, 5].map(() => ev('a.b')) });
      clock = DAY_X + DAY + 30 * 60_000;
      await s.eventAppend({ tenantId: tenant.id, events: [ev('a.b'), ev('a.b')] });
      clock = DAY_X + 3 * DAY;
      const before = new Date(DAY_X + DAY + 3600_000);

      expect(await s.eventDeleteBefore({ before, limit: 1 })).toBe(6);
      const gone = await sql<{ t: string | null }>(
        s.schema,
        "SELECT to_regclass('events_p20310110')::text AS t",
      );
      expect(gone[0]?.t).toBeNull();
      expect(await s.eventDeleteBefore({ before, limit: 1 })).toBe(1);
      expect(await s.eventDeleteBefore({ before, limit: 1 })).toBe(0);
      expect(await s.eventList({ ...listAll, tenantId: tenant.id })).toEqual([]);
      const [next] = await s.eventAppend({ tenantId: tenant.id, events: [ev('a.b')] });
      expect(next?.event.sequence).toBe(8);
    });

    it('forgets an idempotency key once retention removed its event', async () => {
      let clock = DAY_X + 12 * 3600_000;
      const s = await store(undefined, () => clock);
      const tenant = await s.tenantEnsure({ name: 'default' });
      const key = { idempotencyKey: 'k1' };
      const [first] = await s.eventAppend({ tenantId: tenant.id, events: [ev('a.b', key)] });
      clock = DAY_X + 3 * DAY;
      expect(await s.eventDeleteBefore({ before: new Date(DAY_X + DAY), limit: 10 })).toBe(1);
      const [again] = await s.eventAppend({ tenantId: tenant.id, events: [ev('a.b', key)] });
      expect(again?.replayed).toBe(false);
      expect(again?.event.sequence).toBe((first?.event.sequence ?? 0) + 1);
      const [replay] = await s.eventAppend({ tenantId: tenant.id, events: [ev('a.b', key)] });
      expect(replay).toEqual({ event: again?.event, replayed: true });
    });

    it('recovers when another store dropped a partition this store still has cached', async () => {
      const a = await store(undefined, () => DAY_X + 12 * 3600_000);
      const b = await store(a.schema, () => DAY_X + 3 * DAY);
      const tenant = await a.tenantEnsure({ name: 'default' });
      await a.eventAppend({ tenantId: tenant.id, events: [ev('a.b')] });
      expect(await b.eventDeleteBefore({ before: new Date(DAY_X + DAY), limit: 10 })).toBe(1);
      const [next] = await a.eventAppend({ tenantId: tenant.id, events: [ev('a.b')] });
      expect(next?.event.sequence).toBe(2);
      expect(await a.eventGetById({ tenantId: tenant.id, id: next?.event.id as string })).toEqual(
        next?.event,
      );
    });

    it('looks an event up by id in a few pages on a large day not yet analyzed', async () => {
      const at = DAY_X + 12 * 3600_000;
      const s = await store(undefined, () => at);
      const tenant = await s.tenantEnsure({ name: 'default' });
      const [first] = await s.eventAppend({ tenantId: tenant.id, events: [ev('a.b')] });
      // Enough rows that, without statistics, the planner once preferred
      // reading the whole day's created_at index to filtering the id's row.
      await sql(
        s.schema,
        `INSERT INTO events (tenant_id, sequence, id, type, organization_id, data, created_at)
         SELECT $1, n, 'event_' || lpad(n::text, 26, '0'), 'a.b', 'org_' || n % 100,
                json_build_object('n', n, 'email', 'user' || n || '@example.com'), $2
           FROM generate_series(2, 250000) n`,
        [tenant.id, new Date(at)],
      );
      const query = eventByIdQuery(tenant.id, first?.event.id as string);
      if (!query) throw new Error('event id did not parse');
      const one = await explained(s.schema, query);
      expect(one.rows).toBe(1);
      expect(one.pages).toBeLessThan(20);

      // The delivery worker's read of a claim's events: a few pages per id,
      // not a walk over the day (it once read ~7,900 pages per call here).
      const ids = Array.from(
        { length: 30 },
        (_, i) => `event_${String(100_000 + i).padStart(26, '0')}`,
      );
      const many = eventsByIdsQuery(tenant.id, [first?.event.id as string, ...ids]);
      if (!many) throw new Error('event ids did not parse');
      const plan = await explained(s.schema, many);
      expect(plan.rows).toBe(31);
      expect(plan.pages).toBeLessThan(31 * 10);
    });

    it('deletes a chunk of finished deliveries by index, never reading the whole table', async () => {
      const s = await store();
      const tenant = await s.tenantEnsure({ name: 'default' });
      const ep = await s.endpointCreate({
        tenantId: tenant.id,
        config: { ...ENDPOINT_DEFAULTS, url: 'https://example.com/hook' },
        secret: 'whsec_x',
        cursor: 0,
      });
      await sql(
        s.schema,
        `INSERT INTO deliveries (id, tenant_id, endpoint_id, kind, first_sequence, last_sequence,
                                 event_ids, status, attempt_count, order_key, created_at, updated_at)
         SELECT 'dlv_' || lpad(n::text, 26, '0'), $1, $2, 'event', n, n, ARRAY['e'],
                CASE WHEN n % 50 = 0 THEN 'retrying' ELSE 'succeeded' END, 1, '',
                $3::timestamptz + n * interval '1 second', $3::timestamptz + n * interval '1 second'
           FROM generate_series(1, 60000) n`,
        [tenant.id, ep.id, new Date(Date.now() - 30 * DAY)],
      );
      // With fresh statistics `id IN (chunk)` was hashed against a scan of every delivery.
      await sql(s.schema, 'ANALYZE deliveries');
      const client = new Client({
        connectionString: postgresUrl(),
        options: `-c search_path=${s.schema}`,
      });
      await client.connect();
      let row: { 'QUERY PLAN': [{ Plan: unknown }] } | undefined;
      try {
        await client.query('BEGIN');
        const r = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${DELETE_FINISHED}`, [
          new Date(),
          1000,
        ]);
        row = r.rows[0];
      } finally {
        await client.query('ROLLBACK');
        await client.end();
      }
      const plan = JSON.stringify(row?.['QUERY PLAN'][0].Plan);
      expect(plan).toContain('deliveries_finished');
      expect(plan).not.toContain('Seq Scan');
      expect(await s.deliveryDeleteFinishedBefore({ before: new Date(), limit: 1000 })).toBe(1000);
    });
  });
}
