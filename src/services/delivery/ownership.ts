// Which endpoints this worker owns. Every tick it renews its heartbeat (which
// extends its ownerships), lists who owns what, and moves toward a fair share:
// ceil(endpoints / live workers) each. It takes endpoints that are unowned or
// whose owner stopped renewing, and hands over those beyond its share, so a
// joining or leaving worker rebalances within a few ticks and a dead worker's
// endpoints are taken over once its ownership has run out (ttl). On SQLite
// (exclusive) one process owns everything, taken at start whoever had it.
//
// Fencing: a worker that could not renew for ttl minus a margin stops starting
// sends, since another worker may already have taken its endpoints.
import type { EndpointRow } from '../../domain/endpoint.ts';
import type { Store } from '../../store/store.ts';

export interface OwnershipEvents {
  /** The consumer of an endpoint this worker runs, if any. */
  owns(id: string): { stateVersion: number; reload(row: EndpointRow): Promise<void> } | undefined;
  /** Ids of the endpoints this worker runs consumers for. */
  ownedIds(): string[];
  acquired(rows: EndpointRow[]): void;
  /** Ownership is gone (taken over, or the endpoint deleted): stop at once. */
  lost(id: string): void;
  /** Give this endpoint up: finish in-flight work first. */
  handOver(id: string): Promise<void>;
}

export interface OwnershipOptions {
  workerId: string;
  exclusive: boolean;
  ttlMs: number;
  tickMs: number;
  onError: (err: unknown) => void;
}

/** Sends stop this long before the ownership would run out unrenewed. */
const FENCE_MARGIN_MS = 2_000;

export class OwnershipKeeper {
  readonly #store: Store;
  readonly #events: OwnershipEvents;
  readonly #opts: OwnershipOptions;
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #again = false;
  /** Callers of tickNow waiting for the next tick to finish. */
  #waiters: (() => void)[] = [];
  #validUntil = 0;
  #handingOver = new Set<string>();
  #stopped = false;

  constructor(store: Store, events: OwnershipEvents, opts: OwnershipOptions) {
    this.#store = store;
    this.#events = events;
    this.#opts = opts;
  }

  start(): void {
    this.tickSoon();
  }

  /** True while this worker's ownerships are certainly still its own. */
  fenced(): boolean {
    return Date.now() < this.#validUntil;
  }

  /** Resolves after a tick that started after this call (at once when stopped). */
  async tickNow(): Promise<void> {
    if (this.#stopped) return;
    const waiters = this.#waiters;
    const done = new Promise<void>((r) => waiters.push(r));
    this.tickSoon();
    await done;
  }

  tickSoon(): void {
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#ticking = this.#tick()
      .catch(this.#opts.onError)
      .finally(() => {
        this.#ticking = null;
        for (const w of waiters) w();
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          this.tickSoon();
          return;
        }
        this.#timer = setTimeout(() => this.tickSoon(), this.#opts.tickMs);
        this.#timer.unref();
      });
  }

  async #tick(): Promise<void> {
    const me = this.#opts.workerId;
    const started = Date.now();
    const now = new Date(started);
    const live = await this.#store.workerHeartbeat({
      workerId: me,
      now,
      until: new Date(started + this.#opts.ttlMs),
    });
    this.#validUntil = started + this.#opts.ttlMs - FENCE_MARGIN_MS;
    const all = await this.#store.endpointOwnershipList();
    const mine = all.filter((o) => o.ownerId === me);

    // Ownership that vanished: taken over, or the endpoint was deleted.
    for (const o of all) {
      if (o.ownerId !== me && this.#events.owns(o.id) && !this.#handingOver.has(o.id)) {
        this.#events.lost(o.id);
      }
    }
    const existing = new Set(all.map((o) => o.id));
    for (const id of this.#events.ownedIds()) {
      if (!existing.has(id)) this.#events.lost(id);
    }

    // Configuration or records changed through the API.
    for (const o of mine) {
      const c = this.#events.owns(o.id);
      if (c && c.stateVersion !== o.stateVersion) {
        const row = await this.#store.endpointGet({ tenantId: o.tenantId, id: o.id });
        if (row) await c.reload(row);
      }
    }

    let want: string[];
    if (this.#opts.exclusive) {
      want = all.filter((o) => o.ownerId !== me || !this.#events.owns(o.id)).map((o) => o.id);
    } else {
      const share = Math.ceil(all.length / Math.max(1, live.length));
      const liveSet = new Set(live);
      const orphans = all.filter(
        (o) =>
          o.ownerId === null ||
          !liveSet.has(o.ownerId) ||
          (o.ownerUntil !== null && o.ownerUntil.getTime() < started),
      );
      // Endpoints recorded as ours that this process does not run (a restart with the same id).
      const adopt = mine.filter((o) => !this.#events.owns(o.id)).map((o) => o.id);
      const room = Math.max(0, share - mine.length);
      want = [...adopt, ...shuffle(orphans.map((o) => o.id)).slice(0, room)];
      if (mine.length > share) {
        const extra = mine
          .filter((o) => !this.#handingOver.has(o.id))
          .slice(0, mine.length - share - this.#handingOver.size);
        for (const o of extra) this.#handOver(o.id);
      }
    }
    if (want.length > 0) {
      const rows = await this.#store.endpointAcquire({
        workerId: me,
        ids: want,
        now,
        until: new Date(started + this.#opts.ttlMs),
        force: this.#opts.exclusive,
      });
      this.#events.acquired(rows);
    }
  }

  #handOver(id: string): void {
    this.#handingOver.add(id);
    this.#events
      .handOver(id)
      .then(() => this.#store.endpointRelease({ workerId: this.#opts.workerId, ids: [id] }))
      .catch(this.#opts.onError)
      .finally(() => this.#handingOver.delete(id));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const w of this.#waiters) w();
    this.#waiters = [];
  }

  /** On shutdown: give every endpoint back and leave the worker list. */
  async releaseAll(): Promise<void> {
    await this.#ticking?.catch(() => {});
    await this.#store.endpointRelease({ workerId: this.#opts.workerId, ids: null });
    await this.#store.workerRemove({ workerId: this.#opts.workerId });
  }
}

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}
