// Inbound sources on PostgreSQL: rows ↔ InboundSourceRow.
import type { InboundSourceRow } from '../../domain/inbound-source.ts';
import { type SourceColumns, toSourceRow } from '../source-rows.ts';
import type { SourceCreateParams, SourceUpdateParams } from '../store.ts';
import type { Queryable } from './postgres-endpoints.ts';

/** node-postgres returns timestamptz as a Date already: the row maps as it is. */
type SourceDbRow = SourceColumns<Date>;

const one = (rows: SourceDbRow[]) => (rows[0] ? toSourceRow(rows[0]) : null);

export async function insertSource(
  q: Queryable,
  p: SourceCreateParams & { id: string },
  now: Date,
): Promise<InboundSourceRow> {
  const r = await q.query<SourceDbRow>(
    'INSERT INTO inbound_sources (id, tenant_id, name, scheme, secret, type_prefix, created_at, updated_at)' +
      ' VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *',
    [p.id, p.tenantId, p.name, p.scheme, p.secret, p.typePrefix, now],
  );
  return one(r.rows) as InboundSourceRow;
}

export async function getSource(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<InboundSourceRow | null> {
  const r = await q.query<SourceDbRow>(
    'SELECT * FROM inbound_sources WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  return one(r.rows);
}

export async function getSourceById(q: Queryable, id: string): Promise<InboundSourceRow | null> {
  const r = await q.query<SourceDbRow>('SELECT * FROM inbound_sources WHERE id = $1', [id]);
  return one(r.rows);
}

export async function listSources(
  q: Queryable,
  p: { tenantId: string; after: string | null; limit: number },
): Promise<InboundSourceRow[]> {
  const r = await q.query<SourceDbRow>(
    'SELECT * FROM inbound_sources WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3',
    [p.tenantId, p.after ?? '', p.limit],
  );
  return r.rows.map(toSourceRow);
}

export async function updateSource(
  q: Queryable,
  p: SourceUpdateParams,
  now: Date,
): Promise<InboundSourceRow | null> {
  const c = p.changes;
  const r = await q.query<SourceDbRow>(
    'UPDATE inbound_sources SET name = coalesce($1, name), scheme = coalesce($2, scheme),' +
      ' secret = coalesce($3, secret), type_prefix = coalesce($4, type_prefix), updated_at = $5' +
      ' WHERE tenant_id = $6 AND id = $7 RETURNING *',
    [
      c.name ?? null,
      c.scheme ?? null,
      c.secret ?? null,
      c.typePrefix ?? null,
      now,
      p.tenantId,
      p.id,
    ],
  );
  return one(r.rows);
}

export async function deleteSource(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  const r = await q.query('DELETE FROM inbound_sources WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    id,
  ]);
  return (r.rowCount ?? 0) > 0;
}
