// The storage contract for push delivery (webhook endpoints). Store extends it,
// so every backend implements it and passes test/conformance/delivery-suite.ts.
// Same house rules as store.ts: noun-first methods, one params object, and
// tenantId on every method that touches one tenant's data. Methods without a
// tenantId are the background worker's, which serves every tenant.
//
// Model: an endpoint has a dispatch cursor (the last event sequence already
// fanned out to it). The dispatcher turns events after the cursor into
// delivery rows and advances the cursor in one transaction, so the backlog of
// an endpoint costs one integer, not one row per event. Delivery rows are
// leased by the worker while a request is in flight; an expired lease makes a
// delivery claimable again (crash recovery: at most in-flight work is resent).
import type { StoredEvent } from '../domain/event.ts';
import type { PayloadFormat } from '../domain/payload-format.ts';

export interface EndpointSecret {
  secret: string;
  /** null: current secret; otherwise a rotated-out secret that signs until then. */
  expiresAt: Date | null;
}

/** Everything an operator configures; defaults are applied before it reaches the store. */
export interface EndpointConfig {
  url: string;
  description: string;
  active: boolean;
  eventTypes: string[];
  organizationId: string | null;
  authorization: string | null;
  format: PayloadFormat;
  contentType: string | null;
  batchSize: number;
  batchWaitMs: number;
  maxConcurrency: number;
  /** Requests per second, or null for no limit. */
  rateLimit: number | null;
  ordered: boolean;
  /** 'organization': ordering is per organization_id instead of per endpoint. */
  orderedBy: 'none' | 'organization';
  /** A preset name or explicit delays in seconds. */
  retry: string | number[];
  timeoutConnectMs: number;
  timeoutResponseMs: number;
  disableAfterFailures: number | null;
  disableAfterMs: number | null;
  notifyUrl: string | null;
  notifySuccess: boolean;
}

export type DisabledReason = 'manual' | 'consecutive_failures' | 'failing_duration' | 'gone';

export interface EndpointRow extends EndpointConfig {
  id: string;
  tenantId: string;
  secrets: EndpointSecret[];
  disabledReason: DisabledReason | null;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  dispatchCursor: number;
  consecutiveFailures: number;
  failingSince: Date | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
}

export type DeliveryStatus =
  | 'pending'
  | 'in_flight'
  | 'succeeded'
  | 'retrying'
  | 'failed'
  | 'cancelled';

export const FINAL_DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
];

