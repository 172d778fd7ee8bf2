// Fan-out: turns events after each endpoint's dispatch cursor into delivery
// rows, advancing the cursor in the same transaction (endpointDispatch is a
// compare-and-set, so two dispatchers never create the same delivery twice).
// Only a bounded window of deliveries is open per endpoint, so a dead receiver
// with a million undelivered events costs a cursor, not a million rows; the
// window refills as deliveries finish. A disabled endpoint is simply skipped:
// its cursor waits, and enabling it resumes from there.
import type { StoredEvent } from '../../domain/event.ts';
import { compileEventFilter } from '../../domain/event-filter.ts';
import type { EndpointRow, NewDelivery } from '../../store/delivery-store.ts';
import type { Store } from '../../store/store.ts';

export interface DispatcherOptions {
  /** Most non-final deliveries per endpoint; fan-out pauses at this many. */
  maxOpen: number;
  /** Events read per step. */
  scanLimit: number;
  /** Safety-net sweep over all tenants (commits of other processes, lingering batches). */
  sweepMs: number;
  /** Called after deliveries were created, to wake the worker. */
  onDispatched: () => void;
  onError: (err: unknown) => void;
}

export class Dispatcher {
  readonly #store: Store;
  readonly #opts: DispatcherOptions;
  /** Tenants with a run in progress, and whether another run was asked for meanwhile. */
  readonly #running = new Map<string, boolean>();
  /** Endpoints whose window was full: a finished delivery should refill it. */
  /** Endpoints whose window was full, with how many finished deliveries to await before refilling. */
  readonly #saturated = new Map<string, number>();
  readonly #lingers = new Map<string, NodeJS.Timeout>();
  #unsubscribe: (() => void) | null = null;
  #sweep: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(store: Store, opts: DispatcherOptions) {
    this.#store = store;
    this.#opts = opts;
  }

  start(): void {
    this.#unsubscribe = this.#store.onCommit((tenantId) => this.kick(tenantId));
    this.#sweep = setInterval(() => this.kickAll(), this.#opts.sweepMs);
    this.#sweep.unref();
    this.kickAll();
  }

  /** Dispatches for every tenant that has an active endpoint. */
  kickAll(): void {
    // Through a promise, so even a synchronous store failure reaches onError.
    Promise.resolve()
      .then(() => this.#store.endpointListActive({ tenantId: null }))
      .then((eps) => {
        for (const t of new Set(eps.map((e) => e.tenantId))) this.kick(t);
      }, this.#opts.onError);
  }

  /** Coalesced: at most one run per tenant at a time, plus one queued behind it. */
  kick(tenantId: string): void {
    if (this.#stopped) return;
    if (this.#running.has(tenantId)) {
      this.#running.set(tenantId, true);
      return;
    }
    this.#running.set(tenantId, false);
    void this.#runTenant(tenantId);
  }

  /** A delivery of this endpoint finished; refill its window if it was full. */
  onDeliveryFinished(tenantId: string, endpointId: string): void {
    const left = this.#saturated.get(endpointId);
    if (left === undefined) return;
    // Refill in steps of a quarter window, not on every finished delivery: each
    // refill counts the open window and reads the log.
    if (left > 1) {
      this.#saturated.set(endpointId, left - 1);
      return;
    }
    this.#saturated.delete(endpointId);
    this.kick(tenantId);
  }

  async #runTenant(tenantId: string): Promise<void> {
    try {
      for (;;) {
        const endpoints = await this.#store.endpointListActive({ tenantId });
        let created = 0;
        for (const ep of endpoints) {
          if (this.#stopped) return;
          created += await this.#dispatchEndpoint(ep);
        }
        if (created > 0) this.#opts.onDispatched();
        if (!this.#running.get(tenantId) || this.#stopped) return;
        this.#running.set(tenantId, false);
      }
    } catch (err) {
      this.#opts.onError(err);
    } finally {
      this.#running.delete(tenantId);
    }
  }

  /** Returns how many deliveries were created. */
  async #dispatchEndpoint(start: EndpointRow): Promise<number> {
    let ep = start;
    let created = 0;
    const matches = compileEventFilter(ep.eventTypes);
    for (;;) {
      const open = await this.#store.deliveryCountOpen({
        tenantId: ep.tenantId,
        endpointId: ep.id,
      });
      const room = this.#opts.maxOpen - open;
      if (room <= 0) {
        this.#saturated.set(ep.id, Math.max(1, Math.floor(this.#opts.maxOpen / 4)));
        return created;
      }
      // One step may overshoot the window by at most scanLimit deliveries.
      const events = await this.#store.eventList({
        tenantId: ep.tenantId,
        afterSequence: ep.dispatchCursor,
        order: 'asc',
        limit: this.#opts.scanLimit,
        types: null,
        organizationId: null,
        rangeStart: null,
        rangeEnd: null,
      });
      const last = events.at(-1);
      if (!last) return created;
      const matched = events.filter(
        (e) =>
          matches(e.type) && (ep.organizationId === null || e.organizationId === ep.organizationId),
      );
      if (this.#lingering(ep, matched, events.length)) return created;
      const deliveries = groupIntoDeliveries(ep, matched);
      const ok = await this.#store.endpointDispatch({
        tenantId: ep.tenantId,
        endpointId: ep.id,
        fromCursor: ep.dispatchCursor,
        toCursor: last.sequence,
        deliveries,
        now: new Date(),
      });
      if (!ok) {
        // Another dispatcher moved the cursor (or the endpoint is gone): reload.
        const fresh = await this.#store.endpointGet({ tenantId: ep.tenantId, id: ep.id });
        if (!fresh?.active) return created;
        ep = fresh;
        continue;
      }
      created += deliveries.length;
      ep = { ...ep, dispatchCursor: last.sequence };
    }
  }

  /**
   * batch_wait_ms: while fewer matching events than a batch are waiting and the
   * oldest is younger than the linger, hold them and look again when it ends.
   */
  #lingering(ep: EndpointRow, matched: StoredEvent[], scanned: number): boolean {
    const first = matched[0];
    if (ep.batchSize <= 1 || ep.batchWaitMs <= 0 || !first) return false;
    if (matched.length >= ep.batchSize || scanned >= this.#opts.scanLimit) return false;
    const wait = first.createdAt.getTime() + ep.batchWaitMs - Date.now();
    if (wait <= 0) return false;
    if (!this.#lingers.has(ep.id)) {
      const t = setTimeout(() => {
        this.#lingers.delete(ep.id);
        this.kick(ep.tenantId);
      }, wait);
      t.unref();
      this.#lingers.set(ep.id, t);
    }
    return true;
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#sweep) clearInterval(this.#sweep);
    for (const t of this.#lingers.values()) clearTimeout(t);
    this.#lingers.clear();
  }
}

/**
 * Consecutive events of one order key share a delivery, up to batch_size; the
 * result is in sequence order of each delivery's first event.
 */
export function groupIntoDeliveries(ep: EndpointRow, events: StoredEvent[]): NewDelivery[] {
  const open = new Map<string, NewDelivery>();
  const out: NewDelivery[] = [];
  for (const e of events) {
    const key = ep.orderedBy === 'organization' ? (e.organizationId ?? '') : '';
    let d = open.get(key);
    if (!d || d.eventIds.length >= ep.batchSize) {
      d = {
        kind: 'event',
        firstSequence: e.sequence,
        lastSequence: e.sequence,
        eventIds: [],
        payload: null,
        orderKey: key,
      };
      open.set(key, d);
      out.push(d);
    }
    d.eventIds.push(e.id);
    d.lastSequence = e.sequence;
  }
  return out;
}
