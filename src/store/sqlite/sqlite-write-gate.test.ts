import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { COMMIT_THREAD, LOOP, SqliteWriteGate } from './sqlite-write-gate.ts';

// A thread that takes the gate, says so, and gives it back after `holdMs`.
function holdElsewhere(gate: SqliteWriteGate, holdMs: number): Promise<Worker> {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const cell = new Int32Array(workerData.buffer);
    Atomics.compareExchange(cell, 0, 0, ${COMMIT_THREAD});
    parentPort.postMessage('held');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
    Atomics.store(cell, 0, 0);
    Atomics.notify(cell, 0);
    parentPort.postMessage('released');
  `;
  const worker = new Worker(code, { eval: true, workerData: { buffer: gate.buffer, holdMs } });
  return new Promise((resolve) => worker.once('message', () => resolve(worker)));
}

describe('SqliteWriteGate', () => {
  it('lets one holder in at a time', () => {
    const gate = new SqliteWriteGate();
    expect(gate.tryAcquire(LOOP)).toBe(true);
    expect(gate.tryAcquire(COMMIT_THREAD)).toBe(false);
    expect(gate.free).toBe(false);
    gate.release();
    expect(gate.tryAcquire(COMMIT_THREAD)).toBe(true);
  });

  it('wakes a blocked acquire when the other thread releases', async () => {
    const gate = new SqliteWriteGate();
    const worker = await holdElsewhere(gate, 100);
    const started = performance.now();
    expect(gate.acquire(LOOP, 5_000)).toBe(true);
    // Woken by the release, long before the 5 s limit.
    expect(performance.now() - started).toBeLessThan(4_000);
    gate.release();
    await worker.terminate();
  });

  it('gives up a blocked acquire after its limit, leaving the holder alone', async () => {
    const gate = new SqliteWriteGate();
    const worker = await holdElsewhere(gate, 2_000);
    expect(gate.acquire(LOOP, 50)).toBe(false);
    expect(gate.free).toBe(false);
    await worker.terminate();
  });

  it('resolves whenFree() without blocking the event loop', async () => {
    const gate = new SqliteWriteGate();
    const worker = await holdElsewhere(gate, 100);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await gate.whenFree();
    clearInterval(timer);
    expect(gate.free).toBe(true);
    expect(ticks).toBeGreaterThan(0);
    await worker.terminate();
  });

  it('frees a gate whose holder died', () => {
    const gate = new SqliteWriteGate();
    gate.tryAcquire(COMMIT_THREAD);
    gate.releaseIfHeldBy(LOOP);
    expect(gate.free).toBe(false);
    gate.releaseIfHeldBy(COMMIT_THREAD);
    expect(gate.free).toBe(true);
  });
});
