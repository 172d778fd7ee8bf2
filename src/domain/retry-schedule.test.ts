import { describe, expect, it } from 'vitest';
import {
  boundedRetryAfterMs,
  isRetryPreset,
  MAX_RETRY_DELAY_SECONDS,
  maxRetryDelayMs,
  nextRetryDelayMs,
  RETRY_PRESET_NAMES,
  RETRY_PRESETS,
  type RetrySchedule,
  resolveRetrySchedule,
} from './retry-schedule.ts';

function resolved(spec: string | number[]): RetrySchedule {
  const r = resolveRetrySchedule(spec);
  if (!r.ok) throw new Error(r.reason);
  return r.schedule;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const DAY = 86_400;

describe('retry presets', () => {
  it('have the documented number of retries and overall span', () => {
    expect(RETRY_PRESETS.default).toHaveLength(11);
    expect(sum(RETRY_PRESETS.default)).toBe(2 * DAY + 19 * 3600 + 35 * 60 + 5);
    expect(RETRY_PRESETS.log_stream).toEqual([1, 10, 60]);
    expect(RETRY_PRESETS.event_stream).toHaveLength(12);
    expect(sum(RETRY_PRESETS.event_stream)).toBe(15 * 3600 + 48 * 60 + 45);
    expect(RETRY_PRESETS.extended).toHaveLength(25);
    expect(sum(RETRY_PRESETS.extended) / DAY).toBeGreaterThan(20);
    expect(sum(RETRY_PRESETS.extended) / DAY).toBeLessThan(22);
  });

  it('start with the Svix shape', () => {
    expect(RETRY_PRESETS.default.slice(0, 7)).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
  });

  it('never decrease and respect the limits that apply to explicit arrays', () => {
    for (const name of RETRY_PRESET_NAMES) {
      const delays: readonly number[] = RETRY_PRESETS[name];
      expect(delays.length).toBeLessThanOrEqual(50);
      for (let i = 1; i < delays.length; i++) {
        expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] as number);
      }
      expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_RETRY_DELAY_SECONDS);
      expect(resolveRetrySchedule([...delays]).ok).toBe(true);
    }
  });
});

describe('resolveRetrySchedule', () => {
  it('resolves a preset with jitter', () => {
    expect(resolved('log_stream')).toEqual({
      preset: 'log_stream',
      delaysSeconds: [1, 10, 60],
      jitter: 0.2,
    });
  });

  it('names the valid presets when the name is unknown', () => {
    const r = resolveRetrySchedule('aggressive');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toContain('"aggressive"');
    for (const name of ['default', 'log_stream', 'event_stream', 'extended']) {
      expect(r.reason).toContain(name);
    }
  });

  it('does not treat Object.prototype members as presets', () => {
    expect(resolveRetrySchedule('toString').ok).toBe(false);
    expect(resolveRetrySchedule('__proto__').ok).toBe(false);
    expect(isRetryPreset('constructor')).toBe(false);
    expect(isRetryPreset('extended')).toBe(true);
  });

  it('accepts explicit arrays, fractions included, without jitter', () => {
    expect(resolved([0.01, 0.02])).toEqual({
      preset: null,
      delaysSeconds: [0.01, 0.02],
      jitter: 0,
    });
    expect(resolved([])).toEqual({ preset: null, delaysSeconds: [], jitter: 0 });
    expect(resolved([0, MAX_RETRY_DELAY_SECONDS]).delaysSeconds).toEqual([0, 604_800]);
  });

  it('copies the array so later mutation of the input does not leak in', () => {
    const input = [1, 2];
    const s = resolved(input);
    input[0] = 99;
    expect(s.delaysSeconds).toEqual([1, 2]);
  });

  it('rejects negative, too long, non-finite or non-numeric delays, naming the index', () => {
    for (const bad of [[-1], [1, MAX_RETRY_DELAY_SECONDS + 1], [1, 2, Number.NaN], [Infinity]]) {
      const r = resolveRetrySchedule(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/index \d+/);
    }
    const r = resolveRetrySchedule([1, '2'] as unknown as number[]);
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('index 1') });
  });

  it('rejects more than 50 delays', () => {
    expect(resolveRetrySchedule(Array(50).fill(1)).ok).toBe(true);
    const r = resolveRetrySchedule(Array(51).fill(1));
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('at most 50') });
  });
});

