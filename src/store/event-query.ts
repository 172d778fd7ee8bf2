// Builds the Events API list query once for both SQL dialects; only the
// placeholder syntax differs. Ordering is always by the tenant sequence.
import type { EventListParams } from './store.ts';

export interface BuiltQuery {
  sql: string;
  args: unknown[];
}

export function buildEventListQuery(
  p: EventListParams,
  placeholder: (index: number) => string,
  toDbTime: (d: Date) => unknown,
): BuiltQuery {
  const args: unknown[] = [];
  const arg = (v: unknown) => {
    args.push(v);
    return placeholder(args.length);
  };
  const where = [`tenant_id = ${arg(p.tenantId)}`];
  if (p.afterSequence !== null) {
    where.push(`sequence ${p.order === 'asc' ? '>' : '<'} ${arg(p.afterSequence)}`);
  }
  if (p.types && p.types.length > 0) {
    where.push(`type IN (${p.types.map((t) => arg(t)).join(', ')})`);
  }
  if (p.organizationId !== null) where.push(`organization_id = ${arg(p.organizationId)}`);
  if (p.rangeStart) where.push(`created_at >= ${arg(toDbTime(p.rangeStart))}`);
  if (p.rangeEnd) where.push(`created_at < ${arg(toDbTime(p.rangeEnd))}`);
  const sql =
    'SELECT tenant_id, sequence, id, type, organization_id, data, created_at, log_level FROM events' +
    ` WHERE ${where.join(' AND ')} ORDER BY sequence ${p.order === 'asc' ? 'ASC' : 'DESC'}` +
    ` LIMIT ${arg(p.limit)}`;
  return { sql, args };
}
