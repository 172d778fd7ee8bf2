// Revocations made through this process's store apply at once; those of other
// processes (more servers, `herald keys revoke` beside a server) are found by
// polling the store for recently revoked keys, on both stores. Polling the store's own revoked_at values, never this
// process's clock, keeps it right under clock skew; re-reading a margin before
// the newest one seen catches a revocation that committed late.
import type { Store } from '../store/store.ts';

export interface KeyRevocationsOptions {
  pollMs?: number;
  onError?: (err: unknown) => void;
}

const OVERLAP_MS = 10_000;
/** A cache may trust the revocation feed only while it is this recent. */
const FRESH_FACTOR = 4;

export class KeyRevocations {
  readonly #store: Pick<Store, 'apiKeyRevokedSince' | 'onApiKeyRevoked'>;
  readonly #pollMs: number;
  readonly #onError: (err: unknown) => void;
  readonly #listeners = new Set<(keyId: string) => void>();
  readonly #revoked = new Set<string>();
  #newest: Date | null = null;
  #lastSyncAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;
  #stopped = false;
  #failing = false;
  readonly #unsubscribe: () => void;

  constructor(
    store: Pick<Store, 'apiKeyRevokedSince' | 'onApiKeyRevoked'>,
    opts: KeyRevocationsOptions = {},
  ) {
    this.#store = store;
    this.#pollMs = opts.pollMs ?? 250;
    this.#onError = opts.onError ?? (() => {});
    this.#unsubscribe = store.onApiKeyRevoked((keyId) => this.revoked(keyId));
  }

  /** Polls until stop(); the first poll learns every revocation so far. */
  async start(): Promise<void> {
    await this.poll();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.poll().finally(() => this.#schedule());
    }, this.#pollMs);
    this.#timer.unref();
  }

  /** One round trip: learns revocations since the newest seen (minus an overlap). */
  poll(): Promise<void> {
    this.#polling ??= (async () => {
      const startedAt = Date.now();
      try {
        const since =
          this.#newest === null ? new Date(0) : new Date(this.#newest.getTime() - OVERLAP_MS);
        for (const r of await this.#store.apiKeyRevokedSince({ since })) {
          if (this.#newest === null || r.revokedAt > this.#newest) this.#newest = r.revokedAt;
          this.revoked(r.id);
        }
        this.#lastSyncAt = startedAt;
        this.#failing = false;
      } catch (err) {
        // Once per outage, not four times a second.
        if (!this.#failing) this.#onError(err);
        this.#failing = true;
      } finally {
        this.#polling = null;
      }
    })();
    return this.#polling;
  }

  /** Applies a revocation at once (this process made it, or the poll found it). */
  revoked(keyId: string): void {
    if (this.#revoked.has(keyId)) return;
    this.#revoked.add(keyId);
    for (const l of this.#listeners) l(keyId);
  }

  isRevoked(keyId: string): boolean {
    return this.#revoked.has(keyId);
  }

  /**
   * True while every revocation committed more than a few poll intervals ago
   * is known here; a cache must not answer from memory otherwise (the store
   * is unreachable, or polling stalled).
   */
  get fresh(): boolean {
    return !this.#stopped && Date.now() - this.#lastSyncAt < this.#pollMs * FRESH_FACTOR;
  }

  onRevoked(listener: (keyId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    if (this.#timer) clearTimeout(this.#timer);
    await this.#polling;
  }
}
