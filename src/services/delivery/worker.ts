// The delivery loop: claim due deliveries (leases in storage), send them, and
// record each outcome. Up to `concurrency` sends run at once across all
// endpoints; per-endpoint limits are enforced by the claim, so a slow endpoint
// only ever occupies its own max_concurrency slots and never delays the others.
//
// Wake-ups are event-driven (new deliveries, finished sends); timers for
// back-off come from storage (deliveryNextDueAt), so nothing that matters lives
// only in memory: after a crash, due work and expired leases are picked up.

import { AimdLimiter, isThrottleStatus } from '../../domain/backoff-concurrency.ts';
import { type StoredEvent, toEventOut } from '../../domain/event.ts';
import type { ClaimedDelivery, EndpointRow } from '../../store/delivery-store.ts';
import type { Store } from '../../store/store.ts';
import { decideAfterAttempt } from './attempt-decision.ts';
import type { Notifier } from './notifier.ts';
import { RateWindow } from './rate-window.ts';
import type { AttemptOutcome, Sender } from './sender.ts';

export interface WorkerOptions {
  owner: string;
  concurrency: number;
  /** Lease = connect timeout + response timeout + this margin. */
  leaseMarginMs: number;
  /** Re-check interval while due work is blocked (concurrency, order, rate). */
  pollMs: number;
  /** Longest sleep without a wake-up (work created by other processes). */
  idleMs: number;
  onFinished: (tenantId: string, endpointId: string) => void;
  onError: (err: unknown) => void;
}

export class DeliveryWorker {
  readonly #store: Store;
  readonly #sender: Sender;
  readonly #notifier: Notifier;
  readonly #opts: WorkerOptions;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #limiters = new Map<string, AimdLimiter>();
  readonly #rates = new RateWindow();
  #claiming = false;
  #wakeQueued = false;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #localDue: number[] = [];
  #stopped = false;

  constructor(store: Store, sender: Sender, notifier: Notifier, opts: WorkerOptions) {
    this.#store = store;
    this.#sender = sender;
    this.#notifier = notifier;
    this.#opts = opts;
  }

  start(): void {
    this.wake();
  }

