// The benchmark suite's smoke variant (`npm run bench -- --smoke`: one
// repetition, tiny sizes) runs here so the suite cannot rot. No timing is
// asserted: only that it completes and reports every scenario on every store
// with zero loss. A scenario may be "not runnable" only on PostgreSQL when
// the server is unreachable (and CI=false).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Row } from '../bench/lib/report.ts';

const SCENARIOS = ['ingest', 'delivery', 'latency', 'burst', 'scale'];

it('npm run bench -- --smoke completes and reports every scenario with zero loss', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'herald-bench-smoke-')), 'result.json');
  const run = spawnSync(process.execPath, ['bench/run.ts', '--smoke', '--quiet', `--json=${out}`], {
    cwd: join(import.meta.dirname, '..'),
    encoding: 'utf8',
    timeout: 110_000,
  });
  expect(run.status, run.stderr).toBe(0);
  const { rows } = JSON.parse(readFileSync(out, 'utf8')) as { rows: Row[] };
  for (const backend of ['sqlite', 'postgres'] as const) {
    for (const scenario of SCENARIOS) {
      const mine = rows.filter((r) => r.backend === backend && r.scenario === scenario);
      expect(mine.length, `${scenario} on ${backend} reported`).toBeGreaterThan(0);
      for (const r of mine) {
        if (r.notRunnable) {
          const pgDown =
            backend === 'postgres' && r.notRunnable.startsWith('PostgreSQL unreachable');
          expect(
            pgDown && process.env.CI !== 'true',
            `${scenario}/${r.metric}: ${r.notRunnable}`,
          ).toBe(true);
          continue;
        }
        expect(r.loss, `${scenario}/${r.metric} on ${backend}`).toBe(0);
        expect(r.value, `${scenario}/${r.metric} on ${backend}`).not.toBe('');
      }
    }
  }
}, 120_000);
