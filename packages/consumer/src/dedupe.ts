// Duplicate suppression keyed by the event id. Herald delivers at least once,
// and a replay or a manual retry sends the same event again under a new
// webhook-id, so webhook-id is the wrong key: the event id is what repeats.
import type { HeraldEvent } from './types.ts';

/** Where processed event ids are remembered. Implement it over Redis, SQL, ... */
export interface DedupeStore {
  has(eventId: string): boolean | Promise<boolean>;
  add(eventId: string): void | Promise<void>;
}

export interface MemoryDedupeStoreOptions {
  /** Oldest ids are forgotten beyond this many (default 10,000). */
  maxEntries?: number;
}

/** In-process and bounded: it forgets the oldest ids first, and everything on restart. */
export class MemoryDedupeStore implements DedupeStore {
  readonly #ids = new Set<string>();
  readonly #max: number;

  constructor(options: MemoryDedupeStoreOptions = {}) {
    this.#max = options.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(this.#max) || this.#max < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
  }

  get size(): number {
    return this.#ids.size;
  }

  has(eventId: string): boolean {
    return this.#ids.has(eventId);
  }

  add(eventId: string): void {
    // A Set iterates in insertion order, so its first entry is the oldest.
    this.#ids.delete(eventId);
    this.#ids.add(eventId);
    while (this.#ids.size > this.#max) {
      const oldest = this.#ids.values().next().value as string;
      this.#ids.delete(oldest);
    }
  }
}

export type DedupeResult<T> = { duplicate: true } | { duplicate: false; result: T };

/**
 * Runs `fn` for an event unless its id was processed before, and remembers
 * the id only after `fn` succeeds, so a failed event is processed again when
 * it is redelivered. An event already being processed in this process counts
 * as a duplicate (its first run decides).
 */
export class Deduper {
  readonly #store: DedupeStore;
  readonly #inFlight = new Set<string>();

  constructor(store: DedupeStore = new MemoryDedupeStore()) {
    this.#store = store;
  }

  async process<T>(
    event: Pick<HeraldEvent, 'id'>,
    fn: () => T | Promise<T>,
  ): Promise<DedupeResult<Awaited<T>>> {
    if (this.#inFlight.has(event.id)) return { duplicate: true };
    this.#inFlight.add(event.id);
    try {
      if (await this.#store.has(event.id)) return { duplicate: true };
      const result = await fn();
      await this.#store.add(event.id);
      return { duplicate: false, result };
    } finally {
      this.#inFlight.delete(event.id);
    }
  }
}
