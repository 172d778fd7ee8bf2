// Hostile text and JSON (issue 11, items 1-3, 5, 6): NUL, lone surrogates,
// deep nesting, control characters bound for headers, numbers beyond the
// double range, other charsets and invalid UTF-8. Each gets the same 4xx
// problem on both stores and changes nothing; NUL inside event data is data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawHttp } from '../fixtures/raw-http.ts';
import {
  client,
  type Res,
  startTestServer,
  type TestServer,
  testBackends,
} from '../fixtures/test-server.ts';

const problem = (res: Res, status: number, field?: string) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//) });
  if (field !== undefined) expect(res.body.field).toBe(field);
};

const nested = (depth: number): string => {
  // depth levels of objects: {} is 1, {"a":{}} is 2.
  return `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
};

describe.each(await testBackends())('hostile input (%s)', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer(backend, { allowPrivateEndpoints: 'true' });
    key = await server.key();
    api = client(server.url, key);
  });
  afterAll(() => server.close());

  const eventCount = async () => (await api.get('/events?limit=100')).body.data.length as number;

  describe('NUL (U+0000)', () => {
    it.each([
      ['GET /endpoints/%00', '/endpoints/%00'],
      ['GET /endpoints/:id/deliveries', '/endpoints/ep%00x/deliveries'],
      ['GET /deliveries/%00', '/deliveries/%00'],
    ])('in a path id (%s) → 400 naming id', async (_n, path) => {
      problem(await api.get(path), 400, 'id');
    });

    it.each(['organization_id', 'after', 'events', 'range_start'])(
      'in the query parameter %s of GET /events → 400 naming it',
      async (name) => {
        problem(await api.get(`/events?${name}=a%00b`), 400, name === 'events' ? 'events.0' : name);
      },
    );

    it('in GET /events/stream parameters → 400 problem, not a stream', async () => {
      const res = await rawHttp(
        server.url,
        `GET /events/stream?organization_id=%00 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`,
      );
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json).toMatchObject({ field: 'organization_id' });
    });

    it.each([
      [
        'organization_id',
        { event: 'a.b', data: {}, organization_id: 'o\u0000' },
        'organization_id',
      ],
      ['idempotency key', { event: 'a.b', data: {}, id: '\u0000' }, 'id'],
      ['event type', { event: 'a.b\u0000', data: {} }, 'event'],
    ])('in the %s of an event → 422 naming it, nothing stored', async (_n, body, field) => {
      problem(await api.post('/events', body), 422, field);
      problem(
        await api.post('/events/batch', { events: [{ event: 'ok.x', data: {} }, body] }),
        422,
        `events.1.${field}`,
      );
      expect(await eventCount()).toBe(0);
    });

    it.each([
      ['url', { url: 'http://127.0.0.1:9/\u0000' }, 'url'],
      ['description', { url: 'http://127.0.0.1:9/', description: 'a\u0000' }, 'description'],
      ['events', { url: 'http://127.0.0.1:9/', events: ['a.\u0000'] }, 'events.0'],
      [
        'organization_id',
        { url: 'http://127.0.0.1:9/', organization_id: '\u0000' },
        'organization_id',
      ],
    ])('in an endpoint %s → 422 naming it', async (_n, body, field) => {
      problem(await api.post('/endpoints', { active: false, ...body }), 422, field);
    });

    it('in an API key name → 422', async () => {
      const admin = client(server.url, await server.key('default', true));
      problem(await admin.post('/api-keys', { name: 'k\u0000' }), 422, 'name');
    });

    it('inside event data is stored and returned unchanged', async () => {
      const data = { 'k\u0000ey': 'a\u0000b', list: ['\u0000'], deep: { x: '\u0000\u0000' } };
      const res = await api.post('/events', { event: 'nul.data', data });
      expect(res.status).toBe(201);
      expect(res.body.data).toEqual(data);
      const listed = await api.get('/events?events=nul.data');
      expect(listed.body.data.map((e: { data: unknown }) => e.data)).toEqual([data]);
      const batch = await api.post('/events/batch', { events: [{ event: 'nul.data', data }] });
      expect(batch.status).toBe(201);
      expect((await api.get('/events?events=nul.data')).body.data[1].data).toEqual(data);
    });
  });

  describe('lone surrogates', () => {
    it('an idempotency key with one → 422 both times, nothing stored', async () => {
      const before = (await api.get('/events?events=sur.x')).body.data.length;
      const body = '{"event":"sur.x","data":{},"id":"k\\udbff"}';
      problem(await api.post('/events', body), 422, 'id');
      problem(await api.post('/events', body), 422, 'id');
      expect((await api.get('/events?events=sur.x')).body.data.length).toBe(before);
    });

    it.each([
      ['event type', '{"event":"sur.\\udc00","data":{}}', 'event'],
      [
        'organization_id',
        '{"event":"sur.x","data":{},"organization_id":"\\ud800"}',
        'organization_id',
      ],
    ])('in the %s → 422', async (_n, body, field) => {
      problem(await api.post('/events', body), 422, field);
    });

    it('a paired surrogate (an emoji) is fine in an idempotency key, and replays', async () => {
      const body = { event: 'sur.ok', data: {}, id: 'k-\u{1f600}' };
      expect((await api.post('/events', body)).status).toBe(201);
      const again = await api.post('/events', body);
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    });

    it('inside event data, lone surrogates round-trip', async () => {
      const res = await api.post('/events', '{"event":"sur.data","data":{"s":"a\\udbffb"}}');
      expect(res.status).toBe(201);
      expect(res.body.data.s).toBe('a\udbffb');
    });
  });

  describe('nesting depth (maxEventDepth, default 128)', () => {
    it('data at the limit is accepted', async () => {
      const res = await api.post('/events', `{"event":"deep.ok","data":${nested(128)}}`);
      expect(res.status).toBe(201);
    });

    it.each([129, 5000])('data %i levels deep → 422 naming data', async (depth) => {
      const res = await api.post('/events', `{"event":"deep.x","data":${nested(depth)}}`);
      problem(res, 422, 'data');
      expect(res.body.detail).toMatch(/maxEventDepth/);
    });

    it('a batch with one too-deep event → 422 naming it, none stored', async () => {
      const before = await eventCount();
      const res = await api.post(
        '/events/batch',
        `{"events":[{"event":"deep.x","data":{}},{"event":"deep.x","data":${nested(5000)}}]}`,
      );
      problem(res, 422, 'events.1.data');
      expect(await eventCount()).toBe(before);
    });

    it('deep arrays count too', async () => {
      const res = await api.post(
        '/events',
        `{"event":"deep.x","data":{"a":${'['.repeat(200)}${']'.repeat(200)}}}`,
      );
      problem(res, 422, 'data');
    });
  });

  it('the depth limit follows maxEventDepth', async () => {
    const shallow = await startTestServer(backend, { maxEventDepth: '3' });
    try {
      const c = client(shallow.url, await shallow.key());
      expect((await c.post('/events', { event: 'd.x', data: { a: { b: {} } } })).status).toBe(201);
      const res = await c.post('/events', { event: 'd.x', data: { a: { b: [[1]] } } });
      problem(res, 422, 'data');
      expect(res.body.detail).toMatch(/deeper than 3 levels/);
    } finally {
      await shallow.close();
    }
  });

  describe('values sent as headers', () => {
    it.each([
      ['CR LF', 'Bearer a\r\nX-Injected: 1'],
      ['LF', 'Bearer a\nb'],
      ['NUL', 'Bearer a\u0000'],
      ['U+2028', 'Bearer a\u2028b'],
      ['U+2029', 'Bearer a\u2029b'],
      ['a C1 control (U+0085)', 'Bearer a\u0085b'],
      ['DEL', 'Bearer a\u007f'],
      ['beyond Latin-1', 'Bearer \u0101'],
    ])('authorization with %s → 422 at create and update', async (_n, authorization) => {
      problem(
        await api.post('/endpoints', { url: 'http://127.0.0.1:9/', active: false, authorization }),
        422,
        'authorization',
      );
      const ok = await api.post('/endpoints', { url: 'http://127.0.0.1:9/', active: false });
      expect(ok.status).toBe(201);
      problem(
        await api.call('PATCH', `/endpoints/${ok.body.id}`, { authorization }),
        422,
        'authorization',
      );
      expect((await api.get(`/endpoints/${ok.body.id}`)).body.authorization_set).toBe(false);
    });

    it.each([
      ['CR LF', 'application/json\r\nX-Injected: 1'],
      ['CR LF before a parameter', 'application/json\r\n; x=1'],
      ['CR LF in a parameter', 'application/json;\r\n charset=utf-8'],
      ['NUL in a parameter', 'application/json; a=\u0000'],
      ['U+2028 in a parameter', 'application/json; a=\u2028'],
    ])('content_type with %s → 422 at create and update', async (_n, content_type) => {
      problem(
        await api.post('/endpoints', { url: 'http://127.0.0.1:9/', active: false, content_type }),
        422,
        'content_type',
      );
      const ok = await api.post('/endpoints', { url: 'http://127.0.0.1:9/', active: false });
      problem(
        await api.call('PATCH', `/endpoints/${ok.body.id}`, { content_type }),
        422,
        'content_type',
      );
    });

    it('ordinary values are still accepted', async () => {
      const res = await api.post('/endpoints', {
        url: 'http://127.0.0.1:9/',
        active: false,
        authorization: 'Basic dXNlcjpwYXNz\tx',
        content_type: 'application/cloudevents+json; charset=utf-8',
      });
      expect(res.status).toBe(201);
    });
  });

  describe('input that would be silently changed', () => {
    it('1e400 in event data → 422 naming the number, not stored as null', async () => {
      const before = await eventCount();
      problem(
        await api.post('/events', '{"event":"num.x","data":{"n":[1,-1e400]}}'),
        422,
        'data.n.1',
      );
      problem(
        await api.post('/events/batch', '{"events":[{"event":"num.x","data":{"n":1e400}}]}'),
        422,
        'events.0.data.n',
      );
      expect(await eventCount()).toBe(before);
    });

    it('1e400 in an endpoint retry schedule → 422', async () => {
      problem(
        await api.post(
          '/endpoints',
          '{"url":"http://127.0.0.1:9/","active":false,"retry":[1e400]}',
        ),
        422,
        'retry.0',
      );
    });

    it('large but finite numbers are kept', async () => {
      const res = await api.post('/events', '{"event":"num.ok","data":{"n":1.5e308,"m":1e-400}}');
      expect(res.status).toBe(201);
      expect(res.body.data).toEqual({ n: 1.5e308, m: 0 });
    });

    it.each([
      'application/json; charset=utf-16',
      'application/json; charset="UTF-16LE"',
      'application/json;charset=latin1',
    ])('Content-Type %s → 415', async (contentType) => {
      problem(
        await api.post('/events', '{"event":"cs.x","data":{}}', { 'content-type': contentType }),
        415,
      );
    });

    it('charset=UTF-8 (any case) is accepted', async () => {
      const res = await api.post('/events', '{"event":"cs.ok","data":{}}', {
        'content-type': 'application/json; charset=UTF-8',
      });
      expect(res.status).toBe(201);
    });

    it('invalid UTF-8 in a body → 400, nothing stored', async () => {
      const before = await eventCount();
      const body = Buffer.concat([
        Buffer.from('{"event":"utf.x","data":{"s":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}}'),
      ]);
      const head = `POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      const res = await rawHttp(server.url, Buffer.concat([Buffer.from(head), body]));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json).toMatchObject({
        code: 'bad_request',
        detail: expect.stringMatching(/UTF-8/),
      });
      expect(await eventCount()).toBe(before);
    });

    it('text/plain → 415', async () => {
      problem(
        await api.post('/events', '{"event":"a.b","data":{}}', { 'content-type': 'text/plain' }),
        415,
      );
    });

    it('HEAD /events/stream answers the headers and ends', async () => {
      const res = await rawHttp(
        server.url,
        `HEAD /events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`,
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    });
  });
});
