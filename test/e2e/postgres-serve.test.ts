// `herald serve` on PostgreSQL as a real process: a clear one-line error when
// the database is unreachable at start, surviving an outage while running
// (503 and /healthz 503 meanwhile, back to normal after), the worker role
// serving only /healthz, and list reads going to --read-database. Outages are
// made by a real TCP proxy in front of PostgreSQL (test/fixtures/tcp-proxy.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/services/api-keys.ts';
import { killAll, runCli, type ServeProcess, startServe } from '../fixtures/cli.ts';
import {
  dropSchema,
  newTestSchemaName,
  postgresTestsEnabled,
  postgresUrl,
  TestPostgresStore,
} from '../fixtures/postgres.ts';
import { startTcpProxy, type TcpProxy } from '../fixtures/tcp-proxy.ts';
import { client, waitFor } from '../fixtures/test-server.ts';

function viaProxy(proxy: TcpProxy): string {
  const u = new URL(postgresUrl());
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}

if (await postgresTestsEnabled()) {
  describe('herald serve on PostgreSQL (real processes)', () => {
    const schema = newTestSchemaName();
    const running: ServeProcess[] = [];
    const proxies: TcpProxy[] = [];
    let key: string;

    beforeAll(async () => {
      const setup = new TestPostgresStore({ schema, dropOnClose: false });
      await setup.migrate();
      key = (await createApiKey(setup, { tenant: 'default', name: 'e2e', admin: false })).key;
      await setup.close();
    });
    afterAll(async () => {
      await killAll(running);
      await Promise.all(proxies.map((p) => p.close()));
      await dropSchema(schema);
    });

    const serve = async (args: string[]) => {
      const p = await startServe(['--database-schema', schema, ...args]);
      running.push(p);
      return p;
    };
    const proxy = async () => {
      const p = await startTcpProxy('127.0.0.1', Number(new URL(postgresUrl()).port || 5432));
      proxies.push(p);
      return p;
    };

    it('exits non-zero at once with one line naming the reason when the database is unreachable', async () => {
      const res = await runCli(['serve', '--port', '0', '--database', 'postgres://127.0.0.1:1/x']);
      expect(res.code).toBe(1);
      const lines = res.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^herald: cannot use PostgreSQL at postgres:\/\/127\.0\.0\.1:1\/x: .*ECONNREFUSED/,
      );
    });

    it('answers 503 during a database outage without crashing, and recovers', async () => {
      const px = await proxy();
      const p = await serve(['--database', viaProxy(px)]);
      const api = client(p.url, key);
      expect((await api.post('/events', { event: 'a.b', data: { n: 1 } })).status).toBe(201);
      expect((await api.get('/healthz')).status).toBe(200);

      await px.down();
      await waitFor(async () => (await api.get('/healthz')).status === 503);
      const during = await api.post('/events', { event: 'a.b', data: { n: 2 } });
      expect(during.status).toBe(503);
      expect(during.headers.get('content-type')).toMatch(/problem\+json/);
      expect((await api.get('/events')).status).toBe(503);

      await px.up();
      await waitFor(async () => (await api.get('/healthz')).status === 200);
      const after = await waitFor(async () => {
        const r = await api.post('/events', { event: 'a.b', data: { n: 3 } });
        return r.status === 201 ? r : null;
      });
      const listed = await api.get('/events?order=desc&limit=1');
      expect(listed.body.data[0].id).toBe(after.body.id);
      expect(p.child.exitCode).toBeNull();
      expect(p.output()).toMatch(/database connection lost|store temporarily unavailable/);
    });

    it('serves only /healthz in the worker role', async () => {
      const p = await serve(['--database', postgresUrl(), '--role', 'worker']);
      const api = client(p.url, key);
      expect((await api.get('/healthz')).status).toBe(200);
      expect((await api.get('/events')).status).toBe(404);
      expect((await api.post('/events', { event: 'a.b', data: {} })).status).toBe(404);
      expect((await api.get('/endpoints')).status).toBe(404);
      expect((await client(p.url).get('/openapi.json')).status).toBe(404);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    });

    it('reads event lists from --read-database, and everything else from the primary', async () => {
      const replica = await proxy();
      const p = await serve([
        '--database',
        postgresUrl(),
        '--read-database',
        viaProxy(replica),
        '--role',
        'api',
      ]);
      const api = client(p.url, key);
      const published = await api.post('/events/batch', {
        events: Array.from({ length: 5 }, (_, i) => ({ event: 'r.x', data: { i } })),
      });
      expect(published.status).toBe(201);
      const ids = published.body.data.map((e: { id: string }) => e.id);
      const listed = await api.get(`/events?events=r.x&limit=10`);
      expect(listed.body.data.map((e: { id: string }) => e.id)).toEqual(ids);

      // The replica goes away: plain lists fail with 503; writes, cursor
      // lookups and waiting reads (long polling) use the primary and go on.
      await replica.down();
      expect((await api.get('/events?events=r.x')).status).toBe(503);
      expect((await api.post('/events', { event: 'r.x', data: { i: 5 } })).status).toBe(201);
      const polled = await api.get(`/events?events=r.x&after=${ids[4]}&wait=1`);
      expect(polled.status).toBe(200);
      expect(polled.body.data.map((e: { data: { i: number } }) => e.data.i)).toEqual([5]);
      expect((await api.get('/healthz')).status).toBe(200);

      await replica.up();
      const page = await waitFor(async () => {
        const r = await api.get(`/events?events=r.x&limit=10&after=${ids[1]}`);
        return r.status === 200 ? r : null;
      });
      expect(page.body.data.map((e: { data: { i: number } }) => e.data.i)).toEqual([2, 3, 4, 5]);
      // Both pools close on a clean shutdown.
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    });
  });
}
