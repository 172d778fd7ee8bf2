// Ingest: events/s accepted over HTTP with 1 KB payloads, single POST /events
// from 32 concurrent clients and POST /events/batch, against the same Fastify
// answering the same requests without storing (a child process too).
// Repetitions interleave Herald and baseline so drift hits both alike.
import { BenchStorage } from '../lib/backends.ts';
import { type Api, api, batchBody, closedLoop, event1k } from '../lib/load.ts';
import type { Row, Scenario } from '../lib/report.ts';
import { type ChildServer, startBaselineServer, startHeraldServer } from '../lib/server-process.ts';
import { fmt, fmtRatio, median } from '../lib/stats.ts';

const CLIENTS = 32;
const BATCH_CLIENTS = 4;

export interface Measured {
  rate: number;
  failed: number;
  firstError: string | null;
}

/** Single-event POST /events from 32 clients in a closed loop for `ms`. */
export async function single(client: Api, ms: number, offset: number): Promise<Measured> {
  const r = await closedLoop(CLIENTS, ms, async (i) => {
    const res = await client.call('POST', '/events', JSON.stringify(event1k(offset + i)));
    return res.status === 201;
  });
  return { rate: (r.ok * 1000) / r.elapsedMs, failed: r.failed, firstError: r.firstError };
}

async function batch(client: Api, ms: number, body: string, size: number): Promise<Measured> {
  const r = await closedLoop(BATCH_CLIENTS, ms, async () => {
    const res = await client.call('POST', '/events/batch', body);
    return res.status === 201;
  });
  return { rate: (r.ok * size * 1000) / r.elapsedMs, failed: r.failed, firstError: r.firstError };
}

export const ingest: Scenario = async (ctx) => {
  const { sizes, backend } = ctx;
  const storage = new BenchStorage(backend);
  const servers: ChildServer[] = [];
  const clients: Api[] = [];
  try {
    const { key } = await storage.key();
    const herald = await startHeraldServer(storage.env());
    servers.push(herald);
    const base = await startBaselineServer();
    servers.push(base);
    const h = api(herald.url, key, CLIENTS);
    const b = api(base.url, null, CLIENTS);
    clients.push(h, b);
    const body = batchBody(0, sizes.batchSize);
    // Warm-up (JIT, connections, first pages of the database).
    const warm = Math.min(500, sizes.ingestMs);
    await single(b, warm, 0);
    await single(h, warm, 0);
    await batch(b, warm, body, sizes.batchSize);
    await batch(h, warm, body, sizes.batchSize);

    const runs: { hs: Measured; bs: Measured; hb: Measured; bb: Measured }[] = [];
    for (let rep = 0; rep < sizes.reps; rep++) {
      const bs = await single(b, sizes.ingestMs, 0);
      const hs = await single(h, sizes.ingestMs, rep * 1_000_000);
      const bb = await batch(b, sizes.ingestMs, body, sizes.batchSize);
      const hb = await batch(h, sizes.ingestMs, body, sizes.batchSize);
      ctx.log(
        `ingest ${backend} rep ${rep + 1}: single ${fmt(hs.rate)}/s (bare ${fmt(bs.rate)}/s), batch ${fmt(hb.rate)} ev/s (bare ${fmt(bb.rate)} ev/s)`,
      );
      const err = hs.firstError ?? hb.firstError ?? bs.firstError ?? bb.firstError;
      if (err) ctx.log(`  first error: ${err}`);
      runs.push({ hs, bs, hb, bb });
    }
    const singleRatio = median(runs.map((r) => r.hs.rate / r.bs.rate));
    const batchRate = median(runs.map((r) => r.hb.rate));
    const rows: Row[] = [
      {
        scenario: 'ingest',
        backend,
        metric: 'POST /events, 32 clients (events/s)',
        value: fmt(median(runs.map((r) => r.hs.rate))),
        baseline: fmt(median(runs.map((r) => r.bs.rate))),
        ratio: fmtRatio(singleRatio),
        goal: '≥ 0.50× framework',
        met: singleRatio >= 0.5,
        loss: runs.reduce((s, r) => s + r.hs.failed + r.bs.failed, 0),
      },
      {
        scenario: 'ingest',
        backend,
        metric: `POST /events/batch of ${sizes.batchSize}, ${BATCH_CLIENTS} clients (events/s)`,
        value: fmt(batchRate),
        baseline: fmt(median(runs.map((r) => r.bb.rate))),
        ratio: fmtRatio(median(runs.map((r) => r.hb.rate / r.bb.rate))),
        goal: backend === 'sqlite' ? '≥ 50,000 events/s' : '',
        met: backend === 'sqlite' ? batchRate >= 50_000 : null,
        loss: runs.reduce((s, r) => s + r.hb.failed + r.bb.failed, 0),
      },
    ];
    return rows;
  } finally {
    for (const c of clients) await c.close();
    for (const s of servers) await s.stop();
    await storage.destroy();
  }
};
