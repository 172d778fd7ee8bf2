// The official WorkOS Node SDK, unchanged, pages through Herald's Events API.
import { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, type TestServer, testBackends } from '../fixtures/test-server.ts';

function user(n: number) {
  return {
    object: 'user',
    id: `user_${n}`,
    email: `u${n}@example.com`,
    first_name: 'Test',
    last_name: `User ${n}`,
    email_verified: true,
    profile_picture_url: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  };
}

describe.each(await testBackends())('WorkOS SDK compatibility (%s)', (backend) => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer(backend);
    key = await server.key();
    const api = client(server.url, key);
    const events = [];
    for (let n = 1; n <= 25; n++) {
      const type = n % 5 === 0 ? 'user.deleted' : n % 2 === 0 ? 'user.updated' : 'user.created';
      events.push({ event: type, data: user(n), organization_id: n % 3 === 0 ? 'org_b' : 'org_a' });
    }
    events.push({ event: 'connection.activated', data: { id: 'conn_1' } });
    expect((await api.post('/events/batch', { events })).status).toBe(201);
  });
  afterAll(() => server.close());

  it('drives a full pagination loop with listEvents and sees every matching event once, in order', async () => {
    const port = Number(new URL(server.url).port);
    const workos = new WorkOS(key, { apiHostname: '127.0.0.1', port, https: false });
    const seen: { id: string; event: string; sequence: number; email: string }[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 20; guard++) {
      const page = await workos.events.listEvents({
        events: ['user.created', 'user.updated', 'user.deleted'],
        limit: 4,
        ...(after ? { after } : {}),
      });
      if (page.data.length === 0) break;
      for (const e of page.data) {
        const ctx = e.context as { sequence: number };
        seen.push({
          id: e.id,
          event: e.event,
          sequence: ctx.sequence,
          email: (e.data as { email: string }).email,
        });
        after = e.id;
      }
      expect(page.listMetadata.after).toBe(after);
    }
    expect(seen.map((e) => e.sequence)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(seen[0]).toMatchObject({ event: 'user.created', email: 'u1@example.com' });
    expect(new Set(seen.map((e) => e.id)).size).toBe(25);
  });

  it('filters by organization and range through the SDK', async () => {
    const port = Number(new URL(server.url).port);
    const workos = new WorkOS(key, { apiHostname: '127.0.0.1', port, https: false });
    const page = await workos.events.listEvents({
      events: ['user.created', 'user.updated', 'user.deleted'],
      organizationId: 'org_b',
      rangeStart: new Date(Date.now() - 60_000).toISOString(),
      rangeEnd: new Date(Date.now() + 60_000).toISOString(),
      limit: 100,
    });
    const sequences = page.data.map(
      (e) => (e.context as { sequence: number; organization_id: string }).sequence,
    );
    expect(sequences).toEqual([3, 6, 9, 12, 15, 18, 21, 24]);
    for (const e of page.data)
      expect((e.context as { organization_id: string }).organization_id).toBe('org_b');
  });
});
