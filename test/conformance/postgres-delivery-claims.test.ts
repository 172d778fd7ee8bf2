// PostgreSQL only: several stores (separate pools, as separate worker
// processes would have) claim, complete and dispatch the same endpoints at
// the same time. Nothing is claimed twice, max_concurrency and ordering hold
// across all of them together, and concurrent dispatch creates no duplicates.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENDPOINT_DEFAULTS } from '../../src/services/delivery/endpoint-config.ts';
import type {
  ClaimedDelivery,
  EndpointConfig,
  EndpointRow,
  NewDelivery,
} from '../../src/store/delivery-store.ts';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { TenantRow } from '../../src/store/store.ts';
import {
  openTestPostgresStore,
  postgresTestsEnabled,
  TestPostgresStore,
} from '../fixtures/postgres.ts';

const WORKERS = 4;
const dlv = (seq: number, orderKey = ''): NewDelivery => ({
  kind: 'event',
  firstSequence: seq,
  lastSequence: seq,
  eventIds: [`e${seq}`],
  payload: null,
  orderKey,
});

if (await postgresTestsEnabled()) {
  describe('PostgreSQL delivery claims across workers', () => {
    let main: TestPostgresStore;
    let workers: PostgresStore[];
    let tenant: TenantRow;

    beforeEach(async () => {
      main = (await openTestPostgresStore()) as TestPostgresStore;
      workers = Array.from(
        { length: WORKERS },
        () => new TestPostgresStore({ schema: main.schema, dropOnClose: false, poolMax: 3 }),
      );
      tenant = await main.tenantEnsure({ name: 'claims' });
    });
    afterEach(async () => {
      await Promise.all(workers.map((w) => w.close()));
      await main.close();
    });

    const endpoint = (extra: Partial<EndpointConfig>): Promise<EndpointRow> =>
      main.endpointCreate({
        tenantId: tenant.id,
        config: { ...ENDPOINT_DEFAULTS, url: 'https://example.com/h', ...extra },
        secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
        dispatchCursor: 0,
      });
    /** One claim call per worker, all at once. */
    const claimRound = async (limit: number): Promise<ClaimedDelivery[]> =>
      (
        await Promise.all(
          workers.map((w, i) =>
            w.deliveryClaim({
              owner: `w${i}`,
              now: new Date(),
              leaseMarginMs: 60_000,
              limit,
              caps: {},
            }),
          ),
        )
      ).flat();
    const complete = (c: ClaimedDelivery, i: number) =>
      (workers[i % WORKERS] as PostgresStore).deliveryComplete({
        tenantId: tenant.id,
        deliveryId: c.delivery.id,
        owner: c.delivery.leaseOwner as string,
        now: new Date(),
        attempt: {
          attemptedAt: new Date(),
          requestHeaders: {},
          responseStatus: 200,
          responseBody: 'ok',
          latencyMs: 1,
          error: null,
        },
        status: 'succeeded',
        nextAttemptAt: null,
        disable: null,
      });
    const inFlight = async (endpointId: string) =>
      (
        await main.deliveryList({
          tenantId: tenant.id,
          endpointId,
          status: 'in_flight',
          after: null,
          limit: 1000,
        })
      ).length;

    it('never claims a delivery twice nor exceeds max_concurrency across workers', async () => {
      const ep = await endpoint({ maxConcurrency: 3 });
      const rows = Array.from({ length: 60 }, (_, i) => dlv(i + 1));
      await main.deliveryInsert({
        tenantId: tenant.id,
        endpointId: ep.id,
        deliveries: rows,
        now: new Date(),
      });
      const seen = new Set<string>();
      for (let round = 0; seen.size < 60; round++) {
        expect(round).toBeLessThan(200);
        const claimed = await claimRound(10);
        expect(await inFlight(ep.id)).toBeLessThanOrEqual(3);
        for (const c of claimed) {
          expect(seen.has(c.delivery.id)).toBe(false);
          seen.add(c.delivery.id);
          expect(c.delivery).toMatchObject({ status: 'in_flight', attemptCount: 1 });
        }
        const done = await Promise.all(claimed.map(complete));
        expect(done.every((d) => d.applied)).toBe(true);
      }
    });

    it('claims only the head of each order key, in order, across workers', async () => {
      const ep = await endpoint({ ordered: true, orderedBy: 'organization', maxConcurrency: 10 });
      const rows = Array.from({ length: 30 }, (_, i) => dlv(i + 1, `org_${i % 3}`));
      await main.deliveryInsert({
        tenantId: tenant.id,
        endpointId: ep.id,
        deliveries: rows,
        now: new Date(),
      });
      const order: number[] = [];
      for (let round = 0; order.length < 30; round++) {
        expect(round).toBeLessThan(200);
        const claimed = await claimRound(10);
        const keys = claimed.map((c) => c.delivery.orderKey);
        expect(new Set(keys).size).toBe(keys.length);
        order.push(...claimed.map((c) => c.delivery.firstSequence));
        await Promise.all(claimed.map(complete));
      }
      for (const k of [0, 1, 2]) {
        const seq = order.filter((s) => (s - 1) % 3 === k);
        expect(seq).toEqual(Array.from({ length: 10 }, (_, i) => i * 3 + k + 1));
      }
    });

    it('lets another worker take over an expired lease; the old owner cannot overwrite it', async () => {
      const ep = await endpoint({
        maxConcurrency: 1,
        timeoutConnectMs: 1000,
        timeoutResponseMs: 1000,
      });
      await main.deliveryInsert({
        tenantId: tenant.id,
        endpointId: ep.id,
        deliveries: [dlv(1)],
        now: new Date(),
      });
      const [a, b] = workers as [PostgresStore, PostgresStore];
      const first = await a.deliveryClaim({
        owner: 'a',
        now: new Date(),
        leaseMarginMs: 0,
        limit: 5,
        caps: {},
      });
      expect(first).toHaveLength(1);
      const later = new Date(Date.now() + 2_001);
      const second = await b.deliveryClaim({
        owner: 'b',
        now: later,
        leaseMarginMs: 0,
        limit: 5,
        caps: {},
      });
      expect(second.map((c) => c.delivery.attemptCount)).toEqual([2]);
      const stale = await complete(first[0] as ClaimedDelivery, 0);
      expect(stale.applied).toBe(false);
      const row = await main.deliveryGet({ tenantId: tenant.id, id: second[0]?.delivery.id ?? '' });
      expect(row).toMatchObject({ status: 'in_flight', leaseOwner: 'b' });
    });

    it('creates deliveries once when workers dispatch the same cursor together', async () => {
      const ep = await endpoint({});
      const results = await Promise.all(
        workers.map((w) =>
          w.endpointDispatch({
            tenantId: tenant.id,
            endpointId: ep.id,
            fromCursor: 0,
            toCursor: 5,
            deliveries: [1, 2, 3, 4, 5].map((s) => dlv(s)),
            now: new Date(),
          }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await main.deliveryCountOpen({ tenantId: tenant.id, endpointId: ep.id })).toBe(5);
      expect((await main.endpointGet({ tenantId: tenant.id, id: ep.id }))?.dispatchCursor).toBe(5);
    });
  });
}
