// GET /endpoints/{id}/health/timeline: attempts, success rate and latency per
// bucket from real deliveries to a real receiver, the same totals as the
// health report, validated query parameters, and tenant scoping.
import { beforeAll, describe, expect, it } from 'vitest';
import { useHerald } from '../fixtures/herald-fixture.ts';
import { client, testBackends, waitFor } from '../fixtures/test-server.ts';

describe.each(await testBackends())('endpoint health timeline (%s)', (backend) => {
  const { server, api, rx } = useHerald(backend, {
    // Every third request fails; with no retries each failure is final.
    receiver: (_req, n) => ({ status: n % 3 === 2 ? 500 : 200 }),
  });
  let id: string;

  beforeAll(async () => {
    const ep = await api.post('/endpoints', {
      url: `${rx.url}/t`,
      retry: [],
      disable_after: { failures: null },
    });
    expect(ep.status).toBe(201);
    id = ep.body.id;
    for (let i = 0; i < 6; i++) await api.post('/events', { event: 'user.created', data: { i } });
    await waitFor(async () => {
      const h = await api.get(`/endpoints/${id}/health`);
      return h.body.last_hour.attempts === 6;
    });
  });

  it('buckets the last hour by minute, the present in the last bucket, with the health totals', async () => {
    const res = await api.get(`/endpoints/${id}/health/timeline`);
    expect(res.status).toBe(200);
    const t = res.body;
    expect(t).toMatchObject({
      object: 'endpoint_health_timeline',
      endpoint_id: id,
      window: '1h',
      bucket_seconds: 60,
    });
    expect(t.buckets).toHaveLength(60);
    expect(Date.parse(t.until) - Date.parse(t.since)).toBe(3_600_000);
    expect(Date.parse(t.until) % 60_000).toBe(0);
    expect(Date.parse(t.until)).toBeGreaterThan(Date.now() - 60_000);
    for (let i = 1; i < 60; i++) {
      expect(Date.parse(t.buckets[i].start) - Date.parse(t.buckets[i - 1].start)).toBe(60_000);
    }
    const health = (await api.get(`/endpoints/${id}/health`)).body.last_hour;
    const sum = (k: string) =>
      t.buckets.reduce((n: number, b: Record<string, number>) => n + (b[k] as number), 0);
    expect(sum('attempts')).toBe(health.attempts);
    expect(sum('succeeded')).toBe(4);
    expect(sum('failed')).toBe(2);
    const busy = t.buckets.filter((b: { attempts: number }) => b.attempts > 0);
    for (const b of busy) {
      expect(b.success_rate).toBeCloseTo(b.succeeded / b.attempts);
      expect(b.latency_ms.p50).toBeLessThanOrEqual(b.latency_ms.p95);
      expect(b.latency_ms.p95).toBeLessThanOrEqual(b.latency_ms.p99);
    }
    const idle = t.buckets.find((b: { attempts: number }) => b.attempts === 0);
    expect(idle).toMatchObject({
      success_rate: null,
      latency_ms: { p50: null, p95: null, p99: null },
    });
  });

  it('divides the last day into the buckets asked for', async () => {
    const res = await api.get(`/endpoints/${id}/health/timeline?window=24h&buckets=24`);
    expect(res.status).toBe(200);
    expect(res.body.bucket_seconds).toBe(3600);
    expect(res.body.buckets).toHaveLength(24);
    const attempts = res.body.buckets.map((b: { attempts: number }) => b.attempts);
    expect(attempts.reduce((a: number, b: number) => a + b, 0)).toBe(6);
  });

  it('rejects a bad window or bucket count naming the parameter', async () => {
    for (const [q, field] of [
      ['window=2h', 'window'],
      ['buckets=0', 'buckets'],
      ['buckets=241', 'buckets'],
      ['buckets=abc', 'buckets'],
      ['extra=1', 'extra'],
    ]) {
      const res = await api.get(`/endpoints/${id}/health/timeline?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.field, q).toBe(field);
    }
  });

  it("is not found with another tenant's key", async () => {
    const other = client(server.url, await server.key('other-tenant'));
    const res = await other.get(`/endpoints/${id}/health/timeline`);
    expect(res.status).toBe(404);
  });
});
