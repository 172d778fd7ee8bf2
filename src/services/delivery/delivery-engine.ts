// The delivery engine of one worker process: it owns a share of the endpoints
// (ownership.ts decides which), runs an EndpointConsumer for each, and hands
// out this process's send slots (`concurrency`) to consumers with work, one
// message per consumer in turn, so a slow or busy endpoint only ever uses its
// own max_concurrency and never delays another. Outcomes of all endpoints go
// through one OutcomeWriter (group commit).
import type { Store } from '../../store/store.ts';
import { EndpointConsumer } from './endpoint-consumer.ts';
import { LogPages } from './log-pages.ts';
import type { Notifier } from './notifier.ts';
import { type CommittedGroup, OutcomeWriter } from './outcome-writer.ts';
import { type OwnershipEvents, OwnershipKeeper } from './ownership.ts';
import type { Sender } from './sender.ts';

export interface DeliveryEngineOptions {
  workerId: string;
  /** Sends in flight at once in this process, over all endpoints. */
  concurrency: number;
  /** One process per store (SQLite): take every endpoint at once, whoever had it. */
  exclusive: boolean;
  /** An owner that has not renewed for this long loses its endpoints to live workers. */
  ownershipTtlMs: number;
  /** Heartbeat, balancing and change checks. */
  tickMs: number;
  pageSize: number;
  window: number;
  /** Outcomes awaiting commit before sending pauses. */
  maxUncommitted: number;
  /** How long an outcome waits for others to share its commit. */
  commitLingerMs: number;
  /** See ConsumerContext.slotHeldUntilCommitted. */
  slotHeldUntilCommitted: boolean;
  onError: (err: unknown) => void;
  onLog?: (msg: string, fields: Record<string, unknown>) => void;
  onCommitted?: (group: CommittedGroup) => void;
}

export class DeliveryEngine implements OwnershipEvents {
  readonly #store: Store;
  readonly #sender: Sender;
  readonly #notifier: Notifier;
  readonly #opts: DeliveryEngineOptions;
  readonly #writer: OutcomeWriter;
  readonly #ownership: OwnershipKeeper;
  readonly #pages: LogPages;
  readonly #consumers = new Map<string, EndpointConsumer>();
  /** Consumers that may have a message to send now, in turn order. */
  readonly #ready = new Set<EndpointConsumer>();
  readonly #timers = new Map<EndpointConsumer, { at: number; t: NodeJS.Timeout }>();
  readonly #sends = new Set<Promise<void>>();
  #pumpQueued = false;
  #unsubscribe: (() => void) | null = null;
  #stopped = false;

