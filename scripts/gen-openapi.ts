// Writes docs/api/openapi.json from the route schemas (the only source).
// With --check, fails when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { buildApp } from '../src/http/app.ts';
import { EventReader } from '../src/services/event-reader.ts';
import { Publisher } from '../src/services/publisher.ts';
import { StreamHub } from '../src/services/stream-hub.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';

const target = new URL('../docs/api/openapi.json', import.meta.url);
const store = new SqliteStore({ path: ':memory:' });
const hub = new StreamHub(store);
const app = await buildApp({
  store,
  publisher: new Publisher(store, { maxEventBytes: 262144 }),
  reader: new EventReader(store, hub, () => new Date(0)),
  maxEventBytes: 262144,
  maxBatchBytes: 16777216,
  sseHeartbeatMs: 15000,
  logger: false,
});
await app.ready();
const doc = `${JSON.stringify(app.swagger(), null, 2)}\n`;
await app.close();
hub.close();
await store.close();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== doc) {
    process.stderr.write(
      'docs/api/openapi.json is stale: run `npm run gen` and commit the result\n',
    );
    process.exit(1);
  }
} else {
  writeFileSync(target, doc);
  process.stdout.write(`wrote ${target.pathname}\n`);
}
