import { describe, expect, it } from 'vitest';

import { useHerald } from '../fixtures/herald-fixture.ts';
import { testBackends, waitFor } from '../fixtures/test-server.ts';

describe.each(await testBackends())('retention (%s)', (backend) => {
  // A one-second retention with a fast job stands in for the 30-day default.
  const { server, api } = useHerald(backend, {
    receiver: false,
    settings: { retentionMs: '1s', retentionIntervalMs: '100ms' },
  });

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

describe.each(await testBackends())('delivery retention (%s)', (backend) => {
  const { server, api, endpoint } = useHerald(backend, {
    // Events are kept (the 30-day default); finished deliveries for one second.
    settings: { deliveryRetentionMs: '1s', retentionIntervalMs: '100ms' },
    receiver: (req) => ({ status: req.path === '/down' ? 500 : 200 }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: API bodies are asserted field by field
  const deliveryOf = (epId: string, status: string): Promise<any> =>
    waitFor(async () =>
      (await api.get(`/endpoints/${epId}/deliveries`)).body.data.find(
        (d: { status: string }) => d.status === status,
      ),
    );

  it('removes finished deliveries with their attempts, keeps open ones and the events', async () => {
    const ok = await endpoint('ok');
    // Retrying for an hour: open, so kept however old its last change is.
    const down = await endpoint('down', { retry: [3600], disable_after: { failures: null } });
    const published = await api.post('/events', { event: 'a.created', data: {} });
    const done = await deliveryOf(ok.id, 'succeeded');
    const open = await deliveryOf(down.id, 'retrying');
    const tenantId = (await server.store.tenantGetByName({ name: 'default' }))?.id as string;

    await waitFor(async () => (await api.get(`/deliveries/${done.id}`)).status === 404);
    expect(await server.store.attemptList({ tenantId, deliveryId: done.id })).toEqual([]);
    // The lists just return less, and a cursor naming a removed delivery still pages.
    expect((await api.get(`/endpoints/${ok.id}/deliveries`)).body.data).toEqual([]);
    const after = await api.get(`/endpoints/${ok.id}/deliveries?after=${done.id}`);
    expect(after.status).toBe(200);
    expect(after.body.data).toEqual([]);
    expect((await api.post(`/deliveries/${done.id}/retry`)).status).toBe(404);

    // Let the open delivery age past the horizon and the job run a few times over it.
    await waitFor(async () => Date.now() - Date.parse(open.updated_at) > 1_500);
    await new Promise((r) => setTimeout(r, 300));
    const kept = await api.get(`/deliveries/${open.id}`);
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ status: 'retrying', attempt_count: 1 });
    expect(kept.body.attempts).toHaveLength(1);
    expect((await api.get(`/endpoints/${down.id}/deliveries`)).body.data).toHaveLength(1);
    expect((await api.get('/events')).body.data.map((e: { id: string }) => e.id)).toEqual([
      published.body.id,
    ]);
  });
});
