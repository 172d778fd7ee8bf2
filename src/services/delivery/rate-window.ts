// rate_limit per endpoint: at most `limit` sends start in any one-second
// window. A send reserves its slot just before it starts and waits for it (well
// within its lease margin); claims are capped by the slots left, so a
// rate-limited endpoint does not hold worker capacity it cannot use.

export class RateWindow {
  /** Start times (reserved or actual) within the last second, per endpoint. */
  readonly #sends = new Map<string, number[]>();
  readonly #limits = new Map<string, number>();

  /** Waits for the endpoint's next free slot; resolves at once without a rate limit. */
  async reserve(endpointId: string, rateLimit: number | null): Promise<void> {
    if (rateLimit === null) {
      this.#limits.delete(endpointId);
      this.#sends.delete(endpointId);
      return;
    }
    const limit = Math.max(1, Math.floor(rateLimit));
    this.#limits.set(endpointId, limit);
    const times = this.#sends.get(endpointId) ?? [];
    this.#sends.set(endpointId, times);
    const now = Date.now();
    const at = times.length >= limit ? Math.max(now, (times.at(-limit) as number) + 1000) : now;
    times.push(at);
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
    // Later slots count from when this send really started.
    const started = Date.now();
    const i = times.indexOf(at);
    if (i >= 0 && started > at) times[i] = started;
  }

  /**
   * Slots left now per rate-limited endpoint, and the earliest time a full
   * endpoint gets a slot back (null when none is full).
   */
  slotsLeft(now = Date.now()): { caps: Record<string, number>; nextFreeAt: number | null } {
    const caps: Record<string, number> = {};
    let nextFreeAt: number | null = null;
    for (const [id, times] of this.#sends) {
      while (times.length > 0 && (times[0] as number) <= now - 1000) times.shift();
      const limit = this.#limits.get(id);
      if (limit === undefined) continue;
      caps[id] = Math.max(0, limit - times.length);
      const oldest = times[0];
      if (caps[id] === 0 && oldest !== undefined) {
        nextFreeAt = Math.min(nextFreeAt ?? Number.POSITIVE_INFINITY, oldest + 1001);
      }
    }
    return { caps, nextFreeAt };
  }
}