  constructor(store: Store, sender: Sender, notifier: Notifier, opts: DeliveryEngineOptions) {
    this.#store = store;
    this.#sender = sender;
    this.#notifier = notifier;
    this.#opts = opts;
    this.#writer = new OutcomeWriter(store, {
      workerId: opts.workerId,
      retryMs: 500,
      lingerMs: opts.commitLingerMs,
      maxGroup: 500,
      onError: opts.onError,
      ...(opts.onCommitted ? { onCommitted: opts.onCommitted } : {}),
    });
    this.#pages = new LogPages(store, { keep: 4 });
    this.#ownership = new OwnershipKeeper(store, this, {
      workerId: opts.workerId,
      exclusive: opts.exclusive,
      ttlMs: opts.ownershipTtlMs,
      tickMs: opts.tickMs,
      onError: opts.onError,
    });
  }

  start(): void {
    this.#unsubscribe = this.#store.onCommit((tenantId, head) => {
      for (const c of this.#consumers.values()) if (c.tenantId === tenantId) c.onCommit(head);
    });
    this.#ownership.start();
  }

  /** Something changed through the API (locally): resolves once ownership and records were looked at. */
  poke(): Promise<void> {
    return this.#ownership.tickNow();
  }

  get inFlight(): number {
    return this.#sends.size;
  }

  // ---- OwnershipEvents

  ownedIds(): string[] {
    return [...this.#consumers.keys()];
  }

  owns(id: string): EndpointConsumer | undefined {
    return this.#consumers.get(id);
  }

  acquired(rows: Parameters<OwnershipEvents['acquired']>[0]): void {
    for (const row of rows) {
      if (this.#consumers.has(row.id) || this.#stopped) continue;
      const c = new EndpointConsumer(row, {
        store: this.#store,
        sender: this.#sender,
        writer: this.#writer,
        notifier: this.#notifier,
        pages: this.#pages,
        pageSize: this.#opts.pageSize,
        window: this.#opts.window,
        slotHeldUntilCommitted: this.#opts.slotHeldUntilCommitted,
        ready: (x) => this.#markReady(x),
        onError: this.#opts.onError,
      });
      this.#consumers.set(row.id, c);
      c.start().catch((err) => {
        // Not started, so not running: forget it, and the next tick takes the
        // endpoint (still recorded as ours) again with a fresh consumer.
        this.#opts.onError(err);
        c.drop();
        if (this.#consumers.get(row.id) === c) this.#forget(c);
      });
    }
    if (rows.length > 0) {
      this.#opts.onLog?.('worker took over endpoints', {
        worker: this.#opts.workerId,
        endpoints: rows.length,
      });
    }
  }

  lost(id: string): void {
    const c = this.#consumers.get(id);
    if (!c) return;
    c.drop();
    this.#forget(c);
  }

  /** Hands an endpoint over: stop sending, let sends in flight finish and commit, then release. */
  async handOver(id: string): Promise<void> {
    const c = this.#consumers.get(id);
    if (!c) return;
    c.drain();
    while (c.inFlight > 0 && !c.dropped) await new Promise((r) => setTimeout(r, 20));
    await this.#writer.flushed();
    c.drop();
    this.#forget(c);
  }

  #forget(c: EndpointConsumer): void {
    this.#consumers.delete(c.endpointId);
    this.#ready.delete(c);
    const t = this.#timers.get(c);
    if (t) clearTimeout(t.t);
    this.#timers.delete(c);
  }

  // ---- Send slots

  #markReady(c: EndpointConsumer): void {
    if (this.#stopped || !this.#consumers.has(c.endpointId)) return;
    this.#ready.add(c);
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    // Once per turn: outcomes finishing together refill their slots together.
    setImmediate(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#stopped || !this.#ownership.fenced()) {
      if (!this.#stopped && this.#ready.size > 0) this.#retryPumpIn(100);
      return;
    }
    if (this.#writer.backlog >= this.#opts.maxUncommitted) {
      this.#retryPumpIn(5);
      return;
    }
    const now = Date.now();
    while (this.#sends.size < this.#opts.concurrency && this.#ready.size > 0) {
      for (const c of this.#ready) {
        if (this.#sends.size >= this.#opts.concurrency) break;
        const m = c.next(now);
        this.#ready.delete(c);
        if (!m) {
          this.#armWake(c, now);
          continue;
        }
        // Back of the line: one message per consumer in turn.
        this.#ready.add(c);
        const p = c
          .send(m)
          .catch(this.#opts.onError)
          .finally(() => {
            this.#sends.delete(p);
            this.#markReady(c);
          });
        this.#sends.add(p);
      }
    }
  }

  #retryPumpIn(ms: number): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    setTimeout(() => {
      this.#pumpQueued = false;
      this.#pump();
    }, ms).unref();
  }

  #armWake(c: EndpointConsumer, now: number): void {
    const at = c.wakeAt(now);
    const cur = this.#timers.get(c);
    if (at === null) return;
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.t);
    const t = setTimeout(
      () => {
        this.#timers.delete(c);
        this.#markReady(c);
      },
      Math.max(1, at - now),
    );
    t.unref();
    this.#timers.set(c, { at, t });
  }

  /**
   * Stops sending, waits up to `graceMs` for sends in flight and their
   * commit, then hands every endpoint back so another worker takes over at
   * once. Bounded even when the database is gone: what could not be recorded
   * is sent again by the next owner.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#ownership.stop();
    for (const c of this.#consumers.values()) c.drain();
    for (const t of this.#timers.values()) clearTimeout(t.t);
    this.#timers.clear();
    const deadline = Date.now() + graceMs;
    const within = <T>(p: Promise<T>) =>
      Promise.race([p, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    await within(Promise.allSettled([...this.#sends]));
    await within(this.#writer.flushed());
    this.#writer.stop();
    // The hand-back gets a second of its own even when the grace is used up.
    await Promise.race([
      this.#ownership.releaseAll(),
      new Promise((r) => setTimeout(r, Math.max(1_000, deadline - Date.now()))),
    ]).catch(this.#opts.onError);
  }
}
