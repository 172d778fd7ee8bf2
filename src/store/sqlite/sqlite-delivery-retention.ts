// Delivery retention on SQLite: one bounded chunk of finished deliveries per
// call. SQLite has one writer and node:sqlite runs on the event loop, so the
// caller keeps chunks small and yields between them; a chunk is one short
// write transaction, never a long lock.
import type { StatementSync } from 'node:sqlite';
import { FINAL_SQL } from '../delivery-sql.ts';

type Stmt = (sql: string) => StatementSync;

/**
 * INDEXED BY because the planner, without statistics, prefers the equality on
 * status in deliveries_next and then sorts every finished delivery to find
 * the oldest few; the partial index reads only the rows it deletes, already
 * in order. It is also an assertion: the statement fails to prepare rather
 * than silently scan if the index is ever dropped. Attempts go by ON DELETE
 * CASCADE (foreign_keys is ON), one probe of delivery_attempts_delivery per
 * delivery; `changes` counts deliveries only.
 */
export function deleteFinishedDeliveries(stmt: Stmt, before: number, limit: number): number {
  const r = stmt(
    'DELETE FROM deliveries WHERE rowid IN (SELECT rowid FROM deliveries INDEXED BY deliveries_finished' +
      ` WHERE status IN ${FINAL_SQL} AND updated_at < ? ORDER BY updated_at LIMIT ?)`,
  ).run(before, limit);
  return Number(r.changes);
}
