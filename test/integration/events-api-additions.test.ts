// GET /events/{id} and the Stripe-style Idempotency-Key header.
import { describe, expect, it } from 'vitest';
import { useHerald } from '../fixtures/herald-fixture.ts';
import { client, testBackends } from '../fixtures/test-server.ts';

describe.each(await testBackends())('Events API additions (%s)', (backend) => {
  const { server, api } = useHerald(backend, { receiver: false });

  it('GET /events/{id} answers the stored event, and 404 problem+json for an unknown or foreign id', async () => {
    const made = await api.post('/events', {
      event: 'user.created',
      data: { id: 'u1' },
      organization_id: 'org_1',
    });
    const got = await api.get(`/events/${made.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(made.body);

    const other = client(server.url, await server.key('someone-else'));
    const foreign = await other.get(`/events/${made.body.id}`);
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(foreign.body).toMatchObject({ code: 'not_found', field: 'id' });
    expect((await api.get('/events/event_01J00000000000000000000000')).status).toBe(404);
    expect((await api.get('/events/not-an-id')).status).toBe(404);
  });

  it('Idempotency-Key on POST /events stores once and replays the first event', async () => {
    const key = { 'idempotency-key': 'order-42-paid' };
    const first = await api.post('/events', { event: 'order.paid', data: { n: 1 } }, key);
    expect(first.status).toBe(201);
    const again = await api.post('/events', { event: 'order.paid', data: { n: 2 } }, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    // The header and the body's id are one key space.
    const viaBody = await api.post('/events', {
      event: 'order.paid',
      data: {},
      id: 'order-42-paid',
    });
    expect(viaBody.body.id).toBe(first.body.id);
    const listed = await api.get('/events?events=order.paid');
    expect(listed.body.data).toHaveLength(1);
  });

  it('refuses a header that contradicts the body id with 422 naming Idempotency-Key, storing nothing', async () => {
    const before = (await api.get('/events?order=desc&limit=1')).body.data[0]?.sequence;
    const res = await api.post(
      '/events',
      { event: 'order.refunded', data: {}, id: 'a' },
      { 'idempotency-key': 'b' },
    );
    expect(res.status).toBe(422);
    expect(res.body.field).toBe('Idempotency-Key');
    const after = (await api.get('/events?order=desc&limit=1')).body.data[0]?.sequence;
    expect(after).toBe(before);
  });

  it('Idempotency-Key on a batch keys each event by its position: a retried batch stores nothing new', async () => {
    const events = [
      { event: 'invoice.sent', data: { n: 1 } },
      { event: 'invoice.sent', data: { n: 2 }, id: 'own-key' },
    ];
    const key = { 'idempotency-key': 'batch-7' };
    const first = await api.post('/events/batch', { events }, key);
    expect(first.status).toBe(201);
    const retry = await api.post('/events/batch', { events }, key);
    expect(retry.body.data.map((e: { id: string }) => e.id)).toEqual(
      first.body.data.map((e: { id: string }) => e.id),
    );
    expect((await api.get('/events?events=invoice.sent')).body.data).toHaveLength(2);
  });
});
