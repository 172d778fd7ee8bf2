// Writes docs/api/openapi.json from the route schemas (the only source).
// With --check, fails when the committed file is stale.
import { buildApp } from '../src/http/app.ts';
import { EventReader } from '../src/services/event-reader.ts';
import { Publisher } from '../src/services/publisher.ts';
import { StreamHub } from '../src/services/stream-hub.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { writeOrCheck } from './generated-file.ts';

const target = new URL('../docs/api/openapi.json', import.meta.url);
const store = new SqliteStore({ path: ':memory:' });
const hub = new StreamHub(store);
const app = await buildApp({
  store,
  publisher: new Publisher(store, { maxEventBytes: 262144, maxEventDepth: 128 }),
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

writeOrCheck(target, doc, 'docs/api/openapi.json');
