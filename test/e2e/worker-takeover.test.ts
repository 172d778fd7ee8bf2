// Endpoint ownership across real processes on PostgreSQL: one API process and
// two delivery workers share a schema; six endpoints are spread over both
// workers. The worker that owns the most endpoints is killed with SIGKILL
// while their deliveries are in flight. The surviving worker takes its
// endpoints over once their ownership runs out (--delivery-ownership-ttl, the
// 10 s default here), resends what was in flight, and every event reaches every
// endpoint with duplicates bounded by what was in flight at the kill.
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/services/api-keys.ts';
import { killAll, type ServeProcess, startServe } from '../fixtures/cli.ts';
import {
  dropSchema,
  newTestSchemaName,
  postgresTestsEnabled,
  postgresUrl,
  schemaQuery,
  TestPostgresStore,
} from '../fixtures/postgres.ts';
import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import { client, waitFor } from '../fixtures/test-server.ts';

const ENDPOINTS = 6;
const EVENTS = 600;
const MAX_CONCURRENCY = 4;

async function owners(schema: string): Promise<Map<string, string | null>> {
  const rows = await schemaQuery<{ id: string; owner_id: string | null }>(
    schema,
    'SELECT id, owner_id FROM endpoints ORDER BY id',
  );
  return new Map(rows.map((x) => [x.id, x.owner_id]));
}

