// Composition root: the only module that picks concrete implementations.
// config → Store → services → HTTP.
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { type Config, sqlitePath } from './config/config.ts';
import { buildApp } from './http/app.ts';
import { EventReader } from './services/event-reader.ts';
import { Publisher } from './services/publisher.ts';
import { RetentionJob } from './services/retention.ts';
import { StreamHub } from './services/stream-hub.ts';
import { SqliteStore } from './store/sqlite/sqlite-store.ts';
import type { Store } from './store/store.ts';

export type StoreConfig = Pick<Config, 'dataDir' | 'databaseUrl' | 'sqliteSynchronous'>;

/** Opens the configured store without migrating it. */
export async function openStore(cfg: StoreConfig): Promise<Store> {
  if (cfg.databaseUrl) {
    throw new Error('PostgreSQL support is not available in this build yet');
  }
  return new SqliteStore({ path: sqlitePath(cfg), synchronous: cfg.sqliteSynchronous });
}

export function createLogger(cfg: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: cfg.logLevel }, pino.destination(2));
}

export interface RunningHerald {
  app: FastifyInstance;
  store: Store;
  url: string;
  retention: RetentionJob;
  hub: StreamHub;
  close(): Promise<void>;
}

/** Starts the API on the configured store, or on `givenStore` (tests pass an isolated one). */
export async function startHerald(
  cfg: Config,
  logger: Logger | false = createLogger(cfg),
  givenStore?: Store,
): Promise<RunningHerald> {
  const store = givenStore ?? (await openStore(cfg));
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  const hub = new StreamHub(store);
  const retention = new RetentionJob(store, {
    retentionMs: cfg.retentionMs,
    intervalMs: cfg.retentionIntervalMs,
    onError: (err) => {
      if (logger) logger.error({ err }, 'retention run failed');
    },
  });
  const app = await buildApp({
    store,
    publisher: new Publisher(store, { maxEventBytes: cfg.maxEventBytes }),
    reader: new EventReader(store, hub, () => retention.horizon()),
    maxEventBytes: cfg.maxEventBytes,
    maxBatchBytes: cfg.maxBatchBytes,
    sseHeartbeatMs: cfg.sseHeartbeatMs,
    logger: logger === false ? false : logger,
  });
  await app.listen({ host: cfg.host, port: cfg.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  retention.start();
  let closed = false;
  return {
    app,
    store,
    url: `http://${host}:${port}`,
    retention,
    hub,
    async close() {
      if (closed) return;
      closed = true;
      await retention.stop();
      await app.close();
      hub.close();
      await store.close();
    },
  };
}
