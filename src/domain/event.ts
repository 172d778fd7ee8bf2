import { type LogLevel, levelName } from './log-level.ts';

// The one public representation of an event: the Events API, SSE and (later)
// webhook bodies all serialize this shape.
export interface NewEvent {
  type: string;
  data: Record<string, unknown>;
  organizationId: string | null;
  idempotencyKey: string | null;
  /** Log level rank (log-level.ts), or null. */
  level?: number | null;
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
  /** Log level rank (log-level.ts), or null. */
  level: number | null;
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
  level?: LogLevel;
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
  if (e.level !== null) out.level = levelName(e.level);
  return out;
}
