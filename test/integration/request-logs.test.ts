// The log as an operator reads it: one line per request with its request id
// (X-Request-Id honoured, or generated, and echoed), every line of a request
// carrying that id, auth failures and rejected input, failed and given-up
// deliveries, auto-disable and enable, takeovers, retention runs; and never
// an API key, an endpoint secret or an Authorization value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/main.ts';
import { createApiKey } from '../../src/services/api-keys.ts';
import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import {
  client,
  startTestServer,
  type TestServer,
  testBackends,
  waitFor,
} from '../fixtures/test-server.ts';

// biome-ignore lint/suspicious/noExplicitAny: log lines are asserted field by field
type Line = Record<string, any>;

/** A pino destination that keeps every line, raw and parsed. */
function captureLog(settings: Record<string, string> = {}) {
  const raw: string[] = [];
  const logger = createLogger(
    loadConfig({ logLevel: 'debug', logFormat: 'json', ...settings }, {}),
    { write: (s: string) => void raw.push(s) },
  );
  const lines = () => raw.map((s) => JSON.parse(s) as Line);
  return { logger, raw, lines };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(await testBackends())('request and delivery logs (%s)', (backend) => {
  let server: TestServer;
  let rx: Receiver;
  const log = captureLog();

  beforeAll(async () => {
    rx = await startReceiver((req) => ({ status: req.path === '/down' ? 500 : 200 }));
    server = await startTestServer(
      backend,
      { allowPrivateEndpoints: 'true', retentionIntervalMs: '200ms' },
      log.logger,
    );
  });
  afterAll(async () => {
    await server.close();
    await rx.close();
  });

  it('writes one line per request with its id, route, status, latency, tenant and key id', async () => {
    const created = await createApiKey(server.store, { tenant: 't-log', name: 'k', admin: false });
    const api = client(server.url, created.key);
    const res = await api.post('/events', { data: {} }, { 'x-request-id': 'req-test-0001' });
    expect(res.status).toBe(422);
    expect(res.headers.get('x-request-id')).toBe('req-test-0001');
    const mine = log.lines().filter((l) => l.request_id === 'req-test-0001');
    expect(mine.map((l) => l.msg)).toEqual(['request rejected', 'request']);
    expect(mine[0]).toMatchObject({ level: 30, code: 'validation_failed', status: 422 });
    expect(mine[1]).toMatchObject({
      level: 30,
      method: 'POST',
      route: '/events',
      path: '/events',
      status: 422,
      tenant_id: created.row.tenantId,
      key_id: created.row.id,
    });
    expect(mine[1]?.duration_ms).toBeTypeOf('number');

    // Without an id, or with one unfit for a log, a fresh one is made and echoed.
    for (const given of [undefined, 'not an id; with spaces']) {
      const r = await api.get('/events', given ? { 'x-request-id': given } : {});
      const id = r.headers.get('x-request-id') as string;
      expect(id).toMatch(UUID);
      const line = await waitFor(async () =>
        log.lines().find((l) => l.request_id === id && l.msg === 'request'),
      );
      expect(line).toMatchObject({ route: '/events', status: 200 });
    }
  });

  it('logs authentication failures at warn, without the key', async () => {
    const bogus = 'hk_live_this_is_not_a_real_key_0123456789';
    const r = await client(server.url, bogus).get('/events', { 'x-request-id': 'req-bad-key' });
    expect(r.status).toBe(401);
    const mine = log.lines().filter((l) => l.request_id === 'req-bad-key');
    expect(mine.map((l) => l.msg)).toEqual(['authentication failed', 'request']);
    expect(mine[0]).toMatchObject({ level: 40, code: 'unauthorized', status: 401 });
    expect(mine[1]).toMatchObject({ status: 401, tenant_id: null, key_id: null });
    expect(log.raw.join('')).not.toContain(bogus);
  });

  it('logs failed and given-up deliveries, the auto-disable, the enable and the takeover; never a secret', async () => {
    const key = await server.key('t-deliver');
    const api = client(server.url, key);
    const token = 'Bearer receiver-token-never-logged';
    const ep = await api.post('/endpoints', {
      url: `${rx.url}/down`,
      authorization: token,
      retry: [0.05],
      disable_after: { failures: 1 },
    });
    expect(ep.status).toBe(201);
    const secret = ep.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    await api.post('/events', { event: 'user.created', data: { n: 1 } });
    const disabled = await waitFor(async () =>
      log.lines().find((l) => l.msg === 'endpoint disabled' && l.endpoint_id === ep.body.id),
    );
    expect(disabled).toMatchObject({ level: 40, reason: 'consecutive_failures' });
    const retried = log.lines().find((l) => l.msg === 'delivery attempt failed, will retry');
    expect(retried).toMatchObject({
      level: 30,
      endpoint_id: ep.body.id,
      attempt: 1,
      status: 500,
      kind: 'event',
    });
    expect(retried?.next_attempt_at).toBeTruthy();
    const gaveUp = log.lines().find((l) => l.msg === 'delivery given up');
    expect(gaveUp).toMatchObject({
      level: 40,
      endpoint_id: ep.body.id,
      delivery_id: retried?.delivery_id,
      attempt: 2,
      status: 500,
    });
    expect(log.lines().some((l) => l.msg === 'worker took over endpoints')).toBe(true);

    const enabled = await api.post(`/endpoints/${ep.body.id}/enable`, undefined, {
      'x-request-id': 'req-enable',
    });
    expect(enabled.status).toBe(200);
    const line = log.lines().find((l) => l.msg === 'endpoint enabled');
    expect(line).toMatchObject({ request_id: 'req-enable', endpoint_id: ep.body.id });

    const all = log.raw.join('');
    for (const s of [key, secret, token, 'receiver-token-never-logged']) {
      expect(all).not.toContain(s);
    }
    // Should anything log them by name, they are redacted wherever they sit.
    log.logger.info({ headers: { authorization: token }, secret, req: { key } }, 'probe');
    const probe = log.lines().find((l) => l.msg === 'probe');
    expect(probe).toMatchObject({
      headers: { authorization: '[redacted]' },
      secret: '[redacted]',
      req: { key: '[redacted]' },
    });
  });

  it('logs retention runs', async () => {
    const run = await waitFor(async () => log.lines().find((l) => l.msg === 'retention run'));
    expect(run).toMatchObject({ events: 0, deliveries: 0 });
    expect(run.duration_ms).toBeTypeOf('number');
  });

  it('writes no request lines with --request-log-level off, and still logs rejections', async () => {
    const quiet = captureLog();
    const s = await startTestServer(backend, { requestLogLevel: 'off' }, quiet.logger);
    try {
      const api = client(s.url, await s.key());
      expect((await api.get('/events', { 'x-request-id': 'req-quiet' })).status).toBe(200);
      expect((await api.post('/events', {}, { 'x-request-id': 'req-quiet-bad' })).status).toBe(422);
      expect(quiet.lines().filter((l) => l.msg === 'request')).toEqual([]);
      expect(quiet.lines().find((l) => l.request_id === 'req-quiet-bad')?.msg).toBe(
        'request rejected',
      );
    } finally {
      await s.close();
    }
  });
});
