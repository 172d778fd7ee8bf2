// GET /endpoints/{id}/health: how an endpoint is doing, from stored data only.
// Success rate and latency percentiles are over attempts (not deliveries) in
// the window; test deliveries are left out. The backlog is an estimate: the
// open delivery records (retries, replays) plus every event after the
// endpoint's cursor, whether or not it matches the endpoint's filter
// (counting matches would mean scanning the log), so it is an upper bound
// that is exact for endpoints taking "*". Events read by the owner but not yet
// delivered are still after the cursor, so they count as undispatched.
import type { EndpointRow } from '../../domain/endpoint.ts';
import type { AttemptStats } from '../../store/delivery-store.ts';
import type { Store } from '../../store/store.ts';

const HOUR = 60 * 60 * 1000;

export interface WindowHealth {
  attempts: number;
  succeeded: number;
  success_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
}

export interface EndpointHealth {
  object: 'endpoint_health';
  endpoint_id: string;
  state: 'active' | 'disabled';
  disabled_reason: string | null;
  consecutive_failures: number;
  failing_since: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
  backlog: { deliveries: number; undispatched_events: number; estimated_total: number };
  last_hour: WindowHealth;
  last_day: WindowHealth;
}

function window(s: AttemptStats): WindowHealth {
  return {
    attempts: s.total,
    succeeded: s.succeeded,
    success_rate: s.total === 0 ? null : s.succeeded / s.total,
    latency_ms: { p50: s.p50, p95: s.p95, p99: s.p99 },
  };
}

export async function endpointHealth(
  store: Store,
  ep: EndpointRow,
  now = Date.now(),
): Promise<EndpointHealth> {
  const scope = { tenantId: ep.tenantId, endpointId: ep.id };
  const [hour, day, open, head] = await Promise.all([
    store.attemptStats({ ...scope, since: new Date(now - HOUR) }),
    store.attemptStats({ ...scope, since: new Date(now - 24 * HOUR) }),
    store.deliveryCountOpen(scope),
    store.eventHead({ tenantId: ep.tenantId }),
  ]);
  const undispatched = Math.max(0, head - ep.cursor);
  return {
    object: 'endpoint_health',
    endpoint_id: ep.id,
    state: ep.active ? 'active' : 'disabled',
    disabled_reason: ep.disabledReason,
    consecutive_failures: ep.consecutiveFailures,
    failing_since: ep.failingSince?.toISOString() ?? null,
    last_success_at: ep.lastSuccessAt?.toISOString() ?? null,
    last_failure_at: ep.lastFailureAt?.toISOString() ?? null,
    backlog: {
      deliveries: open,
      undispatched_events: undispatched,
      estimated_total: open + undispatched,
    },
    last_hour: window(hour),
    last_day: window(day),
  };
}

export const TIMELINE_WINDOWS = { '1h': HOUR, '24h': 24 * HOUR } as const;
export type TimelineWindow = keyof typeof TIMELINE_WINDOWS;

export interface TimelineBucket extends WindowHealth {
  start: string;
  failed: number;
}

export interface EndpointHealthTimeline {
  object: 'endpoint_health_timeline';
  endpoint_id: string;
  window: TimelineWindow;
  bucket_seconds: number;
  since: string;
  until: string;
  buckets: TimelineBucket[];
}

/**
 * The bucket grid of a window: buckets of whole milliseconds aligned to
 * multiples of their width, the last one holding `now`, so that a chart
 * refreshed a moment later shows the same buckets with one more attempt.
 */
export function timelineGrid(now: number, windowMs: number, buckets: number) {
  const bucketMs = Math.floor(windowMs / buckets);
  const until = (Math.floor(now / bucketMs) + 1) * bucketMs;
  return { bucketMs, since: until - bucketMs * buckets, until };
}

/** Attempts, success rate and latency percentiles per bucket over the last hour or day. */
export async function endpointHealthTimeline(
  store: Store,
  ep: EndpointRow,
  opts: { window: TimelineWindow; buckets: number },
  now = Date.now(),
): Promise<EndpointHealthTimeline> {
  const grid = timelineGrid(now, TIMELINE_WINDOWS[opts.window], opts.buckets);
  const rows = await store.attemptTimeline({
    tenantId: ep.tenantId,
    endpointId: ep.id,
    since: new Date(grid.since),
    bucketMs: grid.bucketMs,
    buckets: opts.buckets,
  });
  const byIndex = new Map(rows.map((r) => [r.index, r]));
  const empty = { total: 0, succeeded: 0, p50: null, p95: null, p99: null };
  return {
    object: 'endpoint_health_timeline',
    endpoint_id: ep.id,
    window: opts.window,
    bucket_seconds: grid.bucketMs / 1000,
    since: new Date(grid.since).toISOString(),
    until: new Date(grid.until).toISOString(),
    buckets: Array.from({ length: opts.buckets }, (_, i) => {
      const s = byIndex.get(i) ?? empty;
      return {
        start: new Date(grid.since + i * grid.bucketMs).toISOString(),
        ...window(s),
        failed: s.total - s.succeeded,
      };
    }),
  };
}