export interface DeliveryRow {
  id: string;
  tenantId: string;
  endpointId: string;
  /** 'test': a synthetic event carried in `payload`, tried once, not counted in health. */
  kind: 'event' | 'test';
  firstSequence: number;
  lastSequence: number;
  eventIds: string[];
  /** Only for kind 'test': the events to send, already in their public shape. */
  payload: object[] | null;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  /** Ordering scope within the endpoint: '' or the organization id. */
  orderKey: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewDelivery {
  kind: 'event' | 'test';
  firstSequence: number;
  lastSequence: number;
  eventIds: string[];
  payload: object[] | null;
  orderKey: string;
}

export interface AttemptRow {
  id: string;
  deliveryId: string;
  tenantId: string;
  endpointId: string;
  attemptedAt: Date;
  /** As sent, with credentials redacted. */
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  /** First 4 KiB of the response body. */
  responseBody: string | null;
  latencyMs: number;
  error: string | null;
}

export type NewAttempt = Omit<AttemptRow, 'id' | 'deliveryId' | 'tenantId' | 'endpointId'>;

export interface ClaimedDelivery {
  delivery: DeliveryRow;
  endpoint: EndpointRow;
}

export interface DeliveryClaimParams {
  owner: string;
  now: Date;
  /** Added to the endpoint's connect + response timeout to form the lease. */
  leaseMarginMs: number;
  /** Most deliveries to claim in this call. */
  limit: number;
  /** Lower per-endpoint concurrency caps (adaptive back-off, rate limits), by endpoint id. */
  caps: Record<string, number>;
}

export interface DeliveryCompleteParams {
  tenantId: string;
  deliveryId: string;
  /** The lease owner; the status write is skipped when the lease was lost. */
  owner: string;
  now: Date;
  attempt: NewAttempt;
  status: 'succeeded' | 'retrying' | 'failed';
  nextAttemptAt: Date | null;
  /** Disable the endpoint at once with this reason (HTTP 410). */
  disable: DisabledReason | null;
}

export interface DeliveryCompleteResult {
  /** False when the lease had been lost (the attempt is still recorded). */
  applied: boolean;
  /** True when this outcome disabled the endpoint. */
  disabled: boolean;
  endpoint: EndpointRow | null;
}

export interface AttemptStats {
  total: number;
  succeeded: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface DeliveryStore {
  /** Inserts an endpoint whose dispatch cursor starts at `dispatchCursor`. */
  endpointCreate(params: {
    tenantId: string;
    config: EndpointConfig;
    secret: string;
    dispatchCursor: number;
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
  /** Active endpoints of every tenant, or of one when tenantId is given (dispatcher). */
  endpointListActive(params: { tenantId: string | null }): Promise<EndpointRow[]>;
  /** Replaces the configuration; returns null when absent. */
  endpointUpdate(params: {
    tenantId: string;
    id: string;
    config: EndpointConfig;
  }): Promise<EndpointRow | null>;
  /**
   * active=true clears disabled_reason/at and the failure streak; active=false
   * records `reason`. Returns null when absent.
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
  /**
   * Fan-out step, atomically: when the endpoint's cursor still equals
   * `fromCursor`, inserts `deliveries` (status pending, due now) and sets the
   * cursor to `toCursor`. Returns false (and changes nothing) otherwise.
   */
  endpointDispatch(params: {
    tenantId: string;
    endpointId: string;
    fromCursor: number;
    toCursor: number;
    deliveries: NewDelivery[];
    now: Date;
  }): Promise<boolean>;

  /** Inserts deliveries outside fan-out (replay, test); the cursor is untouched. */
  deliveryInsert(params: {
    tenantId: string;
    endpointId: string;
    deliveries: NewDelivery[];
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
  /** Non-final deliveries of an endpoint, of kind 'event'. */
  deliveryCountOpen(params: { tenantId: string; endpointId: string }): Promise<number>;
  /**
   * Claims due work: pending/retrying deliveries with next_attempt_at <= now,
   * and in_flight ones whose lease expired, of active endpoints (tests: any).
   * Per endpoint at most min(max_concurrency, rate_limit, caps[id]) minus its unexpired
   * in-flight deliveries; for ordered endpoints only the lowest-sequence
   * non-final delivery of an order key, and only when nothing of that key is in
   * flight. Endpoints are visited in random order so none starves the others.
   * Claimed rows become in_flight with lease owner/expiry and attempt_count+1.
   */
  deliveryClaim(params: DeliveryClaimParams): Promise<ClaimedDelivery[]>;
  /**
   * Records the attempt and, when `owner` still holds the lease, the outcome and
   * the endpoint's health: success resets the failure streak; a failed attempt
   * sets last_failure_at and failing_since; 'failed' (given up) adds one to
   * consecutive_failures. The endpoint is disabled when `disable` is set, when
   * consecutive_failures reaches disable_after_failures, or when it has been
   * failing for disable_after_ms. Test deliveries never touch endpoint health.
   */
  deliveryComplete(params: DeliveryCompleteParams): Promise<DeliveryCompleteResult>;
  /**
   * Makes a final (failed/cancelled/succeeded) delivery due again now, with a
   * fresh attempt budget. Returns null when absent; unchanged when not final.
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
  /** Earliest time any claimable work could become due (next_attempt_at or lease expiry). */
  deliveryNextDueAt(): Promise<Date | null>;
  /**
   * Retention: deletes up to `limit` deliveries of every tenant that are final
   * (succeeded, failed, cancelled) and were last updated (finished, for a
   * final one) before `before`, oldest first, with their attempts. Open
   * deliveries are never deleted, whatever their age. Returns how many
   * deliveries were deleted (their attempts are not counted).
   */
  deliveryDeleteFinishedBefore(params: { before: Date; limit: number }): Promise<number>;

  /** Oldest first. */
  attemptList(params: { tenantId: string; deliveryId: string }): Promise<AttemptRow[]>;
  /** Attempts of kind-'event' deliveries of one endpoint since a time; latency percentiles in ms. */
  attemptStats(params: {
    tenantId: string;
    endpointId: string;
    since: Date;
  }): Promise<AttemptStats>;

  /** Events by id in sequence order; ids not found are left out. */
  eventListByIds(params: { tenantId: string; ids: string[] }): Promise<StoredEvent[]>;
  /** The tenant's last sequence (0 when it has no events). */
  eventHead(params: { tenantId: string }): Promise<number>;
}
