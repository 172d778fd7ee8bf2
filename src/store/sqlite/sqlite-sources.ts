// Inbound sources on SQLite: rows ↔ InboundSourceRow.
import type { StatementSync } from 'node:sqlite';
import type { InboundSourceRow } from '../../domain/inbound-source.ts';
import { toSourceRow as fromColumns, type SourceColumns } from '../source-rows.ts';
import type { SourceCreateParams, SourceUpdateParams } from '../store.ts';

type Stmt = (sql: string) => StatementSync;

/** Timestamps are stored as epoch milliseconds. */
type SourceDbRow = SourceColumns<number>;

function toSourceRow(r: SourceDbRow): InboundSourceRow {
  return fromColumns({
    ...r,
    created_at: new Date(r.created_at),
    updated_at: new Date(r.updated_at),
  });
}

export function insertSource(
  stmt: Stmt,
  p: SourceCreateParams & { id: string },
  now: number,
): InboundSourceRow {
  stmt(
    'INSERT INTO inbound_sources (id, tenant_id, name, scheme, secret, type_prefix, created_at, updated_at)' +
      ' VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(p.id, p.tenantId, p.name, p.scheme, p.secret, p.typePrefix, now, now);
  return getSource(stmt, p.tenantId, p.id) as InboundSourceRow;
}

export function getSource(stmt: Stmt, tenantId: string, id: string): InboundSourceRow | null {
  const r = stmt('SELECT * FROM inbound_sources WHERE tenant_id = ? AND id = ?').get(
    tenantId,
    id,
  ) as SourceDbRow | undefined;
  return r ? toSourceRow(r) : null;
}

export function getSourceById(stmt: Stmt, id: string): InboundSourceRow | null {
  const r = stmt('SELECT * FROM inbound_sources WHERE id = ?').get(id) as SourceDbRow | undefined;
  return r ? toSourceRow(r) : null;
}

export function listSources(
  stmt: Stmt,
  p: { tenantId: string; after: string | null; limit: number },
): InboundSourceRow[] {
  const rows = stmt(
    'SELECT * FROM inbound_sources WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?',
  ).all(p.tenantId, p.after ?? '', p.limit) as unknown as SourceDbRow[];
  return rows.map(toSourceRow);
}

export function updateSource(
  stmt: Stmt,
  p: SourceUpdateParams,
  now: number,
): InboundSourceRow | null {
  const c = p.changes;
  const r = stmt(
    'UPDATE inbound_sources SET name = coalesce(?, name), scheme = coalesce(?, scheme),' +
      ' secret = coalesce(?, secret), type_prefix = coalesce(?, type_prefix), updated_at = ?' +
      ' WHERE tenant_id = ? AND id = ?',
  ).run(
    c.name ?? null,
    c.scheme ?? null,
    c.secret ?? null,
    c.typePrefix ?? null,
    now,
    p.tenantId,
    p.id,
  );
  return r.changes === 0 ? null : getSource(stmt, p.tenantId, p.id);
}

export function deleteSource(stmt: Stmt, tenantId: string, id: string): boolean {
  const r = stmt('DELETE FROM inbound_sources WHERE tenant_id = ? AND id = ?').run(tenantId, id);
  return r.changes > 0;
}
