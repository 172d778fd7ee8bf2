// Pull consumers for the latency scenario: a long-poll loop and an SSE stream,
// each reporting every event's data.n with its arrival time.
import type { Api } from './load.ts';

export type OnEvent = (n: number, at: number) => void;

interface WireEvent {
  id: string;
  data?: { n?: number };
}

/** GET /events?after=..&wait=30 in a loop until stopped; returns a stop function. */
export function longPoll(client: Api, after: string, onEvent: OnEvent): () => Promise<void> {
  const abort = new AbortController();
  let cursor = after;
  let error: unknown = null;
  const loop = (async () => {
    while (!abort.signal.aborted) {
      const res = await client.pool.request({
        method: 'GET',
        path: `/events?after=${cursor}&limit=100&wait=30`,
        headers: { authorization: client.authorization },
        signal: abort.signal,
      });
      const text = await res.body.text();
      const at = performance.now();
      if (res.statusCode !== 200) throw new Error(`long poll answered ${res.statusCode}`);
      const page = JSON.parse(text) as {
        data: WireEvent[];
        list_metadata: { after: string | null };
      };
      for (const e of page.data) {
        if (typeof e.data?.n === 'number') onEvent(e.data.n, at);
      }
      cursor = page.list_metadata.after ?? cursor;
    }
  })().catch((err) => {
    if (!abort.signal.aborted) error = err;
  });
  return async () => {
    abort.abort();
    await loop;
    if (error) throw error;
  };
}

/** GET /events/stream after `after`; returns a stop function. */
export async function sse(client: Api, after: string, onEvent: OnEvent): Promise<() => void> {
  const abort = new AbortController();
  const res = await client.pool.request({
    method: 'GET',
    path: `/events/stream?after=${after}`,
    headers: { authorization: client.authorization, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (res.statusCode !== 200) throw new Error(`SSE answered ${res.statusCode}`);
  let buffer = '';
  res.body.setEncoding('utf8');
  res.body.on('data', (chunk: string) => {
    const at = performance.now();
    buffer += chunk;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const data = message.split('\n').find((l) => l.startsWith('data: '));
      if (!data) continue;
      const e = JSON.parse(data.slice(6)) as WireEvent;
      if (typeof e.data?.n === 'number') onEvent(e.data.n, at);
    }
  });
  res.body.on('error', () => {});
  return () => abort.abort();
}
