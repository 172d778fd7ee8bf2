import { RetryableStoreError, StoreError } from '../errors.ts';

// SQLSTATEs for transient conditions: serialization failure, deadlock, lock
// timeout, server shutting down or starting, too many connections.
const RETRYABLE_SQLSTATES = new Set([
  '40001',
  '40P01',
  '55P03',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

// Socket-level failures reported by Node.
const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// node-postgres reports a lost connection or a pool timeout without a code.
const RETRYABLE_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|connection timeout|not queryable/i;

/** True for errors that mean the connection itself is gone or unusable. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || RETRYABLE_NODE_CODES.has(code))) {
    return true;
  }
  return RETRYABLE_MESSAGE.test(err.message);
}

/** Maps pg errors to store errors; anything unrecognised passes through. */
export function translatePostgresError(err: unknown): unknown {
  if (err instanceof StoreError || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if ((typeof code === 'string' && RETRYABLE_SQLSTATES.has(code)) || isConnectionError(err)) {
    return new RetryableStoreError(err.message, { cause: err });
  }
  return err;
}

/** "no partition of relation ... found for row": the day's partition is missing (or was dropped). */
export function isMissingPartitionError(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err as { code?: unknown }).code === '23514' &&
    err.message.startsWith('no partition of relation')
  );
}
