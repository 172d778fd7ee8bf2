// The `herald` command. A bad flag or value is one line on stderr and exit code 2.
import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.ts';
import { HERALD_VERSION } from '../version.ts';
import { deliveriesCommand } from './deliveries-command.ts';
import { endpointsCommand } from './endpoints-command.ts';
import { eventsCommand } from './events-command.ts';
import { inspectCommand } from './inspect-command.ts';
import { keysCommand } from './keys-command.ts';
import { listenCommand } from './listen-command.ts';
import { migrateCommand } from './migrate-command.ts';
import { replayCommand } from './replay-command.ts';
import { serveCommand } from './serve-command.ts';
import { triggerCommand } from './trigger-command.ts';

const USAGE_EXIT = 2;

export function buildProgram(): Command {
  const program = new Command('herald')
    .description('Herald: durable, strictly ordered event delivery')
    .version(HERALD_VERSION)
    .addCommand(serveCommand())
    .addCommand(keysCommand())
    .addCommand(migrateCommand())
    .addCommand(listenCommand())
    .addCommand(triggerCommand())
    .addCommand(eventsCommand())
    .addCommand(endpointsCommand())
    .addCommand(deliveriesCommand())
    .addCommand(replayCommand())
    .addCommand(inspectCommand());
  const configure = (cmd: Command) => {
    cmd.exitOverride().showSuggestionAfterError(true);
    cmd.configureOutput({
      outputError: (str, write) => write(`herald: ${str.replace(/^error: /, '').trim()}\n`),
    });
    for (const sub of cmd.commands) configure(sub);
  };
  configure(program);
  return program;
}

export async function run(argv: string[]): Promise<void> {
  try {
    // Variables in ./.env, for settings and for the PostgreSQL driver's PG*;
    // Node's loader leaves variables already in the environment alone.
    if (existsSync('.env')) process.loadEnvFile('.env');
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : USAGE_EXIT;
      return;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`herald: ${err.message}\n`);
      process.exitCode = USAGE_EXIT;
      return;
    }
    process.stderr.write(`herald: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

await run(process.argv);
