// Event ids are prefixed ULIDs made monotonic per stream, so that within a tenant
// the id order equals the commit (sequence) order. Other ids only need uniqueness.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LEN = 10;
const RANDOM_LEN = 16;
const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const EVENT_ID_PREFIX = 'event_';

// The events of a batch share one millisecond, and so one encoded time.
let lastMs = Number.NaN;
let lastEncoded = '';

function encodeTime(ms: number): string {
  if (ms === lastMs) return lastEncoded;
  lastMs = ms;
  lastEncoded = encodeTimeUncached(ms);
  return lastEncoded;
}

function encodeTimeUncached(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < TIME_LEN; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function randomPart(): string {
  const bytes = randomBytes(RANDOM_LEN);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % 32];
  return out;
}

/**
 * Increments a base32 string by one; the caller guarantees it does not overflow in practice (2^80 ids per ms).
 * Runs once per event of a batch (they share a millisecond), so it copies the string only once.
 */
export function incrementBase32(s: string): string {
  for (let i = s.length - 1; i >= 0; i--) {
    const idx = ALPHABET.indexOf(s[i] as string);
    if (idx < 31) return s.slice(0, i) + ALPHABET[idx + 1] + '0'.repeat(s.length - 1 - i);
  }
  throw new Error('ULID random component overflow');
}

export function newUlid(ms: number): string {
  return encodeTime(ms) + randomPart();
}

/**
 * Returns a ULID strictly greater than `previous` (when given) for time `ms`.
 * `ms` must not be earlier than the time of `previous`; the event writer enforces that.
 */
export function nextMonotonicUlid(ms: number, previous: string | null): string {
  if (previous) {
    const prevTime = previous.slice(0, TIME_LEN);
    if (encodeTime(ms) <= prevTime) {
      return prevTime + incrementBase32(previous.slice(TIME_LEN));
    }
  }
  return newUlid(ms);
}

export function ulidTime(ulid: string): number {
  let ms = 0;
  for (const c of ulid.slice(0, TIME_LEN)) ms = ms * 32 + ALPHABET.indexOf(c);
  return ms;
}

export function newEventId(ms: number, previousEventId: string | null): string {
  const prev = previousEventId ? previousEventId.slice(EVENT_ID_PREFIX.length) : null;
  return EVENT_ID_PREFIX + nextMonotonicUlid(ms, prev);
}

/** Parses `event_<ULID>`; returns the creation time encoded in it, or null when malformed. */
export function parseEventId(id: string): { ulid: string; ms: number } | null {
  if (!id.startsWith(EVENT_ID_PREFIX)) return null;
  const ulid = id.slice(EVENT_ID_PREFIX.length);
  if (!ULID_RE.test(ulid)) return null;
  return { ulid, ms: ulidTime(ulid) };
}

export function newId(prefix: string): string {
  return `${prefix}_${newUlid(Date.now())}`;
}

let lastBulkUlid: string | null = null;

/**
 * Like newId, for ids made in bulk (one per attempt): within a millisecond it
 * increments the previous id instead of drawing fresh randomness.
 */
export function newBulkId(prefix: string): string {
  lastBulkUlid = nextMonotonicUlid(Date.now(), lastBulkUlid);
  return `${prefix}_${lastBulkUlid}`;
}
