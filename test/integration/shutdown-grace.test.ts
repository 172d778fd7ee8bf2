// Shutdown is bounded even when requests cannot finish: with the event log
// locked in PostgreSQL (publishes wait on it), close() answers the waiting
// publishes with 503 once the grace period is over instead of cutting them.
import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresTestsEnabled, postgresUrl, type TestPostgresStore } from '../fixtures/postgres.ts';
import { client, startTestServer } from '../fixtures/test-server.ts';

if (await postgresTestsEnabled()) {
  describe('shutdown grace (postgres)', () => {
    it('answers publishes still waiting at the end of the grace with 503', async () => {
      const server = await startTestServer('postgres', { shutdownGraceMs: '1s' });
      const api = client(server.url, await server.key());
      expect((await api.post('/events', { event: 'a.b', data: {} })).status).toBe(201);
      const schema = (server.store as TestPostgresStore).schema;
      const locker = new Client({
        connectionString: postgresUrl(),
        options: `-c search_path=${schema}`,
      });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE streams IN ACCESS EXCLUSIVE MODE');
        const waiting = Array.from({ length: 4 }, (_, i) =>
          api.post('/events', { event: 'a.b', data: { i } }),
        );
        await new Promise((r) => setTimeout(r, 300));
        const closing = server.close();
        const outcomes = await Promise.all(waiting);
        for (const o of outcomes) {
          expect(o.status).toBe(503);
          expect(o.headers.get('retry-after')).not.toBeNull();
          expect(o.body.code).toBe('service_unavailable');
        }
        await locker.query('ROLLBACK');
        await closing;
      } finally {
        await locker.end();
      }
    });
  });
}
