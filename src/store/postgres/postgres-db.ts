// Connection settings and the transaction helper shared by the PostgreSQL store.
import type { ClientConfig, Pool, PoolClient } from 'pg';

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
