import { Command } from 'commander';
import { createLogger, startHerald } from '../main.ts';
import { addStoreOptions, configFromOptions } from './options.ts';

export function serveCommand(): Command {
  const cmd = new Command('serve')
    .description('start the Herald API on the configured store')
    .option('--port <port>', 'TCP port (env PORT, default 8080)')
    .option('--host <host>', 'listen address (env HERALD_HOST, default 127.0.0.1)')
    .option('--retention <duration>', 'how long events are kept, e.g. 30d (env HERALD_RETENTION)')
    .option(
      '--delivery-retention <duration>',
      'how long finished deliveries and their attempts are kept (default: --retention)',
    )
    .option(
      '--retention-interval <duration>',
      'how often expired events and deliveries are removed (default 1m)',
    )
    .option('--max-event-bytes <n>', 'largest accepted event in bytes (default 262144)')
    .option('--max-batch-bytes <n>', 'largest accepted batch body in bytes (default 16777216)')
    .option('--sse-heartbeat <duration>', 'SSE heartbeat interval (default 15s)')
    .option('--sqlite-synchronous <mode>', 'FULL (default) or NORMAL')
    .option('--log-level <level>', 'fatal, error, warn, info (default), debug, trace or silent')
    .option(
      '--allow-private-endpoints',
      'allow http and private/loopback webhook URLs (env HERALD_ALLOW_PRIVATE_ENDPOINTS=true)',
    )
    .option('--delivery-concurrency <n>', 'most webhook requests in flight at once (default 100)')
    .option('--notify-summary-interval <duration>', 'period of success summaries (default 1h)')
    .option(
      '--delivery-ownership-ttl <duration>',
      "how long a dead worker's endpoints wait before live workers take them (default 10s)",
    )
    .option('--role <role>', 'api, worker or all (env HERALD_ROLE, default all)')
    .option(
      '--read-database <url>',
      'PostgreSQL read replica for event list reads (env HERALD_READ_DATABASE_URL)',
    );
  addStoreOptions(cmd);
  cmd.action(async (opts) => {
    const cfg = configFromOptions(opts);
    const logger = createLogger(cfg);
    const herald = await startHerald(cfg, logger);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      herald.close().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  return cmd;
}
