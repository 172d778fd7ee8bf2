// Recording delivery outcomes on PostgreSQL, a group at a time (see
// postgres-outcome-group.ts): each attempt, each delivery's new status (only
// while the caller still holds the lease) and, once per endpoint, its health
// folded over the group's outcomes in order, disabling it when they cross a
// threshold. herald_record_outcomes (migrations/0006_record_outcomes.sql) does
// it all in one transaction and one round trip, whatever the group's size; a
// second reads the endpoints' new state for the callers.
import { newId } from '../../domain/ids.ts';
import type { DeliveryCompleteParams, DeliveryCompleteResult } from '../delivery-store.ts';
import { pgText } from './postgres-attempts.ts';
import { type EndpointDbRow, type Queryable, toEndpointRow } from './postgres-endpoints.ts';

const RECORD =
  'SELECT * FROM herald_record_outcomes($1::text[], $2::text[], $3::text[], $4::timestamptz[],' +
  ' $5::text[], $6::int[], $7::text[], $8::int[], $9::text[], $10::text[], $11::timestamptz[],' +
  ' $12::text[], $13::timestamptz[], $14::text[])';

interface Recorded {
  outcome_ord: number;
  outcome_endpoint: string;
  outcome_kind: string;
  outcome_applied: boolean;
  outcome_disabled: boolean;
}

export async function recordOutcomes(
  q: Queryable,
  group: DeliveryCompleteParams[],
): Promise<DeliveryCompleteResult[]> {
  const col = <T>(f: (p: DeliveryCompleteParams) => T) => group.map(f);
  const r = await q.query<Recorded>({
    name: 'herald_record_outcomes',
    text: RECORD,
    values: [
      col((p) => p.tenantId),
      col((p) => p.deliveryId),
      col(() => newId('att')),
      col((p) => p.attempt.attemptedAt),
      col((p) => JSON.stringify(p.attempt.requestHeaders)),
      col((p) => p.attempt.responseStatus),
      col((p) => pgText(p.attempt.responseBody)),
      col((p) => Math.round(p.attempt.latencyMs)),
      col((p) => pgText(p.attempt.error)),
      col((p) => p.status),
      col((p) => p.nextAttemptAt),
      col((p) => p.owner),
      col((p) => p.now),
      col((p) => p.disable),
    ],
  });
  const recorded = new Map(r.rows.map((row) => [row.outcome_ord - 1, row]));
  if (recorded.size === 0)
    return group.map(() => ({ applied: false, disabled: false, endpoint: null }));

  const er = await q.query<EndpointDbRow>({
    name: 'herald_outcome_endpoints',
    text: 'SELECT * FROM endpoints WHERE id = ANY($1)',
    values: [[...new Set(r.rows.map((row) => row.outcome_endpoint))]],
  });
  const endpoints = new Map(er.rows.map((row) => [row.id, toEndpointRow(row)]));

  return group.map((_, i) => {
    const row = recorded.get(i);
    // No row: the delivery does not exist (nothing was recorded).
    if (!row) return { applied: false, disabled: false, endpoint: null };
    return {
      applied: row.outcome_applied,
      disabled: row.outcome_disabled,
      endpoint: endpoints.get(row.outcome_endpoint) ?? null,
    };
  });
}
