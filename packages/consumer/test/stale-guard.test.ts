// The stale-update guard keeps an event only when its object's updated_at is
// newer than what the receiver holds.
import { describe, expect, it } from 'vitest';
import { type HeraldEvent, StaleGuard, type Version } from '../src/index.ts';

const ev = (type: string, data: Record<string, unknown>, n = 1): HeraldEvent => ({
  object: 'event',
  id: `event_${n}`,
  event: type,
  data,
  created_at: new Date().toISOString(),
  sequence: n,
  context: { sequence: n },
});

function guard() {
  const versions = new Map<string, Version>();
  return {
    versions,
    guard: new StaleGuard({ get: (k) => versions.get(k), set: (k, v) => void versions.set(k, v) }),
  };
}

describe('StaleGuard', () => {
  it('applies newer updates and skips an older one that arrives late', async () => {
    const { guard: g, versions } = guard();
    const applied: string[] = [];
    const apply = (e: HeraldEvent) => g.apply(e, () => applied.push(e.id));
    await apply(ev('user.updated', { id: 'u1', updated_at: '2021-07-10T07:18:14.298Z' }, 2));
    const late = await apply(
      ev('user.created', { id: 'u1', updated_at: '2021-06-25T19:07:33.155Z' }, 1),
    );
    expect(late).toEqual({ applied: false, reason: 'stale' });
    const same = await apply(
      ev('user.updated', { id: 'u1', updated_at: '2021-07-10T07:18:14.298Z' }, 3),
    );
    expect(same.applied).toBe(false);
    await apply(ev('user.updated', { id: 'u1', updated_at: '2021-08-01T00:00:00.000Z' }, 4));
    expect(applied).toEqual(['event_2', 'event_4']);
    expect(versions.get('user:u1')).toBe('2021-08-01T00:00:00.000Z');
  });

  it('keys objects by data.object and id, so different objects do not interfere', async () => {
    const { guard: g } = guard();
    await g.apply(ev('x.updated', { object: 'user', id: 1, updated_at: 10 }), () => {});
    expect(
      (await g.apply(ev('x.updated', { object: 'group', id: 1, updated_at: 5 }), () => {})).applied,
    ).toBe(true);
    expect(
      (await g.apply(ev('x.updated', { object: 'user', id: 1, updated_at: 5 }), () => {})).applied,
    ).toBe(false);
  });

  it('applies events it cannot judge, and does not record a version when the handler fails', async () => {
    const { guard: g, versions } = guard();
    expect((await g.apply(ev('user.deleted', { id: 'u1' }), () => 'ok')).applied).toBe(true);
    await expect(
      g.apply(ev('user.updated', { id: 'u2', updated_at: '2021-01-01T00:00:00Z' }), () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(versions.has('user:u2')).toBe(false);
  });

  it('takes custom key and version functions', async () => {
    const versions = new Map<string, Version>();
    const g = new StaleGuard({
      get: async (k) => versions.get(k),
      set: async (k, v) => void versions.set(k, v),
      key: (e) => String(e.data.email),
      version: (e) => e.data.rev as number,
    });
    await g.apply(ev('user.updated', { email: 'a@x', rev: 2 }), () => {});
    expect((await g.apply(ev('user.updated', { email: 'a@x', rev: 1 }), () => {})).applied).toBe(
      false,
    );
  });
});
