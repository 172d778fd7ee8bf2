// API keys are 256-bit random secrets; only their SHA-256 is stored, which is
// enough for high-entropy tokens and keeps lookups a single indexed equality.
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'sk_herald_';

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The part of a key that is safe to show again after creation. */
export function apiKeyHint(key: string): string {
  return `${key.slice(0, API_KEY_PREFIX.length + 4)}…${key.slice(-4)}`;
}

/**
 * What a key may do. `admin` (managing keys) implies every other scope. A
 * producer gets events:write, a consumer events:read.
 */
export const API_KEY_SCOPES = ['events:write', 'events:read', 'endpoints:manage', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Keys made before scopes existed, and new keys created without any, may do everything but manage keys. */
export const DEFAULT_SCOPES: readonly ApiKeyScope[] = [
  'events:write',
  'events:read',
  'endpoints:manage',
];

export function isApiKeyScope(s: string): s is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(s);
}

export function hasScope(scopes: readonly ApiKeyScope[], needed: ApiKeyScope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}

/** The scopes a new key gets: the requested ones (admin adds `admin`), in catalogue order. */
export function scopesFor(requested: readonly ApiKeyScope[] | null, admin: boolean): ApiKeyScope[] {
  const set = new Set<ApiKeyScope>(requested ?? (admin ? [] : DEFAULT_SCOPES));
  if (admin) set.add('admin');
  return API_KEY_SCOPES.filter((s) => set.has(s));
}
