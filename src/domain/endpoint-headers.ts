// Custom request headers an operator sets per endpoint (`headers`: name →
// value, as Auth0's log streams and webhook tools allow). Refused: names
// that are not HTTP tokens, hop-by-hop and framing headers (they describe
// the connection, which Herald owns), and every header Herald itself sets
// for meaning — the signature, sequence and CloudEvents headers, and those
// with their own setting (`authorization`, `content_type`) — so a custom
// header can never forge or break a delivery.
export const MAX_CUSTOM_HEADERS = 20;
const MAX_VALUE_LENGTH = 4096;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII and Latin-1, space and tab inside: no control characters. */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const REFUSED: Record<string, string> = {
  connection: 'is hop-by-hop',
  'keep-alive': 'is hop-by-hop',
  'proxy-authenticate': 'is hop-by-hop',
  'proxy-authorization': 'is hop-by-hop',
  'proxy-connection': 'is hop-by-hop',
  te: 'is hop-by-hop',
  trailer: 'is hop-by-hop',
  'transfer-encoding': 'is hop-by-hop',
  upgrade: 'is hop-by-hop',
  host: 'is set from the endpoint url',
  'content-length': 'is set from the body',
  'content-type': 'has its own setting, content_type',
  authorization: 'has its own setting, authorization',
};

/** Why a header may not be set, or null when it may. */
function refusal(name: string, value: string): string | null {
  const lower = name.toLowerCase();
  if (!TOKEN.test(name)) return 'is not a valid HTTP header name';
  const reserved = REFUSED[lower];
  if (reserved) return reserved;
  if (lower.startsWith('webhook-')) return 'is reserved for the signature and sequence headers';
  if (lower.startsWith('ce-')) return 'is reserved for CloudEvents binary mode';
  if (value.length > MAX_VALUE_LENGTH) return `is longer than ${MAX_VALUE_LENGTH} characters`;
  if (!VALUE.test(value) || value !== value.trim()) {
    return 'has control characters, characters outside Latin-1, or surrounding whitespace';
  }
  return null;
}

export type HeaderCheck =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; field: string; reason: string };

/** Checks each header; names keep the operator's spelling, but must be unique ignoring case. */
export function checkCustomHeaders(headers: Record<string, string>): HeaderCheck {
  const entries = Object.entries(headers);
  if (entries.length > MAX_CUSTOM_HEADERS) {
    return { ok: false, field: 'headers', reason: `at most ${MAX_CUSTOM_HEADERS} headers` };
  }
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    const field = `headers.${name}`;
    if (typeof value !== 'string') return { ok: false, field, reason: 'must be a string' };
    const why = refusal(name, value);
    if (why) return { ok: false, field, reason: `${name} ${why}` };
    if (seen.has(name.toLowerCase())) {
      return { ok: false, field, reason: `${name} is given twice (header names ignore case)` };
    }
    seen.add(name.toLowerCase());
  }
  return { ok: true, headers };
}
