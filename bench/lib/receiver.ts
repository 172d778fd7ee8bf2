// The webhook receiver: a bare node:http server on 127.0.0.1 (in the bench
// process) that answers 200 at once and counts distinct event ids per path,
// the proof that every event arrived. Optionally reports each event's `data.n`
// with its arrival time, for latency.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep } from './stats.ts';

export interface BenchReceiver {
  url: string;
  /** Requests answered. */
  readonly requests: number;
  /** Distinct (path, event id) pairs seen. */
  readonly distinct: number;
  /** Events seen more than once on the same path (retries after a lost answer). */
  readonly duplicates: number;
  onEvent: ((n: number, path: string, at: number) => void) | null;
  reset(): void;
  /** Resolves true once `count` distinct events arrived, false at the timeout. */
  waitForDistinct(count: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

interface WireEvent {
  id?: string;
  data?: { n?: number };
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  let seen = new Set<string>();
  let requests = 0;
  let duplicates = 0;
  const r: BenchReceiver = {
    url: '',
    get requests() {
      return requests;
    },
    get distinct() {
      return seen.size;
    },
    get duplicates() {
      return duplicates;
    },
    onEvent: null,
    reset() {
      seen = new Set();
      requests = 0;
      duplicates = 0;
    },
    async waitForDistinct(count, timeoutMs) {
      const end = Date.now() + timeoutMs;
      while (seen.size < count) {
        if (Date.now() > end) return false;
        await sleep(5);
      }
      return true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      requests += 1;
      const path = req.url ?? '/';
      let parsed: WireEvent | WireEvent[] = {};
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WireEvent | WireEvent[];
      } catch {
        // counted as a request without events
      }
      for (const e of Array.isArray(parsed) ? parsed : [parsed]) {
        if (typeof e.id !== 'string') continue;
        const k = `${path} ${e.id}`;
        if (seen.has(k)) duplicates += 1;
        else seen.add(k);
        if (r.onEvent && typeof e.data?.n === 'number') r.onEvent(e.data.n, path, at);
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}
