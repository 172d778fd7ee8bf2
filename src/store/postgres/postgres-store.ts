// PostgresStore: the server backend, on a pg.Pool. Several Herald processes
// may share one database (and schema): appends of a tenant are ordered by a
// row lock on its stream head, and commit notifications reach every process
// through LISTEN/NOTIFY (see postgres-events.ts and postgres-listener.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'pg';
import { newId } from '../../domain/ids.ts';
import type { DeliveryStore } from '../delivery-store.ts';
import { readMigrationFiles } from '../migration-files.ts';
import { parseScopes } from '../scopes-column.ts';
import type {
  ApiKeyCreateParams,
  ApiKeyRevocation,
  ApiKeyRow,
  AppendedEvent,
  CommitListener,
  EventAppendParams,
  EventDeleteBeforeParams,
  EventListParams,
  MigrationStatus,
  Store,
  TenantRow,
} from '../store.ts';
import { TenantAppendQueue } from './postgres-append-queue.ts';
import { attemptStats, attemptTimeline, listAttempts } from './postgres-attempts.ts';
import { deliveryBacklog } from './postgres-backlog.ts';
import { assertSchemaName, connectionConfig } from './postgres-db.ts';
import {
  countOpenDeliveries,
  getDelivery,
  insertDeliveries,
  listCoveringDeliveries,
  listDeliveries,
  listOpenDeliveries,
  retryDelivery,
  retryFailedDeliveries,
} from './postgres-deliveries.ts';
import { commitDeliveries } from './postgres-delivery-commit.ts';
import { deleteFinishedDeliveries } from './postgres-delivery-retention.ts';
import {
  deleteEndpoint,
  getEndpoint,
  insertEndpoint,
  listEndpoints,
  setEndpointActive,
  setEndpointSecrets,
  updateEndpointConfig,
} from './postgres-endpoints.ts';
import { translatePostgresError } from './postgres-errors.ts';
import { eventHead, listEventsByIds } from './postgres-event-lookups.ts';
import { appendGroup, getEventById, listEvents, prepareAppend } from './postgres-events.ts';
import { CommitNotifier, publishCommit } from './postgres-listener.ts';
import { appliedVersions, runMigrations, statusOf } from './postgres-migrations.ts';
import {
  acquireEndpoints,
  heartbeat,
  listOwnership,
  releaseEndpoints,
  removeWorker,
} from './postgres-ownership.ts';
import { EventPartitions } from './postgres-partitions.ts';
import { deleteEventsBefore } from './postgres-retention.ts';
import {
  deleteSource,
  getSource,
  getSourceById,
  insertSource,
  listSources,
  updateSource,
} from './postgres-sources.ts';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface PostgresStoreOptions {
  /** libpq-style URL, e.g. postgres://user@host:5432/herald */
  connectionString: string;
  /** Schema holding Herald's tables (created by migrate() when missing); default: the server's search_path. */
  schema?: string;
  /** Pool size; default 10. The LISTEN connection comes on top. */
  poolMax?: number;
  /** Clock in epoch milliseconds; tests inject one to act on other days. */
  now?: () => number;
  /** Errors of idle pooled connections (e.g. the server went away); they never throw. */
  onPoolError?: (err: Error) => void;
}

interface KeyDbRow {
  id: string;
  tenant_id: string;
  tenant_name: string;
  name: string;
  hint: string;
  admin: boolean;
  scopes: string;
  created_at: Date;
  revoked_at: Date | null;
}

function toKeyRow(r: KeyDbRow): ApiKeyRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    tenantName: r.tenant_name,
    name: r.name,
    hint: r.hint,
    admin: r.admin,
    scopes: parseScopes(r.scopes),
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
}

const KEY_SELECT =
  'SELECT k.id, k.tenant_id, t.name AS tenant_name, k.name, k.hint, k.admin, k.scopes, k.created_at, k.revoked_at' +
  ' FROM api_keys k JOIN tenants t ON t.id = k.tenant_id';

/** The params object of a DeliveryStore method. */
type P<K extends keyof DeliveryStore> = Parameters<DeliveryStore[K]>[0];

