// The SQLite file's write lock as this process's two connections share it:
// the event loop's (API changes, ownership, retention) and the commit
// thread's (group commits of appends and of delivery outcomes). SQLite lets one writer in at a time, and a writer that finds
// the file locked waits in SQLite's busy handler, which sleeps 1, 2, 5, 10…
// ms between tries; on the event loop that sleep stops every request and
// send, and on the commit thread it holds every slot waiting for its commit.
// Both connections take this gate around their write transactions instead,
// so a writer that has to wait is woken the moment the other one is done.
// (Other processes on the same file, such as `herald migrate`, still meet the
// busy handler; they are rare.)

/** Who holds the gate; 0 is nobody. */
export const LOOP = 1;
export const COMMIT_THREAD = 2;
type Holder = typeof LOOP | typeof COMMIT_THREAD;

export class SqliteWriteGate {
  /** Shared with the commit thread (passed in its workerData). */
  readonly buffer: SharedArrayBuffer;
  readonly #cell: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.buffer = buffer;
    this.#cell = new Int32Array(buffer);
  }

  get free(): boolean {
    return Atomics.load(this.#cell, 0) === 0;
  }

  tryAcquire(who: Holder): boolean {
    return Atomics.compareExchange(this.#cell, 0, 0, who) === 0;
  }

  /**
   * Blocks this thread until the gate is taken, or `timeoutMs` passes (false:
   * the caller goes on and meets SQLite's own busy handling).
   */
  acquire(who: Holder, timeoutMs: number): boolean {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const held = Atomics.compareExchange(this.#cell, 0, 0, who);
      if (held === 0) return true;
      const left = until - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.#cell, 0, held, left);
    }
  }

  /** Resolves once the gate is free (it may be taken again before the caller runs). */
  async whenFree(): Promise<void> {
    for (;;) {
      const held = Atomics.load(this.#cell, 0);
      if (held === 0) return;
      const w = Atomics.waitAsync(this.#cell, 0, held);
      if (w.async) await w.value;
    }
  }

  release(): void {
    Atomics.store(this.#cell, 0, 0);
    Atomics.notify(this.#cell, 0);
  }

  /** For a holder that died inside its transaction (SQLite rolled it back). */
  releaseIfHeldBy(who: Holder): void {
    if (Atomics.compareExchange(this.#cell, 0, who, 0) === who) Atomics.notify(this.#cell, 0);
  }
}
