// Standard Webhooks verification (https://www.standardwebhooks.com/) of a
// Herald delivery, whatever its format: one event (json), a JSON array
// (json_array) or one event per line (json_lines). During a secret rotation
// Herald sends one `v1,` entry per active secret, and a receiver may hold
// both the old and the new secret: any entry matching any secret passes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  InvalidPayloadError,
  InvalidTimestampError,
  MissingHeaderError,
  SignatureMismatchError,
  TimestampOutOfToleranceError,
} from './errors.ts';
import type { HeadersLike, HeraldEvent } from './types.ts';

export interface VerifyOptions {
  /** Seconds webhook-timestamp may differ from now (default 300, as the reference libraries). */
  toleranceSeconds?: number;
  /** The current time in milliseconds (tests, or checking a recorded request). */
  now?: () => number;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;
const SECRET_PREFIX = 'whsec_';

function header(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  // Node lower-cases header names; a hand-built object may not have.
  const key = name in record ? name : Object.keys(record).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : record[key];
  return Array.isArray(v) ? v.join(' ') : v;
}

/** `whsec_<base64>` or the bare base64, as the reference libraries accept. */
function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(b64, 'base64');
  if (key.length === 0) throw new TypeError('the webhook secret is empty or not base64');
  return key;
}

function toText(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
}

function isEventObject(v: unknown): v is HeraldEvent {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as { id?: unknown }).id === 'string' &&
    typeof (v as { event?: unknown }).event === 'string'
  );
}

/** The events of a body in any Herald format, in the order sent. */
export function parseEvents(body: string): HeraldEvent[] {
  let parsed: unknown[];
  try {
    const whole: unknown = JSON.parse(body);
    parsed = Array.isArray(whole) ? whole : [whole];
  } catch {
    // Not one JSON value: JSON lines (each event one line, the last ending in \n).
    try {
      parsed = body
        .split('\n')
        .filter((line) => line.trim().length > 0)
        .map((line) => JSON.parse(line) as unknown);
    } catch {
      throw new InvalidPayloadError('the body is neither JSON nor JSON lines');
    }
  }
  if (parsed.length === 0) throw new InvalidPayloadError('the body carries no event');
  parsed.forEach((e, i) => {
    if (!isEventObject(e)) {
      throw new InvalidPayloadError(`item ${i} of the body is not an event (no id or event)`);
    }
  });
  return parsed as HeraldEvent[];
}

/**
 * Checks the signature and timestamp of a delivery and returns its events.
 * `rawBody` must be the exact bytes received (not re-serialized JSON).
 * Throws a WebhookVerificationError subclass when the request must be refused.
 */
export function verify(
  rawBody: string | Uint8Array,
  headers: HeadersLike,
  secret: string | readonly string[],
  options: VerifyOptions = {},
): HeraldEvent[] {
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sig = header(headers, 'webhook-signature');
  if (!id) throw new MissingHeaderError('webhook-id');
  if (!ts) throw new MissingHeaderError('webhook-timestamp');
  if (!sig) throw new MissingHeaderError('webhook-signature');
  if (!/^\d+$/.test(ts)) throw new InvalidTimestampError(ts);
  const timestamp = Number(ts);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    throw new TimestampOutOfToleranceError(timestamp, nowSeconds, tolerance);
  }

  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new TypeError('at least one webhook secret is required');
  const body = toText(rawBody);
  const received = sig
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3)));
  const signed = `${id}.${ts}.${body}`;
  const matches = secrets.some((s) => {
    const expected = Buffer.from(
      createHmac('sha256', secretKey(s)).update(signed).digest('base64'),
    );
    return received.some((r) => r.length === expected.length && timingSafeEqual(r, expected));
  });
  if (!matches) throw new SignatureMismatchError();
  return parseEvents(body);
}
