// CloudEvents 1.0 both ways, checked with the official `cloudevents` SDK
// unchanged: its HTTP.binary / HTTP.structured messages are published to
// Herald, and HTTP.toEvent reads each delivery format at a real receiver.
import { CloudEvent, HTTP } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { useHerald } from '../fixtures/herald-fixture.ts';
import { testBackends, waitFor } from '../fixtures/test-server.ts';

describe.each(await testBackends())('CloudEvents (%s)', (backend) => {
  const { server, api, rx, endpoint } = useHerald(backend);

  const post = (path: string, message: { headers: object; body: unknown }) =>
    api.call('POST', path, message.body, message.headers as Record<string, string>);

  describe('publishing', () => {
    it('takes an HTTP.binary message: type, data, organizationid, and source+id as the idempotency key', async () => {
      const ce = new CloudEvent({
        type: 'com.example.user.created',
        source: '/producer/a',
        id: 'ce-1',
        data: { user: 'u1', name: 'Ada Lovelace' },
        organizationid: 'org_1',
      });
      const res = await post('/events', HTTP.binary(ce));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({
        event: 'com.example.user.created',
        data: { user: 'u1', name: 'Ada Lovelace' },
        organization_id: 'org_1',
      });
      const again = await post('/events', HTTP.binary(ce));
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(res.body.id);
      // The same id from another source is another event.
      const other = await post('/events', HTTP.binary(ce.cloneWith({ source: '/producer/b' })));
      expect(other.status).toBe(201);
      expect(other.body.id).not.toBe(res.body.id);
    });

    it('takes an HTTP.structured message', async () => {
      const ce = new CloudEvent({
        type: 'com.example.order.paid',
        source: 'urn:shop',
        data: { order: 7 },
      });
      const message = HTTP.structured(ce);
      expect(message.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
      const res = await post('/events', message);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ event: 'com.example.order.paid', data: { order: 7 } });
      expect((await api.get(`/events/${res.body.id}`)).body.data).toEqual({ order: 7 });
    });

    it('takes a batch-mode body on /events/batch, atomically', async () => {
      const events = [1, 2, 3].map(
        (n) =>
          new CloudEvent({
            type: 'com.example.item.added',
            source: '/cart',
            id: `item-${n}`,
            data: { n },
          }),
      );
      const res = await api.post('/events/batch', JSON.stringify(events), {
        'content-type': 'application/cloudevents-batch+json',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.data.map((e: { data: { n: number } }) => e.data.n)).toEqual([1, 2, 3]);
      const seqs = res.body.data.map((e: { sequence: number }) => e.sequence);
      expect(seqs[2] - seqs[0]).toBe(2);
    });

    it('refuses what Herald cannot store with 422 naming the CloudEvents field, storing nothing', async () => {
      const before = (await api.get('/events?order=desc&limit=1')).body.data[0].sequence;
      const badType = new CloudEvent({ type: 'com.example/bad-type', source: '/x', data: {} });
      const structured = await post('/events', HTTP.structured(badType));
      expect(structured.status).toBe(422);
      expect(structured.body.field).toBe('type');
      const binary = await post('/events', HTTP.binary(badType));
      expect(binary.status).toBe(422);
      expect(binary.body.field).toBe('ce-type');
      const text = new CloudEvent({
        type: 'com.example.note',
        source: '/x',
        datacontenttype: 'text/plain',
        data: 'hello',
      });
      // Binary mode sends data in the body with its own media type: only JSON is taken.
      const notJson = await post('/events', HTTP.binary(text));
      expect(notJson.status).toBe(415);
      const noSource = await api.post(
        '/events',
        { specversion: '1.0', id: '1', type: 'a.b', data: {} },
        { 'content-type': 'application/cloudevents+json' },
      );
      expect(noSource.status).toBe(422);
      expect(noSource.body.field).toBe('source');
      const batch = await api.post(
        '/events/batch',
        [{ specversion: '1.0', id: '1', source: '/x', type: 'a.b' }, { specversion: '0.3' }],
        { 'content-type': 'application/cloudevents-batch+json' },
      );
      expect(batch.status).toBe(422);
      expect(batch.body.field).toBe('1.specversion');
      expect((await api.get('/events?order=desc&limit=1')).body.data[0].sequence).toBe(before);
    });
    it('reads CloudEvents JSON as strictly as any body: invalid UTF-8, 1e400 and NUL in identifiers refused', async () => {
      const head = async () => (await api.get('/events?order=desc&limit=1')).body.data[0]?.sequence;
      const before = await head();
      const headers = { 'content-type': 'application/cloudevents+json' };
      const ce = (data: string, extra = '') =>
        `{"specversion":"1.0","id":"s-1","source":"/x","type":"a.b","data":${data}${extra}}`;
      const badUtf8 = await fetch(`${server.url}/events`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${await server.key()}` },
        body: Buffer.concat([Buffer.from(ce('{"s":"')), Buffer.from([0xff]), Buffer.from('"}}')]),
      });
      expect(badUtf8.status).toBe(400);
      expect((await api.call('POST', '/events', ce('{"n":1e400}'), headers)).status).toBe(422);
      const nul = await api.call(
        'POST',
        '/events',
        ce('{}', ',"organizationid":"o\\u0000"'),
        headers,
      );
      expect(nul.status).toBe(422);
      expect(await head()).toBe(before);
    });
  });

  describe('delivering', () => {
    const publish = async (n: number) =>
      (
        await api.post('/events', {
          event: 'user.created',
          data: { n, name: 'Zoë' },
          organization_id: 'org_ü 1',
        })
      ).body;
    const expectMapped = (
      ce: CloudEvent<unknown>,
      e: Record<string, unknown>,
      source: string,
      decode = (v: unknown) => v,
    ) => {
      expect(ce.specversion).toBe('1.0');
      expect(ce.id).toBe(e.id);
      expect(ce.type).toBe('user.created');
      expect(ce.source).toBe(source);
      expect(ce.time).toBe(e.created_at);
      expect(ce.data).toEqual(e.data);
      expect(ce.sequence).toBe(String(e.sequence).padStart(20, '0'));
      expect(decode(ce.organizationid)).toBe('org_ü 1');
    };

    it('cloudevents: structured mode, application/cloudevents+json, with the configured source', async () => {
      await endpoint('structured', { format: 'cloudevents', source: 'urn:herald:test' });
      const e = await publish(1);
      const req = await waitFor(async () => rx.requests.find((r) => r.path === '/structured'));
      expect(req.headers['content-type']).toBe('application/cloudevents+json');
      const ce = HTTP.toEvent({ headers: req.headers, body: req.body }) as CloudEvent<unknown>;
      expectMapped(ce, e, 'urn:herald:test');
      expect(req.headers['webhook-signature']).toMatch(/^v1,/);
    });

    it('cloudevents_binary: binary mode, ce-* headers and data as the body', async () => {
      await endpoint('binary', { format: 'cloudevents_binary' });
      const e = await publish(2);
      const req = await waitFor(async () => rx.requests.find((r) => r.path === '/binary'));
      expect(req.headers['ce-specversion']).toBe('1.0');
      expect(JSON.parse(req.body)).toEqual(e.data);
      const ce = HTTP.toEvent({ headers: req.headers, body: req.body }) as CloudEvent<unknown>;
      // The HTTP binding percent-encodes header values outside printable ASCII;
      // the JS SDK hands them over still encoded.
      expect(req.headers['ce-organizationid']).toBe('org_%C3%BC%201');
      expectMapped(ce, e, '/herald', (v) => decodeURIComponent(String(v)));
    });

    it('cloudevents_batch: batch mode, in order, batch_size honoured', async () => {
      await endpoint('batch', {
        format: 'cloudevents_batch',
        batch_size: 10,
        batch_wait_ms: 300,
        source: '/tenant/default',
      });
      const published = [await publish(3), await publish(4), await publish(5)];
      const got = await waitFor(async () => {
        const all = rx.requests.filter((r) => r.path === '/batch');
        const ces = all.flatMap(
          (r) => HTTP.toEvent({ headers: r.headers, body: r.body }) as CloudEvent<unknown>[],
        );
        return ces.length >= 3 ? { all, ces } : null;
      });
      expect(got.all[0]?.headers['content-type']).toBe('application/cloudevents-batch+json');
      expect(got.ces.map((c) => c.id)).toEqual(published.map((e) => e.id));
      got.ces.forEach((ce, i) => {
        expectMapped(ce, published[i] as Record<string, unknown>, '/tenant/default');
      });
    });

    it('refuses batch_size > 1 for the single-event CloudEvents modes', async () => {
      const res = await api.post('/endpoints', {
        url: `${rx.url}/x`,
        format: 'cloudevents',
        batch_size: 5,
      });
      expect(res.status).toBe(422);
      expect(res.body.field).toBe('batch_size');
    });
  });
});
