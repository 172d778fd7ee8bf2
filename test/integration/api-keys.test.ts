import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, type TestServer, testBackends } from '../fixtures/test-server.ts';

describe.each(await testBackends())('API key management over the API (%s)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server.close());

  it('lets an admin key create, list and revoke keys of any tenant; the key is shown once', async () => {
    const admin = client(server.url, await server.key('ops', true));
    const created = await admin.post('/api-keys', { tenant: 'acme', name: 'consumer' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'api_key',
      tenant: 'acme',
      name: 'consumer',
      admin: false,
      revoked_at: null,
    });
    expect(created.body.key).toMatch(/^sk_herald_/);

    const acme = client(server.url, created.body.key);
    expect((await acme.post('/events', { event: 'a.b', data: {} })).status).toBe(201);

    const listed = await admin.get('/api-keys?tenant=acme');
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0].key).toBeUndefined();
    expect(listed.body.data[0].hint).toContain('…');

    expect((await admin.delete(`/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await acme.get('/events')).status).toBe(401);
    const again = await admin.delete(`/api-keys/${created.body.id}`);
    expect(again.status).toBe(404);
  });

  it('refuses key management to a non-admin key with 403', async () => {
    const plain = client(server.url, await server.key('acme'));
    const res = await plain.post('/api-keys', { tenant: 'acme' });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await plain.get('/api-keys')).status).toBe(403);
  });
});
