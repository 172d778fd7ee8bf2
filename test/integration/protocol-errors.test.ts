// Errors raised below the routes (issue 11, item 4): Node's HTTP parser,
// Fastify's router and body parsing. Sent over raw sockets, since ordinary
// clients cannot produce most of these requests. Every answer is
// application/problem+json from the catalogue, never Fastify's or Node's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../src/domain/problem.ts';
import { rawHttp } from '../fixtures/raw-http.ts';
import { startTestServer, type TestServer, testBackends } from '../fixtures/test-server.ts';

describe.each(await testBackends())('protocol errors (%s)', (backend) => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer(backend, { maxEventBytes: '1024' });
    key = await server.key();
  });
  afterAll(() => server.close());

  const auth = () => `Authorization: Bearer ${key}\r\n`;
  const post = (path: string, body: string, headers = 'Content-Type: application/json\r\n') =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\n${auth()}${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  const cases: [string, number, () => string, string?][] = [
    ['a malformed header line', 400, () => 'GET /events HTTP/1.1\r\nHo st: x\r\n\r\n'],
    ['an invalid method', 400, () => 'G@T /events HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['an unknown HTTP version', 400, () => 'GET /events HTTP/7.3\r\nHost: x\r\n\r\n'],
    [
      'a bad Content-Length',
      400,
      () => 'POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: ab\r\n\r\n',
    ],
    [
      'both Content-Length and Transfer-Encoding',
      400,
      () =>
        'POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    [
      'headers larger than allowed',
      431,
      () => `GET /events HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ],
    ['no Host header', 400, () => `GET /events HTTP/1.1\r\n${auth()}\r\n`, 'host'],
    [
      'an Expect other than 100-continue',
      417,
      () =>
        `POST /events HTTP/1.1\r\nHost: x\r\n${auth()}Expect: 200-ok\r\nContent-Length: 2\r\n\r\n{}`,
      'expect',
    ],
    [
      'a path that is not valid percent-encoding',
      400,
      () => `GET /endpoints/%ZZ HTTP/1.1\r\nHost: x\r\n${auth()}\r\n`,
    ],
    [
      'percent-encoding that is not UTF-8',
      400,
      () => `GET /endpoints/%C3%28 HTTP/1.1\r\nHost: x\r\n${auth()}\r\n`,
    ],
    [
      'a path parameter longer than the router allows',
      414,
      () => `GET /endpoints/${'a'.repeat(500)} HTTP/1.1\r\nHost: x\r\n${auth()}\r\n`,
    ],
    ['an empty JSON body', 400, () => post('/events', '')],
    ['malformed JSON', 400, () => post('/events', '{"event":')],
    [
      'a prototype-poisoning key',
      422,
      () => post('/events', '{"event":"a.b","data":{"x":[{"__proto__":{"x":1}}]}}'),
      'data.x.0.__proto__',
    ],
    [
      'a constructor holding a prototype',
      422,
      () => post('/endpoints', '{"url":"x","constructor":{"prototype":{}}}'),
      'constructor',
    ],
    [
      'a body over the event limit',
      413,
      () => post('/events', `{"event":"a.b","data":{"s":"${'x'.repeat(2000)}"}}`),
    ],
    ['a body without Content-Type', 415, () => post('/events', '{"event":"a.b","data":{}}', '')],
    [
      'a form body',
      415,
      () => post('/events', 'event=a.b', 'Content-Type: application/x-www-form-urlencoded\r\n'),
    ],
    ['an unknown route', 404, () => `GET /nope HTTP/1.1\r\nHost: x\r\n\r\n`],
    [
      'an unknown method on a known path',
      404,
      () => `PUT /events HTTP/1.1\r\nHost: x\r\n${auth()}Content-Length: 0\r\n\r\n`,
    ],
    ['a missing key', 401, () => 'GET /events HTTP/1.1\r\nHost: x\r\n\r\n'],
  ];

  it.each(cases)('%s → %i problem+json from the catalogue', async (_n, status, request, field) => {
    const res = await rawHttp(server.url, request());
    expect(res.status, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json as {
      status: number;
      code: keyof typeof PROBLEMS;
      title: string;
      type: string;
      detail: string;
      field?: string;
    };
    expect(body.status).toBe(status);
    expect(PROBLEMS[body.code]?.status).toBe(status);
    expect(body.title).toBe(PROBLEMS[body.code].title);
    expect(body.type).toMatch(/^https:\/\//);
    expect(body.detail).toBeTruthy();
    if (field !== undefined) expect(body.field).toBe(field);
  });

  it('HTTP/1.0 without Host is still served', async () => {
    const res = await rawHttp(server.url, `GET /events HTTP/1.0\r\n${auth()}\r\n`);
    expect(res.status).toBe(200);
  });

  it('Expect: 100-continue still works', async () => {
    const body = '{"event":"cont.x","data":{}}';
    const res = await rawHttp(
      server.url,
      `POST /events HTTP/1.1\r\nHost: x\r\n${auth()}Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(res.status).toBe(201);
  });
});
