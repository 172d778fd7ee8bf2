// Hostile and greedy clients cannot make the server hold unbounded memory: an
// SSE client that never reads is held to a bounded buffer and then dropped,
// one key cannot open more than its share of streams and long polls, and the
// server sheds new requests with 503 before memory runs away. Real sockets.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  client,
  startTestServer,
  type TestServer,
  testBackends,
  waitFor,
} from '../fixtures/test-server.ts';

const BLOB = 'x'.repeat(100_000);

/** Opens GET /events/stream on a raw socket and never reads from it. */
function stalledStream(url: string, key: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.pause();
      socket.write(
        `GET /events/stream HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${key}\r\nAccept: text/event-stream\r\n\r\n`,
      );
      resolve(socket);
    });
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

describe.each(await testBackends())('slow and greedy clients (%s)', (backend) => {
  let server: TestServer | null = null;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server?.close();
    server = null;
  });

  it('holds a client that never reads to a bounded buffer, then drops it', async () => {
    const limit = 65_536;
    server = await startTestServer(backend, {
      sseMaxBufferBytes: String(limit),
      sseWriteTimeoutMs: '1s',
    });
    const s = server;
    const key = await s.key();
    const api = client(s.url, key);
    sockets.push(await stalledStream(s.url, key));
    await waitFor(async () => s.herald.streams.size === 1);

    let most = 0;
    let published = 0;
    // Up to 40 MB: far more than the kernel's socket buffers can absorb.
    while (published < 400 && s.herald.streams.size > 0) {
      const res = await api.post('/events/batch', {
        events: [{ event: 'big.one', data: { blob: BLOB } }],
      });
      expect(res.status).toBe(201);
      published += 1;
      most = Math.max(most, s.herald.streams.bufferedBytes());
    }
    // Dropped once its buffer sat full for the write timeout.
    await waitFor(async () => s.herald.streams.size === 0, 15_000);
    expect(s.herald.streams.countsByKey().size).toBe(0);
    // Never more than the limit plus one event (its JSON and SSE framing).
    expect(most).toBeLessThan(limit + BLOB.length + 2_000);
    expect(published).toBeLessThan(400);
  });

  it('refuses the stream or long poll beyond the per-key limit with 429 and Retry-After', async () => {
    server = await startTestServer(backend, { maxStreamsPerKey: '2' });
    const s = server;
    const key = await s.key();
    const api = client(s.url, key);
    sockets.push(await stalledStream(s.url, key), await stalledStream(s.url, key));
    await waitFor(async () => s.herald.streams.size === 2);

    const third = await api.get('/events/stream');
    expect(third.status).toBe(429);
    expect(third.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(third.body.code).toBe('too_many_requests');
    const poll = await api.get('/events?wait=1');
    expect(poll.status).toBe(429);
    // Plain reads do not hold a slot, and other keys have their own.
    expect((await api.get('/events')).status).toBe(200);
    const other = client(s.url, await s.key());
    expect((await other.get('/events?wait=1')).status).toBe(200);

    sockets.pop()?.destroy();
    await waitFor(async () => s.herald.streams.size === 1);
    expect((await api.get('/events?wait=1')).status).toBe(200);
  });

  it('sheds new requests with 503 and Retry-After while over the heap threshold', async () => {
    server = await startTestServer(backend, { shedHeapBytes: '1' });
    const api = client(server.url, await server.key());
    const res = await api.post('/events', { event: 'a.b', data: {} });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.body.code).toBe('service_unavailable');
    // The health probe still answers.
    expect((await client(server.url).get('/healthz')).status).toBe(200);
  });

  it('sheds new requests while streams hold more unsent bytes than allowed, and recovers', async () => {
    server = await startTestServer(backend, {
      shedStreamBufferBytes: '200000',
      sseWriteTimeoutMs: '1m',
    });
    const s = server;
    const key = await s.key();
    const api = client(s.url, key);
    const stalled = await stalledStream(s.url, key);
    sockets.push(stalled);
    await waitFor(async () => s.herald.streams.size === 1);
    let shed = false;
    for (let i = 0; i < 400 && !shed; i++) {
      const res = await api.post('/events', { event: 'big.one', data: { blob: BLOB } });
      expect([201, 503]).toContain(res.status);
      shed = res.status === 503;
      if (shed) expect(res.headers.get('retry-after')).not.toBeNull();
    }
    expect(shed).toBe(true);
    stalled.destroy();
    await waitFor(async () => (await api.get('/events?limit=1')).status === 200);
  });
});
