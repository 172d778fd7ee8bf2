// Command-line flags, derived from the configuration's one list of keys
// (CONFIG_KEYS) so a setting is declared once: flag, environment, default, doc.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CONFIG_KEYS, type Config, ConfigError, loadConfig } from '../config/config.ts';
import { parseConfigFile } from '../config/config-file.ts';

type Key = keyof Config;

/** Keys every command that opens the store accepts. */
const STORE_KEYS: readonly Key[] = [
  'dataDir',
  'databaseUrl',
  'databaseSchema',
  'databasePoolMax',
  'sqliteSynchronous',
];

/** commander's camel-cased option name for a flag such as --delivery-ownership-ttl. */
function optionName(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function help(key: Key): string {
  const spec = CONFIG_KEYS[key];
  const env = spec.env.length > 0 ? `env ${spec.env.join(' or ')}` : '';
  const def = spec.default !== null ? `default ${spec.default}` : '';
  const extra = [env, def].filter(Boolean).join(', ');
  return extra ? `${spec.doc} (${extra})` : spec.doc;
}

/** Names the configuration file when --config is not given. */
const CONFIG_FILE_ENV = 'HERALD_CONFIG';

function addKeys(cmd: Command, keys: readonly Key[]): Command {
  cmd.option(
    '--config <file>',
    `JSON file of settings, keyed by flag name without -- ({"port": 8080}); flags and environment override it (env ${CONFIG_FILE_ENV})`,
  );
  for (const key of keys) {
    const spec = CONFIG_KEYS[key];
    const placeholder =
      spec.kind === 'boolean' ? '' : ` <${spec.kind === 'duration' ? 'duration' : 'value'}>`;
    cmd.option(`${spec.flag}${placeholder}`, help(key));
  }
  return cmd;
}

/** The store's flags, for commands such as migrate and keys. */
export function addStoreOptions(cmd: Command): Command {
  return addKeys(cmd, STORE_KEYS);
}

/** Every configuration flag, for serve. */
export function addAllOptions(cmd: Command): Command {
  return addKeys(cmd, Object.keys(CONFIG_KEYS) as Key[]);
}

function readConfigFile(path: string) {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`invalid configuration: cannot read config file ${path}: ${reason}`);
  }
  return parseConfigFile(text, path);
}

/** Loads the configuration from commander's parsed options, the environment and --config. */
export function configFromOptions(opts: Record<string, unknown>, env = process.env): Config {
  const flags: Partial<Record<Key, string>> = {};
  for (const key of Object.keys(CONFIG_KEYS) as Key[]) {
    const value = opts[optionName(CONFIG_KEYS[key].flag)];
    if (value !== undefined) flags[key] = String(value);
  }
  const file = (opts.config as string | undefined) ?? (env[CONFIG_FILE_ENV] || undefined);
  return loadConfig(flags, env, process.cwd(), file ? readConfigFile(file) : undefined);
}
