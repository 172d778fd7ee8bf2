import { readFileSync } from 'node:fs';

/** Herald's version, from package.json (sent in user-agent and /healthz). */
export const HERALD_VERSION: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;
