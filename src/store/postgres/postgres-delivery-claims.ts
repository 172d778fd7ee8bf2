// Claiming due deliveries on PostgreSQL, for many worker processes sharing
// one database.
//
// A claim is a lease: the row becomes in_flight with lease_owner and
// lease_expires_at; an expired lease is due again (crash recovery). Rows are
// picked with FOR UPDATE SKIP LOCKED, so claimers never wait on each other's
// rows. The per-endpoint rules (max_concurrency; for ordered endpoints only
// the head of each order key, and only when nothing of that key is in flight)
// read other rows, which SKIP LOCKED alone cannot protect: so each endpoint
// is claimed in its own short transaction, holding a transaction-level
// advisory lock on its id while it counts the unexpired leases and picks.
// Under READ COMMITTED a statement that starts after the lock was granted
// sees everything earlier holders committed, so the count and the order check
// are exact across processes. One lock per transaction means waiting for it
// cannot deadlock; the wait is one other claim of that endpoint. The lock and
// the pick run in herald_claim_endpoint (migrations/0002_delivery.sql): one
// round trip per endpoint.
import type { Pool } from 'pg';
import type { ClaimedDelivery, DeliveryClaimParams, EndpointRow } from '../delivery-store.ts';
import { type DeliveryDbRow, toDeliveryRow } from './postgres-deliveries.ts';
import { type EndpointDbRow, type Queryable, toEndpointRow } from './postgres-endpoints.ts';
import { ADVISORY_LOCK_CLASS } from './postgres-migrations.ts';

// Endpoints with due work. The recursive part is a skip scan of the partial
// index on waiting work: one probe per endpoint that has any, however long
// its backlog (a scan of all due rows would cost up to the open window per
// endpoint on every claim); finished deliveries are not in the index at all.
// Expired leases are rare and read directly. `busy` (unexpired leases) is a
// hint to skip full endpoints without taking their lock.
const CANDIDATES = `
WITH RECURSIVE waiting AS (
  (SELECT endpoint_id FROM deliveries WHERE status IN ('pending', 'retrying')
    ORDER BY endpoint_id LIMIT 1)
  UNION ALL
  SELECT (SELECT d.endpoint_id FROM deliveries d
           WHERE d.status IN ('pending', 'retrying') AND d.endpoint_id > w.endpoint_id
           ORDER BY d.endpoint_id LIMIT 1)
    FROM waiting w WHERE w.endpoint_id IS NOT NULL
), candidates AS (
  SELECT endpoint_id FROM waiting WHERE endpoint_id IS NOT NULL
  UNION
  SELECT endpoint_id FROM deliveries WHERE status = 'in_flight' AND lease_expires_at <= $1
)
SELECT e.*, (SELECT count(*) FROM deliveries b WHERE b.endpoint_id = e.id
                AND b.status = 'in_flight' AND b.lease_expires_at > $1)::int AS busy
  FROM candidates c JOIN endpoints e ON e.id = c.endpoint_id
 WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.endpoint_id = e.id
                 AND ((d.status IN ('pending', 'retrying') AND d.next_attempt_at <= $1)
                   OR (d.status = 'in_flight' AND d.lease_expires_at <= $1))
                 AND (e.active OR d.kind = 'test'))`;

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function byDueThenSequence(a: DeliveryDbRow, b: DeliveryDbRow): number {
  const at = (a.next_attempt_at?.getTime() ?? 0) - (b.next_attempt_at?.getTime() ?? 0);
  return at !== 0 ? at : Number(a.first_sequence) - Number(b.first_sequence);
}

const CLAIM_ENDPOINT = 'SELECT * FROM herald_claim_endpoint($1, $2, $3, $4, $5, $6, $7, $8, $9)';

/** Claims up to `slots` deliveries of one endpoint, in due then sequence order. */
async function claimEndpoint(
  pool: Pool,
  ep: EndpointRow,
  p: DeliveryClaimParams,
  slots: number,
  cap: number,
): Promise<ClaimedDelivery[]> {
  const lease = new Date(
    p.now.getTime() + ep.timeoutConnectMs + ep.timeoutResponseMs + p.leaseMarginMs,
  );
  const r = await pool.query<DeliveryDbRow>({
    name: 'herald_claim_endpoint',
    text: CLAIM_ENDPOINT,
    values: [ep.id, p.now, ep.active, ep.ordered, slots, cap, p.owner, lease, ADVISORY_LOCK_CLASS],
  });
  return r.rows.sort(byDueThenSequence).map((d) => ({ endpoint: ep, delivery: toDeliveryRow(d) }));
}

export async function claimDeliveries(
  pool: Pool,
  p: DeliveryClaimParams,
): Promise<ClaimedDelivery[]> {
  if (p.limit <= 0) return [];
  const found = await pool.query<EndpointDbRow & { busy: number }>({
    name: 'herald_claim_candidates',
    text: CANDIDATES,
    values: [p.now],
  });
  const out: ClaimedDelivery[] = [];
  for (const row of shuffle(found.rows)) {
    const room = p.limit - out.length;
    if (room <= 0) break;
    const ep = toEndpointRow(row);
    // Whole slots only: the function takes integers.
    const cap = Math.floor(
      Math.min(
        ep.maxConcurrency,
        ep.rateLimit === null ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(ep.rateLimit)),
        p.caps[ep.id] ?? Number.POSITIVE_INFINITY,
      ),
    );
    // A stale hint that is too low is corrected under the lock; one too high
    // (leases ended since) only costs a later wake-up, never an over-claim.
    if (cap - row.busy <= 0) continue;
    out.push(...(await claimEndpoint(pool, ep, p, room, cap)));
  }
  return out;
}

export async function nextDueAt(q: Queryable): Promise<Date | null> {
  const r = await q.query<{ t: Date | null }>(
    'SELECT least(' +
      "(SELECT min(next_attempt_at) FROM deliveries WHERE status IN ('pending', 'retrying'))," +
      " (SELECT min(lease_expires_at) FROM deliveries WHERE status = 'in_flight')) AS t",
  );
  return r.rows[0]?.t ?? null;
}
