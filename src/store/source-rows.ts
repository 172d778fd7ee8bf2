// How both stores read an inbound_sources row: the columns are the same in
// both dialects; only what a timestamp comes back as differs (a Date from
// PostgreSQL, epoch milliseconds from SQLite), which each dialect turns into a
// Date before handing the row here.
import type { InboundScheme, InboundSourceRow } from '../domain/inbound-source.ts';

/** An inbound_sources row, with its timestamps as the dialect returns them. */
export interface SourceColumns<Time> {
  id: string;
  tenant_id: string;
  name: string;
  scheme: string;
  secret: string;
  type_prefix: string;
  created_at: Time;
  updated_at: Time;
}

/** The domain's source from a row whose timestamps are already Dates. */
export function toSourceRow(r: SourceColumns<Date>): InboundSourceRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    scheme: r.scheme as InboundScheme,
    secret: r.secret,
    typePrefix: r.type_prefix,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
