// Group commit for delivery outcomes on PostgreSQL. Every outcome of an
// endpoint updates the endpoint's health row, so one transaction per outcome
// made concurrent sends queue on that row lock, one commit each: ~800
// outcomes/s at most. Outcomes that arrive while a group is being recorded
// form the next group, recorded by one function call (one transaction).
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
        // A failure is the database's, not one outcome's (the statement takes
        // any well-formed outcome): every caller gets it, and their deliveries
        // stay leased until the lease expires and they are sent again.
        await recordOutcomes(
          this.#pool,
          group.map((item) => item.p),
        ).then(
          (results) => {
            for (const [i, item] of group.entries()) {
              item.resolve(results[i] as DeliveryCompleteResult);
            }
          },
          (err) => {
            for (const item of group) item.reject(err);
          },
        );
      }
    } finally {
      this.#flushing = false;
    }
  }
}
