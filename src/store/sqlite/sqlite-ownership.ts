// Endpoint ownership on SQLite: which worker sends to which endpoint, renewed
// by the worker's heartbeat. One process uses a SQLite file, so its worker
// takes everything at start (force); the records still say who owns what.
import type { StatementSync } from 'node:sqlite';
import type { EndpointRow } from '../../domain/endpoint.ts';
import type { EndpointOwnership } from '../delivery-store.ts';
import { type EndpointDbRow, toEndpointRow } from './sqlite-endpoints.ts';

type Stmt = (sql: string) => StatementSync;

const HOUR = 60 * 60 * 1000;

export function listOwnership(stmt: Stmt): EndpointOwnership[] {
  const rows = stmt(
    'SELECT id, tenant_id, owner_id, owner_until, state_version FROM endpoints ORDER BY id',
  ).all() as unknown as {
    id: string;
    tenant_id: string;
    owner_id: string | null;
    owner_until: number | null;
    state_version: number;
  }[];
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    ownerId: r.owner_id,
    ownerUntil: r.owner_until === null ? null : new Date(r.owner_until),
    stateVersion: r.state_version,
  }));
}

export function acquireEndpoints(
  stmt: Stmt,
  p: { workerId: string; ids: string[]; now: number; until: number; force: boolean },
): EndpointRow[] {
  if (p.ids.length === 0) return [];
  const rows = stmt(
    'UPDATE endpoints SET owner_id = ?, owner_until = ? WHERE id IN (SELECT value FROM json_each(?))' +
      ' AND (? = 1 OR owner_id IS NULL OR owner_id = ? OR owner_until < ?) RETURNING *',
  ).all(
    p.workerId,
    p.until,
    JSON.stringify(p.ids),
    p.force ? 1 : 0,
    p.workerId,
    p.now,
  ) as unknown as EndpointDbRow[];
  return rows.map(toEndpointRow);
}

export function releaseEndpoints(stmt: Stmt, workerId: string, ids: string[] | null): void {
  if (ids === null) {
    stmt('UPDATE endpoints SET owner_id = NULL, owner_until = NULL WHERE owner_id = ?').run(
      workerId,
    );
    return;
  }
  stmt(
    'UPDATE endpoints SET owner_id = NULL, owner_until = NULL WHERE owner_id = ?' +
      ' AND id IN (SELECT value FROM json_each(?))',
  ).run(workerId, JSON.stringify(ids));
}

/** Must run inside a write transaction. */
export function heartbeat(
  stmt: Stmt,
  p: { workerId: string; now: number; until: number },
): string[] {
  stmt(
    'INSERT INTO delivery_workers (id, alive_until) VALUES (?, ?)' +
      ' ON CONFLICT (id) DO UPDATE SET alive_until = excluded.alive_until',
  ).run(p.workerId, p.until);
  stmt('UPDATE endpoints SET owner_until = ? WHERE owner_id = ?').run(p.until, p.workerId);
  stmt('DELETE FROM delivery_workers WHERE alive_until < ?').run(p.now - HOUR);
  const rows = stmt('SELECT id FROM delivery_workers WHERE alive_until >= ? ORDER BY id').all(
    p.now,
  ) as unknown as { id: string }[];
  return rows.map((r) => r.id);
}

export function removeWorker(stmt: Stmt, workerId: string): void {
  stmt('DELETE FROM delivery_workers WHERE id = ?').run(workerId);
}
