// Scoped API keys: a producer's key cannot read, a consumer's key cannot
// publish, and only admin keys manage keys. Every route is checked; the 403
// names the missing scope. Keys made before scopes keep full access.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrationFiles } from '../../src/store/migration-files.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import {
  client,
  type Res,
  startTestServer,
  type TestServer,
  tempDir,
  testBackends,
} from '../fixtures/test-server.ts';

function expectMissing(res: Res, scope: string) {
  expect(res.status).toBe(403);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body.code).toBe('forbidden');
  expect(res.body.detail).toContain(scope);
}

describe.each(await testBackends())('scoped API keys (%s)', (backend) => {
  let server: TestServer;
  let admin: ReturnType<typeof client>;

  const keyWith = async (scopes: string[]) => {
    const res = await admin.post('/api-keys', { name: scopes.join('+'), scopes });
    expect(res.status).toBe(201);
    expect(res.body.scopes).toEqual(scopes);
    return client(server.url, res.body.key);
  };

  beforeAll(async () => {
    server = await startTestServer(backend);
    admin = client(server.url, await server.key('default', true));
  });
  afterAll(() => server.close());

  it('lets a producer key publish and nothing else', async () => {
    const producer = await keyWith(['events:write']);
    expect((await producer.post('/events', { event: 'a.b', data: {} })).status).toBe(201);
    expect(
      (await producer.post('/events/batch', { events: [{ event: 'a.b', data: {} }] })).status,
    ).toBe(201);
    expectMissing(await producer.get('/events'), 'events:read');
    expectMissing(await producer.get('/events?wait=1'), 'events:read');
    expectMissing(await producer.get('/events/stream'), 'events:read');
    expectMissing(await producer.get('/endpoints'), 'endpoints:manage');
    expectMissing(await producer.get('/api-keys'), 'admin');
  });

  it('lets a consumer key read and stream but not publish or manage', async () => {
    const consumer = await keyWith(['events:read']);
    expect((await consumer.get('/events')).status).toBe(200);
    expectMissing(await consumer.post('/events', { event: 'a.b', data: {} }), 'events:write');
    expectMissing(await consumer.post('/events/batch', { events: [] }), 'events:write');
    expectMissing(
      await consumer.post('/endpoints', { url: 'https://example.com/hook' }),
      'endpoints:manage',
    );
    expectMissing(await consumer.delete('/api-keys/key_x'), 'admin');
  });

  it('lets an endpoints:manage key manage endpoints and deliveries only', async () => {
    const ops = await keyWith(['endpoints:manage']);
    expect((await ops.get('/endpoints')).status).toBe(200);
    expect((await ops.get('/deliveries/dlv_missing')).status).toBe(404);
    expectMissing(await ops.get('/events'), 'events:read');
    expectMissing(await ops.post('/events', { event: 'a.b', data: {} }), 'events:write');
  });

  it('checks the scope before the body, and the admin scope implies every other', async () => {
    const consumer = await keyWith(['events:read']);
    // An invalid body from a key that may not publish is still a 403, not a 422.
    expectMissing(await consumer.post('/events', { nope: true }), 'events:write');
    expect((await admin.get('/events')).status).toBe(200);
    expect((await admin.post('/events', { event: 'a.b', data: {} })).status).toBe(201);
    expect((await admin.get('/endpoints')).status).toBe(200);
  });

  it('gives a key created without scopes everything but key management', async () => {
    const res = await admin.post('/api-keys', { name: 'plain' });
    expect(res.body.scopes).toEqual(['events:write', 'events:read', 'endpoints:manage']);
    expect(res.body.admin).toBe(false);
    const adminMade = await admin.post('/api-keys', { name: 'ops', admin: true });
    expect(adminMade.body.scopes).toEqual(['admin']);
    expect(adminMade.body.admin).toBe(true);
  });

  it('shows any key its own tenant and scopes at GET /api-keys/current', async () => {
    const consumer = await keyWith(['events:read']);
    const me = await consumer.get('/api-keys/current');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      object: 'api_key',
      tenant: 'default',
      scopes: ['events:read'],
      admin: false,
    });
    expect(me.body.key).toBeUndefined();
    expect((await client(server.url, 'sk_herald_nope').get('/api-keys/current')).status).toBe(401);
  });

  it('refuses an unknown or empty scope list with 422 naming the field', async () => {
    const unknown = await admin.post('/api-keys', { scopes: ['events:delete'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].field).toMatch(/^scopes/);
    const empty = await admin.post('/api-keys', { scopes: [] });
    expect(empty.status).toBe(422);
    expect(empty.body.errors[0].field).toMatch(/^scopes/);
  });
});

describe('keys made before scopes (sqlite upgrade)', () => {
  it('keep full access: ordinary keys all but key management, admin keys everything', async () => {
    const path = join(tempDir('herald-scopes-'), 'herald.db');
    const raw = new DatabaseSync(path);
    raw.exec(
      'CREATE TABLE herald_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const dir = new URL('../../src/store/sqlite/migrations/', import.meta.url).pathname;
    for (const m of readMigrationFiles(dir).filter((f) => f.version < '0008')) {
      raw.exec(m.sql);
      raw
        .prepare('INSERT INTO herald_migrations VALUES (?, ?, ?)')
        .run(m.version, m.name, Date.now());
    }
    raw.exec("INSERT INTO tenants VALUES ('ten_1', 'default', 0)");
    raw.exec(
      "INSERT INTO api_keys (id, tenant_id, name, hash, hint, admin, created_at) VALUES ('key_old', 'ten_1', 'old', 'h-old', 'h', 0, 0), ('key_adm', 'ten_1', 'adm', 'h-adm', 'h', 1, 0)",
    );
    raw.close();
    const store = new SqliteStore({ path });
    await store.migrate();
    expect((await store.apiKeyGetByHash({ hash: 'h-old' }))?.scopes).toEqual([
      'events:write',
      'events:read',
      'endpoints:manage',
    ]);
    expect((await store.apiKeyGetByHash({ hash: 'h-adm' }))?.scopes).toEqual(['admin']);
    await store.close();
  });
});
