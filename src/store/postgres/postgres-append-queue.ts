// Per-tenant group commit within one process. Appends of one tenant are
// serialized by the stream-head row lock anyway; queueing them here first
// means a hot tenant holds one pooled connection instead of a crowd of
// connections waiting on the same row lock, and everything that queued while
// a transaction ran is committed together by the next one (one lock
// acquisition and one fsync for the group). Appends keep their arrival
// order, and each resolves only after the COMMIT that stored it.
import type { AppendedEvent } from '../store.ts';
import type { PreparedAppend } from './postgres-events.ts';

/** Most events one group transaction carries (a single larger append still goes alone). */
const MAX_GROUP_EVENTS = 1000;

export type GroupRunner = (tenantId: string, group: PreparedAppend[]) => Promise<AppendedEvent[][]>;

interface Pending {
  append: PreparedAppend;
  resolve: (r: AppendedEvent[]) => void;
  reject: (err: unknown) => void;
}

/**
 * True when the server rejected the data of some append (SQLSTATE class 22
 * data exception, 23 integrity violation): the transaction did not commit,
 * and the appends are worth retrying one by one to find the culprit.
 */
function dataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

function takeGroup(waiting: Pending[]): Pending[] {
  let events = 0;
  let n = 0;
  for (const p of waiting) {
    const size = p.append.params.events.length;
    if (n > 0 && events + size > MAX_GROUP_EVENTS) break;
    events += size;
    n += 1;
  }
  return waiting.splice(0, n);
}

export class TenantAppendQueue {
  readonly #run: GroupRunner;
  /** Appends waiting, per tenant; a tenant is present while its queue drains. */
  readonly #waiting = new Map<string, Pending[]>();

  constructor(run: GroupRunner) {
    this.#run = run;
  }

  enqueue(append: PreparedAppend): Promise<AppendedEvent[]> {
    const tenantId = append.params.tenantId;
    return new Promise((resolve, reject) => {
      const item = { append, resolve, reject };
      const waiting = this.#waiting.get(tenantId);
      if (waiting) {
        waiting.push(item);
        return;
      }
      this.#waiting.set(tenantId, [item]);
      void this.#drain(tenantId);
    });
  }

  async #drain(tenantId: string): Promise<void> {
    const waiting = this.#waiting.get(tenantId) as Pending[];
    while (waiting.length > 0) {
      const group = takeGroup(waiting);
      try {
        const results = await this.#run(
          tenantId,
          group.map((p) => p.append),
        );
        group.forEach((p, i) => {
          p.resolve(results[i] as AppendedEvent[]);
        });
      } catch (err) {
        if (group.length > 1 && dataError(err)) {
          // One bad append must not fail the others that shared its transaction.
          for (const p of group) {
            try {
              p.resolve((await this.#run(tenantId, [p.append]))[0] as AppendedEvent[]);
            } catch (oneErr) {
              p.reject(oneErr);
            }
          }
        } else {
          for (const p of group) p.reject(err);
        }
      }
    }
    this.#waiting.delete(tenantId);
  }
}
