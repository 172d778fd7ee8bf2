// A webhook endpoint: what an operator configures, and the state delivery
// keeps for it (cursor, health, ownership version). Stores persist this shape;
// the rules over it live in endpoint-health.ts and the delivery services.
import type { PayloadFormat } from './payload-format.ts';

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
  /** CloudEvents `source` of the events sent (cloudevents formats); null: DEFAULT_CE_SOURCE. */
  source: string | null;
  /** Custom request headers (endpoint-headers.ts says which are allowed). */
  headers: Record<string, string>;
  /** LOG_LEVEL: the lowest log level rank sent (log-level.ts), or null for every event. */
  minLevel: number | null;
}

export type DisabledReason = 'manual' | 'consecutive_failures' | 'failing_duration' | 'gone';

/** The health an endpoint's owner folds outcomes into (endpoint-health.ts). */
export interface EndpointHealthState {
  consecutiveFailures: number;
  failingSince: Date | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
}

export interface EndpointRow extends EndpointConfig, EndpointHealthState {
  id: string;
  tenantId: string;
  secrets: EndpointSecret[];
  disabledReason: DisabledReason | null;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /**
   * The last sequence of the tenant's log below which everything is done for
   * this endpoint: delivered, given up, or waiting in a durable retry record.
   */
  cursor: number;
  /** How many events this endpoint subscribed to up to `cursor` (per-endpoint sequence). */
  cursorPosition: number;
  /**
   * Bumped by every change made through the API (configuration, state,
   * secrets, queued retries, replays, tests), so an owner can tell its copy is stale.
   */
  stateVersion: number;
  /** Bumped when health is reset (enable); an owner's health write for an older epoch is dropped. */
  healthEpoch: number;
}

/** Ordering scope of an event within an endpoint: '' or its organization id. */
export function orderKeyOf(ep: Pick<EndpointConfig, 'orderedBy'>, orgId: string | null): string {
  return ep.orderedBy === 'organization' ? (orgId ?? '') : '';
}
