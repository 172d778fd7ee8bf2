// The scale-out settings: --role and --read-database, and the rules that tie
// them to PostgreSQL.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const PG = 'postgres://herald@db/herald';

describe('scale-out configuration', () => {
  it('runs everything by default; HERALD_ROLE and --role pick api or worker', () => {
    expect(loadConfig({}, {}).role).toBe('all');
    expect(loadConfig({ databaseUrl: PG }, { HERALD_ROLE: 'worker' }).role).toBe('worker');
    expect(loadConfig({ databaseUrl: PG, role: 'api' }, { HERALD_ROLE: 'worker' }).role).toBe(
      'api',
    );
  });

  it('rejects an unknown role, and a split role on SQLite', () => {
    expect(() => loadConfig({ databaseUrl: PG, role: 'both' }, {})).toThrow(
      /--role = "both": must be one of api, worker, all/,
    );
    expect(() => loadConfig({ role: 'worker' }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ role: 'api' }, {})).toThrow(/--role api needs --database/);
  });

  it('takes a read replica URL only with a PostgreSQL primary', () => {
    const cfg = loadConfig({ databaseUrl: PG }, { HERALD_READ_DATABASE_URL: `${PG}-replica` });
    expect(cfg.readDatabaseUrl).toBe(`${PG}-replica`);
    expect(loadConfig({}, {}).readDatabaseUrl).toBeNull();
    expect(() => loadConfig({ readDatabaseUrl: PG }, {})).toThrow(
      /--read-database needs --database/,
    );
    expect(() => loadConfig({ databaseUrl: PG, readDatabaseUrl: 'mysql://x/y' }, {})).toThrow(
      /--read-database must be a postgres/,
    );
  });
});
