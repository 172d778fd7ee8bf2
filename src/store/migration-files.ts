// Migrations are numbered SQL files, NNNN_name.sql, with the same numbers and
// names in every dialect. Both stores read them through this one function.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MigrationFile {
  version: string;
  name: string;
  sql: string;
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function readMigrationFiles(dir: string): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => FILE_RE.test(f))
    .sort()
    .map((f) => {
      const m = FILE_RE.exec(f) as RegExpExecArray;
      return {
        version: m[1] as string,
        name: m[2] as string,
        sql: readFileSync(join(dir, f), 'utf8'),
      };
    });
}

/** Throws when the database has versions this code does not know: it was migrated by a newer Herald. */
export function assertNotNewer(applied: string[], known: MigrationFile[]): void {
  const knownSet = new Set(known.map((m) => m.version));
  const unknown = applied.filter((v) => !knownSet.has(v));
  if (unknown.length > 0) {
    const latest = known.at(-1)?.version ?? 'none';
    throw new Error(
      `database schema has migrations ${unknown.join(', ')} that this Herald does not know (latest known: ${latest}); upgrade Herald`,
    );
  }
}
