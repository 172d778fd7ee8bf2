// Delivery attempts on PostgreSQL: the per-delivery log and per-endpoint
// statistics (they are recorded by postgres-delivery-commit.ts).
import type { AttemptRow } from '../../domain/delivery.ts';
import type { AttemptBucket, AttemptStats } from '../delivery-store.ts';
import type { Queryable } from './postgres-endpoints.ts';

interface AttemptDbRow {
  id: string;
  delivery_id: string;
  tenant_id: string;
  endpoint_id: string;
  attempted_at: Date;
  request_headers: Record<string, string>;
  response_status: number | null;
  response_body: string | null;
  latency_ms: number;
  error: string | null;
}

/** PostgreSQL text cannot hold NUL, which a receiver's body (or an error text) may contain. */
export function pgText(s: string | null): string | null {
  return s === null ? null : s.replaceAll('\u0000', '\uFFFD');
}

export async function listAttempts(
  q: Queryable,
  tenantId: string,
  deliveryId: string,
): Promise<AttemptRow[]> {
  const r = await q.query<AttemptDbRow>(
    'SELECT * FROM delivery_attempts WHERE delivery_id = $2 AND tenant_id = $1 ORDER BY attempted_at, n',
    [tenantId, deliveryId],
  );
  return r.rows.map((row) => ({
    id: row.id,
    deliveryId: row.delivery_id,
    tenantId: row.tenant_id,
    endpointId: row.endpoint_id,
    attemptedAt: row.attempted_at,
    requestHeaders: row.request_headers,
    responseStatus: row.response_status,
    responseBody: row.response_body,
    latencyMs: row.latency_ms,
    error: row.error,
  }));
}

/**
 * Percentiles by rank (nearest-rank method, like SQLite's) so both dialects
 * agree exactly: the value at position ceil(q * total) in latency order,
 * computed in float8 as JavaScript computes it.
 */
export async function attemptStats(
  q: Queryable,
  p: { tenantId: string; endpointId: string; since: Date },
): Promise<AttemptStats> {
  const r = await q.query<{
    total: number;
    ok: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
  }>(
    `WITH a AS (
       SELECT latency_ms, succeeded, row_number() OVER (ORDER BY latency_ms) AS rn,
              count(*) OVER () AS total
         FROM delivery_attempts
        WHERE endpoint_id = $2 AND tenant_id = $1 AND kind = 'event' AND attempted_at >= $3)
     SELECT count(*)::int AS total, count(*) FILTER (WHERE succeeded)::int AS ok,
            min(latency_ms) FILTER (WHERE rn = greatest(1, ceil(0.5::float8 * total))) AS p50,
            min(latency_ms) FILTER (WHERE rn = greatest(1, ceil(0.95::float8 * total))) AS p95,
            min(latency_ms) FILTER (WHERE rn = greatest(1, ceil(0.99::float8 * total))) AS p99
       FROM a`,
    [p.tenantId, p.endpointId, p.since],
  );
  const row = r.rows[0];
  return {
    total: row?.total ?? 0,
    succeeded: row?.ok ?? 0,
    p50: row?.p50 ?? null,
    p95: row?.p95 ?? null,
    p99: row?.p99 ?? null,
  };
}

/**
 * Buckets by whole milliseconds since `since`; the nearest rank ceil(q × n)
 * is computed as (100q × n + 99) / 100 in integers, as on SQLite.
 */
export async function attemptTimeline(
  q: Queryable,
  p: { tenantId: string; endpointId: string; since: Date; bucketMs: number; buckets: number },
): Promise<AttemptBucket[]> {
  const r = await q.query<{
    b: number;
    total: number;
    ok: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
  }>(
    `WITH a AS (
       SELECT floor(extract(epoch FROM attempted_at - $3::timestamptz) * 1000 / $4)::int AS b,
              latency_ms, succeeded
         FROM delivery_attempts
        WHERE endpoint_id = $2 AND tenant_id = $1 AND kind = 'event'
          AND attempted_at >= $3 AND attempted_at < $5),
     r AS (
       SELECT b, latency_ms, succeeded,
              row_number() OVER (PARTITION BY b ORDER BY latency_ms) AS rn,
              count(*) OVER (PARTITION BY b) AS n
         FROM a)
     SELECT b, count(*)::int AS total, count(*) FILTER (WHERE succeeded)::int AS ok,
            min(latency_ms) FILTER (WHERE rn = (50 * n + 99) / 100) AS p50,
            min(latency_ms) FILTER (WHERE rn = (95 * n + 99) / 100) AS p95,
            min(latency_ms) FILTER (WHERE rn = (99 * n + 99) / 100) AS p99
       FROM r GROUP BY b ORDER BY b`,
    [
      p.tenantId,
      p.endpointId,
      p.since,
      p.bucketMs,
      new Date(p.since.getTime() + p.bucketMs * p.buckets),
    ],
  );
  return r.rows.map((row) => ({
    index: row.b,
    total: row.total,
    succeeded: row.ok,
    p50: row.p50,
    p95: row.p95,
    p99: row.p99,
  }));
}
