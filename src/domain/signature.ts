// Webhook signatures follow Standard Webhooks (https://www.standardwebhooks.com/,
// the scheme Svix uses), so receivers can verify with any of its libraries
// instead of code we would have to document and maintain.
//
//   webhook-signature: v1,<base64 HMAC-SHA256("<id>.<timestamp>.<body>")> ...
//
// The key is the base64 part of a `whsec_` secret. An endpoint can have several
// active secrets while a rotated one is in its grace period; we then send one
// `v1,` entry per secret and the receiver accepts the message if any matches.
import {
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** The spec recommends keys of 24 to 64 bytes; we accept that range from users. */
export const SECRET_MIN_BYTES = 24;
export const SECRET_MAX_BYTES = 64;
/** Generated secrets: 256 bits, the HMAC-SHA256 block-size sweet spot. */
const GENERATED_SECRET_BYTES = 32;

/** Receivers' libraries default to a 5-minute window; ours matches. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

// Canonical, padded base64: the reference libraries decode strictly, so a
// secret they would reject must be rejected here too.
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function generateSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(GENERATED_SECRET_BYTES).toString('base64');
}

export function isValidSecret(secret: string): boolean {
  return decodeSecretOrNull(secret) !== null;
}

function decodeSecretOrNull(secret: string): Buffer | null {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return null;
  const b64 = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!BASE64_RE.test(b64)) return null;
  const key = Buffer.from(b64, 'base64');
  // Non-zero bits in the last character's padding would decode here but not
  // round-trip; refuse them so every library derives the same key.
  if (key.toString('base64') !== b64) return null;
  if (key.length < SECRET_MIN_BYTES || key.length > SECRET_MAX_BYTES) return null;
  return key;
}

// Every attempt signs with the same few secrets; decoding and importing the
// key each time was ~2 % of delivery CPU. Bounded: cleared when full.
const KEY_CACHE_MAX = 1_000;
const keyCache = new Map<string, KeyObject>();

function decodeSecret(secret: string): KeyObject {
  let key = keyCache.get(secret);
  if (key) return key;
  const bytes = decodeSecretOrNull(secret);
  // Secrets are validated when stored; reaching this is a bug, and signing
  // with a garbage key would fail silently at every receiver.
  if (bytes === null) throw new Error('invalid webhook secret');
  key = createSecretKey(bytes);
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
  keyCache.set(secret, key);
  return key;
}

export interface SignInput {
  /** The `webhook-id` header: stable across retries of the same message. */
  msgId: string;
  /** The `webhook-timestamp` header, in whole seconds since the epoch. */
  timestamp: number;
  /** The exact bytes sent, as a string (signed as UTF-8). */
  body: string;
}

function sign(key: KeyObject | Buffer, input: SignInput): string {
  return createHmac('sha256', key)
    .update(`${input.msgId}.${input.timestamp}.${input.body}`)
    .digest('base64');
}

function assertTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError('webhook timestamp must be a non-negative integer number of seconds');
  }
}

/** The `webhook-signature` header value: one `v1,<sig>` per secret, space-separated. */
export function signPayload(input: SignInput & { secrets: readonly string[] }): string {
  assertTimestamp(input.timestamp);
  if (input.secrets.length === 0) throw new Error('at least one webhook secret is required');
  return input.secrets.map((s) => `v1,${sign(decodeSecret(s), input)}`).join(' ');
}

/** All three Standard Webhooks headers for one delivery attempt. */
export function webhookHeaders(
  input: SignInput & { secrets: readonly string[] },
): Record<(typeof WEBHOOK_HEADERS)[keyof typeof WEBHOOK_HEADERS], string> {
  return {
    [WEBHOOK_HEADERS.id]: input.msgId,
    [WEBHOOK_HEADERS.timestamp]: String(input.timestamp),
    [WEBHOOK_HEADERS.signature]: signPayload(input),
  };
}

export interface VerifyInput extends SignInput {
  /** The received `webhook-signature` header. */
  signature: string;
  secrets: readonly string[];
  /**
   * Current time in seconds. When given, a timestamp further than
   * `toleranceSeconds` from it fails (replay protection); omit it only to
   * check a signature recorded earlier.
   */
  nowSeconds?: number;
  toleranceSeconds?: number;
}

/**
 * True when any `v1` entry of the header matches any of the secrets. Entries of
 * other versions are ignored, as the spec asks, so future schemes can coexist.
 */
export function verifySignature(input: VerifyInput): boolean {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) return false;
  if (input.nowSeconds !== undefined) {
    const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
    if (Math.abs(input.nowSeconds - input.timestamp) > tolerance) return false;
  }
  const received: Buffer[] = [];
  for (const entry of input.signature.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    received.push(Buffer.from(entry.slice(comma + 1)));
  }
  if (received.length === 0) return false;
  for (const secret of input.secrets) {
    const key = decodeSecretOrNull(secret);
    if (key === null) continue;
    const expected = Buffer.from(sign(key, input));
    for (const r of received) {
      if (r.length === expected.length && timingSafeEqual(r, expected)) return true;
    }
  }
  return false;
}
