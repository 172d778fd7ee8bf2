// Guards and bounds: the SSRF guard at delivery time, the bounded backlog (a
// dead endpoint costs a cursor, not a row per event), batch linger,
// and signing with both secrets during a rotation's grace period.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryRow } from '../../src/domain/delivery.ts';
import type { EndpointRow } from '../../src/domain/endpoint.ts';
import { ENDPOINT_DEFAULTS } from '../../src/services/delivery/endpoint-config.ts';
import { Sender } from '../../src/services/delivery/sender.ts';
import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import {
  client,
  startTestServer,
  type TestServer,
  testBackends,
  waitFor,
} from '../fixtures/test-server.ts';

const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

describe('SSRF guard at delivery time (real sender, real receiver)', () => {
  let rx: Receiver;
  const sender = new Sender({
    allowPrivate: false,
    userAgent: 'Herald/test',
    connectionsPerOrigin: 2,
  });
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(async () => {
    await sender.close();
    await rx.close();
  });

  const endpoint = (url: string) =>
    ({
      ...ENDPOINT_DEFAULTS,
      id: 'ep_x',
      tenantId: 't',
      url,
      secrets: [{ secret: SECRET, expiresAt: null }],
      timeoutConnectMs: 1000,
      timeoutResponseMs: 1000,
    }) as EndpointRow;
  const delivery = {
    id: 'dlv_x',
    firstSequence: 1,
    lastSequence: 1,
    firstPosition: 1,
    lastPosition: 1,
  } as DeliveryRow;

  it('refuses a host name that resolves to a loopback address', async () => {
    // Saved while the server allowed it, say; at delivery time the lookup hook decides.
    const port = new URL(rx.url).port;
    const out = await sender.send(endpoint(`http://localhost:${port}/`), delivery, ['{"a":1}']);
    expect(out.ok).toBe(false);
    expect(out.status).toBeNull();
    expect(out.attempt.error).toMatch(/localhost resolves to .*--allow-private-endpoints/);
    expect(rx.requests).toHaveLength(0);
  });

  it('refuses a private IP literal', async () => {
    const out = await sender.send(endpoint(`${rx.url}/`), delivery, ['{"a":1}']);
    expect(out.attempt.error).toMatch(/127\.0\.0\.1 .*--allow-private-endpoints/);
    expect(rx.requests).toHaveLength(0);
  });
});

describe.each(await testBackends())('delivery bounds (%s)', (backend) => {
  let server: TestServer;
  let rx: Receiver;
  let tenant = 0;

  beforeAll(async () => {
    server = await startTestServer(backend, { allowPrivateEndpoints: 'true' });
    rx = await startReceiver((req) =>
      req.path === '/dead' ? { status: 200, delayMs: 60_000 } : { status: 200 },
    );
  });
  afterAll(async () => {
    await rx.close();
    await server.close();
  });

  const setup = async (body: Record<string, unknown>) => {
    const api = client(server.url, await server.key(`b${tenant++}`));
    const res = await api.post('/endpoints', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { api, ep: res.body };
  };

  it('keeps the backlog of an endpoint that does not answer behind its cursor, not in rows', async () => {
    const { api, ep } = await setup({ url: `${rx.url}/dead`, max_concurrency: 1 });
    const total = 2500;
    for (let i = 0; i < total; i += 500) {
      const events = Array.from({ length: 500 }, () => ({ event: 'a.b', data: {} }));
      expect((await api.post('/events/batch', { events })).status).toBe(201);
    }
    await waitFor(async () => rx.requests.some((r) => r.path === '/dead'));
    const health = (await api.get(`/endpoints/${ep.id}/health`)).body;
    // Nothing has an outcome yet, so nothing is a row: the whole backlog is
    // the cursor's distance to the head, and the owner holds a bounded window.
    expect(health.backlog).toEqual({
      deliveries: 0,
      undispatched_events: total,
      estimated_total: total,
    });
    const listed = (await api.get(`/endpoints/${ep.id}/deliveries`)).body;
    expect(listed.data).toHaveLength(0);
    const owner = server.herald.delivery?.engine;
    expect(owner?.inFlight).toBeLessThanOrEqual(1);
  });

  it('lingers batch_wait_ms for a fuller batch', async () => {
    const { api } = await setup({
      url: `${rx.url}/linger`,
      format: 'json_array',
      batch_size: 10,
      batch_wait_ms: 1500,
    });
    for (let i = 0; i < 3; i++) await api.post('/events', { event: 'a.b', data: { i } });
    const req = await waitFor(async () => rx.requests.find((r) => r.path === '/linger'));
    expect(JSON.parse(req.body).map((e: { data: { i: number } }) => e.data.i)).toEqual([0, 1, 2]);
    expect(rx.requests.filter((r) => r.path === '/linger')).toHaveLength(1);
  });

  it('signs with the old and the new secret during a rotation grace period', async () => {
    const { api, ep } = await setup({ url: `${rx.url}/rotate`, secret: SECRET });
    const rotated = await api.post(`/endpoints/${ep.id}/rotate-secret`, { grace_period: 3600 });
    await api.post('/events', { event: 'a.b', data: {} });
    const req = await waitFor(async () => rx.requests.find((r) => r.path === '/rotate'));
    expect(req.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(new Webhook(SECRET).verify(req.body, req.headers)).toMatchObject({ event: 'a.b' });
    expect(new Webhook(rotated.body.secret).verify(req.body, req.headers)).toMatchObject({
      event: 'a.b',
    });
  });
});
