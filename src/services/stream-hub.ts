// Wake-ups for long polling and SSE. One store subscription fans out to
// per-tenant waiters, so a commit wakes only the readers of that tenant.
import type { Store } from '../store/store.ts';

/**
 * A registration made BEFORE a reader queries, so a commit that lands between
 * the query and the wait is not missed: `changed` stays set until consumed.
 */
export class CommitWaiter {
  #changed = false;
  #wake: (() => void) | null = null;
  readonly #unregister: () => void;

  constructor(register: (w: CommitWaiter) => () => void) {
    this.#unregister = register(this);
  }

  notify(): void {
    this.#changed = true;
    this.#wake?.();
  }

  /** Resolves true on a commit since the last call, false after timeoutMs or on abort. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#changed) {
      this.#changed = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const finish = (v: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#wake = null;
        if (v) this.#changed = false;
        resolve(v);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => finish(true);
      if (signal?.aborted) finish(false);
    });
  }

  close(): void {
    this.#wake?.();
    this.#unregister();
  }
}

export class StreamHub {
  readonly #waiters = new Map<string, Set<CommitWaiter>>();
  readonly #unsubscribe: () => void;

  constructor(store: Store) {
    this.#unsubscribe = store.onCommit((tenantId) => {
      for (const w of this.#waiters.get(tenantId) ?? []) w.notify();
    });
  }

  waiter(tenantId: string): CommitWaiter {
    return new CommitWaiter((w) => {
      let set = this.#waiters.get(tenantId);
      if (!set) {
        set = new Set();
        this.#waiters.set(tenantId, set);
      }
      set.add(w);
      return () => {
        set.delete(w);
        if (set.size === 0) this.#waiters.delete(tenantId);
      };
    });
  }

  get waiterCount(): number {
    let n = 0;
    for (const s of this.#waiters.values()) n += s.size;
    return n;
  }

  close(): void {
    this.#unsubscribe();
  }
}
