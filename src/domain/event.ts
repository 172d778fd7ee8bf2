// The one public representation of an event: the Events API, SSE and (later)
// webhook bodies all serialize this shape.
export interface NewEvent {
  type: string;
  data: Record<string, unknown>;
  organizationId: string | null;
  idempotencyKey: string | null;
  /** `data` already serialized, when the caller has it (saves a second JSON.stringify per event). */
  dataJson?: string;
}

export interface StoredEvent {
  id: string;
  tenantId: string;
  sequence: number;
  type: string;
  data: Record<string, unknown>;
  organizationId: string | null;
  createdAt: Date;
}

export interface EventOut {
  object: 'event';
  id: string;
  event: string;
  data: Record<string, unknown>;
  created_at: string;
  organization_id?: string;
  sequence: number;
  context: { sequence: number; organization_id?: string };
}

export function toEventOut(e: StoredEvent): EventOut {
  const out: EventOut = {
    object: 'event',
    id: e.id,
    event: e.type,
    data: e.data,
    created_at: e.createdAt.toISOString(),
    sequence: e.sequence,
    context: { sequence: e.sequence },
  };
  if (e.organizationId !== null) {
    out.organization_id = e.organizationId;
    out.context.organization_id = e.organizationId;
  }
  return out;
}
