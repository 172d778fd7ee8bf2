// Where the herald command finds its settings besides flags: ./.env (Node's
// loader, under the real environment) and --config FILE / HERALD_CONFIG (under
// both). `migrate` shows which data folder won: it creates herald.db there.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../fixtures/cli.ts';
import { tempDir } from '../fixtures/test-server.ts';

/** The environment without any Herald setting the test run itself may carry. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(HERALD_|PORT$|DATABASE_URL$)/.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

function herald(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, env, { cwd, base: cleanEnv({}) });
}

const db = (cwd: string, folder: string) => existsSync(join(cwd, folder, 'herald.db'));

describe('configuration sources of the herald command', () => {
  it('reads ./.env, below the real environment', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), '# local settings\nHERALD_DATA_DIR=from-dotenv\n');
    expect((await herald(cwd, ['migrate'])).code).toBe(0);
    expect(db(cwd, 'from-dotenv')).toBe(true);

    const other = tempDir();
    writeFileSync(join(other, '.env'), 'HERALD_DATA_DIR=from-dotenv\n');
    const res = await herald(other, ['migrate'], { HERALD_DATA_DIR: 'from-env' });
    expect(res.code).toBe(0);
    expect(db(other, 'from-env')).toBe(true);
    expect(db(other, 'from-dotenv')).toBe(false);
  });

  it('reads --config or HERALD_CONFIG below the environment and flags', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'herald.json'), JSON.stringify({ data: 'from-file', port: 9999 }));
    expect((await herald(cwd, ['migrate', '--config', 'herald.json'])).code).toBe(0);
    expect(db(cwd, 'from-file')).toBe(true);

    const viaEnv = await herald(cwd, ['migrate'], {
      HERALD_CONFIG: 'herald.json',
      HERALD_DATA_DIR: 'from-env',
    });
    expect(viaEnv.code).toBe(0);
    expect(db(cwd, 'from-env')).toBe(true);

    writeFileSync(join(cwd, '.env'), 'HERALD_DATA_DIR=from-dotenv\n');
    const flag = await herald(cwd, ['migrate', '--config', 'herald.json', '--data', 'from-flag']);
    expect(flag.code).toBe(0);
    expect(db(cwd, 'from-flag')).toBe(true);
  });

  it('stops with one line and exit code 2 on a bad or unknown setting in the file', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'bad.json'), JSON.stringify({ retention: 'forever' }));
    const bad = await herald(cwd, ['serve', '--config', 'bad.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'herald: invalid configuration: bad.json: retention = "forever": must be a positive duration such as 500ms, 15s, 10m, 1h or 30d',
    );

    writeFileSync(join(cwd, 'typo.json'), JSON.stringify({ prot: 8080 }));
    const typo = await herald(cwd, ['serve', '--config', 'typo.json']);
    expect(typo.code).toBe(2);
    expect(typo.stderr.trim().split('\n')).toHaveLength(1);
    expect(typo.stderr).toMatch(/typo\.json: unknown setting "prot"/);

    const missing = await herald(cwd, ['serve', '--config', 'nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      'herald: invalid configuration: cannot read config file nope.json: ENOENT',
    );
  });
});
