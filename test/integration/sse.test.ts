import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../fixtures/sse-client.ts';
import {
  client,
  startTestServer,
  type TestServer,
  testBackends,
  waitFor,
} from '../fixtures/test-server.ts';

describe.each(await testBackends())('Server-Sent Events (%s)', (backend) => {
  let server: TestServer;
  let key: string;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer(backend, { sseHeartbeatMs: '200ms' });
    key = await server.key();
    api = client(server.url, key);
  });
  afterAll(() => server.close());

  it('with from=start streams history and then new events as they commit, each with id set to the event id and event to its type', async () => {
    const first = await api.post('/events', { event: 'user.created', data: { n: 1 } });
    const sse = await openSse(`${server.url}/events/stream?events=user.created&from=start`, {
      authorization: `Bearer ${key}`,
    });
    expect(sse.status).toBe(200);
    await sse.waitForMessages(1);
    await api.post('/events', { event: 'user.deleted', data: { n: 2 } });
    const third = await api.post('/events', { event: 'user.created', data: { n: 3 } });
    const msgs = await sse.waitForMessages(2);
    sse.close();
    expect(msgs.map((m) => m.id)).toEqual([first.body.id, third.body.id]);
    expect(msgs.map((m) => m.event)).toEqual(['user.created', 'user.created']);
    expect(JSON.parse(msgs[1]?.data as string)).toEqual(third.body);
  });

  it('without a cursor starts at the head: only events committed after it opened', async () => {
    await api.post('/events', { event: 'team.renamed', data: { n: 'old' } });
    const sse = await openSse(`${server.url}/events/stream?events=team.renamed`, {
      authorization: `Bearer ${key}`,
    });
    await sse.waitForComment('connected');
    const fresh = await api.post('/events', { event: 'team.renamed', data: { n: 'new' } });
    const msgs = await sse.waitForMessages(1);
    // A heartbeat after the new event proves nothing else is still on its way.
    sse.comments.length = 0;
    await sse.waitForComment('heartbeat');
    sse.close();
    expect(msgs.map((m) => m.id)).toEqual([fresh.body.id]);
  });

  it('resumes exactly after Last-Event-ID', async () => {
    const a = await api.post('/events', { event: 'order.paid', data: { n: 'a' } });
    const b = await api.post('/events', { event: 'order.paid', data: { n: 'b' } });
    const c = await api.post('/events', { event: 'order.paid', data: { n: 'c' } });
    const sse = await openSse(`${server.url}/events/stream?events=order.paid`, {
      authorization: `Bearer ${key}`,
      'last-event-id': a.body.id,
    });
    const msgs = await sse.waitForMessages(2);
    sse.close();
    expect(msgs.map((m) => m.id)).toEqual([b.body.id, c.body.id]);
  });

  it('sends heartbeats on an idle stream', async () => {
    const head = await api.post('/events', { event: 'order.paid', data: {} });
    const sse = await openSse(`${server.url}/events/stream?after=${head.body.id}`, {
      authorization: `Bearer ${key}`,
    });
    await sse.waitForComment('heartbeat');
    sse.close();
    expect(sse.messages).toEqual([]);
  });

  it('releases its wake-up registration when the client disconnects', async () => {
    // Streams closed by the earlier tests are released too.
    await waitFor(async () => server.herald.hub.waiterCount === 0);
    const sse = await openSse(`${server.url}/events/stream`, { authorization: `Bearer ${key}` });
    await waitFor(async () => server.herald.hub.waiterCount === 1);
    sse.close();
    await waitFor(async () => server.herald.hub.waiterCount === 0);
  });

  it('answers a bad Last-Event-ID or a missing key with problem+json, not a stream', async () => {
    const bad = await api.get('/events/stream', { 'last-event-id': 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    expect(bad.body.field).toBe('Last-Event-ID');
    const anon = await client(server.url).get('/events/stream');
    expect(anon.status).toBe(401);
  });
});
