// The operator's view of push delivery: endpoint lifecycle, secrets, manual
// retries, replays and test events. Used by the HTTP routes; every method is
// scoped to one tenant, and a missing id is a 404 naming it.
import {
  type DeliveryRow,
  isFinalStatus,
  type NewDelivery,
  newDeliveryId,
} from '../../domain/delivery.ts';
import { type EndpointRow, orderKeyOf } from '../../domain/endpoint.ts';
import { type StoredEvent, toEventOut } from '../../domain/event.ts';
import { compileEndpointFilter } from '../../domain/event-filter.ts';
import { newEventId, parseEventId } from '../../domain/ids.ts';
import { HeraldError } from '../../domain/problem.ts';
import { generateSecret } from '../../domain/signature.ts';
import type { Store } from '../../store/store.ts';
import { assertValidSecret, buildEndpointConfig, type EndpointInput } from './endpoint-config.ts';

export const DEFAULT_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;
/** A replay creates at most this many deliveries; ask again with a later `since` for more. */
export const MAX_REPLAY_EVENTS = 10_000;
export const TEST_EVENT_TYPE = 'herald.test';

export interface EndpointServiceOptions {
  allowPrivate: boolean;
  /**
   * Tells this process's delivery engine that endpoints or their records
   * changed; resolves once it has looked (engines in other processes look
   * within their tick, about a second).
   */
  wake: () => Promise<void>;
}

export class EndpointService {
  readonly #store: Store;
  readonly #opts: EndpointServiceOptions;

  constructor(store: Store, opts: EndpointServiceOptions) {
    this.#store = store;
    this.#opts = opts;
  }

