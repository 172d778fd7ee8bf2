// Retention: a background job that removes events older than the horizon in
// bounded chunks, so it never holds the write lock for long.
import type { Store } from '../store/store.ts';

export interface RetentionOptions {
  retentionMs: number;
  intervalMs: number;
  chunkSize?: number;
  onError?: (err: unknown) => void;
}

export class RetentionJob {
  readonly #store: Store;
  readonly #opts: RetentionOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;

  constructor(store: Store, opts: RetentionOptions) {
    this.#store = store;
    this.#opts = opts;
  }

  /** Events created before this instant are no longer served. */
  horizon(now = Date.now()): Date {
    return new Date(now - this.#opts.retentionMs);
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.runOnce().catch((err) => this.#opts.onError?.(err));
    }, this.#opts.intervalMs);
    this.#timer.unref();
  }

  /** Deletes every expired event; returns how many were removed. */
  runOnce(): Promise<number> {
    if (this.#running) return this.#running;
    this.#running = (async () => {
      const limit = this.#opts.chunkSize ?? 5000;
      let total = 0;
      for (;;) {
        const n = await this.#store.eventDeleteBefore({ before: this.horizon(), limit });
        total += n;
        if (n < limit) return total;
        await new Promise((r) => setImmediate(r));
      }
    })().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }
}
