// Delivery attempts on SQLite: the per-delivery log and per-endpoint statistics.
import type { StatementSync } from 'node:sqlite';
import type { AttemptRow } from '../../domain/delivery.ts';
import type { AttemptBucket, AttemptStats } from '../delivery-store.ts';

type Stmt = (sql: string) => StatementSync;

interface AttemptDbRow {
  id: string;
  delivery_id: string;
  tenant_id: string;
  endpoint_id: string;
  attempted_at: number;
  request_headers: string;
  response_status: number | null;
  response_body: string | null;
  latency_ms: number;
  error: string | null;
}

export function listAttempts(stmt: Stmt, tenantId: string, deliveryId: string): AttemptRow[] {
  const rows = stmt(
    'SELECT * FROM delivery_attempts WHERE tenant_id = ? AND delivery_id = ? ORDER BY attempted_at, rowid',
  ).all(tenantId, deliveryId) as unknown as AttemptDbRow[];
  return rows.map((r) => ({
    id: r.id,
    deliveryId: r.delivery_id,
    tenantId: r.tenant_id,
    endpointId: r.endpoint_id,
    attemptedAt: new Date(r.attempted_at),
    requestHeaders: JSON.parse(r.request_headers),
    responseStatus: r.response_status,
    responseBody: r.response_body,
    latencyMs: r.latency_ms,
    error: r.error,
  }));
}

/** Percentiles by rank (nearest-rank method) so both dialects agree exactly. */
export function attemptStats(
  stmt: Stmt,
  p: { tenantId: string; endpointId: string; since: Date },
): AttemptStats {
  const where =
    "FROM delivery_attempts WHERE tenant_id = ? AND endpoint_id = ? AND kind = 'event' AND attempted_at >= ?";
  const args = [p.tenantId, p.endpointId, p.since.getTime()] as const;
  const c = stmt(`SELECT COUNT(*) AS total, COALESCE(SUM(succeeded), 0) AS ok ${where}`).get(
    ...args,
  ) as { total: number; ok: number };
  const rank = stmt(`SELECT latency_ms ${where} ORDER BY latency_ms LIMIT 1 OFFSET ?`);
  const pct = (q: number): number | null => {
    if (c.total === 0) return null;
    const offset = Math.max(0, Math.ceil(q * c.total) - 1);
    return (rank.get(...args, offset) as { latency_ms: number }).latency_ms;
  };
  return { total: c.total, succeeded: c.ok, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) };
}

/**
 * Buckets by integer division of the milliseconds since `since` (cast, since
 * node:sqlite binds numbers as REAL); the nearest rank
 * ceil(q × n) is computed as (100q × n + 99) / 100 in integers, as on PostgreSQL.
 */
export function attemptTimeline(
  stmt: Stmt,
  p: { tenantId: string; endpointId: string; since: Date; bucketMs: number; buckets: number },
): AttemptBucket[] {
  const since = p.since.getTime();
  const rows = stmt(
    `WITH a AS (
       SELECT (attempted_at - CAST(:since AS INTEGER)) / CAST(:width AS INTEGER) AS b,
              latency_ms, succeeded
         FROM delivery_attempts
        WHERE tenant_id = :tenant AND endpoint_id = :endpoint AND kind = 'event'
          AND attempted_at >= :since AND attempted_at < :until),
     r AS (
       SELECT b, latency_ms, succeeded,
              row_number() OVER (PARTITION BY b ORDER BY latency_ms) AS rn,
              count(*) OVER (PARTITION BY b) AS n
         FROM a)
     SELECT b, count(*) AS total, COALESCE(SUM(succeeded), 0) AS ok,
            min(latency_ms) FILTER (WHERE rn = (50 * n + 99) / 100) AS p50,
            min(latency_ms) FILTER (WHERE rn = (95 * n + 99) / 100) AS p95,
            min(latency_ms) FILTER (WHERE rn = (99 * n + 99) / 100) AS p99
       FROM r GROUP BY b ORDER BY b`,
  ).all({
    since,
    width: p.bucketMs,
    until: since + p.bucketMs * p.buckets,
    tenant: p.tenantId,
    endpoint: p.endpointId,
  }) as unknown as {
    b: number;
    total: number;
    ok: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
  }[];
  return rows.map((r) => ({
    index: r.b,
    total: r.total,
    succeeded: r.ok,
    p50: r.p50,
    p95: r.p95,
    p99: r.p99,
  }));
}
