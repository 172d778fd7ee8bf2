// Property-based fuzzing of every route in the OpenAPI document, on every
// store at once: each generated request goes to one server per store and
// must get no 5xx, a problem+json from the catalogue for every error (naming
// the field when the request was well-formed), the same status on every
// store, and, when refused, no change to what is stored.
// Runs HERALD_FUZZ_RUNS requests (default 300); e.g.
//   HERALD_FUZZ_RUNS=20000 npx vitest run test/fuzz
// HERALD_FUZZ_SEED replays a reported failure.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../src/domain/problem.ts';
import {
  type Backend,
  startTestServer,
  type TestServer,
  testBackends,
} from '../fixtures/test-server.ts';
import { anyRequest, type FuzzRequest, routesOf } from './openapi-requests.ts';

const RUNS = Number(process.env.HERALD_FUZZ_RUNS ?? 300);
const SEED = process.env.HERALD_FUZZ_SEED ? Number(process.env.HERALD_FUZZ_SEED) : undefined;

interface Target {
  backend: Backend;
  server: TestServer;
  keys: Record<'admin' | 'tenant', string>;
}

interface Answer {
  status: number;
  contentType: string;
  // biome-ignore lint/suspicious/noExplicitAny: problem documents are checked field by field
  body: any;
}

async function send(t: Target, req: FuzzRequest): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (req.auth === 'admin' || req.auth === 'tenant')
    headers.authorization = `Bearer ${t.keys[req.auth]}`;
  if (req.auth === 'invalid') headers.authorization = 'Bearer hk_not_a_key';
  if (req.contentType) headers['content-type'] = req.contentType;
  const abort = new AbortController();
  const res = await fetch(t.server.url + req.url, {
    method: req.method,
    headers,
    body: req.body,
    signal: abort.signal,
  });
  const contentType = res.headers.get('content-type') ?? '';
  if (contentType.startsWith('text/event-stream')) {
    // A stream that opened: that is its answer; it would never end.
    abort.abort();
    return { status: res.status, contentType, body: null };
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the checks below report it
  }
  return { status: res.status, contentType, body };
}

/** What a refused request must leave unchanged: events, endpoints' configuration, keys. */
async function fingerprint(t: Target): Promise<string> {
  const get = async (path: string) => {
    const res = await fetch(t.server.url + path, {
      headers: { authorization: `Bearer ${t.keys.admin}` },
    });
    // biome-ignore lint/suspicious/noExplicitAny: list bodies are read loosely
    return (await res.json()) as any;
  };
  const [events, endpoints, keys] = await Promise.all([
    get('/events?order=desc&limit=1'),
    get('/endpoints?limit=100'),
    get('/api-keys'),
  ]);
  // Delivery health changes these on its own; a refused request changes none of the rest.
  const config = endpoints.data.map(
    ({ active, disabled_reason, disabled_at, updated_at, ...rest }: Record<string, unknown>) =>
      rest,
  );
  return JSON.stringify([events.data[0]?.sequence ?? 0, config, keys.data.length]);
}

function describeRequest(req: FuzzRequest): string {
  return `${req.method} ${req.url} (${req.auth}) ${req.contentType ?? ''} ${JSON.stringify(req.body?.slice(0, 300))}`;
}

function checkAnswer(backend: Backend, req: FuzzRequest, a: Answer): void {
  const where = `${backend}: ${describeRequest(req)} → ${a.status} ${JSON.stringify(a.body)?.slice(0, 300)}`;
  expect(a.status, where).toBeLessThan(500);
  if (a.status < 400) return;
  expect(a.contentType, where).toMatch(/^application\/problem\+json/);
  expect(a.body?.status, where).toBe(a.status);
  const code = a.body?.code as keyof typeof PROBLEMS;
  expect(PROBLEMS[code]?.status, where).toBe(a.status);
  expect(a.body?.title, where).toBe(PROBLEMS[code].title);
  expect(a.body?.detail, where).toBeTruthy();
  if (a.status === 422 || (a.status === 400 && req.wellFormed)) {
    expect(typeof a.body?.field, where).toBe('string');
    expect(a.body.field.length, where).toBeGreaterThan(0);
  }
}

const backends = await testBackends();

describe(`API fuzz over the OpenAPI routes (${backends.join(', ')})`, () => {
  const targets: Target[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is read loosely
  let doc: any;

  beforeAll(async () => {
    for (const backend of backends) {
      const server = await startTestServer(backend, { allowPrivateEndpoints: 'true' });
      targets.push({
        backend,
        server,
        keys: { admin: await server.key('default', true), tenant: await server.key('default') },
      });
    }
    doc = await (await fetch(`${targets[0]?.server.url}/openapi.json`)).json();
  });
  afterAll(async () => {
    for (const t of targets) await t.server.close();
  });

  it(
    `${RUNS} hostile requests per store: no 5xx, problem+json naming the field, nothing partially written, the same status on every store`,
    async () => {
      const hits = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(anyRequest(doc), async (req) => {
          // Every URL Herald could call is on 127.0.0.1.
          fc.pre(!/https?:\/\/(?!127\.0\.0\.1[:/])/i.test(req.body ?? ''));
          const key = `${req.route.method} ${req.route.path}`;
          hits.set(key, (hits.get(key) ?? 0) + 1);
          const mutates = req.method !== 'GET';
          const before = mutates ? await Promise.all(targets.map(fingerprint)) : [];
          const answers = await Promise.all(targets.map((t) => send(t, req)));
          answers.forEach((a, i) => {
            checkAnswer((targets[i] as Target).backend, req, a);
          });
          const statuses = answers.map((a) => a.status);
          console.log(
            'STAT',
            key,
            statuses[0],
            answers[0]?.body?.code ?? '',
            answers[0]?.body?.detail,
          );
          expect(new Set(statuses).size, `${describeRequest(req)} → ${statuses}`).toBe(1);
          if (mutates && (statuses[0] as number) >= 400) {
            const after = await Promise.all(targets.map(fingerprint));
            expect(after, `refused but changed: ${describeRequest(req)}`).toEqual(before);
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      // Every documented route was exercised.
      for (const r of routesOf(doc))
        expect(hits.get(`${r.method} ${r.path}`), `${r.method} ${r.path}`).toBeGreaterThan(0);
    },
    Math.max(120_000, RUNS * 200),
  );
});
