// Claiming due deliveries and recording their outcome, on SQLite. Both run
// under BEGIN IMMEDIATE, so the in-flight counts and order-key checks cannot
// race with another claimer (PostgreSQL does the same with SKIP LOCKED).
import type { StatementSync } from 'node:sqlite';
import { newId } from '../../domain/ids.ts';
import { FINAL_SQL } from '../delivery-sql.ts';
import type {
  ClaimedDelivery,
  DeliveryClaimParams,
  DeliveryCompleteParams,
  DeliveryCompleteResult,
  DisabledReason,
  EndpointRow,
} from '../delivery-store.ts';
import { type DeliveryDbRow, toDeliveryRow } from './sqlite-deliveries.ts';
import { type EndpointDbRow, setEndpointActive, toEndpointRow } from './sqlite-endpoints.ts';

type Stmt = (sql: string) => StatementSync;

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Due deliveries of one endpoint that may start now, at most `slots`. */
function candidates(stmt: Stmt, ep: EndpointRow, now: number, slots: number): DeliveryDbRow[] {
  // A disabled endpoint still takes synthetic test deliveries.
  const kind = ep.active ? '' : " AND kind = 'test'";
  if (!ep.ordered) {
    // Two index range scans (see migration 0004) rather than one OR, which
    // would read and sort every due delivery to return `slots` of them.
    // Expired leases (work of a crashed or stalled worker) go first.
    const expired = stmt(
      `SELECT * FROM deliveries WHERE endpoint_id = ? AND status = 'in_flight' AND lease_expires_at <= ?${kind} ORDER BY lease_expires_at LIMIT ?`,
    ).all(ep.id, now, slots) as unknown as DeliveryDbRow[];
    if (expired.length >= slots) return expired;
    const waiting = stmt(
      `SELECT * FROM deliveries WHERE endpoint_id = ? AND status IN ('pending', 'retrying') AND next_attempt_at <= ?${kind} ORDER BY next_attempt_at, first_sequence LIMIT ?`,
    ).all(ep.id, now, slots - expired.length) as unknown as DeliveryDbRow[];
    return expired.length === 0 ? waiting : [...expired, ...waiting];
  }
  // Ordered: only the head (lowest sequence, non-final) of each order key, and
  // only when nothing else of that key is still in flight.
  const heads = stmt(
    `SELECT * FROM deliveries d WHERE endpoint_id = ? AND status NOT IN ${FINAL_SQL}${kind} AND id = (` +
      `SELECT id FROM deliveries x WHERE x.endpoint_id = d.endpoint_id AND x.order_key = d.order_key AND x.status NOT IN ${FINAL_SQL}` +
      ' ORDER BY x.first_sequence, x.id LIMIT 1)',
  ).all(ep.id) as unknown as DeliveryDbRow[];
  const busy = stmt(
    "SELECT 1 FROM deliveries WHERE endpoint_id = ? AND order_key = ? AND status = 'in_flight' AND lease_expires_at > ? LIMIT 1",
  );
  const out: DeliveryDbRow[] = [];
  for (const h of heads) {
    if (out.length >= slots) break;
    const due =
      ((h.status === 'pending' || h.status === 'retrying') && (h.next_attempt_at ?? 0) <= now) ||
      (h.status === 'in_flight' && (h.lease_expires_at ?? 0) <= now);
    if (due && !busy.get(ep.id, h.order_key, now)) out.push(h);
  }
  return out;
}

/** Must run inside a write transaction. */
export function claimDeliveries(stmt: Stmt, p: DeliveryClaimParams): ClaimedDelivery[] {
  const now = p.now.getTime();
  const rows = stmt(
    'SELECT * FROM endpoints WHERE active = 1 OR id IN' +
      ` (SELECT DISTINCT endpoint_id FROM deliveries WHERE kind = 'test' AND status NOT IN ${FINAL_SQL})`,
  ).all() as unknown as EndpointDbRow[];
  const inFlight = stmt(
    "SELECT COUNT(*) AS n FROM deliveries WHERE endpoint_id = ? AND status = 'in_flight' AND lease_expires_at > ?",
  );
  const claim = stmt(
    "UPDATE deliveries SET status = 'in_flight', lease_owner = ?, lease_expires_at = ?," +
      ' attempt_count = attempt_count + 1, updated_at = ? WHERE id = ?',
  );
  const out: ClaimedDelivery[] = [];
  for (const ep of shuffle(rows.map(toEndpointRow))) {
    const room = p.limit - out.length;
    if (room <= 0) break;
    const cap = Math.min(
      ep.maxConcurrency,
      ep.rateLimit === null ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(ep.rateLimit)),
      p.caps[ep.id] ?? Number.POSITIVE_INFINITY,
    );
    const busy = (inFlight.get(ep.id, now) as { n: number }).n;
    const slots = Math.min(room, cap - busy);
    if (slots <= 0) continue;
    const lease = now + ep.timeoutConnectMs + ep.timeoutResponseMs + p.leaseMarginMs;
    for (const d of candidates(stmt, ep, now, slots)) {
      claim.run(p.owner, lease, now, d.id);
      const row = toDeliveryRow(d);
      out.push({
        endpoint: ep,
        delivery: {
          ...row,
          status: 'in_flight',
          leaseOwner: p.owner,
          leaseExpiresAt: new Date(lease),
          attemptCount: row.attemptCount + 1,
          updatedAt: p.now,
        },
      });
    }
  }
  return out;
}

