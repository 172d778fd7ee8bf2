// Scale-out on PostgreSQL with real processes: two API processes and two
// delivery workers share one fresh schema. Ten publishers spread over the API
// processes publish 2,000 events while a paging reader and an SSE reader (on
// different API processes) each see every event exactly once, in sequence
// order. One worker is killed with SIGKILL mid-run (it may or may not be the
// endpoint's owner); every event still reaches the receiver at least once, and
// the receiver never sees more requests at once than the endpoint's
// max_concurrency, across all workers together. test/e2e/worker-takeover.test.ts
// kills an owner for certain.
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/services/api-keys.ts';
import { killAll, type ServeProcess, startServe } from '../fixtures/cli.ts';
import {
  dropSchema,
  newTestSchemaName,
  postgresTestsEnabled,
  postgresUrl,
  TestPostgresStore,
} from '../fixtures/postgres.ts';
import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import { openSse, type SseConnection } from '../fixtures/sse-client.ts';
import { client, waitFor } from '../fixtures/test-server.ts';

const PUBLISHERS = 10;
const PER_PUBLISHER = 200;
const TOTAL = PUBLISHERS * PER_PUBLISHER;
const MAX_CONCURRENCY = 3;
const BATCH = 10;

interface EventOut {
  id: string;
  sequence: number;
  data: { p: number; i: number };
}

if (await postgresTestsEnabled()) {
  describe('several herald processes on one PostgreSQL schema', () => {
    const schema = newTestSchemaName();
    const procs: ServeProcess[] = [];
    let rx: Receiver | null = null;
    let sse: SseConnection | null = null;
    afterAll(async () => {
      sse?.close();
      await killAll(procs);
      await rx?.close();
      await dropSchema(schema);
    });

    it(`delivers ${TOTAL} events from 10 publishers across a worker crash, in one order for every reader`, async () => {
      const started = Date.now();
      const setup = new TestPostgresStore({ schema, dropOnClose: false });
      await setup.migrate();
      const { key } = await createApiKey(setup, { tenant: 'default', name: 'mp', admin: false });
      await setup.close();

      const common = ['--database', postgresUrl(), '--database-schema', schema];
      // A short ownership ttl, so a killed owner's endpoint is taken over soon.
      common.push('--allow-private-endpoints', '--delivery-ownership-ttl', '3s');
      const serve = async (role: string) => {
        const p = await startServe([...common, '--role', role]);
        procs.push(p);
        return p;
      };
      const starting = await Promise.allSettled(['api', 'api', 'worker', 'worker'].map(serve));
      const failed = starting.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      const [api0, api1, worker0, worker1] = starting.map(
        (s) => (s as PromiseFulfilledResult<ServeProcess>).value,
      );
      const apis = [
        client((api0 as ServeProcess).url, key),
        client((api1 as ServeProcess).url, key),
      ];
      const a0 = apis[0] as ReturnType<typeof client>;

      rx = await startReceiver(() => ({ status: 200, delayMs: 2 }));
      const receiver = rx;
      const ep = await a0.post('/endpoints', {
        url: `${receiver.url}/hook`,
        max_concurrency: MAX_CONCURRENCY,
      });
      expect(ep.status, JSON.stringify(ep.body)).toBe(201);

      sse = await openSse(`${(api1 as ServeProcess).url}/events/stream`, {
        authorization: `Bearer ${key}`,
      });
      expect(sse.status).toBe(200);

      const paged: EventOut[] = [];
      const pager = (async () => {
        let after: string | null = null;
        while (paged.length < TOTAL) {
          const res = await a0.get(`/events?limit=100${after ? `&after=${after}` : ''}&wait=1`);
          expect(res.status).toBe(200);
          paged.push(...res.body.data);
          if (res.body.data.length > 0) after = res.body.list_metadata.after;
        }
      })();

      const published = new Set<string>();
      // Half the publishers send single events, the others batches of BATCH.
      const publishers = Array.from({ length: PUBLISHERS }, async (_, p) => {
        const api = apis[p % 2] as ReturnType<typeof client>;
        const size = p % 4 < 2 ? 1 : BATCH;
        for (let i = 0; i < PER_PUBLISHER; i += size) {
          const events = Array.from({ length: size }, (_, k) => ({
            event: 'mp.tested',
            data: { p, i: i + k },
          }));
          const res =
            size === 1
              ? await api.post('/events', events[0])
              : await api.post('/events/batch', { events });
          if (res.status !== 201) {
            const proc = (p % 2 === 0 ? api0 : api1) as ServeProcess;
            throw new Error(
              `publish answered ${res.status}: ${JSON.stringify(res.body)}\n${proc.output().slice(-3000)}`,
            );
          }
          for (const e of size === 1 ? [res.body] : res.body.data) published.add(e.id);
        }
      });

      // Kill a worker while deliveries are in flight: the receiver slows down
      // until every slot is taken. If the victim owned the endpoint, the other
      // worker takes it over once its ownership runs out and resends.
      await waitFor(async () => receiver.requests.length >= TOTAL / 4, 60_000);
      receiver.respond(() => ({ status: 200, delayMs: 300 }));
      await waitFor(async () => receiver.inFlight >= MAX_CONCURRENCY, 30_000);
      const killedAt = receiver.requests.length;
      (worker0 as ServeProcess).child.kill('SIGKILL');
      await (worker0 as ServeProcess).exited;
      receiver.respond(() => ({ status: 200, delayMs: 2 }));

      await Promise.all(publishers);
      const publishedAt = Date.now();
      await pager;
      const messages = await sse.waitForMessages(TOTAL, 60_000);

      const delivered = () => new Set(receiver.events().map((e) => e.id));
      await waitFor(async () => delivered().size >= TOTAL, 60_000);
      const deliveredAt = Date.now();

      const oneToN = Array.from({ length: TOTAL }, (_, i) => i + 1);
      expect(paged.map((e) => e.sequence)).toEqual(oneToN);
      expect(new Set(paged.map((e) => e.id))).toEqual(published);
      const streamed = messages.slice(0, TOTAL).map((m) => JSON.parse(m.data) as EventOut);
      expect(streamed.map((e) => e.sequence)).toEqual(oneToN);
      expect(streamed.map((e) => e.id)).toEqual(paged.map((e) => e.id));
      // Each publisher's events are in the order it published them.
      const next = new Map<number, number>();
      for (const e of paged) {
        expect(e.data.i).toBe(next.get(e.data.p) ?? 0);
        next.set(e.data.p, e.data.i + 1);
      }
      expect(delivered()).toEqual(published);
      expect(receiver.maxInFlight).toBeLessThanOrEqual(MAX_CONCURRENCY);
      expect((worker1 as ServeProcess).child.exitCode).toBeNull();

      const requests = receiver.requests.length;
      console.log(
        `multi-process: ${TOTAL} events published in ${publishedAt - started} ms (from start),` +
          ` all delivered after ${deliveredAt - started} ms; ${requests} webhook requests` +
          ` (${requests - TOTAL} duplicates), worker killed after ${killedAt} requests,` +
          ` receiver max in flight ${receiver.maxInFlight}`,
      );
    }, 120_000);
  });
}
