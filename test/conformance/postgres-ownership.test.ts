// PostgreSQL only: several stores (separate pools, as separate worker
// processes would have) on one schema. One endpoint has one owner at a time,
// an owner whose time passed can be replaced, a group commit writes progress
// only for endpoints its worker still owns, concurrent commits, heartbeats
// and takeovers over the same endpoints do not deadlock, and migration 0007
// carries the old engine's in-flight work over as pending.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, escapeIdentifier } from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EndpointRow } from '../../src/domain/endpoint.ts';
import { ENDPOINT_DEFAULTS } from '../../src/services/delivery/endpoint-config.ts';
import type {
  AttemptWrite,
  DeliveryWrite,
  EndpointProgress,
} from '../../src/store/delivery-store.ts';
import { readMigrationFiles } from '../../src/store/migration-files.ts';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { TenantRow } from '../../src/store/store.ts';
import {
  newTestSchemaName,
  openTestPostgresStore,
  postgresTestsEnabled,
  postgresUrl,
  schemaQuery,
  TestPostgresStore,
} from '../fixtures/postgres.ts';

const WORKERS = 4;
const MIN = 60_000;

const sql = schemaQuery;

function write(ep: EndpointRow, seq: number, extra: Partial<DeliveryWrite> = {}): DeliveryWrite {
  return {
    id: `dlv_${ep.id}_${String(seq).padStart(6, '0')}`,
    tenantId: ep.tenantId,
    endpointId: ep.id,
    kind: 'event',
    firstSequence: seq,
    lastSequence: seq,
    firstPosition: seq,
    lastPosition: seq,
    eventIds: [`event_${seq}`],
    payload: null,
    orderKey: '',
    status: 'succeeded',
    attemptCount: 1,
    nextAttemptAt: null,
    createdAt: new Date(),
    ...extra,
  };
}

function attempt(d: DeliveryWrite, ok = true): AttemptWrite {
  return {
    deliveryId: d.id,
    tenantId: d.tenantId,
    endpointId: d.endpointId,
    kind: d.kind,
    succeeded: ok,
    attemptedAt: new Date(),
    requestHeaders: { 'content-type': 'application/json' },
    responseStatus: ok ? 200 : 500,
    responseBody: ok ? 'ok' : 'no\u0000pe',
    latencyMs: 12.4,
    error: null,
  };
}

const progress = (ep: EndpointRow, extra: Partial<EndpointProgress> = {}): EndpointProgress => ({
  id: ep.id,
  cursor: null,
  health: null,
  healthEpoch: ep.healthEpoch,
  disable: null,
  ...extra,
});

