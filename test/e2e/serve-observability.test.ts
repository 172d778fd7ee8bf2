// `herald serve` as a real process: human-readable log lines with
// --log-format pretty; and a worker-role process on PostgreSQL exposing its
// metrics (the delivery gauges included) on --metrics-port without a key,
// writing JSON log lines since its stderr is not a terminal.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServe } from '../fixtures/cli.ts';
import {
  dropSchema,
  newTestSchemaName,
  postgresTestsEnabled,
  postgresUrl,
  TestPostgresStore,
} from '../fixtures/postgres.ts';
import { scrape } from '../fixtures/prometheus.ts';
import { client, tempDir, waitFor } from '../fixtures/test-server.ts';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('log format of herald serve', () => {
  it('writes readable lines with --log-format pretty', async () => {
    const p = await startServe(['--data', tempDir(), '--log-format', 'pretty']);
    try {
      await client(p.url).get('/healthz', { 'x-request-id': 'req-pretty' });
      const out = await waitFor(async () =>
        p.output().includes('req-pretty') ? p.output() : null,
      );
      const lines = out.split('\n').filter((l) => l.includes('req-pretty'));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l.trimStart().startsWith('{')).toBe(false);
      expect(out).toMatch(/INFO.*request/);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });
});

if (await postgresTestsEnabled()) {
  describe('metrics of a worker process (PostgreSQL)', () => {
    const schema = newTestSchemaName();
    let p: ServeProcess | null = null;

    beforeAll(async () => {
      const setup = new TestPostgresStore({ schema, dropOnClose: false });
      await setup.migrate();
      await setup.close();
    });
    afterAll(async () => {
      p?.child.kill('SIGKILL');
      await p?.exited;
      await dropSchema(schema);
    });

    it('serves /metrics on --metrics-port and logs JSON lines', async () => {
      const port = await freePort();
      p = await startServe([
        '--database',
        postgresUrl(),
        '--database-schema',
        schema,
        '--role',
        'worker',
        '--metrics-port',
        String(port),
      ]);
      const metricsUrl = `http://127.0.0.1:${port}`;
      const started = p;
      // The metrics listener starts right after the API port.
      await waitFor(async () => started.output().includes(`"url":"${metricsUrl}"`));
      const s = await scrape(metricsUrl);
      expect(s.value('herald_build_info')).toBe(1);
      expect(s.family('herald_delivery_endpoints').type).toBe('GAUGE');
      expect(s.value('herald_delivery_in_flight')).toBe(0);
      expect((await client(p.url).get('/metrics')).status).toBe(404);
      expect((await client(p.url).get('/healthz', { 'x-request-id': 'req-worker' })).status).toBe(
        200,
      );
      const proc = p;
      const line = await waitFor(async () =>
        proc
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l))
          .find((l) => l.request_id === 'req-worker'),
      );
      expect(line).toMatchObject({ msg: 'request', route: '/healthz', status: 200 });
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      p = null;
    });
  });
}
