// Auth0's log streams and Authentication API Webhooks extension, setting by
// setting, on a real receiver: log type codes as event types, START_FROM,
// Send_as_Batch, Authorization and custom headers.
import { describe, expect, it } from 'vitest';
import { useHerald } from '../fixtures/herald-fixture.ts';
import { testBackends, waitFor } from '../fixtures/test-server.ts';

/** The extension's sample payload, trimmed. */
const log = (type: string, n: number) => ({
  event: type,
  data: {
    date: '2016-02-25T13:42:08.791Z',
    type,
    description: type === 's' ? 'Success Login' : 'Wrong email or password.',
    connection: 'My-Users',
    client_id: 'lIkP1Wn4qQPj56k9bE7fyMrbsaaHXd6c',
    _id: `4955653907389367561092304204458917498204348677916668723${n}`,
  },
});

describe.each(await testBackends())('Auth0 log stream settings (%s)', (backend) => {
  const { api, rx, endpoint, requestsAt: at } = useHerald(backend);
  const typesAt = (path: string) =>
    at(path).flatMap((r) => {
      const body = JSON.parse(r.body);
      return (Array.isArray(body) ? body : [body]).map((e: { event: string }) => e.event);
    });

  it('LOG_TYPES: Auth0 short codes are event types, published and filtered as such', async () => {
    await endpoint('types', { events: ['f', 'fp'], ordered: true });
    for (const [i, t] of ['s', 'f', 'fp', 's', 'f', 's', 'fp'].entries()) {
      expect((await api.post('/events', log(t, i))).status).toBe(201);
    }
    // Ordered delivery: once the last fp arrived, everything before it has.
    await waitFor(async () => at('types').length >= 4);
    expect(typesAt('types')).toEqual(['f', 'fp', 'f', 'fp']);
    const listed = await api.get('/events?events=fp');
    expect(listed.body.data.map((e: { event: string }) => e.event)).toEqual(['fp', 'fp']);
  });

  it('LOG_LEVEL: an endpoint with min_level receives only events at or above it', async () => {
    const ep = await endpoint('levels', { events: ['*'], min_level: 'warning', ordered: true });
    expect(ep.min_level).toBe('warning');
    const levels = ['debug', 'info', 'warning', 'error', 'critical', undefined, 'error'];
    for (const [i, level] of levels.entries()) {
      const res = await api.post('/events', { ...log('fn', i), ...(level ? { level } : {}) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      if (level) expect(res.body.level).toBe(level);
      else expect(res.body).not.toHaveProperty('level');
    }
    await waitFor(async () => at('levels').length >= 4);
    const got = at('levels').map((r) => JSON.parse(r.body) as { level?: string });
    // Ordered, and the last one arrived: nothing below warning (or unleveled) was sent.
    expect(got.map((e) => e.level)).toEqual(['warning', 'error', 'critical', 'error']);
    const stored = await api.get('/events?events=fn&limit=100');
    expect(stored.body.data.map((e: { level?: string }) => e.level ?? null)).toEqual(
      levels.map((l) => l ?? null),
    );

    const bad = await api.post('/endpoints', { url: `${rx.url}/x`, min_level: 'loud' });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe('min_level');
    const badEvent = await api.post('/events', { ...log('fn', 9), level: 'loud' });
    expect(badEvent.status).toBe(422);
    expect(badEvent.body.field).toBe('level');
    const cleared = await api.call('PATCH', `/endpoints/${ep.id}`, { min_level: null });
    expect(cleared.body.min_level).toBeNull();
  });

  it('START_FROM: an event id delivers the events after it, start the retained history, now (the default) only new ones', async () => {
    const before = await api.post('/events/batch', {
      events: [log('f', 1), log('f', 2), log('f', 3)].map((e) => ({ ...e, event: 'fc' })),
    });
    const [first, second, third] = before.body.data;
    await endpoint('from-id', { events: ['fc'], start_from: first.id });
    await endpoint('from-start', { events: ['fc'], start_from: 'start' });
    await endpoint('from-now', { events: ['fc'] });
    const later = (await api.post('/events', { ...log('f', 4), event: 'fc' })).body;
    const ids = (path: string) => at(path).map((r) => (JSON.parse(r.body) as { id: string }).id);
    await waitFor(async () => ids('from-id').length >= 3 && ids('from-now').length >= 1);
    await waitFor(async () => ids('from-start').length >= 4);
    expect(ids('from-id')).toEqual([second.id, third.id, later.id]);
    expect(ids('from-start')).toEqual([first.id, second.id, third.id, later.id]);
    expect(ids('from-now')).toEqual([later.id]);

    const bad = await api.post('/endpoints', { url: `${rx.url}/x`, start_from: 'yesterday' });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe('start_from');
    const unknown = await api.post('/endpoints', {
      url: `${rx.url}/x`,
      start_from: 'event_01J00000000000000000000000',
    });
    expect(unknown.status).toBe(422);
  });

  it('Send_as_Batch on is json_array with batch_size (BATCH_SIZE); off is json, one log per request', async () => {
    await endpoint('batched', { events: ['sapi'], format: 'json_array', batch_size: 100 });
    await endpoint('single', { events: ['sapi'], format: 'json' });
    const events = [1, 2, 3, 4, 5].map((n) => log('sapi', n));
    expect((await api.post('/events/batch', { events })).status).toBe(201);
    await waitFor(async () => typesAt('batched').length >= 5 && at('single').length >= 5);
    expect(at('batched')).toHaveLength(1);
    expect(JSON.parse(at('batched')[0]?.body ?? '[]')).toHaveLength(5);
    expect(at('single').map((r) => JSON.parse(r.body).event)).toEqual(Array(5).fill('sapi'));
  });

  it('Authorization and custom headers reach the receiver; the attempt log redacts their values', async () => {
    const ep = await endpoint('headers', {
      events: ['ss'],
      authorization: 'Bearer auth0-token',
      headers: { 'X-Api-Key': 'key-123', 'X-Stream': 'auth0' },
    });
    expect(ep.headers).toEqual(['X-Api-Key', 'X-Stream']);
    await api.post('/events', log('ss', 1));
    const req = await waitFor(async () => at('headers')[0]);
    expect(req.headers['x-api-key']).toBe('key-123');
    expect(req.headers['x-stream']).toBe('auth0');
    expect(req.headers.authorization).toBe('Bearer auth0-token');
    expect(req.headers['webhook-signature']).toMatch(/^v1,/);
    const deliveries = await waitFor(async () => {
      const list = await api.get(`/endpoints/${ep.id}/deliveries`);
      return list.body.data.length > 0 ? list.body.data : null;
    });
    const detail = await api.get(`/deliveries/${deliveries[0].id}`);
    expect(detail.body.attempts[0].request_headers['X-Api-Key']).toBe('[redacted]');
    expect(JSON.stringify(detail.body)).not.toContain('key-123');

    const cleared = await api.call('PATCH', `/endpoints/${ep.id}`, { headers: null });
    expect(cleared.body.headers).toEqual([]);
  });

  it.each([
    ['Host', 'headers.Host'],
    ['content-length', 'headers.content-length'],
    ['Connection', 'headers.Connection'],
    ['Transfer-Encoding', 'headers.Transfer-Encoding'],
    ['Upgrade', 'headers.Upgrade'],
    ['webhook-signature', 'headers.webhook-signature'],
    ['Webhook-Id', 'headers.Webhook-Id'],
    ['ce-type', 'headers.ce-type'],
    ['Authorization', 'headers.Authorization'],
    ['Bad Name', 'headers.Bad Name'],
  ])('refuses a custom %s header with 422 naming %s, storing nothing', async (name, field) => {
    const before = (await api.get('/endpoints?limit=100')).body.data.length;
    const res = await api.post('/endpoints', { url: `${rx.url}/x`, headers: { [name]: 'v' } });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.field).toBe(field);
    expect((await api.get('/endpoints?limit=100')).body.data.length).toBe(before);
  });

  it('refuses control characters in a custom header value', async () => {
    for (const value of ['a\r\nX-Injected: 1', 'a\u0000b', 'tab\tok\u007f']) {
      const res = await api.post('/endpoints', { url: `${rx.url}/x`, headers: { 'X-A': value } });
      expect(res.status).toBe(422);
      expect(res.body.field).toBe('headers.X-A');
    }
  });
});
