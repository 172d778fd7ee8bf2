// Store rows → wire shapes for endpoints and deliveries. Secrets and the
// Authorization value never leave through these, except `secret` on request.
import type { AttemptRow, DeliveryRow } from '../../domain/delivery.ts';
import type { EndpointRow } from '../../domain/endpoint.ts';
import { levelName } from '../../domain/log-level.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function endpointOut(ep: EndpointRow, opts: { withSecret?: boolean } = {}) {
  const current = ep.secrets.find((s) => s.expiresAt === null) ?? ep.secrets[0];
  return {
    object: 'endpoint' as const,
    id: ep.id,
    url: ep.url,
    description: ep.description,
    active: ep.active,
    disabled_reason: ep.disabledReason,
    disabled_at: iso(ep.disabledAt),
    events: ep.eventTypes,
    organization_id: ep.organizationId,
    authorization_set: ep.authorization !== null,
    format: ep.format,
    content_type: ep.contentType,
    batch_size: ep.batchSize,
    batch_wait_ms: ep.batchWaitMs,
    max_concurrency: ep.maxConcurrency,
    rate_limit: ep.rateLimit,
    ordered: ep.ordered,
    ordered_by: ep.orderedBy === 'none' ? null : ep.orderedBy,
    retry: ep.retry,
    timeout: { connect_ms: ep.timeoutConnectMs, response_ms: ep.timeoutResponseMs },
    disable_after: {
      failures: ep.disableAfterFailures,
      duration: ep.disableAfterMs === null ? null : ep.disableAfterMs / 1000,
    },
    notify_url: ep.notifyUrl,
    notify_success: ep.notifySuccess,
    consecutive_failures: ep.consecutiveFailures,
    failing_since: iso(ep.failingSince),
    last_success_at: iso(ep.lastSuccessAt),
    last_failure_at: iso(ep.lastFailureAt),
    source: ep.source,
    headers: Object.keys(ep.headers).sort(),
    min_level: ep.minLevel === null ? null : levelName(ep.minLevel),
    created_at: ep.createdAt.toISOString(),
    updated_at: ep.updatedAt.toISOString(),
    ...(opts.withSecret && current ? { secret: current.secret } : {}),
  };
}

export function attemptOut(a: AttemptRow) {
  return {
    object: 'delivery_attempt' as const,
    id: a.id,
    attempted_at: a.attemptedAt.toISOString(),
    request_headers: a.requestHeaders,
    response_status: a.responseStatus,
    response_body: a.responseBody,
    latency_ms: a.latencyMs,
    error: a.error,
  };
}

export function deliveryOut(d: DeliveryRow, attempts?: AttemptRow[]) {
  return {
    object: 'delivery' as const,
    id: d.id,
    endpoint_id: d.endpointId,
    kind: d.kind,
    status: d.status,
    attempt_count: d.attemptCount,
    next_attempt_at:
      d.status === 'pending' || d.status === 'retrying' ? iso(d.nextAttemptAt) : null,
    first_sequence: d.firstSequence,
    last_sequence: d.lastSequence,
    first_position: d.firstPosition,
    last_position: d.lastPosition,
    event_ids: d.eventIds,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
    ...(attempts ? { attempts: attempts.map(attemptOut) } : {}),
  };
}
