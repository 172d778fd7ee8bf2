// One HTTP attempt of one delivery. Builds the exact body and the Standard
// Webhooks headers, sends it through an undici Pool per origin (keep-alive,
// bounded connections), never follows redirects, and turns every result,
// including network errors and timeouts, into an AttemptOutcome value.
//
// SSRF: unless private endpoints are allowed, every connection resolves the
// host through a lookup hook that drops non-public addresses, so a name that
// resolves (or is re-pointed) to a private address is refused at delivery time.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { AttemptOutcome, DeliveryRow, NewAttempt } from '../../domain/delivery.ts';
import type { EndpointRow } from '../../domain/endpoint.ts';
import { ALLOW_PRIVATE_FLAG, isPublicAddress } from '../../domain/endpoint-url.ts';
import { renderSerialized } from '../../domain/payload-format.ts';
import { webhookHeaders } from '../../domain/signature.ts';

export const RESPONSE_BODY_LIMIT = 4096;
/** Response bytes read before the connection is dropped; keeps slow drains bounded. */
const DRAIN_LIMIT = 256 * 1024;
const REDACTED = '[redacted]';

export interface SenderOptions {
  allowPrivate: boolean;
  userAgent: string;
  connectionsPerOrigin: number;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function publicOnlyLookup(
  hostname: string,
  options: { all?: boolean; family?: number },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const allowed = addresses.filter((a) => isPublicAddress(a.address));
    const first = allowed[0];
    if (!first) {
      const e: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to ${addresses.map((a) => a.address).join(', ')}, a private, loopback or reserved address; refused unless the server runs with ${ALLOW_PRIVATE_FLAG}`,
      );
      e.code = 'ERR_PRIVATE_ADDRESS';
      return callback(e, []);
    }
    if (options.all) callback(null, allowed);
    else callback(null, first.address, first.family);
  });
}

function describeError(err: unknown, totalMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: unknown };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT') {
    return `timeout: no complete response within ${totalMs} ms`;
  }
  if (e.code === 'UND_ERR_CONNECT_TIMEOUT') return `connect timeout: ${e.message}`;
  const cause = e.cause as { code?: string; message?: string } | undefined;
  const code = e.code ?? cause?.code;
  const message = e.message ?? String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

export class Sender {
  readonly #opts: SenderOptions;
  readonly #pools = new Map<string, Pool>();

  constructor(opts: SenderOptions) {
    this.#opts = opts;
  }

  #pool(origin: string, connectMs: number): Pool {
    const key = `${origin}|${connectMs}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.#opts.connectionsPerOrigin,
        connect: {
          timeout: connectMs,
          ...(this.#opts.allowPrivate ? {} : { lookup: publicOnlyLookup }),
        },
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  async send(
    ep: EndpointRow,
    delivery: Pick<
      DeliveryRow,
      'id' | 'firstSequence' | 'lastSequence' | 'firstPosition' | 'lastPosition'
    >,
    /** Each event serialized (JSON.stringify of its public shape). */
    events: readonly string[],
    now = new Date(),
  ): Promise<AttemptOutcome> {
    const rendered = renderSerialized(ep.format, events, { source: ep.source });
    const secrets = ep.secrets
      .filter((s) => s.expiresAt === null || s.expiresAt > now)
      .map((s) => s.secret);
    const range = (a: number, b: number) => (a === b ? String(a) : `${a}-${b}`);
    const headers: Record<string, string> = {
      ...ep.headers,
      'content-type': ep.contentType ?? rendered.contentType,
      'user-agent': this.#opts.userAgent,
      'webhook-sequence': range(delivery.firstSequence, delivery.lastSequence),
      ...rendered.headers,
      ...webhookHeaders({
        msgId: delivery.id,
        timestamp: Math.floor(now.getTime() / 1000),
        body: rendered.body,
        secrets,
      }),
    };
    // Position among the events this endpoint subscribes to: gap-free, so a
    // receiver can tell a missed delivery from a filtered-out event.
    if (delivery.firstPosition !== null && delivery.lastPosition !== null) {
      headers['webhook-endpoint-sequence'] = range(delivery.firstPosition, delivery.lastPosition);
    }
    if (ep.authorization !== null) headers.authorization = ep.authorization;
    const recorded = { ...headers };
    if (recorded.authorization !== undefined) recorded.authorization = REDACTED;
    for (const name of Object.keys(ep.headers)) recorded[name] = REDACTED;
    const attempt = (fields: Partial<NewAttempt>, started: number): NewAttempt => ({
      attemptedAt: now,
      requestHeaders: recorded,
      responseStatus: null,
      responseBody: null,
      latencyMs: Math.round(performance.now() - started),
      error: null,
      ...fields,
    });
    const started = performance.now();
    const url = new URL(ep.url);
    // Names are vetted by the lookup hook; IP literals never reach it.
    const ip = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    if (!this.#opts.allowPrivate && isIP(ip) !== 0 && !isPublicAddress(ip)) {
      const error = `${ip} is a private, loopback or reserved address; refused unless the server runs with ${ALLOW_PRIVATE_FLAG}`;
      return { ok: false, status: null, retryAfter: null, attempt: attempt({ error }, started) };
    }
    const totalMs = ep.timeoutConnectMs + ep.timeoutResponseMs;
    try {
      const res = await this.#pool(url.origin, ep.timeoutConnectMs).request({
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers,
        body: rendered.body,
        headersTimeout: ep.timeoutResponseMs,
        bodyTimeout: ep.timeoutResponseMs,
        signal: AbortSignal.timeout(totalMs),
      });
      const body = await readHead(res.body);
      const retryAfter = res.headers['retry-after'];
      return {
        // undici does not follow redirects here, so a 3xx is a failure like any non-2xx.
        ok: res.statusCode >= 200 && res.statusCode < 300,
        status: res.statusCode,
        retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
        attempt: attempt({ responseStatus: res.statusCode, responseBody: body }, started),
      };
    } catch (err) {
      const error = describeError(err, totalMs);
      return { ok: false, status: null, retryAfter: null, attempt: attempt({ error }, started) };
    }
  }

  /** Plain JSON POST for notifications: same SSRF rules, no signature. */
  async postJson(rawUrl: string, payload: unknown, timeoutMs = 10_000): Promise<number | null> {
    const url = new URL(rawUrl);
    try {
      const res = await this.#pool(url.origin, 5_000).request({
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers: { 'content-type': 'application/json', 'user-agent': this.#opts.userAgent },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body.dump();
      return res.statusCode;
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => {})));
  }
}

async function readHead(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.length;
    if (kept < RESPONSE_BODY_LIMIT) {
      const part = chunk.subarray(0, RESPONSE_BODY_LIMIT - kept);
      chunks.push(part);
      kept += part.length;
    }
    if (seen > DRAIN_LIMIT) {
      body.destroy();
      break;
    }
  }
  // A multi-byte character cut at the limit decodes as U+FFFD, which is fine for a log.
  return Buffer.concat(chunks).toString('utf8');
}