/** Must run inside a write transaction. */
export function completeDelivery(stmt: Stmt, p: DeliveryCompleteParams): DeliveryCompleteResult {
  const now = p.now.getTime();
  const d = stmt('SELECT * FROM deliveries WHERE tenant_id = ? AND id = ?').get(
    p.tenantId,
    p.deliveryId,
  ) as DeliveryDbRow | undefined;
  if (!d) return { applied: false, disabled: false, endpoint: null };
  const a = p.attempt;
  stmt(
    'INSERT INTO delivery_attempts (id, delivery_id, tenant_id, endpoint_id, kind, attempted_at, request_headers,' +
      ' response_status, response_body, latency_ms, error, succeeded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(
    newId('att'),
    d.id,
    d.tenant_id,
    d.endpoint_id,
    d.kind,
    a.attemptedAt.getTime(),
    JSON.stringify(a.requestHeaders),
    a.responseStatus,
    a.responseBody,
    Math.round(a.latencyMs),
    a.error,
    p.status === 'succeeded' ? 1 : 0,
  );
  const epSelect = 'SELECT * FROM endpoints WHERE id = ?';
  if (d.status !== 'in_flight' || d.lease_owner !== p.owner) {
    const ep = stmt(epSelect).get(d.endpoint_id) as EndpointDbRow | undefined;
    return { applied: false, disabled: false, endpoint: ep ? toEndpointRow(ep) : null };
  }
  stmt(
    'UPDATE deliveries SET status = ?, next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL,' +
      ' updated_at = ? WHERE id = ?',
  ).run(p.status, p.nextAttemptAt?.getTime() ?? null, now, d.id);
  const before = toEndpointRow(stmt(epSelect).get(d.endpoint_id) as unknown as EndpointDbRow);
  if (d.kind === 'test') return { applied: true, disabled: false, endpoint: before };
  if (p.status === 'succeeded') {
    stmt(
      'UPDATE endpoints SET consecutive_failures = 0, failing_since = NULL, last_success_at = ? WHERE id = ?',
    ).run(now, d.endpoint_id);
  } else {
    stmt(
      'UPDATE endpoints SET last_failure_at = ?, failing_since = COALESCE(failing_since, ?),' +
        ' consecutive_failures = consecutive_failures + ? WHERE id = ?',
    ).run(now, a.attemptedAt.getTime(), p.status === 'failed' ? 1 : 0, d.endpoint_id);
  }
  const ep = toEndpointRow(stmt(epSelect).get(d.endpoint_id) as unknown as EndpointDbRow);
  let reason: DisabledReason | null = p.disable;
  if (reason === null && p.status === 'failed' && ep.disableAfterFailures !== null) {
    if (ep.consecutiveFailures >= ep.disableAfterFailures) reason = 'consecutive_failures';
  }
  if (reason === null && p.status !== 'succeeded' && ep.disableAfterMs !== null) {
    if (ep.failingSince && now - ep.failingSince.getTime() >= ep.disableAfterMs) {
      reason = 'failing_duration';
    }
  }
  if (reason === null || !ep.active) return { applied: true, disabled: false, endpoint: ep };
  const disabled = setEndpointActive(
    stmt,
    { tenantId: ep.tenantId, id: ep.id, active: false, reason },
    now,
  );
  return { applied: true, disabled: true, endpoint: disabled };
}

export function nextDueAt(stmt: Stmt): Date | null {
  const r = stmt(
    "SELECT MIN(t) AS t FROM (SELECT MIN(next_attempt_at) AS t FROM deliveries WHERE status = 'pending'" +
      " UNION ALL SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'retrying'" +
      " UNION ALL SELECT MIN(lease_expires_at) FROM deliveries WHERE status = 'in_flight')",
  ).get() as { t: number | null };
  return r.t === null ? null : new Date(r.t);
}
