// The one typed source of configuration: flags over environment over defaults,
// validated once at start. Only this module reads process.env (via loadConfig's env argument).
import { isAbsolute, join, resolve } from 'node:path';
import { parseDuration } from './duration.ts';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL connection string; when set, the PostgreSQL store is used instead of SQLite. */
  databaseUrl: string | null;
  retentionMs: number;
  retentionIntervalMs: number;
  maxEventBytes: number;
  maxBatchBytes: number;
  sseHeartbeatMs: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

type Kind = 'string' | 'port' | 'duration' | 'bytes' | 'enum';

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
  retentionMs: {
    flag: '--retention',
    env: ['HERALD_RETENTION'],
    kind: 'duration',
    default: '30d',
    doc: 'How long events are kept and served.',
  },
  retentionIntervalMs: {
    flag: '--retention-interval',
    env: ['HERALD_RETENTION_INTERVAL'],
    kind: 'duration',
    default: '1m',
    doc: 'How often the retention job removes expired events.',
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
    case 'enum':
      return spec.values?.includes(raw)
        ? { value: raw }
        : bad(`must be one of ${spec.values?.join(', ')} (${key})`);
  }
}

/**
 * Pure: builds the configuration from parsed flags (keyed by Config key) and
 * an environment object. Throws ConfigError listing every bad value.
 */
export function loadConfig(
  flags: Partial<Record<keyof Config, string>>,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as [keyof Config, KeySpec][]) {
    let raw: string | null = spec.default;
    let source = `default of ${key}`;
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
  if (cfg.databaseUrl !== null && !/^postgres(ql)?:\/\//.test(cfg.databaseUrl)) {
    throw new ConfigError(
      'invalid configuration: --database must be a postgres:// or postgresql:// URL',
    );
  }
  cfg.dataDir = isAbsolute(cfg.dataDir) ? cfg.dataDir : resolve(cwd, cfg.dataDir);
  return Object.freeze(cfg);
}

export function sqlitePath(cfg: Pick<Config, 'dataDir'>): string {
  return join(cfg.dataDir, 'herald.db');
}
