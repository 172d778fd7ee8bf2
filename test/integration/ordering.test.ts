// Strict order: a reader paging with `after` while many clients publish never
// skips an event and never sees one twice.
import { describe, expect, it } from 'vitest';
import { useHerald } from '../fixtures/herald-fixture.ts';
import { testBackends } from '../fixtures/test-server.ts';

const PUBLISHERS = 20;
const PER_PUBLISHER = 500;

describe.each(await testBackends())('strict order under concurrency (%s)', (backend) => {
  const { api } = useHerald(backend, { receiver: false });

  it(`${PUBLISHERS} concurrent publishers x ${PER_PUBLISHER} events are read back by a paging reader exactly once, in order`, async () => {
    let publishing = true;
    const seen: { id: string; sequence: number; data: { p: number; i: number } }[] = [];
    const reader = (async () => {
      let after: string | null = null;
      for (;;) {
        const stillPublishing = publishing;
        const res = await api.get(`/events?limit=100${after ? `&after=${after}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.data);
        if (res.body.data.length > 0) after = res.body.list_metadata.after;
        else if (!stillPublishing) return;
      }
    })();
    await Promise.all(
      Array.from({ length: PUBLISHERS }, async (_, p) => {
        for (let i = 0; i < PER_PUBLISHER; i++) {
          const res = await api.post('/events', { event: 'load.tested', data: { p, i } });
          expect(res.status).toBe(201);
        }
      }),
    );
    publishing = false;
    await reader;

    const total = PUBLISHERS * PER_PUBLISHER;
    expect(seen.map((e) => e.sequence)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(total);
    expect([...ids].sort()).toEqual(ids);
    // Each publisher's own events appear in the order it published them.
    const lastIndex = new Map<number, number>();
    for (const e of seen) {
      expect(e.data.i).toBe((lastIndex.get(e.data.p) ?? -1) + 1);
      lastIndex.set(e.data.p, e.data.i);
    }
  }, 180_000);
});
