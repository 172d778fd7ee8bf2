import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyInbound } from './inbound-signature.ts';
import { signPayload } from './signature.ts';

const body = Buffer.from('{"id":"evt_1","type":"a.b"}');
const now = 1_700_000_000_000;
const hex = (secret: string, data: string) =>
  createHmac('sha256', secret).update(data).digest('hex');

describe('verifyInbound', () => {
  it('standard_webhooks accepts Svix header names and any matching v1 entry', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const other = 'whsec_QuvOg6tyxIK3MX0Xqwm3Au7Lpt93Dd9B';
    const ts = now / 1000;
    const signature = signPayload({
      msgId: 'msg_1',
      timestamp: ts,
      body: body.toString(),
      secrets: [other, secret],
    });
    const headers = {
      'svix-id': 'msg_1',
      'svix-timestamp': String(ts),
      'svix-signature': signature,
    };
    expect(verifyInbound('standard_webhooks', secret, { headers, body, nowMs: now })).toEqual({
      ok: true,
    });
    expect(
      verifyInbound('standard_webhooks', secret, { headers, body, nowMs: now + 301_000 }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/tolerance/),
    });
  });

  it('stripe accepts any of several v1 signatures (a rolled secret) and refuses only-v0 headers', () => {
    const t = now / 1000;
    const good = hex('whsec_new', `${t}.${body}`);
    const headers = {
      'stripe-signature': `t=${t},v1=${hex('whsec_old', `${t}.${body}`)},v1=${good}`,
    };
    expect(verifyInbound('stripe', 'whsec_new', { headers, body, nowMs: now }).ok).toBe(true);
    const v0 = { 'stripe-signature': `t=${t},v0=${good}` };
    expect(verifyInbound('stripe', 'whsec_new', { headers: v0, body, nowMs: now })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no v1/),
    });
  });

  it('workos timestamps are milliseconds with a 3-minute tolerance', () => {
    const sig = hex('s', `${now}.${body}`);
    const headers = { 'workos-signature': `t=${now}, v1=${sig}` };
    expect(verifyInbound('workos', 's', { headers, body, nowMs: now + 179_000 }).ok).toBe(true);
    expect(verifyInbound('workos', 's', { headers, body, nowMs: now + 181_000 }).ok).toBe(false);
  });

  it('github compares sha256= of the body; token takes Bearer or X-Webhook-Token', () => {
    const gh = { 'x-hub-signature-256': `sha256=${hex('g', body.toString())}` };
    expect(verifyInbound('github', 'g', { headers: gh, body, nowMs: now }).ok).toBe(true);
    expect(verifyInbound('github', 'h', { headers: gh, body, nowMs: now }).ok).toBe(false);
    const token = 'htok_0123456789abcdef';
    for (const headers of [{ authorization: `Bearer ${token}` }, { 'x-webhook-token': token }]) {
      expect(verifyInbound('token', token, { headers, body, nowMs: now }).ok).toBe(true);
    }
    expect(
      verifyInbound('token', token, { headers: { authorization: 'Bearer nope' }, body, nowMs: now })
        .ok,
    ).toBe(false);
    expect(verifyInbound('token', token, { headers: {}, body, nowMs: now })).toMatchObject({
      ok: false,
    });
  });
});
