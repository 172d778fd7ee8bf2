import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  generateSecret,
  isValidSecret,
  signPayload,
  verifySignature,
  WEBHOOK_HEADERS,
  webhookHeaders,
} from './signature.ts';

const secretOf = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;
// The reference library rejects timestamps more than 5 minutes from its clock.
const now = () => Math.floor(Date.now() / 1000);

function referenceVerify(secret: string, headers: Record<string, string>, body: string): unknown {
  return new Webhook(secret).verify(body, headers);
}

describe('generateSecret', () => {
  it('returns a whsec_ secret that we and the reference library accept', () => {
    const s = generateSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(isValidSecret(s)).toBe(true);
    const bytes = Buffer.from(s.slice('whsec_'.length), 'base64').length;
    expect(bytes).toBeGreaterThanOrEqual(24);
    expect(bytes).toBeLessThanOrEqual(32);
    expect(() => new Webhook(s)).not.toThrow();
  });

  it('returns a different secret each time', () => {
    expect(generateSecret()).not.toBe(generateSecret());
  });
});

describe('isValidSecret', () => {
  it('accepts 24 to 64 decoded bytes', () => {
    expect(isValidSecret(secretOf(24))).toBe(true);
    expect(isValidSecret(secretOf(32))).toBe(true);
    expect(isValidSecret(secretOf(64))).toBe(true);
  });

  it('rejects keys that are too short or too long', () => {
    expect(isValidSecret(secretOf(23))).toBe(false);
    expect(isValidSecret(secretOf(65))).toBe(false);
    expect(isValidSecret('whsec_')).toBe(false);
  });

  it('rejects a missing prefix and non-canonical base64', () => {
    const b64 = randomBytes(32).toString('base64');
    expect(isValidSecret(b64)).toBe(false);
    expect(isValidSecret(`WHSEC_${b64}`)).toBe(false);
    expect(isValidSecret(`whsec_${b64.replace(/=+$/, '')}`)).toBe(false); // unpadded
    expect(isValidSecret(`whsec_${'A'.repeat(40)}-_AA`)).toBe(false); // base64url alphabet
    expect(isValidSecret(`whsec_${b64} `)).toBe(false);
    expect(isValidSecret(`whsec_${'A'.repeat(42)}B=`)).toBe(false); // stray bits in padding
    expect(isValidSecret(`whsec_${'A'.repeat(42)}A=`)).toBe(true);
  });
});

describe('signPayload', () => {
  it('matches a fixed vector computed by the reference library', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const msgId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const timestamp = 1614265330;
    const body = '{"test": 2432232314}';
    const expected = new Webhook(secret).sign(msgId, new Date(timestamp * 1000), body);
    expect(signPayload({ msgId, timestamp, body, secrets: [secret] })).toBe(expected);
    // The published Standard Webhooks example vector, pinned independently.
    expect(expected).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is verified by the standardwebhooks package', () => {
    const secret = generateSecret();
    const body = JSON.stringify({ type: 'user.created', data: { id: 'u_1' } });
    const headers = webhookHeaders({ msgId: 'msg_1', timestamp: now(), body, secrets: [secret] });
    expect(referenceVerify(secret, headers, body)).toEqual(JSON.parse(body));
  });

  it('signs the UTF-8 bytes of non-ASCII bodies the way receivers do', () => {
    const secret = generateSecret();
    const body = JSON.stringify({ name: 'Zoë 🦜 東京', sep: '\u2028' });
    const headers = webhookHeaders({ msgId: 'msg_u', timestamp: now(), body, secrets: [secret] });
    expect(referenceVerify(secret, headers, body)).toEqual(JSON.parse(body));
  });

  it('emits one v1 entry per secret, each verifiable on its own', () => {
    const oldSecret = generateSecret();
    const newSecret = generateSecret();
    const body = '{"rotating":true}';
    const headers = webhookHeaders({
      msgId: 'msg_rot',
      timestamp: now(),
      body,
      secrets: [newSecret, oldSecret],
    });
    const entries = headers[WEBHOOK_HEADERS.signature].split(' ');
    expect(entries).toHaveLength(2);
    for (const e of entries) expect(e).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    // A receiver that still has the old secret and one that already has the new
    // one both accept the message; a receiver with an unrelated secret does not.
    expect(referenceVerify(oldSecret, headers, body)).toEqual({ rotating: true });
    expect(referenceVerify(newSecret, headers, body)).toEqual({ rotating: true });
    expect(() => referenceVerify(generateSecret(), headers, body)).toThrow(/No matching signature/);
  });

  it('fails reference verification when the body, id or timestamp is altered', () => {
    const secret = generateSecret();
    const body = '{"a":1}';
    const ts = now();
    const headers = webhookHeaders({ msgId: 'msg_x', timestamp: ts, body, secrets: [secret] });
    expect(() => referenceVerify(secret, headers, '{"a":2}')).toThrow();
    expect(() =>
      referenceVerify(secret, { ...headers, [WEBHOOK_HEADERS.id]: 'msg_y' }, body),
    ).toThrow();
    expect(() =>
      referenceVerify(secret, { ...headers, [WEBHOOK_HEADERS.timestamp]: String(ts - 1) }, body),
    ).toThrow();
  });

  it('refuses to sign without secrets, with an invalid secret or a fractional timestamp', () => {
    const base = { msgId: 'm', timestamp: 1, body: '' };
    expect(() => signPayload({ ...base, secrets: [] })).toThrow();
    expect(() => signPayload({ ...base, secrets: ['whsec_short'] })).toThrow();
    expect(() => signPayload({ ...base, timestamp: 1.5, secrets: [generateSecret()] })).toThrow();
    expect(() => signPayload({ ...base, timestamp: -1, secrets: [generateSecret()] })).toThrow();
  });
});

