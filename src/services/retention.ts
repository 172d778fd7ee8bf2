// Retention: a background job that removes events older than the horizon and
// finished webhook deliveries (with their attempts) older than theirs, in
// bounded chunks, so it never holds the write lock for long.
import type { Store } from '../store/store.ts';

export interface RetentionOptions {
  retentionMs: number;
  /** How long a delivery is kept once it is final (succeeded, failed, cancelled). */
  deliveryRetentionMs: number;
  intervalMs: number;
  chunkSize?: number;
  /**
   * Deliveries per chunk. Smaller than for events: each one takes its attempts
   * with it, and on SQLite a chunk runs synchronously on the event loop
   * (1,000 deliveries of 3 attempts: about 25 ms, fsync included).
   */
  deliveryChunkSize?: number;
  onError?: (err: unknown) => void;
  /** Hears each scheduled run that succeeded, with how long it took. */
  onRun?: (run: RetentionRun & { ms: number }) => void;
}

export interface RetentionRun {
  events: number;
  deliveries: number;
}

export class RetentionJob {
  readonly #store: Store;
  readonly #opts: RetentionOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<RetentionRun> | null = null;
  #stopping = false;

  constructor(store: Store, opts: RetentionOptions) {
    this.#store = store;
    this.#opts = opts;
  }

  /** Events created before this instant are no longer served. */
  horizon(now = Date.now()): Date {
    return new Date(now - this.#opts.retentionMs);
  }

  /** Final deliveries last updated before this instant are removed. */
  deliveryHorizon(now = Date.now()): Date {
    return new Date(now - this.#opts.deliveryRetentionMs);
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      const started = Date.now();
      this.runOnce().then(
        (run) => this.#opts.onRun?.({ ...run, ms: Date.now() - started }),
        (err) => this.#opts.onError?.(err),
      );
    }, this.#opts.intervalMs);
    this.#timer.unref();
  }

  /**
   * Deletes every expired event, then every expired finished delivery; returns
   * how many of each were removed. One part failing does not keep the other
   * from running (a PostgreSQL partition that cannot be detached must not let
   * the delivery history grow); the run then rejects with the failure.
   */
  runOnce(): Promise<RetentionRun> {
    if (this.#running) return this.#running;
    this.#running = (async () => {
      const failures: unknown[] = [];
      const drain = (step: (limit: number) => Promise<number>, limit: number) =>
        this.#drain(step, limit).catch((err) => {
          failures.push(err);
          return 0;
        });
      const events = await drain(
        (limit) => this.#store.eventDeleteBefore({ before: this.horizon(), limit }),
        this.#opts.chunkSize ?? 5000,
      );
      const deliveries = await drain(
        (limit) =>
          this.#store.deliveryDeleteFinishedBefore({ before: this.deliveryHorizon(), limit }),
        this.#opts.deliveryChunkSize ?? 1000,
      );
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, 'retention run failed');
      return { events, deliveries };
    })().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /**
   * Chunks until one comes back short, yielding to the event loop between
   * them so requests (and, on SQLite, other writers) get their turn. Stops
   * early on stop(): a first run over a large backlog may take minutes, and
   * shutdown must not wait for it; the next start carries on.
   */
  async #drain(step: (limit: number) => Promise<number>, limit: number): Promise<number> {
    let total = 0;
    while (!this.#stopping) {
      const n = await step(limit);
      total += n;
      if (n < limit) break;
      await new Promise((r) => setImmediate(r));
    }
    return total;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#stopping = true;
    await this.#running?.catch(() => {});
    this.#stopping = false;
  }
}
