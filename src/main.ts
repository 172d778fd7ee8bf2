// Composition root: the only module that picks concrete implementations.
// config → Store → services → HTTP.
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { type Config, sqlitePath } from './config/config.ts';
import { buildApp } from './http/app.ts';
import type { DeliveryRuntime } from './services/delivery/delivery-runtime.ts';
import { createDelivery } from './services/delivery/delivery-runtime.ts';
import { EndpointService } from './services/delivery/endpoints.ts';
import { EventReader } from './services/event-reader.ts';
import { KeyAuthenticator } from './services/key-authenticator.ts';
import { KeyRevocations } from './services/key-revocations.ts';
import { LoadMonitor } from './services/load-monitor.ts';
import { OpenStreams } from './services/open-streams.ts';
import { Publisher } from './services/publisher.ts';
import { RetentionJob } from './services/retention.ts';
import { StreamHub } from './services/stream-hub.ts';
import { PostgresStore } from './store/postgres/postgres-store.ts';
import { acquireServeLock, type ServeLock } from './store/sqlite/sqlite-serve-lock.ts';
import { SqliteStore } from './store/sqlite/sqlite-store.ts';
import type { Store } from './store/store.ts';

export type StoreConfig = Pick<
  Config,
  'dataDir' | 'databaseUrl' | 'databaseSchema' | 'databasePoolMax' | 'sqliteSynchronous'
>;

/** Opens the configured store without migrating it; `onPoolError` hears lost PostgreSQL connections. */
export async function openStore(
  cfg: StoreConfig,
  onPoolError?: (err: Error) => void,
): Promise<Store> {
  if (cfg.databaseUrl) {
    return new PostgresStore({
      connectionString: cfg.databaseUrl,
      ...(cfg.databaseSchema ? { schema: cfg.databaseSchema } : {}),
      poolMax: cfg.databasePoolMax,
      ...(onPoolError ? { onPoolError } : {}),
    });
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
  /** Open SSE streams and long polls, per key. */
  streams: OpenStreams;
  /** Null in the api role, which runs no delivery worker. */
  delivery: DeliveryRuntime | null;
  close(): Promise<void>;
}

/** Without a password, so the URL can be shown in an error line. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Starts the API on the configured store, or on `givenStore` (tests pass an isolated one). */
export async function startHerald(
  cfg: Config,
  logger: Logger | false = createLogger(cfg),
  givenStore?: Store,
): Promise<RunningHerald> {
  const onPoolError = (err: Error) => {
    if (logger) logger.warn({ err }, 'database connection lost');
  };
  // One server per SQLite folder (a given store is the caller's to guard).
  const lock: ServeLock | null =
    givenStore || cfg.databaseUrl ? null : acquireServeLock(cfg.dataDir);
  let store: Store;
  try {
    store = givenStore ?? (await openStore(cfg, onPoolError));
  } catch (err) {
    lock?.release();
    throw err;
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    lock?.release();
    if (givenStore || !cfg.databaseUrl) throw err;
    // One line that names the database and the reason (refused, auth, unknown database...).
    const reason = ((err as Error).message || String(err)).replaceAll(/\s+/g, ' ');
    throw new Error(`cannot use PostgreSQL at ${redactUrl(cfg.databaseUrl)}: ${reason}`, {
      cause: err,
    });
  }
  const runsApi = cfg.role !== 'worker';
  const runsWorker = cfg.role !== 'api';
  // Plain list reads may come from a replica; it is never migrated or written.
  const replica =
    cfg.readDatabaseUrl === null
      ? null
      : new PostgresStore({
          connectionString: cfg.readDatabaseUrl,
          ...(cfg.databaseSchema ? { schema: cfg.databaseSchema } : {}),
          poolMax: cfg.databasePoolMax,
          onPoolError,
        });
  const hub = new StreamHub(store);
  const streams = new OpenStreams({ maxPerKey: cfg.maxStreamsPerKey });
  const revocations = new KeyRevocations(store, {
    onError: (err) => {
      if (logger) logger.warn({ err }, 'reading key revocations failed');
    },
  });
  revocations.onRevoked((keyId) => streams.endKey(keyId, 'revoked'));
  const load = new LoadMonitor({
    heapBytes: cfg.shedHeapBytes,
    streamBufferBytes: cfg.shedStreamBufferBytes,
    streamBuffered: () => streams.bufferedBytes(),
  });
  const retention = new RetentionJob(store, {
    retentionMs: cfg.retentionMs,
    deliveryRetentionMs: cfg.deliveryRetentionMs,
    intervalMs: cfg.retentionIntervalMs,
    onError: (err) => {
      if (logger) logger.error({ err }, 'retention run failed');
    },
  });
  const delivery = runsWorker
    ? createDelivery(store, {
        allowPrivate: cfg.allowPrivateEndpoints,
        concurrency: cfg.deliveryConcurrency,
        notifySummaryIntervalMs: cfg.notifySummaryIntervalMs,
        ownershipTtlMs: cfg.deliveryOwnershipTtlMs,
        onError: (err) => {
          if (logger) logger.error({ err }, 'delivery error');
        },
        onLog: (msg, fields) => {
          if (logger) logger.info(fields, msg);
        },
      })
    : null;
  const app = await buildApp({
    store,
    publisher: new Publisher(store, {
      maxEventBytes: cfg.maxEventBytes,
      maxEventDepth: cfg.maxEventDepth,
    }),
    reader: new EventReader(store, hub, () => retention.horizon(), replica ?? store),
    maxEventBytes: cfg.maxEventBytes,
    maxBatchBytes: cfg.maxBatchBytes,
    sseHeartbeatMs: cfg.sseHeartbeatMs,
    logger: logger === false ? false : logger,
    // api role: workers elsewhere find new work through commit notifications and their polls.
    endpoints:
      delivery?.endpoints ??
      new EndpointService(store, { allowPrivate: cfg.allowPrivateEndpoints, wake: async () => {} }),
    healthOnly: !runsApi,
    clientLimits: {
      // On SQLite a lookup is an in-process read of microseconds, and uncached
      // a key revoked by `herald keys revoke` beside the server stops at once.
      keys: new KeyAuthenticator(store, revocations, { cache: store.dialect === 'postgres' }),
      streams,
      sseMaxBufferBytes: cfg.sseMaxBufferBytes,
      sseWriteTimeoutMs: cfg.sseWriteTimeoutMs,
      overload: () => load.overload(),
    },
  });
  if (runsApi) await revocations.start();
  await app.listen({ host: cfg.host, port: cfg.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  if (runsWorker) retention.start();
  delivery?.start();
  let closed = false;
  return {
    app,
    store,
    url: `http://${host}:${port}`,
    retention,
    hub,
    streams,
    delivery,
    async close() {
      if (closed) return;
      closed = true;
      // SSE streams end cleanly and long polls answer with what they have.
      streams.endAll('shutdown');
      await Promise.all([retention.stop(), app.graceful.close(cfg.shutdownGraceMs)]);
      // In-flight sends get a short grace; any cut off are sent again by the next owner.
      await delivery?.stop(2_000);
      await revocations.stop();
      load.stop();
      hub.close();
      await replica?.close();
      await store.close();
      lock?.release();
    },
  };
}
