import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { describeDeliveryStore } from './delivery-suite.ts';
import { describeStore } from './store-suite.ts';

const sqlite = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'herald-conf-'));
    const store = new SqliteStore({ path: join(dir, 'herald.db') });
    await store.migrate();
    return store;
  },
};

describeStore(sqlite);
describeDeliveryStore(sqlite);
