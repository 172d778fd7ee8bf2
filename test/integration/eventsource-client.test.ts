// A real EventSource client (the `eventsource` package, the WHATWG API for
// Node) listens to the stream by event type, unchanged.
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, type TestServer, testBackends } from '../fixtures/test-server.ts';

describe.each(await testBackends())('EventSource client (%s)', (backend) => {
  let server: TestServer;
  let key: string;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer(backend);
    key = await server.key();
    api = client(server.url, key);
  });
  afterAll(() => server.close());

  const open = (path: string) =>
    new EventSource(`${server.url}${path}`, {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${key}` } }),
    });

  it("addEventListener('user.created') receives that type only, new events by default", async () => {
    await api.post('/events', { event: 'user.created', data: { n: 'before' } });
    const es = open('/events/stream');
    try {
      await new Promise<void>((resolve, reject) => {
        es.onopen = () => resolve();
        es.onerror = () => reject(new Error('EventSource failed to open'));
      });
      const created: MessageEvent[] = [];
      const deleted: MessageEvent[] = [];
      const unnamed: MessageEvent[] = [];
      es.addEventListener('user.created', (e) => created.push(e));
      es.addEventListener('user.deleted', (e) => deleted.push(e));
      es.onmessage = (e) => unnamed.push(e);
      const a = await api.post('/events', { event: 'user.created', data: { n: 1 } });
      const b = await api.post('/events', { event: 'user.deleted', data: { n: 2 } });
      const c = await api.post('/events', { event: 'user.created', data: { n: 3 } });
      const deadline = Date.now() + 10_000;
      while ((created.length < 2 || deleted.length < 1) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(created.map((e) => e.lastEventId)).toEqual([a.body.id, c.body.id]);
      expect(deleted.map((e) => e.lastEventId)).toEqual([b.body.id]);
      expect(JSON.parse(created[1]?.data)).toEqual(c.body);
      // Named events never reach onmessage (the EventSource standard).
      expect(unnamed).toEqual([]);
    } finally {
      es.close();
    }
  });

  it('from=start replays the retained history', async () => {
    const first = await api.post('/events', { event: 'order.paid', data: {} });
    const es = open('/events/stream?events=order.paid&from=start');
    try {
      const got = await new Promise<MessageEvent>((resolve, reject) => {
        es.addEventListener('order.paid', resolve);
        setTimeout(() => reject(new Error('no order.paid event in time')), 10_000);
      });
      expect(got.lastEventId).toBe(first.body.id);
    } finally {
      es.close();
    }
  });
});
