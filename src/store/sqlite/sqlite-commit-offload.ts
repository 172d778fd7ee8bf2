// The SQLite store's group commits (event appends, delivery outcomes) run on
// a worker thread of their own (sqlite-commit-thread.ts): node:sqlite is
// synchronous, and writing a commit (multi-row inserts, WAL frames, the
// appends' fsync, checkpoints) was the largest cost on the event loop that
// also serves requests and sends the webhooks. Off it, the loop goes on while
// a commit is written, and what arrives meanwhile makes the next commit
// larger. Commits are written one at a time, in the order they were handed
// over; the result comes back only after COMMIT.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { NewEvent } from '../../domain/event.ts';
import type { DeliveryCommitParams, DeliveryCommitResult } from '../delivery-store.ts';
import type { EventAppendParams } from '../store.ts';
import type {
  AppendWireOutcome,
  CommitReply,
  CommitRequest,
  CommitThreadData,
  WireError,
} from './sqlite-commit-thread.ts';
import { translateSqliteError } from './sqlite-errors.ts';
import { COMMIT_THREAD, type SqliteWriteGate } from './sqlite-write-gate.ts';

// The thread's module sits next to this one, as .ts in the sources or .js in a build.
const THREAD_URL = new URL(
  `./sqlite-commit-thread${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);

interface Pending {
  resolve: (r: never) => void;
  reject: (err: unknown) => void;
}

/** The store error a thread's error stands for (busy → retryable, as on the loop). */
export function fromWire(e: WireError): unknown {
  return translateSqliteError(Object.assign(new Error(e.message), e));
}

/** Stands in for an event's data on its way to the thread (which writes dataJson). */
const NO_DATA: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

type Request = CommitRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

export class SqliteCommitOffload {
  readonly #data: CommitThreadData;
  readonly #gate: SqliteWriteGate;
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;
  /** Waiting for the last pending commit to come back (close). */
  #drained: (() => void)[] = [];

  constructor(opts: Omit<CommitThreadData, 'gate'> & { gate: SqliteWriteGate }) {
    this.#data = {
      path: opts.path,
      busyTimeoutMs: opts.busyTimeoutMs,
      fullSync: opts.fullSync,
      gate: opts.gate.buffer,
    };
    this.#gate = opts.gate;
  }

  commit(params: DeliveryCommitParams): Promise<DeliveryCommitResult> {
    return this.#request({ kind: 'deliveries', params });
  }

  /**
   * One group of appends in one transaction; an item's failure is its own
   * outcome. Only each event's serialized data crosses to the thread, and the
   * events that come back get the caller's data objects again: a burst of
   * batches then costs a copy of its JSON text, not two deep copies of it.
   */
  async append(items: EventAppendParams[]): Promise<AppendWireOutcome[]> {
    const wire = items.map((item) => ({
      tenantId: item.tenantId,
      events: item.events.map((e) => ({
        type: e.type,
        organizationId: e.organizationId,
        idempotencyKey: e.idempotencyKey,
        level: e.level ?? null,
        dataJson: e.dataJson ?? JSON.stringify(e.data),
        data: NO_DATA,
      })),
    }));
    const results: AppendWireOutcome[] = await this.#request({ kind: 'appends', items: wire });
    results.forEach((r, i) => {
      if ('err' in r) return;
      const events = (items[i] as EventAppendParams).events;
      // A key repeated within the item comes back as the same object as its
      // first use (structured clone keeps identity), so it is filled in too;
      // replays of earlier appends carry their data as read back.
      r.ok.forEach((a, j) => {
        if (!a.replayed) a.event.data = (events[j] as NewEvent).data;
      });
    });
    return results;
  }

  #request<T>(req: Request): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (r: never) => void, reject });
      // Keep the process alive while a commit is being written, not after.
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ ...req, id } as CommitRequest);
    });
  }

  /** Lets the commits being written finish (up to `graceMs`), then stops the thread. */
  async close(graceMs = 5_000): Promise<void> {
    this.#closed = true;
    if (this.#pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => this.#drained.push(r)),
        new Promise((r) => {
          timer = setTimeout(r, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
    this.#gate.releaseIfHeldBy(COMMIT_THREAD);
    this.#failAll(new Error('the store was closed during a commit'));
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(THREAD_URL, { workerData: this.#data });
    worker.unref();
    worker.on('message', (reply: CommitReply) => {
      const p = this.#pending.get(reply.id);
      if (!p) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) {
        worker.unref();
        for (const d of this.#drained.splice(0)) d();
      }
      if ('result' in reply) p.resolve(reply.result as never);
      else p.reject(fromWire(reply.error));
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
