// The inbound gateway against the real server: each scheme signed by the
// provider's own library, a provider retry stored once, a bad signature
// refused with nothing stored, and source management.
import { Webhooks as GithubWebhooks } from '@octokit/webhooks';
import { WorkOS } from '@workos-inc/node';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { useHerald } from '../fixtures/herald-fixture.ts';
import { client, testBackends, waitFor } from '../fixtures/test-server.ts';

const backends = await testBackends();

interface Signed {
  headers: Record<string, string>;
  body: string;
}

const stripe = new Stripe('sk_test_inbound');
const workos = new WorkOS('sk_test_inbound');

/** One correctly signed request per scheme, for the provider event `id`. */
const signers = {
  stripe: async (secret: string, id: string): Promise<Signed> => {
    const body = JSON.stringify({
      id,
      object: 'event',
      type: 'invoice.paid',
      data: { object: {} },
    });
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret });
    return { headers: { 'stripe-signature': header }, body };
  },
  github: async (secret: string, id: string): Promise<Signed> => {
    const body = JSON.stringify({ action: 'opened', issue: { number: 7 } });
    const sig = await new GithubWebhooks({ secret }).sign(body);
    return {
      headers: { 'x-hub-signature-256': sig, 'x-github-event': 'issues', 'x-github-delivery': id },
      body,
    };
  },
  standard_webhooks: async (secret: string, id: string): Promise<Signed> => {
    const body = JSON.stringify({ type: 'invoice.paid', data: { amount: 5 } });
    const sig = new StandardWebhook(secret).sign(id, new Date(), body);
    return {
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': sig,
      },
      body,
    };
  },
  workos: async (secret: string, id: string): Promise<Signed> => {
    const body = JSON.stringify({ id, event: 'user.created', data: { id: 'user_1' } });
    const t = Date.now();
    const sig = await workos.webhooks.computeSignature(t, body, secret);
    return { headers: { 'workos-signature': `t=${t}, v1=${sig}` }, body };
  },
  token: async (secret: string, id: string): Promise<Signed> => {
    const body = JSON.stringify({ id, type: 'invoice.paid', amount: 5 });
    return { headers: { authorization: `Bearer ${secret}` }, body };
  },
} as const;

const expectedType = {
  stripe: 'acme.invoice.paid',
  github: 'acme.issues.opened',
  standard_webhooks: 'acme.invoice.paid',
  workos: 'acme.user.created',
  token: 'acme.invoice.paid',
} as const;

/** Secrets the provider gives the operator; Herald generates the other two. */
const providerSecret: Partial<Record<keyof typeof signers, string>> = {
  stripe: 'whsec_stripe_test_secret_0123456789',
  github: 'github-webhook-secret',
  workos: 'workos-webhook-secret',
};