  async create(
    tenantId: string,
    input: EndpointInput & { secret?: string; start_from?: string },
  ): Promise<EndpointRow> {
    const config = buildEndpointConfig(input, null, this.#opts);
    if (input.secret !== undefined) assertValidSecret(input.secret);
    const cursor = await this.#startCursor(tenantId, input.start_from ?? 'now');
    const row = await this.#store.endpointCreate({
      tenantId,
      config,
      secret: input.secret ?? generateSecret(),
      cursor,
    });
    await this.#opts.wake();
    return row;
  }

  /** The sequence a new endpoint's cursor starts at: delivery begins after it. */
  async #startCursor(tenantId: string, startFrom: string): Promise<number> {
    if (startFrom === 'now') return this.#store.eventHead({ tenantId });
    // Sequences start at 1, so 0 is before everything still retained.
    if (startFrom === 'start') return 0;
    const event = parseEventId(startFrom)
      ? await this.#store.eventGetById({ tenantId, id: startFrom })
      : null;
    if (!event) {
      throw new HeraldError(
        'validation_failed',
        `start_from must be now, start or the id of an event in this environment; ${startFrom} is none of these`,
        { field: 'start_from' },
      );
    }
    return event.sequence;
  }

  async get(tenantId: string, id: string): Promise<EndpointRow> {
    const row = await this.#store.endpointGet({ tenantId, id });
    if (!row) throw new HeraldError('not_found', `no endpoint with id ${id}`, { field: 'id' });
    return row;
  }

  list(tenantId: string, after: string | null, limit: number): Promise<EndpointRow[]> {
    return this.#store.endpointList({ tenantId, after, limit });
  }

  async update(tenantId: string, id: string, input: EndpointInput): Promise<EndpointRow> {
    const current = await this.get(tenantId, id);
    const config = buildEndpointConfig(input, current, this.#opts);
    const row = await this.#store.endpointUpdate({ tenantId, id, config });
    if (!row) throw new HeraldError('not_found', `no endpoint with id ${id}`, { field: 'id' });
    await this.#opts.wake();
    return row;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.#store.endpointDelete({ tenantId, id }))) {
      throw new HeraldError('not_found', `no endpoint with id ${id}`, { field: 'id' });
    }
  }

  async setActive(tenantId: string, id: string, active: boolean): Promise<EndpointRow> {
    const row = await this.#store.endpointSetActive({
      tenantId,
      id,
      active,
      reason: active ? null : 'manual',
      now: new Date(),
    });
    if (!row) throw new HeraldError('not_found', `no endpoint with id ${id}`, { field: 'id' });
    // Enabling resumes from the cursor, so events accumulated meanwhile go out.
    await this.#opts.wake();
    return row;
  }

  /** The new secret signs from now on; the previous one keeps signing for `graceMs`. */
  async rotateSecret(
    tenantId: string,
    id: string,
    opts: { secret?: string; graceMs?: number },
  ): Promise<EndpointRow> {
    const row = await this.get(tenantId, id);
    if (opts.secret !== undefined) assertValidSecret(opts.secret);
    const now = Date.now();
    const expiresAt = new Date(now + (opts.graceMs ?? DEFAULT_ROTATION_GRACE_MS));
    const kept = row.secrets
      .filter((s) => s.expiresAt === null || s.expiresAt.getTime() > now)
      .map((s) => ({ secret: s.secret, expiresAt: s.expiresAt ?? expiresAt }));
    const secrets = [{ secret: opts.secret ?? generateSecret(), expiresAt: null }, ...kept];
    const rotated = await this.#store.endpointSetSecrets({ tenantId, id, secrets });
    await this.#opts.wake();
    return rotated ?? row;
  }

  async delivery(tenantId: string, id: string): Promise<DeliveryRow> {
    const row = await this.#store.deliveryGet({ tenantId, id });
    if (!row) throw new HeraldError('not_found', `no delivery with id ${id}`, { field: 'id' });
    return row;
  }

  async retryDelivery(tenantId: string, id: string): Promise<DeliveryRow> {
    const before = await this.delivery(tenantId, id);
    if (!isFinalStatus(before.status)) {
      throw new HeraldError(
        'conflict',
        `delivery ${id} is ${before.status}; only a finished (succeeded or failed) delivery can be retried`,
        { field: 'id' },
      );
    }
    const row = await this.#store.deliveryRetry({ tenantId, id, now: new Date() });
    await this.#opts.wake();
    return row ?? before;
  }

  /**
   * Sends again: with status 'failed', requeues the failed deliveries created
   * in the range; otherwise creates new deliveries for the endpoint's events
   * published in the range (at most MAX_REPLAY_EVENTS).
   */
  async replay(
    tenantId: string,
    id: string,
    p: { since: Date; until: Date | null; status: 'failed' | null },
  ): Promise<{ deliveries: number; events: number }> {
    const ep = await this.get(tenantId, id);
    const now = new Date();
    if (p.status === 'failed') {
      const n = await this.#store.deliveryRetryFailed({
        tenantId,
        endpointId: id,
        since: p.since,
        until: p.until,
        now,
      });
      await this.#opts.wake();
      return { deliveries: n, events: 0 };
    }
    const matches = compileEndpointFilter(ep);
    const events: StoredEvent[] = [];
    let after: number | null = null;
    while (events.length < MAX_REPLAY_EVENTS) {
      const page = await this.#store.eventList({
        tenantId,
        afterSequence: after,
        order: 'asc',
        limit: 1000,
        types: null,
        organizationId: ep.organizationId,
        rangeStart: p.since,
        rangeEnd: p.until,
      });
      // Every matching event, also those past the cursor: its owner may have
      // sent them already without having committed the cursor yet.
      const batch = page.filter(matches);
      events.push(...batch.slice(0, MAX_REPLAY_EVENTS - events.length));
      const last = page.at(-1);
      if (!last || page.length < 1000) break;
      after = last.sequence;
    }
    const positions = await this.#positions(ep, events);
    // Replays go one event per delivery, whatever the batch size: they are rare
    // and a per-event record is what an operator wants to inspect afterwards.
    const deliveries: (NewDelivery & { id: string })[] = events.map((e) => ({
      id: newDeliveryId(),
      kind: 'event',
      firstSequence: e.sequence,
      lastSequence: e.sequence,
      firstPosition: positions.get(e.id) ?? null,
      lastPosition: positions.get(e.id) ?? null,
      eventIds: [e.id],
      payload: null,
      orderKey: orderKeyOf(ep, e.organizationId),
    }));
    if (deliveries.length > 0) {
      await this.#store.deliveryInsert({ tenantId, endpointId: id, deliveries, now });
      await this.#opts.wake();
    }
    return { deliveries: deliveries.length, events: events.length };
  }

  /**
   * The per-endpoint positions of replayed events, from the deliveries that
   * first carried them: exact for every event of a batch of consecutive
   * positions, and for the first and last of any other. Events whose original
   * delivery was removed by retention go without a position.
   */
  async #positions(ep: EndpointRow, events: StoredEvent[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const first = events[0];
    const last = events.at(-1);
    if (!first || !last) return out;
    const rows = await this.#store.deliveryListCovering({
      tenantId: ep.tenantId,
      endpointId: ep.id,
      fromSequence: first.sequence,
      toSequence: last.sequence,
    });
    for (const d of rows) {
      if (d.firstPosition === null || d.lastPosition === null) continue;
      const contiguous = d.lastPosition - d.firstPosition + 1 === d.eventIds.length;
      d.eventIds.forEach((eventId, i) => {
        if (contiguous) out.set(eventId, (d.firstPosition as number) + i);
        else if (i === 0) out.set(eventId, d.firstPosition as number);
        else if (i === d.eventIds.length - 1) out.set(eventId, d.lastPosition as number);
      });
    }
    return out;
  }

  /** Queues a synthetic event that is not stored in the tenant's log; tried once. */
  async sendTest(tenantId: string, id: string): Promise<DeliveryRow> {
    await this.get(tenantId, id);
    const now = new Date();
    const event = toEventOut({
      id: newEventId(now.getTime(), null),
      tenantId,
      sequence: 0,
      type: TEST_EVENT_TYPE,
      data: { message: 'This is a test event sent by Herald.' },
      level: null,
      organizationId: null,
      createdAt: now,
    });
    const [row] = await this.#store.deliveryInsert({
      tenantId,
      endpointId: id,
      deliveries: [
        {
          id: newDeliveryId(),
          kind: 'test',
          firstSequence: 0,
          lastSequence: 0,
          firstPosition: null,
          lastPosition: null,
          eventIds: [event.id],
          payload: [event],
          orderKey: '__test__',
        },
      ],
      now,
    });
    await this.#opts.wake();
    if (!row) throw new Error('test delivery was not stored');
    return row;
  }
}