  /**
   * Look for due work soon; cheap to call often. Wake-ups are coalesced to one
   * claim per event-loop turn: sends finishing together (one poll phase of
   * responses, one group-committed batch of outcomes) free their slots
   * together, and one claim transaction refills them all instead of one
   * transaction per finished send.
   */
  wake(): void {
    if (this.#stopped) return;
    if (this.#claiming) {
      this.#again = true;
      return;
    }
    if (this.#wakeQueued) return;
    this.#wakeQueued = true;
    setImmediate(() => {
      this.#wakeQueued = false;
      if (this.#claiming) this.#again = true;
      else void this.#claimLoop();
    });
  }

  async #claimLoop(): Promise<void> {
    this.#claiming = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    try {
      for (;;) {
        this.#again = false;
        const room = this.#opts.concurrency - this.#inFlight.size;
        if (room > 0) {
          const claimed = await this.#store.deliveryClaim({
            owner: this.#opts.owner,
            now: new Date(),
            leaseMarginMs: this.#opts.leaseMarginMs,
            limit: room,
            caps: this.#caps(),
          });
          const events = await this.#loadEvents(claimed);
          for (const c of claimed) this.#start(c, events);
          // A full claim means more may be due right now.
          if (claimed.length === room && !this.#stopped) continue;
        }
        await this.#arm();
        // A wake-up that arrived while we were querying must not wait for the timer.
        if (!this.#again || this.#stopped) break;
      }
    } catch (err) {
      this.#opts.onError(err);
      // A failing store is retried at the idle pace, not the busy one.
      this.#armIn(this.#opts.idleMs);
    } finally {
      this.#claiming = false;
    }
  }

  /**
   * Sleeps until the next due time in storage, or the poll interval when work
   * is due but blocked (concurrency, order). Retry and rate-limit times this
   * process just produced are also kept in #localDue, so that a retry waiting
   * behind blocked work still goes out on time; storage remains the source of
   * truth after a restart.
   */
  async #arm(): Promise<void> {
    if (this.#stopped) return;
    const next = await this.#store.deliveryNextDueAt();
    const now = Date.now();
    let at = next === null ? now + this.#opts.idleMs : next.getTime();
    if (at <= now) at = now + this.#opts.pollMs;
    // A local time that passed while we were claiming: claim once more now.
    if (this.#localDue.some((t) => t <= now)) this.#again = true;
    this.#localDue = this.#localDue.filter((t) => t > now);
    for (const t of this.#localDue) at = Math.min(at, t);
    this.#armIn(Math.min(at - now, this.#opts.idleMs));
  }

  #armIn(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), Math.max(1, ms));
    this.#timer.unref();
  }

  #caps(): Record<string, number> {
    const caps: Record<string, number> = {};
    for (const [id, l] of this.#limiters) caps[id] = l.limit;
    const rate = this.#rates.slotsLeft();
    for (const [id, left] of Object.entries(rate.caps)) {
      caps[id] = Math.min(caps[id] ?? Number.POSITIVE_INFINITY, left);
    }
    // Look again when a rate-limited endpoint gets a slot back.
    if (rate.nextFreeAt !== null) this.#localDue.push(rate.nextFreeAt);
    return caps;
  }

  #limiter(ep: EndpointRow): AimdLimiter {
    let l = this.#limiters.get(ep.id);
    if (!l || l.max !== ep.maxConcurrency) {
      l = new AimdLimiter({ max: ep.maxConcurrency });
      this.#limiters.set(ep.id, l);
    }
    return l;
  }

  /**
   * The events of every claimed delivery, one query per tenant: per-delivery
   * reads were as many round trips as sends on PostgreSQL, queued on the pool.
   */
  async #loadEvents(claimed: ClaimedDelivery[]): Promise<Map<string, StoredEvent>> {
    const byTenant = new Map<string, string[]>();
    for (const { delivery: d } of claimed) {
      if (d.kind === 'test') continue;
      const ids = byTenant.get(d.tenantId) ?? [];
      ids.push(...d.eventIds);
      byTenant.set(d.tenantId, ids);
    }
    const out = new Map<string, StoredEvent>();
    for (const [tenantId, ids] of byTenant) {
      for (const e of await this.#store.eventListByIds({ tenantId, ids })) out.set(e.id, e);
    }
    return out;
  }

  #start(c: ClaimedDelivery, loaded: Map<string, StoredEvent>): void {
    const p = this.#process(c, loaded)
      .catch((err) => this.#opts.onError(err))
      .finally(() => {
        this.#inFlight.delete(p);
        this.wake();
      });
    this.#inFlight.add(p);
  }

  async #process(
    { delivery: d, endpoint: ep }: ClaimedDelivery,
    loaded: Map<string, StoredEvent>,
  ): Promise<void> {
    let events: object[];
    if (d.kind === 'test') {
      events = d.payload ?? [];
    } else {
      // Ids missing from the map are past retention: the delivery then fails.
      events = d.eventIds.flatMap((id) => {
        const e = loaded.get(id);
        return e ? [toEventOut(e)] : [];
      });
    }
    const outcome: AttemptOutcome =
      events.length === 0
        ? {
            ok: false,
            status: null,
            retryAfter: null,
            attempt: {
              attemptedAt: new Date(),
              requestHeaders: {},
              responseStatus: null,
              responseBody: null,
              latencyMs: 0,
              error: 'the events of this delivery are past the retention horizon and were removed',
            },
          }
        : await this.#rates
            .reserve(ep.id, ep.rateLimit)
            .then(() => this.#sender.send(ep, d, events));

    const limiter = this.#limiter(ep);
    if (outcome.ok) limiter.onSuccess();
    else if (outcome.status !== null && isThrottleStatus(outcome.status)) limiter.onThrottle();

    const now = new Date();
    const { status, nextAttemptAt, disable } = decideAfterAttempt(ep, d, outcome, now, {
      retryable: events.length > 0,
    });
    if (nextAttemptAt !== null) this.#localDue.push(nextAttemptAt.getTime());
    const result = await this.#store.deliveryComplete({
      tenantId: d.tenantId,
      deliveryId: d.id,
      owner: this.#opts.owner,
      now,
      attempt: outcome.attempt,
      status,
      nextAttemptAt,
      disable,
    });
    if (!result.applied || !result.endpoint) return;
    if (result.disabled) this.#notifier.endpointDisabled(result.endpoint);
    if (status === 'failed' && d.kind === 'event') {
      this.#notifier.deliveryGaveUp(
        result.endpoint,
        d,
        outcome.attempt.error ?? `HTTP ${outcome.status}`,
      );
    }
    if (status === 'succeeded' && d.kind === 'event') this.#notifier.recordSuccess(result.endpoint);
    if (status !== 'retrying') this.#opts.onFinished(d.tenantId, d.endpointId);
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Stops claiming and waits up to `graceMs` for sends in flight; the rest keep their lease and are resent after it expires. */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#inFlight]),
      new Promise((r) => {
        timer = setTimeout(r, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
