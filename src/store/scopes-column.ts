// How both stores keep a key's scopes: one space-separated text column.
import { type ApiKeyScope, isApiKeyScope } from '../domain/api-key.ts';

/** A scope this version does not know (written by a newer one) grants nothing. */
export function parseScopes(column: string): ApiKeyScope[] {
  return column.split(' ').filter(isApiKeyScope);
}
