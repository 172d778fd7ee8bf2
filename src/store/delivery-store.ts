// The storage contract for push delivery. Store extends it, so every backend
// implements it and passes test/conformance/delivery-suite.ts. It persists and
// reads; it holds no delivery rule (limits, ordering, retry, health and
// disabling are decided in src/domain and src/services/delivery).
//
// Model: every endpoint is a consumer of its tenant's log with a durable
// cursor, and one worker at a time owns it (owner_id, owner_until, renewed by
// the worker's heartbeat). Only the owner sends to an endpoint and writes its
// progress; it writes a delivery row once an attempt has an outcome, so the
// happy path costs one delivery row and one attempt row per message, written
// with many others in one group commit, and no row per queued event.
import type {
  AttemptRow,
  DeliveryKind,
  DeliveryRow,
  DeliveryStatus,
  NewAttempt,
  NewDelivery,
} from '../domain/delivery.ts';
import type {
  DisabledReason,
  EndpointConfig,
  EndpointHealthState,
  EndpointRow,
  EndpointSecret,
} from '../domain/endpoint.ts';
import type { StoredEvent } from '../domain/event.ts';

/** Who owns an endpoint, for balancing; cheap to list for every endpoint. */
export interface EndpointOwnership {
  id: string;
  tenantId: string;
  ownerId: string | null;
  ownerUntil: Date | null;
  stateVersion: number;
}

/** A delivery row as the owner writes it after an outcome (insert or update by id; created_at kept on update). */
export type DeliveryWrite = Omit<DeliveryRow, 'updatedAt'>;

export interface AttemptWrite extends NewAttempt {
  deliveryId: string;
  tenantId: string;
  endpointId: string;
  kind: DeliveryKind;
  succeeded: boolean;
}

/** What the owner records of one endpoint in a group commit. */
export interface EndpointProgress {
  id: string;
  /** New cursor and position, or null to leave them. */
  cursor: { sequence: number; position: number } | null;
  /** Health after the group's outcomes, written only while healthEpoch still matches. */
  health: EndpointHealthState | null;
  healthEpoch: number;
  /** Disable with this reason (written under the same epoch condition). */
  disable: DisabledReason | null;
}

export interface DeliveryCommitParams {
  workerId: string;
  now: Date;
  endpoints: EndpointProgress[];
  /** At most one write per delivery id. */
  deliveries: DeliveryWrite[];
  attempts: AttemptWrite[];
}

export interface DeliveryCommitResult {
  /** Endpoints whose progress was not written because this worker no longer owns them (or they are gone). */
  lost: string[];
  /** Endpoints this commit disabled. */
  disabled: string[];
}

export interface AttemptStats {
  total: number;
  succeeded: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One bucket of attempt statistics over time (attemptTimeline); `index` counts buckets from `since`. */
export interface AttemptBucket extends AttemptStats {
  index: number;
}

/** How far an endpoint is behind, for the backlog metrics. */
export interface EndpointBacklog {
  endpointId: string;
  tenantId: string;
  active: boolean;
  /** Events of the tenant's log after the endpoint's cursor, whatever their type. */
  undispatchedEvents: number;
  /** When the first event after the cursor was created; null when there is none. */
  nextEventAt: Date | null;
  /** Open (pending or retrying) deliveries of kind 'event'. */
  openDeliveries: number;
  /** When the oldest of them was created; null when there is none. */
  oldestOpenAt: Date | null;
}

export interface DeliveryStore {
  /** Inserts an endpoint whose cursor starts at `cursor` (position 0). */
  endpointCreate(params: {
    tenantId: string;
    config: EndpointConfig;
    secret: string;
    cursor: number;
  }): Promise<EndpointRow>;
  /** Also removes its deliveries and attempts. Returns false when absent. */
  endpointDelete(params: { tenantId: string; id: string }): Promise<boolean>;
  endpointGet(params: { tenantId: string; id: string }): Promise<EndpointRow | null>;
  /** Ordered by id; `after` is an exclusive id cursor. */
  endpointList(params: {
    tenantId: string;
    after: string | null;
    limit: number;
  }): Promise<EndpointRow[]>;
  /** Replaces the configuration; returns null when absent. */
  endpointUpdate(params: {
    tenantId: string;
    id: string;
    config: EndpointConfig;
  }): Promise<EndpointRow | null>;
  /**
   * active=true clears disabled_reason/at and the health streak and bumps the
   * health epoch; active=false records `reason`. Returns null when absent.
   */
  endpointSetActive(params: {
    tenantId: string;
    id: string;
    active: boolean;
    reason: DisabledReason | null;
    now: Date;
  }): Promise<EndpointRow | null>;
  /** Replaces the secret list (rotation). Returns null when absent. */
  endpointSetSecrets(params: {
    tenantId: string;
    id: string;
    secrets: EndpointSecret[];
  }): Promise<EndpointRow | null>;

