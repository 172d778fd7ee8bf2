// `herald keys create --scope`: a key limited to what it may do, from the CLI.
import { describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.ts';
import { tempDir } from '../fixtures/test-server.ts';

describe('herald keys create --scope', () => {
  it('creates a key with the given scopes and lists them', async () => {
    const data = tempDir();
    const made = await runCli([
      'keys',
      'create',
      '--data',
      data,
      '--scope',
      'events:read',
      '--scope',
      'endpoints:manage,events:read',
    ]);
    expect(made.code).toBe(0);
    expect(made.stderr).toContain('with scopes events:read endpoints:manage');
    const plain = await runCli(['keys', 'create', '--data', data, '--name', 'plain']);
    expect(plain.stderr).toContain('with scopes events:write events:read endpoints:manage');
    const list = await runCli(['keys', 'list', '--data', data]);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.map((r) => r[4])).toEqual([
      'events:read,endpoints:manage',
      'events:write,events:read,endpoints:manage',
    ]);
  });

  it('refuses an unknown scope with one line and exit code 2', async () => {
    const res = await runCli(['keys', 'create', '--data', tempDir(), '--scope', 'events:delete']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('unknown scope events:delete');
  });
});
