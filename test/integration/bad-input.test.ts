// Every kind of bad input gets a 4xx problem+json naming the field, and stores nothing.
import { afterAll, describe, expect, it } from 'vitest';
import { useHerald } from '../fixtures/herald-fixture.ts';
import { testBackends } from '../fixtures/test-server.ts';

describe.each(await testBackends())('bad input (%s)', (backend) => {
  const { api } = useHerald(backend, { receiver: false });

  afterAll(async () => {
    // Nothing any of these requests sent was stored.
    expect((await api.get('/events')).body.data).toEqual([]);
  });

  const problem = (
    res: {
      status: number;
      headers: Headers;
      body: { status: number; type: string; title: string; detail: string };
    },
    status: number,
  ) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.status).toBe(status);
    expect(res.body.type).toMatch(/^https:\/\//);
    expect(res.body.title).toBeTruthy();
    expect(res.body.detail).toBeTruthy();
  };

  it.each([
    ['missing event', { data: {} }, 'event'],
    ['missing data', { event: 'a.b' }, 'data'],
    ['event type of one capitalised segment', { event: 'Created', data: {} }, 'event'],
    ['event type with spaces', { event: 'user created.x', data: {} }, 'event'],
    ['data not an object', { event: 'a.b', data: [1, 2] }, 'data'],
    ['data a string', { event: 'a.b', data: 'x' }, 'data'],
    ['organization_id a number', { event: 'a.b', data: {}, organization_id: 5 }, 'organization_id'],
    ['empty idempotency key', { event: 'a.b', data: {}, id: '' }, 'id'],
    ['unknown field', { event: 'a.b', data: {}, colour: 'red' }, 'colour'],
  ])('POST /events with %s → 422 naming the field', async (_name, body, field) => {
    const res = await api.post('/events', body);
    problem(res, 422);
    expect(res.body.field).toBe(field);
  });

  it('malformed JSON → 400', async () => {
    problem(await api.post('/events', '{"event": "a.b", '), 400);
  });

  it('a body that is not JSON → 415', async () => {
    problem(
      await api.post('/events', 'event=a.b', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
      415,
    );
  });

  it('an empty JSON body → 400', async () => {
    problem(await api.post('/events', '', { 'content-type': 'application/json' }), 400);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['order=sideways', 'order'],
    ['range_start=yesterday', 'range_start'],
    ['wait=-1', 'wait'],
    ['colour=red', 'colour'],
  ])('GET /events?%s → 400 naming the parameter', async (query, field) => {
    const res = await api.get(`/events?${query}`);
    problem(res, 400);
    expect(res.body.field).toBe(field);
  });

  it.each([
    ['not an id', 'cursor_invalid'],
    ['event_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'cursor_expired'],
    [`event_${'7'.repeat(10)}${'0'.repeat(16)}`, 'cursor_invalid'],
  ])('GET /events?after=%s → a clear cursor error', async (after, code) => {
    const res = await api.get(`/events?after=${encodeURIComponent(after)}`);
    problem(res, code === 'cursor_expired' ? 410 : 400);
    expect(res.body).toMatchObject({ code, field: 'after' });
  });

  it('an unknown route → 404 problem+json', async () => {
    problem(await api.get('/nope'), 404);
  });
});