if (await postgresTestsEnabled()) {
  describe('worker takeover on PostgreSQL (real processes)', () => {
    const schema = newTestSchemaName();
    const procs: ServeProcess[] = [];
    let rx: Receiver | null = null;
    // Shared with the second test, which goes on where the first stops.
    let serve: (role: string) => Promise<ServeProcess>;
    let a: ReturnType<typeof client>;
    let survivor: ServeProcess;
    const eps: string[] = [];
    afterAll(async () => {
      await killAll(procs);
      await rx?.close();
      await dropSchema(schema);
    });

    it("takes a killed worker's endpoints over and delivers every event", async () => {
      const setup = new TestPostgresStore({ schema, dropOnClose: false });
      await setup.migrate();
      const { key } = await createApiKey(setup, { tenant: 'default', name: 'to', admin: false });
      await setup.close();
      const common = ['--database', postgresUrl(), '--database-schema', schema];
      common.push('--allow-private-endpoints');
      serve = async (role: string) => {
        const p = await startServe([...common, '--role', role]);
        procs.push(p);
        return p;
      };
      const [api, w1, w2] = [await serve('api'), await serve('worker'), await serve('worker')];
      a = client((api as ServeProcess).url, key);
      rx = await startReceiver(() => ({ status: 200, delayMs: 20 }));
      const receiver = rx;
      for (let i = 0; i < ENDPOINTS; i++) {
        const res = await a.post('/endpoints', {
          url: `${receiver.url}/e${i}`,
          max_concurrency: MAX_CONCURRENCY,
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        eps.push(res.body.id);
      }
      // Both workers own a share (3 each) before anything is published.
      const spread = await waitFor(async () => {
        const o = await owners(schema);
        const counts = new Map<string | null, number>();
        for (const v of o.values()) counts.set(v, (counts.get(v) ?? 0) + 1);
        return counts.size === 2 && !counts.has(null) && [...counts.values()].every((n) => n === 3)
          ? o
          : null;
      }, 15_000);
      for (let i = 0; i < EVENTS; i += 200) {
        const events = Array.from({ length: 200 }, (_, k) => ({
          event: 'to.x',
          data: { i: i + k },
        }));
        expect((await a.post('/events/batch', { events })).status).toBe(201);
      }
      await waitFor(async () => receiver.requests.length >= (ENDPOINTS * EVENTS) / 10, 30_000);
      // Slow the receiver so that the victim's slots are taken at the kill.
      receiver.respond(() => ({ status: 200, delayMs: 300 }));
      await waitFor(async () => receiver.inFlight >= (ENDPOINTS * MAX_CONCURRENCY) / 2, 20_000);
      // Each worker owns three endpoints; kill one of them.
      const victim = w1 as ServeProcess;
      victim.child.kill('SIGKILL');
      await victim.exited;
      const killedAt = Date.now();
      receiver.respond(() => ({ status: 200, delayMs: 2 }));

      const byPath = (p: string) => receiver.requests.filter((r) => r.path === p);
      const seqs = (p: string) => new Set(byPath(p).map((r) => JSON.parse(r.body).sequence));
      try {
        await waitFor(async () => eps.every((_, i) => seqs(`/e${i}`).size >= EVENTS), 60_000);
      } catch (err) {
        const counts = eps.map((_, i) => seqs(`/e${i}`).size);
        const rows = await schemaQuery(
          schema,
          'SELECT id, owner_id, owner_until, dispatch_cursor, active FROM endpoints ORDER BY id',
        );
        throw new Error(
          `not every event arrived: ${JSON.stringify(counts)}\n${JSON.stringify(rows)}\n` +
            `${JSON.stringify(spread ? [...spread.entries()] : [])}\nsurvivor:\n${(w2 as ServeProcess).output().slice(-4000)}`,
          { cause: err },
        );
      }
      const after = await owners(schema);
      const survivorIds = new Set(after.values());
      // Every endpoint now has one owner: the surviving worker.
      expect(survivorIds.size).toBe(1);
      expect([...survivorIds][0]).not.toBeNull();
      const taken = [...after.entries()].filter(([id]) => spread.get(id) !== after.get(id));
      expect(taken).toHaveLength(3);
      // The first request to a taken-over endpoint after the kill came within
      // the ttl (10 s) plus a tick of the last heartbeat.
      const takenPaths = taken.map(([id]) => `/e${eps.indexOf(id)}`);
      const firstAfter = Math.min(
        ...takenPaths.map((p) => byPath(p).find((r) => r.at > killedAt + 50)?.at ?? Infinity),
      );
      expect(firstAfter - killedAt).toBeLessThan(15_000);
      let duplicates = 0;
      for (let i = 0; i < ENDPOINTS; i++) {
        const p = `/e${i}`;
        expect([...seqs(p)].sort((x, y) => x - y)).toEqual(
          Array.from({ length: EVENTS }, (_, k) => k + 1),
        );
        duplicates += byPath(p).length - EVENTS;
      }
      // In flight at the kill, or answered but not yet committed: at most two
      // windows of max_concurrency for each endpoint the victim owned.
      expect(duplicates).toBeLessThanOrEqual(2 * MAX_CONCURRENCY * 3);
      expect(receiver.maxInFlight).toBeLessThanOrEqual(ENDPOINTS * MAX_CONCURRENCY);
      expect((w2 as ServeProcess).child.exitCode).toBeNull();
      survivor = w2 as ServeProcess;
      console.log(
        `takeover: first request to a taken-over endpoint ${firstAfter - killedAt} ms after the kill;` +
          ` ${duplicates} duplicates`,
      );
    }, 120_000);

    it('rebalances when a worker joins, and hands endpoints over at once on SIGTERM', async () => {
      const receiver = rx as Receiver;
      const joined = await serve('worker');
      // The survivor owns all six; the newcomer gets its share of three.
      await waitFor(async () => {
        const counts = new Map<string | null, number>();
        for (const v of (await owners(schema)).values()) counts.set(v, (counts.get(v) ?? 0) + 1);
        return counts.size === 2 && [...counts.values()].every((n) => n === 3);
      }, 15_000);
      const before = receiver.requests.length;
      survivor.child.kill('SIGTERM');
      expect(await survivor.exited).toBe(0);
      const stoppedAt = Date.now();
      // Released on the way out: the remaining worker takes them well within the ttl (10 s).
      await waitFor(async () => new Set((await owners(schema)).values()).size === 1, 5_000);
      const tookMs = Date.now() - stoppedAt;
      const events = Array.from({ length: 50 }, (_, k) => ({ event: 'to.y', data: { k } }));
      const pub = await a.post('/events/batch', { events });
      expect(pub.status).toBe(201);
      const last = pub.body.data.at(-1).sequence as number;
      await waitFor(
        async () =>
          eps.every((_, i) =>
            receiver.requests.some(
              (r) => r.path === `/e${i}` && JSON.parse(r.body).sequence === last,
            ),
          ),
        20_000,
      );
      expect(receiver.requests.length - before).toBeGreaterThanOrEqual(eps.length * 50);
      expect(joined.child.exitCode).toBeNull();
      console.log(
        `hand-over on SIGTERM: endpoints owned by the remaining worker ${tookMs} ms after exit`,
      );
    }, 60_000);
  });
}
