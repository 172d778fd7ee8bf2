// Verifying a third party's webhook signature, one function per scheme, each
// exactly as the provider's own library checks it (tests sign with those
// libraries). Pure: the caller passes the raw body, lower-cased headers and
// the current time.
//
//   standard_webhooks  webhook-id/-timestamp/-signature (or svix-*): v1,<b64 HMAC>
//   stripe             Stripe-Signature: t=<s>,v1=<hex HMAC("<t>.<body>")>
//   github             X-Hub-Signature-256: sha256=<hex HMAC(body)> (no timestamp)
//   workos             WorkOS-Signature: t=<ms>, v1=<hex HMAC("<t>.<body>")>
//   token              Authorization: Bearer <token> (or X-Webhook-Token)
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { InboundScheme } from './inbound-source.ts';
import { verifySignature } from './signature.ts';

export type InboundHeaders = Record<string, string | undefined>;

export interface InboundRequest {
  /** Lower-cased header names; a repeated header joined as Node joins it. */
  headers: InboundHeaders;
  body: Buffer;
  nowMs: number;
}

export type InboundVerdict = { ok: true } | { ok: false; reason: string };

/** Each provider's library default: Stripe and Standard Webhooks 5 min, WorkOS 3 min. */
export const INBOUND_TOLERANCE_SECONDS: Record<'standard_webhooks' | 'stripe' | 'workos', number> =
  {
    standard_webhooks: 300,
    stripe: 300,
    workos: 180,
  };

const fail = (reason: string): InboundVerdict => ({ ok: false, reason });
const OK: InboundVerdict = { ok: true };

function hmacHex(secret: string, data: Buffer | string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

/** Constant-time comparison of two strings; false when the lengths differ. */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function withinTolerance(nowMs: number, timestampMs: number, toleranceSeconds: number): boolean {
  return Math.abs(nowMs - timestampMs) <= toleranceSeconds * 1000;
}

function verifyStandardWebhooks(secret: string, req: InboundRequest): InboundVerdict {
  const h = req.headers;
  const id = h['webhook-id'] ?? h['svix-id'];
  const ts = h['webhook-timestamp'] ?? h['svix-timestamp'];
  const sig = h['webhook-signature'] ?? h['svix-signature'];
  if (!id || !ts || !sig) {
    return fail('missing webhook-id, webhook-timestamp or webhook-signature header');
  }
  if (!/^\d+$/.test(ts)) return fail('webhook-timestamp is not a number of seconds');
  const timestamp = Number(ts);
  if (!withinTolerance(req.nowMs, timestamp * 1000, INBOUND_TOLERANCE_SECONDS.standard_webhooks)) {
    return fail('webhook-timestamp is outside the tolerance window');
  }
  const valid = verifySignature({
    msgId: id,
    timestamp,
    body: req.body.toString('utf8'),
    signature: sig,
    secrets: [secret],
  });
  return valid ? OK : fail('webhook-signature does not match the body');
}

/** `t=1,v1=a,v1=b,v0=c` → { t: ['1'], v1: ['a', 'b'], v0: ['c'] }. */
function parseKeyValueHeader(header: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const list = out.get(key) ?? [];
    list.push(part.slice(eq + 1).trim());
    out.set(key, list);
  }
  return out;
}

function verifyTimestamped(
  header: string | undefined,
  name: string,
  secret: string,
  req: InboundRequest,
  unitMs: number,
  toleranceSeconds: number,
): InboundVerdict {
  if (!header) return fail(`missing ${name} header`);
  const parts = parseKeyValueHeader(header);
  const t = parts.get('t')?.[0];
  const signatures = parts.get('v1') ?? [];
  if (!t || !/^\d+$/.test(t)) return fail(`${name} has no valid t= timestamp`);
  if (signatures.length === 0) return fail(`${name} has no v1= signature`);
  if (!withinTolerance(req.nowMs, Number(t) * unitMs, toleranceSeconds)) {
    return fail(`${name} timestamp is outside the tolerance window`);
  }
  const expected = hmacHex(secret, Buffer.concat([Buffer.from(`${t}.`), req.body]));
  return signatures.some((s) => sameText(s, expected))
    ? OK
    : fail(`${name} does not match the body`);
}

function verifyGithub(secret: string, req: InboundRequest): InboundVerdict {
  const header = req.headers['x-hub-signature-256'];
  if (!header) return fail('missing X-Hub-Signature-256 header');
  if (!header.startsWith('sha256=')) return fail('X-Hub-Signature-256 must start with sha256=');
  return sameText(header, `sha256=${hmacHex(secret, req.body)}`)
    ? OK
    : fail('X-Hub-Signature-256 does not match the body');
}

function verifyToken(secret: string, req: InboundRequest): InboundVerdict {
  const auth = req.headers.authorization;
  const bearer = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
  const token = bearer ?? req.headers['x-webhook-token'];
  if (!token) return fail('missing Authorization: Bearer <token> or X-Webhook-Token header');
  return sameText(token, secret) ? OK : fail('the token does not match');
}

export function verifyInbound(
  scheme: InboundScheme,
  secret: string,
  req: InboundRequest,
): InboundVerdict {
  switch (scheme) {
    case 'standard_webhooks':
      return verifyStandardWebhooks(secret, req);
    case 'stripe':
      return verifyTimestamped(
        req.headers['stripe-signature'],
        'Stripe-Signature',
        secret,
        req,
        1000,
        INBOUND_TOLERANCE_SECONDS.stripe,
      );
    case 'workos':
      return verifyTimestamped(
        req.headers['workos-signature'],
        'WorkOS-Signature',
        secret,
        req,
        1,
        INBOUND_TOLERANCE_SECONDS.workos,
      );
    case 'github':
      return verifyGithub(secret, req);
    case 'token':
      return verifyToken(secret, req);
    default:
      return fail(`unknown scheme ${String(scheme satisfies never)}`);
  }
}