describe('verifySignature', () => {
  const secret = generateSecret();
  const other = generateSecret();
  const msg = { msgId: 'msg_v', timestamp: 1_700_000_000, body: '{"ok":true}' };

  it('accepts our own signature and one made by the reference library', () => {
    const ours = signPayload({ ...msg, secrets: [secret] });
    expect(verifySignature({ ...msg, signature: ours, secrets: [secret] })).toBe(true);
    const theirs = new Webhook(secret).sign(msg.msgId, new Date(msg.timestamp * 1000), msg.body);
    expect(verifySignature({ ...msg, signature: theirs, secrets: [secret] })).toBe(true);
  });

  it('accepts when any entry matches any secret', () => {
    const header = signPayload({ ...msg, secrets: [other] });
    const mixed = `v2,whatever v1,bm90IGl0 ${header}`;
    expect(verifySignature({ ...msg, signature: mixed, secrets: [secret, other] })).toBe(true);
    expect(verifySignature({ ...msg, signature: mixed, secrets: [secret] })).toBe(false);
  });

  it('rejects tampered input and non-v1 entries', () => {
    const header = signPayload({ ...msg, secrets: [secret] });
    const v = (over: object) =>
      verifySignature({ ...msg, signature: header, secrets: [secret], ...over });
    expect(v({})).toBe(true);
    expect(v({ body: '{"ok":false}' })).toBe(false);
    expect(v({ msgId: 'msg_w' })).toBe(false);
    expect(v({ timestamp: msg.timestamp + 1 })).toBe(false);
    expect(v({ signature: header.replace('v1,', 'v2,') })).toBe(false);
    expect(v({ signature: '' })).toBe(false);
    expect(v({ secrets: [] })).toBe(false);
  });

  it('enforces the timestamp tolerance only when the current time is given', () => {
    const header = signPayload({ ...msg, secrets: [secret] });
    const v = (over: object) =>
      verifySignature({ ...msg, signature: header, secrets: [secret], ...over });
    expect(v({ nowSeconds: msg.timestamp + 300 })).toBe(true);
    expect(v({ nowSeconds: msg.timestamp - 300 })).toBe(true);
    expect(v({ nowSeconds: msg.timestamp + 301 })).toBe(false);
    expect(v({ nowSeconds: msg.timestamp - 301 })).toBe(false);
    expect(v({ nowSeconds: msg.timestamp + 1000, toleranceSeconds: 1000 })).toBe(true);
  });
});
