// Pages of a tenant's log as the endpoint consumers read them. Consumers of
// one tenant usually read the same pages at about the same time (every
// endpoint takes every new event, a few ms apart), so a page is read from the
// store and serialized once and shared: concurrent reads of a page share one
// query, and the last few full pages are kept. A short page (the head of the
// log) is shared only while it is being read, since the log grows past it.
// Events are immutable, so a kept page never goes stale. A page keeps each
// event's serialized body and its envelope, not the parsed data (memory).
import { type StoredEvent, toEventOut } from '../../domain/event.ts';
import type { Store } from '../../store/store.ts';

/** What a consumer needs of an event besides its body: a page keeps no parsed data. */
export type LogEntry = Omit<StoredEvent, 'data'>;

export interface LogPage {
  events: LogEntry[];
  /** Each event exactly as the Events API serializes it. */
  json: string[];
}

function toEntry(e: StoredEvent): LogEntry {
  return {
    id: e.id,
    tenantId: e.tenantId,
    sequence: e.sequence,
    type: e.type,
    organizationId: e.organizationId,
    createdAt: e.createdAt,
    level: e.level,
  };
}

export class LogPages {
  readonly #store: Store;
  readonly #keep: number;
  readonly #pages = new Map<string, Promise<LogPage>>();

  constructor(store: Store, opts: { keep: number }) {
    this.#store = store;
    this.#keep = opts.keep;
  }

  read(p: {
    tenantId: string;
    organizationId: string | null;
    afterSequence: number;
    limit: number;
  }): Promise<LogPage> {
    const key = `${p.tenantId}|${p.organizationId ?? ''}|${p.afterSequence}|${p.limit}`;
    const hit = this.#pages.get(key);
    if (hit) {
      // Most recently used last.
      this.#pages.delete(key);
      this.#pages.set(key, hit);
      return hit;
    }
    const page = this.#store
      .eventList({
        tenantId: p.tenantId,
        afterSequence: p.afterSequence,
        order: 'asc',
        limit: p.limit,
        types: null,
        organizationId: p.organizationId,
        rangeStart: null,
        rangeEnd: null,
      })
      .then((events) => ({
        events: events.map(toEntry),
        json: events.map((e) => JSON.stringify(toEventOut(e))),
      }));
    this.#pages.set(key, page);
    page.then(
      (r) => {
        if (r.events.length < p.limit) this.#pages.delete(key);
      },
      () => this.#pages.delete(key),
    );
    while (this.#pages.size > this.#keep) {
      const oldest = this.#pages.keys().next().value as string;
      this.#pages.delete(oldest);
    }
    return page;
  }
}
