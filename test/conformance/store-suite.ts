// The one storage conformance suite. Every Store implementation runs it
// unchanged (sqlite.test.ts, postgres.test.ts). A change to src/store/store.ts
// comes with a change here.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/domain/event.ts';
import type { EventListParams, Store, TenantRow } from '../../src/store/store.ts';

export interface StoreFactory {
  name: string;
  /** A fresh, empty, migrated store that shares nothing with other tests. */
  open(): Promise<Store>;
}

function ev(
  type: string,
  data: Record<string, unknown> = {},
  extra: Partial<NewEvent> = {},
): NewEvent {
  return { type, data, organizationId: null, idempotencyKey: null, ...extra };
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

export function describeStore(factory: StoreFactory): void {
  describe(`Store conformance: ${factory.name}`, () => {
    let store: Store;
    let tenant: TenantRow;

    beforeEach(async () => {
      store = await factory.open();
      tenant = await store.tenantEnsure({ name: 'default' });
    });
    afterEach(async () => {
      await store.close();
    });

    describe('migrations', () => {
      it('leaves nothing pending and is idempotent', async () => {
        const first = await store.migrationStatus();
        expect(first.pending).toEqual([]);
        expect(first.applied.length).toBeGreaterThan(0);
        const again = await store.migrate();
        expect(again).toEqual(first);
      });
    });

    describe('tenants', () => {
      it('creates a tenant once and returns the same row afterwards', async () => {
        const again = await store.tenantEnsure({ name: 'default' });
        expect(again.id).toBe(tenant.id);
        const other = await store.tenantEnsure({ name: 'staging' });
        expect(other.id).not.toBe(tenant.id);
        expect((await store.tenantGetByName({ name: 'staging' }))?.id).toBe(other.id);
        expect(await store.tenantGetByName({ name: 'missing' })).toBeNull();
      });
    });

    describe('api keys', () => {
      it('finds an active key by hash, lists it, and forgets it once revoked', async () => {
        const key = await store.apiKeyCreate({
          tenantId: tenant.id,
          name: 'ci',
          hash: 'h1',
          hint: 'sk…abcd',
          admin: false,
          scopes: ['events:read', 'endpoints:manage'],
        });
        expect(key).toMatchObject({
          tenantId: tenant.id,
          tenantName: 'default',
          name: 'ci',
          admin: false,
          scopes: ['events:read', 'endpoints:manage'],
        });
        expect((await store.apiKeyGetByHash({ hash: 'h1' }))?.id).toBe(key.id);
        expect(await store.apiKeyGetByHash({ hash: 'nope' })).toBeNull();
        const other = await store.tenantEnsure({ name: 'other' });
        await store.apiKeyCreate({
          tenantId: other.id,
          name: 'x',
          hash: 'h2',
          hint: 'h',
          admin: true,
          scopes: ['admin'],
        });
        expect((await store.apiKeyList({ tenantId: tenant.id })).map((k) => k.id)).toEqual([
          key.id,
        ]);
        expect(await store.apiKeyList({ tenantId: null })).toHaveLength(2);
        expect(await store.apiKeyRevoke({ id: key.id })).toBe(true);
        expect(await store.apiKeyRevoke({ id: key.id })).toBe(false);
        expect(await store.apiKeyGetByHash({ hash: 'h1' })).toBeNull();
        const listed = await store.apiKeyList({ tenantId: tenant.id });
        expect(listed[0]?.revokedAt).toBeInstanceOf(Date);
      });

      it('lists revocations from a point in time, so every process can learn of them', async () => {
        const since = new Date(Date.now() - 60_000);
        const a = await store.apiKeyCreate({
          tenantId: tenant.id,
          name: 'a',
          hash: 'ra',
          hint: 'h',
          admin: false,
          scopes: ['events:read'],
        });
        await store.apiKeyCreate({
          tenantId: tenant.id,
          name: 'b',
          hash: 'rb',
          hint: 'h',
          admin: false,
          scopes: ['events:read'],
        });
        expect(await store.apiKeyRevokedSince({ since })).toEqual([]);
        const heard: string[] = [];
        const off = store.onApiKeyRevoked((id) => heard.push(id));
        await store.apiKeyRevoke({ id: a.id });
        await store.apiKeyRevoke({ id: a.id });
        off();
        expect(heard).toEqual([a.id]);
        const revoked = await store.apiKeyRevokedSince({ since });
        expect(revoked.map((r) => r.id)).toEqual([a.id]);
        expect(revoked[0]?.revokedAt).toBeInstanceOf(Date);
        const later = new Date((revoked[0]?.revokedAt.getTime() ?? 0) + 1);
        expect(await store.apiKeyRevokedSince({ since: later })).toEqual([]);
      });
    });

    describe('inbound sources', () => {
      const config = {
        name: 'Stripe',
        scheme: 'stripe' as const,
        secret: 's1',
        typePrefix: 'stripe.',
      };

      it('creates, reads, lists by id, changes and deletes a source within its tenant', async () => {
        const a = await store.sourceCreate({ tenantId: tenant.id, ...config });
        expect(a).toMatchObject({ tenantId: tenant.id, ...config });
        expect(a.id).toMatch(/^src_/);
        expect(a.createdAt).toBeInstanceOf(Date);
        const b = await store.sourceCreate({ tenantId: tenant.id, ...config, name: 'GitHub' });
        expect(await store.sourceGet({ tenantId: tenant.id, id: a.id })).toEqual(a);
        expect(await store.sourceGetById({ id: a.id })).toEqual(a);
        const page1 = await store.sourceList({ tenantId: tenant.id, after: null, limit: 1 });
        const page2 = await store.sourceList({
          tenantId: tenant.id,
          after: page1[0]?.id ?? null,
          limit: 5,
        });
        expect([...page1, ...page2].map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
        const changed = await store.sourceUpdate({
          tenantId: tenant.id,
          id: a.id,
          changes: { secret: 's2', typePrefix: 'pay.' },
        });
        expect(changed).toMatchObject({
          name: 'Stripe',
          scheme: 'stripe',
          secret: 's2',
          typePrefix: 'pay.',
        });
        expect(changed?.updatedAt.getTime()).toBeGreaterThanOrEqual(a.updatedAt.getTime());
        expect(await store.sourceDelete({ tenantId: tenant.id, id: a.id })).toBe(true);
        expect(await store.sourceDelete({ tenantId: tenant.id, id: a.id })).toBe(false);
        expect(await store.sourceGetById({ id: a.id })).toBeNull();
      });

      it("never shows or changes another tenant's source", async () => {
        const other = await store.tenantEnsure({ name: 'other' });
        const a = await store.sourceCreate({ tenantId: tenant.id, ...config });
        expect(await store.sourceGet({ tenantId: other.id, id: a.id })).toBeNull();
        expect(await store.sourceList({ tenantId: other.id, after: null, limit: 10 })).toEqual([]);
        expect(
          await store.sourceUpdate({ tenantId: other.id, id: a.id, changes: { name: 'x' } }),
        ).toBeNull();
        expect(await store.sourceDelete({ tenantId: other.id, id: a.id })).toBe(false);
        expect((await store.sourceGet({ tenantId: tenant.id, id: a.id }))?.name).toBe('Stripe');
      });
    });

    describe('events', () => {
      it('assigns gap-free sequences from 1 and ids that sort in sequence order', async () => {
        const a = await store.eventAppend({ tenantId: tenant.id, events: [ev('a.b'), ev('a.c')] });
        const b = await store.eventAppend({ tenantId: tenant.id, events: [ev('a.d')] });
        const all = [...a, ...b].map((x) => x.event);
        expect(all.map((e) => e.sequence)).toEqual([1, 2, 3]);
        const ids = all.map((e) => e.id);
        expect([...ids].sort()).toEqual(ids);
        expect(new Set(ids).size).toBe(3);
        for (const id of ids) expect(id).toMatch(/^event_[0-9A-Z]{26}$/);
        const times = all.map((e) => e.createdAt.getTime());
        expect([...times].sort((x, y) => x - y)).toEqual(times);
      });

      it('keeps a separate sequence per tenant', async () => {
        const other = await store.tenantEnsure({ name: 'other' });
        await store.eventAppend({ tenantId: tenant.id, events: [ev('a.b'), ev('a.b')] });
        const [o] = await store.eventAppend({ tenantId: other.id, events: [ev('a.b')] });
        expect(o?.event.sequence).toBe(1);
      });

      it('stores data exactly, including key order and nesting', async () => {
        const data = { z: 1, a: { y: [1, 'two', null, true], b: 'ü' }, m: 1.5 };
        const [stored] = await store.eventAppend({
          tenantId: tenant.id,
          events: [ev('a.b', data)],
        });
        const [read] = await store.eventList({ ...listAll, tenantId: tenant.id });
        expect(JSON.stringify(read?.data)).toBe(JSON.stringify(data));
        expect(read).toEqual(stored?.event);
      });

      it("stores each event's log level, or none, and reads it back on every path", async () => {
        const appended = await store.eventAppend({
          tenantId: tenant.id,
          events: [
            ev('f', {}, { level: 3 }),
            ev('s'),
            ev('fp', {}, { level: 0, idempotencyKey: 'k' }),
          ],
        });
        expect(appended.map((a) => a.event.level)).toEqual([3, null, 0]);
        const listed = await store.eventList({ ...listAll, tenantId: tenant.id });
        expect(listed.map((e) => e.level)).toEqual([3, null, 0]);
        const byId = await store.eventGetById({
          tenantId: tenant.id,
          id: appended[0]?.event.id ?? '',
        });
        expect(byId?.level).toBe(3);
        const [replay] = await store.eventAppend({
          tenantId: tenant.id,
          events: [ev('fp', {}, { idempotencyKey: 'k' })],
        });
        expect(replay?.replayed).toBe(true);
        expect(replay?.event.level).toBe(0);
      });

      it('returns the first event for a repeated idempotency key without consuming a sequence', async () => {
        const [first] = await store.eventAppend({
          tenantId: tenant.id,
          events: [ev('a.b', { n: 1 }, { idempotencyKey: 'k1' })],
        });
        const again = await store.eventAppend({
          tenantId: tenant.id,
          events: [
            ev('a.b', { n: 2 }, { idempotencyKey: 'k1' }),
            ev('a.c', {}, { idempotencyKey: 'k2' }),
            ev('a.d', {}, { idempotencyKey: 'k2' }),
          ],
        });
        expect(first?.replayed).toBe(false);
        expect(again[0]).toEqual({ event: first?.event, replayed: true });
        expect(again[1]?.event.sequence).toBe(2);
        expect(again[2]).toEqual({ event: again[1]?.event, replayed: true });
        const other = await store.tenantEnsure({ name: 'other' });
        const [o] = await store.eventAppend({
          tenantId: other.id,
          events: [ev('a.b', {}, { idempotencyKey: 'k1' })],
        });
        expect(o?.replayed).toBe(false);
      });

      it('keeps order and replays across a large batch of new, earlier and repeated keys', async () => {
        const [earlier] = await store.eventAppend({
          tenantId: tenant.id,
          events: [ev('a.b', { n: -1 }, { idempotencyKey: 'k7' })],
        });
        // 300 events: every 10th reuses an earlier key, every 7th repeats one
        // from within the batch, the rest are new or have no key at all.
        const events = Array.from({ length: 300 }, (_, i) => {
          if (i % 10 === 5) return ev('a.b', { n: i }, { idempotencyKey: 'k7' });
          if (i % 7 === 6) return ev('a.b', { n: i }, { idempotencyKey: `k${i - 6}` });
          return ev('a.b', { n: i }, { idempotencyKey: i % 2 === 0 ? `k${i}` : null });
        });
        const out = await store.eventAppend({ tenantId: tenant.id, events });
        expect(out).toHaveLength(300);
        let next = 2;
        out.forEach((a, i) => {
          const e = events[i] as NewEvent;
          const repeatsBatch = i % 7 === 6 && i % 10 !== 5 && (i - 6) % 2 === 0;
          if (e.idempotencyKey === 'k7') {
            expect(a).toEqual({ event: earlier?.event, replayed: true });
          } else if (repeatsBatch) {
            expect(a).toEqual({ event: out[i - 6]?.event, replayed: true });
          } else {
            expect(a.replayed).toBe(false);
            expect(a.event.sequence).toBe(next++);
            expect(a.event.data).toEqual({ n: i });
          }
        });
        const stored = [];
        let after: number | null = null;
        for (;;) {
          const page = await store.eventList({
            ...listAll,
            tenantId: tenant.id,
            afterSequence: after,
          });
          if (page.length === 0) break;
          stored.push(...page);
          after = page.at(-1)?.sequence ?? null;
        }
        expect(stored.map((e) => e.sequence)).toEqual(
          Array.from({ length: next - 1 }, (_, i) => i + 1),
        );
        expect(stored.slice(1)).toEqual(out.filter((a) => !a.replayed).map((a) => a.event));
      });

      it('stores nothing when an append fails part-way', async () => {
        await expect(
          store.eventAppend({ tenantId: 'tenant_does_not_exist', events: [ev('a.b'), ev('a.c')] }),
        ).rejects.toThrow();
        expect(await store.eventList({ ...listAll, tenantId: 'tenant_does_not_exist' })).toEqual(
          [],
        );
      });

      it('stores nothing of a large append that fails mid-insert, and still stores its neighbours', async () => {
        const bad = Array.from({ length: 300 }, (_, i) =>
          // A NOT NULL violation deep inside the batch, past the first INSERT statement.
          ev(i === 200 ? (null as unknown as string) : 'a.b', { i }),
        );
        // Issued together, so stores that group appends put all three in one group.
        const [before, failed, after] = await Promise.allSettled([
          store.eventAppend({ tenantId: tenant.id, events: [ev('a.c'), ev('a.d')] }),
          store.eventAppend({ tenantId: tenant.id, events: bad }),
          store.eventAppend({ tenantId: tenant.id, events: [ev('a.e')] }),
        ]);
        expect([before?.status, failed?.status, after?.status]).toEqual([
          'fulfilled',
          'rejected',
          'fulfilled',
        ]);
        const stored = await store.eventList({ ...listAll, tenantId: tenant.id });
        expect(stored.map((e) => [e.sequence, e.type])).toEqual([
          [1, 'a.c'],
          [2, 'a.d'],
          [3, 'a.e'],
        ]);
      });

      it('lists with cursor, order, limit and filters', async () => {
        await store.eventAppend({
          tenantId: tenant.id,
          events: [
            ev('user.created', { i: 1 }, { organizationId: 'org_1' }),
            ev('user.deleted', { i: 2 }),
            ev('user.created', { i: 3 }, { organizationId: 'org_2' }),
            ev('group.created', { i: 4 }, { organizationId: 'org_1' }),
          ],
        });
        const seqs = async (p: Partial<EventListParams>) =>
          (await store.eventList({ ...listAll, tenantId: tenant.id, ...p })).map((e) => e.sequence);
        expect(await seqs({})).toEqual([1, 2, 3, 4]);
        expect(await seqs({ afterSequence: 2 })).toEqual([3, 4]);
        expect(await seqs({ limit: 2 })).toEqual([1, 2]);
        expect(await seqs({ order: 'desc' })).toEqual([4, 3, 2, 1]);
        expect(await seqs({ order: 'desc', afterSequence: 3 })).toEqual([2, 1]);
        expect(await seqs({ types: ['user.created'] })).toEqual([1, 3]);
        expect(await seqs({ types: ['user.deleted', 'group.created'] })).toEqual([2, 4]);
        expect(await seqs({ organizationId: 'org_1' })).toEqual([1, 4]);
        expect(await seqs({ organizationId: 'org_1', types: ['user.created'] })).toEqual([1]);
        const all = await store.eventList({ ...listAll, tenantId: tenant.id });
        const t = all[0]?.createdAt as Date;
        expect(await seqs({ rangeStart: new Date(t.getTime() + 60_000) })).toEqual([]);
        expect(await seqs({ rangeStart: t })).toEqual([1, 2, 3, 4]);
        expect(await seqs({ rangeEnd: t })).toEqual([]);
        expect(await seqs({ rangeEnd: new Date(t.getTime() + 1) })).toEqual([1, 2, 3, 4]);
      });

      it('never shows one tenant the events of another', async () => {
        const other = await store.tenantEnsure({ name: 'other' });
        const [mine] = await store.eventAppend({ tenantId: tenant.id, events: [ev('a.b')] });
        expect(await store.eventList({ ...listAll, tenantId: other.id })).toEqual([]);
        expect(
          await store.eventGetById({ tenantId: other.id, id: mine?.event.id as string }),
        ).toBeNull();
        expect(
          (await store.eventGetById({ tenantId: tenant.id, id: mine?.event.id as string }))
            ?.sequence,
        ).toBe(1);
      });

      it('deletes events older than a time, at most limit rows per call', async () => {
        await store.eventAppend({ tenantId: tenant.id, events: [ev('a.b'), ev('a.b'), ev('a.b')] });
        const future = new Date(Date.now() + 60_000);
        expect(await store.eventDeleteBefore({ before: new Date(0), limit: 10 })).toBe(0);
        expect(await store.eventDeleteBefore({ before: future, limit: 2 })).toBe(2);
        expect(await store.eventDeleteBefore({ before: future, limit: 2 })).toBe(1);
        expect(await store.eventList({ ...listAll, tenantId: tenant.id })).toEqual([]);
        const [next] = await store.eventAppend({ tenantId: tenant.id, events: [ev('a.b')] });
        expect(next?.event.sequence).toBe(4);
      });

      it('notifies commit listeners with the tenant head after commit', async () => {
        const seen: [string, number][] = [];
        const off = store.onCommit((t, s) => seen.push([t, s]));
        await store.eventAppend({ tenantId: tenant.id, events: [ev('a.b'), ev('a.b')] });
        await waitUntil(() => seen.length > 0);
        expect(seen[0]).toEqual([tenant.id, 2]);
        const [read] = await store.eventList({ ...listAll, tenantId: tenant.id, afterSequence: 1 });
        expect(read?.sequence).toBe(2);
        off();
      });

      it('gives concurrent appenders one gap-free order that a concurrent pager reads exactly once', async () => {
        const writers = 10;
        const perWriter = 30;
        let done = false;
        const seen: number[] = [];
        const reader = (async () => {
          let after: number | null = null;
          for (;;) {
            const finished = done;
            // Yield to timers and I/O, as a real reader's network round trip would.
            await new Promise((r) => setImmediate(r));
            const page = await store.eventList({
              ...listAll,
              tenantId: tenant.id,
              afterSequence: after,
              limit: 7,
            });
            for (const e of page) seen.push(e.sequence);
            if (page.length > 0) after = page.at(-1)?.sequence ?? after;
            else if (finished) return;
          }
        })();
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < perWriter; i++) {
              await store.eventAppend({ tenantId: tenant.id, events: [ev('a.b', { w, i })] });
            }
          }),
        );
        done = true;
        await reader;
        expect(seen).toEqual(Array.from({ length: writers * perWriter }, (_, i) => i + 1));
      });
    });
  });
}

async function waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
