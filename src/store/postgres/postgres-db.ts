// Connection settings and the transaction helper shared by the PostgreSQL store.
import type { ClientConfig, Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/** Lowercase identifiers only, so the name needs no quoting in search_path or channel names. */
export function assertSchemaName(schema: string): void {
  if (!SCHEMA_RE.test(schema)) {
    throw new Error(
      `invalid PostgreSQL schema name ${JSON.stringify(schema)}: use lowercase letters, digits and _ (at most 63)`,
    );
  }
}

/**
 * Settings for every connection, pooled or not. The search_path goes in the
 * startup packet, so a connection can never run a query in the wrong schema.
 */
export function connectionConfig(
  connectionString: string,
  schema: string | null,
  applicationName: string,
): ClientConfig {
  const config: ClientConfig = {
    connectionString,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
  };
  if (schema !== null) config.options = `-c search_path=${schema}`;
  return config;
}

/**
 * Runs fn in a READ COMMITTED transaction (the append path relies on each
 * statement seeing rows committed before it started, whatever the server
 * default is). A client whose ROLLBACK fails is dropped from the pool.
 */
export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let discard: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => {
      discard = rollbackErr;
    });
    throw err;
  } finally {
    client.release(discard);
  }
}

/**
 * Runs the statements as one READ COMMITTED transaction in one round trip:
 * BEGIN, the statements and COMMIT are written together (the store's pool is
 * in pipeline mode) and the server runs them in order. When one fails, the
 * ones after it fail too (the transaction is aborted) and COMMIT rolls back;
 * the first error is thrown. With `asyncCommit` the commit does not wait for
 * the WAL flush (SET LOCAL synchronous_commit = off): a crash can lose the
 * transaction, never corrupt it; callers say why that is acceptable.
 */
export async function pipelinedTransaction(
  pool: Pool,
  statements: QueryConfig[],
  opts: { asyncCommit?: boolean } = {},
): Promise<QueryResult<QueryResultRow>[]> {
  const client = await pool.connect();
  const head = ['BEGIN ISOLATION LEVEL READ COMMITTED'];
  if (opts.asyncCommit) head.push('SET LOCAL synchronous_commit = off');
  const sent = [
    ...head.map((text) => client.query(text)),
    ...statements.map((s) => client.query(s)),
    client.query('COMMIT'),
  ];
  const settled = await Promise.allSettled(sent);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    // The COMMIT answered (as a rollback) unless the connection itself failed.
    const last = settled.at(-1) as PromiseSettledResult<QueryResult>;
    client.release(last.status === 'rejected' ? (last.reason as Error) : undefined);
    throw failed.reason;
  }
  client.release();
  return settled
    .slice(head.length, head.length + statements.length)
    .map((r) => (r as PromiseFulfilledResult<QueryResult<QueryResultRow>>).value);
}

// Locking rows, then writing them, within one pipelinedTransaction: the first
// statement locks them in id order (FOR NO KEY UPDATE, which re-checks its
// condition on a row changed meanwhile) and records their ids with
// rememberLocked(); the second writes exactly those (id = ANY (LOCKED_IDS)),
// on a fresh snapshot. Writers that lock several endpoints (or deliveries)
// all take them in id order this way, so they cannot deadlock on each other.
// Not one statement: an UPDATE after a locking CTE works on the versions its
// snapshot saw, and when a row changed in between it queues for that old
// version's tuple lock while already holding the new one, which deadlocks
// with another locker queued behind it (seen with concurrent takeovers and
// group commits). And not "the same condition again": a row that came to
// match it between the two statements would be locked out of order.

/** SQL: records the ids of the rows of `cte` (a locking CTE) for LOCKED_IDS; yields text. */
export const rememberLocked = (cte: string) =>
  `set_config('herald.locked', (SELECT coalesce(json_agg(id), '[]') FROM ${cte})::text, true)`;

/** SQL: the ids recorded by rememberLocked() earlier in the transaction, as text[]. */
export const LOCKED_IDS =
  "ARRAY(SELECT json_array_elements_text(current_setting('herald.locked')::json))";

/** Runs fn on one pooled connection; the connection is destroyed if fn fails. */
export async function withSession<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    const result = await fn(client);
    client.release();
    return result;
  } catch (err) {
    // Closing the session also releases any session-level advisory lock it holds.
    client.release(true);
    throw err;
  }
}
