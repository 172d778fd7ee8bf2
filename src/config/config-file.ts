// The configuration file (`herald serve --config herald.json`): a JSON object
// whose keys are the flag names without "--" ({"port": 8080, "data":
// "/var/lib/herald", "retention": "7d"}). Values are checked later by
// loadConfig, with the same rules as flags and environment variables.
import { CONFIG_KEYS, type Config, ConfigError, type ConfigFileSettings } from './config.ts';

type Key = keyof Config;

/** File key (flag name without "--") → Config key. */
const BY_FILE_KEY = new Map<string, Key>(
  (Object.keys(CONFIG_KEYS) as Key[]).map((key) => [CONFIG_KEYS[key].flag.slice(2), key]),
);

/** Pure: the settings in a configuration file's text; `path` names it in errors. */
export function parseConfigFile(text: string, path: string): ConfigFileSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `invalid configuration: ${path} is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      `invalid configuration: ${path} must hold a JSON object of settings, such as {"port": 8080}`,
    );
  }
  const values: Partial<Record<Key, string>> = {};
  const unknown: string[] = [];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    const key = BY_FILE_KEY.get(name);
    if (key === undefined) {
      unknown.push(JSON.stringify(name));
    } else if (
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      values[key] = String(value);
    } else {
      problems.push(`${path}: ${name} must be a string, a number or true/false`);
    }
  }
  if (unknown.length > 0) {
    problems.unshift(
      `${path}: unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (settings are the flag names without --: ${[...BY_FILE_KEY.keys()].join(', ')})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return { path, values };
}
