// Failure handling with compressed retry schedules: retries then give-up,
// Retry-After, auto-disable and enable, 410, redirects, timeouts, manual
// retry, replay and operator notifications.
import { describe, expect, it } from 'vitest';

import { useHerald } from '../fixtures/herald-fixture.ts';
import { client, testBackends, waitFor } from '../fixtures/test-server.ts';

// biome-ignore lint/suspicious/noExplicitAny: API bodies are asserted field by field
type Json = any;
interface Attempt {
  response_status: number | null;
  attempted_at: string;
}

describe.each(await testBackends())('delivery failures and retries (%s)', (backend) => {
  const {
    server,
    rx,
    requestsAt: at,
  } = useHerald(backend, {
    settings: { notifySummaryIntervalMs: '300ms' },
  });
  let api: ReturnType<typeof client>;
  let tenant = 0;

  /** Each test gets its own tenant, so events of one never reach another's endpoints. */
  const setup = async (path: string, body: Record<string, unknown>) => {
    api = client(server.url, await server.key(`t${tenant++}`));
    const res = await api.post('/endpoints', { url: `${rx.url}/${path}`, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  const deliveryWhen = async (id: string, pred: (d: Json) => boolean) =>
    waitFor(async () => {
      const r = await api.get(`/deliveries/${id}`);
      return pred(r.body) ? r.body : null;
    });
  const onlyDelivery = async (epId: string) =>
    waitFor(async () => (await api.get(`/endpoints/${epId}/deliveries`)).body.data[0]);

  it('retries on the schedule with the same webhook-id, then gives up as failed', async () => {
    let n = 0;
    rx.respond((req) => {
      if (req.path !== '/flaky') return { status: 200 };
      n += 1;
      return n === 1 ? { status: 500, body: 'boom' } : n === 2 ? { reset: true } : { status: 503 };
    });
    const ep = await setup('flaky', { retry: [0.05, 0.1], disable_after: { failures: null } });
    await api.post('/events', { event: 'a.b', data: {} });
    const d = await onlyDelivery(ep.id);
    const done = await deliveryWhen(d.id, (x) => x.status === 'failed');
    expect(done.attempt_count).toBe(3);
    expect(done.next_attempt_at).toBeNull();
    expect(done.attempts.map((a: Attempt) => a.response_status)).toEqual([500, null, 503]);
    expect(done.attempts[0].response_body).toBe('boom');
    expect(done.attempts[1].error).toBeTruthy();
    const ids = new Set(at('flaky').map((r) => r.headers['webhook-id']));
    expect(ids).toEqual(new Set([d.id]));
    expect(at('flaky')).toHaveLength(3);
    // The schedule is a lower bound between attempts.
    const times = done.attempts.map((a: Attempt) => Date.parse(a.attempted_at));
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(45);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(95);
    // The endpoint stays active (disable_after.failures: null) and counts the failure.
    const h = (await api.get(`/endpoints/${ep.id}/health`)).body;
    expect(h).toMatchObject({ state: 'active', consecutive_failures: 1 });

    // A manual retry sends it again with a fresh budget.
    rx.respond(() => ({ status: 200 }));
    const retried = await api.post(`/deliveries/${d.id}/retry`);
    expect(retried.status).toBe(202);
    const ok = await deliveryWhen(d.id, (x) => x.status === 'succeeded');
    expect(ok.attempts).toHaveLength(4);
    expect((await api.post(`/deliveries/${d.id}/retry`)).status).toBe(202);
    expect((await api.post('/deliveries/dlv_nope/retry')).status).toBe(404);
  });

  it('honours Retry-After on 429 within the schedule bounds', async () => {
    let n = 0;
    rx.respond((req) => {
      if (req.path !== '/throttled') return { status: 200 };
      n += 1;
      return n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 204 };
    });
    const ep = await setup('throttled', { retry: [0.05, 3] });
    await api.post('/events', { event: 'a.b', data: {} });
    const d = await onlyDelivery(ep.id);
    const waiting = await deliveryWhen(d.id, (x) => x.status === 'retrying');
    const wait = Date.parse(waiting.next_attempt_at) - Date.parse(waiting.attempts[0].attempted_at);
    expect(wait).toBeGreaterThanOrEqual(2000);
    expect(wait).toBeLessThan(3000);
    const done = await deliveryWhen(d.id, (x) => x.status === 'succeeded');
    const times = done.attempts.map((a: Attempt) => Date.parse(a.attempted_at));
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(2000);
  });

  it('never follows redirects and records timeouts as errors', async () => {
    rx.respond((req) => {
      if (req.path === '/redirect') return { status: 302, headers: { location: '/elsewhere' } };
      if (req.path === '/slow') return { status: 200, delayMs: 1500 };
      return { status: 200 };
    });
    const red = await setup('redirect', { retry: [], disable_after: { failures: null } });
    await api.post('/events', { event: 'a.b', data: {} });
    const d1 = await deliveryWhen((await onlyDelivery(red.id)).id, (x) => x.status === 'failed');
    expect(d1.attempts[0].response_status).toBe(302);
    expect(at('elsewhere')).toHaveLength(0);

    const slow = await setup('slow', {
      retry: [],
      timeout: { connect_ms: 500, response_ms: 200 },
      disable_after: { failures: null },
    });
    await api.post('/events', { event: 'a.b', data: {} });
    const d2 = await deliveryWhen((await onlyDelivery(slow.id)).id, (x) => x.status === 'failed');
    expect(d2.attempts[0].response_status).toBeNull();
    expect(d2.attempts[0].error).toMatch(/timeout/i);
  });

  it('disables after N failed deliveries, notifies, and enable resumes with accumulated events', async () => {
    let down = true;
    rx.respond((req) => (req.path === '/down' && down ? { status: 500 } : { status: 200 }));
    const ep = await setup('down', {
      retry: [0.02],
      max_concurrency: 1,
      ordered: true,
      disable_after: { failures: 2 },
      notify_url: `${rx.url}/slack`,
    });
    await api.post('/events', { event: 'a.b', data: { i: 0 } });
    await api.post('/events', { event: 'a.b', data: { i: 1 } });
    const disabled = await waitFor(async () => {
      const r = await api.get(`/endpoints/${ep.id}`);
      return r.body.active === false ? r.body : null;
    });
    expect(disabled.disabled_reason).toBe('consecutive_failures');
    // Events keep accumulating while disabled.
    for (let i = 2; i < 5; i++) await api.post('/events', { event: 'a.b', data: { i } });
    const h = (await api.get(`/endpoints/${ep.id}/health`)).body;
    expect(h.state).toBe('disabled');
    expect(h.backlog.estimated_total).toBeGreaterThanOrEqual(3);
    // Slack-compatible notifications: two give-ups and the disable.
    const texts = await waitFor(async () => {
      const t = at('slack').map((r) => JSON.parse(r.body).text as string);
      return t.length >= 3 ? t : null;
    });
    expect(texts.filter((t) => t.includes('gave up'))).toHaveLength(2);
    expect(texts.some((t) => t.includes(`disabled endpoint ${ep.id}`))).toBe(true);
    const seenWhileDisabled = at('down').length;

    down = false;
    const enabled = await api.post(`/endpoints/${ep.id}/enable`);
    expect(enabled.body.active).toBe(true);
    // The failed deliveries stay failed (replay can requeue them); events 2..4 arrive.
    await waitFor(async () => {
      const ok = at('down')
        .slice(seenWhileDisabled)
        .map((r) => JSON.parse(r.body).data.i);
      return ok.length === 3 ? ok : null;
    });
    expect(
      at('down')
        .slice(seenWhileDisabled)
        .map((r) => JSON.parse(r.body).data.i),
    ).toEqual([2, 3, 4]);

    const replay = await api.post(`/endpoints/${ep.id}/replay`, {
      since: new Date(Date.now() - 60_000).toISOString(),
      status: 'failed',
    });
    expect(replay.body).toEqual({ object: 'replay', deliveries: 2 });
    await waitFor(
      async () =>
        (await api.get(`/endpoints/${ep.id}/deliveries?status=succeeded`)).body.data.length === 5,
    );
  });

  it('disables at once on 410 Gone and delivers that event after enable', async () => {
    let gone = true;
    rx.respond((req) => (req.path === '/gone' && gone ? { status: 410 } : { status: 200 }));
    const ep = await setup('gone', { retry: [0.05, 0.05, 0.05] });
    await api.post('/events', { event: 'a.b', data: {} });
    const disabled = await waitFor(async () => {
      const r = await api.get(`/endpoints/${ep.id}`);
      return r.body.active === false ? r.body : null;
    });
    expect(disabled.disabled_reason).toBe('gone');
    expect(at('gone')).toHaveLength(1);
    gone = false;
    await api.post(`/endpoints/${ep.id}/enable`);
    const d = await onlyDelivery(ep.id);
    const done = await deliveryWhen(d.id, (x) => x.status === 'succeeded');
    expect(done.attempts.map((a: Attempt) => a.response_status)).toEqual([410, 200]);
  });

  it('replays events published in a time range', async () => {
    rx.respond(() => ({ status: 200 }));
    const ep = await setup('replay', { events: ['r.*'] });
    const since = new Date().toISOString();
    await api.post('/events/batch', {
      events: [
        { event: 'r.a', data: {} },
        { event: 'x.skip', data: {} },
        { event: 'r.b', data: {} },
      ],
    });
    await waitFor(async () => at('replay').length === 2);
    const res = await api.post(`/endpoints/${ep.id}/replay`, { since });
    expect(res.status).toBe(202);
    expect(res.body.deliveries).toBe(2);
    await waitFor(async () => at('replay').length === 4);
    const types = at('replay').map((r) => JSON.parse(r.body).event);
    expect(types.sort()).toEqual(['r.a', 'r.a', 'r.b', 'r.b']);
    // Replayed deliveries are new messages with their own webhook-id.
    expect(new Set(at('replay').map((r) => r.headers['webhook-id'])).size).toBe(4);
  });

  it('sends a periodic success summary with notify_success', async () => {
    rx.respond(() => ({ status: 200 }));
    const ep = await setup('summary', { notify_url: `${rx.url}/slack2`, notify_success: true });
    await api.post('/events/batch', {
      events: [
        { event: 'a.b', data: {} },
        { event: 'a.c', data: {} },
      ],
    });
    const text = await waitFor(async () => {
      const t = at('slack2').map((r) => JSON.parse(r.body).text as string);
      return t.find((x) => x.includes(ep.id));
    });
    expect(text).toMatch(/2 deliveries .* succeeded/);
  });
});
