// A 2xx means committed: publishers keep single and batch POSTs in flight
// against a real `herald serve`, which is killed with SIGKILL among them.
// After a restart on the same store every event that was answered 201 is
// there, and the log is still gap-free and in order (sequences 1..n). On
// SQLite an append is committed on the store's commit thread and answered
// only after its COMMIT; this is the test that a crash between the two
// loses nothing acknowledged.
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
import { client, tempDir } from '../fixtures/test-server.ts';

const PUBLISHERS = 8;

/** Publishes until a request fails (the server is gone); returns the ids answered 201. */
async function publishUntilGone(url: string, key: string, p: number): Promise<string[]> {
  const api = client(url, key);
  const acked: string[] = [];
  for (let n = 0; n < 100_000; n++) {
    try {
      if (n % 2 === 0) {
        const r = await api.post('/events', { event: 'crash.publish', data: { p, n } });
        if (r.status !== 201) return acked;
        acked.push(r.body.id);
      } else {
        const events = Array.from({ length: 50 }, (_, i) => ({
          event: 'crash.publish',
          data: { p, n, i },
        }));
        const r = await api.post('/events/batch', { events });
        if (r.status !== 201) return acked;
        for (const e of r.body.data) acked.push(e.id);
      }
    } catch {
      return acked;
    }
  }
  return acked;
}

async function listAll(url: string, key: string): Promise<{ id: string; sequence: number }[]> {
  const api = client(url, key);
  const out: { id: string; sequence: number }[] = [];
  let after = '';
  for (let page = 0; page < 10_000; page++) {
    const r = await api.get(`/events?limit=100&order=asc${after}`);
    expect(r.status).toBe(200);
    out.push(...r.body.data.map((e: { id: string; sequence: number }) => e));
    if (!r.body.list_metadata.after) break;
    after = `&after=${r.body.list_metadata.after}`;
  }
  return out;
}

async function crashAndCheck(args: string[], key: string, running: ServeProcess[]) {
  const first = await startServe(args);
  running.push(first);
  const publishers = Array.from({ length: PUBLISHERS }, (_, p) =>
    publishUntilGone(first.url, key, p),
  );
  await new Promise((r) => setTimeout(r, 800));
  first.child.kill('SIGKILL');
  const acked = (await Promise.all(publishers)).flat();
  expect(acked.length).toBeGreaterThan(0);

  const again = await startServe(args);
  running.push(again);
  const listed = await listAll(again.url, key);
  const ids = new Set(listed.map((e) => e.id));
  expect(acked.filter((id) => !ids.has(id))).toEqual([]);
  expect(listed.map((e) => e.sequence)).toEqual(listed.map((_, i) => i + 1));
}

describe('publish survives kill -9 (sqlite)', () => {
  const running: ServeProcess[] = [];
  afterAll(() => killAll(running));

  it('keeps every event answered 201, gap-free and in order, across SIGKILL and restart', async () => {
    const data = tempDir('herald-publish-crash-');
    const setup = new SqliteStore({ path: `${data}/herald.db` });
    await setup.migrate();
    const { key } = await createApiKey(setup, { tenant: 'default', name: 'c', admin: false });
    await setup.close();
    await crashAndCheck(['--data', data], key, running);
  });
});

if (await postgresTestsEnabled()) {
  describe('publish survives kill -9 (postgres)', () => {
    const schema = newTestSchemaName();
    const running: ServeProcess[] = [];
    afterAll(async () => {
      await killAll(running);
      await dropSchema(schema);
    });

    it('keeps every event answered 201, gap-free and in order, across SIGKILL and restart', async () => {
      const setup = new TestPostgresStore({ schema, dropOnClose: false });
      await setup.migrate();
      const { key } = await createApiKey(setup, { tenant: 'default', name: 'c', admin: false });
      await setup.close();
      await crashAndCheck(['--database', postgresUrl(), '--database-schema', schema], key, running);
    });
  });
}
