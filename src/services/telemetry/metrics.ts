// Herald's Prometheus metrics: one registry per running Herald (tests run
// several in one process), holding every instrument, so the rest of the code
// reports facts through a few typed methods and never names a metric. Labels
// are bounded: route patterns, status codes, outcomes and states; tenant and
// endpoint ids only when the operator asks for them (endpointLabels).
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type LabelValues,
  Registry,
} from 'prom-client';
import type { EndpointBacklog } from '../../store/delivery-store.ts';

export interface MetricsOptions {
  /** Label delivery metrics by tenant_id and endpoint_id. */
  endpointLabels: boolean;
  version: string;
}

/** What the delivery worker of this process exposes for the backlog gauges. */
export interface DeliverySource {
  /** Endpoints this process owns (their backlog is this process's to report). */
  ownedIds(): string[];
  inFlight(): number;
  backlog(endpointIds: string[]): Promise<EndpointBacklog[]>;
}

export type ConnectionKind = 'long_poll' | 'sse';

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const ATTEMPT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STATES = ['active', 'disabled'] as const;

/** "2xx" … "5xx", or "error" when no response came (refused, reset, timeout). */
export function statusClass(status: number | null): string {
  return status === null ? 'error' : `${Math.floor(status / 100)}xx`;
}

export class HeraldMetrics {
  readonly registry = new Registry();
  readonly #endpointLabels: boolean;
  readonly #httpRequests: Counter<'method' | 'route' | 'status_code'>;
  readonly #httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Children by label values: a Map lookup instead of hashing a labels object per request. */
  readonly #httpChildren = new Map<
    string,
    { count: { inc(): void }; duration: { observe(v: number): void } }
  >();
  readonly #appended: Counter<'tenant_id'>;
  readonly #replayed: Counter;
  readonly #outcomes: Counter<'kind' | 'outcome' | 'tenant_id' | 'endpoint_id'>;
  readonly #attempts: Histogram<'status_class' | 'tenant_id' | 'endpoint_id'>;
  readonly #disabled: Counter<'reason'>;
  readonly #connections: Record<ConnectionKind, Gauge>;
  readonly #storeErrors: Counter<'operation' | 'kind'>;
  readonly #retentionRemoved: Counter<'what'>;
  #delivery: DeliverySource | null = null;
  #backlogRead: Promise<EndpointBacklog[] | null> | null = null;

