// What happens after an attempt: success, a retry at a time taken from the
// endpoint's schedule (Retry-After honoured within its bounds for 429/503),
// giving up, or — for 410 Gone — disabling the endpoint with the delivery kept
// due, so that enabling the endpoint sends it again. Pure, so it is easy to test.
import type { AttemptOutcome, DeliveryRow } from './delivery.ts';
import type { DisabledReason, EndpointConfig } from './endpoint.ts';
import { parseRetryAfter } from './retry-after.ts';
import {
  boundedRetryAfterMs,
  maxRetryDelayMs,
  nextRetryDelayMs,
  resolveRetrySchedule,
} from './retry-schedule.ts';

export interface AttemptDecision {
  status: 'succeeded' | 'retrying' | 'failed';
  nextAttemptAt: Date | null;
  disable: DisabledReason | null;
}

export function decideAfterAttempt(
  ep: Pick<EndpointConfig, 'retry'>,
  d: Pick<DeliveryRow, 'kind' | 'attemptCount'>,
  outcome: AttemptOutcome,
  now: Date,
  opts: { retryable: boolean } = { retryable: true },
): AttemptDecision {
  if (outcome.ok) return { status: 'succeeded', nextAttemptAt: null, disable: null };
  // Test deliveries are tried once and never disable an endpoint.
  if (d.kind === 'test') return { status: 'failed', nextAttemptAt: null, disable: null };
  if (outcome.status === 410) return { status: 'retrying', nextAttemptAt: now, disable: 'gone' };
  const resolved = resolveRetrySchedule(ep.retry);
  if (!resolved.ok || !opts.retryable) {
    return { status: 'failed', nextAttemptAt: null, disable: null };
  }
  const delay = nextRetryDelayMs(resolved.schedule, d.attemptCount);
  if (delay === null) return { status: 'failed', nextAttemptAt: null, disable: null };
  let wait = delay;
  if (outcome.status === 429 || outcome.status === 503) {
    const asked = parseRetryAfter(outcome.retryAfter, now.getTime());
    wait = boundedRetryAfterMs(asked, delay, maxRetryDelayMs(resolved.schedule));
  }
  return { status: 'retrying', nextAttemptAt: new Date(now.getTime() + wait), disable: null };
}
