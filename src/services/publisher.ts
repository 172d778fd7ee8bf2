// Publishing: checks the domain rules that route schemas cannot (size and
// nesting depth per event) and appends to the store. A resolved promise means committed.

import { SpanKind } from '@opentelemetry/api';
import type { NewEvent } from '../domain/event.ts';
import { jsonDepthExceeds } from '../domain/json-shape.ts';
import { HeraldError } from '../domain/problem.ts';
import type { AppendedEvent, Store } from '../store/store.ts';
import type { HeraldMetrics } from './telemetry/metrics.ts';
import { inSpan, type Tracing } from './telemetry/tracing.ts';

export interface PublisherOptions {
  maxEventBytes: number;
  /** Most levels of objects/arrays in an event's data (JSON.stringify recurses per level). */
  maxEventDepth: number;
  metrics?: HeraldMetrics;
  /** Spans of appends, linked from the delivery attempts; null makes none. */
  tracing?: Tracing | null;
}

/** An appended event with its data as JSON text, so a response need not serialize it again. */
export interface PublishedEvent extends AppendedEvent {
  dataJson: string;
}

/** UTF-8 needs at most 3 bytes per UTF-16 code unit (a surrogate pair is 4 bytes for 2 units). */
const MAX_UTF8_BYTES_PER_UNIT = 3;

export class Publisher {
  readonly #store: Store;
  readonly #opts: PublisherOptions;

  constructor(store: Store, opts: PublisherOptions) {
    this.#store = store;
    this.#opts = opts;
  }

  async publish(tenantId: string, events: NewEvent[], fieldPrefix = ''): Promise<PublishedEvent[]> {
    const fieldOf = (i: number) =>
      events.length > 1 || fieldPrefix ? `${fieldPrefix}${i}.data` : 'data';
    events.forEach((e, i) => {
      if (!jsonDepthExceeds(e.data, this.#opts.maxEventDepth)) return;
      throw new HeraldError(
        'validation_failed',
        `event data nests deeper than ${this.#opts.maxEventDepth} levels of objects and arrays (maxEventDepth)`,
        { field: fieldOf(i) },
      );
    });
    const serialized = events.map((e) => ({
      ...e,
      dataJson: e.dataJson ?? JSON.stringify(e.data),
    }));
    serialized.forEach((e, i) => {
      // Counting UTF-8 bytes reads the whole text; the length bounds it from above.
      if (e.dataJson.length * MAX_UTF8_BYTES_PER_UNIT <= this.#opts.maxEventBytes) return;
      const size = Buffer.byteLength(e.dataJson);
      if (size > this.#opts.maxEventBytes) {
        throw new HeraldError(
          'payload_too_large',
          `event data is ${size} bytes; the limit is ${this.#opts.maxEventBytes} bytes`,
          { field: fieldOf(i) },
        );
      }
    });
    const appended = await this.#append(tenantId, serialized);
    if (this.#opts.metrics) {
      const replayed = appended.reduce((n, a) => n + (a.replayed ? 1 : 0), 0);
      this.#opts.metrics.eventsAppended(tenantId, appended.length - replayed, replayed);
    }
    return appended.map((a, i) => ({
      event: a.event,
      replayed: a.replayed,
      // A replay answers with the first event, whose data may differ from this request's.
      dataJson: a.replayed
        ? JSON.stringify(a.event.data)
        : (serialized[i] as { dataJson: string }).dataJson,
    }));
  }

  #append(tenantId: string, events: NewEvent[]): Promise<AppendedEvent[]> {
    const tracing = this.#opts.tracing;
    if (!tracing) return this.#store.eventAppend({ tenantId, events });
    const attributes = {
      'herald.tenant.id': tenantId,
      'messaging.batch.message_count': events.length,
    };
    return inSpan(
      tracing,
      'herald.publish',
      attributes,
      async (span) => {
        const appended = await this.#store.eventAppend({ tenantId, events });
        const ctx = span.spanContext();
        for (const a of appended)
          if (!a.replayed) tracing.links.remember(tenantId, a.event.id, ctx);
        return appended;
      },
      SpanKind.PRODUCER,
    );
  }
}
