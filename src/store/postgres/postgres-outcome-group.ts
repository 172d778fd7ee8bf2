// Group commit for delivery outcomes on PostgreSQL. Every outcome of an
// endpoint updates the endpoint's health row, so one transaction per outcome
// made concurrent sends queue on that row lock, one commit (WAL flush) each:
// ~800 outcomes/s at most. Outcomes that arrive while a group is committing
// form the next group, recorded by one statement in one transaction.
import type { Pool } from 'pg';
import type { DeliveryCompleteParams, DeliveryCompleteResult } from '../delivery-store.ts';
import { recordOutcomes } from './postgres-delivery-outcomes.ts';

interface Pending {
  p: DeliveryCompleteParams;
  resolve: (r: DeliveryCompleteResult) => void;
  reject: (e: unknown) => void;
}

/** A group that large already amortizes the commit; bigger ones only hold locks longer. */
const MAX_GROUP = 200;

export class PgOutcomeGroup {
  readonly #pool: Pool;
  #pending: Pending[] = [];
  #flushing = false;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  add(p: DeliveryCompleteParams): Promise<DeliveryCompleteResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ p, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // Let the outcomes of one event-loop turn join the first group.
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const group = this.#pending.splice(0, MAX_GROUP);
        try {
          const results = await this.#commit(group.map((item) => item.p));
          for (const [i, item] of group.entries()) {
            item.resolve(results[i] as DeliveryCompleteResult);
          }
        } catch (err) {
          if (group.length === 1) {
            (group[0] as Pending).reject(err);
            continue;
          }
          // One failing outcome (or a deadlock with another path) must not
          // fail the others: record each on its own; errors reach their callers.
          for (const item of group) {
            await this.#commit([item.p]).then(
              ([r]) => item.resolve(r as DeliveryCompleteResult),
              item.reject,
            );
          }
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #commit(group: DeliveryCompleteParams[]): Promise<DeliveryCompleteResult[]> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      // The group's endpoint rows are locked first and in id order, so two
      // processes' groups cannot deadlock on each other's endpoints.
      await client.query({
        name: 'herald_lock_outcome_endpoints',
        text:
          'SELECT 1 FROM endpoints WHERE id IN (SELECT endpoint_id FROM deliveries WHERE id = ANY($1))' +
          ' ORDER BY id FOR UPDATE',
        values: [group.map((p) => p.deliveryId)],
      });
      const results = await recordOutcomes(client, group);
      await client.query('COMMIT');
      client.release();
      return results;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      // A connection in an unknown state is not returned to the pool.
      client.release(err instanceof Error ? err : true);
      throw err;
    }
  }
}
