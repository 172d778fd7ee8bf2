// Herald's Node flags (heap sizing, see docs/operations.md "Memory") are set in
// four launchers (with the container's); they must not drift apart, or `npx herald serve` and
// `npm start` would behave differently from what the benchmarks measured.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startScriptNodeFlags } from '../bench/lib/server-process.ts';
import { execForm, finalStage, one, readDockerfile } from './fixtures/dockerfile.ts';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  scripts: Record<string, string>;
};

function flags(command: string): string[] {
  return command.split(/\s+/).filter((w) => w.startsWith('--'));
}

describe('launch flags', () => {
  it('keeps the young generation bounded in npm start', () => {
    expect(startScriptNodeFlags()).toContain('--max-semi-space-size=8');
  });

  it('uses the same flags in npm start, npm run herald and the bin shebang', () => {
    const shebang = readFileSync(new URL('bin/herald.js', root), 'utf8').split('\n')[0] ?? '';
    expect(shebang.startsWith('#!/usr/bin/env -S node ')).toBe(true);
    const start = flags(pkg.scripts.start ?? '');
    expect(flags(pkg.scripts.herald ?? '')).toEqual(start);
    // The bin may also run on Node 22.12, where node:sqlite needs --experimental-sqlite.
    expect(flags(shebang)).toEqual([...start, '--experimental-sqlite']);
  });

  it('runs the container image with the same flags', () => {
    const entry = execForm(
      one(finalStage(readDockerfile(new URL('Dockerfile', root))), 'ENTRYPOINT'),
    );
    expect(entry.filter((w) => w.startsWith('--'))).toEqual(flags(pkg.scripts.start ?? ''));
  });
});
