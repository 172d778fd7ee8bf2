// OpenTelemetry spans of the services: the publish span, and the link from
// it to the delivery attempts it causes. Spans exist only when an exporter is
// configured (a Tracing is passed); without one nothing here runs at all.
import {
  type Attributes,
  type Link,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from '@opentelemetry/api';

/**
 * The publish span of recently appended events, so a delivery attempt in this
 * process can link to it. Bounded (oldest forgotten first): an attempt made
 * long after the publish, or by another process, has no link.
 */
export class PublishLinks {
  readonly #max: number;
  readonly #byEvent = new Map<string, SpanContext>();

  constructor(max = 10_000) {
    this.#max = max;
  }

  remember(tenantId: string, eventId: string, ctx: SpanContext): void {
    this.#byEvent.set(`${tenantId} ${eventId}`, ctx);
    if (this.#byEvent.size > this.#max) {
      const oldest = this.#byEvent.keys().next().value;
      if (oldest !== undefined) this.#byEvent.delete(oldest);
    }
  }

  /** Links to the publish spans of these events (at most `limit`, one per span). */
  linksFor(tenantId: string, eventIds: readonly string[], limit = 32): Link[] {
    const links: Link[] = [];
    const seen = new Set<string>();
    for (const id of eventIds) {
      const ctx = this.#byEvent.get(`${tenantId} ${id}`);
      if (!ctx || seen.has(ctx.spanId)) continue;
      seen.add(ctx.spanId);
      links.push({ context: ctx });
      if (links.length >= limit) break;
    }
    return links;
  }
}

export interface Tracing {
  tracer: Tracer;
  links: PublishLinks;
}

/** Runs `fn` in a span (a child of the active one, the HTTP request's); errors mark it failed. */
export async function inSpan<T>(
  tracing: Tracing,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  const span = tracing.tracer.startSpan(name, { kind, attributes });
  try {
    return await fn(span);
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}
