import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  startTestServer,
  type TestServer,
  testBackends,
  waitFor,
} from '../fixtures/test-server.ts';

describe.each(await testBackends())('retention (%s)', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    // A one-second retention with a fast job stands in for the 30-day default.
    server = await startTestServer(backend, { retentionMs: '1s', retentionIntervalMs: '100ms' });
    api = client(server.url, await server.key());
  });
  afterAll(() => server.close());

  it('removes expired events, stops serving them, and rejects a cursor before the horizon with 410', async () => {
    const old = await api.post('/events', { event: 'a.created', data: {} });
    expect((await api.get('/events')).body.data).toHaveLength(1);
    await waitFor(async () => (await api.get('/events')).body.data.length === 0);
    // The job deleted the row, not only the read filter.
    await waitFor(
      async () =>
        (await server.store.eventGetById({
          tenantId: (await server.store.tenantGetByName({ name: 'default' }))?.id as string,
          id: old.body.id,
        })) === null,
    );

    const res = await api.get(`/events?after=${old.body.id}`);
    expect(res.status).toBe(410);
    expect(res.body).toMatchObject({ code: 'cursor_expired', field: 'after' });

    const fresh = await api.post('/events', { event: 'a.created', data: {} });
    expect(fresh.body.sequence).toBe(2);
    expect((await api.get('/events')).body.data.map((e: { id: string }) => e.id)).toEqual([
      fresh.body.id,
    ]);
  });
});
