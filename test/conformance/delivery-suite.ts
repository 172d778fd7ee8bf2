// Conformance of the DeliveryStore part of Store (src/store/delivery-store.ts).
// Every backend runs it unchanged: sqlite.test.ts and postgres.test.ts call
// describeDeliveryStore. Delivery rules are not the store's: where a test
// needs one (the health fold), it applies the domain rule and checks that
// both stores persist the same result.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type DeliveryStatus,
  eventDeliveryId,
  type NewAttempt,
  type NewDelivery,
  newDeliveryId,
} from '../../src/domain/delivery.ts';
import type { EndpointConfig, EndpointRow } from '../../src/domain/endpoint.ts';
import type { NewEvent } from '../../src/domain/event.ts';
import { type FoldedOutcome, foldOutcomes } from '../../src/domain/health-fold.ts';
import { ENDPOINT_DEFAULTS } from '../../src/services/delivery/endpoint-config.ts';
import type { DeliveryWrite } from '../../src/store/delivery-store.ts';
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
const queued = (seq: number, orderKey = ''): NewDelivery & { id: string } => ({
  id: newDeliveryId(),
  kind: 'event',
  firstSequence: seq,
  lastSequence: seq,
  firstPosition: seq,
  lastPosition: seq,
  eventIds: [`event_${String(seq).padStart(26, '0')}`],
  payload: null,
  orderKey,
});
const attempt = (status: number | null, at = new Date()): NewAttempt => ({
  attemptedAt: at,
  requestHeaders: { 'webhook-id': 'x', authorization: '[redacted]' },
  responseStatus: status,
  responseBody: status === null ? null : 'ok',
  latencyMs: 12,
  error: status === null ? 'ECONNREFUSED' : null,
});

/**
 * The health rule over outcome sequences: each row is folded by the domain
 * rule in the order the outcomes happened and persisted in one group commit;
 * both stores must end in the same state.
 */
const OUTCOME_TABLE: {
  name: string;
  cfg: Partial<EndpointConfig>;
  outcomes: ('ok' | 'retry' | 'gave_up' | 'gone')[];
  expect: { active: boolean; reason: string | null; failures: number; failing: boolean };
}[] = [
  {
    name: 'failed, failed, succeeded with failures: 2 disables (at the second failure)',
    cfg: { disableAfterFailures: 2 },
    outcomes: ['gave_up', 'gave_up', 'ok'],
    expect: { active: false, reason: 'consecutive_failures', failures: 0, failing: false },
  },
  {
    name: 'a success between failures resets the streak',
    cfg: { disableAfterFailures: 2 },
    outcomes: ['gave_up', 'ok', 'gave_up'],
    expect: { active: true, reason: null, failures: 1, failing: true },
  },
  {
    name: 'retries do not count as given-up deliveries',
    cfg: { disableAfterFailures: 1 },
    outcomes: ['retry', 'retry', 'retry'],
    expect: { active: true, reason: null, failures: 0, failing: true },
  },
  {
    name: '410 Gone disables at once',
    cfg: { disableAfterFailures: null },
    outcomes: ['ok', 'gone'],
    expect: { active: false, reason: 'gone', failures: 0, failing: true },
  },
  {
    name: 'no threshold: failures accumulate, endpoint stays active',
    cfg: { disableAfterFailures: null, disableAfterMs: null },
    outcomes: ['gave_up', 'gave_up', 'gave_up'],
    expect: { active: true, reason: null, failures: 3, failing: true },
  },
  {
    name: 'failing for longer than disable_after.duration disables',
    cfg: { disableAfterFailures: null, disableAfterMs: 1 },
    outcomes: ['retry', 'retry'],
    expect: { active: false, reason: 'failing_duration', failures: 0, failing: true },
  },
];

