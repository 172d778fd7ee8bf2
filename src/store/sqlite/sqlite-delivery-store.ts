// The DeliveryStore part of SqliteStore: thin transaction wrappers around
// sqlite-endpoints, sqlite-deliveries, sqlite-ownership, sqlite-delivery-commit,
// sqlite-delivery-retention and sqlite-attempts. SqliteStore supplies its
// statement cache, transaction and error translation.
import type { StatementSync } from 'node:sqlite';
import type {
  AttemptRow,
  DeliveryRow,
  DeliveryStatus,
  NewDelivery,
} from '../../domain/delivery.ts';
import type {
  DisabledReason,
  EndpointConfig,
  EndpointRow,
  EndpointSecret,
} from '../../domain/endpoint.ts';
import type { StoredEvent } from '../../domain/event.ts';
import { newId } from '../../domain/ids.ts';
import type {
  AttemptBucket,
  AttemptStats,
  DeliveryCommitParams,
  DeliveryCommitResult,
  DeliveryStore,
  EndpointOwnership,
} from '../delivery-store.ts';
import { attemptStats, attemptTimeline, listAttempts } from './sqlite-attempts.ts';
import { deliveryBacklog } from './sqlite-backlog.ts';
import {
  countOpenDeliveries,
  getDelivery,
  insertDeliveries,
  listCoveringDeliveries,
  listDeliveries,
  listOpenDeliveries,
  retryDelivery,
  retryFailedDeliveries,
} from './sqlite-deliveries.ts';
import { commitDeliveries } from './sqlite-delivery-commit.ts';
import { deleteFinishedDeliveries } from './sqlite-delivery-retention.ts';
import {
  type EndpointDbRow,
  getEndpoint,
  insertEndpoint,
  secretsJson,
  setEndpointActive,
  toEndpointRow,
  updateEndpointConfig,
} from './sqlite-endpoints.ts';
import { eventHead, listEventsByIds } from './sqlite-events.ts';
import {
  acquireEndpoints,
  heartbeat,
  listOwnership,
  releaseEndpoints,
  removeWorker,
} from './sqlite-ownership.ts';

export interface SqliteAccess {
  stmt: (sql: string) => StatementSync;
  tx: <T>(fn: () => T) => T;
  /** For outcomes and ownership: no fsync of its own (SqliteStore explains). */
  stateTx: <T>(fn: () => T) => T;
  run: <T>(fn: () => T) => Promise<T>;
  /** Like run, for writes: waits (without blocking) while the commit thread writes. */
  write: <T>(fn: () => T) => Promise<T>;
  /** Writes a group commit elsewhere (a thread of its own); null: write it in this thread. */
  commitElsewhere: (p: DeliveryCommitParams) => Promise<DeliveryCommitResult> | null;
}

