// Conformance of the DeliveryStore part of Store (src/store/delivery-store.ts).
// Every backend runs it unchanged: sqlite.test.ts calls describeDeliveryStore.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/domain/event.ts';
import { ENDPOINT_DEFAULTS } from '../../src/services/delivery/endpoint-config.ts';
import type {
  EndpointConfig,
  EndpointRow,
  NewAttempt,
  NewDelivery,
} from '../../src/store/delivery-store.ts';
import type { Store, TenantRow } from '../../src/store/store.ts';
import type { StoreFactory } from './store-suite.ts';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const config = (extra: Partial<EndpointConfig> = {}): EndpointConfig => ({
  ...ENDPOINT_DEFAULTS,
  url: 'https://example.com/hook',
  ...extra,
});
const ev = (type: string, org: string | null = null): NewEvent => ({
  type,
  data: {},
  organizationId: org,
  idempotencyKey: null,
});
const dlv = (seq: number, orderKey = ''): NewDelivery => ({
  kind: 'event',
  firstSequence: seq,
  lastSequence: seq,
  eventIds: [`e${seq}`],
  payload: null,
  orderKey,
});
const attempt = (status: number | null): NewAttempt => ({
  attemptedAt: new Date(),
  requestHeaders: { 'webhook-id': 'x', authorization: '[redacted]' },
  responseStatus: status,
  responseBody: status === null ? null : 'ok',
  latencyMs: 12,
  error: status === null ? 'ECONNREFUSED' : null,
});

