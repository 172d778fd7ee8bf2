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
