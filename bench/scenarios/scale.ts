// Scale: Events API page time (GET /events?limit=100&after=<cursor at 90% of
// the log>) with a small and a large log, and the server's memory while one
// endpoint pointing at a closed port has the whole log undelivered. The bulk is
// loaded through Store.eventAppend in batches of 1,000 from the bench process
// while the server is stopped; the dead endpoint is created first (over HTTP,
// disabled), so every loaded event is owed to it. Pages are timed while it is
// disabled; then it is enabled and the RSS is read after settleMs of failing
// deliveries, and it is disabled again.
import { BenchStorage } from '../lib/backends.ts';
import { createEndpoint, setEndpointActive } from '../lib/herald-api.ts';
import { api } from '../lib/load.ts';
import { notRunnable, type Row, type Scenario } from '../lib/report.ts';
import { freePort, startHeraldServer } from '../lib/server-process.ts';
import { fmt, fmtMb, fmtMs, fmtRatio, median, percentile, sleep } from '../lib/stats.ts';

const LOAD_BATCH = 1_000;

async function load(storage: BenchStorage, tenantId: string, from: number, to: number) {
  const store = await storage.open();
  try {
    for (let n = from; n < to; n += LOAD_BATCH) {
      const events = [];
      for (let i = n; i < Math.min(to, n + LOAD_BATCH); i++) {
        events.push({
          type: i % 2 === 0 ? 'user.created' : 'user.updated',
          data: { n: i, id: `user_${i}`, email: `user${i}@example.com` },
          organizationId: `org_${i % 100}`,
          idempotencyKey: null,
        });
      }
      await store.eventAppend({ tenantId, events });
    }
    const deep = Math.max(1, Math.min(Math.floor(to * 0.9), to - 100));
    const [e] = await store.eventList({
      tenantId,
      afterSequence: deep - 1,
      order: 'asc',
      limit: 1,
      types: null,
      organizationId: null,
      rangeStart: null,
      rangeEnd: null,
    });
    if (!e) throw new Error('no event at the cursor depth');
    return e.id;
  } finally {
    await store.close();
  }
}

interface Measured {
  pageP50: number[];
  pageP99: number;
  rssKb: number;
}

async function measure(
  storage: BenchStorage,
  key: string,
  deadEndpoint: string | null,
  cursor: string,
  samples: number,
  reps: number,
  settleMs: number,
): Promise<Measured> {
  const server = await startHeraldServer(storage.env());
  const h = api(server.url, key, 1);
  try {
    const pageP50: number[] = [];
    const all: number[] = [];
    for (let rep = 0; rep <= reps; rep++) {
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        const t = performance.now();
        const res = await h.call('GET', `/events?limit=100&after=${cursor}`);
        times.push(performance.now() - t);
        if (res.status !== 200 || res.body.data.length !== 100)
          throw new Error(`page answered ${res.status} with ${res.body?.data?.length} events`);
      }
      if (rep === 0) continue; // warm-up
      pageP50.push(percentile(times, 50));
      all.push(...times);
    }
    let rssKb = Number.NaN;
    if (deadEndpoint) {
      await setEndpointActive(h, deadEndpoint, true);
      await sleep(settleMs); // the dispatcher and worker reach their steady state
      rssKb = server.peakRssKb();
      await setEndpointActive(h, deadEndpoint, false);
    }
    return { pageP50, pageP99: percentile(all, 99), rssKb };
  } finally {
    await h.close();
    await server.stop();
  }
}

export const scale: Scenario = async (ctx) => {
  const { sizes, backend } = ctx;
  const storage = new BenchStorage(backend);
  try {
    const { key, tenantId } = await storage.key();
    let deadError: string | null = null;
    let dead: string | null = null;
    {
      const server = await startHeraldServer(storage.env());
      const h = api(server.url, key, 1);
      try {
        const url = `http://127.0.0.1:${await freePort()}/dead`;
        dead = await createEndpoint(h, { url, active: false });
      } catch (err) {
        deadError = (err as Error).message;
      } finally {
        await h.close();
        await server.stop();
      }
    }
    const t0 = performance.now();
    const smallCursor = await load(storage, tenantId, 0, sizes.scaleSmall);
    const small = await measure(
      storage,
      key,
      dead,
      smallCursor,
      sizes.pageSamples,
      sizes.reps,
      sizes.settleMs,
    );
    const largeCursor = await load(storage, tenantId, sizes.scaleSmall, sizes.scaleLarge);
    const loadS = (performance.now() - t0) / 1000;
    const large = await measure(
      storage,
      key,
      dead,
      largeCursor,
      sizes.pageSamples,
      sizes.reps,
      sizes.settleMs,
    );
    const s50 = median(small.pageP50);
    const l50 = median(large.pageP50);
    ctx.log(
      `scale ${backend}: loaded ${fmt(sizes.scaleLarge)} events (plus two server runs) in ${loadS.toFixed(1)} s; page p50 ${fmtMs(s50)} → ${fmtMs(l50)}, RSS ${fmtMb(small.rssKb)} → ${fmtMb(large.rssKb)}`,
    );
    const base = { scenario: 'scale', backend, loss: 0 } as const;
    const rows: Row[] = [
      {
        ...base,
        metric: `GET /events page of 100 at 90% depth, p50 (p99): ${fmt(sizes.scaleLarge)} events vs ${fmt(sizes.scaleSmall)}`,
        value: `${fmtMs(l50)} (${fmtMs(large.pageP99)})`,
        baseline: `${fmtMs(s50)} (${fmtMs(small.pageP99)})`,
        ratio: fmtRatio(l50 / s50),
        goal: 'flat (≤ 1.5×)',
        met: l50 / s50 <= 1.5,
      },
    ];
    if (deadError) {
      rows.push(...notRunnable('scale', backend, ['memory with a dead endpoint'], deadError));
    } else {
      const ratio = large.rssKb / small.rssKb;
      rows.push({
        ...base,
        metric: `server peak RSS, ${fmt(sizes.scaleLarge)} vs ${fmt(sizes.scaleSmall)} events undelivered to a dead endpoint`,
        value: fmtMb(large.rssKb),
        baseline: fmtMb(small.rssKb),
        ratio: fmtRatio(ratio),
        goal: 'bounded (≤ 1.5×)',
        met: ratio <= 1.5,
      });
    }
    return rows;
  } finally {
    await storage.destroy();
  }
};
