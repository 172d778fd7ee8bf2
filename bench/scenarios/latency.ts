// Latency: events published at a steady rate (1,000/s) with 1 KB payloads;
// each consumer records when each event arrived: the webhook receiver (one
// endpoint), a long-poll loop and an SSE stream, all at once, all in the bench
// process, so send and arrival times share one clock. Latency = arrival −
// the moment the POST /events was sent (it includes the commit).
import { BenchStorage } from '../lib/backends.ts';
import { longPoll, sse } from '../lib/consumers.ts';
import { createEndpoint } from '../lib/herald-api.ts';
import { api, event1k } from '../lib/load.ts';
import { startBenchReceiver } from '../lib/receiver.ts';
import { notRunnable, type Row, type Scenario } from '../lib/report.ts';
import { type ChildServer, startHeraldServer } from '../lib/server-process.ts';
import { fmtMs, median, percentile, sleep } from '../lib/stats.ts';

type Consumer = 'webhook' | 'long poll' | 'SSE';

/** Sends `rate` events/s for `ms`; resolves with send times by n and the failures. */
async function paced(
  send: (n: number) => Promise<boolean>,
  from: number,
  rate: number,
  ms: number,
): Promise<{ sentAt: Map<number, number>; failed: number }> {
  const sentAt = new Map<number, number>();
  const pending: Promise<void>[] = [];
  let failed = 0;
  let sent = 0;
  const start = performance.now();
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= ms) break;
    const due = Math.floor((elapsed * rate) / 1000) - sent;
    for (let i = 0; i < due; i++) {
      const n = from + sent++;
      sentAt.set(n, performance.now());
      pending.push(
        send(n).then(
          (ok) => {
            if (!ok) failed += 1;
          },
          () => {
            failed += 1;
          },
        ),
      );
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { sentAt, failed };
}

export const latency: Scenario = async (ctx) => {
  const { sizes, backend } = ctx;
  const storage = new BenchStorage(backend);
  const rx = await startBenchReceiver();
  let server: ChildServer | null = null;
  const rate = sizes.latencyRate;
  try {
    const { key } = await storage.key();
    server = await startHeraldServer(storage.env());
    const h = api(server.url, key, 32);
    const consumerApi = api(server.url, key, 2);
    let webhookError: string | null = null;
    try {
      if (process.env.BENCH_LATENCY_NO_WEBHOOK) throw new Error('BENCH_LATENCY_NO_WEBHOOK is set');
      await createEndpoint(h, { url: `${rx.url}/latency`, max_concurrency: 10 });
    } catch (err) {
      webhookError = (err as Error).message;
    }
    const consumers: Consumer[] = webhookError
      ? ['long poll', 'SSE']
      : ['webhook', 'long poll', 'SSE'];
    const samples = new Map<
      Consumer,
      { p50: number[]; p95: number[]; p99: number[]; loss: number }
    >(consumers.map((c) => [c, { p50: [], p95: [], p99: [], loss: 0 }]));
    // A first event gives the consumers a cursor to start after.
    await h.call('POST', '/events', JSON.stringify(event1k(-1)));
    let from = 0;
    for (let rep = 0; rep <= sizes.reps; rep++) {
      // rep 0 is a warm-up at a tenth of the duration, not counted.
      const ms = rep === 0 ? Math.max(200, sizes.latencyMs / 10) : sizes.latencyMs;
      const head = await h.call('GET', '/events?order=desc&limit=1');
      const cursor: string = head.body.data[0]?.id ?? '';
      const arrivals = new Map<Consumer, Map<number, number>>(consumers.map((c) => [c, new Map()]));
      const record = (c: Consumer) => (n: number, at: number) => {
        const m = arrivals.get(c) as Map<number, number>;
        if (!m.has(n)) m.set(n, at);
      };
      rx.onEvent = (n, _path, at) => record('webhook')(n, at);
      const stopSse = await sse(consumerApi, cursor, record('SSE'));
      const stopPoll = longPoll(consumerApi, cursor, record('long poll'));
      await sleep(50);
      const { sentAt, failed } = await paced(
        async (n) => (await h.call('POST', '/events', JSON.stringify(event1k(n)))).status === 201,
        from,
        rate,
        ms,
      );
      from += sentAt.size;
      const deadline = Date.now() + 3_000 + ms;
      const complete = () => consumers.every((c) => (arrivals.get(c)?.size ?? 0) >= sentAt.size);
      while (!complete() && Date.now() < deadline) await sleep(10);
      stopSse();
      await stopPoll();
      rx.onEvent = null;
      if (rep === 0) continue;
      const parts: string[] = [];
      for (const c of consumers) {
        // Only this repetition's events (late webhooks of an earlier one are ignored).
        const got = new Map(
          [...(arrivals.get(c) as Map<number, number>)].filter(([n]) => sentAt.has(n)),
        );
        const lat = [...got].map(([n, at]) => at - (sentAt.get(n) as number));
        const s = samples.get(c) as { p50: number[]; p95: number[]; p99: number[]; loss: number };
        s.p50.push(percentile(lat, 50));
        s.p95.push(percentile(lat, 95));
        s.p99.push(percentile(lat, 99));
        s.loss += sentAt.size - got.size + failed;
        parts.push(`${c} p50 ${fmtMs(percentile(lat, 50))} p99 ${fmtMs(percentile(lat, 99))}`);
      }
      ctx.log(`latency ${backend} rep ${rep}: ${parts.join(', ')}`);
    }
    await h.close();
    await consumerApi.close();
    const rows: Row[] = [];
    for (const c of consumers) {
      const s = samples.get(c) as { p50: number[]; p95: number[]; p99: number[]; loss: number };
      const p99 = median(s.p99);
      rows.push({
        scenario: 'latency',
        backend,
        metric: `publish → ${c} at ${rate.toLocaleString('en-US')}/s (p50 / ${c === 'webhook' ? 'p95 / ' : ''}p99)`,
        value: `${fmtMs(median(s.p50))} / ${c === 'webhook' ? `${fmtMs(median(s.p95))} / ` : ''}${fmtMs(p99)}`,
        baseline: '',
        ratio: '',
        // Webhook goal: SQLite ≤ 25 ms, PostgreSQL ≤ 50 ms (issue 9).
        goal: c === 'webhook' ? `p99 ≤ ${backend === 'postgres' ? 50 : 25} ms` : 'p99 < 10 ms',
        met: c === 'webhook' ? p99 <= (backend === 'postgres' ? 50 : 25) : p99 < 10,
        loss: s.loss,
      });
    }
    if (webhookError)
      rows.unshift(...notRunnable('latency', backend, ['publish → webhook'], webhookError));
    return rows;
  } finally {
    await server?.stop();
    await rx.close();
    await storage.destroy();
  }
};
