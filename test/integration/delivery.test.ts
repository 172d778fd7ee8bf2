// Push delivery end to end: a published event reaches a real receiver, signed,
// with the exact Events API body, the right headers, filters and formats, and
// every attempt is visible through the API.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';

import { useHerald } from '../fixtures/herald-fixture.ts';
import { testBackends, waitFor } from '../fixtures/test-server.ts';

function hmac(secret: string, id: string, ts: string, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
}

describe.each(await testBackends())('push delivery (%s)', (backend) => {
  const { api, rx, endpoint, requestsAt: deliveriesOf } = useHerald(backend);

  it('delivers a published event signed, with the exact Events API body and headers', async () => {
    const ep = await endpoint('signed', {
      authorization: 'Bearer receiver-token-123',
    });
    const published = await api.post('/events', {
      event: 'user.created',
      data: { id: 'u1', name: 'Ada' },
      organization_id: 'org_1',
    });
    expect(published.status).toBe(201);
    const req = await waitFor(async () => rx.requests.find((r) => r.path === '/signed'));
    expect(JSON.parse(req.body)).toEqual(published.body);
    const listed = await api.get(`/events?limit=1&order=desc`);
    expect(req.body).toBe(JSON.stringify(listed.body.data[0]));
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBe('Bearer receiver-token-123');
    expect(req.headers['user-agent']).toMatch(/^Herald\/\d+\.\d+\.\d+/);
    expect(req.headers['webhook-sequence']).toBe(String(published.body.sequence));
    expect(req.headers['webhook-id']).toMatch(/^dlv_/);
    // Verified by the reference Standard Webhooks library.
    const verified = new Webhook(ep.secret).verify(req.body, req.headers);
    expect(verified).toEqual(published.body);
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(req.body, req.headers),
    ).toThrow();

    // The attempt log shows the request with the Authorization header redacted.
    // The receiver saw the request before Herald saw the answer and recorded it.
    const list = await waitFor(async () => {
      const r = await api.get(`/endpoints/${ep.id}/deliveries`);
      return r.status !== 200 || r.body.data.length > 0 ? r : null;
    });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    const d = list.body.data[0];
    expect(d).toMatchObject({
      object: 'delivery',
      id: req.headers['webhook-id'],
      status: 'succeeded',
      attempt_count: 1,
      event_ids: [published.body.id],
    });
    const detail = await api.get(`/deliveries/${d.id}`);
    expect(detail.body.attempts).toHaveLength(1);
    const attempt = detail.body.attempts[0];
    expect(attempt.response_status).toBe(200);
    expect(attempt.error).toBeNull();
    expect(attempt.request_headers.authorization).toBe('[redacted]');
    expect(attempt.request_headers['webhook-signature']).toBe(req.headers['webhook-signature']);
    expect(JSON.stringify(detail.body)).not.toContain('receiver-token-123');
    expect(typeof attempt.latency_ms).toBe('number');
  });

  it('sends only matching event types and organizations', async () => {
    await endpoint('users', { events: ['user.*', 'order.paid'] });
    await endpoint('org2', { organization_id: 'org_2' });
    await api.post('/events/batch', {
      events: [
        { event: 'user.created', data: {} },
        { event: 'users.created', data: {} },
        { event: 'order.paid', data: {}, organization_id: 'org_2' },
        { event: 'order.refunded', data: {} },
        { event: 'user.email.verified', data: {}, organization_id: 'org_3' },
      ],
    });
    await waitFor(
      async () => deliveriesOf('users').length === 3 && deliveriesOf('org2').length === 1,
    );
    // A marker event published later proves nothing else was on its way.
    await api.post('/events', {
      event: 'order.paid',
      data: { marker: true },
      organization_id: 'org_2',
    });
    await waitFor(
      async () => deliveriesOf('org2').length === 2 && deliveriesOf('users').length === 4,
    );
    const types = deliveriesOf('users').map((r) => JSON.parse(r.body).event);
    expect(types.sort()).toEqual([
      'order.paid',
      'order.paid',
      'user.created',
      'user.email.verified',
    ]);
    expect(deliveriesOf('org2').map((r) => JSON.parse(r.body).organization_id)).toEqual([
      'org_2',
      'org_2',
    ]);
  });

  it('batches with json_array and json_lines, signed over the whole body', async () => {
    const arr = await endpoint('array', {
      format: 'json_array',
      batch_size: 10,
      events: ['batch.*'],
    });
    const lines = await endpoint('lines', {
      format: 'json_lines',
      batch_size: 10,
      events: ['batch.*'],
    });
    const published = await api.post('/events/batch', {
      events: Array.from({ length: 25 }, (_, i) => ({ event: 'batch.item', data: { i } })),
    });
    expect(published.status).toBe(201);
    const expected = published.body.data;
    await waitFor(
      async () => deliveriesOf('array').length === 3 && deliveriesOf('lines').length === 3,
    );
    const arrays = deliveriesOf('array').sort(
      (a, b) => JSON.parse(a.body)[0].sequence - JSON.parse(b.body)[0].sequence,
    );
    expect(arrays.map((r) => JSON.parse(r.body).length)).toEqual([10, 10, 5]);
    expect(arrays.flatMap((r) => JSON.parse(r.body))).toEqual(expected);
    const first = arrays[0];
    expect(first?.headers['webhook-sequence']).toBe(
      `${expected[0].sequence}-${expected[9].sequence}`,
    );
    expect(first?.headers['content-type']).toBe('application/json');
    for (const r of arrays) new Webhook(arr.secret).verify(r.body, r.headers);

    const ndjson = deliveriesOf('lines');
    for (const r of ndjson) {
      expect(r.headers['content-type']).toBe('application/x-ndjson');
      expect(r.body.endsWith('\n')).toBe(true);
      // standardwebhooks parses the body as JSON after checking the signature,
      // which NDJSON is not; so check the HMAC by hand, as the spec defines it.
      expect(r.headers['webhook-signature']?.split(' ')).toContain(
        `v1,${hmac(lines.secret, r.headers['webhook-id'] ?? '', r.headers['webhook-timestamp'] ?? '', r.body)}`,
      );
    }
    const got = ndjson
      .flatMap((r) => r.body.trim().split('\n'))
      .map((l) => JSON.parse(l))
      .sort((a, b) => a.sequence - b.sequence);
    expect(got).toEqual(expected);
  });

  it('numbers the events of an endpoint gap-free under filters and batches, the same on a replay', async () => {
    const ep = await endpoint('positions', {
      format: 'json_array',
      batch_size: 4,
      events: ['pos.kept'],
    });
    // Every third event is filtered out: positions count only what the endpoint takes.
    const published = await api.post('/events/batch', {
      events: Array.from({ length: 30 }, (_, i) => ({
        event: i % 3 === 2 ? 'pos.skipped' : 'pos.kept',
        data: { i },
      })),
    });
    expect(published.status).toBe(201);
    const kept = published.body.data.filter((e: { event: string }) => e.event === 'pos.kept');
    await waitFor(async () => deliveriesOf('positions').length === 5);
    const range = (h: string | undefined) => (h ?? '').split('-').map(Number);
    const got = deliveriesOf('positions')
      .map((r) => ({
        pos: range(r.headers['webhook-endpoint-sequence']),
        body: JSON.parse(r.body),
      }))
      .sort((a, b) => (a.pos[0] as number) - (b.pos[0] as number));
    let expectNext = 1;
    for (const g of got) {
      const [first, last = first] = g.pos as [number, number?];
      expect(first).toBe(expectNext);
      expect((last as number) - first + 1).toBe(g.body.length);
      expectNext = (last as number) + 1;
    }
    expect(expectNext - 1).toBe(kept.length);
    // The listing carries the same positions.
    // (An outcome is recorded a commit after the receiver answered.)
    const listed = await waitFor(async () => {
      const data = (await api.get(`/endpoints/${ep.id}/deliveries`)).body.data;
      return data.length >= 5 ? data : null;
    });
    expect(
      listed
        .map((d: { first_position: number }) => d.first_position)
        .sort((a: number, b: number) => a - b),
    ).toEqual([1, 5, 9, 13, 17]);

    // A replay sends each event again under the position it had.
    const before = deliveriesOf('positions').length;
    const replay = await api.post(`/endpoints/${ep.id}/replay`, {
      since: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(replay.body.deliveries).toBe(kept.length);
    await waitFor(async () => deliveriesOf('positions').length === before + kept.length);
    const replayed = deliveriesOf('positions').slice(before);
    const positionOf = new Map(
      replayed.map((r) => [JSON.parse(r.body)[0].id, r.headers['webhook-endpoint-sequence']]),
    );
    kept.forEach((e: { id: string }, i: number) => {
      expect(positionOf.get(e.id)).toBe(String(i + 1));
    });
  });

  it('honours a content_type override', async () => {
    await endpoint('ctype', {
      events: ['ctype.x'],
      content_type: 'application/vnd.herald+json',
    });
    await api.post('/events', { event: 'ctype.x', data: {} });
    const req = await waitFor(async () => deliveriesOf('ctype')[0]);
    expect(req.headers['content-type']).toBe('application/vnd.herald+json');
  });

  it('sends a test event that is not stored in the log', async () => {
    const ep = await endpoint('test-event', { events: ['never.sent'] });
    const before = (await api.get('/events?limit=100&order=desc')).body.data.length;
    const res = await api.post(`/endpoints/${ep.id}/test`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ object: 'delivery', kind: 'test' });
    const req = await waitFor(async () => deliveriesOf('test-event')[0]);
    const body = new Webhook(ep.secret).verify(req.body, req.headers) as Record<string, unknown>;
    expect(body).toMatchObject({ object: 'event', event: 'herald.test' });
    expect(req.headers['webhook-id']).toBe(res.body.id);
    expect((await api.get('/events?limit=100&order=desc')).body.data.length).toBe(before);
    const d = await waitFor(async () => {
      const r = await api.get(`/deliveries/${res.body.id}`);
      return r.body.status === 'succeeded' ? r.body : null;
    });
    expect(d.attempts).toHaveLength(1);
  });

  it('reports health with success rate, latency percentiles and backlog', async () => {
    const ep = await endpoint('health', { events: ['health.x'] });
    await api.post('/events/batch', {
      events: Array.from({ length: 4 }, () => ({ event: 'health.x', data: {} })),
    });
    await waitFor(async () => deliveriesOf('health').length === 4);
    const h = await waitFor(async () => {
      const r = await api.get(`/endpoints/${ep.id}/health`);
      // Both windows: their two queries may straddle the commit of the last outcomes.
      return r.body.last_hour?.succeeded === 4 && r.body.last_day?.succeeded === 4 ? r : null;
    });
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({
      object: 'endpoint_health',
      endpoint_id: ep.id,
      state: 'active',
      disabled_reason: null,
      consecutive_failures: 0,
      last_failure_at: null,
      backlog: { deliveries: 0 },
      last_hour: { attempts: 4, succeeded: 4, success_rate: 1 },
      last_day: { attempts: 4, succeeded: 4, success_rate: 1 },
    });
    expect(typeof h.body.last_success_at).toBe('string');
    for (const q of ['p50', 'p95', 'p99']) {
      expect(typeof h.body.last_hour.latency_ms[q]).toBe('number');
    }
    expect(h.body.last_hour.latency_ms.p50).toBeLessThanOrEqual(h.body.last_hour.latency_ms.p99);
  });
});
