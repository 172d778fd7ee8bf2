// Reading the log: resolves cursors to sequences, applies the retention
// horizon, and waits for commits when asked to (long polling and SSE).
import type { StoredEvent } from '../domain/event.ts';
import { parseEventId } from '../domain/ids.ts';
import { HeraldError } from '../domain/problem.ts';
import type { EventListParams, Store } from '../store/store.ts';
import type { StreamHub } from './stream-hub.ts';

export interface EventQuery {
  tenantId: string;
  after: string | null;
  order: 'asc' | 'desc';
  limit: number;
  types: string[] | null;
  organizationId: string | null;
  rangeStart: Date | null;
  rangeEnd: Date | null;
}

export class EventReader {
  readonly #store: Store;
  readonly #hub: StreamHub;
  readonly #horizon: () => Date;
  readonly #replica: Pick<Store, 'eventList'>;

  /**
   * `replica` (a read replica) serves plain list reads. It sees a committed
   * prefix of each tenant's log, possibly an older one: a page may end early
   * or be empty, never skip or reorder. Cursors are resolved on the primary
   * (a client may hold an id the replica has not replayed yet), and waiting
   * reads (long polling, SSE) stay on the primary, whose commits wake them.
   */
  constructor(
    store: Store,
    hub: StreamHub,
    horizon: () => Date,
    replica: Pick<Store, 'eventList'> = store,
  ) {
    this.#store = store;
    this.#hub = hub;
    this.#horizon = horizon;
    this.#replica = replica;
  }

  /** Maps an event id cursor to its sequence, or explains why it cannot. */
  async resolveCursor(
    tenantId: string,
    after: string | null,
    field = 'after',
  ): Promise<number | null> {
    if (after === null) return null;
    const parsed = parseEventId(after);
    if (!parsed) {
      throw new HeraldError('cursor_invalid', `${field} must be an event id such as event_01J…`, {
        field,
      });
    }
    const event = await this.#store.eventGetById({ tenantId, id: after });
    const horizon = this.#horizon();
    if (parsed.ms < horizon.getTime() || (event && event.createdAt < horizon)) {
      throw new HeraldError(
        'cursor_expired',
        `${field} points to an event older than the retention horizon (${horizon.toISOString()}); events after it may have been removed, so resume from a fresh listing`,
        { field },
      );
    }
    if (!event) {
      throw new HeraldError(
        'cursor_invalid',
        `${field}: no event with id ${after} exists in this environment`,
        {
          field,
        },
      );
    }
    return event.sequence;
  }

  /** One event by id; events past the retention horizon are gone even before deletion runs. */
  async get(tenantId: string, id: string): Promise<StoredEvent | null> {
    if (!parseEventId(id)) return null;
    const event = await this.#store.eventGetById({ tenantId, id });
    return event && event.createdAt >= this.#horizon() ? event : null;
  }

  /** The tenant's newest sequence (0 for an empty log): where a stream of new events starts. */
  async head(tenantId: string): Promise<number> {
    const [last] = await this.#store.eventList({
      tenantId,
      afterSequence: null,
      order: 'desc',
      limit: 1,
      types: null,
      organizationId: null,
      rangeStart: null,
      rangeEnd: null,
    });
    return last?.sequence ?? 0;
  }

  #params(q: EventQuery, afterSequence: number | null): EventListParams {
    const horizon = this.#horizon();
    return {
      tenantId: q.tenantId,
      afterSequence,
      order: q.order,
      limit: q.limit,
      types: q.types,
      organizationId: q.organizationId,
      rangeStart: q.rangeStart && q.rangeStart > horizon ? q.rangeStart : horizon,
      rangeEnd: q.rangeEnd,
    };
  }

  listAfterSequence(q: EventQuery, afterSequence: number | null): Promise<StoredEvent[]> {
    return this.#store.eventList(this.#params(q, afterSequence));
  }

  /**
   * Lists one page; when it is empty and waitMs > 0, holds until a matching
   * event commits or the wait ends. The waiter is registered before the first
   * query so a commit in between is never missed.
   */
  async list(q: EventQuery, waitMs = 0, signal?: AbortSignal): Promise<StoredEvent[]> {
    const afterSequence = await this.resolveCursor(q.tenantId, q.after);
    if (waitMs <= 0 || q.order === 'desc') {
      return this.#replica.eventList(this.#params(q, afterSequence));
    }
    const waiter = this.#hub.waiter(q.tenantId);
    try {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const page = await this.listAfterSequence(q, afterSequence);
        const remaining = deadline - Date.now();
        if (page.length > 0 || remaining <= 0 || signal?.aborted) return page;
        await waiter.wait(remaining, signal);
      }
    } finally {
      waiter.close();
    }
  }

  waiter(tenantId: string) {
    return this.#hub.waiter(tenantId);
  }
}
