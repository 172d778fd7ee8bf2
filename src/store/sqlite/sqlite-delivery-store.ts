// The DeliveryStore part of SqliteStore: thin transaction wrappers around
// sqlite-endpoints, sqlite-deliveries, sqlite-delivery-claims,
// sqlite-delivery-retention and sqlite-attempts. SqliteStore supplies its
// statement cache, transaction and error translation.
import type { StatementSync } from 'node:sqlite';
import type { StoredEvent } from '../../domain/event.ts';
import { newId } from '../../domain/ids.ts';
import type {
  AttemptRow,
  AttemptStats,
  ClaimedDelivery,
  DeliveryClaimParams,
  DeliveryCompleteParams,
  DeliveryCompleteResult,
  DeliveryRow,
  DeliveryStatus,
  DeliveryStore,
  DisabledReason,
  EndpointConfig,
  EndpointRow,
  EndpointSecret,
  NewDelivery,
} from '../delivery-store.ts';
import { attemptStats, listAttempts } from './sqlite-attempts.ts';
import {
  countOpenDeliveries,
  dispatchEndpoint,
  getDelivery,
  insertDeliveries,
  listDeliveries,
  retryDelivery,
  retryFailedDeliveries,
} from './sqlite-deliveries.ts';
import { claimDeliveries, completeDelivery, nextDueAt } from './sqlite-delivery-claims.ts';
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
import { translateSqliteError } from './sqlite-errors.ts';
import { eventHead, listEventsByIds } from './sqlite-events.ts';
import { type GroupOutcome, runGroup } from './sqlite-group-tx.ts';

/**
 * Group commit for outcomes: completions that arrive in the same event-loop
 * turn share one transaction (sqlite-group-tx.ts), and one failing does not
 * undo the others. With many requests in flight this is what
 * keeps SQLite's commit rate from capping delivery throughput.
 */
class CompletionGroup {
  readonly #stmt: (sql: string) => StatementSync;
  readonly #tx: <T>(fn: () => T) => T;
  #pending: {
    p: DeliveryCompleteParams;
    resolve: (r: DeliveryCompleteResult) => void;
    reject: (e: unknown) => void;
  }[] = [];

  constructor(stmt: (sql: string) => StatementSync, tx: <T>(fn: () => T) => T) {
    this.#stmt = stmt;
    this.#tx = tx;
  }

  add(p: DeliveryCompleteParams): Promise<DeliveryCompleteResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ p, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const group = this.#pending;
    this.#pending = [];
    let results: GroupOutcome<DeliveryCompleteResult>[];
    try {
      results = runGroup(this.#tx, this.#stmt, group, (item) =>
        completeDelivery(this.#stmt, item.p),
      );
    } catch (err) {
      for (const item of group) item.reject(translateSqliteError(err));
      return;
    }
    for (const [i, item] of group.entries()) {
      const r = results[i] as GroupOutcome<DeliveryCompleteResult>;
      if ('ok' in r) item.resolve(r.ok);
      else item.reject(r.err);
    }
  }
}

export interface SqliteAccess {
  stmt: (sql: string) => StatementSync;
  tx: <T>(fn: () => T) => T;
  /** For claims, outcomes and fan-out: no fsync of its own (SqliteStore explains). */
  stateTx: <T>(fn: () => T) => T;
  run: <T>(fn: () => T) => Promise<T>;
}

