import { Command } from 'commander';
import { createLogger, startHerald } from '../main.ts';
import { onLauncherGone } from './launcher-watch.ts';
import { addAllOptions, configFromOptions } from './options.ts';

/** Beyond the HTTP grace: the delivery grace (2 s) and closing the store. */
const BACKSTOP_MS = 5_000;

export function serveCommand(): Command {
  const cmd = addAllOptions(
    new Command('serve').description('start the Herald API on the configured store'),
  );
  cmd.action(async (opts) => {
    const cfg = configFromOptions(opts);
    const logger = createLogger(cfg);
    const herald = await startHerald(cfg, logger);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      // The close is bounded step by step; this bounds it as a whole, e.g. when
      // the database has gone away and closing the store would wait for it.
      setTimeout(() => {
        logger.error('shutdown did not finish in time; exiting');
        process.exit(1);
      }, cfg.shutdownGraceMs + BACKSTOP_MS).unref();
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
    onLauncherGone(() => stop('launcher exited'));
  });
  return cmd;
}
