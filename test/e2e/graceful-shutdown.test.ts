// SIGTERM does not cut requests, with real processes and sockets: 16
// publishers whose requests are half sent when the signal arrives each get a
// complete response (201 and stored, or 503), never a reset; an open long poll
// is answered 200 with what it has; an SSE stream ends cleanly; the process
// exits 0. On PostgreSQL with the database gone, shutdown still ends within
// its grace, answering what it cannot finish with 503.
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/services/api-keys.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { killAll, type ServeProcess, startServe } from '../fixtures/cli.ts';
import {
  dropSchema,
  newTestSchemaName,
  postgresTestsEnabled,
  postgresUrl,
  TestPostgresStore,
} from '../fixtures/postgres.ts';
import { startTcpProxy } from '../fixtures/tcp-proxy.ts';
import { client, tempDir } from '../fixtures/test-server.ts';

const PUBLISHERS = 16;
const BATCH = 20;

interface Outcome {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A POST whose body is sent in two halves: `rest()` sends the second. */
function halfSentPost(url: string, path: string, key: string, body: string) {
  const { hostname, port } = new URL(url);
  const bytes = Buffer.from(body);
  let sendRest: () => void = () => {};
  const outcome = new Promise<Outcome>((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port: Number(port),
        path,
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': String(bytes.length),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const half = Math.floor(bytes.length / 2);
    req.write(bytes.subarray(0, half));
    sendRest = () => req.end(bytes.subarray(half));
  });
  return { outcome, rest: () => sendRest() };
}

/** GET that resolves with the status, the body and whether the response ended cleanly. */
function get(url: string, path: string, key: string) {
  return new Promise<{ status: number; body: string; complete: boolean }>((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { headers: { authorization: `Bearer ${key}` }, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('close', () =>
          resolve({ status: res.statusCode ?? 0, body: text, complete: res.complete }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function batchBody(p: number): string {
  return JSON.stringify({
    events: Array.from({ length: BATCH }, (_, i) => ({ event: 'shut.down', data: { p, i } })),
  });
}

describe('SIGTERM (sqlite)', () => {
  const running: ServeProcess[] = [];
  afterAll(async () => {
    await killAll(running);
  });

  it('answers every request already received, the long poll with what it has, and ends SSE cleanly', async () => {
    const data = tempDir();
    const setup = new SqliteStore({ path: `${data}/herald.db` });
    await setup.migrate();
    const { key } = await createApiKey(setup, { tenant: 'default', name: 's', admin: false });
    await setup.close();
    const serve = await startServe(['--data', data, '--shutdown-grace', '5s']);
    running.push(serve);

    const sse = get(serve.url, '/events/stream', key);
    const poll = get(serve.url, '/events?wait=30', key);
    const publishers = Array.from({ length: PUBLISHERS }, (_, p) =>
      halfSentPost(serve.url, '/events/batch', key, batchBody(p)),
    );
    // Every request is in the server's hands (headers read, body half sent).
    await new Promise((r) => setTimeout(r, 500));
    serve.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    for (const p of publishers) p.rest();

    const outcomes = await Promise.all(publishers.map((p) => p.outcome));
    for (const o of outcomes) {
      expect([201, 503]).toContain(o.status);
      if (o.status === 503) expect(JSON.parse(o.body).code).toBe('service_unavailable');
    }
    const polled = await poll;
    expect(polled.status).toBe(200);
    expect(polled.complete).toBe(true);
    expect(JSON.parse(polled.body).object).toBe('list');
    const streamed = await sse;
    expect(streamed.status).toBe(200);
    expect(streamed.complete).toBe(true);
    expect(await serve.exited).toBe(0);

    // A 201 means stored: every event answered so is there after a restart.
    const stored = outcomes.filter((o) => o.status === 201).length;
    const again = await startServe(['--data', data]);
    running.push(again);
    const api = client(again.url, key);
    let count = 0;
    let after = '';
    for (let page = 0; page < 100; page++) {
      const listed = await api.get(`/events?limit=100${after}`);
      expect(listed.status).toBe(200);
      count += listed.body.data.length;
      if (listed.body.data.length < 100) break;
      after = `&after=${listed.body.list_metadata.after}`;
    }
    expect(count).toBe(stored * BATCH);
    expect(stored).toBeGreaterThan(0);
  });
});

if (await postgresTestsEnabled()) {
  describe('SIGTERM with the database gone (postgres)', () => {
    const schema = newTestSchemaName();
    const running: ServeProcess[] = [];
    afterAll(async () => {
      await killAll(running);
      await dropSchema(schema);
    });

    it('exits within its grace and answers what it cannot finish with 503', async () => {
      const setup = new TestPostgresStore({ schema, dropOnClose: false });
      await setup.migrate();
      const { key } = await createApiKey(setup, { tenant: 'default', name: 's', admin: false });
      await setup.close();
      const pg = new URL(postgresUrl());
      const proxy = await startTcpProxy(pg.hostname, Number(pg.port || 5432));
      const viaProxy = new URL(postgresUrl());
      viaProxy.port = String(proxy.port);
      try {
        const serve = await startServe([
          '--database',
          viaProxy.toString(),
          '--database-schema',
          schema,
          '--shutdown-grace',
          '2s',
        ]);
        running.push(serve);
        const poll = get(serve.url, '/events?wait=30', key);
        const publishers = Array.from({ length: PUBLISHERS }, (_, p) =>
          halfSentPost(serve.url, '/events/batch', key, batchBody(p)),
        );
        await new Promise((r) => setTimeout(r, 500));
        await proxy.down();
        serve.child.kill('SIGTERM');
        for (const p of publishers) p.rest();
        const outcomes = await Promise.all(publishers.map((p) => p.outcome));
        for (const o of outcomes) expect([201, 503]).toContain(o.status);
        expect((await poll).complete).toBe(true);
        // Bounded by the grace (2 s) plus serve's backstop (5 s); 10 s leaves slack.
        const exited = await Promise.race([
          serve.exited.then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), 10_000)),
        ]);
        expect(exited).toBe(true);
      } finally {
        await proxy.close();
      }
    });
  });
}
