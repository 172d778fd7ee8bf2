// The backlog of endpoints for the metrics: events after each cursor and open
// deliveries, one index lookup each per endpoint.
import type { StatementSync } from 'node:sqlite';
import type { EndpointBacklog } from '../delivery-store.ts';

type Stmt = (sql: string) => StatementSync;

interface Row {
  endpoint_id: string;
  tenant_id: string;
  active: number;
  undispatched: number;
  next_event_at: number | null;
  open_deliveries: number;
  oldest_open_at: number | null;
}

export function deliveryBacklog(stmt: Stmt, endpointIds: string[]): EndpointBacklog[] {
  if (endpointIds.length === 0) return [];
  const rows = stmt(
    `SELECT e.id AS endpoint_id, e.tenant_id, e.active,
       MAX(0, COALESCE(s.last_sequence, 0) - e.dispatch_cursor) AS undispatched,
       (SELECT ev.created_at FROM events ev
         WHERE ev.tenant_id = e.tenant_id AND ev.sequence > e.dispatch_cursor
         ORDER BY ev.sequence LIMIT 1) AS next_event_at,
       (SELECT COUNT(*) FROM deliveries d INDEXED BY deliveries_open
         WHERE d.endpoint_id = e.id AND d.status IN ('pending', 'retrying') AND d.kind = 'event') AS open_deliveries,
       (SELECT MIN(d.created_at) FROM deliveries d INDEXED BY deliveries_open
         WHERE d.endpoint_id = e.id AND d.status IN ('pending', 'retrying') AND d.kind = 'event') AS oldest_open_at
     FROM endpoints e LEFT JOIN streams s ON s.tenant_id = e.tenant_id
     WHERE e.id IN (SELECT value FROM json_each(?))
     ORDER BY e.id`,
  ).all(JSON.stringify(endpointIds)) as unknown as Row[];
  return rows.map((r) => ({
    endpointId: r.endpoint_id,
    tenantId: r.tenant_id,
    active: r.active === 1,
    undispatchedEvents: r.undispatched,
    nextEventAt: r.next_event_at === null ? null : new Date(r.next_event_at),
    openDeliveries: r.open_deliveries,
    oldestOpenAt: r.oldest_open_at === null ? null : new Date(r.oldest_open_at),
  }));
}
