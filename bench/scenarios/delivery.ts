// Delivery: webhooks/s from Herald to a local receiver, for one endpoint and
// for ten, against a bare undici Pool posting the same bodies to the same
// receiver from a child process (as Herald's sender is one) with the same
// concurrency and connection count. Herald's run starts when its endpoints are
// enabled over a backlog published while they were disabled, and ends when
// the receiver has seen every event id on every endpoint.
//
// Peers (not in --smoke): hand-rolled senders on pg-boss and on BullMQ doing
// the same job for one endpoint (bench/lib/peer-child.ts), interleaved with
// the one-endpoint repetitions and timed the same way (worker started over a
// published backlog; `--peer-clock=publish` times from the first publish
// instead). Rows: each peer against the bare client, and each Herald row
// against the faster peer.
import { BenchStorage } from '../lib/backends.ts';
import {
  createEndpoint,
  deleteEndpoint,
  publishBatches,
  setEndpointActive,
} from '../lib/herald-api.ts';
import { type Api, api } from '../lib/load.ts';
import {
  describePeerRun,
  type PeerKind,
  type PeerRun,
  Peers,
  peerClockFromArgv,
  runBareClient,
} from '../lib/peers.ts';
import { type BenchReceiver, startBenchReceiver } from '../lib/receiver.ts';
import { notRunnable, type Row, type Scenario } from '../lib/report.ts';
import { type ChildServer, loopCpuMs, startHeraldServer } from '../lib/server-process.ts';
import { fmt, fmtRatio, median } from '../lib/stats.ts';

/** Per-endpoint max_concurrency; Herald's sender keeps 10 connections per origin. */
const MAX_CONCURRENCY = 10;

