// The backlog of endpoints for the metrics: events after each cursor and open
// deliveries, one index lookup each per endpoint.
import type { EndpointBacklog } from '../delivery-store.ts';
import type { Queryable } from './postgres-endpoints.ts';

interface Row {
  endpoint_id: string;
  tenant_id: string;
  active: boolean;
  undispatched: string;
  next_event_at: Date | null;
  open_deliveries: number;
  oldest_open_at: Date | null;
}

export async function deliveryBacklog(
  q: Queryable,
  endpointIds: string[],
): Promise<EndpointBacklog[]> {
  if (endpointIds.length === 0) return [];
  const r = await q.query<Row>(
    `SELECT e.id AS endpoint_id, e.tenant_id, e.active,
       GREATEST(0, COALESCE(s.last_sequence, 0) - e.dispatch_cursor) AS undispatched,
       (SELECT ev.created_at FROM events ev
         WHERE ev.tenant_id = e.tenant_id AND ev.sequence > e.dispatch_cursor
         ORDER BY ev.sequence LIMIT 1) AS next_event_at,
       o.n AS open_deliveries, o.oldest AS oldest_open_at
     FROM endpoints e
     LEFT JOIN streams s ON s.tenant_id = e.tenant_id
     CROSS JOIN LATERAL (
       SELECT count(*)::int AS n, min(d.created_at) AS oldest FROM deliveries d
       WHERE d.endpoint_id = e.id AND d.status IN ('pending', 'retrying') AND d.kind = 'event'
     ) o
     WHERE e.id = ANY($1::text[])
     ORDER BY e.id`,
    [endpointIds],
  );
  return r.rows.map((row) => ({
    endpointId: row.endpoint_id,
    tenantId: row.tenant_id,
    active: row.active,
    undispatchedEvents: Number(row.undispatched),
    nextEventAt: row.next_event_at,
    openDeliveries: row.open_deliveries,
    oldestOpenAt: row.oldest_open_at,
  }));
}
