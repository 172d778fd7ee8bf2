// Sends one event to the local URL of `herald listen` exactly as an endpoint
// with the default settings (format `json`, one event per request) would
// receive it: the same body bytes, content type, user agent and Standard
// Webhooks headers, signed with the listen secret. Built from the same domain
// functions the delivery engine uses, so the two cannot drift apart.
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { type EventOut, toEventOut } from '../domain/event.ts';
import { levelRank } from '../domain/log-level.ts';
import { renderPayload } from '../domain/payload-format.ts';
import { webhookHeaders } from '../domain/signature.ts';
import { HERALD_VERSION } from '../version.ts';

/** A local handler that hangs should not stall the stream forever. */
const FORWARD_TIMEOUT_MS = 30_000;

export interface ForwardResult {
  status: number | null;
  error: string | null;
  latencyMs: number;
}

export interface ForwardRequest {
  body: string;
  headers: Record<string, string>;
}

/** The request a real delivery of this event would be (Events API shape in, webhook out). */
export function webhookRequest(e: EventOut, secret: string, now = new Date()): ForwardRequest {
  const event = toEventOut({
    id: e.id,
    tenantId: '',
    sequence: e.sequence,
    type: e.event,
    data: e.data,
    organizationId: e.organization_id ?? null,
    level: e.level === undefined ? null : levelRank(e.level),
    createdAt: new Date(e.created_at),
  });
  const rendered = renderPayload('json', [event]);
  return {
    body: rendered.body,
    headers: {
      'content-type': rendered.contentType,
      'user-agent': `Herald/${HERALD_VERSION}`,
      'webhook-sequence': String(e.sequence),
      ...webhookHeaders({
        // Stable per event, so a receiver that dedupes by webhook-id also
        // recognises a forward repeated after a crash.
        msgId: `listen_${e.id}`,
        timestamp: Math.floor(now.getTime() / 1000),
        body: rendered.body,
        secrets: [secret],
      }),
    },
  };
}

export class Forwarder {
  readonly #url: URL;
  readonly #secret: string;
  readonly #agent = new Agent({ connect: { timeout: 10_000 } });

  constructor(url: string, secret: string) {
    this.#url = new URL(url);
    this.#secret = secret;
  }

  async forward(e: EventOut): Promise<ForwardResult> {
    const req = webhookRequest(e, this.#secret);
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const res = await request(this.#url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
      await res.body.dump();
      return { status: res.statusCode, error: null, latencyMs: latency() };
    } catch (err) {
      const e = err as { name?: string; code?: string; message?: string };
      const error =
        e.name === 'TimeoutError'
          ? `no response within ${FORWARD_TIMEOUT_MS} ms`
          : `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`;
      return { status: null, error, latencyMs: latency() };
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
