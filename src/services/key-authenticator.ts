// Finds the active key for a request. Lookups may be cached per process,
// which is safe because KeyRevocations tells this process of every revocation
// (its own at once, other processes' within a poll interval): a revoked key is
// evicted then, is never cached again, and nothing is answered from the cache
// while that feed is stale.
import type { ApiKeyRow, Store } from '../store/store.ts';
import type { KeyRevocations } from './key-revocations.ts';

const MAX_ENTRIES = 10_000;

export class KeyAuthenticator {
  readonly #store: Pick<Store, 'apiKeyGetByHash'>;
  readonly #revocations: KeyRevocations;
  /** By key hash; insertion order doubles as age for eviction. */
  readonly #byHash = new Map<string, ApiKeyRow>();
  readonly #hashById = new Map<string, string>();
  readonly #cache: boolean;

  constructor(
    store: Pick<Store, 'apiKeyGetByHash'>,
    revocations: KeyRevocations,
    opts: { cache: boolean },
  ) {
    this.#store = store;
    this.#revocations = revocations;
    this.#cache = opts.cache;
    revocations.onRevoked((keyId) => this.#evict(keyId));
  }

  async lookup(hash: string): Promise<ApiKeyRow | null> {
    if (!this.#cache) return this.#store.apiKeyGetByHash({ hash });
    if (this.#revocations.fresh) {
      const hit = this.#byHash.get(hash);
      if (hit) return hit;
    }
    const row = await this.#store.apiKeyGetByHash({ hash });
    // A revocation may have been learnt while the row was read.
    if (!row || this.#revocations.isRevoked(row.id)) return null;
    if (this.#byHash.size >= MAX_ENTRIES) {
      const oldest = this.#byHash.keys().next().value as string;
      const id = this.#byHash.get(oldest)?.id;
      this.#byHash.delete(oldest);
      if (id) this.#hashById.delete(id);
    }
    this.#byHash.set(hash, row);
    this.#hashById.set(row.id, hash);
    return row;
  }

  #evict(keyId: string): void {
    const hash = this.#hashById.get(keyId);
    if (hash === undefined) return;
    this.#hashById.delete(keyId);
    this.#byHash.delete(hash);
  }
}
