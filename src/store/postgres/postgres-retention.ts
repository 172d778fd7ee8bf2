// Retention on PostgreSQL: whole days are detached and dropped, rows of the
// remaining days are deleted in batches.
//
// A partition is dropped whole when its day ends at or before `before` and at
// least CLOSED_MARGIN_MS before now (appends never target it any more). It is
// first detached with DETACH PARTITION ... CONCURRENTLY, which never takes an
// ACCESS EXCLUSIVE lock on events; its rows are then counted exactly (nothing
// writes to a detached table) and it is dropped. Dropping is constant-time
// whatever the row count, so `limit` bounds only the row-by-row DELETE of the
// remaining partitions, and the returned count may exceed `limit` when a day
// was dropped. Runs are serialized across processes by an advisory lock; a run
// interrupted between detach and drop is finished by the next one.
import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import type { EventDeleteBeforeParams } from '../store.ts';
import { withSession } from './postgres-db.ts';
import { ADVISORY_LOCK_CLASS } from './postgres-migrations.ts';
import { DAY_MS, type EventPartitions, listPartitions } from './postgres-partitions.ts';

/** A day's partition is dropped whole only once the day ended this long ago. */
export const CLOSED_MARGIN_MS = 60 * 60 * 1000;

const DELETE_ROWS = `
DELETE FROM events e
 USING (SELECT tenant_id, sequence, created_at FROM events
         WHERE created_at < $1 ORDER BY created_at LIMIT $2) d
 WHERE e.tenant_id = d.tenant_id AND e.sequence = d.sequence
   AND e.created_at = d.created_at AND e.created_at < $1`;

// Keys of removed events are already ignored by the append path (it joins on
// the event); deleting them keeps the table from growing forever.
const DELETE_KEYS = `
DELETE FROM event_idempotency k
 USING (SELECT tenant_id, key FROM event_idempotency
         WHERE created_at < $1 ORDER BY created_at LIMIT $2) d
 WHERE k.tenant_id = d.tenant_id AND k.key = d.key`;

export async function deleteEventsBefore(
  pool: Pool,
  partitions: EventPartitions,
  schema: string | null,
  p: EventDeleteBeforeParams,
  now: number,
): Promise<number> {
  return withSession(pool, async (client) => {
    const lockArgs = [ADVISORY_LOCK_CLASS, `retention:${schema ?? ''}`];
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', lockArgs);
    let removed = 0;
    const before = p.before.getTime();
    for (const part of await listPartitions(client)) {
      const end = part.day + DAY_MS;
      if (end > before || end > now - CLOSED_MARGIN_MS) continue;
      const table = escapeIdentifier(part.name);
      if (part.detachPending) {
        await client.query(`ALTER TABLE events DETACH PARTITION ${table} FINALIZE`);
      } else if (part.attached) {
        await client.query(`ALTER TABLE events DETACH PARTITION ${table} CONCURRENTLY`);
      }
      partitions.forget(part.day);
      removed += await countAndDrop(client, table);
    }
    const rows = await client.query(DELETE_ROWS, [p.before, p.limit]);
    removed += rows.rowCount ?? 0;
    await client.query(DELETE_KEYS, [p.before, p.limit]);
    // On failure withSession closes the session instead, which releases the lock too.
    await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', lockArgs);
    return removed;
  });
}

async function countAndDrop(client: PoolClient, table: string): Promise<number> {
  await client.query('BEGIN');
  try {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    await client.query(`DROP TABLE ${table}`);
    await client.query('COMMIT');
    return Number(r.rows[0]?.n ?? 0);
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}
