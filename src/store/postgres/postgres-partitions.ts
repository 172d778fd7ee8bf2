// Daily partitions of the events table (events_pYYYYMMDD, UTC days).
//
// Creation: the append path calls ensureForAppend() before each transaction;
// after the first call of a day it is a Set lookup. A missing partition is
// created as a plain table and then attached in the same transaction: ATTACH
// PARTITION takes only a SHARE UPDATE EXCLUSIVE lock on events, so unlike
// CREATE TABLE ... PARTITION OF it neither waits for nor blocks readers and
// writers (a long query or a pg_dump cannot stall appends at midnight).
// Several processes may race to create the same day: the losers get a
// duplicate-name error, which means the winner's partition exists.
import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import { withTransaction } from './postgres-db.ts';

export const DAY_MS = 86_400_000;
const NAME_RE = /^events_p(\d{4})(\d{2})(\d{2})$/;
/** Time a partition may wait, per lock, for a conflicting lock before creation gives up. */
const LOCK_TIMEOUT = '5s';
// 42P07 duplicate_table; 23505 unique_violation on pg_class/pg_type when two
// creators race; 42P17 "would overlap" if another creator attached first.
const DUPLICATE_CODES = new Set(['42P07', '23505', '42P17']);

export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function partitionName(day: number): string {
  return `events_p${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The UTC day a partition name stands for, or null for tables Herald did not name. */
export function partitionDay(name: string): number | null {
  const m = NAME_RE.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}

export interface PartitionRow {
  name: string;
  day: number;
  /** False for a table left detached by an interrupted retention run. */
  attached: boolean;
  /** True for a partition whose DETACH ... CONCURRENTLY was interrupted. */
  detachPending: boolean;
}

/** Herald-named partitions of events and detached leftovers, oldest first. */
export async function listPartitions(client: Pick<PoolClient, 'query'>): Promise<PartitionRow[]> {
  const r = await client.query<{ name: string; attached: boolean; pending: boolean }>(
    `SELECT c.relname AS name, c.relispartition AS attached,
            coalesce(i.inhdetachpending, false) AS pending
       FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
      WHERE c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'events'::regclass)
        AND c.relkind = 'r' AND c.relname ~ '^events_p[0-9]{8}$'
        AND (i.inhparent IS NULL OR i.inhparent = 'events'::regclass)`,
  );
  return r.rows
    .map((row) => ({
      name: row.name,
      day: partitionDay(row.name) as number,
      attached: row.attached,
      detachPending: row.pending,
    }))
    .sort((a, b) => a.day - b.day);
}

/** Per-store cache of days known to have a partition, plus creation. */
export class EventPartitions {
  readonly #pool: Pool;
  readonly #known = new Set<number>();
  readonly #creating = new Map<number, Promise<void>>();
  #aheadRetryAt = 0;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  has(ms: number): boolean {
    return this.#known.has(dayOf(ms));
  }

  /** Drops cached knowledge, e.g. after an insert found a partition missing. */
  forget(ms?: number): void {
    if (ms === undefined) this.#known.clear();
    else this.#known.delete(dayOf(ms));
  }

  /**
   * Today's partition is required; tomorrow's is created ahead, best effort,
   * so midnight needs no DDL on the append path. A failed attempt ahead is
   * retried at most once a minute, so it cannot slow every append.
   */
  async ensureForAppend(now: number): Promise<void> {
    await this.ensure(now);
    if (this.has(now + DAY_MS) || now < this.#aheadRetryAt) return;
    await this.ensure(now + DAY_MS).catch(() => {
      this.#aheadRetryAt = now + 60_000;
    });
  }

  ensure(ms: number): Promise<void> {
    const day = dayOf(ms);
    if (this.#known.has(day)) return Promise.resolve();
    let pending = this.#creating.get(day);
    if (!pending) {
      pending = this.#create(day).finally(() => this.#creating.delete(day));
      this.#creating.set(day, pending);
    }
    return pending;
  }

  async #create(day: number): Promise<void> {
    const name = partitionName(day);
    const exists = await this.#pool.query<{ attached: boolean | null }>(
      'SELECT (SELECT relispartition FROM pg_class WHERE oid = to_regclass($1)) AS attached',
      [name],
    );
    const attached = exists.rows[0]?.attached;
    if (attached === false) {
      throw new Error(`table ${name} exists but is not a partition of events (left by retention?)`);
    }
    if (attached !== true) {
      const from = new Date(day).toISOString();
      const to = new Date(day + DAY_MS).toISOString();
      const table = escapeIdentifier(name);
      try {
        await withTransaction(this.#pool, async (c) => {
          await c.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
          await c.query(`CREATE TABLE ${table} (LIKE events INCLUDING DEFAULTS)`);
          await c.query(
            `ALTER TABLE events ATTACH PARTITION ${table} FOR VALUES FROM ('${from}') TO ('${to}')`,
          );
        });
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code !== 'string' || !DUPLICATE_CODES.has(code)) throw err;
      }
    }
    this.#known.add(day);
  }
}
