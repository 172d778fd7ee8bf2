// What the delivery engine's committed outcomes tell the operator: metrics
// (outcomes, attempt durations, auto-disables), log lines (failed attempts,
// given-up deliveries, disabled endpoints) and one span per attempt linked to
// the publish spans of its events. It hears each group once it is committed
// (OutcomeWriter's onCommitted), so the engine carries no telemetry of its own.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { AttemptWrite, DeliveryWrite } from '../../store/delivery-store.ts';
import type { CommittedGroup } from '../delivery/outcome-writer.ts';
import type { HeraldMetrics } from './metrics.ts';
import type { Tracing } from './tracing.ts';

export interface TelemetryLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
}

export interface DeliveryTelemetryOptions {
  metrics: HeraldMetrics;
  tracing: Tracing | null;
  log: TelemetryLog | null;
  onError: (err: unknown) => void;
}

function failure(a: AttemptWrite | undefined): { status: number | null; error: string | null } {
  return { status: a?.responseStatus ?? null, error: a?.error ?? null };
}

export function deliveryTelemetry(opts: DeliveryTelemetryOptions): (g: CommittedGroup) => void {
  const { metrics, tracing, log } = opts;
  return (g) => {
    try {
      const lastFailed = new Map<string, AttemptWrite>();
      for (const a of g.attempts) {
        metrics.deliveryAttempt(a.responseStatus, a.latencyMs / 1000, a.tenantId, a.endpointId);
        if (!a.succeeded) lastFailed.set(a.deliveryId, a);
      }
      // One outcome per attempt: a delivery's row carries its latest status, so
      // an earlier attempt of it in the same group (a quick retry joins the
      // commit of the failure before it) was a failure that was retried.
      const attemptsLeft = new Map<string, number>();
      for (const a of g.attempts) {
        attemptsLeft.set(a.deliveryId, (attemptsLeft.get(a.deliveryId) ?? 0) + 1);
      }
      const byId = new Map(g.deliveries.map((d) => [d.id, d]));
      for (const a of g.attempts) {
        const d = byId.get(a.deliveryId);
        if (!d) continue;
        const left = (attemptsLeft.get(a.deliveryId) ?? 1) - 1;
        attemptsLeft.set(a.deliveryId, left);
        metrics.deliveryOutcome(d.kind, left > 0 ? 'retrying' : d.status, d.tenantId, d.endpointId);
      }
      for (const d of g.deliveries) {
        if (!attemptsLeft.has(d.id))
          metrics.deliveryOutcome(d.kind, d.status, d.tenantId, d.endpointId);
        if (log && d.status !== 'succeeded') logFailure(log, d, lastFailed.get(d.id));
      }
      for (const id of g.disabled) {
        const reason = g.endpoints.find((e) => e.id === id)?.disable ?? 'unknown';
        metrics.endpointAutoDisabled(reason);
        const tenantId = g.attempts.find((a) => a.endpointId === id)?.tenantId ?? null;
        log?.warn({ tenant_id: tenantId, endpoint_id: id, reason }, 'endpoint disabled');
      }
      if (tracing) attemptSpans(tracing, g);
    } catch (err) {
      opts.onError(err);
    }
  };
}

function logFailure(log: TelemetryLog, d: DeliveryWrite, a: AttemptWrite | undefined): void {
  const fields = {
    tenant_id: d.tenantId,
    endpoint_id: d.endpointId,
    delivery_id: d.id,
    kind: d.kind,
    attempt: d.attemptCount,
    ...failure(a),
  };
  if (d.status === 'retrying') {
    log.info(
      { ...fields, next_attempt_at: d.nextAttemptAt },
      'delivery attempt failed, will retry',
    );
  } else if (d.kind === 'event') {
    log.warn(fields, 'delivery given up');
  } else {
    log.info(fields, 'test delivery failed');
  }
}

/** One span per attempt, with the times the attempt really took, linked to its events' publish spans. */
function attemptSpans(tracing: Tracing, g: CommittedGroup): void {
  const byId = new Map(g.deliveries.map((d) => [d.id, d]));
  // A delivery written once per group carries its latest attempt count; earlier
  // attempts of it in the same group (rare) count down from there.
  const later = new Map<string, number>();
  for (let i = g.attempts.length - 1; i >= 0; i--) {
    const a = g.attempts[i] as AttemptWrite;
    const d = byId.get(a.deliveryId);
    const n = later.get(a.deliveryId) ?? 0;
    later.set(a.deliveryId, n + 1);
    const span = tracing.tracer.startSpan(
      'herald.delivery.attempt',
      {
        kind: SpanKind.CLIENT,
        startTime: a.attemptedAt,
        links: d ? tracing.links.linksFor(d.tenantId, d.eventIds) : [],
        attributes: {
          'herald.tenant.id': a.tenantId,
          'herald.endpoint.id': a.endpointId,
          'herald.delivery.id': a.deliveryId,
          'herald.delivery.kind': a.kind,
          'http.request.method': 'POST',
          ...(d
            ? {
                'herald.delivery.attempt': d.attemptCount - n,
                'herald.delivery.events': d.eventIds.length,
                ...(n === 0 ? { 'herald.delivery.outcome': d.status } : {}),
              }
            : {}),
          ...(a.responseStatus !== null ? { 'http.response.status_code': a.responseStatus } : {}),
        },
      },
      ROOT_CONTEXT,
    );
    if (!a.succeeded) {
      span.setAttribute(
        'error.type',
        a.responseStatus === null ? 'network' : String(a.responseStatus),
      );
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: a.error ?? `HTTP ${a.responseStatus}`,
      });
    }
    span.end(new Date(a.attemptedAt.getTime() + a.latencyMs));
  }
}