  constructor(opts: MetricsOptions) {
    const registers = [this.registry];
    this.#endpointLabels = opts.endpointLabels;
    const perEndpoint = opts.endpointLabels ? (['tenant_id', 'endpoint_id'] as const) : [];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'herald_build_info',
      help: 'Always 1; the version label says which Herald runs.',
      labelNames: ['version'],
      registers,
    }).set({ version: opts.version }, 1);
    this.#httpRequests = new Counter({
      name: 'herald_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.#httpDuration = new Histogram({
      name: 'herald_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to the end of its response (long polls and streams included).',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.#appended = new Counter({
      name: 'herald_events_appended_total',
      help: 'Events committed to the log (idempotent replays not included).',
      labelNames: opts.endpointLabels ? ['tenant_id'] : [],
      registers,
    });
    this.#replayed = new Counter({
      name: 'herald_events_idempotent_replays_total',
      help: 'Published events answered with an earlier event of the same idempotency key.',
      registers,
    });
    this.#outcomes = new Counter({
      name: 'herald_delivery_outcomes_total',
      help: 'Recorded delivery outcomes: succeeded, retrying (the attempt failed, another is scheduled) or failed (given up).',
      labelNames: ['kind', 'outcome', ...perEndpoint],
      registers,
    });
    this.#attempts = new Histogram({
      name: 'herald_delivery_attempt_duration_seconds',
      help: 'Duration of webhook attempts, by response status class (error: no response).',
      labelNames: ['status_class', ...perEndpoint],
      buckets: ATTEMPT_BUCKETS,
      registers,
    });
    this.#disabled = new Counter({
      name: 'herald_endpoints_auto_disabled_total',
      help: 'Endpoints disabled by Herald after failures, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.#connections = {
      long_poll: new Gauge({
        name: 'herald_long_poll_connections',
        help: 'GET /events requests waiting for events (wait > 0) right now.',
        registers,
      }),
      sse: new Gauge({
        name: 'herald_sse_connections',
        help: 'Open Server-Sent Events streams.',
        registers,
      }),
    };
    this.#storeErrors = new Counter({
      name: 'herald_store_errors_total',
      help: 'Store operations that failed, by operation; kind unavailable is transient (lost connection, lock timeout).',
      labelNames: ['operation', 'kind'],
      registers,
    });
    this.#retentionRemoved = new Counter({
      name: 'herald_retention_removed_total',
      help: 'Rows removed by the retention job: expired events, finished deliveries.',
      labelNames: ['what'],
      registers,
    });
    this.#deliveryGauges(registers, perEndpoint);
  }

  #deliveryGauges(registers: Registry[], perEndpoint: readonly string[]): void {
    const labelNames = ['state', ...perEndpoint];
    const read = () => this.#readBacklog();
    const gauge = (
      name: string,
      help: string,
      value: (rows: EndpointBacklog[], now: number) => number,
    ) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const rows = await read();
          this.reset();
          // No owned endpoints to report, or the store did not answer (counted as a store error).
          if (rows === null) return;
          const now = Date.now();
          if (perEndpoint.length > 0) {
            for (const r of rows) {
              this.set(
                {
                  state: r.active ? 'active' : 'disabled',
                  tenant_id: r.tenantId,
                  endpoint_id: r.endpointId,
                },
                value([r], now),
              );
            }
            return;
          }
          for (const state of STATES) {
            const active = state === 'active';
            this.set(
              { state },
              value(
                rows.filter((r) => r.active === active),
                now,
              ),
            );
          }
        },
      });
    gauge(
      'herald_delivery_endpoints',
      'Endpoints owned by this process, by state.',
      (rows) => rows.length,
    );
    gauge(
      'herald_delivery_backlog_events',
      "Events after the cursors of this process's endpoints, not yet sent (whatever their type: an upper bound for filtered endpoints).",
      (rows) => rows.reduce((n, r) => n + r.undispatchedEvents, 0),
    );
    gauge(
      'herald_delivery_open_deliveries',
      "Deliveries of this process's endpoints waiting for an attempt (retrying, replays, manual retries).",
      (rows) => rows.reduce((n, r) => n + r.openDeliveries, 0),
    );
    gauge(
      'herald_delivery_oldest_undelivered_age_seconds',
      'Age of the oldest undelivered event of these endpoints (the first after a cursor, or the oldest open delivery); 0 when all is delivered.',
      (rows, now) => {
        let oldest = now;
        for (const r of rows) {
          if (r.nextEventAt) oldest = Math.min(oldest, r.nextEventAt.getTime());
          if (r.oldestOpenAt) oldest = Math.min(oldest, r.oldestOpenAt.getTime());
        }
        return Math.max(0, (now - oldest) / 1000);
      },
    );
    const delivery = () => this.#delivery;
    new Gauge({
      name: 'herald_delivery_in_flight',
      help: 'Webhook requests of this process in flight right now.',
      registers,
      collect() {
        const d = delivery();
        if (d) this.set(d.inFlight());
      },
    });
  }

  /** One store read serves every backlog gauge of a scrape (they are collected together). */
  #readBacklog(): Promise<EndpointBacklog[] | null> {
    const d = this.#delivery;
    if (!d) return Promise.resolve(null);
    if (!this.#backlogRead) {
      this.#backlogRead = d
        .backlog(d.ownedIds())
        .catch(() => null)
        .finally(() => {
          this.#backlogRead = null;
        });
    }
    return this.#backlogRead;
  }

  /** Enables the delivery gauges (worker and all roles). */
  trackDelivery(source: DeliverySource): void {
    this.#delivery = source;
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let c = this.#httpChildren.get(key);
    if (!c) {
      const labels = { method, route, status_code: String(status) };
      c = { count: this.#httpRequests.labels(labels), duration: this.#httpDuration.labels(labels) };
      this.#httpChildren.set(key, c);
    }
    c.count.inc();
    c.duration.observe(seconds);
  }

  eventsAppended(tenantId: string, appended: number, replayed: number): void {
    if (appended > 0) {
      if (this.#endpointLabels) this.#appended.inc({ tenant_id: tenantId }, appended);
      else this.#appended.inc(appended);
    }
    if (replayed > 0) this.#replayed.inc(replayed);
  }

  #endpoint(tenantId: string, endpointId: string): LabelValues<'tenant_id' | 'endpoint_id'> {
    return this.#endpointLabels ? { tenant_id: tenantId, endpoint_id: endpointId } : {};
  }

  deliveryOutcome(kind: string, outcome: string, tenantId: string, endpointId: string): void {
    this.#outcomes.inc({ kind, outcome, ...this.#endpoint(tenantId, endpointId) });
  }

  deliveryAttempt(
    status: number | null,
    seconds: number,
    tenantId: string,
    endpointId: string,
  ): void {
    this.#attempts.observe(
      { status_class: statusClass(status), ...this.#endpoint(tenantId, endpointId) },
      seconds,
    );
  }

  endpointAutoDisabled(reason: string): void {
    this.#disabled.inc({ reason });
  }

  /** Counts an open long poll or stream; call the returned function once when it ends. */
  connectionOpened(kind: ConnectionKind): () => void {
    const g = this.#connections[kind];
    g.inc();
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      g.dec();
    };
  }

  storeError(operation: string, kind: 'unavailable' | 'error'): void {
    this.#storeErrors.inc({ operation, kind });
  }

  retentionRemoved(events: number, deliveries: number): void {
    this.#retentionRemoved.inc({ what: 'events' }, events);
    this.#retentionRemoved.inc({ what: 'deliveries' }, deliveries);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
