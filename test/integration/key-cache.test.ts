// The per-request key lookup is cached, and a revocation anywhere evicts it:
// the cache answers only while the revocation feed is fresh, never caches a
// key it knows to be revoked, and drops a key on the poll that reports it.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/domain/api-key.ts';
import { createApiKey } from '../../src/services/api-keys.ts';
import { KeyAuthenticator } from '../../src/services/key-authenticator.ts';
import { KeyRevocations } from '../../src/services/key-revocations.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { tempDir } from '../fixtures/test-server.ts';

describe('cached key lookup', () => {
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  async function setup(pollMs = 60_000) {
    const path = join(tempDir('herald-keycache-'), 'herald.db');
    const store = new SqliteStore({ path });
    // Another process on the same database (a second server, the CLI).
    const elsewhere = new SqliteStore({ path });
    stores.push(store, elsewhere);
    await store.migrate();
    const revocations = new KeyRevocations(store, { pollMs });
    await revocations.poll();
    const keys = new KeyAuthenticator(store, revocations, { cache: true });
    const created = await createApiKey(store, { tenant: 't', name: 'k', admin: false });
    return {
      store,
      elsewhere,
      revocations,
      keys,
      hash: hashApiKey(created.key),
      id: created.row.id,
    };
  }

  it('answers from memory until the revocation feed reports the key, then refuses it', async () => {
    const { elsewhere, revocations, keys, hash, id } = await setup();
    expect((await keys.lookup(hash))?.id).toBe(id);
    await elsewhere.apiKeyRevoke({ id });
    // Cached: the store is not asked again before the next poll.
    expect((await keys.lookup(hash))?.id).toBe(id);
    await revocations.poll();
    expect(revocations.isRevoked(id)).toBe(true);
    expect(await keys.lookup(hash)).toBeNull();
  });

  it('asks the store while the revocation feed is stale', async () => {
    const { elsewhere, keys, hash, id } = await setup(5);
    expect((await keys.lookup(hash))?.id).toBe(id);
    await elsewhere.apiKeyRevoke({ id });
    // No poll has run for many intervals: the cache is not trusted.
    await new Promise((r) => setTimeout(r, 100));
    expect(await keys.lookup(hash)).toBeNull();
  });

  it('drops a key revoked through this process at once, without a poll', async () => {
    const { store, revocations, keys, hash, id } = await setup();
    expect((await keys.lookup(hash))?.id).toBe(id);
    await store.apiKeyRevoke({ id });
    expect(revocations.isRevoked(id)).toBe(true);
    expect(await keys.lookup(hash)).toBeNull();
  });
});
