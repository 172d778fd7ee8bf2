// Revocation reaches every process: two herald processes on one PostgreSQL
// schema; a key's SSE stream and long poll on one process end within a second
// of the key being revoked through the other, and the revoked key is refused
// there too, although that process had it cached.
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/services/api-keys.ts';
import { killAll, type ServeProcess, startServe } from '../fixtures/cli.ts';
import {
  dropSchema,
  newTestSchemaName,
  postgresTestsEnabled,
  postgresUrl,
  TestPostgresStore,
} from '../fixtures/postgres.ts';
import { openSse } from '../fixtures/sse-client.ts';
import { client, waitFor } from '../fixtures/test-server.ts';

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not end`)), ms)),
  ]);
}

if (await postgresTestsEnabled()) {
  describe('revocation across processes (postgres)', () => {
    const schema = newTestSchemaName();
    const procs: ServeProcess[] = [];
    afterAll(async () => {
      await killAll(procs);
      await dropSchema(schema);
    });

    it('ends streams and long polls on the other process and refuses the key there', async () => {
      const setup = new TestPostgresStore({ schema, dropOnClose: false });
      await setup.migrate();
      const adminKey = (await createApiKey(setup, { tenant: 'default', name: 'a', admin: true }))
        .key;
      const doomed = await createApiKey(setup, { tenant: 'default', name: 'd', admin: false });
      await setup.close();

      const args = ['--database', postgresUrl(), '--database-schema', schema];
      const [a, b] = (await Promise.all([startServe(args), startServe(args)])) as [
        ServeProcess,
        ServeProcess,
      ];
      procs.push(a, b);
      const onB = client(b.url, doomed.key);
      expect((await onB.get('/events')).status).toBe(200);
      expect((await onB.get('/events')).status).toBe(200);
      const sse = await openSse(`${b.url}/events/stream`, {
        authorization: `Bearer ${doomed.key}`,
      });
      expect(sse.status).toBe(200);
      const poll = onB.get('/events?wait=30');
      // The long poll has surely reached its wait by now.
      await new Promise((r) => setTimeout(r, 300));

      expect((await client(a.url, adminKey).delete(`/api-keys/${doomed.row.id}`)).status).toBe(204);
      await within(sse.body, 5_000, 'the SSE stream on the other process');
      expect((await within(poll, 5_000, 'the long poll on the other process')).status).toBe(401);
      await waitFor(async () => (await onB.get('/events')).status === 401, 5_000);
    });
  });
}