export function sqliteDeliveryStore({
  stmt,
  tx,
  stateTx,
  run,
  write,
  commitElsewhere,
}: SqliteAccess): DeliveryStore {
  const s = stmt;
  return {
    endpointCreate(p: {
      tenantId: string;
      config: EndpointConfig;
      secret: string;
      cursor: number;
    }): Promise<EndpointRow> {
      return write(() =>
        insertEndpoint(
          s,
          {
            id: newId('ep'),
            tenantId: p.tenantId,
            config: p.config,
            secret: p.secret,
            cursor: p.cursor,
          },
          Date.now(),
        ),
      );
    },

    endpointDelete(p: { tenantId: string; id: string }): Promise<boolean> {
      return write(() =>
        tx(() => {
          // Attempts and deliveries go with it (ON DELETE CASCADE).
          const r = stmt('DELETE FROM endpoints WHERE tenant_id = ? AND id = ?').run(
            p.tenantId,
            p.id,
          );
          return Number(r.changes) > 0;
        }),
      );
    },

    endpointGet(p: { tenantId: string; id: string }): Promise<EndpointRow | null> {
      return run(() => getEndpoint(s, p.tenantId, p.id));
    },

    endpointList(p: {
      tenantId: string;
      after: string | null;
      limit: number;
    }): Promise<EndpointRow[]> {
      return run(() =>
        (
          stmt('SELECT * FROM endpoints WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?').all(
            p.tenantId,
            p.after ?? '',
            p.limit,
          ) as unknown as EndpointDbRow[]
        ).map(toEndpointRow),
      );
    },

    endpointUpdate(p: {
      tenantId: string;
      id: string;
      config: EndpointConfig;
    }): Promise<EndpointRow | null> {
      return write(() => tx(() => updateEndpointConfig(s, p, Date.now())));
    },

    endpointSetActive(p: {
      tenantId: string;
      id: string;
      active: boolean;
      reason: DisabledReason | null;
      now: Date;
    }): Promise<EndpointRow | null> {
      return write(() => setEndpointActive(s, p, p.now.getTime()));
    },

    endpointSetSecrets(p: {
      tenantId: string;
      id: string;
      secrets: EndpointSecret[];
    }): Promise<EndpointRow | null> {
      return write(() => {
        stmt(
          'UPDATE endpoints SET secrets = ?, updated_at = ?, state_version = state_version + 1' +
            ' WHERE tenant_id = ? AND id = ?',
        ).run(secretsJson(p.secrets), Date.now(), p.tenantId, p.id);
        return getEndpoint(s, p.tenantId, p.id);
      });
    },

    endpointOwnershipList(): Promise<EndpointOwnership[]> {
      return run(() => listOwnership(s));
    },

    endpointAcquire(p: {
      workerId: string;
      ids: string[];
      now: Date;
      until: Date;
      force: boolean;
    }): Promise<EndpointRow[]> {
      return write(() =>
        stateTx(() =>
          acquireEndpoints(s, {
            ...p,
            now: p.now.getTime(),
            until: p.until.getTime(),
          }),
        ),
      );
    },

    endpointRelease(p: { workerId: string; ids: string[] | null }): Promise<void> {
      return write(() => stateTx(() => releaseEndpoints(s, p.workerId, p.ids)));
    },

    workerHeartbeat(p: { workerId: string; now: Date; until: Date }): Promise<string[]> {
      return write(() =>
        stateTx(() =>
          heartbeat(s, { workerId: p.workerId, now: p.now.getTime(), until: p.until.getTime() }),
        ),
      );
    },

    workerRemove(p: { workerId: string }): Promise<void> {
      return write(() => removeWorker(s, p.workerId));
    },

    deliveryCommit(p: DeliveryCommitParams): Promise<DeliveryCommitResult> {
      return commitElsewhere(p) ?? run(() => stateTx(() => commitDeliveries(s, p)));
    },

    deliveryInsert(p: {
      tenantId: string;
      endpointId: string;
      deliveries: (NewDelivery & { id: string })[];
      now: Date;
    }): Promise<DeliveryRow[]> {
      return write(() =>
        tx(() => {
          insertDeliveries(s, p.tenantId, p.endpointId, p.deliveries, p.now.getTime());
          return p.deliveries.map((d) => getDelivery(s, p.tenantId, d.id) as DeliveryRow);
        }),
      );
    },

    deliveryGet(p: { tenantId: string; id: string }): Promise<DeliveryRow | null> {
      return run(() => getDelivery(s, p.tenantId, p.id));
    },

    deliveryList(p: {
      tenantId: string;
      endpointId: string;
      status: DeliveryStatus | null;
      after: string | null;
      limit: number;
    }): Promise<DeliveryRow[]> {
      return run(() => listDeliveries(s, p));
    },

    deliveryCountOpen(p: { tenantId: string; endpointId: string }): Promise<number> {
      return run(() => countOpenDeliveries(s, p.tenantId, p.endpointId));
    },

    deliveryListOpen(p: {
      tenantId: string;
      endpointId: string;
      limit: number;
    }): Promise<DeliveryRow[]> {
      return run(() => listOpenDeliveries(s, p));
    },

    deliveryListCovering(p: {
      tenantId: string;
      endpointId: string;
      fromSequence: number;
      toSequence: number;
    }): Promise<DeliveryRow[]> {
      return run(() => listCoveringDeliveries(s, p));
    },

    deliveryRetry(p: { tenantId: string; id: string; now: Date }): Promise<DeliveryRow | null> {
      return write(() => tx(() => retryDelivery(s, p, p.now.getTime())));
    },

    deliveryRetryFailed(p: {
      tenantId: string;
      endpointId: string;
      since: Date;
      until: Date | null;
      now: Date;
    }): Promise<number> {
      return write(() => tx(() => retryFailedDeliveries(s, p, p.now.getTime())));
    },

    deliveryDeleteFinishedBefore(p: { before: Date; limit: number }): Promise<number> {
      return write(() => deleteFinishedDeliveries(s, p.before.getTime(), p.limit));
    },

    attemptList(p: { tenantId: string; deliveryId: string }): Promise<AttemptRow[]> {
      return run(() => listAttempts(s, p.tenantId, p.deliveryId));
    },

    attemptStats(p: { tenantId: string; endpointId: string; since: Date }): Promise<AttemptStats> {
      return run(() => attemptStats(s, p));
    },

    attemptTimeline(p: {
      tenantId: string;
      endpointId: string;
      since: Date;
      bucketMs: number;
      buckets: number;
    }): Promise<AttemptBucket[]> {
      return run(() => attemptTimeline(s, p));
    },

    eventListByIds(p: { tenantId: string; ids: string[] }): Promise<StoredEvent[]> {
      return run(() => listEventsByIds(s, p.tenantId, p.ids));
    },

    eventHead(p: { tenantId: string }): Promise<number> {
      return run(() => eventHead(s, p.tenantId));
    },

    deliveryBacklog(p: { endpointIds: string[] }) {
      return run(() => deliveryBacklog(s, p.endpointIds));
    },
  };
}