describe.each(backends)('inbound gateway (%s)', (backend) => {
  const { server, api, rx } = useHerald(backend);

  async function post(sourceId: string, s: Signed) {
    const res = await fetch(`${server.url}/inbound/${sourceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...s.headers },
      body: s.body,
    });
    // biome-ignore lint/suspicious/noExplicitAny: responses are asserted field by field
    return { status: res.status, headers: res.headers, json: async (): Promise<any> => res.json() };
  }

  async function eventsOfType(type: string) {
    const res = await api.get(`/events?events=${type}&limit=100`);
    return res.body.data as { id: string; event: string; data: Record<string, unknown> }[];
  }

  for (const scheme of Object.keys(signers) as (keyof typeof signers)[]) {
    it(`${scheme}: a signed webhook is stored once, its retry deduplicated, a bad signature refused`, async () => {
      const created = await api.post('/sources', {
        name: scheme,
        scheme,
        type_prefix: 'acme.',
        ...(providerSecret[scheme] ? { secret: providerSecret[scheme] } : {}),
      });
      expect(created.status).toBe(201);
      const secret = created.body.secret as string;
      expect(secret.length).toBeGreaterThan(0);
      const source = created.body.id as string;
      const before = (await eventsOfType(expectedType[scheme])).length;

      const providerId = `evt_${scheme}_${crypto.randomUUID()}`;
      const first = await post(source, await signers[scheme](secret, providerId));
      expect(first.status).toBe(200);
      const receipt = await first.json();
      expect(receipt).toMatchObject({ object: 'inbound_receipt', replayed: false });

      const stored = await api.get(`/events?events=${expectedType[scheme]}&limit=100`);
      const event = (stored.body.data as { id: string }[]).find((e) => e.id === receipt.event_id);
      expect(event).toBeDefined();
      expect(stored.body.data).toHaveLength(before + 1);

      // The provider retries the same event (freshly signed, as providers do).
      const retry = await post(source, await signers[scheme](secret, providerId));
      expect(retry.status).toBe(200);
      expect(await retry.json()).toMatchObject({ event_id: receipt.event_id, replayed: true });

      const wrong = await signers[scheme](
        scheme === 'standard_webhooks'
          ? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
          : 'not-the-secret-at-all',
        `evt_other_${crypto.randomUUID()}`,
      );
      const refused = await post(source, wrong);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect((await refused.json()).code).toBe('unauthorized');

      if (scheme !== 'token') {
        // A shared token does not sign the body; every other scheme does.
        const tampered = await signers[scheme](secret, `evt_t_${crypto.randomUUID()}`);
        const body = tampered.body.replace('}', ',"extra":1}');
        expect((await post(source, { ...tampered, body })).status).toBe(401);
      }

      expect(await eventsOfType(expectedType[scheme])).toHaveLength(before + 1);
    });
  }

  it('stores the provider payload as the event data, typed by prefix and provider type', async () => {
    const created = await api.post('/sources', {
      name: 'Stripe live',
      scheme: 'stripe',
      secret: 'whsec_data_check',
      type_prefix: 'pay.',
    });
    const signed = await signers.stripe('whsec_data_check', 'evt_data_1');
    const res = await post(created.body.id, signed);
    const { event_id } = await res.json();
    const events = await eventsOfType('pay.invoice.paid');
    expect(events.find((e) => e.id === event_id)?.data).toEqual(JSON.parse(signed.body));
  });

  it('is from then on an ordinary event: pushed to a matching endpoint', async () => {
    const ep = await api.post('/endpoints', { url: `${rx.url}/push`, events: ['shop.*'] });
    expect(ep.status).toBe(201);
    const src = await api.post('/sources', {
      name: 'shop',
      scheme: 'workos',
      secret: 'workos-shop-secret',
      type_prefix: 'shop.',
    });
    const res = await post(src.body.id, await signers.workos('workos-shop-secret', 'evt_push'));
    const { event_id } = await res.json();
    const pushed = await waitFor(async () => rx.events().find((e) => e.id === event_id));
    expect(pushed.event).toBe('shop.user.created');
  });

  it('reads the exact bytes whatever the content type, and refuses a body over the event size limit', async () => {
    const src = await api.post('/sources', { name: 't', scheme: 'token', type_prefix: 'raw.' });
    const token = src.body.secret as string;
    const body = JSON.stringify({ type: 'thing.happened', n: 1 });
    const plain = await fetch(`${server.url}/inbound/${src.body.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body,
    });
    expect(plain.status).toBe(200);
    // Bytes without any content type (fetch sets none for a Uint8Array).
    const untyped = await fetch(`${server.url}/inbound/${src.body.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new TextEncoder().encode(JSON.stringify({ type: 'thing.happened', n: 2 })),
    });
    expect(untyped.status).toBe(200);
    const big = await fetch(`${server.url}/inbound/${src.body.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'thing.happened', pad: 'x'.repeat(300_000) }),
    });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toContain('application/problem+json');
    expect(await eventsOfType('raw.thing.happened')).toHaveLength(2);
  });

  it('refuses a stale Stripe signature and an unknown source', async () => {
    const created = await api.post('/sources', {
      name: 's',
      scheme: 'stripe',
      secret: 'whsec_stale',
    });
    const body = JSON.stringify({ id: 'evt_stale', type: 'invoice.paid' });
    const header = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: 'whsec_stale',
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    const stale = await post(created.body.id, { headers: { 'stripe-signature': header }, body });
    expect(stale.status).toBe(401);
    expect((await stale.json()).detail).toMatch(/tolerance/);
    const unknown = await post('src_nope', { headers: {}, body: '{}' });
    expect(unknown.status).toBe(404);
  });

  it('answers 422 for a verified webhook whose type is not a Herald event type', async () => {
    const created = await api.post('/sources', { name: 'gh', scheme: 'github', secret: 'gh' });
    const body = JSON.stringify({ zen: 'Keep it logically awesome.' });
    const sig = await new GithubWebhooks({ secret: 'gh' }).sign(body);
    const res = await post(created.body.id, {
      // One lowercase word such as `ping` is a valid type (Auth0's codes are); this is not.
      headers: {
        'x-hub-signature-256': sig,
        'x-github-event': 'Ping Event',
        'x-github-delivery': 'd1',
      },
      body,
    });
    expect(res.status).toBe(422);
    expect((await res.json()).field).toBe('type');
  });

  it('manages sources: secrets shown only on creation and /secret, per-scheme rules, tenancy', async () => {
    const missing = await api.post('/sources', { name: 'x', scheme: 'stripe' });
    expect(missing.status).toBe(422);
    expect(missing.body.field).toBe('secret');
    const badSw = await api.post('/sources', {
      name: 'x',
      scheme: 'standard_webhooks',
      secret: 'nope',
    });
    expect(badSw.status).toBe(422);
    const badScheme = await api.post('/sources', { name: 'x', scheme: 'paypal' });
    expect(badScheme.status).toBe(422);
    const badPrefix = await api.post('/sources', {
      name: 'x',
      scheme: 'token',
      type_prefix: 'no dot',
    });
    expect(badPrefix.status).toBe(422);
    expect(badPrefix.body.field).toBe('type_prefix');

    const created = await api.post('/sources', { name: 'svix', scheme: 'standard_webhooks' });
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body.inbound_path).toBe(`/inbound/${created.body.id}`);
    const id = created.body.id as string;
    const got = await api.get(`/sources/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    expect((await api.get(`/sources/${id}/secret`)).body.secret).toBe(created.body.secret);
    const listed = await api.get('/sources?limit=100');
    expect(listed.body.data.some((s: { id: string }) => s.id === id)).toBe(true);
    expect(listed.body.data.every((s: { secret?: string }) => s.secret === undefined)).toBe(true);

    const patched = await api.call('PATCH', `/sources/${id}`, {
      name: 'renamed',
      type_prefix: 'svix.',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'renamed', type_prefix: 'svix.' });
    const schemeOnly = await api.call('PATCH', `/sources/${id}`, { scheme: 'token' });
    expect(schemeOnly.status).toBe(422);

    const other = client(server.url, await server.key('other-tenant'));
    expect((await other.get(`/sources/${id}`)).status).toBe(404);
    expect((await other.delete(`/sources/${id}`)).status).toBe(404);

    expect((await api.delete(`/sources/${id}`)).status).toBe(204);
    expect((await api.get(`/sources/${id}`)).status).toBe(404);
    const signed = await signers.standard_webhooks(created.body.secret, 'msg_gone');
    expect((await post(id, signed)).status).toBe(404);
  });
});
