import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCommitOffload } from './sqlite-commit-offload.ts';
import { SqliteStore } from './sqlite-store.ts';
import { LOOP, SqliteWriteGate } from './sqlite-write-gate.ts';

const empty = { workerId: 'w', now: new Date(), endpoints: [], deliveries: [], attempts: [] };

describe('SqliteCommitOffload', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('fails a commit, rather than hanging, when its thread cannot open the database', async () => {
    const offload = new SqliteCommitOffload({
      path: join(tmpdir(), 'herald-no-such-dir', 'x', 'herald.db'),
      busyTimeoutMs: 100,
      fullSync: true,
      gate: new SqliteWriteGate(),
    });
    await expect(offload.commit(empty)).rejects.toThrow();
    // The next commit starts a new thread (and fails the same way).
    await expect(offload.commit(empty)).rejects.toThrow();
    await offload.close();
  });

  // What a commit writes is covered by the conformance suite, whose SQLite
  // store (a file) commits through this thread.
  it('commits on a migrated file, and refuses commits once closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-offload-'));
    dirs.push(dir);
    const store = new SqliteStore({ path: join(dir, 'herald.db') });
    await store.migrate();
    const offload = new SqliteCommitOffload({
      path: join(dir, 'herald.db'),
      busyTimeoutMs: 1000,
      fullSync: true,
      gate: new SqliteWriteGate(),
    });
    expect(await offload.commit(empty)).toEqual({ lost: [], disabled: [] });
    await offload.close();
    await expect(offload.commit(empty)).rejects.toThrow(/closed/);
    await store.close();
  });

  it('writes a commit only while the write gate is its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-offload-'));
    dirs.push(dir);
    const store = new SqliteStore({ path: join(dir, 'herald.db') });
    await store.migrate();
    const gate = new SqliteWriteGate();
    const offload = new SqliteCommitOffload({
      path: join(dir, 'herald.db'),
      busyTimeoutMs: 5000,
      fullSync: true,
      gate,
    });
    await offload.commit(empty); // the thread is up
    expect(gate.tryAcquire(LOOP)).toBe(true);
    let done = false;
    const commit = offload.commit(empty).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(done).toBe(false);
    gate.release();
    await commit;
    expect(done).toBe(true);
    expect(gate.free).toBe(true);
    await offload.close();
    await store.close();
  });

  it('gives appended events back with their data, also a key repeated in one append', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-offload-'));
    dirs.push(dir);
    const store = new SqliteStore({ path: join(dir, 'herald.db') });
    await store.migrate();
    const tenant = await store.tenantEnsure({ name: 'offload' });
    const ev = (n: number, key: string | null) => ({
      type: 'user.created',
      data: { n },
      organizationId: null,
      idempotencyKey: key,
    });
    const first = await store.eventAppend({
      tenantId: tenant.id,
      events: [ev(1, 'a'), ev(2, null), ev(3, 'a')],
    });
    expect(first.map((a) => [a.event.data, a.replayed])).toEqual([
      [{ n: 1 }, false],
      [{ n: 2 }, false],
      [{ n: 1 }, true],
    ]);
    // A later append with the same key gets the stored event, data read back.
    const again = await store.eventAppend({ tenantId: tenant.id, events: [ev(9, 'a')] });
    expect(again.map((a) => [a.event.data, a.event.sequence, a.replayed])).toEqual([
      [{ n: 1 }, first[0]?.event.sequence, true],
    ]);
    await store.close();
  });
});
