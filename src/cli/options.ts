// Flags shared by every command that opens the store, mapped onto config keys.
import type { Command } from 'commander';
import { type Config, loadConfig } from '../config/config.ts';

export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data <dir>',
      'data folder of the embedded SQLite database (env HERALD_DATA_DIR, default ./.herald)',
    )
    .option('--database <url>', 'PostgreSQL connection string (env DATABASE_URL); overrides --data')
    .option('--database-schema <name>', 'PostgreSQL schema (env HERALD_DATABASE_SCHEMA)')
    .option('--database-pool-max <n>', 'PostgreSQL connections per process (default 10)');
}

const FLAG_TO_KEY: Record<string, keyof Config> = {
  host: 'host',
  port: 'port',
  data: 'dataDir',
  database: 'databaseUrl',
  databaseSchema: 'databaseSchema',
  databasePoolMax: 'databasePoolMax',
  retention: 'retentionMs',
  deliveryRetention: 'deliveryRetentionMs',
  retentionInterval: 'retentionIntervalMs',
  maxEventBytes: 'maxEventBytes',
  maxBatchBytes: 'maxBatchBytes',
  sseHeartbeat: 'sseHeartbeatMs',
  sqliteSynchronous: 'sqliteSynchronous',
  logLevel: 'logLevel',
  allowPrivateEndpoints: 'allowPrivateEndpoints',
  deliveryConcurrency: 'deliveryConcurrency',
  notifySummaryInterval: 'notifySummaryIntervalMs',
  deliveryOwnershipTtl: 'deliveryOwnershipTtlMs',
  role: 'role',
  readDatabase: 'readDatabaseUrl',
};

/** Loads the configuration from commander's parsed options and the environment. */
export function configFromOptions(opts: Record<string, unknown>, env = process.env): Config {
  const flags: Partial<Record<keyof Config, string>> = {};
  for (const [name, key] of Object.entries(FLAG_TO_KEY)) {
    if (opts[name] !== undefined) flags[key] = String(opts[name]);
  }
  return loadConfig(flags, env);
}
