// The one typed source of configuration: flags over environment over defaults,
// validated once at start. Only this module reads process.env (via loadConfig's env argument).
import { isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_MAX_EVENT_DEPTH } from '../domain/json-shape.ts';
import { parseDuration } from './duration.ts';

/** JSON.stringify recurses per level; a few thousand levels overflow Node's default stack. */
const MAX_EVENT_DEPTH_CEILING = 1000;

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL connection string; when set, the PostgreSQL store is used instead of SQLite. */
  databaseUrl: string | null;
  /** PostgreSQL schema holding Herald's tables; null means the server's search_path. */
  databaseSchema: string | null;
  /** PostgreSQL connections per process (the LISTEN connection comes on top). */
  databasePoolMax: number;
  retentionMs: number;
  /** How long finished webhook deliveries and their attempts are kept; defaults to retentionMs. */
  deliveryRetentionMs: number;
  retentionIntervalMs: number;
  maxEventBytes: number;
  maxBatchBytes: number;
  sseHeartbeatMs: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Permits http and private/loopback webhook endpoints (lifts the SSRF guard). */
  allowPrivateEndpoints: boolean;
  /** Most webhook requests in flight at once, across all endpoints. */
  deliveryConcurrency: number;
  /** Period of notify_success summaries. */
  notifySummaryIntervalMs: number;
  /** How long a worker's endpoints stay its own without a heartbeat before live workers take them over. */
  deliveryOwnershipTtlMs: number;
  /** What this process runs: the HTTP API, the delivery worker (and retention), or both. */
  role: 'api' | 'worker' | 'all';
  /** PostgreSQL read replica for Events API list reads; null reads from the primary. */
  readDatabaseUrl: string | null;
  /** Most SSE streams and long polls one API key may hold open at once, per process. */
  maxStreamsPerKey: number;
  /** Unsent bytes at which an SSE stream stops writing until its client reads. */
  sseMaxBufferBytes: number;
  /** How long an SSE client may leave a full buffer unread before it is dropped. */
  sseWriteTimeoutMs: number;
  /** V8 heap in use above which new requests get 503; null: 85 % of the heap limit. */
  shedHeapBytes: number | null;
  /** Unsent SSE bytes, all streams together, above which new requests get 503. */
  shedStreamBufferBytes: number;
  /** How long shutdown waits for requests in flight before answering them 503 and exiting. */
  shutdownGraceMs: number;
  /** Most levels of objects and arrays an event's data may nest. */
  maxEventDepth: number;
  /** Level of the one line logged per HTTP request; off logs none. */
  requestLogLevel: 'off' | 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** JSON lines, or human-readable lines; auto is readable when stderr is a terminal. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** Port of a separate, unauthenticated GET /metrics listener; null serves /metrics on the API port to admin keys. */
  metricsPort: number | null;
  /** Address of the metrics listener; null means the same as host. */
  metricsHost: string | null;
  /** Adds tenant_id and endpoint_id labels to the delivery metrics: one series per endpoint. */
  metricsEndpointLabels: boolean;
  /** OTLP/HTTP collector that traces are exported to; null creates no spans at all. */
  otlpEndpoint: string | null;
}

type Kind = 'string' | 'port' | 'duration' | 'bytes' | 'enum' | 'boolean' | 'count';

interface KeySpec {
  flag: string;
  env: string[];
  kind: Kind;
  default: string | null;
  doc: string;
  values?: readonly string[];
}

