// GET /metrics, scraped and parsed as Prometheus would: HTTP requests by
// route pattern, appends, delivery outcomes and attempt durations against a
// real receiver, auto-disables, backlog, open long polls and streams, store
// errors; admin-only on the API port, open on the separate listener.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrape } from '../fixtures/prometheus.ts';
import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import {
  client,
  startTestServer,
  type TestServer,
  testBackends,
  waitFor,
} from '../fixtures/test-server.ts';

describe.each(await testBackends())('metrics (%s)', (backend) => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver((req) => ({ status: req.path === '/down' ? 500 : 200 }));
  });
  afterAll(async () => {
    await rx.close();
  });

  describe('on the API port', () => {
    let server: TestServer;
    let admin: Record<string, string>;
    beforeAll(async () => {
      server = await startTestServer(backend, { allowPrivateEndpoints: 'true' });
      admin = { authorization: `Bearer ${await server.key('ops', true)}` };
    });
    afterAll(async () => {
      await server.close();
    });

    it('answers only admin keys, with a problem document otherwise', async () => {
      const none = await client(server.url).get('/metrics');
      expect(none.status).toBe(401);
      expect(none.headers.get('content-type')).toContain('application/problem+json');
      const tenant = await client(server.url, await server.key('t-plain')).get('/metrics');
      expect(tenant.status).toBe(403);
      expect(tenant.body.detail).toContain('--metrics-port');
      const s = await scrape(server.url, admin);
      expect(s.value('herald_build_info')).toBe(1);
      // The default process metrics.
      expect(s.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(s.family('nodejs_eventloop_lag_seconds').type).toBe('GAUGE');
    });

    it('counts requests by route pattern and status, appends, deliveries and their attempts', async () => {
      const api = client(server.url, await server.key('t-flow'));
      const ok = await api.post('/endpoints', { url: `${rx.url}/up`, retry: [] });
      const down = await api.post('/endpoints', {
        url: `${rx.url}/down`,
        retry: [0.05],
        disable_after: { failures: 1 },
      });
      expect([ok.status, down.status]).toEqual([201, 201]);
      for (const n of [1, 2, 3]) {
        expect((await api.post('/events', { event: 'user.created', data: { n } })).status).toBe(
          201,
        );
      }
      const again = await api.post('/events', { event: 'user.created', data: {}, id: 'once' });
      const replay = await api.post('/events', { event: 'user.created', data: {}, id: 'once' });
      expect([again.status, replay.status]).toEqual([201, 200]);
      expect((await api.get(`/endpoints/${ok.body.id}`)).status).toBe(200);
      expect((await api.get('/endpoints/ep_nope')).status).toBe(404);
      await waitFor(async () => rx.requests.filter((r) => r.path === '/up').length >= 4);
      // The failing endpoint: first attempt retrying, the retry gives up, and that disables it.
      await waitFor(async () => {
        const ep = await api.get(`/endpoints/${down.body.id}`);
        return ep.body.active === false;
      });

      const s = await waitFor(async () => {
        const m = await scrape(server.url, admin);
        return m.value('herald_delivery_outcomes_total', { outcome: 'succeeded' }) >= 4 &&
          m.value('herald_endpoints_auto_disabled_total') >= 1
          ? m
          : null;
      });
      expect(
        s.value('herald_http_requests_total', {
          method: 'POST',
          route: '/events',
          status_code: '201',
        }),
      ).toBe(4);
      expect(s.value('herald_http_requests_total', { route: '/events', status_code: '200' })).toBe(
        1,
      );
      expect(
        s.value('herald_http_requests_total', { route: '/endpoints/:id', status_code: '200' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        s.value('herald_http_requests_total', { route: '/endpoints/:id', status_code: '404' }),
      ).toBe(1);
      expect(s.count('herald_http_request_duration_seconds', { route: '/events' })).toBe(5);
      // Route patterns only: no raw URL with an id is a label value.
      const routes = s.samples('herald_http_requests_total').map((m) => m.labels?.route ?? '');
      expect(routes.filter((r) => r.includes('ep_'))).toEqual([]);

      expect(s.value('herald_events_appended_total')).toBe(4);
      expect(s.value('herald_events_idempotent_replays_total')).toBe(1);
      expect(
        s.value('herald_delivery_outcomes_total', { kind: 'event', outcome: 'succeeded' }),
      ).toBe(4);
      expect(
        s.value('herald_delivery_outcomes_total', { kind: 'event', outcome: 'retrying' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        s.value('herald_delivery_outcomes_total', { kind: 'event', outcome: 'failed' }),
      ).toBeGreaterThanOrEqual(1);
      expect(s.count('herald_delivery_attempt_duration_seconds', { status_class: '2xx' })).toBe(4);
      expect(
        s.count('herald_delivery_attempt_duration_seconds', { status_class: '5xx' }),
      ).toBeGreaterThanOrEqual(2);
      expect(
        s.value('herald_endpoints_auto_disabled_total', { reason: 'consecutive_failures' }),
      ).toBe(1);
      // No per-tenant or per-endpoint labels unless asked for.
      for (const name of ['herald_delivery_outcomes_total', 'herald_delivery_backlog_events']) {
        for (const m of s.samples(name))
          expect(Object.keys(m.labels ?? {})).not.toContain('endpoint_id');
      }

      // The disabled endpoint's events wait: the backlog and its age show it.
      await api.post('/events', { event: 'user.created', data: { n: 5 } });
      await api.post('/events', { event: 'user.created', data: { n: 6 } });
      await new Promise((r) => setTimeout(r, 50));
      const later = await waitFor(async () => {
        const m = await scrape(server.url, admin);
        return m.value('herald_delivery_backlog_events', { state: 'disabled' }) >= 2 ? m : null;
      });
      expect(later.value('herald_delivery_endpoints', { state: 'disabled' })).toBe(1);
      expect(later.value('herald_delivery_endpoints', { state: 'active' })).toBe(1);
      expect(
        later.value('herald_delivery_oldest_undelivered_age_seconds', { state: 'disabled' }),
      ).toBeGreaterThan(0);
      expect(later.value('herald_delivery_backlog_events', { state: 'active' })).toBe(0);
    });

    it('shows open long polls and SSE streams while they are open', async () => {
      const key = await server.key('t-conn');
      const poll = new AbortController();
      const stream = new AbortController();
      const headers = { authorization: `Bearer ${key}` };
      const polling = fetch(`${server.url}/events?wait=30`, { headers, signal: poll.signal }).catch(
        () => null,
      );
      const sse = await fetch(`${server.url}/events/stream`, { headers, signal: stream.signal });
      expect(sse.status).toBe(200);
      // The request id reaches hijacked streams too.
      expect(sse.headers.get('x-request-id')).toBeTruthy();
      const open = await waitFor(async () => {
        const m = await scrape(server.url, admin);
        return m.value('herald_long_poll_connections') === 1 ? m : null;
      });
      expect(open.value('herald_sse_connections')).toBe(1);
      poll.abort();
      stream.abort();
      await polling;
      await waitFor(async () => {
        const m = await scrape(server.url, admin);
        return (
          m.value('herald_long_poll_connections') === 0 && m.value('herald_sse_connections') === 0
        );
      });
    });
  });

  describe('on a separate listener (--metrics-port), with endpoint labels', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(backend, {
        allowPrivateEndpoints: 'true',
        metricsPort: '0',
        metricsEndpointLabels: 'true',
      });
    });
    afterAll(async () => {
      // The last test closed the store under the server; closing it again may fail.
      await server.close().catch(() => {});
    });

    it('serves /metrics there without a key, and no longer on the API port', async () => {
      const metricsUrl = server.herald.metricsUrl as string;
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(metricsUrl).not.toBe(server.url);
      const admin = await server.key('ops', true);
      expect((await client(server.url, admin).get('/metrics')).status).toBe(404);
      const api = client(server.url, await server.key('t-labels'));
      const ep = await api.post('/endpoints', { url: `${rx.url}/up` });
      await api.post('/events', { event: 'a.b', data: {} });
      const s = await waitFor(async () => {
        const m = await scrape(metricsUrl);
        return m.value('herald_delivery_outcomes_total', { endpoint_id: ep.body.id }) === 1
          ? m
          : null;
      });
      const [sample] = s.samples('herald_delivery_outcomes_total', { endpoint_id: ep.body.id });
      expect(sample?.labels).toMatchObject({
        kind: 'event',
        outcome: 'succeeded',
        tenant_id: expect.any(String),
      });
      expect(s.samples('herald_delivery_backlog_events', { endpoint_id: ep.body.id })).toHaveLength(
        1,
      );
    });

    it('counts store errors by operation, and still answers when the store fails', async () => {
      await server.store.close();
      expect((await client(server.url).get('/healthz')).status).toBe(503);
      const s = await scrape(server.herald.metricsUrl as string);
      expect(s.value('herald_store_errors_total', { operation: 'ping' })).toBeGreaterThanOrEqual(1);
      // The backlog could not be read: its series are left out rather than stale.
      expect(s.samples('herald_delivery_backlog_events')).toEqual([]);
    });
  });
});
