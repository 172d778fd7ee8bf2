import { describe, expect, it } from 'vitest';
import { useHerald } from '../fixtures/herald-fixture.ts';
import { testBackends, waitFor } from '../fixtures/test-server.ts';

describe.each(await testBackends())('long polling (%s)', (backend) => {
  const { server, api } = useHerald(backend, { receiver: false });

  it('holds an empty request open and answers as soon as a matching event commits', async () => {
    const first = await api.post('/events', { event: 'a.created', data: {} });
    const started = Date.now();
    const pending = api.get(`/events?after=${first.body.id}&events=b.created&wait=30`);
    await waitFor(async () => server.herald.hub.waiterCount === 1);
    // A non-matching commit wakes the poll, which finds nothing and waits again.
    await api.post('/events', { event: 'a.created', data: {} });
    const published = await api.post('/events', { event: 'b.created', data: { hello: 1 } });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body.data.map((e: { id: string }) => e.id)).toEqual([published.body.id]);
    // Answered because of the commit, not because the 30 s wait ran out.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('times out with an empty page when nothing matching commits', async () => {
    const head = await api.post('/events', { event: 'a.created', data: {} });
    const res = await api.get(`/events?after=${head.body.id}&wait=0.3`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ object: 'list', data: [], list_metadata: { after: null } });
  });

  it('rejects a wait over 60 seconds', async () => {
    const res = await api.get('/events?wait=61');
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('wait');
  });

  it('answers concurrent long polls of one tenant from one commit', async () => {
    const head = await api.post('/events', { event: 'a.created', data: {} });
    const polls = Array.from({ length: 5 }, () => api.get(`/events?after=${head.body.id}&wait=30`));
    await waitFor(async () => server.herald.hub.waiterCount === 5);
    const published = await api.post('/events', { event: 'c.created', data: {} });
    for (const res of await Promise.all(polls)) {
      expect(res.body.data[0]?.id).toBe(published.body.id);
    }
  });
});
