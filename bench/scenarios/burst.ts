// Burst: N events published as fast as possible (batches of 500, 4 requests
// at a time) to one endpoint with max_concurrency 50. Measures the time until
// the receiver has every event id (drain), the server's peak RSS (sampled from
// /proc every 100 ms, and VmHWM), and proves nothing was lost. A fresh server
// and store per repetition, so the peak is this burst's own.
import { BenchStorage } from '../lib/backends.ts';
import { createEndpoint, publishBatches } from '../lib/herald-api.ts';
import { api } from '../lib/load.ts';
import { startBenchReceiver } from '../lib/receiver.ts';
import { notRunnable, type Row, type Scenario } from '../lib/report.ts';
import { type ChildServer, startHeraldServer } from '../lib/server-process.ts';
import { fmt, fmtMb, median } from '../lib/stats.ts';

interface BurstRun {
  publishMs: number;
  drainMs: number;
  peakRssKb: number;
  hwmKb: number;
  startRssKb: number;
  lost: number;
  duplicates: number;
}

async function once(backend: BenchStorage['backend'], events: number): Promise<BurstRun> {
  const storage = new BenchStorage(backend);
  const rx = await startBenchReceiver();
  let server: ChildServer | null = null;
  try {
    const { key } = await storage.key();
    server = await startHeraldServer(storage.env());
    const h = api(server.url, key, 8);
    await createEndpoint(h, { url: `${rx.url}/burst`, max_concurrency: 50 });
    const startRssKb = server.memory().rss;
    const start = performance.now();
    const refused = await publishBatches(h, 0, events);
    const publishMs = performance.now() - start;
    await rx.waitForDistinct(events - refused, 120_000 + events * 10);
    const drainMs = performance.now() - start;
    const mem = server.memory();
    await h.close();
    return {
      publishMs,
      drainMs,
      peakRssKb: server.peakRssKb(),
      hwmKb: mem.hwm,
      startRssKb,
      lost: events - rx.distinct,
      duplicates: rx.duplicates,
    };
  } finally {
    await server?.stop();
    await rx.close();
    await storage.destroy();
  }
}

export const burst: Scenario = async (ctx) => {
  const { sizes, backend } = ctx;
  const n = sizes.burstEvents;
  const runs: BurstRun[] = [];
  const reps = Math.min(sizes.reps, sizes.burstReps);
  for (let rep = 0; rep < reps; rep++) {
    try {
      runs.push(await once(backend, n));
    } catch (err) {
      if (runs.length > 0) throw err;
      return notRunnable('burst', backend, [`${fmt(n)} events`], (err as Error).message);
    }
    const r = runs.at(-1) as BurstRun;
    ctx.log(
      `burst ${backend} rep ${rep + 1}: published in ${fmt(r.publishMs)} ms, drained in ${fmt(r.drainMs)} ms, peak RSS ${fmtMb(r.peakRssKb)} (HWM ${fmtMb(r.hwmKb)}), lost ${r.lost}, duplicates ${r.duplicates}`,
    );
  }
  const drain = median(runs.map((r) => r.drainMs));
  const publish = median(runs.map((r) => r.publishMs));
  const lost = runs.reduce((s, r) => s + r.lost, 0);
  const peakKb = Math.max(...runs.map((r) => Math.max(r.peakRssKb, r.hwmKb)));
  const goals = ctx.mode !== 'smoke';
  const row = (
    metric: string,
    value: string,
    baseline = '',
    ratio = '',
    goal = '',
    met: boolean | null = null,
  ): Row => ({
    scenario: 'burst',
    backend,
    metric,
    value,
    baseline,
    ratio,
    goal: goals ? goal : '',
    met: goals ? met : null,
    loss: lost,
  });
  return [
    row(
      `${fmt(n)} events to 1 endpoint (max_concurrency 50): drain time (publish time as baseline)`,
      `${fmt(drain / 1000, 1)} s`,
      `${fmt(publish / 1000, 1)} s`,
      `${(drain / publish).toFixed(1)}×`,
    ),
    row('burst: delivered events/s', fmt((n * 1000) / drain)),
    row(
      'burst: server peak RSS (sampled / VmHWM; idle server as baseline)',
      `${fmtMb(median(runs.map((r) => r.peakRssKb)))} / ${fmtMb(median(runs.map((r) => r.hwmKb)))}`,
      fmtMb(median(runs.map((r) => r.startRssKb))),
      '',
      '< 300 MB',
      peakKb < 300 * 1024,
    ),
    row(
      'burst: distinct event ids received (duplicates)',
      `${fmt(runs.reduce((s, r) => s + n - r.lost, 0))} of ${fmt(n * runs.length)} (${runs.reduce((s, r) => s + r.duplicates, 0)})`,
      '',
      '',
      'zero loss',
      lost === 0,
    ),
  ];
};
