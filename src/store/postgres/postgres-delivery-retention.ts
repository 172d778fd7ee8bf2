// Delivery retention on PostgreSQL: one bounded chunk of finished deliveries
// per call, oldest first, by the partial index deliveries_finished.
//
// Every worker process runs retention, with no lock between them: SKIP LOCKED
// lets two runs split the finished rows instead of queueing on each other,
// and a row that someone is changing (a manual retry making it pending again)
// is skipped now and judged again by a later run. A row is deleted only as
// the version its lock saw, still final and still old, so a delivery retried
// between the pick and the delete is never removed.
//
// The ids go through ARRAY(...), an init plan run once, so the DELETE is a
// primary-key probe per id. With `id IN (subquery)` and fresh statistics the
// planner hashes the chunk and scans the whole table to join it: every chunk
// would read every delivery. Attempts go by ON DELETE CASCADE, one probe of
// delivery_attempts_delivery per delivery.
import { FINAL_SQL } from '../delivery-sql.ts';
import type { Queryable } from './postgres-endpoints.ts';

export const DELETE_FINISHED = `
DELETE FROM deliveries WHERE id = ANY (ARRAY(
  SELECT id FROM deliveries
   WHERE status IN ${FINAL_SQL} AND updated_at < $1
   ORDER BY updated_at LIMIT $2
   FOR UPDATE SKIP LOCKED))`;

export async function deleteFinishedDeliveries(
  q: Queryable,
  before: Date,
  limit: number,
): Promise<number> {
  const r = await q.query(DELETE_FINISHED, [before, limit]);
  return r.rowCount ?? 0;
}
