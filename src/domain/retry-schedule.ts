// Retry policies as data. An endpoint names a preset or lists its own delays;
// either way the delivery worker only ever sees a resolved RetrySchedule.
//
// Entry i of `delaysSeconds` is the wait after failed attempt i+1 before the
// next one; the first attempt is immediate and not part of the list. So a
// schedule of N delays allows N retries, N+1 attempts in total.
//
// Jitter: presets spread each delay uniformly by ±20% so that, after an outage,
// the retries of thousands of messages do not arrive at a receiver in one
// burst. Explicit arrays are used exactly as written: an operator who spells
// out delays wants those delays, and tests rely on them being deterministic.

export const MAX_RETRY_DELAY_SECONDS = 7 * 24 * 60 * 60;
export const MAX_RETRY_COUNT = 50;
export const PRESET_JITTER = 0.2;

const S = 1;
const M = 60 * S;
const H = 60 * M;

export const RETRY_PRESETS = {
  /**
   * Svix's schedule (5s, 5m, 30m, 2h, 5h, 10h, 10h) stretched to about three
   * days with four more 10h waits, so a receiver that is down over a weekend
   * still gets its events: 11 retries, last one ≈ 2 d 19 h 35 m after the first attempt.
   */
  default: [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H, 10 * H, 10 * H, 10 * H, 10 * H],
  /** Log shipping values freshness over completeness: 3 quick retries within ~71 s. */
  log_stream: [1 * S, 10 * S, 60 * S],
  /**
   * Auth0 Event Streams retry up to 12 times (it does not publish the intervals);
   * ours roughly double from 5 s to 8 h, the last retry ≈ 15 h 49 m after the first attempt.
   */
  event_stream: [
    5 * S,
    10 * S,
    30 * S,
    1 * M,
    2 * M,
    5 * M,
    10 * M,
    30 * M,
    1 * H,
    2 * H,
    4 * H,
    8 * H,
  ],
  /**
   * Stripe-like persistence: 25 retries over ≈ 3 weeks. Back-off grows to a
   * day, then settles at 30 h so that later retries walk around the clock and
   * also reach receivers that are down at the same hour every day.
   * Last retry ≈ 20 d 22 h after the first attempt.
   */
  extended: [
    1 * M,
    5 * M,
    15 * M,
    30 * M,
    1 * H,
    2 * H,
    4 * H,
    8 * H,
    12 * H,
    24 * H,
    ...Array.from({ length: 15 }, () => 30 * H),
  ],
} as const satisfies Record<string, readonly number[]>;

export type RetryPreset = keyof typeof RETRY_PRESETS;
export const RETRY_PRESET_NAMES = Object.keys(RETRY_PRESETS) as RetryPreset[];

export interface RetrySchedule {
  /** The preset name, or null for an explicit array. */
  readonly preset: RetryPreset | null;
  readonly delaysSeconds: readonly number[];
  /** Fraction by which each delay is randomly spread either way (0 = exact). */
  readonly jitter: number;
}

export type RetryScheduleResult =
  | { ok: true; schedule: RetrySchedule }
  | { ok: false; reason: string };

export function isRetryPreset(name: string): name is RetryPreset {
  return Object.hasOwn(RETRY_PRESETS, name);
}

export function resolveRetrySchedule(spec: string | readonly number[]): RetryScheduleResult {
  if (typeof spec === 'string') {
    if (!isRetryPreset(spec)) {
      return {
        ok: false,
        reason: `unknown retry schedule "${spec}"; valid presets are ${RETRY_PRESET_NAMES.join(', ')}, or an array of delays in seconds`,
      };
    }
    return {
      ok: true,
      schedule: { preset: spec, delaysSeconds: RETRY_PRESETS[spec], jitter: PRESET_JITTER },
    };
  }
  if (!Array.isArray(spec)) {
    return { ok: false, reason: 'retry schedule must be a preset name or an array of delays' };
  }
  if (spec.length > MAX_RETRY_COUNT) {
    return { ok: false, reason: `retry schedule must have at most ${MAX_RETRY_COUNT} delays` };
  }
  for (const [i, d] of spec.entries()) {
    if (typeof d !== 'number' || !Number.isFinite(d) || d < 0 || d > MAX_RETRY_DELAY_SECONDS) {
      return {
        ok: false,
        reason: `retry delay at index ${i} must be a number of seconds between 0 and ${MAX_RETRY_DELAY_SECONDS} (7 days)`,
      };
    }
  }
  return { ok: true, schedule: { preset: null, delaysSeconds: [...spec], jitter: 0 } };
}

/**
 * The wait in milliseconds after attempt `attemptNumber` (1 = the first
 * delivery) failed, or null when the schedule allows no further attempt.
 * `random` returns a value in [0, 1), as Math.random does; it is a parameter
 * so tests can pin the jitter.
 */
export function nextRetryDelayMs(
  schedule: RetrySchedule,
  attemptNumber: number,
  random: () => number = Math.random,
): number | null {
  if (!Number.isSafeInteger(attemptNumber) || attemptNumber < 1) {
    throw new RangeError('attemptNumber must be an integer starting at 1');
  }
  const seconds = schedule.delaysSeconds[attemptNumber - 1];
  if (seconds === undefined) return null;
  const spread = schedule.jitter === 0 ? 1 : 1 + schedule.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(seconds * 1000 * spread));
}

/** The longest nominal wait in the schedule, a natural cap for Retry-After. */
export function maxRetryDelayMs(schedule: RetrySchedule): number {
  return Math.max(0, ...schedule.delaysSeconds) * 1000;
}

/**
 * Honours a receiver's `Retry-After` without letting it run the schedule: we
 * wait at least what the receiver asked, but never less than scheduled
 * (Retry-After means "not before", so later is always allowed) and never more
 * than `maxMs`, so a receiver cannot park its messages for a year. A schedule
 * delay above `maxMs` is kept as it is. A null `retryAfterMs` (absent or
 * unparsable header) means "use the schedule". Whether to retry at all is the
 * schedule's call: when nextRetryDelayMs returns null, Retry-After is moot.
 */
export function boundedRetryAfterMs(
  retryAfterMs: number | null,
  scheduledMs: number,
  maxMs: number,
): number {
  if (retryAfterMs === null || Number.isNaN(retryAfterMs)) return scheduledMs;
  return Math.max(scheduledMs, Math.min(retryAfterMs, maxMs));
}