function randomId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`;
}

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly #pool: Pool;
  readonly #schema: string | null;
  readonly #now: () => number;
  readonly #partitions: EventPartitions;
  readonly #notifier: CommitNotifier;
  readonly #appends: TenantAppendQueue;
  readonly #publishing = new Set<Promise<void>>();
  readonly #migrations = readMigrationFiles(MIGRATIONS_DIR);
  #closing: Promise<void> | null = null;
  readonly #revokeListeners = new Set<(keyId: string) => void>();

  constructor(opts: PostgresStoreOptions) {
    this.#schema = opts.schema ?? null;
    if (this.#schema !== null) assertSchemaName(this.#schema);
    this.#now = opts.now ?? Date.now;
    this.#pool = new Pool({
      ...connectionConfig(opts.connectionString, this.#schema, 'herald'),
      max: opts.poolMax ?? 10,
      // Queries a borrower sends without waiting go out together: a group
      // commit or a heartbeat is one transaction in one round trip
      // (pipelinedTransaction). Sequential use is unchanged.
      pipeline: true,
    });
    // An idle pooled connection that dies is removed by the pool; without a
    // listener its 'error' event would crash the process.
    const onPoolError = opts.onPoolError ?? (() => {});
    this.#pool.on('error', (err) => onPoolError(err));
    this.#partitions = new EventPartitions(this.#pool);
    // The schema in the listener's application_name tells deployments apart in pg_stat_activity.
    const listenerName = `herald-listener${this.#schema === null ? '' : `:${this.#schema}`}`;
    this.#notifier = new CommitNotifier(
      connectionConfig(opts.connectionString, this.#schema, listenerName),
    );
    this.#appends = new TenantAppendQueue(async (tenantId, group) => {
      const r = await appendGroup(this.#pool, this.#partitions, tenantId, group, this.#now);
      if (r.head !== null) this.#committed(tenantId, r.head);
      return r.appended;
    });
  }

  /**
   * Local subscribers hear about a commit at once, other processes through
   * NOTIFY. The events are committed whatever happens to the notification, so
   * it is sent in the background (close() waits for it) and its errors ignored.
   */
  #committed(tenantId: string, head: number): void {
    this.#notifier.dispatch(tenantId, head);
    const sent: Promise<void> = publishCommit(this.#pool, tenantId, head)
      .catch(() => {})
      .finally(() => this.#publishing.delete(sent));
    this.#publishing.add(sent);
  }

  async #run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw translatePostgresError(err);
    }
  }

  apiKeyCreate(p: ApiKeyCreateParams): Promise<ApiKeyRow> {
    return this.#run(async () => {
      const r = await this.#pool.query<KeyDbRow>(
        'WITH k AS (INSERT INTO api_keys (id, tenant_id, name, hash, hint, admin, scopes, created_at)' +
          ' VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING *)' +
          ' SELECT k.id, k.tenant_id, t.name AS tenant_name, k.name, k.hint, k.admin, k.scopes, k.created_at, k.revoked_at' +
          ' FROM k JOIN tenants t ON t.id = k.tenant_id',
        [randomId('key'), p.tenantId, p.name, p.hash, p.hint, p.admin, p.scopes.join(' ')],
      );
      return toKeyRow(r.rows[0] as KeyDbRow);
    });
  }

  apiKeyGetByHash(p: { hash: string }): Promise<ApiKeyRow | null> {
    return this.#run(async () => {
      const r = await this.#pool.query<KeyDbRow>(
        `${KEY_SELECT} WHERE k.hash = $1 AND k.revoked_at IS NULL`,
        [p.hash],
      );
      const row = r.rows[0];
      return row ? toKeyRow(row) : null;
    });
  }

  apiKeyList(p: { tenantId: string | null }): Promise<ApiKeyRow[]> {
    return this.#run(async () => {
      const r =
        p.tenantId === null
          ? await this.#pool.query<KeyDbRow>(`${KEY_SELECT} ORDER BY k.created_at, k.id`)
          : await this.#pool.query<KeyDbRow>(
              `${KEY_SELECT} WHERE k.tenant_id = $1 ORDER BY k.created_at, k.id`,
              [p.tenantId],
            );
      return r.rows.map(toKeyRow);
    });
  }

  apiKeyRevoke(p: { id: string }): Promise<boolean> {
    return this.#run(async () => {
      const r = await this.#pool.query(
        'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
        [p.id],
      );
      const revoked = (r.rowCount ?? 0) > 0;
      if (revoked) for (const l of this.#revokeListeners) l(p.id);
      return revoked;
    });
  }

  apiKeyRevokedSince(p: { since: Date }): Promise<ApiKeyRevocation[]> {
    return this.#run(async () => {
      const r = await this.#pool.query<{ id: string; revoked_at: Date }>(
        'SELECT id, revoked_at FROM api_keys WHERE revoked_at >= $1 ORDER BY revoked_at, id',
        [p.since],
      );
      return r.rows.map((row) => ({ id: row.id, revokedAt: row.revoked_at }));
    });
  }

  /** Ends the LISTEN connection and the pool; waits for queries in flight. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#notifier.close();
      await Promise.all(this.#publishing);
      await this.#pool.end();
    })();
    return this.#closing;
  }

  eventAppend(p: EventAppendParams): Promise<AppendedEvent[]> {
    if (p.events.length === 0) return Promise.resolve([]);
    return this.#run(async () => {
      return this.#appends.enqueue(prepareAppend(p));
    });
  }

  eventDeleteBefore(p: EventDeleteBeforeParams): Promise<number> {
    return this.#run(() =>
      deleteEventsBefore(this.#pool, this.#partitions, this.#schema, p, this.#now()),
    );
  }

  eventGetById(p: { tenantId: string; id: string }) {
    return this.#run(() => getEventById(this.#pool, p.tenantId, p.id));
  }

  eventList(p: EventListParams) {
    return this.#run(() => listEvents(this.#pool, p));
  }

  migrate(): Promise<MigrationStatus> {
    return this.#run(() => runMigrations(this.#pool, this.#schema, this.#migrations));
  }

  migrationStatus(): Promise<MigrationStatus> {
    return this.#run(async () => statusOf(await appliedVersions(this.#pool), this.#migrations));
  }

  onApiKeyRevoked(listener: (keyId: string) => void): () => void {
    this.#revokeListeners.add(listener);
    return () => this.#revokeListeners.delete(listener);
  }

  onCommit(listener: CommitListener): () => void {
    return this.#notifier.subscribe(listener);
  }

  /**
   * PostgreSQL-specific: resolves once the LISTEN connection (started by the
   * first onCommit) is established, so commits by other processes are heard.
   */
  whenListening(): Promise<void> {
    return this.#notifier.whenListening();
  }

  ping(): Promise<void> {
    return this.#run(async () => {
      await this.#pool.query('SELECT 1');
    });
  }

  tenantEnsure(p: { name: string }): Promise<TenantRow> {
    return this.#run(async () => {
      await this.#pool.query(
        'INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, now()) ON CONFLICT (name) DO NOTHING',
        [randomId('tenant'), p.name],
      );
      return (await this.#tenantByName(p.name)) as TenantRow;
    });
  }

  tenantGetByName(p: { name: string }): Promise<TenantRow | null> {
    return this.#run(() => this.#tenantByName(p.name));
  }

  async #tenantByName(name: string): Promise<TenantRow | null> {
    const r = await this.#pool.query<{ id: string; name: string; created_at: Date }>(
      'SELECT id, name, created_at FROM tenants WHERE name = $1',
      [name],
    );
    const row = r.rows[0];
    return row ? { id: row.id, name: row.name, createdAt: row.created_at } : null;
  }

  // ---- Inbound sources (SourceStore), implemented in postgres-sources.ts.

  sourceCreate: Store['sourceCreate'] = (p) =>
    this.#run(() => insertSource(this.#pool, { ...p, id: newId('src') }, new Date(this.#now())));
  sourceDelete: Store['sourceDelete'] = (p) =>
    this.#run(() => deleteSource(this.#pool, p.tenantId, p.id));
  sourceGet: Store['sourceGet'] = (p) => this.#run(() => getSource(this.#pool, p.tenantId, p.id));
  sourceGetById: Store['sourceGetById'] = (p) => this.#run(() => getSourceById(this.#pool, p.id));
  sourceList: Store['sourceList'] = (p) => this.#run(() => listSources(this.#pool, p));
  sourceUpdate: Store['sourceUpdate'] = (p) =>
    this.#run(() => updateSource(this.#pool, p, new Date(this.#now())));

  // ---- Push delivery (DeliveryStore); the logic lives in postgres-endpoints,
  // postgres-ownership, postgres-deliveries, postgres-delivery-commit,
  // postgres-delivery-retention and postgres-attempts.

  endpointCreate(p: P<'endpointCreate'>) {
    const row = { ...p, id: newId('ep') };
    return this.#run(() => insertEndpoint(this.#pool, row, new Date(this.#now())));
  }

  endpointDelete(p: P<'endpointDelete'>) {
    return this.#run(() => deleteEndpoint(this.#pool, p.tenantId, p.id));
  }

  endpointGet(p: P<'endpointGet'>) {
    return this.#run(() => getEndpoint(this.#pool, p.tenantId, p.id));
  }

  endpointList(p: P<'endpointList'>) {
    return this.#run(() => listEndpoints(this.#pool, p));
  }

  endpointUpdate(p: P<'endpointUpdate'>) {
    return this.#run(() => updateEndpointConfig(this.#pool, p, new Date(this.#now())));
  }

  endpointSetActive(p: P<'endpointSetActive'>) {
    return this.#run(() => setEndpointActive(this.#pool, p, p.now));
  }

  endpointSetSecrets(p: P<'endpointSetSecrets'>) {
    return this.#run(() => setEndpointSecrets(this.#pool, p, new Date(this.#now())));
  }

  endpointOwnershipList() {
    return this.#run(() => listOwnership(this.#pool));
  }

  endpointAcquire(p: P<'endpointAcquire'>) {
    return this.#run(() => acquireEndpoints(this.#pool, p));
  }

  endpointRelease(p: P<'endpointRelease'>) {
    return this.#run(() => releaseEndpoints(this.#pool, p.workerId, p.ids));
  }

  workerHeartbeat(p: P<'workerHeartbeat'>) {
    return this.#run(() => heartbeat(this.#pool, p));
  }

  workerRemove(p: P<'workerRemove'>) {
    return this.#run(() => removeWorker(this.#pool, p.workerId));
  }

  deliveryCommit(p: P<'deliveryCommit'>) {
    return this.#run(() => commitDeliveries(this.#pool, p));
  }

  deliveryInsert(p: P<'deliveryInsert'>) {
    return this.#run(() =>
      insertDeliveries(this.#pool, p.tenantId, p.endpointId, p.deliveries, p.now),
    );
  }

  deliveryGet(p: P<'deliveryGet'>) {
    return this.#run(() => getDelivery(this.#pool, p.tenantId, p.id));
  }

  deliveryList(p: P<'deliveryList'>) {
    return this.#run(() => listDeliveries(this.#pool, p));
  }

  deliveryListOpen(p: P<'deliveryListOpen'>) {
    return this.#run(() => listOpenDeliveries(this.#pool, p));
  }

  deliveryCountOpen(p: P<'deliveryCountOpen'>) {
    return this.#run(() => countOpenDeliveries(this.#pool, p.tenantId, p.endpointId));
  }

  deliveryRetry(p: P<'deliveryRetry'>) {
    return this.#run(() => retryDelivery(this.#pool, p, p.now));
  }

  deliveryRetryFailed(p: P<'deliveryRetryFailed'>) {
    return this.#run(() => retryFailedDeliveries(this.#pool, p, p.now));
  }

  deliveryDeleteFinishedBefore(p: P<'deliveryDeleteFinishedBefore'>) {
    return this.#run(() => deleteFinishedDeliveries(this.#pool, p.before, p.limit));
  }

  deliveryListCovering(p: P<'deliveryListCovering'>) {
    return this.#run(() => listCoveringDeliveries(this.#pool, p));
  }

  attemptList(p: P<'attemptList'>) {
    return this.#run(() => listAttempts(this.#pool, p.tenantId, p.deliveryId));
  }

  attemptStats(p: P<'attemptStats'>) {
    return this.#run(() => attemptStats(this.#pool, p));
  }

  attemptTimeline(p: P<'attemptTimeline'>) {
    return this.#run(() => attemptTimeline(this.#pool, p));
  }

  eventListByIds(p: P<'eventListByIds'>) {
    return this.#run(() => listEventsByIds(this.#pool, p.tenantId, p.ids));
  }

  eventHead(p: P<'eventHead'>) {
    return this.#run(() => eventHead(this.#pool, p.tenantId));
  }

  deliveryBacklog(p: P<'deliveryBacklog'>) {
    return this.#run(() => deliveryBacklog(this.#pool, p.endpointIds));
  }
}