export function describeDeliveryStore(factory: StoreFactory): void {
  describe(`DeliveryStore conformance: ${factory.name}`, () => {
    let store: Store;
    let tenant: TenantRow;
    const worker = 'worker-a';
    const newEndpoint = (extra: Partial<EndpointConfig> = {}, cursor = 0) =>
      store.endpointCreate({
        tenantId: tenant.id,
        config: config(extra),
        secret: SECRET,
        cursor,
      });
    const acquire = (ids: string[], who = worker, force = false) =>
      store.endpointAcquire({
        workerId: who,
        ids,
        now: new Date(),
        until: new Date(Date.now() + 10_000),
        force,
      });
    const write = (
      ep: EndpointRow,
      id: string,
      status: DeliveryStatus,
      extra: Partial<DeliveryWrite> = {},
    ): DeliveryWrite => ({
      id,
      tenantId: ep.tenantId,
      endpointId: ep.id,
      kind: 'event',
      firstSequence: 1,
      lastSequence: 1,
      firstPosition: 1,
      lastPosition: 1,
      eventIds: ['event_1'],
      payload: null,
      orderKey: '',
      status,
      attemptCount: 1,
      nextAttemptAt: status === 'retrying' ? new Date(Date.now() + 60_000) : null,
      createdAt: new Date(),
      ...extra,
    });
    const attemptOf = (ep: EndpointRow, id: string, ok: boolean, at = new Date()) => ({
      ...attempt(ok ? 200 : 500, at),
      deliveryId: id,
      tenantId: ep.tenantId,
      endpointId: ep.id,
      kind: 'event' as const,
      succeeded: ok,
    });
    const get = async (id: string) =>
      (await store.endpointGet({ tenantId: tenant.id, id })) as EndpointRow;

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
        cursor: 7,
        cursorPosition: 0,
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
        cursor: 7,
      });
      expect(upd?.stateVersion).toBeGreaterThan(a.stateVersion);
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
      expect(rot?.stateVersion).toBeGreaterThan(upd?.stateVersion ?? 0);
      expect(await store.endpointDelete({ tenantId: other.id, id: a.id })).toBe(false);
      expect(await store.endpointDelete({ tenantId: tenant.id, id: a.id })).toBe(true);
      expect(await store.endpointGet({ tenantId: tenant.id, id: a.id })).toBeNull();
    });

    it('gives an endpoint to one worker at a time, and to another once its time has run out', async () => {
      const ep = await newEndpoint();
      expect((await acquire([ep.id], 'w1')).map((r) => r.id)).toEqual([ep.id]);
      expect(await acquire([ep.id], 'w2')).toEqual([]);
      expect((await store.endpointOwnershipList()).find((o) => o.id === ep.id)).toMatchObject({
        ownerId: 'w1',
      });
      // w1's heartbeat lapses: its ownership ran out at `until`.
      await store.endpointAcquire({
        workerId: 'w1',
        ids: [ep.id],
        now: new Date(),
        until: new Date(Date.now() - 1),
        force: false,
      });
      expect((await acquire([ep.id], 'w2')).map((r) => r.id)).toEqual([ep.id]);
      // A forced take (SQLite's single process at start) ignores the owner.
      expect((await acquire([ep.id], 'w3', true)).map((r) => r.id)).toEqual([ep.id]);
      await store.endpointRelease({ workerId: 'w3', ids: null });
      expect((await store.endpointOwnershipList())[0]?.ownerId).toBeNull();
    });

    it('heartbeats extend a worker ownerships and list the live workers', async () => {
      const ep = await newEndpoint();
      await acquire([ep.id], 'w1');
      const now = Date.now();
      expect(
        await store.workerHeartbeat({
          workerId: 'w2',
          now: new Date(now),
          until: new Date(now + 5_000),
        }),
      ).toEqual(['w2']);
      const live = await store.workerHeartbeat({
        workerId: 'w1',
        now: new Date(now),
        until: new Date(now + 60_000),
      });
      expect(live).toEqual(['w1', 'w2']);
      const own = (await store.endpointOwnershipList())[0];
      expect(own?.ownerUntil?.getTime()).toBe(now + 60_000);
      await store.workerRemove({ workerId: 'w2' });
      expect(
        await store.workerHeartbeat({
          workerId: 'w1',
          now: new Date(now),
          until: new Date(now + 60_000),
        }),
      ).toEqual(['w1']);
    });

    it('commits outcomes as a group: delivery rows upserted, attempts, cursor while owned', async () => {
      const ep = await newEndpoint();
      await acquire([ep.id]);
      const id = eventDeliveryId(ep.id, 'event_01J0000000000000000000000A', 1);
      const r1 = await store.deliveryCommit({
        workerId: worker,
        now: new Date(),
        endpoints: [
          {
            id: ep.id,
            cursor: { sequence: 3, position: 2 },
            health: null,
            healthEpoch: ep.healthEpoch,
            disable: null,
          },
        ],
        deliveries: [write(ep, id, 'retrying')],
        attempts: [attemptOf(ep, id, false)],
      });
      expect(r1).toEqual({ lost: [], disabled: [] });
      expect(await get(ep.id)).toMatchObject({ cursor: 3, cursorPosition: 2 });
      expect(
        await store.deliveryListOpen({ tenantId: tenant.id, endpointId: ep.id, limit: 10 }),
      ).toHaveLength(1);
      // The same delivery again: the row is updated, created_at kept, attempts appended.
      const before = await store.deliveryGet({ tenantId: tenant.id, id });
      await store.deliveryCommit({
        workerId: worker,
        now: new Date(),
        endpoints: [],
        deliveries: [write(ep, id, 'succeeded', { attemptCount: 2, createdAt: new Date(0) })],
        attempts: [attemptOf(ep, id, true)],
      });
      const after = await store.deliveryGet({ tenantId: tenant.id, id });
      expect(after).toMatchObject({ status: 'succeeded', attemptCount: 2, nextAttemptAt: null });
      expect(after?.createdAt).toEqual(before?.createdAt);
      expect(await store.attemptList({ tenantId: tenant.id, deliveryId: id })).toHaveLength(2);
      expect(
        await store.deliveryListOpen({ tenantId: tenant.id, endpointId: ep.id, limit: 10 }),
      ).toEqual([]);

      // Another worker took the endpoint: this one's cursor is not written, and it is told.
      await acquire([ep.id], 'w2', true);
      const r2 = await store.deliveryCommit({
        workerId: worker,
        now: new Date(),
        endpoints: [
          {
            id: ep.id,
            cursor: { sequence: 9, position: 9 },
            health: null,
            healthEpoch: ep.healthEpoch,
            disable: null,
          },
        ],
        deliveries: [],
        attempts: [],
      });
      expect(r2.lost).toEqual([ep.id]);
      expect((await get(ep.id)).cursor).toBe(3);
    });

    it('drops the rows of an endpoint deleted meanwhile, and commits the rest', async () => {
      const a = await newEndpoint();
      const b = await newEndpoint();
      await acquire([a.id, b.id]);
      await store.endpointDelete({ tenantId: tenant.id, id: a.id });
      const r = await store.deliveryCommit({
        workerId: worker,
        now: new Date(),
        endpoints: [
          {
            id: a.id,
            cursor: { sequence: 1, position: 1 },
            health: null,
            healthEpoch: 0,
            disable: null,
          },
          {
            id: b.id,
            cursor: { sequence: 1, position: 1 },
            health: null,
            healthEpoch: 0,
            disable: null,
          },
        ],
        deliveries: [write(a, 'dlv_a', 'succeeded'), write(b, 'dlv_b', 'succeeded')],
        attempts: [attemptOf(a, 'dlv_a', true), attemptOf(b, 'dlv_b', true)],
      });
      expect(r.lost).toEqual([a.id]);
      expect(await store.deliveryGet({ tenantId: tenant.id, id: 'dlv_a' })).toBeNull();
      expect(await store.deliveryGet({ tenantId: tenant.id, id: 'dlv_b' })).not.toBeNull();
    });

    describe('outcome sequences: the health rule, applied in order, persisted alike', () => {
      for (const row of OUTCOME_TABLE) {
        it(row.name, async () => {
          const ep = await newEndpoint(row.cfg);
          await acquire([ep.id]);
          const t0 = Date.now() - 1_000;
          const outcomes: FoldedOutcome[] = row.outcomes.map((o, i) => ({
            status: o === 'ok' ? 'succeeded' : o === 'gave_up' ? 'failed' : 'retrying',
            attemptedAt: new Date(t0 + i * 10),
            at: new Date(t0 + i * 10 + 5),
            disable: o === 'gone' ? 'gone' : null,
          }));
          const folded = foldOutcomes(ep, ep, outcomes);
          const ids = outcomes.map(() => newDeliveryId());
          const r = await store.deliveryCommit({
            workerId: worker,
            now: new Date(),
            endpoints: [
              {
                id: ep.id,
                cursor: { sequence: outcomes.length, position: outcomes.length },
                health: folded.state,
                healthEpoch: ep.healthEpoch,
                disable: folded.disabled,
              },
            ],
            deliveries: outcomes.map((o, i) => write(ep, ids[i] as string, o.status)),
            attempts: outcomes.map((o, i) =>
              attemptOf(ep, ids[i] as string, o.status === 'succeeded', o.attemptedAt),
            ),
          });
          const got = await get(ep.id);
          expect({
            active: got.active,
            reason: got.disabledReason,
            failures: got.consecutiveFailures,
            failing: got.failingSince !== null,
          }).toEqual(row.expect);
          expect(r.disabled).toEqual(row.expect.active ? [] : [ep.id]);
        });
      }

      it('drops a health write made for an older health epoch (the endpoint was enabled meanwhile)', async () => {
        const ep = await newEndpoint({ disableAfterFailures: 1 });
        await acquire([ep.id]);
        await store.endpointSetActive({
          tenantId: tenant.id,
          id: ep.id,
          active: false,
          reason: 'manual',
          now: new Date(),
        });
        const enabled = await store.endpointSetActive({
          tenantId: tenant.id,
          id: ep.id,
          active: true,
          reason: null,
          now: new Date(),
        });
        expect(enabled?.healthEpoch).toBe(ep.healthEpoch + 1);
        const r = await store.deliveryCommit({
          workerId: worker,
          now: new Date(),
          endpoints: [
            {
              id: ep.id,
              cursor: null,
              health: { ...ep, consecutiveFailures: 5 },
              healthEpoch: ep.healthEpoch,
              disable: 'consecutive_failures',
            },
          ],
          deliveries: [],
          attempts: [],
        });
        expect(r.disabled).toEqual([]);
        expect(await get(ep.id)).toMatchObject({ active: true, consecutiveFailures: 0 });
      });
    });

    it('queues deliveries for the owner, retries finished ones manually and in bulk', async () => {
      const ep = await newEndpoint({ disableAfterFailures: null });
      const [a, b] = await store.deliveryInsert({
        tenantId: tenant.id,
        endpointId: ep.id,
        deliveries: [queued(1), queued(2)],
        now: new Date(),
      });
      expect(a).toMatchObject({ status: 'pending', attemptCount: 0, firstPosition: 1 });
      const v1 = (await get(ep.id)).stateVersion;
      expect(v1).toBeGreaterThan(ep.stateVersion);
      expect(await store.deliveryCountOpen({ tenantId: tenant.id, endpointId: ep.id })).toBe(2);
      await acquire([ep.id]);
      await store.deliveryCommit({
        workerId: worker,
        now: new Date(),
        endpoints: [],
        deliveries: [a, b].map((d) =>
          write(ep, d?.id as string, 'failed', { createdAt: d?.createdAt as Date }),
        ),
        attempts: [],
      });
      expect(await store.deliveryCountOpen({ tenantId: tenant.id, endpointId: ep.id })).toBe(0);
      const retried = await store.deliveryRetry({
        tenantId: tenant.id,
        id: a?.id as string,
        now: new Date(),
      });
      expect(retried).toMatchObject({ status: 'pending', attemptCount: 0 });
      expect((await get(ep.id)).stateVersion).toBeGreaterThan(v1);
      const n = await store.deliveryRetryFailed({
        tenantId: tenant.id,
        endpointId: ep.id,
        since: new Date(Date.now() - 60_000),
        until: null,
        now: new Date(),
      });
      expect(n).toBe(1);
      const open = await store.deliveryListOpen({
        tenantId: tenant.id,
        endpointId: ep.id,
        limit: 10,
      });
      expect(open.map((d) => d.firstSequence)).toEqual([1, 2]);
      const covering = await store.deliveryListCovering({
        tenantId: tenant.id,
        endpointId: ep.id,
        fromSequence: 2,
        toSequence: 2,
      });
      expect(covering.map((d) => d.id)).toEqual([b?.id]);
    });

    it('deletes finished deliveries and their attempts by finish time, in chunks, never open ones', async () => {
      const hour = 3_600_000;
      const now = Date.now();
      const ep = await newEndpoint({ disableAfterFailures: null });
      const other = await store.tenantEnsure({ name: 'other' });
      const otherEp = await store.endpointCreate({
        tenantId: other.id,
        config: config(),
        secret: SECRET,
        cursor: 0,
      });
      await acquire([ep.id, otherEp.id]);
      const finish = (e: EndpointRow, id: string, status: DeliveryStatus, at: number) =>
        store.deliveryCommit({
          workerId: worker,
          now: new Date(at),
          endpoints: [],
          deliveries: [write(e, id, status, { createdAt: new Date(now - 48 * hour) })],
          attempts: [attemptOf(e, id, status === 'succeeded', new Date(at))],
        });
      await finish(ep, 'dlv_1', 'succeeded', now - 30 * hour);
      await finish(ep, 'dlv_2', 'failed', now - 29 * hour);
      await finish(otherEp, 'dlv_o', 'succeeded', now - 28 * hour);
      // Created as long ago as the others but finished only now: kept.
      await finish(ep, 'dlv_3', 'succeeded', now);
      // Open, and as old as the finished ones.
      await finish(ep, 'dlv_4', 'retrying', now - 30 * hour);
      const [pending] = await store.deliveryInsert({
        tenantId: tenant.id,
        endpointId: ep.id,
        deliveries: [queued(6)],
        now: new Date(now - 48 * hour),
      });

      const horizon = new Date(now - 24 * hour);
      const drop = (limit: number) =>
        store.deliveryDeleteFinishedBefore({ before: horizon, limit });
      const dget = (tenantId: string, id: string) => store.deliveryGet({ tenantId, id });
      expect(await drop(2)).toBe(2);
      // Oldest finished first, across tenants: the other tenant's finished last.
      expect(await dget(other.id, 'dlv_o')).not.toBeNull();
      expect(await drop(2)).toBe(1);
      expect(await drop(2)).toBe(0);
      expect(await dget(tenant.id, 'dlv_1')).toBeNull();
      expect(await dget(tenant.id, 'dlv_2')).toBeNull();
      expect(await dget(other.id, 'dlv_o')).toBeNull();
      expect(await store.attemptList({ tenantId: tenant.id, deliveryId: 'dlv_1' })).toEqual([]);
      const kept = await store.deliveryList({
        tenantId: tenant.id,
        endpointId: ep.id,
        status: null,
        after: null,
        limit: 10,
      });
      expect(Object.fromEntries(kept.map((d) => [d.id, d.status]))).toEqual({
        dlv_3: 'succeeded',
        dlv_4: 'retrying',
        [pending?.id as string]: 'pending',
      });
      expect(await store.attemptList({ tenantId: tenant.id, deliveryId: 'dlv_4' })).toHaveLength(1);
      // A cursor naming no delivery still pages: it is only a bound (nothing sorts below dlv_0).
      const page = await store.deliveryList({
        tenantId: tenant.id,
        endpointId: ep.id,
        status: null,
        after: 'dlv_0',
        limit: 10,
      });
      expect(page).toEqual([]);
      // Past every finish time, only the open deliveries remain.
      expect(
        await store.deliveryDeleteFinishedBefore({ before: new Date(now + 1), limit: 10 }),
      ).toBe(1);
      expect(await store.deliveryCountOpen({ tenantId: tenant.id, endpointId: ep.id })).toBe(2);
    });

    it('buckets attempt statistics over time with nearest-rank percentiles, per endpoint', async () => {
      const ep = await newEndpoint();
      const other = await newEndpoint();
      await acquire([ep.id, other.id]);
      const since = new Date(Date.UTC(2026, 0, 1, 12, 0, 0));
      const at = (ms: number) => new Date(since.getTime() + ms);
      const id = eventDeliveryId(ep.id, 'event_01J0000000000000000000000B', 1);
      const timed = (e: EndpointRow, ms: number, latencyMs: number, ok: boolean) => ({
        ...attemptOf(e, e === ep ? id : 'dlv_other', ok, at(ms)),
        latencyMs,
      });
      await store.deliveryCommit({
        workerId: worker,
        now: new Date(),
        endpoints: [],
        deliveries: [
          write(ep, id, 'succeeded'),
          write(other, 'dlv_other', 'succeeded'),
          write(ep, 'dlv_test', 'succeeded', { kind: 'test' }),
        ],
        attempts: [
          // Bucket 0 (60 s wide): latencies 1..20, the first 5 failed.
          ...Array.from({ length: 20 }, (_, i) => timed(ep, i * 1000, 20 - i, i >= 15)),
          // Bucket 2: one attempt exactly on its start; bucket 3 is past the window.
          timed(ep, 120_000, 7, true),
          timed(ep, 180_000, 9, true),
          timed(ep, -1, 9, true),
          // Another endpoint's attempt and a test delivery's are not counted.
          timed(other, 1000, 500, true),
          { ...attemptOf(ep, 'dlv_test', true, at(1000)), kind: 'test' as const, latencyMs: 900 },
        ],
      });
      const rows = await store.attemptTimeline({
        tenantId: tenant.id,
        endpointId: ep.id,
        since,
        bucketMs: 60_000,
        buckets: 3,
      });
      expect(rows).toEqual([
        { index: 0, total: 20, succeeded: 5, p50: 10, p95: 19, p99: 20 },
        { index: 2, total: 1, succeeded: 1, p50: 7, p95: 7, p99: 7 },
      ]);
      expect(
        await store.attemptTimeline({
          tenantId: 'another-tenant',
          endpointId: ep.id,
          since,
          bucketMs: 60_000,
          buckets: 3,
        }),
      ).toEqual([]);
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

    it('reports the backlog of each endpoint: events after the cursor and open event deliveries', async () => {
      const appended = await store.eventAppend({
        tenantId: tenant.id,
        events: [ev('a.b'), ev('a.c'), ev('a.d')],
      });
      const behind = await newEndpoint({}, 1);
      const caughtUp = await newEndpoint({}, 3);
      const other = await store.tenantEnsure({ name: 'backlog-other' });
      const empty = await store.endpointCreate({
        tenantId: other.id,
        config: config(),
        secret: SECRET,
        cursor: 0,
      });
      const before = Date.now();
      await store.deliveryInsert({
        tenantId: tenant.id,
        endpointId: caughtUp.id,
        deliveries: [queued(1), queued(2), { ...queued(0), kind: 'test', orderKey: '__test__' }],
        now: new Date(),
      });
      await store.endpointSetActive({
        tenantId: tenant.id,
        id: caughtUp.id,
        active: false,
        reason: 'manual',
        now: new Date(),
      });
      const rows = await store.deliveryBacklog({
        endpointIds: [behind.id, caughtUp.id, empty.id, 'ep_missing'],
      });
      const by = new Map(rows.map((r) => [r.endpointId, r]));
      expect(rows).toHaveLength(3);
      expect(by.get(behind.id)).toMatchObject({
        tenantId: tenant.id,
        active: true,
        undispatchedEvents: 2,
        nextEventAt: appended[1]?.event.createdAt,
        openDeliveries: 0,
        oldestOpenAt: null,
      });
      const stuck = by.get(caughtUp.id);
      expect(stuck).toMatchObject({
        active: false,
        undispatchedEvents: 0,
        nextEventAt: null,
        openDeliveries: 2,
      });
      expect(stuck?.oldestOpenAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(by.get(empty.id)).toMatchObject({
        tenantId: other.id,
        undispatchedEvents: 0,
        nextEventAt: null,
        openDeliveries: 0,
      });
      expect(await store.deliveryBacklog({ endpointIds: [] })).toEqual([]);
    });
  });
}