async function heraldRun(
  h: Api,
  pid: number,
  rx: BenchReceiver,
  endpoints: number,
  events: number,
  from: number,
  tag: string,
): Promise<{ rate: number; loss: number; cpuUs: number }> {
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
  const cpuStart = loopCpuMs(pid);
  for (const id of ids) await setEndpointActive(h, id, true);
  const total = perEndpoint * endpoints;
  await rx.waitForDistinct(total, 60_000 + total * 5);
  const elapsed = performance.now() - start;
  const cpuUs = ((loopCpuMs(pid) - cpuStart) * 1000) / rx.distinct;
  const loss = total - rx.distinct + refused;
  for (const id of ids) await deleteEndpoint(h, id);
  return { rate: (rx.distinct * 1000) / elapsed, loss, cpuUs };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const delivery: Scenario = async (ctx) => {
  const { sizes, backend } = ctx;
  const storage = new BenchStorage(backend);
  let server: ChildServer | null = null;
  let h: Api | null = null;
  let peers: Peers | null = null;
  const rx = await startBenchReceiver();
  const metrics = ['1 endpoint (webhooks/s)', '10 endpoints (webhooks/s)'];
  const cpuMetric = (endpoints: number) =>
    `${endpoints} endpoint${endpoints === 1 ? '' : 's'}: event-loop thread CPU per webhook (µs; bare client's as baseline)`;
  try {
    // Herald's reason for not running, if any; the peers still run without it.
    let heraldDown: string | null = null;
    try {
      const { key } = await storage.key();
      server = await startHeraldServer(storage.env());
      h = api(server.url, key, 8);
      // Warm-up, and the check that push delivery works on this store at all.
      await heraldRun(h, server.pid, rx, 1, Math.min(200, sizes.deliveryEvents), 0, 'warm');
    } catch (err) {
      heraldDown = errText(err);
    }
    if (ctx.mode === 'smoke' || process.argv.includes('--no-peers')) {
      ctx.log('   delivery peers (pg-boss, BullMQ) skipped (--smoke or --no-peers)');
    } else {
      peers = await Peers.start(peerClockFromArgv(), ctx.log);
    }
    if (heraldDown && !peers?.available.length) {
      return notRunnable('delivery', backend, metrics, heraldDown);
    }
    const rows: Row[] = [];
    const peerRuns = new Map<PeerKind, { run: PeerRun; bare: number; herald: number }[]>();
    const peerFailed = new Map<PeerKind, string>();
    const heraldRates = new Map<number, number>();
    let from = 1_000_000;
    for (const endpoints of [1, 10]) {
      const runs: {
        herald: number;
        bare: number;
        loss: number;
        heraldCpu: number;
        bareCpu: number;
      }[] = [];
      for (let rep = 0; rep < sizes.reps; rep++) {
        if (heraldDown && endpoints !== 1) break;
        rx.reset();
        const concurrency = Math.min(100, MAX_CONCURRENCY * endpoints);
        const b = await runBareClient(rx.url, sizes.deliveryEvents, endpoints, concurrency);
        const bareLoss = sizes.deliveryEvents - rx.distinct + b.failed;
        const bare = (b.ok * 1000) / b.elapsedMs;
        const bareCpu = (b.cpuMs * 1000) / Math.max(1, b.ok);
        let hr = { rate: Number.NaN, loss: 0, cpuUs: Number.NaN };
        if (h && server && !heraldDown) {
          hr = await heraldRun(
            h,
            server.pid,
            rx,
            endpoints,
            sizes.deliveryEvents,
            from,
            `r${rep}e${endpoints}`,
          );
          from += sizes.deliveryEvents;
          ctx.log(
            `delivery ${backend} ${endpoints} ep rep ${rep + 1}: Herald ${fmt(hr.rate)}/s (${fmt(hr.cpuUs)} µs CPU each), bare ${fmt(bare)}/s (${fmt(bareCpu)} µs), loss ${hr.loss}+${bareLoss}`,
          );
        }
        runs.push({
          herald: hr.rate,
          bare,
          loss: hr.loss + bareLoss,
          heraldCpu: hr.cpuUs,
          bareCpu,
        });
        if (endpoints !== 1 || !peers) continue;
        for (const p of peers.available) {
          if (peerFailed.has(p.kind)) continue;
          try {
            const run = await peers.run(p.kind, rx, sizes.deliveryEvents, `${backend}${rep}`);
            ctx.log(describePeerRun(p.label, rep + 1, run, peers.clock));
            const list = peerRuns.get(p.kind) ?? [];
            list.push({ run, bare, herald: hr.rate });
            peerRuns.set(p.kind, list);
          } catch (err) {
            peerFailed.set(p.kind, errText(err));
            ctx.log(`   peer ${p.label} failed: ${errText(err)}`);
          }
        }
      }
      const metric = metrics[endpoints === 1 ? 0 : 1] as string;
      if (heraldDown) {
        rows.push(...notRunnable('delivery', backend, [metric], heraldDown));
        continue;
      }
      heraldRates.set(endpoints, median(runs.map((r) => r.herald)));
      const eff = median(runs.map((r) => r.herald / r.bare));
      // Issue 9's goals: SQLite 0.8× the bare client (1 and 10 endpoints), PostgreSQL 0.6× for one.
      const want = backend === 'postgres' ? (endpoints === 1 ? 0.6 : null) : 0.8;
      rows.push({
        scenario: 'delivery',
        backend,
        metric,
        value: fmt(median(runs.map((r) => r.herald))),
        baseline: fmt(median(runs.map((r) => r.bare))),
        ratio: fmtRatio(eff),
        goal: want === null ? '' : `≥ ${want.toFixed(2)}× bare client`,
        met: want === null ? null : eff >= want,
        loss: runs.reduce((s, r) => s + r.loss, 0),
      });
      rows.push({
        scenario: 'delivery',
        backend,
        metric: cpuMetric(endpoints),
        value: fmt(median(runs.map((r) => r.heraldCpu))),
        baseline: fmt(median(runs.map((r) => r.bareCpu))),
        ratio: fmtRatio(median(runs.map((r) => r.heraldCpu / r.bareCpu))),
        goal: '',
        met: null,
        loss: 0,
      });
    }
    if (!peers) {
      rows.push({
        scenario: 'delivery',
        backend,
        metric: 'peers pg-boss, BullMQ (webhooks/s)',
        value: 'skipped (--smoke or --no-peers)',
        baseline: '',
        ratio: '',
        goal: '',
        met: null,
        loss: 0,
      });
      return rows;
    }
    rows.push(...peerRows(ctx.backend, peers, peerRuns, peerFailed, heraldRates));
    return rows;
  } finally {
    await peers?.stop();
    await h?.close();
    await server?.stop();
    await rx.close();
    await storage.destroy();
  }
};

/** One row per peer (÷ bare client), then one per Herald row (÷ the faster peer). */
function peerRows(
  backend: Row['backend'],
  peers: Peers,
  peerRuns: Map<PeerKind, { run: PeerRun; bare: number; herald: number }[]>,
  peerFailed: Map<PeerKind, string>,
  heraldRates: Map<number, number>,
): Row[] {
  const rows: Row[] = [];
  const clock = peers.clock === 'backlog' ? '' : ', from first publish';
  const metricOf = (label: string) =>
    `peer ${label}: 1 endpoint, 10 in flight${clock} (webhooks/s)`;
  let faster: { label: string; rate: number; runs: { run: PeerRun; herald: number }[] } | null =
    null;
  for (const p of peers.all()) {
    const why = peerFailed.get(p.kind) ?? p.reason;
    const runs = peerRuns.get(p.kind) ?? [];
    if (why || runs.length === 0) {
      rows.push(...notRunnable('delivery', backend, [metricOf(p.label)], why ?? 'no runs'));
      continue;
    }
    const rate = median(runs.map((r) => r.run.rate));
    rows.push({
      scenario: 'delivery',
      backend,
      metric: metricOf(p.label),
      value: fmt(rate),
      baseline: fmt(median(runs.map((r) => r.bare))),
      ratio: fmtRatio(median(runs.map((r) => r.run.rate / r.bare))),
      goal: '',
      met: null,
      loss: runs.reduce((s, r) => s + r.run.loss, 0),
    });
    if (!faster || rate > faster.rate) faster = { label: p.label, rate, runs };
  }
  for (const [endpoints, herald] of heraldRates) {
    const metric = `${endpoints === 1 ? '1 endpoint' : `${endpoints} endpoints`}: Herald ÷ faster peer`;
    if (!faster) {
      rows.push(...notRunnable('delivery', backend, [metric], 'no peer ran'));
      continue;
    }
    // One endpoint: median of the per-repetition ratios (the peer ran right
    // after Herald); ten endpoints: ratio of the medians (the peers ran once,
    // for one endpoint, in the one-endpoint repetitions).
    const ratio =
      endpoints === 1
        ? median(faster.runs.map((r) => r.herald / r.run.rate))
        : herald / faster.rate;
    // Goals: SQLite 1.6× the faster peer; PostgreSQL, one endpoint, 1.3×.
    const want = backend === 'postgres' ? (endpoints === 1 ? 1.3 : null) : 1.6;
    rows.push({
      scenario: 'delivery',
      backend,
      metric: `${metric} (${faster.label}; webhooks/s)`,
      value: fmt(herald),
      baseline: fmt(faster.rate),
      ratio: fmtRatio(ratio),
      goal: want === null ? '' : `≥ ${want.toFixed(1)}× faster peer`,
      met: want === null ? null : ratio >= want,
      loss: 0,
    });
  }
  return rows;
}
