import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { type StoredEvent, toEventOut } from '../domain/event.ts';
import { webhookRequest } from './forwarder.ts';
import { listenSecret } from './listen-state.ts';

const stored: StoredEvent = {
  id: 'event_01M8STQRX5FYXR057G78DZNC3B',
  tenantId: 't',
  sequence: 7,
  type: 'order.paid',
  data: { z: 1, a: { nested: [1, 'x'] } },
  level: null,
  organizationId: 'org_1',
  createdAt: new Date('2026-12-01T10:00:00.123Z'),
};

describe('listen forwarding', () => {
  it('the secret is a valid whsec_, the same for the same key and URL, another for another', () => {
    const a = listenSecret('sk_herald_a', 'http://localhost:3000/hook');
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(listenSecret('sk_herald_a', 'http://localhost:3000/hook')).toBe(a);
    expect(listenSecret('sk_herald_a', 'http://localhost:3001/hook')).not.toBe(a);
    expect(listenSecret('sk_herald_b', 'http://localhost:3000/hook')).not.toBe(a);
  });

  it('rebuilds from the API shape the exact body a delivery sends, and signs it', () => {
    // What the API client receives: the serialized event, keys in the API's order.
    const fromApi = {
      object: 'event' as const,
      id: stored.id,
      event: stored.type,
      data: stored.data,
      created_at: '2026-12-01T10:00:00.123Z',
      organization_id: 'org_1',
      sequence: 7,
      context: { sequence: 7, organization_id: 'org_1' },
    };
    expect(JSON.stringify(fromApi)).not.toBe(JSON.stringify(toEventOut(stored)));
    const secret = listenSecret('sk_herald_a', 'http://x/');
    const now = new Date();
    const req = webhookRequest(fromApi, secret, now);
    expect(req.body).toBe(JSON.stringify(toEventOut(stored)));
    expect(req.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-sequence': '7',
      'webhook-id': `listen_${stored.id}`,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    });
    expect(new Webhook(secret).verify(req.body, req.headers)).toEqual(toEventOut(stored));
    expect(() =>
      new Webhook(listenSecret('other', 'http://x/')).verify(req.body, req.headers),
    ).toThrow();
  });
});
