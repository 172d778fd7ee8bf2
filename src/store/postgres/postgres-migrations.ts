// Applies the numbered SQL files under one session advisory lock, so several
// processes starting together apply each migration exactly once.
import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import { assertNotNewer, type MigrationFile } from '../migration-files.ts';
import type { MigrationStatus } from '../store.ts';
import { withSession } from './postgres-db.ts';

/** First key of Herald's two-key advisory locks ('HRLD'); the second is a hash of the purpose. */
export const ADVISORY_LOCK_CLASS = 0x48524c44;

const CREATE_MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS herald_migrations (version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz(3) NOT NULL)';

export async function appliedVersions(client: Pick<PoolClient, 'query'>): Promise<string[]> {
  const t = await client.query<{ present: boolean }>(
    "SELECT to_regclass('herald_migrations') IS NOT NULL AS present",
  );
  if (!t.rows[0]?.present) return [];
  const r = await client.query<{ version: string }>(
    'SELECT version FROM herald_migrations ORDER BY version',
  );
  return r.rows.map((row) => row.version);
}

export function statusOf(applied: string[], known: MigrationFile[]): MigrationStatus {
  return {
    applied,
    pending: known.map((m) => m.version).filter((v) => !applied.includes(v)),
  };
}

export async function runMigrations(
  pool: Pool,
  schema: string | null,
  known: MigrationFile[],
): Promise<MigrationStatus> {
  return withSession(pool, async (client) => {
    const lockArgs = [ADVISORY_LOCK_CLASS, `migrate:${schema ?? ''}`];
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', lockArgs);
    if (schema !== null) {
      // Check first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when it exists.
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
    }
    await client.query(CREATE_MIGRATIONS_TABLE);
    const applied = await appliedVersions(client);
    assertNotNewer(applied, known);
    for (const m of known) {
      if (applied.includes(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(
          'INSERT INTO herald_migrations (version, name, applied_at) VALUES ($1, $2, now())',
          [m.version, m.name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      applied.push(m.version);
    }
    // On failure withSession closes the session instead, which releases the lock too.
    await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', lockArgs);
    return statusOf(applied, known);
  });
}
