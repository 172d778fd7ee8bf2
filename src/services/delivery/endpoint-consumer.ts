// One endpoint as a consumer of its tenant's log, run by the worker that owns
// it. It reads events after its cursor a page at a time, keeps those its
// filters match (numbering them: the per-endpoint sequence), forms batches and
// sends them within the limits it alone enforces, because only the owner
// sends: max_concurrency lowered by the adaptive slow-down on 429/502/503/504,
// ordered / ordered_by (one message of an order key at a time, lowest first),
// and rate_limit. Outcomes go to the OutcomeWriter; the cursor it reports is
// the point below which every event is delivered, given up or has a durable
// retry record, so after a crash the next owner resends only what was in
// flight or not yet recorded.
import { decideAfterAttempt } from '../../domain/attempt-decision.ts';
import { AimdLimiter, isThrottleStatus } from '../../domain/backoff-concurrency.ts';
import {
  type AttemptOutcome,
  type DeliveryKind,
  type DeliveryRow,
  eventDeliveryId,
  groupIntoBatches,
  type PositionedEvent,
} from '../../domain/delivery.ts';
import type { DisabledReason, EndpointHealthState, EndpointRow } from '../../domain/endpoint.ts';
import { type StoredEvent, toEventOut } from '../../domain/event.ts';
import { compileEndpointFilter, type EndpointEventFilter } from '../../domain/event-filter.ts';
import { foldOutcome } from '../../domain/health-fold.ts';
import type { DeliveryWrite, EndpointProgress } from '../../store/delivery-store.ts';
import type { Store } from '../../store/store.ts';
import type { LogPages } from './log-pages.ts';
import type { Notifier } from './notifier.ts';
import type { OutcomeWriter, ProgressSource } from './outcome-writer.ts';
import type { Sender } from './sender.ts';

/** A delivery as the owner holds it in memory. */
export interface Message {
  id: string;
  kind: DeliveryKind;
  orderKey: string;
  firstSequence: number;
  lastSequence: number;
  firstPosition: number | null;
  lastPosition: number | null;
  eventIds: string[];
  /** Each event (or the test payload) serialized as sent; null until loaded (retry records, replays). */
  body: string[] | null;
  attemptCount: number;
  /** Epoch ms when it may be sent. */
  dueAt: number;
  createdAt: Date;
  /** Formed from the log by this owner: holds the cursor back until its outcome is recorded. */
  fromLog: boolean;
  /** Its outcome has been handed to the writer. */
  recorded: boolean;
}

export interface ConsumerContext {
  store: Store;
  sender: Sender;
  writer: OutcomeWriter;
  notifier: Notifier;
  pages: LogPages;
  /** Events read from the log per page. */
  pageSize: number;
  /** Most events held in memory per endpoint, and most open retry records before reading pauses. */
  window: number;
  /**
   * A message keeps its max_concurrency slot until its outcome is committed,
   * not just until it is answered, so a crash resends at most max_concurrency
   * messages. Costs the commit's latency on each slot's turn: right where a
   * commit takes well under a request's time, wrong with a lingering one.
   */
  slotHeldUntilCommitted: boolean;
  /** Something may have become sendable: the engine looks for work. */
  ready: (c: EndpointConsumer) => void;
  onError: (err: unknown) => void;
}

const RETENTION_ERROR =
  'the events of this delivery are past the retention horizon and were removed';

export class EndpointConsumer implements ProgressSource {
  readonly endpointId: string;
  #ep: EndpointRow;
  readonly #ctx: ConsumerContext;
  #matches: EndpointEventFilter;
  #health: EndpointHealthState;
  #healthEpoch: number;
  #healthDirty = false;
  /** What the commit being written carries of health and disable. */
  #sent: { health: EndpointHealthState | null; disable: DisabledReason | null } | null = null;
  #disable: DisabledReason | null = null;
  /** Disabled in memory (by an outcome) before the store says so. */
  #disabledLocally = false;

