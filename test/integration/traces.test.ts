// OpenTelemetry traces exported over OTLP/HTTP to a collector on 127.0.0.1:
// a server span per request (continuing the caller's traceparent), the publish
// span inside it, and a span per delivery attempt linked to that publish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../fixtures/otlp-receiver.ts';
import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import { client, startTestServer, testBackends, waitFor } from '../fixtures/test-server.ts';

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const ERROR = 2;

describe.each(await testBackends())('traces (%s)', (backend) => {
  let rx: Receiver;
  let otlp: OtlpReceiver;
  beforeAll(async () => {
    rx = await startReceiver((req) => ({ status: req.path === '/down' ? 503 : 200 }));
    otlp = await startOtlpReceiver();
  });
  afterAll(async () => {
    await rx.close();
    await otlp.close();
  });

  it('exports request, publish and attempt spans, the attempts linked to the publish', async () => {
    const server = await startTestServer(backend, {
      allowPrivateEndpoints: 'true',
      otlpEndpoint: otlp.url,
    });
    const api = client(server.url, await server.key('t-trace'));
    const up = await api.post('/endpoints', { url: `${rx.url}/up` });
    const down = await api.post('/endpoints', { url: `${rx.url}/down`, retry: [] });
    expect([up.status, down.status]).toEqual([201, 201]);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const published = await api.post(
      '/events',
      { event: 'user.created', data: { n: 1 } },
      { traceparent: `00-${traceId}-${callerSpan}-01`, 'x-request-id': 'req-traced' },
    );
    expect(published.status).toBe(201);
    await waitFor(async () => rx.requests.length >= 2);
    await waitFor(
      async () =>
        (await api.get(`/endpoints/${down.body.id}/deliveries`)).body.data[0]?.status === 'failed',
    );
    // Closing flushes what the batch processor still holds.
    await server.close();

    const request = otlp.spans.find((s) => s.name === 'POST /events');
    expect(request).toMatchObject({
      kind: SERVER,
      traceId,
      parentSpanId: callerSpan,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/events',
        'http.response.status_code': 201,
        'herald.request.id': 'req-traced',
      },
      resource: { 'service.name': 'herald' },
    });
    const publish = otlp.spans.find((s) => s.name === 'herald.publish');
    expect(publish).toMatchObject({
      kind: PRODUCER,
      traceId,
      parentSpanId: request?.spanId,
      attributes: { 'messaging.batch.message_count': 1 },
    });
    const attempts = otlp.spans.filter((s) => s.name === 'herald.delivery.attempt');
    const toUp = attempts.find((s) => s.attributes['herald.endpoint.id'] === up.body.id);
    const toDown = attempts.find((s) => s.attributes['herald.endpoint.id'] === down.body.id);
    for (const s of [toUp, toDown]) {
      expect(s?.kind).toBe(CLIENT);
      expect(s?.links).toEqual([{ traceId, spanId: publish?.spanId }]);
      expect(s?.attributes['herald.delivery.attempt']).toBe(1);
      expect(s?.parentSpanId).toBeUndefined();
    }
    expect(toUp?.attributes).toMatchObject({
      'http.response.status_code': 200,
      'herald.delivery.outcome': 'succeeded',
    });
    expect(toUp?.status?.code ?? 0).not.toBe(ERROR);
    expect(toDown?.attributes).toMatchObject({
      'http.response.status_code': 503,
      'herald.delivery.outcome': 'failed',
      'error.type': '503',
    });
    expect(toDown?.status?.code).toBe(ERROR);
  });
});
