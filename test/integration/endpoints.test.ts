// Endpoint management: CRUD, pagination, defaults, secrets, and every kind of
// bad configuration rejected with a 4xx problem naming the field, storing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  client,
  type Res,
  startTestServer,
  type TestServer,
  testBackends,
} from '../fixtures/test-server.ts';

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;

describe.each(await testBackends())('endpoints API (%s)', (backend) => {
  let strict: TestServer;
  let open: TestServer;
  let api: ReturnType<typeof client>;
  let openApi: ReturnType<typeof client>;

  beforeAll(async () => {
    strict = await startTestServer(backend);
    open = await startTestServer(backend, { allowPrivateEndpoints: 'true' });
    api = client(strict.url, await strict.key());
    openApi = client(open.url, await open.key());
  });
  afterAll(async () => {
    await strict.close();
    await open.close();
  });

  const patch = (c: ReturnType<typeof client>, path: string, body: unknown) =>
    c.call('PATCH', path, body);

  it('creates an endpoint with documented defaults and a generated secret', async () => {
    const res = await api.post('/endpoints', { url: 'https://hooks.example.com/in' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: 'endpoint',
      url: 'https://hooks.example.com/in',
      description: '',
      active: true,
      disabled_reason: null,
      events: ['*'],
      organization_id: null,
      authorization_set: false,
      format: 'json',
      content_type: null,
      batch_size: 1,
      batch_wait_ms: 0,
      max_concurrency: 10,
      rate_limit: null,
      ordered: false,
      ordered_by: null,
      retry: 'default',
      timeout: { connect_ms: 5000, response_ms: 60000 },
      disable_after: { failures: 3, duration: null },
      notify_url: null,
      notify_success: false,
    });
    expect(res.body.id).toMatch(/^ep_/);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await api.get(`/endpoints/${res.body.id}`);
    expect(got.body.secret).toBeUndefined();
    const secret = await api.get(`/endpoints/${res.body.id}/secret`);
    expect(secret.body).toEqual({
      object: 'endpoint_secret',
      secret: res.body.secret,
      previous: [],
    });
  });

  it('lists endpoints with pagination and without secrets, scoped to the tenant', async () => {
    const ids: string[] = [];
    const key = await strict.key('paging');
    const c = client(strict.url, key);
    for (let i = 0; i < 3; i++) {
      ids.push((await c.post('/endpoints', { url: `https://e${i}.example.com/` })).body.id);
    }
    const p1 = await c.get('/endpoints?limit=2');
    expect(p1.body.data.map((e: { id: string }) => e.id)).toEqual(ids.slice(0, 2));
    expect(p1.body.data[0].secret).toBeUndefined();
    expect(JSON.stringify(p1.body)).not.toContain('whsec_');
    const p2 = await c.get(`/endpoints?limit=2&after=${p1.body.list_metadata.after}`);
    expect(p2.body.data.map((e: { id: string }) => e.id)).toEqual(ids.slice(2));
    expect(p2.body.list_metadata.after).toBeNull();
    // Another tenant sees none of them.
    const other = client(strict.url, await strict.key('someone-else'));
    expect((await other.get('/endpoints')).body.data).toEqual([]);
    expect((await other.get(`/endpoints/${ids[0]}`)).status).toBe(404);
  });

  it('updates, disables, enables and deletes', async () => {
    const created = await api.post('/endpoints', {
      url: 'https://a.example.com/',
      secret: SECRET,
      authorization: 'Basic abc',
    });
    expect(created.body.secret).toBe(SECRET);
    const id = created.body.id;
    const upd = await patch(api, `/endpoints/${id}`, {
      description: 'billing',
      events: ['order.*'],
      format: 'json_lines',
      batch_size: 50,
      retry: [1, 2.5],
      authorization: null,
      timeout: { connect_ms: 1000 },
    });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({
      description: 'billing',
      events: ['order.*'],
      format: 'json_lines',
      batch_size: 50,
      retry: [1, 2.5],
      authorization_set: false,
      timeout: { connect_ms: 1000, response_ms: 60000 },
      url: 'https://a.example.com/',
    });
    const off = await api.post(`/endpoints/${id}/disable`);
    expect(off.body).toMatchObject({ active: false, disabled_reason: 'manual' });
    expect(typeof off.body.disabled_at).toBe('string');
    const on = await api.post(`/endpoints/${id}/enable`);
    expect(on.body).toMatchObject({ active: true, disabled_reason: null, disabled_at: null });
    expect((await api.delete(`/endpoints/${id}`)).status).toBe(204);
    expect((await api.get(`/endpoints/${id}`)).status).toBe(404);
    expect((await api.delete(`/endpoints/${id}`)).status).toBe(404);
  });

  it('rotates the secret, keeping the old one for the grace period', async () => {
    const created = await api.post('/endpoints', { url: 'https://r.example.com/', secret: SECRET });
    const rotated = await api.post(`/endpoints/${created.body.id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(SECRET);
    const s = await api.get(`/endpoints/${created.body.id}/secret`);
    expect(s.body.secret).toBe(rotated.body.secret);
    expect(s.body.previous).toHaveLength(1);
    expect(s.body.previous[0].secret).toBe(SECRET);
    const expires = Date.parse(s.body.previous[0].expires_at) - Date.now();
    expect(expires).toBeGreaterThan(23 * 3600 * 1000);
    expect(expires).toBeLessThanOrEqual(24 * 3600 * 1000);
  });

  const expectProblem = (res: Res, status: number, field: string, detail?: RegExp) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.field).toBe(field);
    if (detail) expect(res.body.detail).toMatch(detail);
  };

  it.each<[Record<string, unknown>, string, RegExp?]>([
    [{ url: 'http://hooks.example.com/' }, 'url', /https.*--allow-private-endpoints/],
    [{ url: 'https://127.0.0.1/' }, 'url', /private.*127\.0\.0\.1/],
    [{ url: 'https://10.1.2.3/' }, 'url', /private/],
    [{ url: 'https://[::1]/' }, 'url', /private/],
    [{ url: 'https://localhost/' }, 'url', /localhost/],
    [{ url: 'https://169.254.169.254/latest' }, 'url', /private/],
    [{ url: 'ftp://example.com/' }, 'url', /https/],
    [{ url: 'https://user:pw@example.com/' }, 'url', /username or password/],
    [{ url: 'not a url' }, 'url', /absolute URL/],
    [{ secret: 'whsec_short' }, 'secret', /whsec_/],
    [{ secret: 'abc' }, 'secret', /whsec_/],
    [{ retry: 'sometimes' }, 'retry', /unknown retry schedule.*default/],
    [{ retry: [1, -2] }, 'retry.1'],
    [{ retry: [1, 8 * 24 * 3600] }, 'retry', /index 1/],
    [{ batch_size: 0 }, 'batch_size'],
    [{ batch_size: 101, format: 'json_array' }, 'batch_size'],
    [{ batch_size: 5 }, 'batch_size', /json format.*batch_size must be 1/],
    [{ format: 'xml' }, 'format'],
    [{ events: ['user.*.created'] }, 'events.0', /not an event type/],
    [{ events: [] }, 'events'],
    [{ max_concurrency: 0 }, 'max_concurrency'],
    [{ max_concurrency: 101 }, 'max_concurrency'],
    [{ timeout: { connect_ms: 10 } }, 'timeout.connect_ms'],
    [{ ordered_by: 'organization' }, 'ordered_by', /ordered: true/],
    [{ notify_url: 'http://10.0.0.1/slack' }, 'notify_url', /notify_url/],
    [{ colour: 'blue' }, 'colour', /not a known field/],
  ])('rejects %j naming %s, and stores nothing', async (extra, field, detail) => {
    const key = await strict.key(`bad-${field}-${Math.random()}`);
    const c = client(strict.url, key);
    const res = await c.post('/endpoints', { url: 'https://ok.example.com/', ...extra });
    expect([400, 422]).toContain(res.status);
    expectProblem(res, res.status, field, detail);
    expect((await c.get('/endpoints')).body.data).toEqual([]);
  });

  it('rejects bad updates naming the field and leaves the endpoint unchanged', async () => {
    const created = await api.post('/endpoints', { url: 'https://u.example.com/' });
    const id = created.body.id;
    expectProblem(
      await patch(api, `/endpoints/${id}`, { url: 'https://192.168.1.1/' }),
      422,
      'url',
    );
    expectProblem(await patch(api, `/endpoints/${id}`, { batch_size: 10 }), 422, 'batch_size');
    expectProblem(await patch(api, `/endpoints/${id}`, { secret: SECRET }), 422, 'secret');
    expect((await api.get(`/endpoints/${id}`)).body).toMatchObject({
      url: 'https://u.example.com/',
      batch_size: 1,
    });
    expect((await patch(api, '/endpoints/ep_missing', { description: 'x' })).status).toBe(404);
  });

  it('accepts plain http and loopback endpoints with --allow-private-endpoints', async () => {
    const res = await openApi.post('/endpoints', { url: 'http://127.0.0.1:9/hook' });
    expect(res.status).toBe(201);
    const local = await openApi.post('/endpoints', { url: 'http://localhost:9/hook' });
    expect(local.status).toBe(201);
    // The scheme and credential rules still hold.
    expectProblem(await openApi.post('/endpoints', { url: 'file:///etc/passwd' }), 422, 'url');
  });

  it('requires authentication', async () => {
    const anon = client(strict.url);
    expect((await anon.get('/endpoints')).status).toBe(401);
  });
});