/** Every configuration key: its flag, environment variables, type, default and meaning. */
export const CONFIG_KEYS: Record<keyof Config, KeySpec> = {
  host: {
    flag: '--host',
    env: ['HERALD_HOST'],
    kind: 'string',
    default: '127.0.0.1',
    doc: 'Address the HTTP API listens on (use 0.0.0.0 to accept remote connections).',
  },
  port: {
    flag: '--port',
    env: ['PORT', 'HERALD_PORT'],
    kind: 'port',
    default: '8080',
    doc: 'TCP port of the HTTP API (0 picks a free port).',
  },
  dataDir: {
    flag: '--data',
    env: ['HERALD_DATA_DIR'],
    kind: 'string',
    default: './.herald',
    doc: 'Folder holding the embedded SQLite database (herald.db).',
  },
  databaseUrl: {
    flag: '--database',
    env: ['HERALD_DATABASE_URL', 'DATABASE_URL'],
    kind: 'string',
    default: null,
    doc: 'PostgreSQL connection string; when set, PostgreSQL is used instead of SQLite.',
  },
  databaseSchema: {
    flag: '--database-schema',
    env: ['HERALD_DATABASE_SCHEMA'],
    kind: 'string',
    default: null,
    doc: "PostgreSQL schema for Herald's tables (created by migrate when missing); default: the server's search_path.",
  },
  databasePoolMax: {
    flag: '--database-pool-max',
    env: ['HERALD_DATABASE_POOL_MAX'],
    kind: 'count',
    default: '10',
    doc: 'PostgreSQL connections per process; the LISTEN connection comes on top.',
  },
  retentionMs: {
    flag: '--retention',
    env: ['HERALD_RETENTION'],
    kind: 'duration',
    default: '30d',
    doc: 'How long events are kept and served.',
  },
  deliveryRetentionMs: {
    flag: '--delivery-retention',
    env: ['HERALD_DELIVERY_RETENTION'],
    kind: 'duration',
    default: null,
    doc: 'How long a finished webhook delivery (succeeded or failed) and its attempts are kept after it finished; unset: the same as --retention. Open deliveries (pending, retrying) are never removed.',
  },
  retentionIntervalMs: {
    flag: '--retention-interval',
    env: ['HERALD_RETENTION_INTERVAL'],
    kind: 'duration',
    default: '1m',
    doc: 'How often the retention job removes expired events and finished deliveries.',
  },
  maxEventBytes: {
    flag: '--max-event-bytes',
    env: ['HERALD_MAX_EVENT_BYTES'],
    kind: 'bytes',
    default: '262144',
    doc: 'Largest accepted event (its JSON body), in bytes; larger gets 413.',
  },
  maxBatchBytes: {
    flag: '--max-batch-bytes',
    env: ['HERALD_MAX_BATCH_BYTES'],
    kind: 'bytes',
    default: '16777216',
    doc: 'Largest accepted POST /events/batch body, in bytes.',
  },
  sseHeartbeatMs: {
    flag: '--sse-heartbeat',
    env: ['HERALD_SSE_HEARTBEAT'],
    kind: 'duration',
    default: '15s',
    doc: 'Interval of SSE heartbeat comments on idle streams.',
  },
  sqliteSynchronous: {
    flag: '--sqlite-synchronous',
    env: ['HERALD_SQLITE_SYNCHRONOUS'],
    kind: 'enum',
    values: ['FULL', 'NORMAL'],
    default: 'FULL',
    doc: 'SQLite PRAGMA synchronous: FULL survives power loss, NORMAL only process crashes.',
  },
  logLevel: {
    flag: '--log-level',
    env: ['HERALD_LOG_LEVEL'],
    kind: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    doc: 'Minimum level of log lines written to stderr.',
  },
  allowPrivateEndpoints: {
    flag: '--allow-private-endpoints',
    env: ['HERALD_ALLOW_PRIVATE_ENDPOINTS'],
    kind: 'boolean',
    default: 'false',
    doc: 'Allow webhook endpoints on plain http and on private, loopback or reserved addresses (disables the SSRF guard).',
  },
  deliveryConcurrency: {
    flag: '--delivery-concurrency',
    env: ['HERALD_DELIVERY_CONCURRENCY'],
    kind: 'count',
    default: '100',
    doc: 'Most webhook requests in flight at once, across all endpoints.',
  },
  notifySummaryIntervalMs: {
    flag: '--notify-summary-interval',
    env: ['HERALD_NOTIFY_SUMMARY_INTERVAL'],
    kind: 'duration',
    default: '1h',
    doc: 'How often endpoints with notify_success get a summary of successful deliveries.',
  },
  deliveryOwnershipTtlMs: {
    flag: '--delivery-ownership-ttl',
    env: ['HERALD_DELIVERY_OWNERSHIP_TTL'],
    kind: 'duration',
    default: '10s',
    doc: "How long a worker's endpoints stay its own after its last heartbeat (sent every second); a crashed worker's endpoints are taken over by a live worker within this plus a second. Only matters with several workers on PostgreSQL.",
  },
  role: {
    flag: '--role',
    env: ['HERALD_ROLE'],
    kind: 'enum',
    values: ['api', 'worker', 'all'],
    default: 'all',
    doc: 'What this process runs: api (the HTTP API only), worker (webhook delivery and retention; only /healthz and /metrics on the port) or all.',
  },
  readDatabaseUrl: {
    flag: '--read-database',
    env: ['HERALD_READ_DATABASE_URL'],
    kind: 'string',
    default: null,
    doc: 'PostgreSQL read replica for Events API list reads (GET /events without waiting); needs --database.',
  },
  maxStreamsPerKey: {
    flag: '--max-streams-per-key',
    env: ['HERALD_MAX_STREAMS_PER_KEY'],
    kind: 'count',
    default: '100',
    doc: 'Most SSE streams and long polls (GET /events with wait) one API key may hold open at once on one process; beyond it 429 with Retry-After.',
  },
  sseMaxBufferBytes: {
    flag: '--sse-max-buffer-bytes',
    env: ['HERALD_SSE_MAX_BUFFER_BYTES'],
    kind: 'bytes',
    default: '1048576',
    doc: 'Unsent bytes at which an SSE stream stops writing until its client reads; a stream holds at most this plus one event.',
  },
  sseWriteTimeoutMs: {
    flag: '--sse-write-timeout',
    env: ['HERALD_SSE_WRITE_TIMEOUT'],
    kind: 'duration',
    default: '30s',
    doc: 'How long an SSE client may leave a full buffer (--sse-max-buffer-bytes) unread before its connection is dropped.',
  },
  shedHeapBytes: {
    flag: '--shed-heap-bytes',
    env: ['HERALD_SHED_HEAP_BYTES'],
    kind: 'bytes',
    default: null,
    doc: "JavaScript heap in use above which new requests get 503 with Retry-After (load shedding); unset: 85 % of Node's heap limit.",
  },
  shedStreamBufferBytes: {
    flag: '--shed-stream-buffer-bytes',
    env: ['HERALD_SHED_STREAM_BUFFER_BYTES'],
    kind: 'bytes',
    default: '268435456',
    doc: 'Unsent SSE bytes, all streams of the process together, above which new requests get 503 with Retry-After.',
  },
  shutdownGraceMs: {
    flag: '--shutdown-grace',
    env: ['HERALD_SHUTDOWN_GRACE'],
    kind: 'duration',
    default: '10s',
    doc: 'On SIGTERM or SIGINT, how long requests already received may take to finish; then they are answered 503 and the process exits.',
  },
  maxEventDepth: {
    flag: '--max-event-depth',
    env: ['HERALD_MAX_EVENT_DEPTH'],
    kind: 'count',
    default: String(DEFAULT_MAX_EVENT_DEPTH),
    doc: `Most levels of nested objects and arrays in an event's data (\`{}\` is one); deeper gets 422. At most ${MAX_EVENT_DEPTH_CEILING}: serializing deeper data risks exhausting the stack.`,
  },
  requestLogLevel: {
    flag: '--request-log-level',
    env: ['HERALD_REQUEST_LOG_LEVEL'],
    kind: 'enum',
    values: ['off', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'],
    default: 'info',
    doc: 'Level of the one log line written per HTTP request (request id, method, route, status, latency, tenant, key id); off writes none. Lines below --log-level are not written.',
  },
  logFormat: {
    flag: '--log-format',
    env: ['HERALD_LOG_FORMAT'],
    kind: 'enum',
    values: ['auto', 'json', 'pretty'],
    default: 'auto',
    doc: 'Log lines as JSON (one object per line) or human-readable; auto is human-readable when stderr is a terminal and JSON otherwise.',
  },
  metricsPort: {
    flag: '--metrics-port',
    env: ['HERALD_METRICS_PORT'],
    kind: 'port',
    default: null,
    doc: 'Serve GET /metrics (Prometheus) on this port, without authentication, and no longer on the API port; unset: /metrics is on the API port and needs an admin API key.',
  },
  metricsHost: {
    flag: '--metrics-host',
    env: ['HERALD_METRICS_HOST'],
    kind: 'string',
    default: null,
    doc: 'Address the metrics listener binds to (keep it private: it has no authentication); default: the same as --host. Needs --metrics-port.',
  },
  metricsEndpointLabels: {
    flag: '--metrics-endpoint-labels',
    env: ['HERALD_METRICS_ENDPOINT_LABELS'],
    kind: 'boolean',
    default: 'false',
    doc: 'Label delivery metrics by tenant_id and endpoint_id (one series per endpoint: mind the cardinality); default: totals only.',
  },
  otlpEndpoint: {
    flag: '--otlp-endpoint',
    env: ['OTEL_EXPORTER_OTLP_ENDPOINT'],
    kind: 'string',
    default: null,
    doc: 'Export OpenTelemetry traces over OTLP/HTTP to this collector (spans are posted to <url>/v1/traces; the other standard OTEL_ variables apply); unset: no spans are made.',
  },
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function convert(
  key: string,
  spec: KeySpec,
  raw: string,
  source: string,
): { value?: unknown; problem?: string } {
  const bad = (rule: string) => ({ problem: `${source} = ${JSON.stringify(raw)}: ${rule}` });
  switch (spec.kind) {
    case 'string':
      return raw.length > 0 ? { value: raw } : bad('must not be empty');
    case 'port': {
      const n = Number(raw);
      return Number.isInteger(n) && n >= 0 && n <= 65535
        ? { value: n }
        : bad('must be an integer from 0 to 65535');
    }
    case 'duration': {
      const ms = parseDuration(raw);
      return ms !== null && ms > 0
        ? { value: ms }
        : bad('must be a positive duration such as 500ms, 15s, 10m, 1h or 30d');
    }
    case 'bytes': {
      const n = Number(raw);
      return Number.isInteger(n) && n > 0
        ? { value: n }
        : bad('must be a positive integer number of bytes');
    }
    case 'boolean':
      if (raw === 'true' || raw === '1') return { value: true };
      if (raw === 'false' || raw === '0') return { value: false };
      return bad('must be true or false');
    case 'count': {
      const n = Number(raw);
      return Number.isInteger(n) && n >= 1 && n <= 10_000
        ? { value: n }
        : bad('must be an integer from 1 to 10000');
    }
    case 'enum':
      return spec.values?.includes(raw)
        ? { value: raw }
        : bad(`must be one of ${spec.values?.join(', ')} (${key})`);
  }
}

/** Settings read from a configuration file (`--config`), keyed by Config key. */
export interface ConfigFileSettings {
  /** The file as the user named it, for error lines. */
  path: string;
  values: Partial<Record<keyof Config, string>>;
}

/**
 * Pure: builds the configuration from parsed flags (keyed by Config key), an
 * environment object and an optional configuration file: flags over
 * environment over file over defaults. Throws ConfigError listing every bad value.
 */
export function loadConfig(
  flags: Partial<Record<keyof Config, string>>,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
  file?: ConfigFileSettings,
): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as [keyof Config, KeySpec][]) {
    let raw: string | null = spec.default;
    let source = `default of ${key}`;
    const fromFile = file?.values[key];
    if (file && fromFile !== undefined) {
      raw = fromFile;
      source = `${file.path}: ${spec.flag.slice(2)}`;
    }
    const envName = spec.env.find((n) => env[n] !== undefined && env[n] !== '');
    if (envName) {
      raw = env[envName] as string;
      source = envName;
    }
    if (flags[key] !== undefined) {
      raw = flags[key] as string;
      source = spec.flag;
    }
    if (raw === null) {
      out[key] = null;
      continue;
    }
    const r = convert(key, spec, raw, source);
    if (r.problem) problems.push(r.problem);
    else out[key] = r.value;
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  const cfg = out as unknown as Config;
  // One setting bounds all history by default: a delivery outliving its events
  // could no longer be retried (they are gone), and one removed before them
  // would hide how events still listed were delivered.
  cfg.deliveryRetentionMs ??= cfg.retentionMs;
  if (cfg.databaseUrl !== null && !/^postgres(ql)?:\/\//.test(cfg.databaseUrl)) {
    throw new ConfigError(
      'invalid configuration: --database must be a postgres:// or postgresql:// URL',
    );
  }
  if (cfg.role !== 'all' && cfg.databaseUrl === null) {
    // On SQLite commit wake-ups are in-process: one process must do everything.
    throw new ConfigError(
      `invalid configuration: --role ${cfg.role} needs --database (PostgreSQL); on SQLite run --role all`,
    );
  }
  if (cfg.readDatabaseUrl !== null) {
    if (cfg.databaseUrl === null) {
      throw new ConfigError('invalid configuration: --read-database needs --database');
    }
    if (!/^postgres(ql)?:\/\//.test(cfg.readDatabaseUrl)) {
      throw new ConfigError(
        'invalid configuration: --read-database must be a postgres:// or postgresql:// URL',
      );
    }
  }
  if (cfg.maxEventDepth > MAX_EVENT_DEPTH_CEILING) {
    throw new ConfigError(
      `invalid configuration: --max-event-depth must be at most ${MAX_EVENT_DEPTH_CEILING}`,
    );
  }
  if (cfg.metricsHost !== null && cfg.metricsPort === null) {
    throw new ConfigError('invalid configuration: --metrics-host needs --metrics-port');
  }
  if (cfg.otlpEndpoint !== null && !/^https?:\/\/[^/]/.test(cfg.otlpEndpoint)) {
    throw new ConfigError(
      'invalid configuration: --otlp-endpoint (OTEL_EXPORTER_OTLP_ENDPOINT) must be an http:// or https:// URL',
    );
  }
  cfg.dataDir = isAbsolute(cfg.dataDir) ? cfg.dataDir : resolve(cwd, cfg.dataDir);
  return Object.freeze(cfg);
}

export function sqlitePath(cfg: Pick<Config, 'dataDir'>): string {
  return join(cfg.dataDir, 'herald.db');
}
