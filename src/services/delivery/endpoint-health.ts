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