  /** How far the log has been read into memory, and the position there. */
  #readSeq: number;
  #readPos: number;
  #reading = false;
  #logDrained = false;
  /** The highest head a commit announced for this tenant. */
  #headSeen = 0;
  /** Matched events not yet formed into messages (batch_wait_ms linger). */
  #unsent: PositionedEvent[] = [];
  /** The serialized form of each event in #unsent, by event id. */
  #unsentJson = new Map<string, string>();
  #lingerTimer: NodeJS.Timeout | null = null;
  /** Log messages in first-sequence order, until their outcome is recorded. */
  #outstanding: Message[] = [];
  /** Messages waiting to be sent (due or not), by id. */
  readonly #queued = new Map<string, Message>();
  readonly #inFlight = new Set<Message>();

  /** Ids whose last write is not committed yet: a reload must not bring them back. */
  readonly #uncommitted = new Map<string, number>();
  /**
   * Order keys with an outcome not yet committed. An ordered key waits for its
   * commit before its next message goes: otherwise a crash would resend, from
   * the cursor, messages the receiver already had after later ones.
   */
  readonly #uncommittedKeys = new Map<string, number>();
  /**
   * When recently finished deliveries were committed: a reload whose read
   * began before that commit still sees them open, and must not resend them.
   */
  readonly #finished = new Map<string, number>();
  /** Messages past the cursor that already have a row (final or open), by id, at takeover. */
  readonly #recordedBeyond = new Map<string, number>();
  #recordedBeyondUpTo = 0;
  /** Events of log messages not yet recorded, plus #unsent: what reading is bounded by. */
  #logEventsHeld = 0;

  #limiter: AimdLimiter;
  #sendTimes: number[] = [];
  #draining = false;
  #dropped = false;
  #loadedVersion: number;

  constructor(ep: EndpointRow, ctx: ConsumerContext) {
    this.endpointId = ep.id;
    this.#ep = ep;
    this.#ctx = ctx;
    this.#matches = compileEndpointFilter(ep);
    this.#health = pickHealth(ep);
    this.#healthEpoch = ep.healthEpoch;
    this.#readSeq = ep.cursor;
    this.#readPos = ep.cursorPosition;
    this.#limiter = new AimdLimiter({ max: ep.maxConcurrency });
    this.#loadedVersion = -1;
  }

  get tenantId(): string {
    return this.#ep.tenantId;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  get stateVersion(): number {
    return this.#loadedVersion;
  }

