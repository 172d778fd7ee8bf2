// The WorkOS SDK at its current major, unchanged, on event types and shapes
// WorkOS does not define — and what it does to the names WorkOS reserves.
import { type ListEventOptions, WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../fixtures/receiver.ts';
import { client, startTestServer, type TestServer, testBackends } from '../fixtures/test-server.ts';

/** The SDK's TypeScript types list only WorkOS's names; at runtime any name passes. */
const names = (...types: string[]) => types as ListEventOptions['events'];

describe.each(await testBackends())('WorkOS SDK 12 with custom types (%s)', (backend) => {
  let server: TestServer;
  let key: string;
  let workos: WorkOS;

  beforeAll(async () => {
    server = await startTestServer(backend);
    key = await server.key();
    workos = new WorkOS(key, {
      apiHostname: '127.0.0.1',
      port: Number(new URL(server.url).port),
      https: false,
    });
    const events = [
      { event: 'invoice.paid', data: { invoice_id: 'in_1', amount_cents: 1200, lines: [1, 2] } },
      { event: 'deploy.finished', data: { nested: { ok: true }, created_at: 'not a date' } },
      {
        event: 'user.created',
        data: { object: 'user', id: 'user_1', email: 'a@example.com', email_verified: true },
      },
      { event: 'organization.created', data: { id: 'org_1', name: 'Not WorkOS-shaped' } },
    ];
    expect((await client(server.url, key).post('/events/batch', { events })).status).toBe(201);
  });
  afterAll(() => server.close());

  it('passes custom types through as event.event with data exactly as published', async () => {
    const page = await workos.events.listEvents({
      events: names('invoice.paid', 'deploy.finished'),
      limit: 10,
    });
    expect(page.data.map((e) => e.event)).toEqual(['invoice.paid', 'deploy.finished']);
    expect(page.data[0]?.data).toEqual({
      invoice_id: 'in_1',
      amount_cents: 1200,
      lines: [1, 2],
    });
    expect(page.data[1]?.data).toEqual({ nested: { ok: true }, created_at: 'not a date' });
    // The SDK renames the envelope's created_at and keeps Herald's context as is.
    expect(page.data[0]?.createdAt).toBeInstanceOf(Date);
    expect(page.data[0]?.context).toMatchObject({ sequence: 1 });
  });

  it('reshapes data of reserved user.* names into its camelCase User', async () => {
    const page = await workos.events.listEvents({ events: ['user.created'], limit: 10 });
    const data = page.data[0]?.data as unknown as Record<string, unknown>;
    expect(data.emailVerified).toBe(true);
    expect(data).not.toHaveProperty('email_verified');
    expect(data.metadata).toEqual({});
  });

  it('throws on a page holding a reserved organization.* event not shaped like WorkOS data', async () => {
    await expect(
      workos.events.listEvents({ events: ['organization.created'], limit: 10 }),
    ).rejects.toThrow(TypeError);
    // The same event read without the SDK is intact.
    const raw = await client(server.url, key).get('/events?events=organization.created');
    expect(raw.body.data[0].data).toEqual({ id: 'org_1', name: 'Not WorkOS-shaped' });
  });

  it("shows Herald's reason in the SDK's exception (problem documents carry message)", async () => {
    const err = await workos.events
      .listEvents({ events: names('invoice.paid'), after: 'event_not_a_cursor' })
      .then(
        () => null,
        (e: Error & { status?: number }) => e,
      );
    expect(err?.status).toBe(400);
    const direct = await client(server.url, key).get(
      '/events?events=invoice.paid&after=event_not_a_cursor',
    );
    expect(direct.body.message).toBe(direct.body.detail);
    expect(err?.message).toBe(direct.body.detail);
  });

  it('cannot pass wait through: the SDK drops options it does not know', async () => {
    const recorder = await startReceiver(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ object: 'list', data: [], list_metadata: { after: null } }),
    }));
    try {
      const viaRecorder = new WorkOS(key, {
        apiHostname: '127.0.0.1',
        port: Number(new URL(recorder.url).port),
        https: false,
      });
      const options = { events: names('invoice.paid'), limit: 5, wait: 30 };
      await viaRecorder.events.listEvents(options as ListEventOptions);
      const query = new URL(recorder.requests[0]?.path ?? '', recorder.url).searchParams;
      expect(query.get('limit')).toBe('5');
      expect(query.has('wait')).toBe(false);
    } finally {
      await recorder.close();
    }
  });
});
