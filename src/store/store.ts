// The storage contract. Every backend (SQLite, PostgreSQL) implements it and
// passes test/conformance. Methods are noun-first and take one params object;
// every method on tenant data takes tenantId, so an unscoped query is hard to write.
// House rule: a change here comes with a change to the conformance suite.
import type { ApiKeyScope } from '../domain/api-key.ts';
import type { NewEvent, StoredEvent } from '../domain/event.ts';
import type { InboundSourceConfig, InboundSourceRow } from '../domain/inbound-source.ts';
import type { DeliveryStore } from './delivery-store.ts';

export interface TenantRow {
  id: string;
  name: string;
  createdAt: Date;
}

export interface ApiKeyRow {
  id: string;
  tenantId: string;
  tenantName: string;
  name: string;
  hint: string;
  admin: boolean;
  scopes: ApiKeyScope[];
  createdAt: Date;
  revokedAt: Date | null;
}

export interface ApiKeyCreateParams {
  tenantId: string;
  name: string;
  hash: string;
  hint: string;
  admin: boolean;
  scopes: ApiKeyScope[];
}

export interface ApiKeyRevocation {
  id: string;
  revokedAt: Date;
}

export interface EventAppendParams {
  tenantId: string;
  events: NewEvent[];
}

export interface AppendedEvent {
  event: StoredEvent;
  /** True when an earlier event with the same idempotency key was returned instead. */
  replayed: boolean;
}

export interface EventListParams {
  tenantId: string;
  /** Exclusive bound: return events after this sequence in the listing order. */
  afterSequence: number | null;
  order: 'asc' | 'desc';
  limit: number;
  types: string[] | null;
  organizationId: string | null;
  rangeStart: Date | null;
  rangeEnd: Date | null;
}

export interface EventDeleteBeforeParams {
  before: Date;
  /** Maximum rows to delete in one call, so retention never holds a long write lock. */
  limit: number;
}

/** Called after a commit that appended events; lastSequence is the tenant's new head. */
export type CommitListener = (tenantId: string, lastSequence: number) => void;

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

export interface SourceCreateParams extends InboundSourceConfig {
  tenantId: string;
}

export interface SourceUpdateParams {
  tenantId: string;
  id: string;
  changes: Partial<InboundSourceConfig>;
}

/** Inbound sources (POST /sources, POST /inbound/{id}). */
export interface SourceStore {
  sourceCreate(params: SourceCreateParams): Promise<InboundSourceRow>;
  /** Returns false when the tenant has no source with this id. */
  sourceDelete(params: { tenantId: string; id: string }): Promise<boolean>;
  sourceGet(params: { tenantId: string; id: string }): Promise<InboundSourceRow | null>;
  /** By id alone: the inbound URL names a source and carries no API key. */
  sourceGetById(params: { id: string }): Promise<InboundSourceRow | null>;
  /** Ordered by id (creation order); `after` is an exclusive id cursor. */
  sourceList(params: {
    tenantId: string;
    after: string | null;
    limit: number;
  }): Promise<InboundSourceRow[]>;
  /** The changed row, or null when the tenant has no source with this id. */
  sourceUpdate(params: SourceUpdateParams): Promise<InboundSourceRow | null>;
}

export interface Store extends DeliveryStore, SourceStore {
  readonly dialect: 'sqlite' | 'postgres';

  apiKeyCreate(params: ApiKeyCreateParams): Promise<ApiKeyRow>;
  /** Active (unrevoked) key by hash, or null. */
  apiKeyGetByHash(params: { hash: string }): Promise<ApiKeyRow | null>;
  apiKeyList(params: { tenantId: string | null }): Promise<ApiKeyRow[]>;
  /** Returns false when no active key has this id. */
  apiKeyRevoke(params: { id: string }): Promise<boolean>;
  /** Keys revoked at or after `since` (by the store's clock), oldest first. */
  apiKeyRevokedSince(params: { since: Date }): Promise<ApiKeyRevocation[]>;
  /**
   * Hears revocations made through this store object, as soon as they commit;
   * other processes' revocations are found with apiKeyRevokedSince.
   */
  onApiKeyRevoked(listener: (keyId: string) => void): () => void;

  close(): Promise<void>;

  /**
   * Stores all events or none, in order, assigning each tenant sequence and id
   * inside the same transaction that commits them. Resolves only after commit.
   */
  eventAppend(params: EventAppendParams): Promise<AppendedEvent[]>;
  eventDeleteBefore(params: EventDeleteBeforeParams): Promise<number>;
  eventGetById(params: { tenantId: string; id: string }): Promise<StoredEvent | null>;
  eventList(params: EventListParams): Promise<StoredEvent[]>;

  migrate(): Promise<MigrationStatus>;
  migrationStatus(): Promise<MigrationStatus>;

  /** Subscribes to commits made by any process sharing this store. Returns an unsubscribe function. */
  onCommit(listener: CommitListener): () => void;

  /** Cheap round trip used by readiness checks. */
  ping(): Promise<void>;

  tenantEnsure(params: { name: string }): Promise<TenantRow>;
  tenantGetByName(params: { name: string }): Promise<TenantRow | null>;
}
