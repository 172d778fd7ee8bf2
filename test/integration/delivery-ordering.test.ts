// Concurrency and order: max_concurrency is never exceeded, ordered endpoints
// never deliver out of order while a flapping receiver forces retries, a slow
// endpoint does not hold up a healthy one, and rate_limit spaces requests.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import {
  client,
  startTestServer,
  type TestServer,
  testBackends,
  waitFor,
} from '../fixtures/test-server.ts';

describe.each(await testBackends())('delivery concurrency and order (%s)', (backend) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let tenant = 0;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    server = await startTestServer(backend, { allowPrivateEndpoints: 'true' });
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(() => server.close());

  const setup = async (rx: Receiver, body: Record<string, unknown>) => {
    api = client(server.url, await server.key(`o${tenant++}`));
    const res = await api.post('/endpoints', { url: `${rx.url}/`, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const rx = await startReceiver(...args);
    receivers.push(rx);
    return rx;
  };
  const publish = async (n: number, org?: (i: number) => string) => {
    for (let start = 0; start < n; start += 100) {
      const events = Array.from({ length: Math.min(100, n - start) }, (_, k) => ({
        event: 'x.y',
        data: { i: start + k },
        ...(org ? { organization_id: org(start + k) } : {}),
      }));
      expect((await api.post('/events/batch', { events })).status).toBe(201);
    }
  };

  it('never exceeds max_concurrency', async () => {
    const rx = await receiver(() => ({ status: 200, delayMs: 30 }));
    await setup(rx, { max_concurrency: 3 });
    await publish(60);
    await waitFor(async () => rx.requests.length >= 60);
    expect(rx.maxInFlight).toBe(3);
    expect(new Set(rx.events().map((e) => e.sequence)).size).toBe(60);
  });

  it('delivers an ordered endpoint strictly in order despite retries', async () => {
    // Every third request fails (500 or reset), so most events need retries.
    const rx = await receiver((_req, n) =>
      n % 3 === 0
        ? { status: 500 }
        : n % 3 === 1 && n % 2 === 0
          ? { reset: true }
          : { status: 200 },
    );
    await setup(rx, { ordered: true, max_concurrency: 10, retry: [0.01, 0.01, 0.01, 0.01, 0.01] });
    await publish(50);
    const ok = () =>
      rx.requests
        .filter((_r, n) => !(n % 3 === 0 || (n % 3 === 1 && n % 2 === 0)))
        .map((r) => JSON.parse(r.body).data.i as number);
    await waitFor(async () => ok().length >= 50);
    expect(ok()).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Every request, failed or not, was for the lowest undelivered event.
    const all = rx.requests.map((r) => JSON.parse(r.body).data.i as number);
    for (let k = 1; k < all.length; k++)
      expect(all[k]).toBeGreaterThanOrEqual(all[k - 1] as number);
    expect(rx.maxInFlight).toBe(1);
  });

  it('orders per organization with ordered_by, in parallel across organizations', async () => {
    // The first attempt of every fourth event fails, so retries interleave with
    // the other organizations' deliveries. (A rule keyed on the global request
    // count could starve one organization's event into giving up, by timing.)
    const failed = new Set<number>();
    const answered: number[] = [];
    const rx = await receiver((req, n) => {
      const i = (JSON.parse(req.body) as { data: { i: number } }).data.i;
      const status = i % 4 === 0 && !failed.has(i) ? 503 : 200;
      if (status === 503) failed.add(i);
      answered[n] = status;
      return status === 503 ? { status } : { status, delayMs: 5 };
    });
    await setup(rx, {
      ordered: true,
      ordered_by: 'organization',
      retry: [0.01, 0.01, 0.01, 0.01],
    });
    await publish(60, (i) => `org_${i % 3}`);
    const delivered = () =>
      rx.requests
        .filter((_r, n) => answered[n] === 200)
        .map((r) => JSON.parse(r.body) as { organization_id: string; data: { i: number } });
    await waitFor(async () => delivered().length >= 60);
    for (const org of ['org_0', 'org_1', 'org_2']) {
      const seq = delivered()
        .filter((e) => e.organization_id === org)
        .map((e) => e.data.i);
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
      expect(seq).toHaveLength(20);
    }
    expect(rx.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('slows an endpoint down after 429s instead of hammering it', async () => {
    // The first max_concurrency requests are throttled; afterwards the
    // endpoint gets fewer concurrent calls and earns them back slowly.
    const inFlightAtArrival: number[] = [];
    let rx: Receiver | undefined;
    rx = await receiver((_req, n) => {
      inFlightAtArrival[n] = rx?.inFlight ?? 0;
      return n < 8 ? { status: 429, delayMs: 50 } : { status: 200, delayMs: 30 };
    });
    await setup(rx, { max_concurrency: 8, retry: [0.02, 0.02, 0.02, 0.02, 0.02, 0.02] });
    await publish(40);
    await waitFor(async () => (rx?.requests.length ?? 0) >= 48);
    expect(Math.max(...inFlightAtArrival.slice(0, 8))).toBe(8);
    // Right after the throttling, at most a few calls at once, not 8 again.
    expect(Math.max(...inFlightAtArrival.slice(8, 14))).toBeLessThanOrEqual(3);
    expect(new Set(rx.events().map((e) => e.sequence)).size).toBe(40);
  });

  it('keeps delivering to a healthy endpoint while another one hangs', async () => {
    const slow = await receiver(() => ({ status: 200, delayMs: 5000 }));
    const fast = await receiver();
    await setup(slow, { max_concurrency: 5, timeout: { response_ms: 10000 } });
    const fastEp = await api.post('/endpoints', { url: `${fast.url}/` });
    expect(fastEp.status).toBe(201);
    await publish(30);
    await waitFor(async () => fast.requests.length >= 30);
    // The slow receiver still holds its requests: the fast one did not wait for them.
    expect(slow.inFlight).toBe(5);
    expect(slow.requests.length).toBe(5);
  });

  it('spaces requests to rate_limit per second', async () => {
    const rx = await receiver();
    const ep = await setup(rx, { rate_limit: 5 });
    await publish(12);
    await waitFor(async () => rx.requests.length >= 12, 15_000);
    // Send start times as recorded in the attempt log: at most 5 in any second.
    // (An outcome is recorded a commit after the receiver answered.)
    const list = await waitFor(async () => {
      const data = (await api.get(`/endpoints/${ep.id}/deliveries?limit=20`)).body.data;
      return data.length >= 12 ? data : null;
    });
    const times: number[] = [];
    for (const d of list) {
      const detail = (await api.get(`/deliveries/${d.id}`)).body;
      times.push(Date.parse(detail.attempts[0].attempted_at));
    }
    times.sort((a, b) => a - b);
    expect(times).toHaveLength(12);
    for (let k = 5; k < times.length; k++) {
      expect((times[k] as number) - (times[k - 5] as number)).toBeGreaterThanOrEqual(990);
    }
  });
});
