// Group commit of outcomes: every delivery row, attempt and endpoint progress
// handed over while the previous commit is being written goes into the next
// one, so one transaction carries as many outcomes as arrive meanwhile. Commits
// are written one after another, in order; a failed commit is tried again
// (with the writes that arrived since) until it succeeds or the writer is
// stopped, so a cursor never gets ahead of the rows it stands for.
import type {
  AttemptWrite,
  DeliveryCommitResult,
  DeliveryWrite,
  EndpointProgress,
} from '../../store/delivery-store.ts';
import type { Store } from '../../store/store.ts';

/** What a consumer contributes to a commit, asked for when the commit is formed. */
export interface ProgressSource {
  readonly endpointId: string;
  /** Its progress including everything handed to the writer so far. */
  progress(): EndpointProgress;
  /** Called after the commit that carried `progress()`, with what the store reported. */
  committed(result: { lost: boolean; disabled: boolean }): void;
}

/** A group of outcomes as committed, for observers (metrics, logs, traces). */
export interface CommittedGroup {
  deliveries: DeliveryWrite[];
  attempts: AttemptWrite[];
  endpoints: EndpointProgress[];
  /** Endpoints this commit disabled (their reason is in `endpoints`). */
  disabled: string[];
}

export interface OutcomeWriterOptions {
  workerId: string;
  /** Pause before trying a failed commit again. */
  retryMs: number;
  /**
   * How long the first outcome of a group waits for others to join it. A
   * commit costs about the same for 5 outcomes as for 50 (the same few index
   * pages are rewritten), so a few milliseconds multiply outcomes per commit.
   */
  lingerMs: number;
  /** A group this large is committed without waiting out the linger. */
  maxGroup: number;
  onError: (err: unknown) => void;
  /** Hears each committed group; must not throw. */
  onCommitted?: (group: CommittedGroup) => void;
}

export class OutcomeWriter {
  readonly #store: Store;
  readonly #opts: OutcomeWriterOptions;
  #deliveries = new Map<string, DeliveryWrite>();
  #attempts: AttemptWrite[] = [];
  #sources = new Set<ProgressSource>();
  #afterCommit: (() => void)[] = [];
  #writing: Promise<void> | null = null;
  #wakeLinger: (() => void) | null = null;
  #stopped = false;

  constructor(store: Store, opts: OutcomeWriterOptions) {
    this.#store = store;
    this.#opts = opts;
  }

  /** Outcomes waiting for a commit (back-pressure for senders). */
  get backlog(): number {
    return this.#attempts.length;
  }

  /** Queues writes; `after` runs once they are committed. */
  add(
    source: ProgressSource,
    w: { delivery?: DeliveryWrite; attempt?: AttemptWrite; after?: () => void },
  ): void {
    if (w.delivery) this.#deliveries.set(w.delivery.id, w.delivery);
    if (w.attempt) this.#attempts.push(w.attempt);
    if (w.after) this.#afterCommit.push(w.after);
    this.#sources.add(source);
    this.#kick();
  }

  /** The source's progress changed without an outcome (cursor past filtered-out events, health). */
  touch(source: ProgressSource): void {
    this.#sources.add(source);
    this.#kick();
  }

  /** Resolves when everything queued so far is committed (or the writer stopped). */
  async flushed(): Promise<void> {
    while ((this.#writing || this.#sources.size > 0) && !this.#stopped) {
      this.#kick();
      await this.#writing;
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#wakeLinger?.();
  }

  /** Lets outcomes arriving meanwhile join this commit: at least the rest of this turn. */
  async #linger(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    const until = Date.now() + this.#opts.lingerMs;
    while (this.#attempts.length < this.#opts.maxGroup && Date.now() < until && !this.#stopped) {
      this.#wakeLinger = null;
      await new Promise<void>((r) => {
        this.#wakeLinger = r;
        setTimeout(r, Math.max(1, until - Date.now())).unref();
      });
    }
  }

  #kick(): void {
    if (this.#attempts.length >= this.#opts.maxGroup) this.#wakeLinger?.();
    if (this.#writing || this.#stopped) return;
    this.#writing = this.#loop().finally(() => {
      this.#writing = null;
    });
  }

  async #loop(): Promise<void> {
    while (this.#sources.size > 0 && !this.#stopped) {
      await this.#linger();
      const sources = [...this.#sources];
      const deliveries = [...this.#deliveries.values()];
      const attempts = this.#attempts;
      const after = this.#afterCommit;
      this.#sources = new Set();
      this.#deliveries = new Map();
      this.#attempts = [];
      this.#afterCommit = [];
      const endpoints = sources.map((s) => s.progress());
      let result: DeliveryCommitResult;
      try {
        result = await this.#store.deliveryCommit({
          workerId: this.#opts.workerId,
          now: new Date(),
          endpoints,
          deliveries,
          attempts,
        });
      } catch (err) {
        this.#opts.onError(err);
        // Put the group back in front of what arrived meanwhile, and try again.
        for (const d of deliveries) if (!this.#deliveries.has(d.id)) this.#deliveries.set(d.id, d);
        this.#attempts = [...attempts, ...this.#attempts];
        this.#afterCommit = [...after, ...this.#afterCommit];
        for (const s of sources) this.#sources.add(s);
        await new Promise((r) => setTimeout(r, this.#opts.retryMs).unref());
        continue;
      }
      const lost = new Set(result.lost);
      const disabled = new Set(result.disabled);
      for (const s of sources) {
        s.committed({ lost: lost.has(s.endpointId), disabled: disabled.has(s.endpointId) });
      }
      for (const f of after) f();
      this.#opts.onCommitted?.({ deliveries, attempts, endpoints, disabled: result.disabled });
    }
  }
}
