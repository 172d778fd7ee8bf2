// A revoked key stops at once, also for what it already holds open: SSE
// streams and long polls opened before the revocation end within a second,
// whether the key was revoked through this server or elsewhere (another
// process, `herald keys revoke`), which this process learns from the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/services/api-keys.ts';
import { openSse } from '../fixtures/sse-client.ts';
import {
  client,
  openSecondHandle,
  startTestServer,
  type TestServer,
  testBackends,
  waitFor,
} from '../fixtures/test-server.ts';

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not end`)), ms)),
  ]);
}

describe.each(await testBackends())('revoked keys (%s)', (backend) => {
  let server: TestServer;
  let admin: ReturnType<typeof client>;
  beforeAll(async () => {
    server = await startTestServer(backend);
    admin = client(server.url, await server.key('default', true));
  });
  afterAll(() => server.close());

  const newKey = async () =>
    createApiKey(server.store, { tenant: 'default', name: 'r', admin: false });

  it('ends the streams and long polls of a key revoked over the API, and no others', async () => {
    const doomed = await newKey();
    const kept = await newKey();
    const auth = (k: string) => ({ authorization: `Bearer ${k}` });
    const sse = await openSse(`${server.url}/events/stream`, auth(doomed.key));
    const keptSse = await openSse(`${server.url}/events/stream`, auth(kept.key));
    expect(sse.status).toBe(200);
    const poll = client(server.url, doomed.key).get('/events?wait=30');
    await waitFor(async () => server.herald.streams.size === 3);

    expect((await admin.delete(`/api-keys/${doomed.row.id}`)).status).toBe(204);
    await within(sse.body, 5_000, 'the SSE stream');
    const polled = await within(poll, 5_000, 'the long poll');
    expect(polled.status).toBe(401);
    expect(polled.headers.get('content-type')).toContain('application/problem+json');
    expect(server.herald.streams.size).toBe(1);
    expect(server.herald.streams.countsByKey().get(kept.row.id)).toEqual({ sse: 1, long_poll: 0 });
    keptSse.close();
  });

  it('learns a revocation made by another process from the store: streams end and the key stops', async () => {
    const doomed = await newKey();
    const api = client(server.url, doomed.key);
    // Cached by now.
    expect((await api.get('/events')).status).toBe(200);
    expect((await api.get('/events')).status).toBe(200);
    const sse = await openSse(`${server.url}/events/stream`, {
      authorization: `Bearer ${doomed.key}`,
    });
    const poll = api.get('/events?wait=30');
    await waitFor(
      async () => (server.herald.streams.countsByKey().get(doomed.row.id)?.long_poll ?? 0) === 1,
    );

    // As `herald keys revoke` or another server would: through a store of its own.
    const elsewhere = await openSecondHandle(server.store);
    try {
      expect(await elsewhere.apiKeyRevoke({ id: doomed.row.id })).toBe(true);
    } finally {
      await elsewhere.close();
    }
    await within(sse.body, 5_000, 'the SSE stream');
    expect((await within(poll, 5_000, 'the long poll')).status).toBe(401);
    await waitFor(async () => (await api.get('/events')).status === 401, 5_000);
  });
});
