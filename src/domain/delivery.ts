// Deliveries and attempts: one message to one endpoint (one event, or a batch
// of consecutive events of one order key) and every HTTP try of it.
//
// A delivery of events from the log is formed in memory by the endpoint's
// owner; it is written as a row only when an attempt has an outcome (or when
// the API queues one: replay, test, manual retry). Its id is derived from the
// endpoint and the events it carries, so a message re-formed after a crash has
// the same id, and so the same `webhook-id`, as the one in flight before it.
import { createHash } from 'node:crypto';
import { type EndpointConfig, orderKeyOf } from './endpoint.ts';
import type { StoredEvent } from './event.ts';
import { newId } from './ids.ts';

/**
 * pending: queued by the API (replay, test, manual retry), not yet attempted;
 * retrying: failed, waits for its next attempt (a retry record);
 * succeeded / failed (given up): final.
 */
export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'failed';
export type DeliveryKind = 'event' | 'test';

export function isFinalStatus(s: DeliveryStatus): boolean {
  return s === 'succeeded' || s === 'failed';
}

export interface DeliveryRow {
  id: string;
  tenantId: string;
  endpointId: string;
  /** 'test': a synthetic event carried in `payload`, tried once, not counted in health. */
  kind: DeliveryKind;
  firstSequence: number;
  lastSequence: number;
  /** Positions among the events the endpoint subscribes to (null: unknown, e.g. tests). */
  firstPosition: number | null;
  lastPosition: number | null;
  eventIds: string[];
  /** Only for kind 'test': the events to send, already in their public shape. */
  payload: object[] | null;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  /** Ordering scope within the endpoint: '' or the organization id. */
  orderKey: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A delivery as the API queues it (replay, test). */
export type NewDelivery = Pick<
  DeliveryRow,
  | 'kind'
  | 'firstSequence'
  | 'lastSequence'
  | 'firstPosition'
  | 'lastPosition'
  | 'eventIds'
  | 'payload'
  | 'orderKey'
>;

export interface AttemptRow {
  id: string;
  deliveryId: string;
  tenantId: string;
  endpointId: string;
  attemptedAt: Date;
  /** As sent, with credentials redacted. */
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  /** First 4 KiB of the response body. */
  responseBody: string | null;
  latencyMs: number;
  error: string | null;
}

export type NewAttempt = Omit<AttemptRow, 'id' | 'deliveryId' | 'tenantId' | 'endpointId'>;

/** What one HTTP attempt came to. */
export interface AttemptOutcome {
  ok: boolean;
  status: number | null;
  /** The raw Retry-After header, if any. */
  retryAfter: string | null;
  attempt: NewAttempt;
}

const hash8 = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 8);

/**
 * `dlv_<ULID of the first event><8 chars of hash(endpoint, last sequence)>`:
 * the same events to the same endpoint get the same id, ids of one endpoint
 * sort by the events they carry, and different endpoints never share one.
 */
export function eventDeliveryId(endpointId: string, firstEventId: string, lastSequence: number) {
  const ulid = firstEventId.slice(firstEventId.indexOf('_') + 1);
  return `dlv_${ulid}${hash8(`${endpointId}:${lastSequence}`)}`;
}

/** Deliveries the API queues (replays, tests) are new messages with fresh ids. */
export function newDeliveryId(): string {
  return newId('dlv');
}

/** An event read from the log (its envelope is enough), with its position among the endpoint's events. */
export interface PositionedEvent {
  event: Pick<StoredEvent, 'id' | 'sequence' | 'organizationId' | 'createdAt'>;
  position: number;
}

export interface Batch {
  orderKey: string;
  events: PositionedEvent[];
}

/**
 * Consecutive matching events of one order key share a delivery, up to
 * batch_size; batches come out in sequence order of their first event.
 */
export function groupIntoBatches(
  ep: Pick<EndpointConfig, 'orderedBy' | 'batchSize'>,
  events: PositionedEvent[],
): Batch[] {
  const open = new Map<string, Batch>();
  const out: Batch[] = [];
  for (const e of events) {
    const key = orderKeyOf(ep, e.event.organizationId);
    let b = open.get(key);
    if (!b || b.events.length >= ep.batchSize) {
      b = { orderKey: key, events: [] };
      open.set(key, b);
      out.push(b);
    }
    b.events.push(e);
  }
  return out;
}
