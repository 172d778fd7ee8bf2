// Event reads for push delivery: a delivery's events by id, and a tenant's head.
import type { StoredEvent } from '../../domain/event.ts';
import type { Queryable } from './postgres-endpoints.ts';
import { COLUMNS, type EventDbRow, idTimeWindow, toStored } from './postgres-events.ts';

/** The lookup of events by id (in no order), or null when no id parses. */
export function eventsByIdsQuery(
  tenantId: string,
  ids: string[],
): { name: string; text: string; values: unknown[] } | null {
  // One probe per id (LATERAL ... LIMIT 1) of the (tenant_id, id, created_at)
  // index, within the ids' partition window: with `id = ANY(...)` and a
  // partition without statistics (a fresh day, autovacuum behind) the planner
  // walked the primary key over the whole day instead, 60 ms at 100,000
  // events. The caller sorts: an ORDER BY sequence invites the same walk.
  const window = idTimeWindow(ids);
  if (!window) return null;
  return {
    name: 'herald_events_by_ids',
    text:
      'SELECT e.* FROM unnest($2::text[]) AS want(id) CROSS JOIN LATERAL (' +
      `SELECT ${COLUMNS} FROM events x WHERE x.tenant_id = $1 AND x.id = want.id` +
      ' AND x.created_at >= $3 AND x.created_at < $4 LIMIT 1) e',
    values: [tenantId, [...new Set(ids)], ...window],
  };
}

/** Events by id in sequence order; ids not found (or malformed) are left out. */
export async function listEventsByIds(
  q: Queryable,
  tenantId: string,
  ids: string[],
): Promise<StoredEvent[]> {
  const query = eventsByIdsQuery(tenantId, ids);
  if (!query) return [];
  const r = await q.query<EventDbRow>(query);
  return r.rows.map(toStored).sort((a, b) => a.sequence - b.sequence);
}

/** The tenant's last sequence, 0 before its first append. */
export async function eventHead(q: Queryable, tenantId: string): Promise<number> {
  const r = await q.query<{ last_sequence: string }>(
    'SELECT last_sequence FROM streams WHERE tenant_id = $1',
    [tenantId],
  );
  return Number(r.rows[0]?.last_sequence ?? 0);
}
