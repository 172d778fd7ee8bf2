// What happens after an attempt: success, a retry at a time taken from the
// endpoint's schedule (Retry-After honoured within its bounds for 429/503),
// giving up, or — for 410 Gone — disabling the endpoint with the delivery kept
// due, so that enabling the endpoint sends it again. Pure, so it is easy to test.
import { parseRetryAfter } from '../../domain/retry-after.ts';
import {
  boundedRetryAfterMs,
  maxRetryDelayMs,
  nextRetryDelayMs,
  resolveRetrySchedule,
} from '../../domain/retry-schedule.ts';
import type { DeliveryRow, DisabledReason, EndpointRow } from '../../store/delivery-store.ts';
import type { AttemptOutcome } from './sender.ts';

export interface AttemptDecision {
  status: 'succeeded' | 'retrying' | 'failed';
  nextAttemptAt: Date | null;
  disable: DisabledReason | null;
}

export function decideAfterAttempt(
  ep: EndpointRow,
  d: DeliveryRow,
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
