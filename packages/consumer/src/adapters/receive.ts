// What every framework adapter does with a request's raw body: verify it,
// hand the events over, and choose the status Herald should see.
import { InvalidPayloadError, WebhookVerificationError } from '../errors.ts';
import type { HeadersLike, HeraldEvent } from '../types.ts';
import { type VerifyOptions, verify } from '../verify.ts';

export interface WebhookHandlerOptions extends VerifyOptions {
  secret: string | readonly string[];
  /**
   * Receives the verified events of one delivery. Keep it fast (put the
   * events on a queue and return): the 2xx goes out when it resolves, and a
   * rejection answers 500 so Herald delivers again.
   */
  onEvents(events: HeraldEvent[], headers: HeadersLike): void | Promise<void>;
  /** Largest body read (default 10 MiB). */
  limitBytes?: number;
  /** Hears about refused requests and failed onEvents calls (default: nothing). */
  onError?(error: unknown): void;
}

export const DEFAULT_LIMIT_BYTES = 10 * 1024 * 1024;

export interface Answer {
  status: number;
  body: string;
}

const json = (status: number, message: string): Answer => ({
  status,
  body: JSON.stringify({ error: message }),
});

export async function receive(
  rawBody: Uint8Array | string,
  headers: HeadersLike,
  opts: WebhookHandlerOptions,
): Promise<Answer> {
  let events: HeraldEvent[];
  try {
    events = verify(rawBody, headers, opts.secret, opts);
  } catch (err) {
    opts.onError?.(err);
    if (err instanceof InvalidPayloadError) return json(400, err.message);
    if (err instanceof WebhookVerificationError) return json(401, err.message);
    throw err;
  }
  try {
    await opts.onEvents(events, headers);
  } catch (err) {
    opts.onError?.(err);
    return json(500, 'the events could not be accepted');
  }
  return { status: 200, body: '' };
}
