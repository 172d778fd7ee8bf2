// Fresh, isolated storage per run: a temp SQLite folder, or a new PostgreSQL
// schema (dropped afterwards), opened from the bench process to create keys
// and to bulk-load events through Store.eventAppend.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, escapeIdentifier } from 'pg';
import { createApiKey } from '../../src/services/api-keys.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';

export type Backend = 'sqlite' | 'postgres';

export function postgresUrl(): string {
  return process.env.HERALD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

export async function postgresReachable(): Promise<string | null> {
  const c = new Client({ connectionString: postgresUrl(), connectionTimeoutMillis: 3000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await c.end().catch(() => {});
  }
}

/** One isolated data set: where it lives, how a `serve` child reaches it, and cleanup. */
export class BenchStorage {
  readonly backend: Backend;
  readonly dataDir: string;
  readonly schema: string;

  constructor(backend: Backend) {
    this.backend = backend;
    this.dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
    this.schema = `herald_bench_${randomBytes(6).toString('hex')}`;
  }

  /** Environment for `herald serve` so it opens exactly this data set. */
  env(): Record<string, string> {
    if (this.backend === 'sqlite') return { HERALD_DATA_DIR: this.dataDir };
    return { HERALD_DATABASE_URL: postgresUrl(), HERALD_DATABASE_SCHEMA: this.schema };
  }

  /** Opens (and migrates) the store from the bench process. */
  async open(): Promise<Store> {
    const store: Store =
      this.backend === 'sqlite'
        ? new SqliteStore({ path: join(this.dataDir, 'herald.db') })
        : new PostgresStore({ connectionString: postgresUrl(), schema: this.schema, poolMax: 4 });
    await store.migrate();
    return store;
  }

  /** Creates a tenant and returns an API key and the tenant id. */
  async key(tenant = 'bench'): Promise<{ key: string; tenantId: string }> {
    const store = await this.open();
    try {
      const k = await createApiKey(store, { tenant, name: 'bench', admin: false });
      return { key: k.key, tenantId: k.row.tenantId };
    } finally {
      await store.close();
    }
  }

  async destroy(): Promise<void> {
    rmSync(this.dataDir, { recursive: true, force: true });
    if (this.backend !== 'postgres') return;
    const c = new Client({ connectionString: postgresUrl() });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(this.schema)} CASCADE`);
    } finally {
      await c.end().catch(() => {});
    }
  }
}
