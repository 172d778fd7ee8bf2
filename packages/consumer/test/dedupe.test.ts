// Dedupe by event id: the bounded memory store, the file store across a
// restart (with a torn last line and compaction), and the Deduper's rule
// that a failed event is not remembered.
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Deduper, FileDedupeStore, MemoryDedupeStore } from '../src/index.ts';

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'herald-dedupe-')), 'seen.jsonl');

describe('Deduper', () => {
  it('runs an event once by id, even when redelivered under another webhook-id', async () => {
    const dedupe = new Deduper(new MemoryDedupeStore());
    const runs: string[] = [];
    const first = await dedupe.process({ id: 'event_1' }, () => runs.push('a'));
    const again = await dedupe.process({ id: 'event_1' }, () => runs.push('b'));
    expect(first).toEqual({ duplicate: false, result: 1 });
    expect(again).toEqual({ duplicate: true });
    expect(runs).toEqual(['a']);
  });

  it('does not remember an event whose handler failed, so its redelivery runs', async () => {
    const dedupe = new Deduper();
    await expect(
      dedupe.process({ id: 'event_1' }, () => {
        throw new Error('db down');
      }),
    ).rejects.toThrow('db down');
    expect(await dedupe.process({ id: 'event_1' }, () => 'ok')).toEqual({
      duplicate: false,
      result: 'ok',
    });
  });

  it('treats a concurrent delivery of an event in progress as a duplicate', async () => {
    const dedupe = new Deduper();
    let release = () => {};
    const slow = dedupe.process({ id: 'event_1' }, () => new Promise<void>((r) => (release = r)));
    expect(await dedupe.process({ id: 'event_1' }, () => 'second')).toEqual({ duplicate: true });
    release();
    expect((await slow).duplicate).toBe(false);
  });
});

describe('MemoryDedupeStore', () => {
  it('keeps at most maxEntries ids, forgetting the oldest', () => {
    const store = new MemoryDedupeStore({ maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) store.add(id);
    expect(store.size).toBe(3);
    expect(store.has('a')).toBe(false);
    expect(['b', 'c', 'd'].every((id) => store.has(id))).toBe(true);
  });
});

describe('FileDedupeStore', () => {
  it('remembers ids across a restart and ignores a line torn by a crash', async () => {
    const path = tempFile();
    const store = await FileDedupeStore.open(path);
    await store.add('event_1');
    await store.add('event_2');
    await store.close();
    appendFileSync(path, '{"id":"event_3"'); // a crash mid-write
    const reopened = await FileDedupeStore.open(path);
    expect(reopened.has('event_1')).toBe(true);
    expect(reopened.has('event_2')).toBe(true);
    expect(reopened.has('event_3')).toBe(false);
    await reopened.add('event_4');
    await reopened.close();
    const third = await FileDedupeStore.open(path);
    expect(['event_1', 'event_2', 'event_4'].every((id) => third.has(id))).toBe(true);
    await third.close();
  });

  it('compacts the file to the kept ids once it holds twice as many lines', async () => {
    const path = tempFile();
    const store = await FileDedupeStore.open(path, { maxEntries: 5, sync: false });
    for (let i = 0; i < 11; i++) await store.add(`event_${i}`);
    await store.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    const reopened = await FileDedupeStore.open(path, { maxEntries: 5 });
    expect(reopened.has('event_10')).toBe(true);
    expect(reopened.has('event_6')).toBe(true);
    expect(reopened.has('event_5')).toBe(false);
    await reopened.add('event_11');
    await reopened.close();
    expect((await FileDedupeStore.open(path)).has('event_11')).toBe(true);
  });

  it('survives with a Deduper: an event handled before a restart is a duplicate after it', async () => {
    const path = tempFile();
    const first = await FileDedupeStore.open(path);
    await new Deduper(first).process({ id: 'event_9' }, () => {});
    await first.close();
    const second = await FileDedupeStore.open(path);
    expect(await new Deduper(second).process({ id: 'event_9' }, () => {})).toEqual({
      duplicate: true,
    });
    await second.close();
  });
});
