// Commit notifications across processes with LISTEN/NOTIFY.
//
// After each append commits, the store sends pg_notify(channel,
// 'tenantId:lastSequence'); PostgreSQL delivers it to every session listening
// on the channel. The channel is derived from the schema, so Herald
// deployments (or test schemas) sharing a database never cross-talk.
//
// The NOTIFY is deliberately not part of the append transaction: a
// transaction that notifies holds a database-wide lock from pre-commit until
// its commit record is flushed, so notifying inside appends would serialize
// the commits (and fsyncs) of all tenants. It runs in its own transaction with
// synchronous_commit off instead, which holds that lock only for an instant.
// Cost: a process that dies between COMMIT and NOTIFY leaves other processes
// unaware of that commit until the tenant's next one. Notifications from
// different processes may also arrive out of order; the high-water mark below
// makes that harmless, as a head implies all sequences before it.
// One dedicated connection per store (not from the pool) LISTENs, started by
// the first onCommit subscriber; it reconnects with exponential back-off and,
// after a reconnect, replays the stream heads that advanced while it was away.
// Commits made by this store are also delivered directly after COMMIT; a
// per-tenant high-water mark drops the echo and any stale or repeated head.
import { Client, type ClientConfig, escapeIdentifier, type Notification, type Pool } from 'pg';
import type { CommitListener } from '../store.ts';

/** This schema's channel name, computed in SQL by both sides (at most 63 bytes). */
export const CHANNEL_SQL =
  "'herald_events:' || CASE WHEN length(current_schema()) <= 49 THEN current_schema() ELSE md5(current_schema()) END";

const PUBLISH = `SELECT set_config('synchronous_commit', 'off', true), pg_notify(${CHANNEL_SQL}, $1)`;

/** Tells every process listening on this schema that the tenant's head moved. */
export async function publishCommit(pool: Pool, tenantId: string, lastSequence: number) {
  await pool.query(PUBLISH, [`${tenantId}:${lastSequence}`]);
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;
/** A query on the idle connection now and then detects a silently dead socket. */
const HEARTBEAT_MS = 30_000;
const QUERY_TIMEOUT_MS = 10_000;

export class CommitNotifier {
  readonly #config: ClientConfig;
  readonly #subscribers = new Set<{ listener: CommitListener }>();
  /** Highest head delivered per tenant. */
  readonly #heads = new Map<string, number>();
  #waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  #client: Client | null = null;
  #connecting: Promise<void> | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #started = false;
  #closed = false;
  #connectedBefore = false;
  #failures = 0;

  constructor(config: ClientConfig) {
    this.#config = { ...config, query_timeout: QUERY_TIMEOUT_MS };
  }

  subscribe(listener: CommitListener): () => void {
    const entry = { listener };
    this.#subscribers.add(entry);
    if (!this.#started && !this.#closed) {
      this.#started = true;
      this.#connect();
    }
    return () => {
      this.#subscribers.delete(entry);
    };
  }

  /** Resolves once the connection is listening (now, or after the next (re)connect). */
  whenListening(): Promise<void> {
    if (this.#client) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Delivers a tenant head unless an equal or later one was already delivered. */
  dispatch(tenantId: string, lastSequence: number): void {
    if ((this.#heads.get(tenantId) ?? 0) >= lastSequence) return;
    this.#heads.set(tenantId, lastSequence);
    for (const { listener } of this.#subscribers) {
      try {
        listener(tenantId, lastSequence);
      } catch (err) {
        // A faulty subscriber must not break appends or other subscribers.
        process.emitWarning(`commit listener threw: ${String(err)}`);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#stopHeartbeat();
    for (const w of this.#waiters.splice(0)) w.reject(new Error('store is closed'));
    await this.#connecting;
    const client = this.#client;
    this.#client = null;
    if (client) await client.end().catch(() => {});
  }

  #connect(): void {
    this.#retryTimer = null;
    this.#connecting = this.#open().finally(() => {
      this.#connecting = null;
    });
  }

  async #open(): Promise<void> {
    const client = new Client(this.#config);
    client.on('notification', (msg) => this.#onNotification(msg));
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      const ch = await client.query<{ channel: string | null }>(`SELECT ${CHANNEL_SQL} AS channel`);
      const channel = ch.rows[0]?.channel;
      if (!channel) throw new Error('the configured schema does not exist yet');
      await client.query(`LISTEN ${escapeIdentifier(channel)}`);
      const heads = await client.query<{ tenant_id: string; last_sequence: string }>(
        'SELECT tenant_id, last_sequence FROM streams',
      );
      if (this.#closed) {
        await client.end().catch(() => {});
        return;
      }
      this.#client = client;
      this.#failures = 0;
      const catchUp = this.#connectedBefore;
      this.#connectedBefore = true;
      for (const r of heads.rows) {
        const seq = Number(r.last_sequence);
        // First connect: remember heads (commits before subscribing are not news).
        // Reconnect: deliver the heads that moved while notifications were lost.
        if (catchUp) this.dispatch(r.tenant_id, seq);
        else if ((this.#heads.get(r.tenant_id) ?? 0) < seq) this.#heads.set(r.tenant_id, seq);
      }
      this.#startHeartbeat(client);
      for (const w of this.#waiters.splice(0)) w.resolve();
    } catch {
      await client.end().catch(() => {});
      this.#scheduleRetry();
    }
  }

  #onNotification(msg: Notification): void {
    const payload = msg.payload ?? '';
    const at = payload.lastIndexOf(':');
    const seq = Number(payload.slice(at + 1));
    if (at > 0 && Number.isSafeInteger(seq)) this.dispatch(payload.slice(0, at), seq);
  }

  #lost(client: Client): void {
    if (client !== this.#client) return;
    this.#client = null;
    this.#stopHeartbeat();
    client.end().catch(() => {});
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer) return;
    const base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.#failures);
    this.#failures += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #startHeartbeat(client: Client): void {
    this.#heartbeat = setInterval(() => {
      client.query('SELECT 1').catch(() => this.#lost(client));
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }
}
