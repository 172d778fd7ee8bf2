import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../fixtures/sse-client.ts';
import { client, startTestServer, type TestServer, testBackends } from '../fixtures/test-server.ts';

describe.each(await testBackends())('tenant isolation and auth (%s)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server.close());

  it('never lets one tenant read or resume from another tenant’s events', async () => {
    const a = client(server.url, await server.key('acme'));
    const b = client(server.url, await server.key('globex'));
    const ea = await a.post('/events', {
      event: 'user.created',
      data: { tenant: 'acme' },
      id: 'same-key',
    });
    const eb = await b.post('/events', {
      event: 'user.created',
      data: { tenant: 'globex' },
      id: 'same-key',
    });
    expect(ea.status).toBe(201);
    expect(eb.status).toBe(201);
    expect(eb.body.id).not.toBe(ea.body.id);
    expect(eb.body.sequence).toBe(1);
    expect((await a.get('/events')).body.data.map((e: { id: string }) => e.id)).toEqual([
      ea.body.id,
    ]);
    expect((await b.get('/events')).body.data.map((e: { id: string }) => e.id)).toEqual([
      eb.body.id,
    ]);
    const cross = await b.get(`/events?after=${ea.body.id}`);
    expect(cross.status).toBe(400);
    expect(cross.body.code).toBe('cursor_invalid');
    const sse = await b.get('/events/stream', { 'last-event-id': ea.body.id });
    expect(sse.status).toBe(400);
  });

  it('answers 401 problem+json for a missing, malformed, unknown or revoked key', async () => {
    const anon = await client(server.url).get('/events');
    expect(anon.status).toBe(401);
    expect(anon.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(anon.headers.get('www-authenticate')).toBe('Bearer');
    expect((await client(server.url).get('/events', { authorization: 'Basic abc' })).status).toBe(
      401,
    );
    expect((await client(server.url, 'sk_herald_unknown').get('/events')).status).toBe(401);
    const key = await server.key('acme');
    const row = (await server.store.apiKeyList({ tenantId: null })).at(-1);
    expect((await client(server.url, key).get('/events')).status).toBe(200);
    await server.store.apiKeyRevoke({ id: row?.id as string });
    const revoked = await client(server.url, key).get('/events');
    expect(revoked.status).toBe(401);
    expect(revoked.body.detail).toMatch(/revoked/);
  });

  it('serves /healthz without a key', async () => {
    const res = await client(server.url).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', store: backend });
  });

  it('keeps SSE streams per tenant', async () => {
    const keyA = await server.key('acme');
    const b = client(server.url, await server.key('globex'));
    const a = client(server.url, keyA);
    const headA = (await a.get('/events?order=desc&limit=1')).body.data[0];
    const sse = await openSse(`${server.url}/events/stream?after=${headA.id}`, {
      authorization: `Bearer ${keyA}`,
    });
    await b.post('/events', { event: 'user.created', data: { tenant: 'globex' } });
    const mine = await a.post('/events', { event: 'user.created', data: { tenant: 'acme' } });
    const msgs = await sse.waitForMessages(1);
    sse.close();
    expect(msgs.map((m) => m.id)).toEqual([mine.body.id]);
  });
});
