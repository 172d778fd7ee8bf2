// The retention job's loop, over a fake store: chunking, the two horizons,
// independence of its two parts, and stopping in the middle of a backlog.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store/store.ts';
import { RetentionJob } from './retention.ts';

const DAY = 86_400_000;

/** A store whose two retention methods delete from counters, `limit` at a time. */
function fakeStore(backlog: { events: number; deliveries: number }) {
  const calls: { kind: string; before: Date; limit: number }[] = [];
  const take = (kind: 'events' | 'deliveries', before: Date, limit: number) => {
    calls.push({ kind, before, limit });
    const n = Math.min(limit, backlog[kind]);
    backlog[kind] -= n;
    return Promise.resolve(n);
  };
  const store = {
    eventDeleteBefore: (p: { before: Date; limit: number }) => take('events', p.before, p.limit),
    deliveryDeleteFinishedBefore: (p: { before: Date; limit: number }) =>
      take('deliveries', p.before, p.limit),
  };
  return { store: store as unknown as Store, calls, backlog };
}

describe('RetentionJob', () => {
  it('drains events and finished deliveries in chunks, each by its own horizon', async () => {
    const { store, calls } = fakeStore({ events: 12, deliveries: 7 });
    const job = new RetentionJob(store, {
      retentionMs: 30 * DAY,
      deliveryRetentionMs: 7 * DAY,
      intervalMs: 60_000,
      chunkSize: 5,
      deliveryChunkSize: 3,
    });
    const start = Date.now();
    expect(await job.runOnce()).toEqual({ events: 12, deliveries: 7 });
    expect(calls.map((c) => `${c.kind}:${c.limit}`)).toEqual([
      ...Array(3).fill('events:5'),
      ...Array(3).fill('deliveries:3'),
    ]);
    const age = (c: { before: Date }) => start - c.before.getTime();
    for (const c of calls) {
      const want = c.kind === 'events' ? 30 * DAY : 7 * DAY;
      expect(Math.abs(age(c) - want)).toBeLessThan(1000);
    }
  });

  it('still prunes deliveries when event retention fails, then reports the failure', async () => {
    const { store, backlog } = fakeStore({ events: 0, deliveries: 4 });
    const broken = new Error('cannot detach partition');
    store.eventDeleteBefore = () => Promise.reject(broken);
    const job = new RetentionJob(store, {
      retentionMs: DAY,
      deliveryRetentionMs: DAY,
      intervalMs: 60_000,
    });
    await expect(job.runOnce()).rejects.toBe(broken);
    expect(backlog.deliveries).toBe(0);
  });

  it('stops between chunks when stopped, leaving the rest for the next run', async () => {
    const { store, backlog } = fakeStore({ events: 0, deliveries: 10_000 });
    const job = new RetentionJob(store, {
      retentionMs: DAY,
      deliveryRetentionMs: DAY,
      intervalMs: 60_000,
      deliveryChunkSize: 10,
    });
    const run = job.runOnce();
    await new Promise((r) => setImmediate(r));
    await job.stop();
    const done = await run;
    expect(done.deliveries).toBeGreaterThan(0);
    expect(backlog.deliveries).toBeGreaterThan(0);
    // A later run (after a restart) carries on.
    const rest = backlog.deliveries;
    expect((await job.runOnce()).deliveries).toBe(rest);
    expect(backlog.deliveries).toBe(0);
  });
});
