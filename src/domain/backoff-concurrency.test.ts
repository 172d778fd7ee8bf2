import { describe, expect, it } from 'vitest';
import { AimdLimiter, isThrottleStatus } from './backoff-concurrency.ts';

function successes(l: AimdLimiter, n: number): void {
  for (let i = 0; i < n; i++) l.onSuccess();
}

describe('AimdLimiter', () => {
  it('starts at max unless told otherwise', () => {
    expect(new AimdLimiter({ max: 8 }).limit).toBe(8);
    expect(new AimdLimiter({ max: 8, initial: 1 }).limit).toBe(1);
  });

  it('halves on throttle, rounding down, never below 1', () => {
    const l = new AimdLimiter({ max: 10 });
    l.onThrottle();
    expect(l.limit).toBe(5);
    l.onThrottle();
    expect(l.limit).toBe(2);
    l.onThrottle();
    expect(l.limit).toBe(1);
    l.onThrottle();
    expect(l.limit).toBe(1);
  });

  it('grows by one per window of `limit` successes', () => {
    const l = new AimdLimiter({ max: 10, initial: 1 });
    successes(l, 1);
    expect(l.limit).toBe(2);
    successes(l, 1);
    expect(l.limit).toBe(2);
    successes(l, 1);
    expect(l.limit).toBe(3);
    successes(l, 2);
    expect(l.limit).toBe(3);
    successes(l, 1);
    expect(l.limit).toBe(4);
  });

  it('never exceeds max', () => {
    const l = new AimdLimiter({ max: 3, initial: 1 });
    successes(l, 1000);
    expect(l.limit).toBe(3);
  });

  it('restarts the success window after a throttle', () => {
    const l = new AimdLimiter({ max: 16, initial: 4 });
    successes(l, 3); // one short of growing to 5
    l.onThrottle();
    expect(l.limit).toBe(2);
    successes(l, 1);
    expect(l.limit).toBe(2);
    successes(l, 1);
    expect(l.limit).toBe(3);
  });

  it('rejects nonsensical bounds', () => {
    expect(() => new AimdLimiter({ max: 0 })).toThrow(RangeError);
    expect(() => new AimdLimiter({ max: 2.5 })).toThrow(RangeError);
    expect(() => new AimdLimiter({ max: 4, initial: 5 })).toThrow(RangeError);
    expect(() => new AimdLimiter({ max: 4, initial: 0 })).toThrow(RangeError);
  });
});

describe('isThrottleStatus', () => {
  it('is true for overload responses only', () => {
    for (const s of [429, 502, 503, 504]) expect(isThrottleStatus(s)).toBe(true);
    for (const s of [200, 400, 404, 410, 413, 500, 501]) expect(isThrottleStatus(s)).toBe(false);
  });
});
