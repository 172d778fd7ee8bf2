import { RetryableStoreError, StoreError } from '../errors.ts';

/** Maps node:sqlite errors to store errors; anything unrecognised passes through. */
export function translateSqliteError(err: unknown): unknown {
  if (err instanceof StoreError || !(err instanceof Error)) return err;
  const code = (err as { errcode?: number }).errcode;
  // SQLITE_BUSY (5) and SQLITE_LOCKED (6), including extended codes.
  if (code !== undefined && ((code & 0xff) === 5 || (code & 0xff) === 6)) {
    return new RetryableStoreError(err.message, { cause: err });
  }
  return err;
}
