// Body of the worker thread that writes delivery group commits on SQLite
// (started by sqlite-commit-offload.ts). It has a connection of its own to the
// same file; WAL lets the main connection go on reading (and the event loop go
// on sending) while this one writes, and SQLite's write lock serializes it
// with the main connection's writes.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { DeliveryCommitParams } from '../delivery-store.ts';
import { commitDeliveries } from './sqlite-delivery-commit.ts';
import { COMMIT_THREAD, SqliteWriteGate } from './sqlite-write-gate.ts';

export interface CommitThreadData {
  path: string;
  busyTimeoutMs: number;
  /** The SqliteWriteGate shared with the event loop's connection. */
  gate: SharedArrayBuffer;
}

export type CommitRequest = { id: number; params: DeliveryCommitParams };
export type CommitReply =
  | { id: number; result: ReturnType<typeof commitDeliveries> }
  | { id: number; error: { message: string; errcode?: number; code?: string } };

const data = workerData as CommitThreadData;
const gate = new SqliteWriteGate(data.gate);
const db = new DatabaseSync(data.path, { timeout: data.busyTimeoutMs });
// Delivery bookkeeping commits without an fsync, as on the main connection
// (see #stateTx in sqlite-store.ts for why that loses no accepted event).
db.exec('PRAGMA synchronous = NORMAL');
db.exec('PRAGMA foreign_keys = ON');
const statements = new Map<string, StatementSync>();
const stmt = (sql: string): StatementSync => {
  let s = statements.get(sql);
  if (!s) {
    s = db.prepare(sql);
    statements.set(sql, s);
  }
  return s;
};

parentPort?.on('message', ({ id, params }: CommitRequest) => {
  let reply: CommitReply;
  const gated = gate.acquire(COMMIT_THREAD, data.busyTimeoutMs);
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = commitDeliveries(stmt, params);
      db.exec('COMMIT');
      reply = { id, result };
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    } finally {
      if (gated) gate.release();
    }
  } catch (err) {
    const e = err as Error & { errcode?: number; code?: string };
    reply = { id, error: { message: e.message, errcode: e.errcode, code: e.code } };
  }
  parentPort?.postMessage(reply);
});
