// The package's programmatic API, `import { startHerald } from 'herald'`: runs
// a Herald in-process, for tests and embedding, with the same settings,
// defaults and validation as `herald serve` (CONFIG_KEYS).
import { CONFIG_KEYS, type Config, ConfigError, loadConfig } from './config/config.ts';
import { startHerald as startComposed } from './main.ts';
import { createApiKey } from './services/api-keys.ts';

export { CONFIG_KEYS, type Config, ConfigError, loadConfig } from './config/config.ts';
export { HERALD_VERSION } from './version.ts';

/**
 * Settings as typed values (durations in milliseconds). Unset ones take their
 * defaults; unlike the CLI, the environment and `.env` are not read (pass
 * `loadConfig({}, process.env)` for that).
 */
export type HeraldOptions = Partial<Config>;

export interface Herald {
  /** Where the API listens, e.g. http://127.0.0.1:41234 (with `port: 0`, a free port). */
  readonly url: string;
  /** The settings in force, defaults filled in. */
  readonly config: Config;
  /** Creates an API key, as `herald keys create` does, and returns it (shown only here). */
  createApiKey(opts?: { tenant?: string; name?: string; admin?: boolean }): Promise<string>;
  /** Stops accepting requests, lets in-flight work finish, closes the store. */
  close(): Promise<void>;
}

/** Typed values back to the text that flags carry, so they pass the one validation. */
function asFlags(options: HeraldOptions): Partial<Record<keyof Config, string>> {
  const flags: Partial<Record<keyof Config, string>> = {};
  for (const [key, value] of Object.entries(options) as [keyof Config, unknown][]) {
    if (value === undefined || value === null || !(key in CONFIG_KEYS)) continue;
    flags[key] = CONFIG_KEYS[key].kind === 'duration' ? `${value}ms` : String(value);
  }
  return flags;
}

/** Starts Herald (API and delivery, by `role`) and resolves once it listens. */
export async function startHerald(options: HeraldOptions = {}): Promise<Herald> {
  const unknown = Object.keys(options).filter((k) => !(k in CONFIG_KEYS));
  if (unknown.length > 0)
    throw new ConfigError(`invalid configuration: unknown options ${unknown.join(', ')}`);
  const config = loadConfig(asFlags(options), {});
  const running = await startComposed(config);
  return {
    url: running.url,
    config,
    async createApiKey(opts = {}) {
      const created = await createApiKey(running.store, {
        tenant: opts.tenant ?? 'default',
        name: opts.name ?? 'api',
        admin: opts.admin ?? false,
      });
      return created.key;
    },
    close: () => running.close(),
  };
}
