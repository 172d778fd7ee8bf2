import { describe, expect, it } from 'vitest';
import { decideAfterAttempt } from './attempt-decision.ts';
import type { AttemptOutcome, DeliveryRow } from './delivery.ts';
import type { EndpointRow } from './endpoint.ts';

const now = new Date('2030-01-01T00:00:00Z');
const ep = { retry: [1, 10] } as unknown as EndpointRow;
const dlv = (attemptCount: number, kind: 'event' | 'test' = 'event') =>
  ({ attemptCount, kind }) as DeliveryRow;
const out = (status: number | null, retryAfter: string | null = null): AttemptOutcome => ({
  ok: status !== null && status >= 200 && status < 300,
  status,
  retryAfter,
  attempt: {} as AttemptOutcome['attempt'],
});
const inMs = (d: { nextAttemptAt: Date | null }) =>
  (d.nextAttemptAt?.getTime() ?? 0) - now.getTime();

describe('decideAfterAttempt', () => {
  it('succeeds on 2xx', () => {
    expect(decideAfterAttempt(ep, dlv(1), out(204), now)).toEqual({
      status: 'succeeded',
      nextAttemptAt: null,
      disable: null,
    });
  });

  it('retries on the schedule, then gives up', () => {
    const first = decideAfterAttempt(ep, dlv(1), out(500), now);
    expect(first.status).toBe('retrying');
    expect(inMs(first)).toBe(1000);
    expect(inMs(decideAfterAttempt(ep, dlv(2), out(null), now))).toBe(10_000);
    expect(decideAfterAttempt(ep, dlv(3), out(500), now)).toMatchObject({ status: 'failed' });
  });

  it('honours Retry-After on 429 and 503 within the schedule maximum, not on 500', () => {
    expect(inMs(decideAfterAttempt(ep, dlv(1), out(429, '5'), now))).toBe(5000);
    expect(inMs(decideAfterAttempt(ep, dlv(1), out(503, '3600'), now))).toBe(10_000);
    expect(inMs(decideAfterAttempt(ep, dlv(1), out(500, '5'), now))).toBe(1000);
    expect(inMs(decideAfterAttempt(ep, dlv(1), out(429, 'soon'), now))).toBe(1000);
  });

  it('disables on 410 and keeps the delivery due', () => {
    expect(decideAfterAttempt(ep, dlv(1), out(410), now)).toEqual({
      status: 'retrying',
      nextAttemptAt: now,
      disable: 'gone',
    });
  });

  it('tries test deliveries once and never disables for them', () => {
    expect(decideAfterAttempt(ep, dlv(1, 'test'), out(410), now)).toMatchObject({
      status: 'failed',
      disable: null,
    });
  });
});
