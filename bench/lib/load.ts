// The load generator: undici Pools (never fetch), closed-loop workers, and
// the 1 KB event payload every scenario publishes.
import { Pool } from 'undici';

/** An event whose JSON body is about 1 KB; `n` lets receivers match it to its send time. */
export function event1k(n: number, type = 'bench.created'): Record<string, unknown> {
  return {
    event: type,
    organization_id: 'org_bench',
    data: { n, id: `user_${n}`, email: `user${n}@example.com`, note: 'x'.repeat(900) },
  };
}

export function batchBody(from: number, size: number): string {
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < size; i++) events.push(event1k(from + i));
  return JSON.stringify({ events });
}

export interface Api {
  pool: Pool;
  /** The Authorization header value ('' without a key). */
  authorization: string;
  /** Sends a request; resolves with status and parsed JSON body (or null). */
  call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: string,
  ): Promise<{
    status: number;
    // biome-ignore lint/suspicious/noExplicitAny: bench responses are read field by field
    body: any;
  }>;
  close(): Promise<void>;
}

export function api(url: string, key: string | null, connections = 32): Api {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  return {
    pool,
    authorization: headers.authorization ?? '',
    async call(method, path, body) {
      const res = await pool.request({
        method,
        path,
        headers:
          body === undefined ? (key ? { authorization: headers.authorization } : {}) : headers,
        ...(body === undefined ? {} : { body }),
      });
      const text = await res.body.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      return { status: res.statusCode, body: parsed };
    },
    close: () => pool.close(),
  };
}

export interface LoopResult {
  ok: number;
  failed: number;
  elapsedMs: number;
  firstError: string | null;
}

/**
 * `concurrency` workers each send one request after another until `durationMs`
 * has passed; `send(i)` returns true on success.
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  send: (i: number) => Promise<boolean>,
): Promise<LoopResult> {
  let ok = 0;
  let failed = 0;
  let i = 0;
  let firstError: string | null = null;
  const start = performance.now();
  const end = start + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      try {
        if (await send(i++)) ok += 1;
        else failed += 1;
      } catch (err) {
        failed += 1;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ok, failed, elapsedMs: performance.now() - start, firstError };
}