export function sqliteDeliveryStore({ stmt, tx, stateTx, run }: SqliteAccess): DeliveryStore {
  const s = stmt;
  const completions = new CompletionGroup(stmt, stateTx);
  return {
    endpointCreate(p: {
      tenantId: string;
      config: EndpointConfig;
      secret: string;
      dispatchCursor: number;
    }): Promise<EndpointRow> {
      return run(() =>
        insertEndpoint(
          s,
          {
            id: newId('ep'),
            tenantId: p.tenantId,
            config: p.config,
            secret: p.secret,
            cursor: p.dispatchCursor,
          },
          Date.now(),
        ),
      );
    },

    endpointDelete(p: { tenantId: string; id: string }): Promise<boolean> {
      return run(() =>
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

    endpointListActive(p: { tenantId: string | null }): Promise<EndpointRow[]> {
      return run(() => {
        const rows =
          p.tenantId === null
            ? stmt('SELECT * FROM endpoints WHERE active = 1 ORDER BY id').all()
            : stmt('SELECT * FROM endpoints WHERE active = 1 AND tenant_id = ? ORDER BY id').all(
                p.tenantId,
              );
        return (rows as unknown as EndpointDbRow[]).map(toEndpointRow);
      });
    },

    endpointUpdate(p: {
      tenantId: string;
      id: string;
      config: EndpointConfig;
    }): Promise<EndpointRow | null> {
      return run(() => tx(() => updateEndpointConfig(s, p, Date.now())));
    },

    endpointSetActive(p: {
      tenantId: string;
      id: string;
      active: boolean;
      reason: DisabledReason | null;
      now: Date;
    }): Promise<EndpointRow | null> {
      return run(() => setEndpointActive(s, p, p.now.getTime()));
    },

    endpointSetSecrets(p: {
      tenantId: string;
      id: string;
      secrets: EndpointSecret[];
    }): Promise<EndpointRow | null> {
      return run(() => {
        stmt('UPDATE endpoints SET secrets = ?, updated_at = ? WHERE tenant_id = ? AND id = ?').run(
          secretsJson(p.secrets),
          Date.now(),
          p.tenantId,
          p.id,
        );
        return getEndpoint(s, p.tenantId, p.id);
      });
    },

    endpointDispatch(p: {
      tenantId: string;
      endpointId: string;
      fromCursor: number;
      toCursor: number;
      deliveries: NewDelivery[];
      now: Date;
    }): Promise<boolean> {
      return run(() => stateTx(() => dispatchEndpoint(s, p, p.now.getTime())));
    },

    deliveryInsert(p: {
      tenantId: string;
      endpointId: string;
      deliveries: NewDelivery[];
      now: Date;
    }): Promise<DeliveryRow[]> {
      return run(() =>
        tx(() =>
          insertDeliveries(s, p.tenantId, p.endpointId, p.deliveries, p.now.getTime()).map(
            (id) => getDelivery(s, p.tenantId, id) as DeliveryRow,
          ),
        ),
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

    deliveryClaim(p: DeliveryClaimParams): Promise<ClaimedDelivery[]> {
      return run(() => stateTx(() => claimDeliveries(s, p)));
    },

    deliveryComplete(p: DeliveryCompleteParams): Promise<DeliveryCompleteResult> {
      return completions.add(p);
    },

    deliveryRetry(p: { tenantId: string; id: string; now: Date }): Promise<DeliveryRow | null> {
      return run(() => retryDelivery(s, p, p.now.getTime()));
    },

    deliveryRetryFailed(p: {
      tenantId: string;
      endpointId: string;
      since: Date;
      until: Date | null;
      now: Date;
    }): Promise<number> {
      return run(() => retryFailedDeliveries(s, p, p.now.getTime()));
    },

    deliveryNextDueAt(): Promise<Date | null> {
      return run(() => nextDueAt(s));
    },

    deliveryDeleteFinishedBefore(p: { before: Date; limit: number }): Promise<number> {
      return run(() => deleteFinishedDeliveries(s, p.before.getTime(), p.limit));
    },

    attemptList(p: { tenantId: string; deliveryId: string }): Promise<AttemptRow[]> {
      return run(() => listAttempts(s, p.tenantId, p.deliveryId));
    },

    attemptStats(p: { tenantId: string; endpointId: string; since: Date }): Promise<AttemptStats> {
      return run(() => attemptStats(s, p));
    },

    eventListByIds(p: { tenantId: string; ids: string[] }): Promise<StoredEvent[]> {
      return run(() => listEventsByIds(s, p.tenantId, p.ids));
    },

    eventHead(p: { tenantId: string }): Promise<number> {
      return run(() => eventHead(s, p.tenantId));
    },
  };
}
