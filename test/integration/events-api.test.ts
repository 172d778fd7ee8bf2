import { describe, expect, it } from 'vitest';
import { useHerald } from '../fixtures/herald-fixture.ts';
import { testBackends } from '../fixtures/test-server.ts';

describe.each(await testBackends())('Events API (%s)', (backend) => {
  const { api } = useHerald(backend, { receiver: false });

  it('publishes an event and answers 201 with the stored event', async () => {
    const res = await api.post('/events', {
      event: 'user.created',
      data: { id: 'u1' },
      organization_id: 'org_1',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({
      object: 'event',
      event: 'user.created',
      data: { id: 'u1' },
      organization_id: 'org_1',
      sequence: 1,
      context: { sequence: 1, organization_id: 'org_1' },
    });
    expect(res.body.id).toMatch(/^event_[0-9A-Z]{26}$/);
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
  });

  it('lists in order, filters by type and organization, and paginates with after', async () => {
    const batch = await api.post('/events/batch', {
      events: [
        { event: 'user.updated', data: { n: 2 }, organization_id: 'org_2' },
        { event: 'user.deleted', data: { n: 3 }, organization_id: 'org_1' },
        { event: 'group.created', data: { n: 4 } },
        { event: 'user.created', data: { n: 5 }, organization_id: 'org_2' },
      ],
    });
    expect(batch.status).toBe(201);
    expect(batch.body.data.map((e: { sequence: number }) => e.sequence)).toEqual([2, 3, 4, 5]);

    const all = await api.get('/events?limit=100');
    expect(all.body.object).toBe('list');
    expect(all.body.data.map((e: { sequence: number }) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(all.body.list_metadata.after).toBe(all.body.data[4].id);

    const seq = (r: { body: { data: { sequence: number }[] } }) =>
      r.body.data.map((e) => e.sequence);
    expect(seq(await api.get('/events?events=user.created,user.deleted'))).toEqual([1, 3, 5]);
    expect(seq(await api.get('/events?events=user.created&events=group.created'))).toEqual([
      1, 4, 5,
    ]);
    expect(seq(await api.get('/events?events[]=user.updated&events[]=group.created'))).toEqual([
      2, 4,
    ]);
    expect(seq(await api.get('/events?organization_id=org_2'))).toEqual([2, 5]);
    expect(seq(await api.get('/events?order=desc&limit=2'))).toEqual([5, 4]);

    const page1 = await api.get('/events?limit=2');
    expect(seq(page1)).toEqual([1, 2]);
    const page2 = await api.get(`/events?limit=2&after=${page1.body.list_metadata.after}`);
    expect(seq(page2)).toEqual([3, 4]);
    const page3 = await api.get(`/events?limit=2&after=${page2.body.list_metadata.after}`);
    expect(seq(page3)).toEqual([5]);
    const page4 = await api.get(`/events?limit=2&after=${page3.body.list_metadata.after}`);
    expect(page4.body).toEqual({ object: 'list', data: [], list_metadata: { after: null } });

    const desc = await api.get(`/events?order=desc&limit=2&after=${all.body.data[3].id}`);
    expect(seq(desc)).toEqual([3, 2]);
  });

  it('filters by created_at range', async () => {
    const all = (await api.get('/events?limit=100')).body.data;
    const last = all.at(-1);
    const after = new Date(new Date(last.created_at).getTime() + 1).toISOString();
    expect((await api.get(`/events?range_start=${after}`)).body.data).toEqual([]);
    expect(
      (await api.get(`/events?range_end=${encodeURIComponent(all[0].created_at)}`)).body.data,
    ).toEqual([]);
    const inRange = await api.get(
      `/events?range_start=${encodeURIComponent(all[0].created_at)}&range_end=${after}&limit=100`,
    );
    expect(inRange.body.data).toHaveLength(all.length);
  });
});