  #active(): boolean {
    return this.#ep.active && !this.#disabledLocally;
  }

  /**
   * Loads open records and what the previous owner already recorded beyond
   * the cursor, then starts reading; call once after acquiring.
   */
  async start(): Promise<void> {
    // The cursor stops at the oldest unrecorded message, so messages after it
    // may have rows already: a crash must resend only what was unrecorded.
    const beyond = await this.#ctx.store.deliveryListCovering({
      tenantId: this.#ep.tenantId,
      endpointId: this.#ep.id,
      fromSequence: this.#ep.cursor + 1,
      toSequence: Number.MAX_SAFE_INTEGER,
    });
    for (const d of beyond) {
      if (d.firstSequence <= this.#ep.cursor) continue;
      this.#recordedBeyond.set(d.id, d.lastSequence);
      this.#recordedBeyondUpTo = Math.max(this.#recordedBeyondUpTo, d.lastSequence);
    }
    await this.reload(this.#ep);
    this.readMore();
  }

  /**
   * A fresh copy of the endpoint row (configuration or state changed through
   * the API): adopt it, and merge the open records (queued tests, retries, replays).
   */
  async reload(row: EndpointRow): Promise<void> {
    this.#ep = row;
    this.#matches = compileEndpointFilter(row);
    if (this.#limiter.max !== row.maxConcurrency) {
      this.#limiter = new AimdLimiter({ max: row.maxConcurrency });
    }
    if (row.healthEpoch !== this.#healthEpoch) {
      this.#health = pickHealth(row);
      this.#healthEpoch = row.healthEpoch;
      this.#disable = null;
    }
    if (row.active) this.#disabledLocally = false;
    this.#loadedVersion = row.stateVersion;
    const open = await this.#ctx.store.deliveryListOpen({
      tenantId: row.tenantId,
      endpointId: row.id,
      limit: this.#ctx.window,
    });
    const cutoff = Date.now() - 60_000;
    for (const [id, at] of this.#finished) if (at < cutoff) this.#finished.delete(id);
    for (const d of open) this.#merge(d);
    this.#logDrained = false;
    this.readMore();
    this.#ctx.ready(this);
  }

  #merge(d: DeliveryRow): void {
    if (this.#uncommitted.has(d.id)) return;
    const finishedAt = this.#finished.get(d.id);
    // A row updated after the finish is a manual retry: take it.
    if (finishedAt !== undefined && d.updatedAt.getTime() <= finishedAt) return;
    if ([...this.#inFlight].some((m) => m.id === d.id)) return;
    const known = this.#queued.get(d.id);
    const dueAt = d.nextAttemptAt?.getTime() ?? Date.now();
    if (known) {
      // A manual retry of a record this owner holds: take its fresh budget.
      known.attemptCount = d.attemptCount;
      known.dueAt = dueAt;
      return;
    }
    this.#queued.set(d.id, {
      id: d.id,
      kind: d.kind,
      orderKey: d.orderKey,
      firstSequence: d.firstSequence,
      lastSequence: d.lastSequence,
      firstPosition: d.firstPosition,
      lastPosition: d.lastPosition,
      eventIds: d.eventIds,
      body: d.kind === 'test' ? (d.payload ?? []).map((e) => JSON.stringify(e)) : null,
      attemptCount: d.attemptCount,
      dueAt,
      createdAt: d.createdAt,
      fromLog: false,
      recorded: false,
    });
  }

  /** Called on a commit of the tenant's log and when room frees up. */
  onCommit(head: number): void {
    this.#headSeen = Math.max(this.#headSeen, head);
    if (head > this.#readSeq) this.#logDrained = false;
    this.readMore();
  }

  readMore(): void {
    if (this.#reading || this.#logDrained || this.#draining || this.#dropped) return;
    if (!this.#active()) return;
    // Events held and messages queued (open retry records included) are both bounded.
    const held = this.#logEventsHeld + this.#unsent.length;
    if (held >= this.#ctx.window || this.#queued.size >= this.#ctx.window) return;
    // A send that takes long holds the cursor; what was recorded after it
    // waits in #outstanding (small objects without bodies), within bounds.
    if (this.#outstanding.length >= 10 * this.#ctx.window) return;
    this.#reading = true;
    this.#readPage()
      .catch((err) => {
        this.#ctx.onError(err);
        // Not at once (the store may be down), but soon: nothing else may come to wake it.
        this.#logDrained = true;
        setTimeout(() => {
          this.#logDrained = false;
          this.readMore();
        }, 500).unref();
      })
      .finally(() => {
        this.#reading = false;
        // More to read (a full page, or a commit announced meanwhile): go on.
        if (!this.#logDrained) this.readMore();
      });
  }

  async #readPage(): Promise<void> {
    const ep = this.#ep;
    const from = this.#readSeq;
    const headAtStart = this.#headSeen;
    const { events, json } = await this.#ctx.pages.read({
      tenantId: ep.tenantId,
      organizationId: ep.organizationId,
      afterSequence: from,
      limit: this.#ctx.pageSize,
    });
    if (this.#dropped || this.#readSeq !== from) return;
    const last = events.at(-1);
    // Drained only if no commit was announced while this page was being read
    // (on PostgreSQL a read is a round trip): such a commit's wake-up found
    // the read in progress and must not be lost.
    if (events.length < this.#ctx.pageSize) this.#logDrained = this.#headSeen <= headAtStart;
    if (!last) return;
    let pos = this.#readPos;
    events.forEach((e, i) => {
      if (!this.#matches(e)) return;
      pos += 1;
      this.#unsent.push({ event: e, position: pos });
      this.#unsentJson.set(e.id, json[i] as string);
    });
    this.#readSeq = last.sequence;
    this.#readPos = pos;
    this.#formMessages();
    // The cursor may move past filtered-out events with no outcome to carry it.
    if (this.#outstanding.length === 0 && this.#unsent.length === 0) {
      this.#ctx.writer.touch(this);
    }
    this.#ctx.ready(this);
  }

  /** batch_wait_ms: hold fewer than batch_size events until the oldest is that old. */
  #formMessages(): void {
    const ep = this.#ep;
    const first = this.#unsent[0];
    if (!first) return;
    if (ep.batchSize > 1 && ep.batchWaitMs > 0 && this.#unsent.length < ep.batchSize) {
      const wait = first.event.createdAt.getTime() + ep.batchWaitMs - Date.now();
      if (wait > 0) {
        if (!this.#lingerTimer) {
          this.#lingerTimer = setTimeout(() => {
            this.#lingerTimer = null;
            this.#formMessages();
            this.#ctx.ready(this);
          }, wait);
          this.#lingerTimer.unref();
        }
        return;
      }
    }
    const now = Date.now();
    for (const b of groupIntoBatches(ep, this.#unsent)) {
      const head = b.events[0] as PositionedEvent;
      const tail = b.events.at(-1) as PositionedEvent;
      const m: Message = {
        id: eventDeliveryId(ep.id, head.event.id, tail.event.sequence),
        kind: 'event',
        orderKey: b.orderKey,
        firstSequence: head.event.sequence,
        lastSequence: tail.event.sequence,
        firstPosition: head.position,
        lastPosition: tail.position,
        eventIds: b.events.map((e) => e.event.id),
        body: b.events.map((e) => this.#unsentJson.get(e.event.id) as string),
        attemptCount: 0,
        dueAt: now,
        createdAt: new Date(now),
        fromLog: true,
        recorded: false,
      };
      if (this.#recordedBeyond.has(m.id)) {
        // Recorded by the previous owner: final (done), or open (loaded as a record).
        this.#recordedBeyond.delete(m.id);
        m.recorded = true;
        m.body = null;
        this.#outstanding.push(m);
        continue;
      }
      this.#outstanding.push(m);
      this.#queued.set(m.id, m);
      this.#logEventsHeld += m.eventIds.length;
    }
    if (this.#readSeq >= this.#recordedBeyondUpTo) this.#recordedBeyond.clear();
    this.#unsent = [];
    this.#unsentJson.clear();
  }

  /** Slots taken: sends in flight, and (see slotHeldUntilCommitted) outcomes not yet committed. */
  #occupied(): number {
    return this.#inFlight.size + (this.#ctx.slotHeldUntilCommitted ? this.#uncommitted.size : 0);
  }

  /** In-flight cap now: max_concurrency lowered by the slow-down, and by rate_limit. */
  #room(now: number): number {
    let room = this.#limiter.limit - this.#occupied();
    const rate = this.#ep.rateLimit;
    if (rate !== null) {
      while (this.#sendTimes.length > 0 && (this.#sendTimes[0] as number) <= now - 1000) {
        this.#sendTimes.shift();
      }
      room = Math.min(room, Math.max(1, Math.floor(rate)) - this.#sendTimes.length);
    }
    return room;
  }

  /**
   * The next message to send now within this endpoint's limits, or null.
   * Ordered endpoints send the lowest message of an order key, and only when
   * nothing of that key is in flight.
   */
  next(now: number): Message | null {
    if (this.#draining || this.#dropped || this.#room(now) <= 0) return null;
    const active = this.#active();
    let pick: Message | null = null;
    if (this.#ep.ordered) {
      const busy = new Set([...this.#inFlight].map((m) => m.orderKey));
      for (const k of this.#uncommittedKeys.keys()) busy.add(k);
      const heads = new Map<string, Message>();
      for (const m of this.#queued.values()) {
        const h = heads.get(m.orderKey);
        if (!h || m.firstSequence < h.firstSequence) heads.set(m.orderKey, m);
      }
      for (const m of heads.values()) {
        if (busy.has(m.orderKey) || m.dueAt > now || (!active && m.kind !== 'test')) continue;
        if (!pick || m.firstSequence < pick.firstSequence) pick = m;
      }
    } else {
      for (const m of this.#queued.values()) {
        if (m.dueAt > now || (!active && m.kind !== 'test')) continue;
        pick = m;
        break;
      }
    }
    if (!pick) return null;
    this.#queued.delete(pick.id);
    this.#inFlight.add(pick);
    if (this.#ep.rateLimit !== null) this.#sendTimes.push(now);
    return pick;
  }

  /**
   * Earliest time a message waiting on a retry or the rate limit could go;
   * null when only a finishing send or commit can unblock it (that wakes it).
   */
  wakeAt(now: number): number | null {
    if (this.#limiter.limit - this.#occupied() <= 0) return null;
    let at: number | null = null;
    const active = this.#active();
    for (const m of this.#queued.values()) {
      if (!active && m.kind !== 'test') continue;
      if (m.dueAt > now) at = Math.min(at ?? m.dueAt, m.dueAt);
      else if (this.#ep.rateLimit !== null && this.#sendTimes[0] !== undefined) {
        at = Math.min(at ?? Number.POSITIVE_INFINITY, this.#sendTimes[0] + 1001);
      }
    }
    return at;
  }

  /** Sends one message picked by next() and records its outcome. */
  async send(m: Message): Promise<void> {
    const ep = this.#ep;
    let outcome: AttemptOutcome;
    let retryable = true;
    if (m.body === null) m.body = await this.#loadBody(m);
    if (m.body.length === 0) {
      retryable = false;
      outcome = {
        ok: false,
        status: null,
        retryAfter: null,
        attempt: {
          attemptedAt: new Date(),
          requestHeaders: {},
          responseStatus: null,
          responseBody: null,
          latencyMs: 0,
          error: RETENTION_ERROR,
        },
      };
    } else {
      outcome = await this.#ctx.sender.send(ep, m, m.body);
    }
    if (outcome.ok) this.#limiter.onSuccess();
    else if (outcome.status !== null && isThrottleStatus(outcome.status))
      this.#limiter.onThrottle();
    this.#record(m, outcome, retryable);
  }

  async #loadBody(m: Message): Promise<string[]> {
    if (m.kind === 'test') return [];
    const events: StoredEvent[] = await this.#ctx.store.eventListByIds({
      tenantId: this.#ep.tenantId,
      ids: m.eventIds,
    });
    return events.map((e) => JSON.stringify(toEventOut(e)));
  }

  #record(m: Message, outcome: AttemptOutcome, retryable: boolean): void {
    const ep = this.#ep;
    const now = new Date();
    m.attemptCount += 1;
    const decision = decideAfterAttempt(ep, m, outcome, now, { retryable });
    this.#inFlight.delete(m);
    if (m.fromLog && !m.recorded) this.#logEventsHeld -= m.eventIds.length;
    m.recorded = true;
    if (decision.status === 'retrying' && !this.#dropped) {
      m.dueAt = decision.nextAttemptAt?.getTime() ?? now.getTime();
      // Retry records reload their events when due, so a long back-off holds no payload.
      if (m.kind === 'event' && m.dueAt - now.getTime() > 1000) m.body = null;
      this.#queued.set(m.id, m);
    }
    let disabledNow: DisabledReason | null = null;
    if (m.kind === 'event') {
      const r = foldOutcome(ep, this.#health, {
        status: decision.status,
        attemptedAt: outcome.attempt.attemptedAt,
        at: now,
        disable: decision.disable,
      });
      this.#health = r.state;
      this.#healthDirty = true;
      if (r.disabled && this.#active()) {
        disabledNow = r.disabled;
        this.#disable = r.disabled;
        this.#disabledLocally = true;
      }
    }
    const write: DeliveryWrite = {
      id: m.id,
      tenantId: ep.tenantId,
      endpointId: ep.id,
      kind: m.kind,
      firstSequence: m.firstSequence,
      lastSequence: m.lastSequence,
      firstPosition: m.firstPosition,
      lastPosition: m.lastPosition,
      eventIds: m.eventIds,
      payload: m.kind === 'test' && m.body ? m.body.map((e) => JSON.parse(e) as object) : null,
      orderKey: m.orderKey,
      status: decision.status,
      attemptCount: m.attemptCount,
      nextAttemptAt: decision.nextAttemptAt,
      createdAt: m.createdAt,
    };
    // Done: nothing needs its body any more (#outstanding may hold it a while).
    if (decision.status !== 'retrying') m.body = null;
    const token = (this.#uncommitted.get(m.id) ?? 0) + 1;
    this.#uncommitted.set(m.id, token);
    const key = m.orderKey;
    const keyHeld = ep.ordered;
    if (keyHeld) this.#uncommittedKeys.set(key, (this.#uncommittedKeys.get(key) ?? 0) + 1);
    const attemptCount = m.attemptCount;
    this.#ctx.writer.add(this, {
      delivery: write,
      attempt: {
        ...outcome.attempt,
        deliveryId: m.id,
        tenantId: ep.tenantId,
        endpointId: ep.id,
        kind: m.kind,
        succeeded: outcome.ok,
      },
      after: () => {
        if (this.#uncommitted.get(m.id) === token) this.#uncommitted.delete(m.id);
        let keyFreed = false;
        if (keyHeld) {
          const left = (this.#uncommittedKeys.get(key) ?? 0) - 1;
          if (left > 0) this.#uncommittedKeys.set(key, left);
          else keyFreed = this.#uncommittedKeys.delete(key);
        }
        if (keyFreed || this.#ctx.slotHeldUntilCommitted) this.#ctx.ready(this);
        if (decision.status !== 'retrying') this.#rememberFinished(m.id);
        if (m.kind !== 'event') return;
        if (decision.status === 'failed') {
          this.#ctx.notifier.deliveryGaveUp(
            this.#ep,
            { ...m, attemptCount },
            outcome.attempt.error ?? `HTTP ${outcome.status}`,
          );
        }
        if (decision.status === 'succeeded') this.#ctx.notifier.recordSuccess(this.#ep);
      },
    });
    if (disabledNow === null) this.readMore();
    this.#ctx.ready(this);
  }

  #rememberFinished(id: string): void {
    const now = Date.now();
    this.#finished.set(id, now);
    // Oldest first (insertion order): forget what no reload can still be racing.
    for (const [old, at] of this.#finished) {
      if (at > now - 60_000 && this.#finished.size <= 10_000) break;
      this.#finished.delete(old);
    }
  }

  /** ProgressSource: the cursor below which everything is recorded, and health. */
  progress(): EndpointProgress {
    while (this.#outstanding[0]?.recorded) this.#outstanding.shift();
    const first = this.#outstanding[0];
    const pending = this.#unsent[0];
    let cursor: { sequence: number; position: number };
    if (first) {
      cursor = {
        sequence: first.firstSequence - 1,
        position: (first.firstPosition ?? 1) - 1,
      };
    } else if (pending) {
      cursor = { sequence: pending.event.sequence - 1, position: pending.position - 1 };
    } else {
      cursor = { sequence: this.#readSeq, position: this.#readPos };
    }
    // Cleared only once committed (committed()): a commit that fails is formed
    // again from progress(), and must carry the same health and disable.
    const health = this.#healthDirty ? this.#health : null;
    const disable = this.#disable;
    this.#sent = { health, disable };
    return {
      id: this.endpointId,
      // Always written, so the store also reports whether this worker still owns the endpoint.
      cursor,
      health,
      healthEpoch: this.#healthEpoch,
      disable,
    };
  }

  committed(r: { lost: boolean; disabled: boolean }): void {
    if (r.lost) {
      // Not written: this worker may have lost the endpoint (the ownership
      // tick finds out within a second and stops this consumer), or the
      // write met a concurrent heartbeat. Keep what was to be written and
      // try again shortly; a real loss ends this consumer before that matters.
      this.#sent = null;
      setTimeout(() => {
        if (!this.#dropped) this.#ctx.writer.touch(this);
      }, 200).unref();
      return;
    }
    const sent = this.#sent;
    this.#sent = null;
    // What changed after that progress was taken is still to be written.
    if (sent?.health && sent.health === this.#health) this.#healthDirty = false;
    if (sent?.disable && sent.disable === this.#disable) this.#disable = null;
    if (r.disabled) {
      this.#ep = { ...this.#ep, active: false, disabledReason: this.#ep.disabledReason };
      void this.#ctx.store
        .endpointGet({ tenantId: this.#ep.tenantId, id: this.#ep.id })
        .then((row) => {
          if (row) this.#ctx.notifier.endpointDisabled(row);
        }, this.#ctx.onError);
    }
  }

  /** Stop starting sends (ownership is being handed over); in-flight ones finish. */
  drain(): void {
    this.#draining = true;
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
  }

  /** Ownership is gone: forget everything; sends in flight still record their attempts. */
  drop(): void {
    this.drain();
    this.#dropped = true;
    this.#queued.clear();
    this.#unsent = [];
    this.#unsentJson.clear();
    this.#outstanding = [];
    this.#logEventsHeld = 0;
  }

  get dropped(): boolean {
    return this.#dropped;
  }
}

function pickHealth(ep: EndpointRow): EndpointHealthState {
  return {
    consecutiveFailures: ep.consecutiveFailures,
    failingSince: ep.failingSince,
    lastSuccessAt: ep.lastSuccessAt,
    lastFailureAt: ep.lastFailureAt,
  };
}
