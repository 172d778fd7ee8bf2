// Composition root: the only module that picks concrete implementations.
// config → Store → services → HTTP.
import type { FastifyInstance } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import PinoPretty from 'pino-pretty';
import { type Config, sqlitePath } from './config/config.ts';
import { buildApp } from './http/app.ts';
import { type MetricsServer, startMetricsServer } from './http/metrics-server.ts';
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
import { deliveryTelemetry } from './services/telemetry/delivery-telemetry.ts';
import { HeraldMetrics } from './services/telemetry/metrics.ts';
import { countStoreErrors } from './services/telemetry/store-errors.ts';
import { PostgresStore } from './store/postgres/postgres-store.ts';
import { acquireServeLock, type ServeLock } from './store/sqlite/sqlite-serve-lock.ts';
import { SqliteStore } from './store/sqlite/sqlite-store.ts';
import type { Store } from './store/store.ts';
import { HERALD_VERSION } from './version.ts';

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

/** Wherever they sit in a logged object, these never reach the log. */
const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  '*.requestHeaders.authorization',
  'key',
  '*.key',
  'api_key',
  '*.api_key',
  'secret',
  '*.secret',
  'secrets',
  '*.secrets',
  'password',
  '*.password',
];

/** Logs to stderr (or `stream`): JSON lines, or readable ones on a terminal (--log-format). */
export function createLogger(
  cfg: Pick<Config, 'logLevel' | 'logFormat'>,
  stream?: DestinationStream,
): Logger {
  const options = { level: cfg.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (stream) return pino(options, stream);
  const tty = process.stderr.isTTY === true;
  if (cfg.logFormat === 'pretty' || (cfg.logFormat === 'auto' && tty)) {
    return pino(
      options,
      PinoPretty({
        destination: 2,
        sync: true,
        colorize: tty,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
      }),
    );
  }
  return pino(options, pino.destination(2));
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
  metrics: HeraldMetrics;
  /** The separate metrics listener (--metrics-port), or null. */
  metricsUrl: string | null;
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
  const metrics = new HeraldMetrics({
    endpointLabels: cfg.metricsEndpointLabels,
    version: HERALD_VERSION,
  });
  // One server per SQLite folder (a given store is the caller's to guard).
  const lock: ServeLock | null =
    givenStore || cfg.databaseUrl ? null : acquireServeLock(cfg.dataDir);
  let store: Store;
  try {
    store = countStoreErrors(givenStore ?? (await openStore(cfg, onPoolError)), (op, kind) =>
      metrics.storeError(op, kind),
    );
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
    onRun: (run) => {
      metrics.retentionRemoved(run.events, run.deliveries);
      if (!logger) return;
      const fields = { events: run.events, deliveries: run.deliveries, duration_ms: run.ms };
      // A run that removed nothing is every minute's news: only at debug.
      if (run.events + run.deliveries > 0) logger.info(fields, 'retention run');
      else logger.debug(fields, 'retention run');
    },
  });
  // Spans only with a collector to send them to; otherwise no span is made at all
  // (the SDK is not even loaded).
  const traces = cfg.otlpEndpoint
    ? (await import('./services/telemetry/otlp-export.ts')).startTraceExport(
        cfg.otlpEndpoint,
        HERALD_VERSION,
      )
    : null;
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
        onCommitted: deliveryTelemetry({
          metrics,
          tracing: traces,
          log: logger || null,
          onError: (err) => {
            if (logger) logger.error({ err }, 'delivery telemetry failed');
          },
        }),
      })
    : null;
  if (delivery) {
    metrics.trackDelivery({
      ownedIds: () => delivery.engine.ownedIds(),
      inFlight: () => delivery.engine.inFlight,
      backlog: (endpointIds) => store.deliveryBacklog({ endpointIds }),
    });
  }
  const app = await buildApp({
    store,
    publisher: new Publisher(store, {
      maxEventBytes: cfg.maxEventBytes,
      maxEventDepth: cfg.maxEventDepth,
      metrics,
      tracing: traces,
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
    telemetry: {
      metrics,
      tracing: traces,
      requestLogLevel: cfg.requestLogLevel,
      metricsOnApiPort: cfg.metricsPort === null,
    },
  });
  if (runsApi) await revocations.start();
  await app.listen({ host: cfg.host, port: cfg.port });
  const metricsServer: MetricsServer | null =
    cfg.metricsPort === null
      ? null
      : await startMetricsServer({
          host: cfg.metricsHost ?? cfg.host,
          port: cfg.metricsPort,
          metrics,
        });
  if (metricsServer && logger) logger.info({ url: metricsServer.url }, 'metrics served');
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
    metrics,
    metricsUrl: metricsServer?.url ?? null,
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
      await metricsServer?.close();
      // Last: the spans of the final attempts are exported too.
      await traces?.shutdown();
    },
  };
}
