// Delivery attempts on SQLite: the per-delivery log and per-endpoint statistics.
import type { StatementSync } from 'node:sqlite';
import type { AttemptRow } from '../../domain/delivery.ts';
import type { AttemptStats } from '../delivery-store.ts';

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
