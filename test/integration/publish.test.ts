import { describe, expect, it } from 'vitest';
import { useHerald } from '../fixtures/herald-fixture.ts';
import { testBackends } from '../fixtures/test-server.ts';

describe.each(await testBackends())('publishing (%s)', (backend) => {
  const { api } = useHerald(backend, {
    receiver: false,
    settings: { maxEventBytes: '2048', maxBatchBytes: '65536' },
  });
  const count = async () => (await api.get('/events?limit=100')).body.data.length;

  it('returns the first event for a repeated idempotency key and stores only one', async () => {
    const first = await api.post('/events', { event: 'order.paid', data: { n: 1 }, id: 'pay-1' });
    const again = await api.post('/events', { event: 'order.paid', data: { n: 2 }, id: 'pay-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const batch = await api.post('/events/batch', {
      events: [
        { event: 'order.paid', data: {}, id: 'pay-1' },
        { event: 'order.paid', data: {}, id: 'pay-2' },
      ],
    });
    expect(batch.body.data[0]).toEqual(first.body);
    expect(batch.body.data[1].sequence).toBe(2);
    expect(await count()).toBe(2);
  });

  it('stores a batch all or none: one invalid event rejects the whole batch', async () => {
    const before = await count();
    const res = await api.post('/events/batch', {
      events: [
        { event: 'order.paid', data: {} },
        { event: 'not valid!', data: {} },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.field).toBe('events.1.event');
    expect(await count()).toBe(before);
  });

  it('rejects a batch with an oversized event with 413 and stores nothing', async () => {
    const before = await count();
    const res = await api.post('/events/batch', {
      events: [
        { event: 'order.paid', data: {} },
        { event: 'order.paid', data: { blob: 'x'.repeat(4000) } },
      ],
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'payload_too_large', field: 'events.1.data' });
    expect(await count()).toBe(before);
  });

  it('rejects a single event over the limit with 413', async () => {
    const res = await api.post('/events', {
      event: 'order.paid',
      data: { blob: 'x'.repeat(4000) },
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('rejects more than 1,000 events in a batch and an empty batch', async () => {
    const many = await api.post('/events/batch', {
      events: Array.from({ length: 1001 }, () => ({ event: 'a.b', data: {} })),
    });
    expect(many.status).toBe(422);
    expect(many.body.field).toBe('events');
    const none = await api.post('/events/batch', { events: [] });
    expect(none.status).toBe(422);
    expect(none.body.field).toBe('events');
  });
});
