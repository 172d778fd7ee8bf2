// Group commit on SQLite: independent writes that arrive together (appends)
// share one transaction and one commit, and one of them
// failing must not undo the others.
//
// They almost never fail, so the group first runs without savepoints: each
// savepoint costs two statements and a journal copy of every existing page
// its write changes (spilled to a temp file past 64 KB, which a batch of 500
// events reaches). If a write throws, that transaction is rolled back and the
// group runs again with a savepoint per write, so the failing one is the only
// one lost. A failing BEGIN or COMMIT fails the whole group (it throws).
import type { StatementSync } from 'node:sqlite';
import { translateSqliteError } from './sqlite-errors.ts';

export type GroupOutcome<R> = { ok: R } | { err: unknown };

export function runGroup<T, R>(
  tx: <X>(fn: () => X) => X,
  stmt: (sql: string) => StatementSync,
  items: T[],
  each: (item: T) => R,
): GroupOutcome<R>[] {
  let failed: { err: unknown } | null = null;
  try {
    return tx(() =>
      items.map((item): GroupOutcome<R> => {
        try {
          return { ok: each(item) };
        } catch (err) {
          failed = { err: translateSqliteError(err) };
          throw err;
        }
      }),
    );
  } catch (err) {
    if (failed === null) throw err;
    if (items.length === 1) return [failed];
  }
  return tx(() =>
    items.map((item): GroupOutcome<R> => {
      stmt('SAVEPOINT group_item').run();
      try {
        const ok = each(item);
        stmt('RELEASE group_item').run();
        return { ok };
      } catch (err) {
        stmt('ROLLBACK TO group_item').run();
        stmt('RELEASE group_item').run();
        return { err: translateSqliteError(err) };
      }
    }),
  );
}
