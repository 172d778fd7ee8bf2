// Tracing: what OpenTelemetry costs single-event ingest (a server span and a
// publish span per request). Two Herald servers on storage of their own: one
// as every other scenario runs it (no OTLP endpoint: no SDK is loaded and no
// span is made), one exporting to an OTLP/HTTP sink on 127.0.0.1 in this
// process. Repetitions alternate; the row is on ÷ off.
import { createServer, type Server } from 'node:http';
import { BenchStorage } from '../lib/backends.ts';
import { type Api, api } from '../lib/load.ts';
import type { Row, Scenario } from '../lib/report.ts';
import { type ChildServer, startHeraldServer } from '../lib/server-process.ts';
import { fmt, fmtRatio, median } from '../lib/stats.ts';
import { single } from './ingest.ts';

async function startSink(): Promise<{ url: string; server: Server; spansBytes: () => number }> {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server, spansBytes: () => bytes };
}

export const tracing: Scenario = async (ctx) => {
  const { sizes, backend } = ctx;
  const offStore = new BenchStorage(backend);
  const onStore = new BenchStorage(backend);
  const sink = await startSink();
  const servers: ChildServer[] = [];
  const clients: Api[] = [];
  try {
    const off = await startHeraldServer(offStore.env());
    servers.push(off);
    const on = await startHeraldServer({
      ...onStore.env(),
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    });
    servers.push(on);
    const hOff = api(off.url, (await offStore.key()).key, 32);
    const hOn = api(on.url, (await onStore.key()).key, 32);
    clients.push(hOff, hOn);
    const warm = Math.min(500, sizes.ingestMs);
    await single(hOff, warm, 0);
    await single(hOn, warm, 0);
    const runs: { off: number; on: number; failed: number }[] = [];
    for (let rep = 0; rep < sizes.reps; rep++) {
      const a = await single(hOff, sizes.ingestMs, (rep + 1) * 1_000_000);
      const b = await single(hOn, sizes.ingestMs, (rep + 1) * 1_000_000);
      ctx.log(
        `tracing ${backend} rep ${rep + 1}: off ${fmt(a.rate)}/s, on ${fmt(b.rate)}/s (${fmt(sink.spansBytes())} bytes of spans so far)`,
      );
      runs.push({ off: a.rate, on: b.rate, failed: a.failed + b.failed });
    }
    const row: Row = {
      scenario: 'tracing',
      backend,
      metric:
        'POST /events, 32 clients: traces exported over OTLP (events/s; no OTLP endpoint as baseline)',
      value: fmt(median(runs.map((r) => r.on))),
      baseline: fmt(median(runs.map((r) => r.off))),
      ratio: fmtRatio(median(runs.map((r) => r.on / r.off))),
      goal: '',
      met: sink.spansBytes() > 0 ? null : false,
      loss: runs.reduce((s, r) => s + r.failed, 0),
    };
    return [row];
  } finally {
    for (const c of clients) await c.close();
    for (const s of servers) await s.stop();
    await new Promise((r) => sink.server.close(r));
    await offStore.destroy();
    await onStore.destroy();
  }
};
