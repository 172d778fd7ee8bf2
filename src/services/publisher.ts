// Publishing: checks the domain rules that route schemas cannot (size per
// event) and appends to the store. A resolved promise means committed.
import type { NewEvent } from '../domain/event.ts';
import { HeraldError } from '../domain/problem.ts';
import type { AppendedEvent, Store } from '../store/store.ts';

export interface PublisherOptions {
  maxEventBytes: number;
}

export class Publisher {
  readonly #store: Store;
  readonly #opts: PublisherOptions;

  constructor(store: Store, opts: PublisherOptions) {
    this.#store = store;
    this.#opts = opts;
  }

  async publish(tenantId: string, events: NewEvent[], fieldPrefix = ''): Promise<AppendedEvent[]> {
    const serialized = events.map((e) => ({
      ...e,
      dataJson: e.dataJson ?? JSON.stringify(e.data),
    }));
    serialized.forEach((e, i) => {
      const size = Buffer.byteLength(e.dataJson);
      if (size > this.#opts.maxEventBytes) {
        const field = events.length > 1 || fieldPrefix ? `${fieldPrefix}${i}.data` : 'data';
        throw new HeraldError(
          'payload_too_large',
          `event data is ${size} bytes; the limit is ${this.#opts.maxEventBytes} bytes`,
          { field },
        );
      }
    });
    return this.#store.eventAppend({ tenantId, events: serialized });
  }
}