if (await postgresTestsEnabled()) {
  describe('PostgreSQL endpoint ownership across workers', () => {
    let main: TestPostgresStore;
    let workers: PostgresStore[];
    let tenant: TenantRow;

    beforeEach(async () => {
      main = (await openTestPostgresStore()) as TestPostgresStore;
      workers = Array.from(
        { length: WORKERS },
        () => new TestPostgresStore({ schema: main.schema, dropOnClose: false, poolMax: 3 }),
      );
      tenant = await main.tenantEnsure({ name: 'owners' });
    });
    afterEach(async () => {
      await Promise.all(workers.map((w) => w.close()));
      await main.close();
    });

    const endpoint = (): Promise<EndpointRow> =>
      main.endpointCreate({
        tenantId: tenant.id,
        config: { ...ENDPOINT_DEFAULTS, url: 'https://example.com/h' },
        secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
        cursor: 7,
      });
    const w = (i: number) => workers[i] as PostgresStore;

    it('gives one endpoint to exactly one of several workers acquiring it at once', async () => {
      const eps = await Promise.all(Array.from({ length: 5 }, endpoint));
      const ids = eps.map((e) => e.id);
      const now = new Date();
      const until = new Date(now.getTime() + MIN);
      const got = await Promise.all(
        workers.map((s, i) =>
          s.endpointAcquire({ workerId: `w${i}`, ids, now, until, force: false }),
        ),
      );
      // Each endpoint went to exactly one of them, and the records agree.
      const owners = new Map(got.flatMap((rows, i) => rows.map((r) => [r.id, `w${i}`])));
      expect(got.flat()).toHaveLength(ids.length);
      expect([...owners.keys()].sort()).toEqual([...ids].sort());
      const rows = got.flat();
      expect(rows[0]?.cursor).toBe(7);
      expect(rows[0]?.cursorPosition).toBe(0);

      const list = await main.endpointOwnershipList();
      expect(list.map((o) => o.id)).toEqual([...ids].sort());
      for (const o of list) {
        expect(o.ownerId).toBe(owners.get(o.id));
        expect(o.ownerUntil?.getTime()).toBe(until.getTime());
        expect(o.tenantId).toBe(tenant.id);
        expect(o.stateVersion).toBe(0);
      }
    });

    it('lets another worker take an endpoint once its owner time has passed, or by force', async () => {
      const ep = await endpoint();
      const t0 = Date.now();
      const at = (ms: number) => new Date(t0 + ms);
      const acquire = (i: number, now: number, force = false) =>
        w(i).endpointAcquire({
          workerId: `w${i}`,
          ids: [ep.id],
          now: at(now),
          until: at(now + MIN),
          force,
        });
      const owner = async () => (await main.endpointOwnershipList())[0];
      expect(await acquire(0, 0)).toHaveLength(1);
      expect(await acquire(1, MIN - 1)).toEqual([]);
      // The owner renews its own claim.
      expect(await acquire(0, MIN - 1)).toHaveLength(1);
      expect((await owner())?.ownerUntil?.getTime()).toBe(t0 + 2 * MIN - 1);
      expect(await acquire(1, 2 * MIN - 2)).toEqual([]);
      expect(await acquire(1, 2 * MIN)).toHaveLength(1);
      expect((await owner())?.ownerId).toBe('w1');
      expect(await acquire(2, 2 * MIN + 1, true)).toHaveLength(1);
      // The former owners' releases change nothing.
      await w(0).endpointRelease({ workerId: 'w0', ids: null });
      await w(1).endpointRelease({ workerId: 'w1', ids: [ep.id] });
      expect((await owner())?.ownerId).toBe('w2');
      await w(2).endpointRelease({ workerId: 'w2', ids: [ep.id] });
      const released = await owner();
      expect([released?.ownerId, released?.ownerUntil]).toEqual([null, null]);
    });

    it('heartbeats extend the worker’s endpoints and list the workers alive', async () => {
      const [a, b] = [await endpoint(), await endpoint()];
      const t0 = Date.now();
      const at = (ms: number) => new Date(t0 + ms);
      await w(0).endpointAcquire({
        workerId: 'w0',
        ids: [a.id],
        now: at(0),
        until: at(MIN),
        force: false,
      });
      await w(1).endpointAcquire({
        workerId: 'w1',
        ids: [b.id],
        now: at(0),
        until: at(MIN),
        force: false,
      });
      // w9 died long ago: its record goes; w8 only recently (listed as not alive, kept).
      await sql(main.schema, 'INSERT INTO delivery_workers VALUES ($1, $2), ($3, $4)', [
        'w9',
        at(-2 * 60 * MIN),
        'w8',
        at(-MIN),
      ]);
      expect(await w(1).workerHeartbeat({ workerId: 'w1', now: at(0), until: at(MIN) })).toEqual([
        'w1',
      ]);
      expect(
        await w(0).workerHeartbeat({ workerId: 'w0', now: at(10), until: at(3 * MIN) }),
      ).toEqual(['w0', 'w1']);
      const list = await main.endpointOwnershipList();
      const until = new Map(list.map((o) => [o.id, o.ownerUntil?.getTime()]));
      expect(until.get(a.id)).toBe(t0 + 3 * MIN);
      expect(until.get(b.id)).toBe(t0 + MIN);
      const rows = await sql<{ id: string }>(
        main.schema,
        'SELECT id FROM delivery_workers ORDER BY id',
      );
      expect(rows.map((r) => r.id)).toEqual(['w0', 'w1', 'w8']);
      await w(0).workerRemove({ workerId: 'w0' });
      expect(await w(1).workerHeartbeat({ workerId: 'w1', now: at(20), until: at(MIN) })).toEqual([
        'w1',
      ]);
    });

    it('writes a group commit’s progress only where the worker still owns the endpoint', async () => {
      const [a, b, gone] = [await endpoint(), await endpoint(), await endpoint()];
      const now = new Date();
      const until = new Date(now.getTime() + MIN);
      await w(0).endpointAcquire({
        workerId: 'w0',
        ids: [a.id, gone.id],
        now,
        until,
        force: false,
      });
      await w(1).endpointAcquire({ workerId: 'w1', ids: [b.id], now, until, force: false });
      await main.endpointDelete({ tenantId: tenant.id, id: gone.id });
      const ds = [
        write(a, 8),
        write(b, 8, { status: 'retrying', nextAttemptAt: until }),
        write(gone, 8),
      ];
      const health = {
        consecutiveFailures: 0,
        failingSince: null,
        lastSuccessAt: now,
        lastFailureAt: null,
      };
      const r = await w(0).deliveryCommit({
        workerId: 'w0',
        now,
        deliveries: ds,
        attempts: ds.map((d) => attempt(d, d.status === 'succeeded')),
        endpoints: [
          progress(a, { cursor: { sequence: 8, position: 1 }, health }),
          progress(b, { cursor: { sequence: 8, position: 1 }, disable: 'gone' }),
          progress(gone, { cursor: { sequence: 8, position: 1 } }),
        ],
      });
      expect(r.lost.sort()).toEqual([b.id, gone.id].sort());
      expect(r.disabled).toEqual([]);
      const a2 = await main.endpointGet({ tenantId: tenant.id, id: a.id });
      expect([a2?.cursor, a2?.cursorPosition, a2?.lastSuccessAt?.getTime()]).toEqual([
        8,
        1,
        now.getTime(),
      ]);
      const b2 = await main.endpointGet({ tenantId: tenant.id, id: b.id });
      expect([b2?.cursor, b2?.cursorPosition, b2?.active]).toEqual([7, 0, true]);
      // Rows of endpoints that still exist are written whoever owns them.
      const got = await main.deliveryGet({ tenantId: tenant.id, id: ds[1]?.id as string });
      expect(got?.status).toBe('retrying');
      expect(
        await main.attemptList({ tenantId: tenant.id, deliveryId: ds[1]?.id as string }),
      ).toHaveLength(1);
      const attempts = await main.attemptList({
        tenantId: tenant.id,
        deliveryId: ds[0]?.id as string,
      });
      expect(attempts.map((x) => [x.latencyMs, x.responseBody])).toEqual([[12, 'ok']]);
      expect(await main.deliveryGet({ tenantId: tenant.id, id: ds[2]?.id as string })).toBeNull();

      // The owner disables b; the health write of a stale epoch is dropped.
      const enabled = await main.endpointSetActive({
        tenantId: tenant.id,
        id: b.id,
        active: true,
        reason: null,
        now,
      });
      expect(enabled?.healthEpoch).toBe(1);
      const stale = {
        consecutiveFailures: 5,
        failingSince: now,
        lastSuccessAt: null,
        lastFailureAt: now,
      };
      const r2 = await w(1).deliveryCommit({
        workerId: 'w1',
        now,
        deliveries: [write(b, 8, { status: 'failed', attemptCount: 2, createdAt: new Date(0) })],
        attempts: [],
        endpoints: [
          progress(b, { cursor: { sequence: 9, position: 2 }, health: stale, disable: 'gone' }),
        ],
      });
      expect(r2).toEqual({ lost: [], disabled: [] });
      const b3 = await main.endpointGet({ tenantId: tenant.id, id: b.id });
      expect([b3?.cursor, b3?.consecutiveFailures, b3?.active]).toEqual([9, 0, true]);
      const upserted = await main.deliveryGet({ tenantId: tenant.id, id: ds[1]?.id as string });
      expect([upserted?.status, upserted?.attemptCount, upserted?.nextAttemptAt]).toEqual([
        'failed',
        2,
        null,
      ]);
      expect(upserted?.createdAt.getTime()).toBe(got?.createdAt.getTime());

      const r3 = await w(1).deliveryCommit({
        workerId: 'w1',
        now,
        deliveries: [],
        attempts: [],
        endpoints: [
          progress(b, { healthEpoch: 1, health: stale, disable: 'consecutive_failures' }),
        ],
      });
      expect(r3).toEqual({ lost: [], disabled: [b.id] });
      const b4 = await main.endpointGet({ tenantId: tenant.id, id: b.id });
      expect([b4?.active, b4?.disabledReason, b4?.consecutiveFailures]).toEqual([
        false,
        'consecutive_failures',
        5,
      ]);
      // Already disabled: not reported again.
      const r4 = await w(1).deliveryCommit({
        workerId: 'w1',
        now,
        deliveries: [],
        attempts: [],
        endpoints: [progress(b, { healthEpoch: 1, disable: 'gone' })],
      });
      expect(r4).toEqual({ lost: [], disabled: [] });
      expect((await main.endpointGet({ tenantId: tenant.id, id: b.id }))?.disabledReason).toBe(
        'consecutive_failures',
      );
    });

    it('runs commits, heartbeats, takeovers, retries and deletes at once without deadlocks', async () => {
      const eps = await Promise.all(Array.from({ length: 6 }, endpoint));
      const ids = eps.map((e) => e.id);
      const shuffled = <T>(xs: T[]) => [...xs].sort(() => Math.random() - 0.5);
      const rounds = 25;
      const run = async (i: number) => {
        for (let n = 0; n < rounds; n++) {
          const now = new Date();
          const until = new Date(now.getTime() + MIN);
          // Everyone forces everything, so ownership flips between every commit.
          await w(i).endpointAcquire({
            workerId: `w${i}`,
            ids: shuffled(ids),
            now,
            until,
            force: true,
          });
          const ds = shuffled(eps).flatMap((ep) =>
            [1, 2, 3].map((k) => write(ep, k, { status: n % 2 ? 'failed' : 'retrying' })),
          );
          await Promise.all([
            w(i).deliveryCommit({
              workerId: `w${i}`,
              now,
              deliveries: ds,
              attempts: ds.map((d) => attempt(d)),
              endpoints: shuffled(eps).map((ep) =>
                progress(ep, { cursor: { sequence: 100 + n, position: n } }),
              ),
            }),
            w(i).workerHeartbeat({ workerId: `w${i}`, now, until }),
            main.deliveryRetryFailed({
              tenantId: tenant.id,
              endpointId: eps[n % eps.length]?.id as string,
              since: new Date(0),
              until: null,
              now,
            }),
            main.deliveryRetry({ tenantId: tenant.id, id: ds[0]?.id as string, now }),
          ]);
        }
      };
      const deleting = (async () => {
        await new Promise((r) => setTimeout(r, 50));
        await main.endpointDelete({ tenantId: tenant.id, id: ids[0] as string });
      })();
      await Promise.all([...workers.map((_, i) => run(i)), deleting]);
      const left = await main.endpointOwnershipList();
      expect(left.map((o) => o.id)).toEqual(ids.slice(1).sort());
      const counts = await sql<{ n: number }>(
        main.schema,
        'SELECT count(*)::int AS n FROM deliveries WHERE endpoint_id = $1',
        [ids[0]],
      );
      expect(counts[0]?.n).toBe(0);
    });
  });

  describe('PostgreSQL migration 0007 from the leased-claims schema', () => {
    const schema = newTestSchemaName();
    afterEach(async () => {
      await sql('public', `DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
    });

    it('turns in-flight deliveries into pending ones due now and cancelled into failed', async () => {
      const dir = join(
        dirname(fileURLToPath(import.meta.url)),
        '../../src/store/postgres/migrations',
      );
      const old = readMigrationFiles(dir).filter((m) => m.version < '0007');
      expect(old.map((m) => m.version)).toEqual(['0001', '0002', '0003', '0004', '0005', '0006']);
      const client = new Client({ connectionString: postgresUrl() });
      await client.connect();
      const t = new Date('2030-01-02T03:04:05.678Z');
      try {
        await client.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
        await client.query(`SET search_path = ${escapeIdentifier(schema)}`);
        await client.query(
          'CREATE TABLE herald_migrations (version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz(3) NOT NULL)',
        );
        for (const m of old) {
          await client.query(m.sql);
          await client.query('INSERT INTO herald_migrations VALUES ($1, $2, now())', [
            m.version,
            m.name,
          ]);
        }
        await client.query("INSERT INTO tenants VALUES ('t1', 'default', now())");
        await client.query(
          `INSERT INTO endpoints (id, tenant_id, url, description, active, event_types, secrets,
             format, batch_size, batch_wait_ms, max_concurrency, ordered, ordered_key, retry,
             timeout_connect_ms, timeout_response_ms, notify_success, created_at, updated_at,
             dispatch_cursor)
           VALUES ('ep1', 't1', 'https://example.com', '', true, '["*"]', '[]', 'json', 1, 0, 10,
             false, 'none', '"default"', 1000, 1000, false, now(), now(), 42)`,
        );
        const dlv = (id: string, status: string, lease: boolean) =>
          client.query(
            `INSERT INTO deliveries (id, tenant_id, endpoint_id, kind, first_sequence, last_sequence,
               event_ids, status, attempt_count, next_attempt_at, lease_owner, lease_expires_at,
               order_key, created_at, updated_at)
             VALUES ($1, 't1', 'ep1', 'event', 1, 1, ARRAY['e1'], $2, 1, NULL, $3, $4, '', $5, $5)`,
            [id, status, lease ? 'old-worker' : null, lease ? t : null, t],
          );
        await dlv('d_inflight', 'in_flight', true);
        await dlv('d_cancelled', 'cancelled', false);
        await dlv('d_succeeded', 'succeeded', false);
      } finally {
        await client.end();
      }

      const store = new TestPostgresStore({ schema, dropOnClose: false });
      try {
        expect((await store.migrate()).pending).toEqual([]);
        const get = (id: string) => store.deliveryGet({ tenantId: 't1', id });
        const inflight = await get('d_inflight');
        expect([inflight?.status, inflight?.nextAttemptAt?.getTime()]).toEqual([
          'pending',
          t.getTime(),
        ]);
        expect([inflight?.firstPosition, inflight?.lastPosition]).toEqual([null, null]);
        expect((await get('d_cancelled'))?.status).toBe('failed');
        expect((await get('d_succeeded'))?.status).toBe('succeeded');
        const ep = await store.endpointGet({ tenantId: 't1', id: 'ep1' });
        expect([ep?.cursor, ep?.cursorPosition, ep?.stateVersion, ep?.healthEpoch]).toEqual([
          42, 0, 0, 0,
        ]);
        expect(
          (await store.deliveryListOpen({ tenantId: 't1', endpointId: 'ep1', limit: 10 })).map(
            (d) => d.id,
          ),
        ).toEqual(['d_inflight']);
      } finally {
        await store.close();
      }
      const indexes = await sql<{ name: string }>(
        schema,
        "SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename IN ('deliveries', 'endpoints', 'delivery_workers') ORDER BY 1",
        [schema],
      );
      expect(indexes.map((r) => r.name)).toEqual([
        'deliveries_endpoint_id',
        'deliveries_failed',
        'deliveries_finished',
        'deliveries_open',
        'deliveries_pkey',
        'deliveries_sequence',
        'delivery_workers_pkey',
        'endpoints_owner',
        'endpoints_pkey',
        'endpoints_tenant',
      ]);
      const functions = await sql<{ n: number }>(
        schema,
        "SELECT count(*)::int AS n FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace WHERE s.nspname = $1 AND p.proname LIKE 'herald%'",
        [schema],
      );
      expect(functions[0]?.n).toBe(0);
    });
  });
}
