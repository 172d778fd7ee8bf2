// `herald inspect`: runs the local request inspector (inspector-server.ts)
// until ^C, printing one line per request it records.
import { Command, InvalidArgumentError } from 'commander';
import { isValidSecret } from '../domain/signature.ts';
import { startInspector } from './inspector-server.ts';

function int(min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

export function inspectCommand(): Command {
  const cmd = new Command('inspect')
    .description('run a local request inspector (a RequestBin) that records what it receives')
    .option('--port <port>', 'port to listen on (0 = any free port)', int(0, 65535), 9000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--status <code>', 'HTTP status to answer every request with', int(200, 599), 200)
    .option('--max <n>', 'requests kept in memory (oldest dropped)', int(1, 10_000), 100)
    .option('--secret <whsec>', "check each request's Standard Webhooks signature with it")
    .option('--print-body', 'print headers and body of each request, not just one line', false)
    .action(
      async (opts: {
        port: number;
        host: string;
        status: number;
        max: number;
        secret?: string;
        printBody: boolean;
      }) => {
        if (opts.secret !== undefined && !isValidSecret(opts.secret)) {
          cmd.error('--secret must be whsec_ followed by base64 of 24 to 64 bytes', {
            exitCode: 2,
          });
        }
        const inspector = await startInspector({
          host: opts.host,
          port: opts.port,
          max: opts.max,
          maxBodyBytes: 1024 * 1024,
          status: opts.status,
          secret: opts.secret ?? null,
          onRequest: (r) => {
            const sig = r.signature ? `  signature ${r.signature}` : '';
            process.stdout.write(
              `${r.received_at}  ${r.id}  ${r.method} ${r.path}${r.query}  ${r.body_bytes} bytes${sig}\n`,
            );
            if (opts.printBody) {
              for (const [k, v] of Object.entries(r.headers))
                process.stdout.write(`  ${k}: ${v}\n`);
              process.stdout.write(`\n${r.body}\n\n`);
            }
          },
        });
        process.stderr.write(
          `Inspector listening at ${inspector.url}: point an endpoint at ${inspector.url}/<any path>; ` +
            `recorded requests at ${inspector.url}/requests (^C to quit)\n`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await inspector.close();
      },
    );
  return cmd;
}
