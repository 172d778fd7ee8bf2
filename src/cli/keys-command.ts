import { Command, InvalidArgumentError } from 'commander';
import { API_KEY_SCOPES, type ApiKeyScope, isApiKeyScope } from '../domain/api-key.ts';
import { openStore } from '../main.ts';
import { createApiKey } from '../services/api-keys.ts';
import type { Store } from '../store/store.ts';
import { addStoreOptions, configFromOptions } from './options.ts';

async function withStore<T>(
  opts: Record<string, unknown>,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(configFromOptions(opts));
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Collects repeated or comma-separated --scope values. */
function collectScopes(value: string, previous: ApiKeyScope[] | undefined): ApiKeyScope[] {
  const out = [...(previous ?? [])];
  for (const s of value.split(',').map((v) => v.trim())) {
    if (!isApiKeyScope(s)) {
      throw new InvalidArgumentError(`unknown scope ${s}; one of ${API_KEY_SCOPES.join(', ')}`);
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

export function keysCommand(): Command {
  const keys = new Command('keys').description('manage API keys');

  const create = new Command('create')
    .description('create an API key and print it (only the key) on stdout')
    .option(
      '--tenant <name>',
      'tenant (environment) the key belongs to; created on first use',
      'default',
    )
    .option('--name <name>', 'a label for the key', 'cli')
    .option('--admin', 'the key may also manage API keys over the API', false)
    .option(
      '--scope <scope>',
      `what the key may do, repeatable or comma-separated: ${API_KEY_SCOPES.join(', ')} (default: events:write, events:read, endpoints:manage)`,
      collectScopes,
    );
  addStoreOptions(create).action(async (opts) => {
    const created = await withStore(opts, (store) =>
      createApiKey(store, {
        tenant: opts.tenant,
        name: opts.name,
        admin: opts.admin,
        scopes: opts.scope ?? null,
      }),
    );
    process.stdout.write(`${created.key}\n`);
    process.stderr.write(
      `created ${created.row.id} for tenant ${created.row.tenantName} with scopes ${created.row.scopes.join(' ')}; store it now, it is not shown again\n`,
    );
  });

  const list = new Command('list')
    .description('list API keys')
    .option('--tenant <name>', 'only this tenant');
  addStoreOptions(list).action(async (opts) => {
    await withStore(opts, async (store) => {
      const tenant = opts.tenant ? await store.tenantGetByName({ name: opts.tenant }) : null;
      if (opts.tenant && !tenant) return;
      for (const k of await store.apiKeyList({ tenantId: tenant?.id ?? null })) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
        process.stdout.write(
          `${k.id}\t${k.tenantName}\t${k.name}\t${k.hint}\t${k.scopes.join(',')}\t${state}\n`,
        );
      }
    });
  });

  const revoke = new Command('revoke')
    .description('revoke an API key by id')
    .argument('<id>', 'key id (key_...)');
  addStoreOptions(revoke).action(async (id: string, opts) => {
    const ok = await withStore(opts, (store) => store.apiKeyRevoke({ id }));
    if (!ok) {
      process.stderr.write(`herald: no active API key with id ${id}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`revoked ${id}\n`);
  });

  return keys.addCommand(create).addCommand(list).addCommand(revoke);
}
