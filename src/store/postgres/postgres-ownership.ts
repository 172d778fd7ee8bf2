// Endpoint ownership on PostgreSQL: which worker process sends to which
// endpoint (owner_id, until owner_until), renewed by the worker's heartbeat,
// and the workers' liveness records. Plain conditional writes: who should own
// what is decided by the delivery services.
//
// Every change of owners locks the endpoint rows first, in id order, like a
// group commit does (postgres-delivery-commit.ts), so heartbeats, takeovers
// and group commits over the same endpoints cannot deadlock on each other.
import type { Pool, QueryResult } from 'pg';
import type { EndpointRow } from '../../domain/endpoint.ts';
import type { EndpointOwnership } from '../delivery-store.ts';
import { LOCKED_IDS, pipelinedTransaction, rememberLocked } from './postgres-db.ts';
import { type EndpointDbRow, type Queryable, toEndpointRow } from './postgres-endpoints.ts';

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function listOwnership(q: Queryable): Promise<EndpointOwnership[]> {
  const r = await q.query<{
    id: string;
    tenant_id: string;
    owner_id: string | null;
    owner_until: Date | null;
    state_version: string;
  }>('SELECT id, tenant_id, owner_id, owner_until, state_version FROM endpoints ORDER BY id');
  return r.rows.map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    ownerId: row.owner_id,
    ownerUntil: row.owner_until,
    stateVersion: Number(row.state_version),
  }));
}

// Each change of owners is one pipelinedTransaction of two statements, lock
// then write (see rememberLocked in postgres-db.ts).

// $1 worker, $2 ids, $3 now, $4 force.
const ACQUIRE_LOCK = `
WITH free AS (
  SELECT id FROM endpoints
   WHERE id = ANY ($2::text[])
     AND ($4::bool OR owner_id IS NULL OR owner_id = $1 OR owner_until < $3)
   ORDER BY id FOR NO KEY UPDATE
)
SELECT ${rememberLocked('free')}`;

// $1 worker, $2 until.
const ACQUIRE = `UPDATE endpoints SET owner_id = $1, owner_until = $2
 WHERE id = ANY (${LOCKED_IDS}) RETURNING *`;

/** The rows this worker now owns, in id order. */
export async function acquireEndpoints(
  pool: Pool,
  p: { workerId: string; ids: string[]; now: Date; until: Date; force: boolean },
): Promise<EndpointRow[]> {
  if (p.ids.length === 0) return [];
  const [, r] = await pipelinedTransaction(pool, [
    { text: ACQUIRE_LOCK, values: [p.workerId, p.ids, p.now, p.force] },
    { text: ACQUIRE, values: [p.workerId, p.until] },
  ]);
  return (r as QueryResult<EndpointDbRow>).rows.map(toEndpointRow).sort(byId);
}

// $1 worker, $2 ids or null for all of the worker's.
const RELEASE_LOCK = `
WITH mine AS (
  SELECT id FROM endpoints
   WHERE owner_id = $1 AND ($2::text[] IS NULL OR id = ANY ($2::text[]))
   ORDER BY id FOR NO KEY UPDATE
)
SELECT ${rememberLocked('mine')}`;

const RELEASE = `UPDATE endpoints SET owner_id = NULL, owner_until = NULL
 WHERE id = ANY (${LOCKED_IDS})`;

export async function releaseEndpoints(
  pool: Pool,
  workerId: string,
  ids: string[] | null,
): Promise<void> {
  if (ids !== null && ids.length === 0) return;
  await pipelinedTransaction(pool, [
    { text: RELEASE_LOCK, values: [workerId, ids] },
    { text: RELEASE },
  ]);
}

// The worker's record, the removal of records of workers gone for an hour
// (kept that long only to show who was there), the lock on its endpoints and
// the other workers alive (the SELECT sees the table as it was before the
// statement, so the worker itself is added by the caller). $1 worker, $2
// now, $3 until.
const HEARTBEAT = `
WITH alive AS (
  INSERT INTO delivery_workers (id, alive_until) VALUES ($1, $3)
  ON CONFLICT (id) DO UPDATE SET alive_until = excluded.alive_until
), gone AS (
  DELETE FROM delivery_workers WHERE alive_until < $2::timestamptz - interval '1 hour' AND id <> $1
), mine AS (
  SELECT id FROM endpoints WHERE owner_id = $1 ORDER BY id FOR NO KEY UPDATE
)
SELECT ${rememberLocked('mine')} AS locked,
       ARRAY(SELECT id FROM delivery_workers WHERE alive_until >= $2 AND id <> $1) AS others`;

/** Ids of the workers alive at `now`, sorted. */
export async function heartbeat(
  pool: Pool,
  p: { workerId: string; now: Date; until: Date },
): Promise<string[]> {
  const [r] = await pipelinedTransaction(pool, [
    { name: 'herald_worker_heartbeat', text: HEARTBEAT, values: [p.workerId, p.now, p.until] },
    {
      name: 'herald_worker_extend',
      text: `UPDATE endpoints SET owner_until = $1 WHERE id = ANY (${LOCKED_IDS})`,
      values: [p.until],
    },
  ]);
  const others = ((r as QueryResult).rows[0] as { others: string[] }).others;
  return (p.until >= p.now ? [...others, p.workerId] : others).sort();
}

export async function removeWorker(q: Queryable, workerId: string): Promise<void> {
  await q.query('DELETE FROM delivery_workers WHERE id = $1', [workerId]);
}