export function describeDeliveryStore(factory: StoreFactory): void {
  describe(`DeliveryStore conformance: ${factory.name}`, () => {
    let store: Store;
    let tenant: TenantRow;
    const owner = 'worker-a';
    const claim = (extra: { now?: Date; limit?: number; caps?: Record<string, number> } = {}) =>
      store.deliveryClaim({
        owner,
        now: extra.now ?? new Date(),
        leaseMarginMs: 1000,
        limit: extra.limit ?? 100,
        caps: extra.caps ?? {},
      });
    const newEndpoint = (extra: Partial<EndpointConfig> = {}, cursor = 0) =>
      store.endpointCreate({
        tenantId: tenant.id,
        config: config(extra),
        secret: SECRET,
        dispatchCursor: cursor,
      });
    const dispatch = async (ep: EndpointRow, deliveries: NewDelivery[], to: number) =>
      store.endpointDispatch({
        tenantId: tenant.id,
        endpointId: ep.id,
        fromCursor: ep.dispatchCursor,
        toCursor: to,
        deliveries,
        now: new Date(),
      });
    const complete = (id: string, status: 'succeeded' | 'retrying' | 'failed', extra = {}) =>
      store.deliveryComplete({
        tenantId: tenant.id,
        deliveryId: id,
        owner,
        now: new Date(),
        attempt: attempt(status === 'succeeded' ? 200 : 500),
        status,
        nextAttemptAt: status === 'retrying' ? new Date(Date.now() + 60_000) : null,
        disable: null,
        ...extra,
      });

    beforeEach(async () => {
      store = await factory.open();
      tenant = await store.tenantEnsure({ name: 'default' });
    });
    afterEach(async () => {
      await store.close();
    });

    it('creates, reads, lists, updates and deletes endpoints, scoped to the tenant', async () => {
      const a = await newEndpoint(
        { eventTypes: ['user.*'], retry: [0.5, 1], authorization: 'Bearer x' },
        7,
      );
      expect(a).toMatchObject({
        tenantId: tenant.id,
        active: true,
        eventTypes: ['user.*'],
        retry: [0.5, 1],
        authorization: 'Bearer x',
        dispatchCursor: 7,
        consecutiveFailures: 0,
        secrets: [{ secret: SECRET, expiresAt: null }],
      });
      const b = await newEndpoint();
      expect(await store.endpointGet({ tenantId: tenant.id, id: a.id })).toEqual(a);
      const page = await store.endpointList({ tenantId: tenant.id, after: null, limit: 1 });
      expect(page.map((e) => e.id)).toEqual([[a.id, b.id].sort()[0]]);
      const other = await store.tenantEnsure({ name: 'other' });
      expect(await store.endpointGet({ tenantId: other.id, id: a.id })).toBeNull();
      const upd = await store.endpointUpdate({
        tenantId: tenant.id,
        id: a.id,
        config: config({ description: 'x', retry: 'extended', active: false }),
      });
      expect(upd).toMatchObject({
        description: 'x',
        retry: 'extended',
        active: false,
        disabledReason: 'manual',
        dispatchCursor: 7,
      });
      expect((await store.endpointListActive({ tenantId: null })).map((e) => e.id)).toEqual([b.id]);
      const expires = new Date(Date.now() + 1000);
      const rot = await store.endpointSetSecrets({
        tenantId: tenant.id,
        id: a.id,
        secrets: [
          { secret: 'new', expiresAt: null },
          { secret: SECRET, expiresAt: expires },
        ],
      });
      expect(rot?.secrets).toEqual([
        { secret: 'new', expiresAt: null },
        { secret: SECRET, expiresAt: expires },
      ]);
      expect(await store.endpointDelete({ tenantId: other.id, id: a.id })).toBe(false);
      expect(await store.endpointDelete({ tenantId: tenant.id, id: a.id })).toBe(true);
      expect(await store.endpointGet({ tenantId: tenant.id, id: a.id })).toBeNull();
    });

    it('dispatches by compare-and-set of the cursor', async () => {
      const ep = await newEndpoint();
      expect(await dispatch(ep, [dlv(1), dlv(2)], 2)).toBe(true);
      // A second dispatcher with the stale cursor changes nothing.
      expect(await dispatch(ep, [dlv(1)], 2)).toBe(false);
      const fresh = (await store.endpointGet({ tenantId: tenant.id, id: ep.id })) as EndpointRow;
      expect(fresh.dispatchCursor).toBe(2);
      expect(await store.deliveryCountOpen({ tenantId: tenant.id, endpointId: ep.id })).toBe(2);
      const list = await store.deliveryList({
        tenantId: tenant.id,
        endpointId: ep.id,
        status: null,
        after: null,
        limit: 10,
      });
      expect(list.map((d) => d.firstSequence)).toEqual([2, 1]);
      expect(list[0]).toMatchObject({
        status: 'pending',
        attemptCount: 0,
        kind: 'event',
        eventIds: ['e2'],
      });
    });

    it('claims due work within max_concurrency and caps, and re-claims expired leases', async () => {
      const ep = await newEndpoint({ maxConcurrency: 2 });
      await dispatch(ep, [dlv(1), dlv(2), dlv(3)], 3);
      const first = await claim();
      expect(first).toHaveLength(2);
      expect(first[0]?.delivery).toMatchObject({
        status: 'in_flight',
        leaseOwner: owner,
        attemptCount: 1,
      });
      expect(first[0]?.endpoint.id).toBe(ep.id);
      expect(await claim()).toHaveLength(0);
      // Leases expire after connect + response timeout + margin.
      const later = new Date(Date.now() + ep.timeoutConnectMs + ep.timeoutResponseMs + 2000);
      const again = await claim({ now: later, limit: 10 });
      expect(again).toHaveLength(2);
      expect(again.every((c) => c.delivery.attemptCount >= 1)).toBe(true);
      const capped = await newEndpoint({ maxConcurrency: 5 });
      await dispatch(capped, [dlv(1), dlv(2), dlv(3)], 3);
      expect(await claim({ caps: { [capped.id]: 1, [ep.id]: 0 } })).toHaveLength(1);
    });

    it('claims only the head of each order key of an ordered endpoint', async () => {
      const ep = await newEndpoint({ ordered: true, orderedBy: 'organization' });
      await dispatch(ep, [dlv(1, 'a'), dlv(2, 'b'), dlv(3, 'a'), dlv(4, 'b')], 4);
      const c1 = await claim();
      expect(c1.map((c) => c.delivery.firstSequence).sort()).toEqual([1, 2]);
      expect(await claim()).toHaveLength(0);
      const one = c1.find((c) => c.delivery.firstSequence === 1);
      await complete(one?.delivery.id as string, 'retrying', {
        nextAttemptAt: new Date(Date.now() - 1),
      });
      // The retried head goes again before sequence 3.
      const c2 = await claim();
      expect(c2.map((c) => c.delivery.firstSequence)).toEqual([1]);
      await complete(c2[0]?.delivery.id as string, 'succeeded');
      expect((await claim()).map((c) => c.delivery.firstSequence)).toEqual([3]);
    });

    it('records outcomes and endpoint health, and disables after N failed deliveries', async () => {
      const ep = await newEndpoint({ disableAfterFailures: 2 });
      await dispatch(ep, [dlv(1), dlv(2), dlv(3)], 3);
      const [a, b, c] = await claim();
      const r1 = await complete(a?.delivery.id as string, 'failed');
      expect(r1).toMatchObject({ applied: true, disabled: false });
      expect(r1.endpoint?.consecutiveFailures).toBe(1);
      expect(r1.endpoint?.failingSince).toBeInstanceOf(Date);
      const ok = await complete(b?.delivery.id as string, 'succeeded');
      expect(ok.endpoint).toMatchObject({ consecutiveFailures: 0, failingSince: null });
      expect(ok.endpoint?.lastSuccessAt).toBeInstanceOf(Date);
      await store.deliveryInsert({
        tenantId: tenant.id,
        endpointId: ep.id,
        deliveries: [dlv(4)],
        now: new Date(),
      });
      const [d] = await claim();
      await complete(c?.delivery.id as string, 'failed');
      const r4 = await complete(d?.delivery.id as string, 'failed');
      expect(r4).toMatchObject({ applied: true, disabled: true });
      expect(r4.endpoint).toMatchObject({ active: false, disabledReason: 'consecutive_failures' });
      // A stale owner's write records the attempt but changes nothing else.
      const stale = await store.deliveryComplete({
        tenantId: tenant.id,
        deliveryId: a?.delivery.id as string,
        owner: 'someone-else',
        now: new Date(),
        attempt: attempt(200),
        status: 'succeeded',
        nextAttemptAt: null,
        disable: null,
      });
      expect(stale.applied).toBe(false);
      const attempts = await store.attemptList({
        tenantId: tenant.id,
        deliveryId: a?.delivery.id as string,
      });
      expect(attempts).toHaveLength(2);
      expect(attempts[0]).toMatchObject({
        responseStatus: 500,
        requestHeaders: { authorization: '[redacted]' },
        latencyMs: 12,
      });
      const stats = await store.attemptStats({
        tenantId: tenant.id,
        endpointId: ep.id,
        since: new Date(0),
      });
      expect(stats).toMatchObject({ total: 5, succeeded: 2, p50: 12, p99: 12 });
      const enabled = await store.endpointSetActive({
        tenantId: tenant.id,
        id: ep.id,
        active: true,
        reason: null,
        now: new Date(),
      });
      expect(enabled).toMatchObject({ active: true, disabledReason: null, consecutiveFailures: 0 });
    });

    it('applies outcomes recorded together as if one after another', async () => {
      // Stores may commit outcomes of one turn as a group; health must come
      // out as if each outcome had been applied in the order it was given.
      const ep = await newEndpoint({ disableAfterFailures: 3 });
      await dispatch(ep, [dlv(1), dlv(2), dlv(3), dlv(4), dlv(5)], 5);
      const claimed = await claim();
      expect(claimed).toHaveLength(5);
      const ids = claimed.map((c) => c.delivery.id);
      const statuses = ['failed', 'failed', 'succeeded', 'failed', 'retrying'] as const;
      const results = await Promise.all(
        ids.map((id, i) => complete(id, statuses[i] as (typeof statuses)[number])),
      );
      expect(results.every((r) => r.applied)).toBe(true);
      // Two failures, a success (streak reset), then one failed and one retrying.
      const after = await store.endpointGet({ tenantId: tenant.id, id: ep.id });
      expect(after).toMatchObject({ active: true, consecutiveFailures: 1 });
      expect(after?.failingSince).toBeInstanceOf(Date);
      expect(after?.lastSuccessAt).toBeInstanceOf(Date);
      expect(after?.lastFailureAt).toBeInstanceOf(Date);
      const stats = await Promise.all(
        ids.map((id) => store.deliveryGet({ tenantId: tenant.id, id })),
      );
      expect(stats.map((d) => d?.status)).toEqual([...statuses]);
      for (const id of ids) {
        expect(await store.attemptList({ tenantId: tenant.id, deliveryId: id })).toHaveLength(1);
      }
    });

    it('disables once when outcomes recorded together cross the threshold', async () => {
      const ep = await newEndpoint({ disableAfterFailures: 2 });
      await dispatch(ep, [dlv(1), dlv(2), dlv(3)], 3);
      const ids = (await claim()).map((c) => c.delivery.id);
      const results = await Promise.all(ids.map((id) => complete(id, 'failed')));
      expect(results.filter((r) => r.disabled)).toHaveLength(1);
      expect(results.at(-1)?.endpoint).toMatchObject({
        active: false,
        disabledReason: 'consecutive_failures',
        consecutiveFailures: 3,
      });
    });

    it('disables at once when asked (410) and by failing duration', async () => {
      const ep = await newEndpoint({ disableAfterFailures: null, disableAfterMs: 1 });
      await dispatch(ep, [dlv(1), dlv(2)], 2);
      const [a, b] = await claim();
      const r = await complete(a?.delivery.id as string, 'retrying', { disable: 'gone' });
      expect(r.endpoint).toMatchObject({ active: false, disabledReason: 'gone' });
      await store.endpointSetActive({
        tenantId: tenant.id,
        id: ep.id,
        active: true,
        reason: null,
        now: new Date(),
      });
      // One failed attempt after the streak restarted, 10 ms later: failing for ≥ 1 ms.
      const r2 = await complete(b?.delivery.id as string, 'retrying', {
        now: new Date(Date.now() + 10),
      });
      expect(r2).toMatchObject({ disabled: true });
      expect(r2.endpoint).toMatchObject({ active: false, disabledReason: 'failing_duration' });
    });

    it('retries finished deliveries manually and in bulk', async () => {
      const ep = await newEndpoint({ disableAfterFailures: null });
      await dispatch(ep, [dlv(1), dlv(2)], 2);
      const claimed = await claim();
      for (const c of claimed) await complete(c.delivery.id, 'failed');
      const one = claimed[0]?.delivery.id as string;
      const retried = await store.deliveryRetry({ tenantId: tenant.id, id: one, now: new Date() });
      expect(retried).toMatchObject({ status: 'pending', attemptCount: 0 });
      const n = await store.deliveryRetryFailed({
        tenantId: tenant.id,
        endpointId: ep.id,
        since: new Date(Date.now() - 60_000),
        until: null,
        now: new Date(),
      });
      expect(n).toBe(1);
      expect(await store.deliveryNextDueAt()).toBeInstanceOf(Date);
      expect(await claim()).toHaveLength(2);
    });

    it('gives test deliveries to disabled endpoints without touching health', async () => {
      const ep = await newEndpoint({ active: false });
      await store.deliveryInsert({
        tenantId: tenant.id,
        endpointId: ep.id,
        deliveries: [{ ...dlv(0, '__test__'), kind: 'test', payload: [{ object: 'event' }] }],
        now: new Date(),
      });
      const [t] = await claim();
      expect(t?.delivery).toMatchObject({ kind: 'test', payload: [{ object: 'event' }] });
      const r = await complete(t?.delivery.id as string, 'failed');
      expect(r.endpoint?.consecutiveFailures).toBe(0);
      expect(await store.deliveryCountOpen({ tenantId: tenant.id, endpointId: ep.id })).toBe(0);
    });

    it('deletes finished deliveries and their attempts by finish time, in chunks, never open ones', async () => {
      const hour = 3_600_000;
      const now = Date.now();
      const ep = await newEndpoint({ disableAfterFailures: null, maxConcurrency: 10 });
      const other = await store.tenantEnsure({ name: 'other' });
      const otherEp = await store.endpointCreate({
        tenantId: other.id,
        config: config(),
        secret: SECRET,
        dispatchCursor: 0,
      });
      // Everything was created two days ago; what differs is when (and whether) it finished.
      const created = new Date(now - 48 * hour);
      const insert = (tenantId: string, endpointId: string, seqs: number[], at = created) =>
        store.deliveryInsert({
          tenantId,
          endpointId,
          deliveries: seqs.map((n) => dlv(n)),
          now: at,
        });
      const mine = await insert(tenant.id, ep.id, [1, 2, 3, 4, 5]);
      const theirs = await insert(other.id, otherEp.id, [1]);
      expect(await claim({ now: created, limit: 10 })).toHaveLength(6);
      const pending = await insert(tenant.id, ep.id, [6], new Date(created.getTime() + 1));
      const finish = (
        tenantId: string,
        id: string,
        status: 'succeeded' | 'retrying' | 'failed',
        at: number,
      ) =>
        store.deliveryComplete({
          tenantId,
          deliveryId: id,
          owner,
          now: new Date(at),
          attempt: { ...attempt(status === 'succeeded' ? 200 : 500), attemptedAt: new Date(at) },
          status,
          nextAttemptAt: status === 'retrying' ? new Date(now + 24 * hour) : null,
          disable: null,
        });
      const [d1, d2, d3, d4, d5, d6] = [...mine, ...pending].map((d) => d.id);
      await finish(tenant.id, d1 as string, 'succeeded', now - 30 * hour);
      await finish(tenant.id, d2 as string, 'failed', now - 29 * hour);
      await finish(other.id, theirs[0]?.id as string, 'succeeded', now - 28 * hour);
      // Created as long ago as the others but finished only now: kept.
      await finish(tenant.id, d3 as string, 'succeeded', now);
      // Open, and as old as the finished ones: retrying, in flight (d5), pending (d6).
      await finish(tenant.id, d4 as string, 'retrying', now - 30 * hour);

      const horizon = new Date(now - 24 * hour);
      const drop = (limit: number) =>
        store.deliveryDeleteFinishedBefore({ before: horizon, limit });
      const get = (tenantId: string, id: string) => store.deliveryGet({ tenantId, id });
      expect(await drop(2)).toBe(2);
      // Oldest finished first, across tenants: the other tenant's finished last.
      expect(await get(other.id, theirs[0]?.id as string)).not.toBeNull();
      expect(await drop(2)).toBe(1);
      expect(await drop(2)).toBe(0);

      expect(await get(tenant.id, d1 as string)).toBeNull();
      expect(await get(tenant.id, d2 as string)).toBeNull();
      expect(await get(other.id, theirs[0]?.id as string)).toBeNull();
      expect(await store.attemptList({ tenantId: tenant.id, deliveryId: d1 as string })).toEqual(
        [],
      );
      expect(await store.attemptList({ tenantId: tenant.id, deliveryId: d2 as string })).toEqual(
        [],
      );
      const kept = await store.deliveryList({
        tenantId: tenant.id,
        endpointId: ep.id,
        status: null,
        after: null,
        limit: 10,
      });
      expect(Object.fromEntries(kept.map((d) => [d.id, d.status]))).toEqual({
        [d3 as string]: 'succeeded',
        [d4 as string]: 'retrying',
        [d5 as string]: 'in_flight',
        [d6 as string]: 'pending',
      });
      expect(
        await store.attemptList({ tenantId: tenant.id, deliveryId: d4 as string }),
      ).toHaveLength(1);
      // A cursor naming a deleted delivery still pages: it is only a bound.
      const page = await store.deliveryList({
        tenantId: tenant.id,
        endpointId: ep.id,
        status: null,
        after: d2 as string,
        limit: 10,
      });
      expect(page).toEqual([]);
      // Past every finish time, only the open deliveries remain.
      expect(
        await store.deliveryDeleteFinishedBefore({ before: new Date(now + 1), limit: 10 }),
      ).toBe(1);
      expect(await store.deliveryCountOpen({ tenantId: tenant.id, endpointId: ep.id })).toBe(3);
    });

    it('reads events by id and the tenant head', async () => {
      expect(await store.eventHead({ tenantId: tenant.id })).toBe(0);
      const appended = await store.eventAppend({
        tenantId: tenant.id,
        events: [ev('a.b'), ev('a.c', 'o')],
      });
      expect(await store.eventHead({ tenantId: tenant.id })).toBe(2);
      const ids = appended.map((a) => a.event.id);
      const got = await store.eventListByIds({
        tenantId: tenant.id,
        ids: [ids[1] as string, ids[0] as string, 'nope'],
      });
      expect(got.map((e) => e.sequence)).toEqual([1, 2]);
      expect(got[1]).toEqual(appended[1]?.event);
    });
  });
}
