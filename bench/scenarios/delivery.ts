// Delivery: webhooks/s from Herald to a local receiver, for one endpoint and
// for ten, against a bare undici Pool posting the same bodies to the same
// receiver from a child process (as Herald's sender is one) with the same
// concurrency and connection count. Herald's run starts when its endpoints are
// enabled over a backlog published while they were disabled, and ends when
// the receiver has seen every event id on every endpoint.
import { spawn } from 'node:child_process';
import { BenchStorage } from '../lib/backends.ts';
import {
  createEndpoint,
  deleteEndpoint,
  publishBatches,
  setEndpointActive,
} from '../lib/herald-api.ts';
import { type Api, api } from '../lib/load.ts';
import { type BenchReceiver, startBenchReceiver } from '../lib/receiver.ts';
import { notRunnable, type Row, type Scenario } from '../lib/report.ts';
import { type ChildServer, ROOT, startHeraldServer } from '../lib/server-process.ts';
import { fmt, fmtRatio, median } from '../lib/stats.ts';

/** Per-endpoint max_concurrency; Herald's sender keeps 10 connections per origin. */
const MAX_CONCURRENCY = 10;
const CONNECTIONS = 10;

function bareClient(url: string, count: number, paths: number, concurrency: number) {
  return new Promise<{ elapsedMs: number; ok: number; failed: number }>((resolve, reject) => {
    const args = [String(count), String(paths), String(concurrency), String(CONNECTIONS)];
    const child = spawn(process.execPath, ['bench/lib/bare-client.ts', url, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bare client exited ${code}`)),
    );
  });
}

async function heraldRun(
  h: Api,
  rx: BenchReceiver,
  endpoints: number,
  events: number,
  from: number,
  tag: string,
): Promise<{ rate: number; loss: number }> {
  const ids: string[] = [];
  for (let i = 0; i < endpoints; i++) {
    ids.push(
      await createEndpoint(h, {
        url: `${rx.url}/${tag}-${i}`,
        max_concurrency: MAX_CONCURRENCY,
        active: false,
      }),
    );
  }
  const perEndpoint = Math.ceil(events / endpoints);
  const refused = await publishBatches(h, from, perEndpoint);
  rx.reset();
  const start = performance.now();
  for (const id of ids) await setEndpointActive(h, id, true);
  const total = perEndpoint * endpoints;
  await rx.waitForDistinct(total, 60_000 + total * 5);
  const elapsed = performance.now() - start;
  const loss = total - rx.distinct + refused;
  for (const id of ids) await deleteEndpoint(h, id);
  return { rate: (rx.distinct * 1000) / elapsed, loss };
}

export const delivery: Scenario = async (ctx) => {
  const { sizes, backend } = ctx;
  const storage = new BenchStorage(backend);
  let server: ChildServer | null = null;
  let h: Api | null = null;
  const rx = await startBenchReceiver();
  const metrics = ['1 endpoint (webhooks/s)', '10 endpoints (webhooks/s)'];
  try {
    const { key } = await storage.key();
    server = await startHeraldServer(storage.env());
    h = api(server.url, key, 8);
    try {
      // Warm-up, and the check that push delivery works on this store at all.
      await heraldRun(h, rx, 1, Math.min(200, sizes.deliveryEvents), 0, 'warm');
    } catch (err) {
      return notRunnable('delivery', backend, metrics, String((err as Error).message ?? err));
    }
    const rows: Row[] = [];
    let from = 1_000_000;
    for (const endpoints of [1, 10]) {
      const runs: { herald: number; bare: number; loss: number }[] = [];
      for (let rep = 0; rep < sizes.reps; rep++) {
        rx.reset();
        const concurrency = Math.min(100, MAX_CONCURRENCY * endpoints);
        const b = await bareClient(rx.url, sizes.deliveryEvents, endpoints, concurrency);
        const bareLoss = sizes.deliveryEvents - rx.distinct + b.failed;
        const bare = (b.ok * 1000) / b.elapsedMs;
        const hr = await heraldRun(
          h,
          rx,
          endpoints,
          sizes.deliveryEvents,
          from,
          `r${rep}e${endpoints}`,
        );
        from += sizes.deliveryEvents;
        ctx.log(
          `delivery ${backend} ${endpoints} ep rep ${rep + 1}: Herald ${fmt(hr.rate)}/s, bare ${fmt(bare)}/s, loss ${hr.loss}+${bareLoss}`,
        );
        runs.push({ herald: hr.rate, bare, loss: hr.loss + bareLoss });
      }
      const eff = median(runs.map((r) => r.herald / r.bare));
      rows.push({
        scenario: 'delivery',
        backend,
        metric: metrics[endpoints === 1 ? 0 : 1] as string,
        value: fmt(median(runs.map((r) => r.herald))),
        baseline: fmt(median(runs.map((r) => r.bare))),
        ratio: fmtRatio(eff),
        goal: '≥ 0.80× bare client',
        met: eff >= 0.8,
        loss: runs.reduce((s, r) => s + r.loss, 0),
      });
    }
    return rows;
  } finally {
    await h?.close();
    await server?.stop();
    await rx.close();
    await storage.destroy();
  }
};
