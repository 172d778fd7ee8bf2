// Server-side request forgery rules for webhook endpoints. A tenant chooses the
// URL and we make the request from inside the operator's network, so by
// default only public https targets are allowed. The check happens twice:
// checkEndpointUrl when an endpoint is saved (IP literals, localhost), and
// isPublicAddress in the sender's DNS lookup hook for every connection, since a
// public-looking name can resolve, or be re-pointed, to a private address.
//
// Self-hosters whose receivers live on their own network start the server with
// --allow-private-endpoints, which lifts the https and address rules (but not
// the scheme and credential ones).
import { BlockList, isIP } from 'node:net';

export const ALLOW_PRIVATE_FLAG = '--allow-private-endpoints';
const UNLESS = `unless the server runs with ${ALLOW_PRIVATE_FLAG}`;

export const ENDPOINT_URL_MAX_LENGTH = 2048;

export type EndpointUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export function checkEndpointUrl(raw: string, opts: { allowPrivate: boolean }): EndpointUrlCheck {
  if (raw.length > ENDPOINT_URL_MAX_LENGTH) {
    return { ok: false, reason: `url must be at most ${ENDPOINT_URL_MAX_LENGTH} characters long` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return {
      ok: false,
      reason: 'url must be an absolute URL, such as https://example.com/webhooks',
    };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: `url must use https (or http), not ${url.protocol.slice(0, -1)}` };
  }
  if (url.username !== '' || url.password !== '') {
    // They would be sent as Basic auth and shown wherever the URL is shown;
    // endpoint headers are the place for credentials.
    return { ok: false, reason: 'url must not contain a username or password' };
  }
  if (opts.allowPrivate) return { ok: true, url };
  if (url.protocol !== 'https:') {
    return { ok: false, reason: `url must use https ${UNLESS}` };
  }
  // WHATWG URL parsing already normalised the host: lower case, IPv4 in
  // dotted-quad (even when written as 0x7f.1 or 2130706433), IPv6 in brackets.
  const host = url.hostname.replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return { ok: false, reason: `url must not point to localhost ${UNLESS}` };
  }
  const ip = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(ip) !== 0 && !isPublicAddress(ip)) {
    return {
      ok: false,
      reason: `url must not point to a private, loopback, link-local or reserved IP address (${ip}) ${UNLESS}`,
    };
  }
  return { ok: true, url };
}

// IPv4 ranges that are not globally reachable (IANA special-purpose registry).
const V4_BLOCKED: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network", includes the unspecified address
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, includes cloud metadata at 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast 255.255.255.255
];

// IPv6 is an allow-list: only global unicast (2000::/3) can be public, which
// leaves out ::, ::1, unique-local fc00::/7, link-local fe80::/10, multicast
// ff00::/8 and everything else still unassigned. Within 2000::/3 these are not
// public or embed an IPv4 address we cannot vet without decoding.
const V6_BLOCKED_IN_GLOBAL: readonly [string, number][] = [
  ['2001::', 23], // IETF protocol assignments, includes Teredo 2001::/32
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4, embeds an IPv4 address
  ['3fff::', 20], // documentation
];

const v4Blocked = new BlockList();
for (const [net, prefix] of V4_BLOCKED) v4Blocked.addSubnet(net, prefix, 'ipv4');
const v6Global = new BlockList();
v6Global.addSubnet('2000::', 3, 'ipv6');
const v6Blocked = new BlockList();
for (const [net, prefix] of V6_BLOCKED_IN_GLOBAL) v6Blocked.addSubnet(net, prefix, 'ipv6');

/**
 * True for an address a webhook may be sent to without --allow-private-endpoints.
 * Anything that is not a valid IP address is not public.
 */
export function isPublicAddress(ip: string): boolean {
  const version = isIP(ip);
  if (version === 4) return !v4Blocked.check(ip, 'ipv4');
  if (version !== 6) return false;
  const bytes = parseIpv6(ip);
  if (bytes === null) return false;
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses reach
  // the embedded IPv4 address, so that address decides.
  const embedded = embeddedIpv4(bytes);
  if (embedded !== null) return isPublicAddress(embedded);
  const normal = formatIpv6(bytes);
  return v6Global.check(normal, 'ipv6') && !v6Blocked.check(normal, 'ipv6');
}

function embeddedIpv4(b: Uint8Array): string | null {
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  const mapped = zeros(0, 10) && b[10] === 0xff && b[11] === 0xff;
  const nat64 = b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12);
  if (!mapped && !nat64) return null;
  return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
}

/** 16 bytes of an address isIP() already accepted as IPv6 (zone ids ignored). */
function parseIpv6(ip: string): Uint8Array | null {
  let text = ip;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const groups: number[] = [];
  const toGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const octets = g.split('.').map(Number);
        if (octets.length !== 4) return null;
        const [o0 = 0, o1 = 0, o2 = 0, o3 = 0] = octets;
        out.push((o0 << 8) | o1, (o2 << 8) | o3);
      } else {
        out.push(Number.parseInt(g, 16));
      }
    }
    return out;
  };
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = toGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  groups.push(...head, ...Array<number>(missing).fill(0), ...tail);
  const bytes = new Uint8Array(16);
  for (const [i, g] of groups.entries()) {
    if (!Number.isInteger(g) || g < 0 || g > 0xffff) return null;
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  }
  return bytes;
}

function formatIpv6(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}
