// API key lifecycle shared by the CLI and the HTTP API: the plaintext key
// exists only in the return value of create().
import {
  type ApiKeyScope,
  apiKeyHint,
  generateApiKey,
  hashApiKey,
  scopesFor,
} from '../domain/api-key.ts';
import type { ApiKeyRow, Store } from '../store/store.ts';

export interface CreatedApiKey {
  key: string;
  row: ApiKeyRow;
}

export async function createApiKey(
  store: Store,
  opts: { tenant: string; name: string; admin: boolean; scopes?: readonly ApiKeyScope[] | null },
): Promise<CreatedApiKey> {
  const scopes = scopesFor(opts.scopes ?? null, opts.admin);
  const tenant = await store.tenantEnsure({ name: opts.tenant });
  const key = generateApiKey();
  const row = await store.apiKeyCreate({
    tenantId: tenant.id,
    name: opts.name,
    hash: hashApiKey(key),
    hint: apiKeyHint(key),
    admin: scopes.includes('admin'),
    scopes,
  });
  return { key, row };
}
