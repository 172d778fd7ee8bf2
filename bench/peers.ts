// `node bench/peers.ts [--quick] [--set=deliveryEvents=20000,reps=3] [--peer-clock=publish]`
// Only the delivery scenario's peers (pg-boss, BullMQ) and the bare undici
// client, interleaved per repetition exactly as in the scenario, without
// Herald (nothing of Herald's is started or imported but its signer). Prints
// medians and peer ÷ bare ratios. Full sizes by default (deliveryEvents,
// reps of bench/lib/report.ts); `--smoke` is refused (peers never run there).
import { cpus } from 'node:os';
import {
  describePeerRun,
  type PeerKind,
  Peers,
  peerClockFromArgv,
  runBareClient,
} from './lib/peers.ts';
import { startBenchReceiver } from './lib/receiver.ts';
import { SIZES } from './lib/report.ts';
import { fmt, fmtRatio, median } from './lib/stats.ts';

const argv = process.argv.slice(2);
if (argv.includes('--smoke')) {
  process.stderr.write('peers do not run in --smoke\n');
  process.exit(2);
}
const sizes = { ...SIZES[argv.includes('--quick') ? 'quick' : 'full'] };
const set = argv.find((a) => a.startsWith('--set='))?.slice('--set='.length);
for (const pair of set?.split(',') ?? []) {
  const [key, value] = pair.split('=');
  if ((key !== 'deliveryEvents' && key !== 'reps') || !Number.isInteger(Number(value))) {
    process.stderr.write(`bad --set ${pair}; keys: deliveryEvents, reps\n`);
    process.exit(2);
  }
  sizes[key] = Number(value);
}
const log = (m: string) => process.stderr.write(`${m}\n`);
const n = sizes.deliveryEvents;
const clock = peerClockFromArgv();

const rx = await startBenchReceiver();
const peers = await Peers.start(clock, log);
const bare: number[] = [];
const runs = new Map<PeerKind, { rate: number; ratio: number; first: number; loss: number }[]>();
const failed = new Map<PeerKind, string>();
let bareLoss = 0;
const started = performance.now();
try {
  for (let rep = 0; rep < sizes.reps; rep++) {
    rx.reset();
    const b = await runBareClient(rx.url, n, 1, 10);
    bareLoss += n - rx.distinct + b.failed;
    const bareRate = (b.ok * 1000) / b.elapsedMs;
    bare.push(bareRate);
    log(`bare client rep ${rep + 1}: ${fmt(bareRate)}/s`);
    for (const p of peers.available) {
      if (failed.has(p.kind)) continue;
      try {
        const r = await peers.run(p.kind, rx, n, `s${rep}`);
        log(describePeerRun(p.label, rep + 1, r, clock));
        const list = runs.get(p.kind) ?? [];
        list.push({
          rate: r.rate,
          ratio: r.rate / bareRate,
          first: r.firstPublishRate,
          loss: r.loss,
        });
        runs.set(p.kind, list);
      } catch (err) {
        failed.set(p.kind, err instanceof Error ? err.message : String(err));
        log(`peer ${p.label} failed: ${failed.get(p.kind)}`);
      }
    }
  }
} finally {
  await peers.stop();
  await rx.close();
}

const clockText = clock === 'backlog' ? 'worker start over a published backlog' : 'first publish';
const lines = [
  `Delivery peers (${fmt(n)} events, 1 endpoint, 10 in flight, ${sizes.reps} repetition(s), medians; ` +
    `timed from ${clockText} to last arrival): ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, ` +
    `Node ${process.version}; took ${((performance.now() - started) / 1000).toFixed(0)} s`,
  '',
  '| sender | webhooks/s | bare client | ÷ bare | first publish → last arrival (webhooks/s) | loss |',
  '|---|---:|---:|---:|---:|---:|',
  `| bare undici client | ${fmt(median(bare))} | | | | ${bareLoss} |`,
];
for (const p of peers.all()) {
  const why = failed.get(p.kind) ?? p.reason;
  const list = runs.get(p.kind) ?? [];
  if (why || list.length === 0) {
    lines.push(`| ${p.label} | not runnable: ${(why ?? 'no runs').replaceAll('|', '/')} | | | | |`);
    continue;
  }
  lines.push(
    `| ${p.label} | ${fmt(median(list.map((r) => r.rate)))} | ${fmt(median(bare))} | ` +
      `${fmtRatio(median(list.map((r) => r.ratio)))} | ${fmt(median(list.map((r) => r.first)))} | ` +
      `${list.reduce((s, r) => s + r.loss, 0)} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
