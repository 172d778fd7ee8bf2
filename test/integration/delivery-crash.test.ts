// Crash safety: a real `herald serve` process on a SQLite data folder is
// killed with SIGKILL mid-delivery and restarted on the same folder; every
// event still arrives, only deliveries that were in flight arrive twice, an
// ordered endpoint never goes backwards, and sending resumes as soon as the
// new process is up (it owns every endpoint at start: no lease to wait out).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/services/api-keys.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import { client, tempDir, waitFor } from '../fixtures/test-server.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const EVENTS = 3000;
const CONCURRENCY = 10;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function serve(dataDir: string, port: number): ChildProcess {
  // process.execPath is the pinned Node 24 that runs vitest, so types strip natively.
  return spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--data',
      dataDir,
      '--port',
      String(port),
      '--allow-private-endpoints',
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function setupDataDir(): Promise<{ dir: string; key: string }> {
  const dir = tempDir('herald-crash-');
  const setup = new SqliteStore({ path: join(dir, 'herald.db') });
  await setup.migrate();
  const { key } = await createApiKey(setup, { tenant: 'default', name: 'crash', admin: false });
  await setup.close();
  return { dir, key };
}

function healthy(url: string): Promise<boolean> {
  return waitFor(async () => {
    try {
      return (await fetch(`${url}/healthz`)).ok;
    } catch {
      return false;
    }
  }, 20_000);
}

async function publish(api: ReturnType<typeof client>, total: number): Promise<void> {
  for (let i = 0; i < total; i += 500) {
    const events = Array.from({ length: Math.min(500, total - i) }, (_, k) => ({
      event: 'crash.test',
      data: { i: i + k },
    }));
    expect((await api.post('/events/batch', { events })).status).toBe(201);
  }
}

describe('delivery survives kill -9 (sqlite, real process)', () => {
  const children: ChildProcess[] = [];
  let rx: Receiver | null = null;
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await rx?.close();
  });

  it(`delivers all ${EVENTS} events at least once across a SIGKILL and restart`, async () => {
    const { dir, key } = await setupDataDir();

    rx = await startReceiver(() => ({ status: 200, delayMs: 2 }));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const api = client(url, key);
    const up = () => healthy(url);

    const first = serve(dir, port);
    children.push(first);
    await up();
    const ep = await api.post('/endpoints', {
      url: `${rx.url}/crash`,
      max_concurrency: CONCURRENCY,
      // Short timeouts keep the lease of a killed worker's deliveries short.
      timeout: { connect_ms: 1000, response_ms: 1000 },
      retry: [0.1, 0.2, 0.5, 1, 1, 1, 1, 1],
    });
    expect(ep.status).toBe(201);
    await publish(api, EVENTS);
    await waitFor(async () => rx && rx.requests.length >= 300, 30_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const beforeRestart = rx.requests.length;
    expect(beforeRestart).toBeLessThan(EVENTS);

    const second = serve(dir, port);
    children.push(second);
    await up();
    const seqs = () => new Set(rx?.requests.map((r) => JSON.parse(r.body).sequence as number));
    await waitFor(async () => seqs().size >= EVENTS, 60_000);
    expect([...seqs()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: EVENTS }, (_, i) => i + 1),
    );
    // Only what was in flight at the kill may arrive twice.
    const duplicates = rx.requests.length - seqs().size;
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
    console.log(
      `crash test: ${beforeRestart} requests before SIGKILL, ${rx.requests.length} in total, ${duplicates} duplicates`,
    );
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
  }, 120_000);

  it('resumes sending at once after kill -9, with default timeouts, and keeps an ordered endpoint in order', async () => {
    const { dir, key } = await setupDataDir();
    const slow = await startReceiver(() => ({ status: 200, delayMs: 5 }));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const api = client(url, key);
    const up = () => healthy(url);
    try {
      const first = serve(dir, port);
      children.push(first);
      await up();
      // Default timeouts: the old engine held a killed process's work for connect + response + margin (~65 s).
      const busy = await api.post('/endpoints', { url: `${slow.url}/busy`, max_concurrency: 20 });
      const ordered = await api.post('/endpoints', { url: `${slow.url}/ordered`, ordered: true });
      expect(busy.status).toBe(201);
      expect(ordered.status).toBe(201);
      const total = 1500;
      await publish(api, total);
      const at = (path: string) => slow.requests.filter((r) => r.path === path);
      await waitFor(async () => at('/busy').length >= 300 && at('/ordered').length >= 50, 30_000);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const before = slow.requests.length;

      const second = serve(dir, port);
      children.push(second);
      await up();
      const upAt = Date.now();
      const next = await waitFor(async () => slow.requests[before], 20_000);
      // Sending resumes within a second or two of the restart, not after a lease.
      expect(next.at - upAt).toBeLessThan(5_000);

      const seqsOf = (path: string) => at(path).map((r) => JSON.parse(r.body).sequence as number);
      await waitFor(async () => new Set(seqsOf('/ordered')).size >= total, 60_000);
      await waitFor(async () => new Set(seqsOf('/busy')).size >= total, 60_000);
      // Ordered across the crash: never a later event before an earlier one;
      // the only repeat allowed is the one in flight at the kill, sent again first.
      const o = seqsOf('/ordered');
      for (let i = 1; i < o.length; i++) {
        expect(o[i] as number).toBeGreaterThanOrEqual(o[i - 1] as number);
      }
      expect(o.length - new Set(o).size).toBeLessThanOrEqual(1);
      console.log(
        `crash (default timeouts): first request ${next.at - upAt} ms after restart; ordered ${o.length} requests for ${total} events`,
      );
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    } finally {
      await slow.close();
    }
  }, 120_000);

  it('after kill -9 resends only what was unrecorded, even behind a send that hangs', async () => {
    const { dir, key } = await setupDataDir();
    let firstSeen = false;
    // The first request of event 1 hangs; every other request is answered at once.
    const rx2 = await startReceiver((req) => {
      if (JSON.parse(req.body).sequence === 1 && !firstSeen) {
        firstSeen = true;
        return { status: 200, delayMs: 60_000 };
      }
      return { status: 200 };
    });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const api = client(url, key);
    try {
      const first = serve(dir, port);
      children.push(first);
      await healthy(url);
      expect(
        (await api.post('/endpoints', { url: `${rx2.url}/h`, max_concurrency: 5 })).status,
      ).toBe(201);
      await publish(api, 300);
      // Everything but the hanging event is delivered (and recorded) while the
      // cursor waits below event 1.
      await waitFor(async () => rx2.requests.length >= 300, 20_000);
      await new Promise((r) => setTimeout(r, 200));
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const before = rx2.requests.length;
      const second = serve(dir, port);
      children.push(second);
      await healthy(url);
      await waitFor(
        async () => rx2.requests.slice(before).some((r) => JSON.parse(r.body).sequence === 1),
        20_000,
      );
      await new Promise((r) => setTimeout(r, 500));
      const resent = rx2.requests.slice(before).map((r) => JSON.parse(r.body).sequence);
      // Only the one that was in flight goes again, not the 299 recorded after it.
      expect(resent).toEqual([1]);
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    } finally {
      await rx2.close();
    }
  }, 90_000);
});