  /** Every endpoint's owner, ordered by id. */
  endpointOwnershipList(): Promise<EndpointOwnership[]>;
  /**
   * Takes the given endpoints for `workerId` where they are unowned, owned by
   * it, or their owner's time has passed (or always, with `force`); returns
   * the rows it now owns.
   */
  endpointAcquire(params: {
    workerId: string;
    ids: string[];
    now: Date;
    until: Date;
    force: boolean;
  }): Promise<EndpointRow[]>;
  /** Gives up ownership of these endpoints (all of this worker's when ids is null). */
  endpointRelease(params: { workerId: string; ids: string[] | null }): Promise<void>;
  /**
   * Records the worker as alive until `until` and extends its endpoints'
   * ownership to then; returns the ids of workers alive at `now` (itself included).
   */
  workerHeartbeat(params: { workerId: string; now: Date; until: Date }): Promise<string[]>;
  /** Removes the worker's record (on shutdown, after endpointRelease). */
  workerRemove(params: { workerId: string }): Promise<void>;

  /**
   * One group commit of outcomes: upserts the delivery rows, inserts the
   * attempts, and writes each endpoint's progress where `workerId` still owns
   * it. Rows of endpoints that no longer exist are dropped.
   */
  deliveryCommit(params: DeliveryCommitParams): Promise<DeliveryCommitResult>;
  /** Queues deliveries (replay, test) as pending and due now; bumps the endpoint's state version. */
  deliveryInsert(params: {
    tenantId: string;
    endpointId: string;
    deliveries: (NewDelivery & { id: string })[];
    now: Date;
  }): Promise<DeliveryRow[]>;
  deliveryGet(params: { tenantId: string; id: string }): Promise<DeliveryRow | null>;
  /** Newest first by id; `after` is an exclusive id cursor. */
  deliveryList(params: {
    tenantId: string;
    endpointId: string;
    status: DeliveryStatus | null;
    after: string | null;
    limit: number;
  }): Promise<DeliveryRow[]>;
  /** Open (pending or retrying) deliveries of an endpoint, lowest first sequence first. */
  deliveryListOpen(params: {
    tenantId: string;
    endpointId: string;
    limit: number;
  }): Promise<DeliveryRow[]>;
  /** Open deliveries of an endpoint of kind 'event'. */
  deliveryCountOpen(params: { tenantId: string; endpointId: string }): Promise<number>;
  /**
   * Makes a final delivery pending and due now with a fresh attempt budget,
   * and bumps the endpoint's state version. Returns null when absent;
   * unchanged when not final.
   */
  deliveryRetry(params: { tenantId: string; id: string; now: Date }): Promise<DeliveryRow | null>;
  /** Requeues failed deliveries created in [since, until) of an endpoint; returns how many. */
  deliveryRetryFailed(params: {
    tenantId: string;
    endpointId: string;
    since: Date;
    until: Date | null;
    now: Date;
  }): Promise<number>;
  /**
   * Retention: deletes up to `limit` final deliveries of every tenant last
   * updated before `before`, oldest first, with their attempts. Open
   * deliveries are never deleted. Returns how many deliveries were deleted.
   */
  deliveryDeleteFinishedBefore(params: { before: Date; limit: number }): Promise<number>;
  /**
   * The original deliveries of an endpoint that carry events with sequences
   * in [from, to] (kind 'event', positions known), for replays to reuse positions.
   */
  deliveryListCovering(params: {
    tenantId: string;
    endpointId: string;
    fromSequence: number;
    toSequence: number;
  }): Promise<DeliveryRow[]>;

  /** Oldest first. */
  attemptList(params: { tenantId: string; deliveryId: string }): Promise<AttemptRow[]>;
  /** Attempts of kind-'event' deliveries of one endpoint since a time; latency percentiles in ms. */
  attemptStats(params: {
    tenantId: string;
    endpointId: string;
    since: Date;
  }): Promise<AttemptStats>;
  /**
   * Attempts of kind-'event' deliveries of one endpoint in [since, since +
   * buckets × bucketMs), grouped into buckets of bucketMs: only buckets that
   * have attempts, by index; latency percentiles by nearest rank, in ms.
   */
  attemptTimeline(params: {
    tenantId: string;
    endpointId: string;
    since: Date;
    bucketMs: number;
    buckets: number;
  }): Promise<AttemptBucket[]>;

  /** Events by id in sequence order; ids not found are left out. */
  eventListByIds(params: { tenantId: string; ids: string[] }): Promise<StoredEvent[]>;
  /** The tenant's last sequence (0 when it has no events). */
  eventHead(params: { tenantId: string }): Promise<number>;
  /** The backlog of each of these endpoints (ids not found are left out). */
  deliveryBacklog(params: { endpointIds: string[] }): Promise<EndpointBacklog[]>;
}
