// `npm run bench [-- --quick | --smoke] [--only=ingest,delivery] [--store=sqlite] [--set=key=n,…] [--json=file]`
// Runs every scenario on SQLite and PostgreSQL, with the server as a child
// process and the load generator here, and prints a markdown table of medians
// and ratios against baselines measured in the same run. See docs/benchmarks.md.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { type Backend, postgresReachable } from './lib/backends.ts';
import {
  type Mode,
  markdownTable,
  notRunnable,
  type Row,
  type Scenario,
  SIZES,
} from './lib/report.ts';
import { burst } from './scenarios/burst.ts';
import { delivery } from './scenarios/delivery.ts';
import { ingest } from './scenarios/ingest.ts';
import { latency } from './scenarios/latency.ts';
import { scale } from './scenarios/scale.ts';
import { tracing } from './scenarios/tracing.ts';

const SCENARIOS: Record<string, Scenario> = { ingest, tracing, delivery, latency, burst, scale };

function arg(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (!hit) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : '';
}

const mode: Mode =
  arg('smoke') !== undefined ? 'smoke' : arg('quick') !== undefined ? 'quick' : 'full';
const only = arg('only')?.split(',') ?? Object.keys(SCENARIOS);
const stores = (arg('store')?.split(',') ?? ['sqlite', 'postgres']) as Backend[];
const jsonOut = arg('json');
// `--set=burstEvents=20000,reps=1` overrides the mode's sizes (for investigating one effect).
const sizes = { ...SIZES[mode] };
for (const pair of arg('set')?.split(',') ?? []) {
  const [key, value] = pair.split('=');
  if (!key || !(key in sizes) || !Number.isInteger(Number(value))) {
    process.stderr.write(`bad --set ${pair}; keys: ${Object.keys(sizes).join(', ')}\n`);
    process.exit(2);
  }
  sizes[key as keyof typeof sizes] = Number(value);
}
const quiet = arg('quiet') !== undefined;
const log = (msg: string) => {
  if (!quiet) process.stderr.write(`${msg}\n`);
};

for (const name of only) {
  if (!SCENARIOS[name]) {
    process.stderr.write(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}\n`);
    process.exit(2);
  }
}

async function runStore(backend: Backend): Promise<Row[]> {
  const rows: Row[] = [];
  const unreachable = backend === 'postgres' ? await postgresReachable() : null;
  for (const name of only) {
    const scenario = SCENARIOS[name] as Scenario;
    if (unreachable) {
      rows.push(...notRunnable(name, backend, ['(all)'], `PostgreSQL unreachable: ${unreachable}`));
      continue;
    }
    const t0 = performance.now();
    log(`== ${name} on ${backend} (${mode})`);
    try {
      rows.push(...(await scenario({ backend, mode, sizes, log })));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log(`   ${name} on ${backend} failed: ${reason}`);
      rows.push(...notRunnable(name, backend, ['(all)'], reason));
    }
    log(`   ${name} on ${backend}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return rows;
}

const started = performance.now();
// Timed runs measure one store at a time; the smoke run (no timing) runs them side by side.
const rows: Row[] =
  mode === 'smoke'
    ? (await Promise.all(stores.map(runStore))).flat()
    : await stores.reduce<Promise<Row[]>>(
        async (acc, b) => [...(await acc), ...(await runStore(b))],
        Promise.resolve([]),
      );

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const header =
  `Herald benchmarks (${mode}, ${sizes.reps} repetition(s), medians): ${cpu}, ${cpus().length} cores, ` +
  `${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}; ` +
  `took ${((performance.now() - started) / 1000).toFixed(0)} s`;
process.stdout.write(`${header}\n\n${markdownTable(rows)}\n`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ mode, rows }, null, 2));
