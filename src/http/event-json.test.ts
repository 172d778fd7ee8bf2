import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { type StoredEvent, toEventOut } from '../domain/event.ts';
import { eventBatchOutJson, eventOutJson } from './event-json.ts';
import { EventBatchOut, EventOut } from './schemas/event-schemas.ts';

const LONE_SURROGATE = String.fromCharCode(0xd800);

function event(n: number, extra: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: `event_01JABCDEFGHJKMNPQRSTVWX${String(n).padStart(3, '0')}`,
    tenantId: 'tenant_1',
    sequence: n,
    type: 'user.created',
    organizationId: null,
    data: { n },
    createdAt: new Date(Date.UTC(2026, 10, 25, 19, 8, 0, n % 1000)),
    level: null,
    ...extra,
  };
}

const EVENTS: StoredEvent[] = [
  event(1),
  event(2, { organizationId: 'org_1' }),
  event(3, { data: {} }),
  event(4, {
    organizationId: `org "quoted" \\ ü ${LONE_SURROGATE}`,
    data: {
      z: 1,
      a: { y: [1, 'two', null, true, -0, 1e21, 1.5e-7], b: 'ü 😀 \u2028 \n\t "q" \\' },
      10: 'integer-like keys come first',
      2: 'in ascending order',
      s: LONE_SURROGATE,
      long: 'x'.repeat(6000),
    },
  }),
  event(5, { type: 'a_b.c_9', sequence: 2 ** 40, createdAt: new Date(0) }),
  event(6, { createdAt: new Date(Date.UTC(12000, 0, 1)) }),
  event(7, { createdAt: new Date(Date.UTC(20, 0, 1)), organizationId: '' }),
  event(8, { level: 0 }),
  event(9, { level: 4, organizationId: 'org_1' }),
];

/** The reference: the same schemas answered through Fastify's own serializer. */
async function viaSchema() {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  app.get('/one/:i', { schema: { response: { 200: EventOut } } }, async (request) => {
    const i = Number((request.params as { i: string }).i);
    return toEventOut(EVENTS[i] as StoredEvent);
  });
  app.get('/batch', { schema: { response: { 200: EventBatchOut } } }, async () => ({
    object: 'list' as const,
    data: EVENTS.map(toEventOut),
  }));
  await app.ready();
  return app;
}

describe('event JSON for publish responses', () => {
  it('is byte for byte what the Event schema serializes to', async () => {
    const app = await viaSchema();
    for (const [i, e] of EVENTS.entries()) {
      const res = await app.inject({ method: 'GET', url: `/one/${i}` });
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(eventOutJson({ event: e, dataJson: JSON.stringify(e.data) })).toBe(res.body);
    }
    await app.close();
  });

  it('is byte for byte what the EventBatchOut schema serializes to', async () => {
    const app = await viaSchema();
    const res = await app.inject({ method: 'GET', url: '/batch' });
    const items = EVENTS.map((e) => ({ event: e, dataJson: JSON.stringify(e.data) }));
    expect(eventBatchOutJson(items)).toBe(res.body);
    expect(eventBatchOutJson([])).toBe('{"object":"list","data":[]}');
    await app.close();
  });
});
