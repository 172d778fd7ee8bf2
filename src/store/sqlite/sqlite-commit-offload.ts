// Delivery group commits on SQLite run on a worker thread of their own
// (sqlite-commit-thread.ts): node:sqlite is synchronous, and writing a commit
// (multi-row inserts, WAL frames, checkpoints) was the largest cost on the
// event loop that also sends the webhooks. Off it, the loop keeps sending
// while a commit is written, and the outcomes that arrive meanwhile make the
// next commit larger. Commits are still written one at a time, in the order
// they were handed over; the result comes back only after COMMIT.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DeliveryCommitParams, DeliveryCommitResult } from '../delivery-store.ts';
import type { CommitReply, CommitRequest, CommitThreadData } from './sqlite-commit-thread.ts';
import { translateSqliteError } from './sqlite-errors.ts';
import { COMMIT_THREAD, type SqliteWriteGate } from './sqlite-write-gate.ts';

// The thread's module sits next to this one, as .ts in the sources or .js in a build.
const THREAD_URL = new URL(
  `./sqlite-commit-thread${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);

interface Pending {
  resolve: (r: DeliveryCommitResult) => void;
  reject: (err: unknown) => void;
}

export class SqliteCommitOffload {
  readonly #data: CommitThreadData;
  readonly #gate: SqliteWriteGate;
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  constructor(opts: Omit<CommitThreadData, 'gate'> & { gate: SqliteWriteGate }) {
    this.#data = { path: opts.path, busyTimeoutMs: opts.busyTimeoutMs, gate: opts.gate.buffer };
    this.#gate = opts.gate;
  }

  commit(params: DeliveryCommitParams): Promise<DeliveryCommitResult> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // Keep the process alive while a commit is being written, not after.
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ id, params } satisfies CommitRequest);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
    this.#gate.releaseIfHeldBy(COMMIT_THREAD);
    this.#failAll(new Error('the store was closed during a delivery commit'));
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(THREAD_URL, { workerData: this.#data });
    worker.unref();
    worker.on('message', (reply: CommitReply) => {
      const p = this.#pending.get(reply.id);
      if (!p) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if ('result' in reply) p.resolve(reply.result);
      else
        p.reject(translateSqliteError(Object.assign(new Error(reply.error.message), reply.error)));
    });
    // A thread that died takes its pending commits with it (they were rolled
    // back or never begun); the next commit starts a new thread.
    const gone = (err: Error) => {
      if (this.#worker === worker) this.#worker = null;
      this.#gate.releaseIfHeldBy(COMMIT_THREAD);
      this.#failAll(err);
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`delivery commit thread exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }

  #failAll(err: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err);
  }
}
