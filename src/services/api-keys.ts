// API key lifecycle shared by the CLI and the HTTP API: the plaintext key
// exists only in the return value of create().
import { apiKeyHint, generateApiKey, hashApiKey } from '../domain/api-key.ts';
import type { ApiKeyRow, Store } from '../store/store.ts';

export interface CreatedApiKey {
  key: string;
  row: ApiKeyRow;
}

export async function createApiKey(
  store: Store,
  opts: { tenant: string; name: string; admin: boolean },
): Promise<CreatedApiKey> {
  const tenant = await store.tenantEnsure({ name: opts.tenant });
  const key = generateApiKey();
  const row = await store.apiKeyCreate({
    tenantId: tenant.id,
    name: opts.name,
    hash: hashApiKey(key),
    hint: apiKeyHint(key),
    admin: opts.admin,
  });
  return { key, row };
}
