// Upgrading keeps work: a SQLite database built by the previous delivery
// engine's schema (migrations 0001–0006: delivery rows with leases, a
// dispatch cursor) is opened by this Herald, migrated, and every event that
// was not yet delivered is delivered: pending, retrying and leased (in
// flight when the old process died) rows, and the events after the cursor.
// Finished deliveries are not sent again.

import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { newEventId } from '../../src/domain/ids.ts';
import { startHerald } from '../../src/main.ts';
import { createApiKey } from '../../src/services/api-keys.ts';
import { readMigrationFiles } from '../../src/store/migration-files.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import { client, tempDir, waitFor } from '../fixtures/test-server.ts';

const MIGRATIONS = new URL('../../src/store/sqlite/migrations/', import.meta.url).pathname;
const OLD = ['0001', '0002', '0003', '0004', '0005', '0006'];

describe('upgrade from the leased-delivery schema (sqlite)', () => {
  let rx: Receiver | null = null;
  afterAll(async () => {
    await rx?.close();
  });

  it('delivers every undelivered event after migrating, and nothing finished again', async () => {
    rx = await startReceiver();
    const path = join(tempDir('herald-upgrade-'), 'herald.db');
    const raw = new DatabaseSync(path);
    raw.exec(
      'CREATE TABLE herald_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    for (const m of readMigrationFiles(MIGRATIONS).filter((f) => OLD.includes(f.version))) {
      raw.exec(m.sql);
      raw
        .prepare('INSERT INTO herald_migrations VALUES (?, ?, ?)')
        .run(m.version, m.name, Date.now());
    }
    raw.close();

    const pre = new SqliteStore({ path });
    const tenant = await pre.tenantEnsure({ name: 'default' });
    await pre.close();

    // The old engine's state: the log in the old schema (today's append path
    // writes columns added since), fanned out up to 10, rows in every state.
    const db = new DatabaseSync(path);
    const now = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push(newEventId(now, ids.at(-1) ?? null));
      db.prepare(
        'INSERT INTO events (tenant_id, sequence, id, type, organization_id, idempotency_key, data, created_at) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?)',
      ).run(tenant.id, i + 1, ids[i] as string, 'up.grade', JSON.stringify({ i }), now);
    }
    db.prepare('INSERT INTO streams VALUES (?, ?, ?, ?)').run(
      tenant.id,
      20,
      ids[19] as string,
      now,
    );
    db.prepare(
      `INSERT INTO endpoints (id, tenant_id, url, description, active, event_types, secrets, format,
        batch_size, batch_wait_ms, max_concurrency, ordered, ordered_key, retry, timeout_connect_ms,
        timeout_response_ms, disable_after_failures, notify_success, created_at, updated_at, dispatch_cursor)
       VALUES ('ep_old', ?, ?, '', 1, '["*"]', ?, 'json', 1, 0, 4, 0, 'none', '[0.05]', 1000, 1000, NULL, 0, ?, ?, 10)`,
    ).run(
      tenant.id,
      `${rx.url}/up`,
      JSON.stringify([
        { secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`, expires_at: null },
      ]),
      now,
      now,
    );
    const states: [number, string, number | null, string | null, number | null][] = [
      [1, 'succeeded', null, null, null],
      [2, 'succeeded', null, null, null],
      [3, 'failed', null, null, null],
      [4, 'in_flight', null, 'worker_dead', now + 60_000],
      [5, 'pending', now, null, null],
      [6, 'retrying', now - 1, null, null],
      [7, 'cancelled', null, null, null],
      [8, 'pending', now, null, null],
      [9, 'retrying', now + 500, null, null],
      [10, 'in_flight', null, 'worker_dead', now + 60_000],
    ];
    const ins = db.prepare(
      `INSERT INTO deliveries (id, tenant_id, endpoint_id, kind, first_sequence, last_sequence, event_ids,
        status, attempt_count, next_attempt_at, lease_owner, lease_expires_at, order_key, created_at, updated_at)
       VALUES (?, ?, 'ep_old', 'event', ?, ?, ?, ?, 1, ?, ?, ?, '', ?, ?)`,
    );
    for (const [seq, status, next, owner, lease] of states) {
      ins.run(
        `dlv_old${seq}`,
        tenant.id,
        seq,
        seq,
        JSON.stringify([ids[seq - 1]]),
        status,
        next,
        owner,
        lease,
        now,
        now,
      );
    }
    db.close();

    const store = new SqliteStore({ path });
    const cfg = loadConfig(
      {
        port: '0',
        host: '127.0.0.1',
        dataDir: tempDir(),
        logLevel: 'silent',
        allowPrivateEndpoints: 'true',
      },
      {},
    );
    const herald = await startHerald(cfg, false, store);
    // After migrating: keys gained columns since this schema (0008).
    const { key } = await createApiKey(store, { tenant: 'default', name: 'up', admin: false });
    try {
      const seqs = () =>
        new Set(
          rx?.requests.filter((r) => r.path === '/up').map((r) => JSON.parse(r.body).sequence),
        );
      // Open rows (4, 5, 6, 8, 9, 10) and everything after the cursor (11–20).
      const expected = [4, 5, 6, 8, 9, 10, ...Array.from({ length: 10 }, (_, i) => 11 + i)];
      await waitFor(async () => seqs().size >= expected.length, 20_000);
      expect([...seqs()].sort((a, b) => a - b)).toEqual(expected);
      // The old in-flight row keeps its id, so the receiver can dedupe the resend.
      const api = client(herald.url, key);
      const old4 = await waitFor(async () => {
        const d = (await api.get('/deliveries/dlv_old4')).body;
        return d.status === 'succeeded' ? d : null;
      });
      expect(old4.attempts).toHaveLength(1);
      expect((await api.get('/deliveries/dlv_old7')).body.status).toBe('failed');
    } finally {
      await herald.close();
    }
  });
});
