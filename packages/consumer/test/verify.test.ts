// verify() against real deliveries from a real Herald (every payload format,
// and during a secret rotation), cross-checked with the standardwebhooks
// package, and its refusals (bad signature, stale or future timestamp).
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ReceivedRequest,
  type Receiver,
  startReceiver,
} from '../../../test/fixtures/receiver.ts';
import {
  client,
  startTestServer,
  type TestServer,
  waitFor,
} from '../../../test/fixtures/test-server.ts';
import {
  InvalidPayloadError,
  InvalidTimestampError,
  MissingHeaderError,
  SignatureMismatchError,
  TimestampOutOfToleranceError,
  verify,
  WebhookVerificationError,
} from '../src/index.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_QuvOg6tyxIK3MX0Xqwm3Au7Lpt93Dd9B';

function signed(body: string, secrets: string[], at = new Date()) {
  const id = `msg_${crypto.randomUUID()}`;
  const signature = secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' ');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

const event = (n: number) => ({
  object: 'event',
  id: `event_${n}`,
  event: 'user.created',
  data: { id: `user_${n}` },
  created_at: new Date().toISOString(),
  sequence: n,
  context: { sequence: n },
});

describe('verify (signed by the standardwebhooks package)', () => {
  it('returns the one event of a json body', () => {
    const sent = event(1);
    const body = JSON.stringify(sent);
    expect(verify(body, signed(body, [SECRET]), SECRET)).toEqual([sent]);
  });

  it('returns every event of a JSON array and of JSON lines, in order', () => {
    const array = JSON.stringify([event(1), event(2)]);
    expect(verify(array, signed(array, [SECRET]), SECRET).map((e) => e.id)).toEqual([
      'event_1',
      'event_2',
    ]);
    const lines = `${JSON.stringify(event(3))}\n${JSON.stringify(event(4))}\n`;
    expect(verify(Buffer.from(lines), signed(lines, [SECRET]), SECRET).map((e) => e.id)).toEqual([
      'event_3',
      'event_4',
    ]);
  });

  it('accepts a fetch Headers object and array-valued node headers', () => {
    const body = JSON.stringify(event(1));
    const h = signed(body, [SECRET]);
    expect(verify(body, new Headers(h), SECRET)).toHaveLength(1);
    const capitalized = {
      'Webhook-Id': h['webhook-id'],
      'Webhook-Timestamp': h['webhook-timestamp'],
      'Webhook-Signature': h['webhook-signature'],
    };
    expect(verify(body, capitalized, SECRET)).toHaveLength(1);
    expect(
      verify(body, { ...h, 'webhook-signature': [h['webhook-signature']] }, SECRET),
    ).toHaveLength(1);
  });

  it('during a rotation: either signature matches, and any of several secrets', () => {
    const body = JSON.stringify(event(1));
    const h = signed(body, [OTHER, SECRET]);
    expect(verify(body, h, SECRET)).toHaveLength(1);
    expect(verify(body, h, OTHER)).toHaveLength(1);
    const single = signed(body, [SECRET]);
    expect(verify(body, single, [OTHER, SECRET])).toHaveLength(1);
    expect(() => verify(body, single, [OTHER])).toThrow(SignatureMismatchError);
  });

  it('refuses a body changed by one byte, a wrong secret and an unknown signature version', () => {
    const body = JSON.stringify(event(1));
    const h = signed(body, [SECRET]);
    expect(() => verify(`${body} `, h, SECRET)).toThrow(SignatureMismatchError);
    expect(() => verify(body, h, OTHER)).toThrow(WebhookVerificationError);
    const v2 = { ...h, 'webhook-signature': h['webhook-signature'].replace('v1,', 'v2,') };
    expect(() => verify(body, v2, SECRET)).toThrow(SignatureMismatchError);
  });

  it('refuses a stale or future timestamp beyond the tolerance, which is configurable', () => {
    const body = JSON.stringify(event(1));
    const old = signed(body, [SECRET], new Date(Date.now() - 10 * 60_000));
    const err = (() => {
      try {
        verify(body, old, SECRET);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TimestampOutOfToleranceError);
    expect((err as TimestampOutOfToleranceError).direction).toBe('stale');
    expect(verify(body, old, SECRET, { toleranceSeconds: 3600 })).toHaveLength(1);
    const future = signed(body, [SECRET], new Date(Date.now() + 10 * 60_000));
    expect(() => verify(body, future, SECRET)).toThrow(/future/);
    // standardwebhooks refuses the same requests.
    expect(() => new Webhook(SECRET).verify(body, old)).toThrow();
  });

  it('names a missing header, a malformed timestamp and a body that is not events', () => {
    const body = JSON.stringify(event(1));
    const h = signed(body, [SECRET]);
    const { 'webhook-id': _, ...noId } = h;
    expect(() => verify(body, noId, SECRET)).toThrow(MissingHeaderError);
    expect(() => verify(body, noId, SECRET)).toThrow(/webhook-id/);
    expect(() => verify(body, { ...h, 'webhook-timestamp': 'soon' }, SECRET)).toThrow(
      InvalidTimestampError,
    );
    const notEvent = JSON.stringify({ hello: 'world' });
    expect(() => verify(notEvent, signed(notEvent, [SECRET]), SECRET)).toThrow(InvalidPayloadError);
  });
});

describe('verify on real Herald deliveries', () => {
  let server: TestServer;
  let rx: Receiver;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer('sqlite', { allowPrivateEndpoints: 'true' });
    rx = await startReceiver();
    api = client(server.url, await server.key());
  });
  afterAll(async () => {
    await rx?.close();
    await server?.close();
  });

  async function endpoint(path: string, body: Record<string, unknown> = {}) {
    const res = await api.post('/endpoints', {
      url: `${rx.url}${path}`,
      secret: SECRET,
      events: [`${path.slice(1)}.*`],
      ...body,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  const requestsTo = (path: string) => rx.requests.filter((r) => r.path === path);

  function checkBoth(req: ReceivedRequest, secrets: string[]) {
    const ours = verify(req.body, req.headers, secrets);
    // The reference library computes the same signature for the exact bytes
    // (its verify() also JSON-parses the body, which JSON lines are not).
    const entries = (req.headers['webhook-signature'] ?? '').split(' ');
    for (const s of secrets) {
      const at = new Date(Number(req.headers['webhook-timestamp']) * 1000);
      expect(entries).toContain(new Webhook(s).sign(req.headers['webhook-id'] ?? '', at, req.body));
      if (!req.headers['content-type']?.includes('ndjson'))
        new Webhook(s).verify(req.body, req.headers);
    }
    return ours;
  }

  it('verifies json, json_array and json_lines deliveries and returns their events', async () => {
    await endpoint('/single');
    await endpoint('/arr', { format: 'json_array', batch_size: 10, batch_wait_ms: 300 });
    await endpoint('/lines', { format: 'json_lines', batch_size: 10, batch_wait_ms: 300 });
    const published = await api.post('/events/batch', {
      events: ['single', 'arr', 'lines'].flatMap((p) =>
        [1, 2, 3].map((n) => ({ event: `${p}.happened`, data: { n } })),
      ),
    });
    expect(published.status).toBe(201);
    const byType = (p: string) =>
      (published.body.data as { id: string; event: string }[])
        .filter((e) => e.event === `${p}.happened`)
        .map((e) => e.id);

    for (const p of ['single', 'arr', 'lines']) {
      const got = await waitFor(async () => {
        const ids = requestsTo(`/${p}`).flatMap((r) => checkBoth(r, [SECRET]).map((e) => e.id));
        return ids.length >= 3 ? ids : null;
      });
      expect(got).toEqual(byType(p));
    }
    expect(requestsTo('/single')).toHaveLength(3);
    expect(requestsTo('/arr')[0]?.headers['content-type']).toContain('application/json');
    expect(requestsTo('/lines')[0]?.headers['content-type']).toContain('application/x-ndjson');
    const firstArr = requestsTo('/arr')[0] as ReceivedRequest;
    expect(() => verify(firstArr.body, firstArr.headers, OTHER)).toThrow(SignatureMismatchError);
  });

  it('verifies a delivery signed during a secret rotation with the old, the new, or both secrets', async () => {
    const id = await endpoint('/rotating');
    const rotated = await api.post(`/endpoints/${id}/rotate-secret`, { secret: OTHER });
    expect(rotated.status).toBe(200);
    await api.post('/events', { event: 'rotating.happened', data: {} });
    const req = await waitFor(async () => requestsTo('/rotating')[0]);
    expect(req.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(checkBoth(req, [SECRET])).toHaveLength(1);
    expect(checkBoth(req, [OTHER])).toHaveLength(1);
    expect(verify(req.body, req.headers, [OTHER, SECRET])).toHaveLength(1);
    expect(() => verify(req.body, req.headers, 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toThrow(
      SignatureMismatchError,
    );
  });
});
