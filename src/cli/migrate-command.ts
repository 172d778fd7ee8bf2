import { Command } from 'commander';
import { openStore } from '../main.ts';
import { addStoreOptions, configFromOptions } from './options.ts';

export function migrateCommand(): Command {
  const cmd = new Command('migrate')
    .description('apply pending schema migrations (serve applies them at start too)')
    .option('--status', 'only print applied and pending migrations');
  addStoreOptions(cmd).action(async (opts) => {
    const store = await openStore(configFromOptions(opts));
    try {
      const status = opts.status ? await store.migrationStatus() : await store.migrate();
      process.stdout.write(
        `applied: ${status.applied.join(', ') || 'none'}\npending: ${status.pending.join(', ') || 'none'}\n`,
      );
    } finally {
      await store.close();
    }
  });
  return cmd;
}