describe('nextRetryDelayMs', () => {
  it('uses an explicit array exactly, ignoring the random source', () => {
    const s = resolved([0.01, 0.02, 1.5]);
    const never = () => {
      throw new Error('random must not be consulted');
    };
    expect(nextRetryDelayMs(s, 1, never)).toBe(10);
    expect(nextRetryDelayMs(s, 2, never)).toBe(20);
    expect(nextRetryDelayMs(s, 3, never)).toBe(1500);
  });

  it('returns null once the schedule is exhausted', () => {
    const s = resolved([1, 2]);
    expect(nextRetryDelayMs(s, 3)).toBeNull();
    expect(nextRetryDelayMs(s, 40)).toBeNull();
    expect(nextRetryDelayMs(resolved([]), 1)).toBeNull();
    expect(nextRetryDelayMs(resolved('log_stream'), 4)).toBeNull();
  });

  it('spreads preset delays by at most ±20%', () => {
    const s = resolved('default');
    expect(nextRetryDelayMs(s, 2, () => 0.5)).toBe(300_000);
    expect(nextRetryDelayMs(s, 2, () => 0)).toBe(240_000);
    expect(nextRetryDelayMs(s, 2, () => 0.999_999)).toBe(360_000);
    expect(nextRetryDelayMs(s, 1, () => 0.75)).toBe(5_500);
  });

  it('keeps jittered delays within bounds for any random value', () => {
    const s = resolved('extended');
    for (let attempt = 1; attempt <= 25; attempt++) {
      const nominal = (RETRY_PRESETS.extended[attempt - 1] as number) * 1000;
      for (const r of [0, 0.1, 0.5, 0.9, 0.999]) {
        const d = nextRetryDelayMs(s, attempt, () => r) as number;
        expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8));
        expect(d).toBeLessThanOrEqual(Math.ceil(nominal * 1.2));
      }
    }
    expect(nextRetryDelayMs(s, 26, () => 0.5)).toBeNull();
  });

  it('rejects attempt numbers below 1 or fractional', () => {
    const s = resolved([1]);
    expect(() => nextRetryDelayMs(s, 0)).toThrow(RangeError);
    expect(() => nextRetryDelayMs(s, 1.5)).toThrow(RangeError);
  });
});

describe('maxRetryDelayMs', () => {
  it('is the largest nominal delay, or 0 for an empty schedule', () => {
    expect(maxRetryDelayMs(resolved('log_stream'))).toBe(60_000);
    expect(maxRetryDelayMs(resolved([0.5, 0.25]))).toBe(500);
    expect(maxRetryDelayMs(resolved([]))).toBe(0);
  });
});

describe('boundedRetryAfterMs', () => {
  it('uses the schedule when there is no Retry-After', () => {
    expect(boundedRetryAfterMs(null, 5_000, 60_000)).toBe(5_000);
    expect(boundedRetryAfterMs(Number.NaN, 5_000, 60_000)).toBe(5_000);
  });

  it('waits longer when the receiver asks for it, up to the cap', () => {
    expect(boundedRetryAfterMs(30_000, 5_000, 60_000)).toBe(30_000);
    expect(boundedRetryAfterMs(3_600_000, 5_000, 60_000)).toBe(60_000);
    expect(boundedRetryAfterMs(Number.POSITIVE_INFINITY, 5_000, 60_000)).toBe(60_000);
  });

  it('never retries sooner than scheduled', () => {
    expect(boundedRetryAfterMs(0, 5_000, 60_000)).toBe(5_000);
    expect(boundedRetryAfterMs(1_000, 5_000, 60_000)).toBe(5_000);
    // A scheduled delay above the cap is not shortened either.
    expect(boundedRetryAfterMs(1_000, 90_000, 60_000)).toBe(90_000);
  });
});
