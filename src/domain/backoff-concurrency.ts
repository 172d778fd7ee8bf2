// How many requests may be in flight to one endpoint: additive increase,
// multiplicative decrease, as in TCP congestion control. Successes raise the
// limit by about one per "window" of `limit` successes, so it grows slowly and
// linearly; a throttling response halves it at once. Receivers that say
// "slow down" get relief within one round trip, and throughput recovers on its
// own without a configured rate.

/** Responses that mean "too much load" rather than "this message is bad". */
const THROTTLE_STATUSES = new Set([429, 502, 503, 504]);

export function isThrottleStatus(status: number): boolean {
  return THROTTLE_STATUSES.has(status);
}

export class AimdLimiter {
  readonly max: number;
  #limit: number;
  #successes = 0;

  /** `initial` defaults to `max`: start optimistic, back off on the first throttle. */
  constructor(opts: { max: number; initial?: number }) {
    if (!Number.isSafeInteger(opts.max) || opts.max < 1) {
      throw new RangeError('max must be a positive integer');
    }
    const initial = opts.initial ?? opts.max;
    if (!Number.isSafeInteger(initial) || initial < 1 || initial > opts.max) {
      throw new RangeError('initial must be an integer between 1 and max');
    }
    this.max = opts.max;
    this.#limit = initial;
  }

  get limit(): number {
    return this.#limit;
  }

  onSuccess(): void {
    if (this.#limit >= this.max) return;
    this.#successes += 1;
    if (this.#successes >= this.#limit) {
      this.#limit += 1;
      this.#successes = 0;
    }
  }

  onThrottle(): void {
    this.#limit = Math.max(1, Math.floor(this.#limit / 2));
    this.#successes = 0;
  }
}
