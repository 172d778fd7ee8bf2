// Event reads for push delivery: a delivery's events by id, and a tenant's head.
import type { StoredEvent } from '../../domain/event.ts';
import { parseEventId } from '../../domain/ids.ts';
import type { Queryable } from './postgres-endpoints.ts';
import { COLUMNS, type EventDbRow, toStored } from './postgres-events.ts';
import { DAY_MS } from './postgres-partitions.ts';

/** Events by id in sequence order; ids not found (or malformed) are left out. */
export async function listEventsByIds(
  q: Queryable,
  tenantId: string,
  ids: string[],
): Promise<StoredEvent[]> {
  // Ids encode their creation time: bounding created_at by them lets
  // PostgreSQL skip every other day's partition (as in getEventById).
  const times = ids.flatMap((id) => parseEventId(id)?.ms ?? []);
  if (times.length === 0) return [];
  const r = await q.query<EventDbRow>(
    `SELECT ${COLUMNS} FROM events WHERE tenant_id = $1 AND id = ANY($2::text[])` +
      ' AND created_at >= $3 AND created_at < $4 ORDER BY sequence',
    [tenantId, ids, new Date(Math.min(...times) - DAY_MS), new Date(Math.max(...times) + DAY_MS)],
  );
  return r.rows.map(toStored);
}

/** The tenant's last sequence, 0 before its first append. */
export async function eventHead(q: Queryable, tenantId: string): Promise<number> {
  const r = await q.query<{ last_sequence: string }>(
    'SELECT last_sequence FROM streams WHERE tenant_id = $1',
    [tenantId],
  );
  return Number(r.rows[0]?.last_sequence ?? 0);
}
