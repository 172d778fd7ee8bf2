// Body of the worker thread that writes the SQLite store's group commits
// (started by sqlite-commit-offload.ts): groups of event appends, and groups
// of delivery outcomes. It has a connection of its own to the same file; WAL
// lets the event loop's connection go on reading while this one writes, and
// the write gate (sqlite-write-gate.ts) orders it with that connection's
// writes. Requests are written one at a time, in the order they arrive.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { DeliveryCommitParams, DeliveryCommitResult } from '../delivery-store.ts';
import type { AppendedEvent, EventAppendParams } from '../store.ts';
import { commitDeliveries } from './sqlite-delivery-commit.ts';
import { appendEvents } from './sqlite-events.ts';
import { runGroup } from './sqlite-group-tx.ts';
import { COMMIT_THREAD, SqliteWriteGate } from './sqlite-write-gate.ts';

export interface CommitThreadData {
  path: string;
  busyTimeoutMs: number;
  /** Appends commit with an fsync (PRAGMA synchronous = FULL). */
  fullSync: boolean;
  /** The SqliteWriteGate shared with the event loop's connection. */
  gate: SharedArrayBuffer;
}

/** An error as it crosses the thread boundary (sqlite-errors.ts reads errcode). */
export interface WireError {
  message: string;
  errcode?: number;
  code?: string;
}

export type AppendWireOutcome = { ok: AppendedEvent[] } | { err: WireError };

export type CommitRequest =
  | { id: number; kind: 'deliveries'; params: DeliveryCommitParams }
  | { id: number; kind: 'appends'; items: EventAppendParams[] };

export type CommitReply =
  | { id: number; result: DeliveryCommitResult | AppendWireOutcome[] }
  | { id: number; error: WireError };

function toWire(err: unknown): WireError {
  const e = err as Error & { errcode?: number; code?: string };
  return { message: e?.message ?? String(err), errcode: e?.errcode, code: e?.code };
}

const data = workerData as CommitThreadData;
const gate = new SqliteWriteGate(data.gate);
const db = new DatabaseSync(data.path, { timeout: data.busyTimeoutMs });
// Delivery bookkeeping commits without an fsync, as on the main connection
// (see #stateTx in sqlite-store.ts for why that loses no accepted event);
// appends switch to FULL for their transaction when the store is FULL.
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

function tx<T>(fn: () => T): T {
  const gated = gate.acquire(COMMIT_THREAD, data.busyTimeoutMs);
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      db.exec('COMMIT');
      return result;
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  } finally {
    if (gated) gate.release();
  }
}

function appendGroup(items: EventAppendParams[]): AppendWireOutcome[] {
  if (data.fullSync) stmt('PRAGMA synchronous = FULL').run();
  try {
    return runGroup(tx, stmt, items, (item) => appendEvents(stmt, item, Date.now())).map((r) =>
      'err' in r ? { err: toWire(r.err) } : r,
    );
  } finally {
    if (data.fullSync) stmt('PRAGMA synchronous = NORMAL').run();
  }
}

parentPort?.on('message', (req: CommitRequest) => {
  let reply: CommitReply;
  try {
    const result =
      req.kind === 'appends'
        ? appendGroup(req.items)
        : tx(() => commitDeliveries(stmt, req.params));
    reply = { id: req.id, result };
  } catch (err) {
    reply = { id: req.id, error: toWire(err) };
  }
  parentPort?.postMessage(reply);
});
